"""A run's file written anew in place (same path, same inode: h5py's 'w' mode and swmr-sim
truncate and rewrite) is not the run's file any more (docs/protocol.md, the fetch channel):
fetches answer `gone` saying what happened, `runs` says `fetchable: false`, `latest` answers
410. Never another file's bytes under the run's header, nor fill values. A file only touched
since (an attribute added) is still the run's."""

import json
import os
import urllib.error
import urllib.request

import h5py
import numpy as np
import pytest

from harness import run_sim, watch_spec

KEYS, DATA = "/entry/keys/uid", "/entry/data/data"


def ended_run(start_daemon, tmp_path, frames=12):
    """A daemon with fetch and http, one run of `frames` frames ended, its watch stopped (so
    no new run starts on the file): (daemon, path, run id, the live frames)."""
    daemon = start_daemon(fetch="tcp://127.0.0.1:*", http="127.0.0.1:0",
                          allowed_roots=[str(tmp_path)])
    path = tmp_path / "scan.h5"
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished"))["ok"]
    run_sim(path, "--scan-shape", frames)
    start, *frames_sent, end = sub.run("det")
    assert end.header["reason"] == "finished"
    assert daemon.request("stop", watch="det")["ok"]
    return daemon, path, start.header["run"], frames_sent


def rewrite(path, keys, frame_shape, dtype, chunks=None):
    """Truncates the file and writes another scan into it, larger than the first (so that
    what tells them apart is not the size): the inode stays."""
    inode, size = os.stat(path).st_ino, os.stat(path).st_size
    with h5py.File(path, "w", libver="latest") as f:
        f["/entry/padding"] = np.zeros(size, dtype="u1")
        f[KEYS] = np.asarray(keys, dtype="i4")
        f.create_dataset(DATA, data=np.full((len(keys), *frame_shape), 7, dtype=dtype),
                         chunks=chunks)
        f["/entry/finished"] = 1
    assert os.stat(path).st_ino == inode and os.stat(path).st_size > size


def fetch_all(daemon, run, count):
    fetcher = daemon.fetcher()
    try:
        return fetcher.fetch(watch="det", run=run, **{"from": 0}, count=count)
    finally:
        fetcher.close()


def latest_status(daemon):
    url = f"http://{daemon.http_address}/api/v1/watches/det/latest?dataset={DATA}"
    try:
        return urllib.request.urlopen(url, timeout=30).status, None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def assert_gone(daemon, run, frames, words):
    got, closing = fetch_all(daemon, run, frames)
    assert got == [] and not closing["ok"], closing
    assert closing["error"]["code"] == "gone" and words in closing["error"]["message"], closing
    assert [r["fetchable"] for r in daemon.request("runs", watch="det")["runs"]] == [False]
    status, body = latest_status(daemon)
    assert status == 410 and words in body["error"]["message"], body


@pytest.mark.parametrize("fetched_before", [False, True], ids=["unread", "open in fetch"])
def test_another_scan_of_another_layout_written_in_place_is_gone(start_daemon, tmp_path,
                                                                 fetched_before):
    daemon, path, run, sent = ended_run(start_daemon, tmp_path)
    if fetched_before:  # the fetch channel has the file open, with HDF5's view of it cached
        got, closing = fetch_all(daemon, run, len(sent))
        assert closing["ok"] and len(got) == len(sent)
    rewrite(path, range(1, 13), (3, 5), "f8")
    assert_gone(daemon, run, len(sent), "written anew in place")


def test_the_same_layout_with_other_keys_written_in_place_is_gone(start_daemon, tmp_path):
    daemon, path, run, sent = ended_run(start_daemon, tmp_path)
    got, _ = fetch_all(daemon, run, len(sent))
    assert len(got) == len(sent)
    with h5py.File(path, "r") as f:  # the very layout, storage included
        frame_shape, dtype, chunks = f[DATA].shape[1:], f[DATA].dtype, f[DATA].chunks
    rewrite(path, range(101, 113), frame_shape, dtype, chunks)
    assert_gone(daemon, run, len(sent), "keys of its first 12 frames differ")


def test_a_truncated_file_is_gone(start_daemon, tmp_path):
    daemon, path, run, sent = ended_run(start_daemon, tmp_path)
    os.truncate(path, os.stat(path).st_size // 2)
    assert_gone(daemon, run, len(sent), "was truncated")


def test_a_file_only_touched_since_is_still_the_runs(start_daemon, tmp_path):
    daemon, path, run, sent = ended_run(start_daemon, tmp_path)
    with h5py.File(path, "a") as f:
        f["/entry"].attrs["end_time"] = "2026-12-07T12:00:00"
    got, closing = fetch_all(daemon, run, len(sent))
    assert closing["ok"] and [m.header["index"] for m in got] == list(range(len(sent)))
    assert [p.bytes for m in got for p in m.payload] == [p.bytes for m in sent for p in m.payload]
    assert [r["fetchable"] for r in daemon.request("runs", watch="det")["runs"]] == [True]
    assert latest_status(daemon)[0] == 200
