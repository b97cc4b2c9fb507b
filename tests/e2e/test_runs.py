"""Runs end to end: swmr-sim writes, swmrd streams, a raw subscriber checks every frame."""

import signal
import time

import h5py
import numpy as np
import pytest

from harness import check_run, expected_frame, finish, run_sim, watch_spec


def follow(start_daemon, tmp_path, sim_args, spec_extra=None, **watch_fields):
    path = tmp_path / "scan.h5"
    spec = watch_spec("det", path, **watch_fields)
    spec.update(spec_extra or {})
    daemon = start_daemon(watches=[spec])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    run_sim(path, *sim_args)
    return daemon, sub, sub.run("det")


def test_finished_1d_scan_sends_every_frame_in_order(start_daemon, tmp_path):
    _, _, messages = follow(start_daemon, tmp_path, ["--scan-shape", 25],
                            finished="/entry/finished")
    start, frames, end = check_run(messages, "det", 25, reason="finished")
    assert start.header["scan_rank"] == 1
    assert start.header["scan_shape"] == [None]
    assert start.header["keys"] == ["/entry/keys/uid"]
    assert start.header["finished"] == "/entry/finished"
    assert start.header["datasets"] == [{"path": "/entry/data/data", "dtype": "<u2",
                                         "frame_shape": [4, 4], "encoding": "raw"}]
    for i, frame in enumerate(frames):
        assert frame.header["slice"] == [[i, i + 1, None]]
        assert frame.header["scan_shape"] == [None]
        part = frame.header["parts"][0]
        assert part == {"path": "/entry/data/data", "dtype": "<u2", "shape": [1, 4, 4],
                        "encoding": "raw", "nbytes": 32}


def test_fixed_grid_ends_complete_with_grid_slices(start_daemon, tmp_path):
    _, _, messages = follow(start_daemon, tmp_path,
                            ["--scan-shape", "3x4", "--fixed", "--no-finished",
                             "--frame-shape", "2x3", "--dtype", ">f8"])
    start, frames, end = check_run(messages, "det", 12, frame_shape=(2, 3), dtype=">f8",
                                   reason="complete")
    assert start.header["scan_shape"] == [3, 4]
    for i, frame in enumerate(frames):
        row, column = divmod(i, 4)
        assert frame.header["slice"] == [[row, row + 1, None], [column, column + 1, None]]
        assert frame.header["parts"][0]["shape"] == [1, 1, 2, 3]
        assert frame.header["parts"][0]["dtype"] == ">f8"


def test_growing_grid_by_rows(start_daemon, tmp_path):
    _, _, messages = follow(start_daemon, tmp_path,
                            ["--scan-shape", "3x5", "--frame-shape", "scalar", "--dtype", "i4"],
                            finished="/entry/finished")
    start, frames, _ = check_run(messages, "det", 15, frame_shape=(), dtype="<i4",
                                 reason="finished")
    assert start.header["scan_shape"] == [None, 5]
    assert frames[7].header["slice"] == [[1, 2, None], [2, 3, None]]
    assert frames[7].header["parts"][0]["shape"] == [1, 1]


def test_multiple_keys_and_datasets(start_daemon, tmp_path):
    _, _, messages = follow(
        start_daemon, tmp_path, ["--scan-shape", 10, "--keys", 2, "--datasets", 3],
        keys=["/entry/keys/uid", "/entry/keys/uid_1"],
        datasets=["/entry/data/data", "/entry/data/data_1", "/entry/data/data_2"],
        finished="/entry/finished")
    start, frames, _ = check_run(messages, "det", 10, datasets=3, reason="finished")
    assert [d["path"] for d in start.header["datasets"]] == [
        "/entry/data/data", "/entry/data/data_1", "/entry/data/data_2"]


def test_interleaved_datasets(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    spec = watch_spec("det", path, datasets=None, finished="/entry/finished",
                      interleaved={"frames": ["/entry/data/data_0", "/entry/data/data_1",
                                              "/entry/data/data_2"]})
    daemon = start_daemon(watches=[spec])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    run_sim(path, "--scan-shape", 11, "--interleave", 3)
    start, *frames, end = sub.run("det")
    assert end.header["reason"] == "finished" and end.header["frames"] == 11
    assert start.header["datasets"][0]["path"] == "frames"
    for i, frame in enumerate(frames):
        assert frame.header["index"] == i
        assert frame.header["slice"] == [[i, i + 1, None]]
        expected = np.array([(i % 3 * 1000003 + i * 1009 + j) % 32749 for j in range(16)],
                            dtype="<u2").reshape(1, 4, 4)
        np.testing.assert_array_equal(frame.array(0), expected)


def test_writer_that_dies_ends_with_timeout(start_daemon, tmp_path):
    _, _, messages = follow(start_daemon, tmp_path, ["--scan-shape", 20, "--die-after", 7],
                            finished="/entry/finished", timeout="500ms")
    check_run(messages, "det", 7, reason="timeout")


def test_chunk_encoding_is_the_stored_chunk_byte_for_byte(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    _, _, messages = follow(start_daemon, tmp_path,
                            ["--scan-shape", 6, "--compression", "lz4", "--frame-shape", "16x16"],
                            finished="/entry/finished", encoding="chunk")
    start, *frames, end = messages
    assert end.header["reason"] == "finished" and len(frames) == 6
    described = start.header["datasets"][0]
    assert described["encoding"] == "chunk"
    assert described["filters"][0][0] == 32004
    with h5py.File(path, "r") as f:
        dataset = f["/entry/data/data"]
        for i, frame in enumerate(frames):
            part = frame.header["parts"][0]
            assert part["encoding"] == "chunk" and part["nbytes"] == 512
            assert part["filters"] == described["filters"]
            _, stored = dataset.id.read_direct_chunk((i, 0, 0))
            assert frame.payload[0].bytes == stored


def test_chunk_encoding_of_a_filter_this_host_lacks(start_daemon, tmp_path, monkeypatch):
    # No plugin for the writer or the daemon, whatever this machine has installed.
    monkeypatch.setenv("HDF5_PLUGIN_PRELOAD", "::")
    _, _, messages = follow(start_daemon, tmp_path,
                            ["--scan-shape", 4, "--direct-chunk-filter", "32008:0,2"],
                            finished="/entry/finished", encoding="chunk")
    start, *frames, end = messages
    assert end.header["reason"] == "finished" and len(frames) == 4
    assert start.header["datasets"][0]["filters"][0][0] == 32008
    for i, frame in enumerate(frames):
        expected = np.array([(i * 1009 + j) % 32749 for j in range(16)], dtype="<u2")
        assert frame.payload[0].bytes == expected.tobytes()


def test_raw_read_of_a_filter_this_host_lacks_says_to_use_chunk(start_daemon, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("HDF5_PLUGIN_PRELOAD", "::")
    _, _, messages = follow(start_daemon, tmp_path,
                            ["--scan-shape", 4, "--direct-chunk-filter", "32008:0,2"],
                            finished="/entry/finished")
    (end,) = messages
    assert end.header["reason"] == "error" and end.header["seq"] == 0
    error = end.header["error"]
    assert "32008" in error and "encoding: chunk" in error
    assert "(Debian package bitshuffle)" in error


def bitshuffle_lz4_chunks(frames):
    """Each frame as the Bitshuffle filter frames it with LZ4 (cd_values block 0 = auto,
    compression 2), encoded by the real HDF5 plugin."""
    with h5py.File("encode.h5", "w", driver="core", backing_store=False) as f:
        dataset = f.create_dataset("d", data=frames, chunks=(1, *frames.shape[1:]),
                                   compression=32008, compression_opts=(0, 2))
        pipeline = dataset.id.get_create_plist().get_filter(0)
        return pipeline, [dataset.id.read_direct_chunk((i, 0, 0))[1] for i in range(len(frames))]


@pytest.mark.skipif(not h5py.h5z.filter_avail(32008),
                    reason="needs the Bitshuffle HDF5 plugin (Debian package bitshuffle, "
                           "which deploy/install-deps.sh installs)")
def test_a_raw_read_decodes_bitshuffle_lz4_frames_written_as_an_eiger_writes_them(start_daemon,
                                                                                  tmp_path):
    # An Eiger's file: the filter in the pipeline, each frame's chunk written directly in the
    # filter's own framing, the keys after it. A raw read hands out the decoded frames.
    rng = np.random.default_rng(7)
    frames = (rng.poisson(4, size=(6, 64, 96)) * 13 % 4000).astype("<u2")
    (filter_id, flags, cd_values, _), chunks = bitshuffle_lz4_chunks(frames)
    written = tmp_path / "writing.h5"
    with h5py.File(written, "w", libver="latest") as f:
        plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        plist.set_chunk((1, 64, 96))
        # As given to the filter: block size (0, automatic) and LZ4; HDF5 fills in the rest.
        plist.set_filter(filter_id, flags, cd_values[3:])
        space = h5py.h5s.create_simple((6, 64, 96), (6, 64, 96))
        f.create_group("/entry/data")
        data = h5py.h5d.create(f.id, b"/entry/data/data", h5py.h5t.STD_U16LE, space,
                               dcpl=plist)
        for i, chunk in enumerate(chunks):
            data.write_direct_chunk((i, 0, 0), chunk)
        f.create_dataset("/entry/keys/uid", data=np.ones(6, dtype="<i4"))
        f.create_dataset("/entry/finished", data=1)
    path = tmp_path / "eiger.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, finished="/entry/finished")])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    written.rename(path)  # whole, at once, once the subscriber listens
    # The watch met the file complete: it runs it once, from its start.
    start, *got, end = sub.run("det")
    assert end.header["reason"] in ("finished", "complete"), end.header
    assert start.header["datasets"][0]["encoding"] == "raw"
    assert len(got) == 6
    for i, message in enumerate(got):
        assert np.array_equal(message.array(0).reshape(64, 96), frames[i]), i


@pytest.mark.skipif(not h5py.h5z.filter_avail(32008),
                    reason="needs the Bitshuffle HDF5 plugin (Debian package bitshuffle, "
                           "which deploy/install-deps.sh installs)")
def test_a_raw_read_decodes_bitshuffle_lz4_frames_written_live_by_swmr_sim(start_daemon,
                                                                           tmp_path):
    # swmr-sim writes as an Eiger does, while the daemon follows: each frame's chunk
    # encoded by the plugin and written directly. A raw read hands out the pattern.
    path = tmp_path / "scan.h5"
    _, _, messages = follow(start_daemon, tmp_path,
                            ["--scan-shape", 8, "--compression", "bitshuffle",
                             "--frame-shape", "64x96"],
                            finished="/entry/finished")
    start, _, _ = check_run(messages, "det", 8, frame_shape=(64, 96), reason="finished")
    assert start.header["datasets"][0]["encoding"] == "raw"
    # The stored chunks are the ones the plugin makes of the same frames through h5py.
    frames = np.stack([expected_frame(0, i, (64, 96), "<u2") for i in range(8)])
    pipeline, chunks = bitshuffle_lz4_chunks(frames)
    with h5py.File(path, "r") as f:
        dataset = f["/entry/data/data"]
        filter_id, _, cd_values, _ = dataset.id.get_create_plist().get_filter(0)
        assert (filter_id, cd_values) == (pipeline[0], pipeline[2])  # {major, minor, 2, 0, 2}
        for i, chunk in enumerate(chunks):
            mask, stored = dataset.id.read_direct_chunk((i, 0, 0))
            assert mask == 0 and stored == chunk, i


def test_not_hdf5_file_ends_with_error(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("det", path)])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    path.write_bytes(b"this is a text file, not HDF5\n" * 100)
    (end,) = sub.run("det")
    assert end.header["reason"] == "error" and end.header["seq"] == 0
    assert end.header["frames"] == 0 and end.header["last_index"] == -1
    assert "not an HDF5 file" in end.header["error"] and str(path) in end.header["error"]
    status = daemon.request("status", watch="det")["watch"]
    assert status["state"] == "failed" and "not an HDF5 file" in status["error"]


def test_missing_dataset_ends_with_error_naming_it(start_daemon, tmp_path):
    _, _, messages = follow(start_daemon, tmp_path, ["--scan-shape", 3],
                            datasets=["/entry/data/nope"])
    (end,) = messages
    assert end.header["reason"] == "error"
    assert "/entry/data/nope" in end.header["error"]


def readable_frames(path):
    """How many leading keys are set, read with h5py as an independent reader."""
    try:
        with h5py.File(path, "r", swmr=True) as f:
            keys = f["/entry/keys/uid"][...]
            zero = np.flatnonzero(keys == 0)
            return int(zero[0]) if zero.size else int(keys.size)
    except (OSError, KeyError):
        return 0


def test_from_latest_joins_at_the_newest_readable_frame(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    writer = run_sim(path, "--scan-shape", 150, "--rate", 50, wait=False)
    try:
        deadline = time.monotonic() + 20
        while readable_frames(path) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = readable_frames(path)
        assert before >= 20
        daemon = start_daemon(allowed_roots=[str(tmp_path)])
        sub = daemon.subscriber("det/")
        sub.wait_ready()
        reply = daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                         **{"from": "latest"}))
        assert reply == {"ok": True, "watch": "det"}
        messages = sub.run("det")
        first_index = messages[0].header["first_index"]
        assert first_index >= before - 1
        check_run(messages, "det", 150 - first_index, first_index=first_index,
                  reason="finished")
    finally:
        finish(writer)


def test_stop_mid_run(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, finished="/entry/finished")])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    writer = run_sim(path, "--scan-shape", 1000, "--rate", 100, wait=False)
    try:
        start = sub.next()
        assert start.kind == "start"
        for _ in range(5):
            assert sub.next().kind == "frame"
        reply = daemon.request("stop", watch="det")
        assert reply["ok"] is True and reply["watch"] == "det" and reply["frames"] >= 5
        messages = [start]
        while True:
            message = sub.next()
            messages.append(message)
            if message.kind == "end":
                break
        end = messages[-1]
        assert end.header["reason"] == "stopped"
        assert end.header["frames"] >= 5
        assert daemon.request("list")["watches"] == []
    finally:
        writer.kill()
        writer.wait()


def test_sigterm_mid_run_ends_with_shutdown_and_exits_0(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, finished="/entry/finished")])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    writer = run_sim(path, "--scan-shape", 1000, "--rate", 100, wait=False)
    try:
        assert sub.next().kind == "start"
        assert sub.next().kind == "frame"
        daemon.signal(signal.SIGTERM)
        while True:
            message = sub.next()
            if message.kind == "end":
                break
        assert message.header["reason"] == "shutdown"
        assert daemon.process.wait(timeout=30) == 0
    finally:
        writer.kill()
        writer.wait()
