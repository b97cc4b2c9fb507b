"""Subscribers at their own pace: `independent` delivery with repairing clients, a stalled
subscriber cut off by peer_timeout in `lossless`, and a client that joins late with its
run's history. Stalled subscribers are real processes, stopped with SIGSTOP."""

import json
import os
import signal
import subprocess
import zlib
from pathlib import Path

import h5py
import pytest

from harness import SANITIZER, finish, run_sim, watch_spec

CLIENT = Path(__file__).with_name("client_process.py")
FRAMES = 1000
# 128 x 256 uint16: 64 KiB a frame, 62 MiB in all: more than a stopped subscriber's pipe
# (64 messages: one per 4 MiB of the 24 MiB live budget, 64 at least) and its kernel buffers
# hold.
SIM_ARGS = ("--scan-shape", FRAMES, "--frame-shape", "128x256", "--dtype", "u2")


def start_client(daemon, watch, *extra):
    process = subprocess.Popen(["/usr/bin/python3", str(CLIENT),
                                daemon.publish_endpoint, watch, *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def result_of(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def file_sums(path):
    with h5py.File(path, "r") as f:
        data = f["/entry/data/data"]
        return [zlib.crc32(data[i:i + 1].tobytes()) for i in range(data.shape[0])]


def receive_all(sub, watch):
    """The run as the raw subscriber got it, checking it saw no gap in seq."""
    start, *frames, end = sub.run(watch, timeout=60)
    assert [m.header["seq"] for m in frames] == list(range(1, len(frames) + 1))
    return start, frames, end


# A sanitized daemon runs several times slower than the writer here, then catches up in
# bursts of a batch (a hundred frames) at once, more than the subscriber that keeps up can
# take into its own queue (64 messages) in the time: it then loses frames too, as
# independent delivery means it to when a subscriber falls behind.
@pytest.mark.skipif(bool(SANITIZER), reason="needs a daemon at least as fast as the writer")
def test_independent_a_stopped_subscriber_loses_frames_alone_and_repairs_them(start_daemon,
                                                                              tmp_path):
    daemon = start_daemon(fetch="tcp://127.0.0.1:*", delivery="independent",
                          max_inflight="32MiB", allowed_roots=[str(tmp_path)])
    path = tmp_path / "scan.h5"
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    stopped = start_client(daemon, "det")
    stopped.send_signal(signal.SIGSTOP)
    try:
        assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                        timeout="30s"))["ok"]
        # At a detector's pace (64 MB/s), which the other subscriber keeps up with: it stays
        # within its share of max_inflight, and loses nothing.
        run_sim(path, *SIM_ARGS, "--rate", 1000)
        # The other subscriber got every frame, with no gap, while one was stopped.
        start, frames, end = receive_all(sub, "det")
        assert len(frames) == FRAMES and end.header["reason"] == "finished"
    finally:
        stopped.send_signal(signal.SIGCONT)
    result = result_of(stopped)
    # The stopped one lost frames (its pipe overflowed) and got them back from the file.
    assert result["repaired"] > 0, result
    assert result["indices"] == list(range(FRAMES))
    assert result["sums"] == file_sums(path)
    assert result["reason"] == "finished"


def test_lossless_a_stopped_subscriber_is_cut_off_after_peer_timeout(start_daemon, tmp_path):
    daemon = start_daemon(delivery="lossless", peer_timeout="1s", max_inflight="8MiB",
                          allowed_roots=[str(tmp_path)])
    path = tmp_path / "scan.h5"
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    stopped = start_client(daemon, "det")
    stopped.send_signal(signal.SIGSTOP)
    try:
        assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                        timeout="30s"))["ok"]
        writer = run_sim(path, *SIM_ARGS, wait=False)
        # Held back until the stopped peer is disconnected, then every frame.
        start, frames, end = receive_all(sub, "det")
        finish(writer)
        assert len(frames) == FRAMES and end.header["reason"] == "finished"
        assert daemon.request("list")["peers_cut"] == 1
        assert "publish: disconnected" in daemon.log()
    finally:
        stopped.kill()
        stopped.wait()


def test_a_client_joining_a_live_run_late_yields_it_all_from_index_0(start_daemon, tmp_path):
    daemon = start_daemon(fetch="tcp://127.0.0.1:*", allowed_roots=[str(tmp_path)])
    path = tmp_path / "scan.h5"
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                    timeout="30s"))["ok"]
    writer = run_sim(path, "--scan-shape", 120, "--rate", 100, wait=False)
    for _ in range(30):  # the start and frames 0..28 have gone out
        sub.next()
    late = start_client(daemon, "det", "--history")
    result = result_of(late)
    finish(writer)
    assert result["indices"] == list(range(120))
    assert result["history"] > 0 and result["sums"] == file_sums(path)


def independent_daemon(start_daemon, tmp_path):
    return start_daemon(fetch="tcp://127.0.0.1:*", delivery="independent",
                        max_inflight="32MiB", allowed_roots=[str(tmp_path)])


def stopped_during_a_scan(process, daemon, path):
    """Stops `process` (subscribed already) for a whole scan, then lets it finish it."""
    process.send_signal(signal.SIGSTOP)
    try:
        assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                        timeout="30s"))["ok"]
        run_sim(path, *SIM_ARGS)
    finally:
        process.send_signal(signal.SIGCONT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out, err


def test_the_cpp_repairing_subscriber_of_the_docs_yields_every_frame_once(start_daemon,
                                                                          tmp_path):
    binary = os.environ.get("REPAIRING_SUBSCRIBER_BIN", "example_repairing_subscriber")
    daemon = independent_daemon(start_daemon, tmp_path)
    example = subprocess.Popen([binary, daemon.publish_endpoint, "det"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert example.stdout.readline().startswith("subscribed to det")
    out, _ = stopped_during_a_scan(example, daemon, tmp_path / "scan.h5")
    lines = out.splitlines()
    indices = [int(line.split()[1]) for line in lines if line.startswith("frame ")]
    assert indices == list(range(FRAMES))
    end = lines[-1]
    assert end.startswith("end finished frames=1000 repaired=") and "repaired=0" not in end, end


def test_swmrcat_repair_prints_every_frame_once_and_reports_the_gaps(start_daemon, tmp_path):
    swmrcat = os.environ.get("SWMRCAT_BIN", "swmrcat")
    daemon = independent_daemon(start_daemon, tmp_path)
    cat = subprocess.Popen([swmrcat, "-p", daemon.publish_endpoint, "--watch", "det", "--repair",
                            "--exit-on-end", "--quiet-frames"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "connected to swmrd" in cat.stderr.readline()
    out, err = stopped_during_a_scan(cat, daemon, tmp_path / "scan.h5")
    frames = [line for line in out.splitlines() if line.startswith("det frame")]
    assert [int(line.split()[2].rstrip(":")) for line in frames] == list(range(FRAMES)), \
        out[:2000]
    summary = [line for line in err.splitlines() if "gaps repaired" in line][-1]
    assert "gaps left: 0" in summary and not summary.startswith("swmrcat: gaps repaired: 0 (0")


def test_a_pull_only_client_follows_a_live_run_to_its_end_through_the_python_client(
        start_daemon, tmp_path):
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    import swmrd
    daemon = start_daemon(fetch="tcp://127.0.0.1:*", delivery="drop", max_inflight="8MiB",
                          allowed_roots=[str(tmp_path)])
    path = tmp_path / "scan.h5"
    assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                    timeout="30s"))["ok"]
    writer = run_sim(path, "--scan-shape", 200, "--rate", 200, "--frame-shape", "64x64",
                     wait=False)
    source = swmrd.PullSource(daemon.control_endpoint, "det",
                              fetch_endpoint=daemon.fetch_endpoint, wait=0.5, timeout=60)
    indices = [data_map.index for data_map in source]
    finish(writer)
    assert indices == list(range(200))
    assert source.end_reason == "finished"
