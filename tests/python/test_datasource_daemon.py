"""DataSource against the real daemon and real writers: the swmr_tools user guide's example
(written by swmr-sim, and by h5py in SWMR mode, compared frame for frame with swmr_tools'
loop reading the file directly), how runs end, runs in progress, and chunk payloads."""

import threading
import time

import numpy as np
import pytest

import swmrd
from support import WAIT_S, expected_frame, finish, run_sim, watch_spec

h5py = pytest.importorskip("h5py")

USER_GUIDE_SLICES = [(slice(0, 1, None), slice(0, 1, None)),
                     (slice(0, 1, None), slice(1, 2, None)),
                     (slice(1, 2, None), slice(0, 1, None)),
                     (slice(1, 2, None), slice(1, 2, None))]
SIM_DATASETS = ["/entry/data/data", "/entry/data/data_1"]


def reference_loop(path, keys, datasets, finished=None, timeout=1.0):
    """swmr_tools' DataSource loop (docs/protocol.md, "When a frame is readable"), reading the
    file with h5py:
    yields (index, slice_metadata, maxshape, {path: array}) for each readable frame."""
    with h5py.File(path, "r", swmr=True) as f:
        key_datasets = [f[k] for k in keys]
        rank = len(key_datasets[0].maxshape)
        while rank > 0 and key_datasets[0].maxshape[rank - 1] == 1:
            rank -= 1
        maxshape = key_datasets[0].maxshape[:rank]
        sent, last_new, finishing = 0, time.monotonic(), False
        while True:
            for k in key_datasets:
                k.refresh()
            flat = [k[...].ravel() != 0 for k in key_datasets]
            size = max(len(k) for k in flat)
            ready = np.ones(size, dtype=bool)
            for k in flat:
                ready[len(k):] = False
                ready[:len(k)] &= k
            readable = int(np.argmin(ready)) if not ready.all() else size
            for index in range(sent, readable):
                frame = {}
                for name in datasets:
                    dataset = f[name]
                    dataset.refresh()
                    position = np.unravel_index(index, dataset.shape[:rank])
                    selection = tuple(slice(int(p), int(p) + 1) for p in position)
                    frame[name] = dataset[selection]
                yield index, selection, maxshape, frame
            if readable > sent:
                sent, last_new = readable, time.monotonic()
                continue
            if None not in maxshape and sent == int(np.prod(maxshape)):
                return
            if finishing or time.monotonic() - last_new > timeout:
                return
            if finished is not None:
                flag = f[finished]
                flag.refresh()
                finishing = bool(flag[()])  # one more poll of the keys, then stop
            time.sleep(timeout / 20)


def user_guide_daemon(start_daemon, path, keys, datasets):
    spec = watch_spec("example", path, keys=keys, datasets=datasets, timeout="5s")
    return start_daemon(watches=[spec])


def test_user_guide_example_from_swmr_sim(start_daemon, tmp_path):
    path = tmp_path / "example.h5"
    daemon = user_guide_daemon(start_daemon, path, ["/entry/keys/uid"], SIM_DATASETS)
    ds = swmrd.DataSource(daemon.publish, watch="example", timeout=WAIT_S)
    run_sim(path, "--scan-shape", "2x2", "--fixed", "--frame-shape", "5x10", "--dtype", "i8",
            "--datasets", 2, "--key-trailing-ones", 2)

    # The user guide's loop, unchanged but for the DataSource's arguments.
    slices = []
    with h5py.File(tmp_path / "results.h5", "w") as out:
        result_dataset = None
        for data_map in ds:
            frame = data_map["/entry/data/data"]
            slices.append(data_map.slice_metadata)
            assert frame.shape == (1, 1, 5, 10) and frame.dtype == np.dtype("<i8")
            for d, name in enumerate(SIM_DATASETS):
                np.testing.assert_array_equal(
                    data_map[name][0, 0], expected_frame(d, data_map.index, (5, 10), "i8"))
            assert data_map.maxshape == (2, 2)
            result = frame[0, 0].sum(axis=0)
            if result_dataset is None:
                result_dataset = ds.create_dataset(result, out, "/result")
            ds.append_data(result, data_map.slice_metadata, result_dataset)
        assert result_dataset.shape == (2, 2, 10) and result_dataset.maxshape == (2, 2, 10)
        for index, (a, b) in enumerate(np.ndindex(2, 2)):
            np.testing.assert_array_equal(
                result_dataset[a, b], expected_frame(0, index, (5, 10), "i8").sum(axis=0))

    assert slices == USER_GUIDE_SLICES
    assert ds.end_reason in ("complete", "finished"), ds.end
    assert ds.start["scan_rank"] == 2 and ds.maxshape == (2, 2) and ds.missed == 0
    assert ds.file == str(path)


def write_user_guide_file_swmr(path, data_1, data_2):
    """The user guide's file, written as a detector would: SWMR mode, one frame at a time,
    data flushed before its key."""
    with h5py.File(path, "w", libver="latest") as f:
        keys = f.create_dataset("keys/keys_1", shape=(2, 2, 1, 1), dtype="<i8", fillvalue=0)
        d1 = f.create_dataset("data/data_1", shape=data_1.shape, dtype=data_1.dtype,
                              chunks=(1, 1, 5, 10))
        d2 = f.create_dataset("data/data_2", shape=data_2.shape, dtype=data_2.dtype,
                              chunks=(1, 1, 5, 10))
        f.swmr_mode = True
        for index, (a, b) in enumerate(np.ndindex(2, 2)):
            d1[a, b] = data_1[a, b]
            d2[a, b] = data_2[a, b]
            d1.flush()
            d2.flush()
            keys[a, b, 0, 0] = index + 1
            keys.flush()


def test_user_guide_example_from_h5py_swmr_writer_matches_swmr_tools_loop(start_daemon,
                                                                          tmp_path):
    path = tmp_path / "example.h5"
    keys, datasets = ["/keys/keys_1"], ["/data/data_1", "/data/data_2"]
    daemon = user_guide_daemon(start_daemon, path, keys, datasets)
    ds = swmrd.DataSource(daemon.publish, watch="example", timeout=WAIT_S)
    rng = np.random.default_rng(11)
    data_1 = rng.integers(-10000, 10000, size=(2, 2, 5, 10))
    data_2 = rng.integers(-10000, 10000, size=(2, 2, 5, 10))
    writer = threading.Thread(target=write_user_guide_file_swmr, args=(path, data_1, data_2))
    writer.start()
    received = list(ds)
    writer.join()

    reference = list(reference_loop(path, keys, datasets))
    assert len(received) == len(reference) == 4
    for data_map, (index, selection, maxshape, frame) in zip(received, reference):
        assert data_map.index == index
        assert data_map.slice_metadata == selection == USER_GUIDE_SLICES[index]
        assert data_map.maxshape == maxshape == (2, 2)
        assert list(data_map) == datasets
        for name in datasets:
            assert data_map[name].dtype == frame[name].dtype
            assert data_map[name].shape == frame[name].shape == (1, 1, 5, 10)
            np.testing.assert_array_equal(data_map[name], frame[name])
        a, b = np.unravel_index(index, (2, 2))
        np.testing.assert_array_equal(data_map["/data/data_1"][0, 0], data_1[a, b])
        np.testing.assert_array_equal(data_map["/data/data_2"][0, 0], data_2[a, b])
    assert ds.end_reason == "complete"


def test_growing_scan_ends_with_finished(start_daemon, tmp_path):
    path = tmp_path / "grow.h5"
    daemon = start_daemon(watches=[watch_spec("grow", path, finished="/entry/finished",
                                              timeout="20s")])
    ds = swmrd.DataSource(daemon.publish, "grow", timeout=WAIT_S)
    run_sim(path, "--scan-shape", 7, "--frame-shape", "3x2", "--dtype", "f4")
    maps = list(ds)
    assert [m.index for m in maps] == list(range(7))
    assert maps[0].maxshape == (None,) and ds.maxshape == (None,)
    for m in maps:
        assert m.slice_metadata == (slice(m.index, m.index + 1, None),)
        np.testing.assert_array_equal(m["/entry/data/data"][0],
                                      expected_frame(0, m.index, (3, 2), "f4"))
    assert ds.end_reason == "finished" and ds.end["frames"] == 7


def test_writer_that_died_ends_with_timeout(start_daemon, tmp_path):
    path = tmp_path / "dead.h5"
    daemon = start_daemon(watches=[watch_spec("dead", path, finished="/entry/finished",
                                              timeout="500ms")])
    ds = swmrd.DataSource(daemon.publish, "dead", timeout=WAIT_S)
    run_sim(path, "--scan-shape", 10, "--die-after", 3)
    assert [m.index for m in ds] == [0, 1, 2]
    assert ds.end_reason == "timeout" and ds.end["last_index"] == 2


def test_stop_and_shutdown_end_runs(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("slow", tmp_path / "slow.h5", timeout="20s"),
                                   watch_spec("other", tmp_path / "other.h5", timeout="20s")])
    slow = swmrd.DataSource(daemon.publish, "slow", timeout=WAIT_S)
    other = swmrd.DataSource(daemon.publish, "other", timeout=WAIT_S)
    writers = [run_sim(tmp_path / f"{name}.h5", "--scan-shape", 2000, "--rate", 50, wait=False)
               for name in ("slow", "other")]
    try:
        assert next(slow).index == 0 and next(other).index == 0
        swmrd.Control(daemon.control, timeout=10).stop("slow")
        rest = list(slow)
        assert slow.end_reason == "stopped"
        assert [m.index for m in rest] == list(range(1, slow.end["frames"]))

        assert daemon.stop() == 0, daemon.log()
        rest = list(other)
        assert other.end_reason == "shutdown"
        assert [m.index for m in rest] == list(range(1, other.end["frames"]))
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()


def test_run_that_cannot_start_raises_run_error(start_daemon, tmp_path):
    path = tmp_path / "nokeys.h5"
    daemon = start_daemon(watches=[watch_spec("bad", path, keys=["/entry/keys/missing"],
                                              timeout="1s")])
    ds = swmrd.DataSource(daemon.publish, "bad", timeout=WAIT_S)
    run_sim(path, "--scan-shape", 2)
    with pytest.raises(swmrd.RunError, match="/entry/keys/missing") as caught:
        list(ds)
    assert ds.end_reason == "error" and ds.end["seq"] == 0
    assert caught.value.message == ds.error


def test_join_a_run_in_progress(start_daemon, tmp_path):
    path = tmp_path / "late.h5"
    daemon = start_daemon(watches=[watch_spec("late", path, finished="/entry/finished",
                                              timeout="20s")])
    writer = run_sim(path, "--scan-shape", 60, "--rate", 40, wait=False)
    control = swmrd.Control(daemon.control, timeout=10)
    deadline = time.monotonic() + WAIT_S
    while control.status("late")["frames"] < 5:
        assert time.monotonic() < deadline, control.status("late")
        time.sleep(0.05)
    ds = swmrd.DataSource(daemon.publish, "late", timeout=WAIT_S, join="running")
    indices = [m.index for m in ds]
    finish(writer)
    assert ds.joined_running and ds.start is None
    assert indices[0] == ds.first_index > 0
    assert indices == list(range(indices[0], 60))  # every frame from there, in order
    assert ds.end_reason == "finished" and ds.missed == 0


def test_lz4_chunks_are_decoded(start_daemon, tmp_path):
    path = tmp_path / "lz4.h5"
    daemon = start_daemon(watches=[watch_spec("lz4", path, encoding="chunk", timeout="20s",
                                              finished="/entry/finished")])
    ds = swmrd.DataSource(daemon.publish, "lz4", timeout=WAIT_S)
    run_sim(path, "--scan-shape", 5, "--frame-shape", "32x40", "--dtype", "u2",
            "--compression", "lz4")
    maps = list(ds)
    assert ds.start["datasets"][0]["encoding"] == "chunk"
    assert [f for f, _ in ds.start["datasets"][0]["filters"]] == [32004]
    assert [m.index for m in maps] == list(range(5))
    for m in maps:
        part = m.header["parts"][0]
        assert part["encoding"] == "chunk" and part["filters"][0][0] == 32004
        array = m["/entry/data/data"]
        assert array.shape == (1, 32, 40) and array.dtype == np.dtype("<u2")
        np.testing.assert_array_equal(array[0], expected_frame(0, m.index, (32, 40), "u2"))
    assert ds.end_reason == "finished"


def test_chunks_of_an_unknown_filter(start_daemon, tmp_path):
    path = tmp_path / "unknown.h5"
    daemon = start_daemon(watches=[watch_spec("odd", path, encoding="chunk", timeout="20s",
                                              finished="/entry/finished")])
    ds = swmrd.DataSource(daemon.publish, "odd", timeout=WAIT_S)
    undecoded = swmrd.DataSource(daemon.publish, "odd", timeout=WAIT_S, decode_chunks=False)
    # A filter nobody has: the stored bytes are the frame's raw bytes under its id.
    run_sim(path, "--scan-shape", 2, "--frame-shape", "8x8", "--dtype", "u2",
            "--direct-chunk-filter", "32999:1,2")
    with pytest.raises(swmrd.FilterUnavailable, match="filter 32999") as caught:
        next(ds)
    assert caught.value.filter_id == 32999
    first = next(undecoded)
    chunk = first["/entry/data/data"]
    assert chunk.dtype == np.uint8 and first.header["parts"][0]["filters"] == [[32999, [1, 2]]]
    np.testing.assert_array_equal(chunk.view("<u2").reshape(8, 8),
                                  expected_frame(0, 0, (8, 8), "u2"))


def test_control_peers_lists_the_subscriber_of_a_data_source(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("det", tmp_path / "scan.h5", timeout="20s")])
    with swmrd.Control(daemon.control, timeout=10) as control:
        assert control.peers() == {"peers": [], "peers_cut": 0}
        source = swmrd.DataSource(daemon.publish, "det", timeout=WAIT_S)
        run_sim(tmp_path / "scan.h5", "--scan-shape", 3)
        assert [m.index for m in source] == [0, 1, 2]
        (peer,) = control.peers()["peers"]
        assert peer["channel"] == "publish" and peer["address"].startswith("127.0.0.1:")
