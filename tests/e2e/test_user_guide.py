"""The swmr_tools user guide's example, through swmrd: the same frames, slices and shapes
as swmr_tools' DataSource yields from the file directly."""

import h5py
import numpy as np

from harness import run_sim, watch_spec

EXPECTED_SLICES = [[[0, 1, None], [0, 1, None]], [[0, 1, None], [1, 2, None]],
                   [[1, 2, None], [0, 1, None]], [[1, 2, None], [1, 2, None]]]


def reference_frames(path, keys, datasets):
    """DataSource's loop over a complete file (docs/protocol.md, "When a frame is readable"),
    read with h5py."""
    with h5py.File(path, "r", swmr=True) as f:
        key_datasets = [f[k] for k in keys]
        rank = len(key_datasets[0].maxshape)
        while rank > 0 and key_datasets[0].maxshape[rank - 1] == 1:
            rank -= 1
        flat = np.prod([k[...].flatten() for k in key_datasets], axis=0)
        readable = int(np.argmax(flat == 0)) if (flat == 0).any() else flat.size
        for index in range(readable):
            out = {}
            slices = None
            for path_in_file in datasets:
                dataset = f[path_in_file]
                position = np.unravel_index(index, dataset.shape[:rank])
                selection = tuple(slice(p, p + 1) for p in position)
                out[path_in_file] = dataset[selection]
                if slices is None:
                    slices = [[int(p), int(p) + 1, None] for p in position]
            yield index, slices, out


def stream(start_daemon, tmp_path, write):
    path = tmp_path / "example.h5"
    spec = watch_spec("example", path, keys=["/keys/keys_1"],
                      datasets=["/data/data_1", "/data/data_2"], timeout="1s")
    daemon = start_daemon(watches=[spec])
    sub = daemon.subscriber("example/")
    sub.wait_ready()
    write(path)
    start, *frames, end = sub.run("example")
    return path, start, frames, end


def compare_with_reference(path, start, frames, end):
    assert start.header["scan_rank"] == 2 and start.header["scan_shape"] == [2, 2]
    assert end.header["reason"] == "complete" and end.header["frames"] == 4
    reference = list(reference_frames(path, ["/keys/keys_1"], ["/data/data_1", "/data/data_2"]))
    assert len(frames) == len(reference) == 4
    for frame, (index, slices, arrays) in zip(frames, reference):
        assert frame.header["index"] == index
        assert frame.header["slice"] == slices == EXPECTED_SLICES[index]
        for part, name in enumerate(["/data/data_1", "/data/data_2"]):
            array = frame.array(part)
            assert array.shape == (1, 1, 5, 10)
            assert array.dtype == np.dtype("<i8")
            np.testing.assert_array_equal(array, arrays[name])


def test_user_guide_example_written_by_h5py(start_daemon, tmp_path):
    rng = np.random.default_rng(7)
    data_1 = rng.integers(-10000, 10000, size=(2, 2, 5, 10))
    data_2 = rng.integers(-10000, 10000, size=(2, 2, 5, 10))

    def write(path):
        # As in the user guide, except written to a temporary name and moved into place,
        # so the daemon never sees a half-written non-SWMR file.
        staging = path.with_suffix(".partial")
        with h5py.File(staging, "w", libver="latest") as f:
            f.create_group("keys")
            f.create_group("data")
            f["keys"].create_dataset("keys_1", data=np.arange(1, 5).reshape(2, 2, 1, 1))
            f["data"].create_dataset("data_1", data=data_1)
            f["data"].create_dataset("data_2", data=data_2)
        staging.rename(path)

    path, start, frames, end = stream(start_daemon, tmp_path, write)
    compare_with_reference(path, start, frames, end)
    np.testing.assert_array_equal(frames[1].array(0)[0, 0], data_1[0, 1])


def test_user_guide_example_written_by_swmr_sim(start_daemon, tmp_path):
    def write(path):
        run_sim(path, "--scan-shape", "2x2", "--fixed", "--frame-shape", "5x10", "--dtype", "i8",
                "--datasets", 2, "--key-trailing-ones", 2, "--no-finished")

    # The same scan under swmr-sim's own dataset names.
    path = tmp_path / "example.h5"
    spec = watch_spec("example", path, keys=["/entry/keys/uid"],
                      datasets=["/entry/data/data", "/entry/data/data_1"], timeout="1s")
    daemon = start_daemon(watches=[spec])
    sub = daemon.subscriber("example/")
    sub.wait_ready()
    write(path)
    start, *frames, end = sub.run("example")
    assert end.header["reason"] == "complete"
    reference = list(reference_frames(path, ["/entry/keys/uid"],
                                      ["/entry/data/data", "/entry/data/data_1"]))
    assert [f.header["slice"] for f in frames] == EXPECTED_SLICES
    for frame, (index, slices, arrays) in zip(frames, reference):
        for part, name in enumerate(["/entry/data/data", "/entry/data/data_1"]):
            assert frame.array(part).shape == (1, 1, 5, 10)
            np.testing.assert_array_equal(frame.array(part), arrays[name])
