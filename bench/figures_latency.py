"""Latency, memory and idle figures (3, 4, 5, 5b)."""

import os
import shutil
import time

import msgpack
import zmq

from benchkit import Daemon, percentile, result_of, sim, spec, subscribe


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
