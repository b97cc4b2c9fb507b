"""Slow subscribers: lossless waits (data waits on disk), drop drops and counts. Either way the
daemon holds no more than max_inflight of payload."""

import time

from harness import run_sim, watch_spec

FRAMES = 300
FRAME_SHAPE = "256x512"  # 256 KiB of <u2 each: 75 MiB in all
FRAME_BYTES = 256 * 512 * 2
MAX_INFLIGHT = 8 << 20
SLACK = 64 << 20


def stalled_run(start_daemon, tmp_path, delivery):
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, finished="/entry/finished")],
                          delivery=delivery, max_inflight="8MiB")
    sub = daemon.subscriber("det/")
    sub.socket.setsockopt(__import__("zmq").RCVHWM, 4)
    sub.wait_ready()
    baseline = daemon.rss_bytes()
    # The subscriber now stops reading while the whole scan is written.
    run_sim(path, "--scan-shape", FRAMES, "--frame-shape", FRAME_SHAPE)
    deadline = time.monotonic() + 20
    status = None
    while time.monotonic() < deadline:
        status = daemon.request("status", watch="det")["watch"]
        if delivery == "drop" and status["state"] == "idle":
            break
        if delivery == "lossless" and status["frames"] > 0:
            time.sleep(1.0)  # let it run into the budget
            status = daemon.request("status", watch="det")["watch"]
            break
        time.sleep(0.05)
    peak_while_stalled = daemon.peak_rss_bytes()
    messages = sub.run("det", timeout=60)
    return daemon, baseline, peak_while_stalled, status, messages


def test_lossless_delivers_every_frame_once_the_subscriber_resumes(start_daemon, tmp_path):
    daemon, baseline, peak, stalled_status, messages = stalled_run(start_daemon, tmp_path,
                                                                   "lossless")
    # While stalled, the watch stopped reading: it had not sent the whole scan.
    assert stalled_status["state"] == "streaming"
    assert stalled_status["frames"] < FRAMES
    start, *frames, end = messages
    assert [f.header["index"] for f in frames] == list(range(FRAMES))
    assert [f.header["seq"] for f in frames] == list(range(1, FRAMES + 1))
    assert end.header["reason"] == "finished" and end.header["frames"] == FRAMES
    status = daemon.request("status", watch="det")["watch"]
    assert status["dropped"] == 0 and status["frames"] == FRAMES
    assert peak - baseline <= MAX_INFLIGHT + SLACK, (peak, baseline)


def test_drop_counts_every_frame_not_delivered(start_daemon, tmp_path):
    daemon, baseline, peak, _, messages = stalled_run(start_daemon, tmp_path, "drop")
    start, *frames, end = messages
    status = daemon.request("status", watch="det")["watch"]
    assert end.header["reason"] == "finished"
    assert status["dropped"] > 0
    assert len(frames) == end.header["frames"]
    assert len(frames) + status["dropped"] == FRAMES
    # A subscriber sees every drop as a gap in seq.
    seqs = [f.header["seq"] for f in frames] + [end.header["seq"]]
    gaps = sum(b - a - 1 for a, b in zip([0] + seqs, seqs))
    assert gaps == status["dropped"]
    assert end.header["seq"] == FRAMES + 1
    assert peak - baseline <= MAX_INFLIGHT + SLACK, (peak, baseline)


def test_a_stall_longer_than_the_timeout_does_not_end_a_lossless_run(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, finished="/entry/finished",
                                              timeout="500ms")],
                          max_inflight="4MiB")
    sub = daemon.subscriber("det/")
    sub.socket.setsockopt(__import__("zmq").RCVHWM, 2)
    sub.wait_ready()
    run_sim(path, "--scan-shape", 100, "--frame-shape", FRAME_SHAPE)
    time.sleep(3.0)  # six timeouts long, with the daemon unable to send
    start, *frames, end = sub.run("det", timeout=60)
    assert end.header["reason"] == "finished", end.header
    assert len(frames) == 100
