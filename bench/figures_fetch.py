"""Fetch, repair and independent delivery figures (7, 8, 9)."""

import datetime
import json
import signal
import subprocess
import sys
import time

import msgpack
import zmq

from benchkit import PYTHON_CLIENT, Daemon, result_of, sim, spec, subscribe


def run_of(daemon, watch):
    """The id of the watch's current or last run: what a fetch asks for."""
    return daemon.request("status", watch=watch)["watch"]["run"]


def result_unless_end_lost(process, daemon, watch, patience=5.0):
    """bench_subscriber's result; None when the run has ended for ``patience`` seconds and
    the subscriber still waits for its `end` (independent delivery drops what a full pipe
    cannot take, the `end` too, and bench_subscriber reads until the `end`)."""
    ended_at = None
    while True:
        try:
            return json.loads(process.communicate(timeout=0.2)[0])
        except subprocess.TimeoutExpired:
            pass
        if ended_at is None:
            runs = daemon.request("runs", watch=watch)["runs"]
            if runs and runs[-1]["state"] == "ended":
                ended_at = time.monotonic()
        elif time.monotonic() - ended_at > patience:
            process.kill()
            process.communicate()
            return None


def fetch_pipelined(endpoint, watch, run, frames, count=16, outstanding=4, copy=False):
    """Fetches frames 0 to ``frames`` - 1 over the fetch channel with a raw DEALER,
    ``outstanding`` requests of ``count`` frames in flight, received (without copies unless
    ``copy``: small frames are cheaper copied) and only counted. Returns a dict: frames,
    bytes (payload), seconds (from the first request to the last closing message), cpu
    (seconds of this process meanwhile) and sent (seconds from the first request to the
    `time` of the last closing message: when the daemon had sent everything)."""
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.setsockopt(zmq.RCVHWM, 0)  # as bench_subscriber
    socket.setsockopt(zmq.RCVBUF, 8 << 20)
    socket.connect(endpoint)
    ids = iter(range(1, 1 << 30))

    def request(start, n):
        socket.send(msgpack.packb({"cmd": "fetch", "id": next(ids), "watch": watch,
                                   "run": run, "from": start, "count": n}))

    def answer():
        """One message: (payload bytes, the closing header or None for a frame)."""
        if not socket.poll(30000):
            sys.exit("bench: the fetch channel did not answer")
        parts = socket.recv_multipart(copy=copy)
        if not copy:
            parts = [parts[0].bytes, parts[1].bytes] + parts[2:]
        if parts[0].endswith(b"/fetched"):
            closing = msgpack.unpackb(parts[1], raw=False)
            if not closing["ok"]:
                sys.exit(f"bench: fetch failed: {closing['error']}")
            return 0, closing
        return sum(len(part) for part in parts[2:]), None

    try:
        request(0, 1)  # connects; not timed (the live subscriber is connected before its run)
        while answer()[1] is None:
            pass
        started, cpu, wall = time.perf_counter(), time.process_time(), time.time()
        sent = in_flight = got = nbytes = 0
        while sent < frames and in_flight < outstanding:
            request(sent, min(count, frames - sent))
            sent, in_flight = sent + count, in_flight + 1
        while in_flight:
            size, closing = answer()
            if closing is None:
                got, nbytes = got + 1, nbytes + size
                continue
            in_flight -= 1
            last = closing
            if sent < frames:
                request(sent, min(count, frames - sent))
                sent, in_flight = sent + count, in_flight + 1
        return {"frames": got, "bytes": nbytes, "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu, "sent": last["time"] - wall}
    finally:
        socket.close()


def bench_fetch(tools, work, table, frames):
    """The large frames of an ended run fetched again, next to their live PUB figure."""
    path = work / "fetch.h5"
    # --fixed: the run ends `complete` at its last frame. A finished flag would add its
    # grace (timeout / 20) to the live figure.
    sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
        "--flush-every", 50, "--fixed")
    daemon = Daemon(tools, work, fetch="tcp://127.0.0.1:*")
    try:
        sub = subscribe(tools, daemon, "fetch", work)
        daemon.request("start", watch=spec("fetch", path))
        live = result_of(sub)
        assert live["frames"] == frames, live
        got = fetch_pipelined(daemon.fetch, "fetch", run_of(daemon, "fetch"), frames)
    finally:
        daemon.stop()
    assert got["frames"] == frames and got["bytes"] == live["bytes"], (got, live)
    live_mbs = live["bytes"] / live["seconds"] / 1e6
    table.add(f"7. fetch ({frames} x 2 MiB, Python)", got["bytes"] / got["seconds"] / 1e6,
              "MB/s", live_mbs, "live PUB, C++ subscriber", ">= 0.8 of live")
    table.add("   fetch, daemon done sending", got["bytes"] / got["sent"] / 1e6, "MB/s",
              live_mbs, "live PUB, C++ subscriber", "(reported)")
    table.add("   fetching process CPU", got["cpu"] / got["seconds"] * 100, "%", 100,
              "one core", "(reported)", higher_is_better=False)
    path.unlink()


def bench_repair(tools, work, table, frames):
    """A gap of ``frames`` small frames repaired with the Python client's Fetcher, next to
    the time the live stream of the same frames took; and the same frames fetched by a raw
    DEALER that only counts them, to tell the channel from the client."""
    sys.path.insert(0, str(PYTHON_CLIENT))
    import swmrd

    path = work / "repair.h5"
    sim(tools, path, "--scan-shape", frames, "--frame-shape", 8, "--dtype", "f8",
        "--flush-every", 5000, "--chunk-frames", 1000, "--fixed")
    daemon = Daemon(tools, work, fetch="tcp://127.0.0.1:*")
    try:
        sub = subscribe(tools, daemon, "repair", work)
        daemon.request("start", watch=spec("repair", path))
        live = result_of(sub)
        assert live["frames"] == frames, live
        run = run_of(daemon, "repair")
        with swmrd.Fetcher(daemon.fetch) as fetcher:
            fetcher.fetch("repair", run, 0, 1)  # connects; not timed
            started = time.perf_counter()
            repaired = sum(1 for _ in fetcher.frames("repair", run, 0, frames))
            seconds = time.perf_counter() - started
            requests = fetcher.requests_sent - 1
        raw = fetch_pipelined(daemon.fetch, "repair", run, frames, count=frames,
                              outstanding=1, copy=True)
    finally:
        daemon.stop()
    assert repaired == frames and raw["frames"] == frames, (repaired, raw)
    table.add(f"8. repair {frames} x 8 f8, {requests} req.", seconds * 1000, "ms",
              live["seconds"] * 1000, "live PUB of the same frames", "(reported)",
              higher_is_better=False)
    table.add("   same, raw DEALER, count only", raw["seconds"] * 1000, "ms",
              live["seconds"] * 1000, "live PUB of the same frames", "(reported)",
              higher_is_better=False)
    table.add("   same, daemon done sending", raw["sent"] * 1000, "ms", live["seconds"] * 1000,
              "live PUB of the same frames", "(reported)", higher_is_better=False)
    path.unlink()


# A subscriber that gets ready, is stopped (SIGSTOP) by the bench, and once continued reads
# what reached it and says how many frames that was.
STOPPED_SUBSCRIBER = r"""
import json, sys
from pathlib import Path
import zmq
endpoint, watch, ready = sys.argv[1:]
socket = zmq.Context().socket(zmq.SUB)
socket.setsockopt(zmq.RCVHWM, 0)
socket.connect(endpoint)
socket.setsockopt_string(zmq.SUBSCRIBE, watch + "/")
socket.setsockopt_string(zmq.SUBSCRIBE, "_daemon/")
while socket.recv_multipart()[0] != b"_daemon/heartbeat":
    pass
socket.setsockopt_string(zmq.UNSUBSCRIBE, "_daemon/")
Path(ready).write_text("ready\n")
frames, ended, quiet = 0, False, 0
while not ended and quiet < 5:  # polls of 0.3 s, counted in a row: a stop does not end it
    if not socket.poll(300):
        quiet += 1
        continue
    quiet = 0
    topic = socket.recv_multipart()[0]
    frames += topic == (watch + "/frame").encode()
    ended = topic == (watch + "/end").encode()
print(json.dumps({"frames": frames, "ended": ended}))
"""


def cut_off_during(log_path, watch):
    """Whether the daemon's log shows a subscriber cut during the watch's run: the stopped
    one, cut off by the daemon (peer_timeout, or sooner when its queue crowds max_inflight)."""
    def when(line):
        return datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()

    log = log_path.read_text().splitlines()
    started = next(i for i, line in enumerate(log) if f"watch {watch} started" in line)
    ended = next((i for i, line in enumerate(log)
                  if f"{watch}: run " in line and " ended: " in line), len(log))
    return any("publish: disconnected" in line and when(line) >= when(log[started])
               for line in log[started:ended])


def bench_independent(tools, work, table, frames):
    """delivery: independent: a subscriber's throughput while another one is stopped, next
    to the same subscriber alone, in the same daemon."""
    path = work / "independent.h5"
    sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
        "--flush-every", 50, "--fixed")
    # max_inflight small enough that the stopped subscriber's share (half of it) overflows.
    # peer_timeout as by default: the daemon cuts the stopped one off after it, whatever the
    # delivery; the log (debug) says whether that happened before the run ended.
    daemon = Daemon(tools, work, fetch="tcp://127.0.0.1:*", delivery="independent",
                    max_inflight=f"{max(32, 256 * frames // 400)}MiB", peer_timeout="10s",
                    log={"level": "debug"})
    stopped = None
    try:
        sub = subscribe(tools, daemon, "alone", work)
        daemon.request("start", watch=spec("alone", path))
        alone = result_unless_end_lost(sub, daemon, "alone")
        ready = work / f"ready-stopped-{time.monotonic_ns()}"
        stopped = subprocess.Popen([sys.executable, "-c", STOPPED_SUBSCRIBER, daemon.publish,
                                    "beside", str(ready)], stdout=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not ready.exists():
            if time.monotonic() > deadline or stopped.poll() is not None:
                sys.exit("bench: the subscriber to stop did not get ready")
            time.sleep(0.005)
        stopped.send_signal(signal.SIGSTOP)
        sub = subscribe(tools, daemon, "beside", work)
        daemon.request("start", watch=spec("beside", path))
        beside = result_unless_end_lost(sub, daemon, "beside")
        stopped.send_signal(signal.SIGCONT)
        slow = json.loads(stopped.communicate(timeout=60)[0])
    finally:
        if stopped is not None and stopped.poll() is None:
            stopped.kill()
            stopped.wait()
        daemon.stop()
    cut_off = cut_off_during(work / "swmrd.log", "beside")
    nan = float("nan")
    mbs = {name: r["bytes"] / r["seconds"] / 1e6 if r else nan
           for name, r in (("alone", alone), ("beside", beside))}
    table.add("9. independent, 1 of 2 stopped", mbs["beside"], "MB/s", mbs["alone"],
              "the same subscriber alone" + (" (the stopped one was cut off by the daemon "
                                             "before the run ended)" if cut_off else ""),
              ">= 0.9 of alone")
    for name, r in (("beside", beside), ("alone", alone)):
        table.add(f"   frames, fast one {name}", r["frames"] if r else nan, "f", frames,
                  "all frames" + ("" if r else " (its end was lost)"), "ratio 1")
    table.add("   frames, stopped one", slow["frames"], "f", frames, "all frames",
              "< 1: it lost frames")
    path.unlink()
