"""swmr_tools' semantics where files are odd: float keys, late keys, keys ahead of the data,
datasets created empty, interleaved members that differ, fixed shapes sent as chunks."""

import h5py
import numpy as np

from harness import ScriptedWriter, finish, run_sim, watch_spec


def run_of(daemon, spec):
    """Starts a control watch on `spec` and returns its run: [start, frames…, end]."""
    sub = daemon.subscriber(spec["name"] + "/")
    sub.wait_ready()
    reply = daemon.request("start", watch=spec)
    assert reply["ok"], reply
    messages = sub.run(spec["name"])
    sub.close()
    return messages


def test_user_guide_example_with_float_keys(start_daemon, tmp_path):
    # swmr_tools' own mock scans make their keys with np.zeros: float64.
    path = tmp_path / "example.h5"
    rng = np.random.default_rng(7)
    data = rng.integers(-10000, 10000, size=(2, 2, 5, 10))
    with h5py.File(path, "w", libver="latest") as f:
        keys = np.zeros((2, 2, 1, 1))
        keys[...] = 1.0
        f["keys/keys_1"] = keys
        f["data/data_1"] = data
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    start, *frames, end = run_of(daemon, watch_spec("guide", path, keys=["/keys/keys_1"],
                                                    datasets=["/data/data_1"], timeout="1s"))
    assert start.header["scan_shape"] == [2, 2]
    assert [m.header["slice"] for m in frames] == [
        [[0, 1, None], [0, 1, None]], [[0, 1, None], [1, 2, None]],
        [[1, 2, None], [0, 1, None]], [[1, 2, None], [1, 2, None]]]
    for i, message in enumerate(frames):
        np.testing.assert_array_equal(message.array(0), data[i // 2, i % 2][None, None])
    assert end.header["reason"] == "complete"


def test_keys_of_every_numeric_type(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    types = ["i1", "u1", "<i2", ">u2", "<i4", ">i4", "<u8", ">i8", "<f2", ">f4", "<f8", "?"]
    for n, dtype in enumerate(types):
        path = tmp_path / f"keys-{n}.h5"
        with h5py.File(path, "w", libver="latest") as f:
            keys = np.array([3, 1, 0, 2]).astype(dtype)
            f.create_dataset("keys", data=keys, maxshape=(None,))
            f["data"] = np.arange(4 * 3, dtype="<u2").reshape(4, 3)
        _, *frames, end = run_of(daemon, watch_spec(f"k{n}", path, keys=["/keys"],
                                                    datasets=["/data"], timeout="200ms"))
        assert [m.header["index"] for m in frames] == [0, 1], dtype
        assert end.header["reason"] == "timeout"


def test_a_key_that_lands_just_after_the_finished_flag_still_comes_out(start_daemon, tmp_path):
    path = tmp_path / "late.h5"
    writer = ScriptedWriter()
    writer.do(f"f = h5py.File({str(path)!r}, 'w', libver='latest')",
              "k = f.create_dataset('keys', (0,), maxshape=(None,), dtype='i4', chunks=(64,))",
              "d = f.create_dataset('data', (0, 3), maxshape=(None, 3), dtype='<u2', "
              "chunks=(1, 3))",
              "fin = f.create_dataset('finished', data=0)",
              "f.swmr_mode = True")
    for i in range(3):
        writer.do(f"d.resize(({i + 1}, 3)); d[{i}] = {i}; d.flush()",
                  f"k.resize(({i + 1},)); k[{i}] = 1; k.flush()")
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    sub = daemon.subscriber("late/")
    sub.wait_ready()
    spec = watch_spec("late", path, keys=["/keys"], datasets=["/data"], finished="/finished",
                      timeout="2s")
    assert daemon.request("start", watch=spec)["ok"]
    assert sub.next().kind == "start"
    for i in range(3):
        assert sub.next().header["index"] == i
    # The flag first, the last frame's key 20 ms later: within the grace of timeout/20.
    writer.do("fin[()] = 1; fin.flush()", "time.sleep(0.02)",
              "d.resize((4, 3)); d[3] = 3; d.flush()", "k.resize((4,)); k[3] = 1; k.flush()")
    last = sub.next()
    assert last.kind == "frame" and last.header["index"] == 3
    end = sub.next()
    assert end.kind == "end" and end.header["reason"] == "finished"
    writer.close()


def test_keys_ahead_of_the_data_send_what_is_there_then_say_why(start_daemon, tmp_path):
    path = tmp_path / "ahead.h5"
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("keys", data=np.ones(5, dtype="i4"), maxshape=(None,))
        f.create_dataset("data", data=np.arange(9, dtype="<u2").reshape(3, 3),
                         maxshape=(None, 3))
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    _, *frames, end = run_of(daemon, watch_spec("ahead", path, keys=["/keys"],
                                                datasets=["/data"], timeout="300ms"))
    assert [m.header["index"] for m in frames] == [0, 1, 2]
    assert end.header["reason"] == "error"
    assert "dataset /data holds only 3 frames (extent (3, 3))" in end.header["error"]
    assert "keys mark frame 3 readable" in end.header["error"]
    status = daemon.request("status", watch="ahead")["watch"]
    assert status["state"] == "failed" and status["file_state"] == "failed"


def test_a_dataset_created_empty_holds_start_until_its_frame_shape_is_known(start_daemon,
                                                                            tmp_path):
    path = tmp_path / "empty.h5"
    writer = ScriptedWriter()
    writer.do(f"f = h5py.File({str(path)!r}, 'w', libver='latest')",
              "k = f.create_dataset('keys', (0,), maxshape=(None,), dtype='i4', chunks=(64,))",
              "d = f.create_dataset('data', (0, 0, 0), maxshape=(None, None, None), "
              "dtype='<i2', chunks=(1, 4, 4))",
              "fin = f.create_dataset('finished', data=0)",
              "f.swmr_mode = True")
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    sub = daemon.subscriber("empty/")
    sub.wait_ready()
    spec = watch_spec("empty", path, keys=["/keys"], datasets=["/data"], finished="/finished",
                      timeout="5s")
    assert daemon.request("start", watch=spec)["ok"]
    writer.do("d.resize((2, 4, 5)); d[0] = 1; d[1] = 2; d.flush()",
              "k.resize((2,)); k[:] = 1; k.flush()", "fin[()] = 1; fin.flush()")
    start, *frames, end = sub.run("empty")
    writer.close()
    assert start.header["datasets"][0]["frame_shape"] == [4, 5]
    assert [m.header["parts"][0]["shape"] for m in frames] == [[1, 4, 5], [1, 4, 5]]
    np.testing.assert_array_equal(frames[1].array(0), np.full((1, 4, 5), 2, dtype="<i2"))
    assert end.header["reason"] == "finished"


def test_interleaved_members_of_different_dtypes_and_shapes(start_daemon, tmp_path):
    path = tmp_path / "odin.h5"
    first = np.arange(3 * 16, dtype="<u2").reshape(3, 4, 4)
    second = (np.arange(2 * 6).reshape(2, 2, 3) / 4).astype(">f4")
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("keys", data=np.ones(5, dtype="i4"), maxshape=(None,))
        f.create_dataset("odin1", data=first, maxshape=(None, 4, 4))
        f.create_dataset("odin2", data=second, maxshape=(None, 2, 3))
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    spec = watch_spec("odin", path, keys=["/keys"], datasets=None,
                      interleaved={"stack": ["/odin1", "/odin2"]}, timeout="300ms")
    start, *frames, end = run_of(daemon, spec)
    assert start.header["datasets"] == [{
        "path": "stack", "dtype": "<u2", "frame_shape": [4, 4], "encoding": "raw",
        "members": [{"path": "/odin1", "dtype": "<u2", "frame_shape": [4, 4]},
                    {"path": "/odin2", "dtype": ">f4", "frame_shape": [2, 3]}]}]
    assert len(frames) == 5
    for i, message in enumerate(frames):
        assert message.header["slice"] == [[i, i + 1, None]]
        expected = (first if i % 2 == 0 else second)[i // 2][None]
        assert message.header["parts"][0]["dtype"] == expected.dtype.str
        np.testing.assert_array_equal(message.array(0), expected)
    assert end.header["reason"] == "timeout"


def test_an_interleaved_group_in_a_scan_of_rank_zero_gets_swmr_tools_slice(start_daemon,
                                                                           tmp_path):
    path = tmp_path / "rank0.h5"
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("keys", data=np.ones((1, 1), dtype="i4"))
        f.create_dataset("data", data=np.arange(6, dtype="<i4").reshape(2, 3))
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    spec = watch_spec("rank0", path, keys=["/keys"], datasets=None,
                      interleaved={"group": ["/data"]}, timeout="300ms")
    start, frame, end = run_of(daemon, spec)
    assert start.header["scan_rank"] == 0
    assert frame.header["slice"] == [[0, 1, None]]
    assert frame.header["parts"][0]["shape"] == [2, 3]
    assert end.header["reason"] == "complete"


def test_a_fixed_shape_read_while_it_is_written_raw_and_as_chunks(start_daemon, tmp_path):
    # A fixed max shape never grows: the datasets must be refreshed before every new frame's
    # read or chunk lookup all the same.
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    for name, shape, count, encoding in (("line", "8", 8, "chunk"), ("grid", "2x3", 6, "chunk"),
                                         ("rawline", "8", 8, "raw"),
                                         ("rawgrid", "2x3", 6, "raw")):
        path = tmp_path / f"{name}.h5"
        sub = daemon.subscriber(name + "/")
        sub.wait_ready()
        spec = watch_spec(name, path, encoding=encoding, timeout="5s")
        assert daemon.request("start", watch=spec)["ok"]
        writer = run_sim(path, "--scan-shape", shape, "--fixed", "--rate", 20, "--no-finished",
                         wait=False)
        start, *frames, end = sub.run(name)
        finish(writer)
        assert start.header["datasets"][0]["encoding"] == encoding
        assert end.header["reason"] == "complete", end.header
        assert [m.header["index"] for m in frames] == list(range(count))
        with h5py.File(path, "r") as f:
            data = f["/entry/data/data"]
            for message in frames:
                position = np.unravel_index(message.header["index"], data.shape[:-2])
                if encoding == "chunk":
                    stored = data.id.read_direct_chunk(position + (0, 0))[1]
                    assert message.payload[0].bytes == stored
                else:
                    np.testing.assert_array_equal(message.array(0).reshape(4, 4),
                                                  data[position])
