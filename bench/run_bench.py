#!/usr/bin/python3
"""swmrd benchmarks: every figure measured next to its reference in the same run.

    /usr/bin/python3 bench/run_bench.py [--build build] [--quick] [--only NAME ...]

Prints one table: the machine, the parameters, each figure, its reference, the ratio and the
target. Files are written by swmr-sim into a temporary folder (removed afterwards).
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgpack
import zmq

PYTHON_CLIENT = Path(__file__).resolve().parent.parent / "python"


class Tools:
    def __init__(self, build):
        build = Path(build)
        self.swmrd = build / "daemon" / "swmrd"
        self.sim = build / "tools" / "swmr-sim" / "swmr-sim"
        self.subscriber = build / "bench" / "bench_subscriber"
        self.pump = build / "bench" / "bench_pump"
        for tool in (self.swmrd, self.sim, self.subscriber, self.pump):
            if not tool.exists():
                sys.exit(f"bench: {tool} is missing: build first (make build)")


class Daemon:
    def __init__(self, tools, workdir, watches=(), **settings):
        self.workdir = Path(workdir)
        config = {"control": "tcp://127.0.0.1:*", "publish": ["tcp://127.0.0.1:*"],
                  "allowed_roots": [str(self.workdir)], "heartbeat": "200ms",
                  "log": {"level": "warn"}}
        config.update(settings)
        lines = [f"{k}: {json.dumps(v)}" for k, v in config.items()]
        if watches:
            lines.append("watches:")
            lines += [f"  - {json.dumps(w)}" for w in watches]
        (self.workdir / "swmrd.yaml").write_text("\n".join(lines) + "\n")
        endpoints = self.workdir / "endpoints"
        endpoints.unlink(missing_ok=True)
        self.log = open(self.workdir / "swmrd.log", "w")
        self.process = subprocess.Popen(
            [str(tools.swmrd), "--config", str(self.workdir / "swmrd.yaml"),
             "--endpoints-file", str(endpoints)], stderr=self.log)
        deadline = time.monotonic() + 10
        while not endpoints.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                sys.exit("bench: swmrd did not start, see " + str(self.workdir / "swmrd.log"))
            time.sleep(0.01)
        lines = dict(line.split(" ", 1) for line in endpoints.read_text().splitlines())
        self.control, self.publish = lines["control"], lines["publish"]
        self.fetch = lines.get("fetch")  # the bound fetch endpoint, when `fetch:` is set
        self.req = zmq.Context.instance().socket(zmq.REQ)
        self.req.setsockopt(zmq.LINGER, 0)
        self.req.connect(self.control)

    def request(self, cmd, **fields):
        self.req.send(msgpack.packb({"cmd": cmd, **fields}))
        if not self.req.poll(30000):
            sys.exit("bench: swmrd did not answer")
        reply = msgpack.unpackb(self.req.recv(), raw=False)
        if not reply["ok"]:
            sys.exit(f"bench: {cmd} failed: {reply['error']}")
        return reply

    def proc_status(self, field):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def cpu_seconds(self):
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.req.close()
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def sim(tools, path, *args):
    subprocess.run([str(tools.sim), "--file", str(path), "--quiet", *map(str, args)],
                   check=True)


def spec(name, path, **more):
    watch = {"name": name, "file": str(path), "keys": ["/entry/keys/uid"],
             "datasets": ["/entry/data/data"], "finished": "/entry/finished", "timeout": "5s"}
    watch.update(more)
    return watch


def subscribe(tools, daemon, watch, workdir, times=None):
    ready = Path(workdir) / f"ready-{watch}-{time.monotonic_ns()}"
    command = [str(tools.subscriber), "--endpoint", daemon.publish, "--watch", watch,
               "--ready", str(ready)]
    if times:
        command += ["--times", str(times)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not ready.exists():
        if time.monotonic() > deadline:
            sys.exit("bench: subscriber did not get ready")
        time.sleep(0.005)
    return process


def result_of(process):
    out, _ = process.communicate(timeout=600)
    return json.loads(out)


def pump(tools, frames, nbytes, subscribers=1):
    command = [str(tools.pump)] + [str(x) for x in ["--frames", frames, "--bytes", nbytes,
                                                    "--header", 300,
                                                    "--subscribers", subscribers]]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, name, value, unit, reference, reference_name, target, higher_is_better=True):
        ratio = value / reference if reference else float("nan")
        self.rows.append((name, value, unit, reference, reference_name, ratio, target))

    def print(self):
        print(f"{'benchmark':<34} {'measured':>14} {'reference':>14} {'ratio':>7}  "
              f"{'target':<28} reference is")
        for name, value, unit, reference, reference_name, ratio, target in self.rows:
            print(f"{name:<34} {value:>10.4g} {unit:<3} {reference:>10.4g} {unit:<3} "
                  f"{ratio:>7.3f}  {target:<28} {reference_name}")


def bench_large(tools, work, table, frames):
    path = work / "large.h5"
    # A fixed scan ends `complete` with its last frame: the finished flag's grace (timeout/20)
    # would count in the elapsed time.
    sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
        "--flush-every", 50, "--fixed")
    daemon = Daemon(tools, work)
    sub = subscribe(tools, daemon, "large", work)
    daemon.request("start", watch=spec("large", path))
    got = result_of(sub)
    daemon.stop()
    assert got["frames"] == frames, got
    ceiling = pump(tools, frames, 1024 * 1024 * 2)
    mbs = got["bytes"] / got["seconds"] / 1e6
    ref = ceiling["bytes"] / ceiling["seconds"] / 1e6
    table.add(f"1. large frames ({frames} x 2 MiB)", mbs, "MB/s", ref, "bare ZeroMQ pump",
              ">= 0.9 of the pump")
    path.unlink()


def bench_small(tools, work, table, frames):
    """Small frames, in chunks of 1000 frames as writers of small frames make them, and in
    one chunk per frame (where HDF5 reads every 64-byte chunk on its own)."""
    for chunk_frames in (1000, 1):
        path = work / f"small-{chunk_frames}.h5"
        sim(tools, path, "--scan-shape", frames, "--frame-shape", 8, "--dtype", "f8",
            "--flush-every", 5000, "--chunk-frames", chunk_frames, "--fixed")
        daemon = Daemon(tools, work)
        sub = subscribe(tools, daemon, "small", work)
        daemon.request("start", watch=spec("small", path))
        got = result_of(sub)
        daemon.stop()
        assert got["frames"] == frames, got
        rate = got["frames"] / got["seconds"]
        if chunk_frames == 1000:
            ceiling = pump(tools, frames, 64)
            table.add(f"2. small frames ({frames} x 8 f8)", rate, "f/s",
                      ceiling["frames"] / ceiling["seconds"], "bare ZeroMQ pump",
                      ">= 500000 frames/s")
            table.add("   small frames vs target", rate, "f/s", 500000, "the target",
                      "ratio >= 1")
        else:
            table.add("   small frames, 1 frame per chunk", rate, "f/s", 500000, "the target",
                      "(reported)")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def measure_latency(tools, work, frames, rate):
    """Subscriber receipt minus the writer's key flush, per frame, in ms. The watch waits for
    the file before the scan starts, so the first frame includes finding and opening it."""
    path = work / f"latency-{rate}.h5"
    key_times = work / f"key-times-{rate}"
    receipt_times = work / f"receipt-times-{rate}"
    for stale in (path, key_times, receipt_times):
        stale.unlink(missing_ok=True)
    daemon = Daemon(tools, work)
    sub = subscribe(tools, daemon, "latency", work, times=receipt_times)
    daemon.request("start", watch=spec("latency", path))
    cpu_before, wall_before = daemon.cpu_seconds(), time.monotonic()
    sim(tools, path, "--scan-shape", frames, "--rate", rate, "--frame-shape", "64x64",
        "--key-times", key_times)
    cpu_share = (daemon.cpu_seconds() - cpu_before) / (time.monotonic() - wall_before)
    result_of(sub)
    daemon.stop()
    written = dict(line.split() for line in key_times.read_text().splitlines())
    received = dict(line.split() for line in receipt_times.read_text().splitlines())
    delays = {int(i): (float(received[i]) - float(written[i])) * 1000
              for i in written if i in received}
    assert len(delays) == frames, (len(delays), frames)
    return delays, cpu_share


def bench_latency(tools, work, table, frames):
    for rate in (100, 1000, 10000):
        delays, cpu_share = measure_latency(tools, work, frames * rate // 100, rate)
        if rate == 10000:
            # Events at 10 kHz must batch frames, not spin: what the whole daemon costs.
            table.add("   daemon CPU, 10 kHz writer", 100 * cpu_share, "% core", 100.0,
                      "one core", "< 1 (no busy loop)")
            continue
        steady = [delay for index, delay in delays.items() if index > 0]
        p50, p99 = percentile(steady, 0.5), percentile(steady, 0.99)
        table.add(f"3. latency p50, {rate} Hz writer", p50, "ms", 0.2, "the target",
                  "<= 0.2 ms")
        table.add(f"   latency p99, {rate} Hz writer", p99, "ms", 1.0, "the target", "<= 1 ms")
        table.add(f"   first frame of a new file, {rate} Hz", delays[0], "ms", 5.0,
                  "the target", "<= 5 ms")
        table.add(f"   daemon CPU, {rate} Hz writer", 100 * cpu_share, "% core", 100.0,
                  "one core", "(reported)")


def bench_memory(tools, work, table, gib, delivery):
    frames = int(gib * 512)
    path = work / "memory.h5"
    if not path.exists():
        sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
            "--flush-every", 64)
    max_inflight = 512 << 20
    daemon = Daemon(tools, work, delivery=delivery, max_inflight="512MiB")
    stalled = zmq.Context.instance().socket(zmq.SUB)
    stalled.setsockopt(zmq.RCVHWM, 2)
    stalled.setsockopt(zmq.LINGER, 0)
    stalled.connect(daemon.publish)
    stalled.setsockopt_string(zmq.SUBSCRIBE, "")
    while msgpack.unpackb(stalled.recv_multipart()[1])["kind"] != "heartbeat":
        pass
    baseline = daemon.proc_status("VmRSS")
    daemon.request("start", watch=spec("memory", path))
    # The subscriber reads nothing more: wait until the daemon has sent or dropped what it can.
    last, still = None, 0
    while still < 3:
        time.sleep(0.5)
        status = daemon.request("status", watch="memory")["watch"]
        progress = (status["frames"], status["dropped"], status["state"])
        still = still + 1 if progress == last else 0
        last = progress
        if status["state"] == "idle":
            break
    peak = daemon.proc_status("VmHWM")
    daemon.request("stop", watch="memory")
    stalled.close()
    daemon.stop()
    limit = baseline + max_inflight + (64 << 20)
    table.add(f"4. peak RSS, {delivery}, {gib} GiB sent", peak / 2**20, "MiB", limit / 2**20,
              "baseline + max_inflight + 64 MiB", "ratio <= 1")


def idle_cpu(tools, work, watches, seconds):
    daemon = Daemon(tools, work, watches=watches)
    time.sleep(1.0)
    before = daemon.cpu_seconds()
    time.sleep(seconds)
    used = (daemon.cpu_seconds() - before) / seconds * 100
    daemon.stop()
    return used


def bench_idle(tools, work, table, seconds):
    watches = [spec(f"idle{i}", work / f"absent-{i}.h5") for i in range(8)]
    watches += [spec(f"idlep{i}", work / f"absent-{i}-*.h5") for i in range(8)]
    used = idle_cpu(tools, work, watches, seconds)
    table.add("5. idle CPU, 16 waiting watches", used, "%", 1.0, "the target", "<= 1% of a core")


def bench_idle_folder(tools, work, table, seconds, files):
    """A pattern watch over a folder of many old scans, waiting for the next one."""
    full, empty = work / "many", work / "none"
    full.mkdir()
    empty.mkdir()
    old = time.time() - 3600
    for i in range(files):
        path = full / f"scan-{i:06d}.h5"
        path.touch()
        os.utime(path, (old, old))
    os.utime(full, (old, old))  # a folder of old scans, not one just filled
    used = idle_cpu(tools, work, [spec("folder", full / "scan-*.h5")], seconds)
    reference = idle_cpu(tools, work, [spec("folder", empty / "scan-*.h5")], seconds)
    table.add(f"5b. idle CPU, pattern over {files} files", used, "%", reference,
              "the same over an empty folder", "<= 1% of a core", higher_is_better=False)
    shutil.rmtree(full)
    shutil.rmtree(empty)


def bench_fanout(tools, work, table, frames, subscribers=4):
    path = work / "fanout.h5"
    sim(tools, path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
        "--flush-every", 50, "--fixed")
    daemon = Daemon(tools, work)
    subs = [subscribe(tools, daemon, "fanout", work) for _ in range(subscribers)]
    daemon.request("start", watch=spec("fanout", path))
    results = [result_of(s) for s in subs]
    daemon.stop()
    aggregate = sum(r["bytes"] for r in results) / max(r["seconds"] for r in results) / 1e6
    ceiling = pump(tools, frames, 1024 * 1024 * 2, subscribers)
    ref = ceiling["bytes"] * subscribers / ceiling["seconds"] / 1e6
    table.add(f"6. fan-out, {subscribers} subscribers", aggregate, "MB/s", ref,
              f"bare pump, {subscribers} subscribers", "(reported)")
    shares = [r["bytes"] / r["seconds"] / 1e6 for r in results]
    for n, share in enumerate(shares):
        table.add(f"   subscriber {n + 1} share", share, "MB/s", aggregate / subscribers,
                  "an equal share", "(reported)")
    path.unlink()


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
    """Whether the daemon's log (debug) shows a subscriber disconnected during the watch's
    run, a second or more after it started: the stopped one, cut off by peer_timeout (the
    other subscribers of the bench disconnect only after their run's end)."""
    def when(line):
        return datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()

    log = log_path.read_text().splitlines()
    started = next(i for i, line in enumerate(log) if f"watch {watch} started" in line)
    ended = next((i for i, line in enumerate(log)
                  if f"{watch}: run " in line and " ended: " in line), len(log))
    return any("subscriber disconnected" in line and when(line) >= when(log[started]) + 1
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
              "the same subscriber alone" + (" (the stopped one was cut off by peer_timeout "
                                             "before the run ended)" if cut_off else ""),
              ">= 0.9 of alone")
    for name, r in (("beside", beside), ("alone", alone)):
        table.add(f"   frames, fast one {name}", r["frames"] if r else nan, "f", frames,
                  "all frames" + ("" if r else " (its end was lost)"), "ratio 1")
    table.add("   frames, stopped one", slow["frames"], "f", frames, "all frames",
              "< 1: it lost frames")
    path.unlink()


def machine():
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return (f"{platform.node()}: {os.cpu_count()} cores ({model}), {memory:.0f} GiB, "
            f"Linux {platform.release()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", nargs="*", default=None,
                        help="large small latency memory idle folder fanout fetch repair "
                        "independent")
    args = parser.parse_args()
    tools = Tools(args.build)
    quick = args.quick
    params = {"large": 100 if quick else 400, "small": 10000 if quick else 50000,
              "latency": 100 if quick else 500, "memory_gib": 0.5 if quick else 2,
              "idle_seconds": 3 if quick else 10, "folder_files": 2000 if quick else 20000,
              "fanout": 50 if quick else 200, "fetch": 100 if quick else 400,
              "repair": 10000, "independent": 100 if quick else 400}
    print(machine())
    print("parameters:", ", ".join(f"{k}={v}" for k, v in params.items()))
    print()
    table = Table()
    only = set(args.only or ["large", "small", "latency", "memory", "idle", "folder", "fanout",
                             "fetch", "repair", "independent"])
    work = Path(tempfile.mkdtemp(prefix="swmrd-bench-"))
    try:
        if "large" in only:
            bench_large(tools, work, table, params["large"])
        if "small" in only:
            bench_small(tools, work, table, params["small"])
        if "latency" in only:
            bench_latency(tools, work, table, params["latency"])
        if "memory" in only:
            for delivery in ("lossless", "drop"):
                bench_memory(tools, work, table, params["memory_gib"], delivery)
        if "idle" in only:
            bench_idle(tools, work, table, params["idle_seconds"])
        if "folder" in only:
            bench_idle_folder(tools, work, table, params["idle_seconds"], params["folder_files"])
        if "fanout" in only:
            bench_fanout(tools, work, table, params["fanout"])
        if "fetch" in only:
            bench_fetch(tools, work, table, params["fetch"])
        if "repair" in only:
            bench_repair(tools, work, table, params["repair"])
        if "independent" in only:
            bench_independent(tools, work, table, params["independent"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table.print()


if __name__ == "__main__":
    main()
