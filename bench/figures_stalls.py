"""What a stalled subscriber costs the others, per delivery mode (figures 13-15): a fast
subscriber's figures beside one stopped with SIGSTOP, against the same subscriber alone, in
alternated pairs, each pair in a fresh daemon."""

import signal
import subprocess
import sys
import time

from benchkit import Daemon, result_of, sim, spec, subscribe
from figures_fetch import STOPPED_SUBSCRIBER
from figures_stream import median

PEER_TIMEOUT_S = 2.0


def stopped_subscriber(daemon, watch, work):
    """A subscriber process, subscribed, then stopped: what holds the daemon's bytes."""
    ready = work / f"ready-stopped-{time.monotonic_ns()}"
    process = subprocess.Popen([sys.executable, "-c", STOPPED_SUBSCRIBER, daemon.publish, watch,
                                str(ready)], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not ready.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            sys.exit("bench: the subscriber to stop did not get ready")
        time.sleep(0.005)
    process.send_signal(signal.SIGSTOP)
    return process


def one_run(tools, work, delivery, path, beside, live_args=None, **settings):
    """One run of `path` (written beforehand, or live with `live_args`) to a fast subscriber,
    with a stopped one beside it or not: its result, its frames' arrival times, the daemon's
    dropped count and peers_cut."""
    daemon = Daemon(tools, work, fetch="tcp://127.0.0.1:*", delivery=delivery,
                    peer_timeout=f"{PEER_TIMEOUT_S}s", max_inflight="64MiB", **settings)
    stopped = None
    try:
        times = work / f"times-{time.monotonic_ns()}"
        fast = subscribe(tools, daemon, "run", work, times=times)
        if beside:
            stopped = stopped_subscriber(daemon, "run", work)
        daemon.request("start", watch=spec("run", path, timeout="10s"))
        if live_args:
            sim(tools, path, *live_args)
        result = result_of(fast)
        status = daemon.request("status", watch="run")["watch"]
        cut = daemon.request("list")["peers_cut"]
    finally:
        if stopped is not None:
            stopped.kill()
            stopped.wait()
        daemon.stop()
    arrivals = [float(line.split()[1]) for line in times.read_text().splitlines()]
    times.unlink()
    return result, arrivals, status["dropped"], cut


def bench_independent_stalls(tools, work, table, frames_2mib, pairs):
    """Figure 13: independent delivery, MB/s of a fast subscriber beside a stopped one over
    its MB/s alone, for 2 MiB and 8 MiB frames read from a complete file."""
    for label, shape, frames in (("2 MiB", "1024x1024", frames_2mib),
                                 ("8 MiB", "2048x2048", max(frames_2mib // 4, 8))):
        path = work / f"stalls-{label.replace(' ', '')}.h5"
        sim(tools, path, "--scan-shape", frames, "--frame-shape", shape, "--dtype", "u2",
            "--fixed")
        ratios, alone_mbs, beside_mbs, complete = [], [], [], True
        for _ in range(pairs):
            mbs = {}
            for beside in (False, True):
                result, _, _, _ = one_run(tools, work, "independent", path, beside)
                mbs[beside] = result["bytes"] / result["seconds"] / 1e6
                complete = complete and result["frames"] == frames
            ratios.append(mbs[True] / mbs[False])
            alone_mbs.append(mbs[False])
            beside_mbs.append(mbs[True])
        table.add(f"13. independent {label}, 1 stopped", median(beside_mbs), "MB/s",
                  median(alone_mbs), "the same subscriber alone" +
                  ("" if complete else " (NOT every frame)"), ">= 0.9 of alone",
                  ratio=median(ratios))
        table.note(f"13. {label}: ratios of {pairs} alternated pairs: " +
                   ", ".join(f"{r:.2f}" for r in ratios))
        path.unlink()


def bench_lossless_hold(tools, work, table, frames, runs):
    """Figure 14: lossless delivery with a stopped subscriber: the longest the fast one went
    without a frame (held back until the stopped one is cut), against peer_timeout."""
    holds = []
    for n in range(runs):
        path = work / f"hold-{n}.h5"
        live = ("--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
                "--rate", 20)
        result, arrivals, _, cut = one_run(tools, work, "lossless", path, True, live_args=live)
        gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
        holds.append(max(gaps) if gaps and cut else float("nan"))
        path.unlink()
    table.add("14. lossless, held back by 1 stopped", median(holds), "s", PEER_TIMEOUT_S,
              "peer_timeout", "<= peer_timeout + 0.5 s", higher_is_better=False)
    table.note("14. longest wait for a frame, per run: " + ", ".join(f"{h:.2f}" for h in holds))


def bench_drop_pace(tools, work, table, frames, pairs):
    """Figure 15: drop delivery at 1 kHz: frames delivered plus dropped per second beside a
    stopped subscriber, over the same alone (the writer's pace)."""
    ratios, paces = [], []
    for n in range(pairs):
        pace = {}
        for beside in (False, True):
            path = work / f"pace-{n}-{int(beside)}.h5"
            live = ("--scan-shape", frames, "--frame-shape", "32x64", "--dtype", "u2",
                    "--rate", 1000)
            result, arrivals, dropped, _ = one_run(tools, work, "drop", path, beside,
                                                   live_args=live)
            span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else float("nan")
            pace[beside] = (result["frames"] + dropped) / span
            path.unlink()
        ratios.append(pace[True] / pace[False])
        paces.append(pace)
    table.add("15. drop 1 kHz, 1 stopped", median([p[True] for p in paces]), "f/s",
              median([p[False] for p in paces]), "the same alone (the writer's pace)",
              ">= 0.9", ratio=median(ratios))
    table.note("15. delivered + dropped per second, alone/beside: " +
               ", ".join(f"{p[False]:.0f}/{p[True]:.0f}" for p in paces))


def bench_stalls(tools, work, table, frames_2mib, pairs):
    bench_independent_stalls(tools, work, table, frames_2mib, pairs)
    bench_lossless_hold(tools, work, table, max(frames_2mib // 2, 60), pairs)
    bench_drop_pace(tools, work, table, max(frames_2mib * 20, 2000), pairs)
