#!/usr/bin/python3
"""swmrd soak: a day of scans in minutes against the real daemon, checking it does not leak.

    /usr/bin/python3 bench/soak.py [--minutes 5] [--rate 20] [--scan-frames 5] [--json OUT]

Not run in CI nor by ctest.

swmr-sim writes short scans one after another into a folder a pattern watch follows; old
scans are deleted. Meanwhile: a tally subscriber, subscribers that come and go, one that
stalls, a Python-client DataSource, control requests (watches started and stopped, list,
status, runs, malformed requests) and fetches (some of deleted files: `gone`), and clients
that misbehave (bench/soaking/misbehaving.py: slow, pipelined, garbage and too many HTTP
connections, a fetch client that never reads, hour-long polls, a file declaring 64 GiB
frames), with what each limit refused read from /metrics at the end. RSS, fds
and threads are compared at two quiet points (workers parked, every scan ended), after the
warm-up and at the end: what the daemon kept, not what it was busy with. Exit 0: flat, and
no wrong or missing answer; 1: not flat, or a wrong or missing answer; 2: the daemon died.

This file parses the options and prints the summary and the verdict; the soak's parts
are in bench/soaking/ (its __init__.py lists them).
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from soaking.figures import SAMPLE_FIELDS, busy_summary, flatness  # bench/ is on sys.path
from soaking.timeline import Soak

REPOSITORY = Path(__file__).resolve().parent.parent


def report(soak, base, end, code, elapsed):
    """Prints the counts, the figures of the two quiet points and the verdict; returns the
    exit status: 0 flat and no anomaly, 1 not, 2 the daemon died."""
    a, counts, anomalies = soak.args, soak.state.counts, soak.state.anomalies
    print(f"\nsoak: {elapsed / 60:.1f} min, delivery {a.delivery}, scans of "
          f"{a.scan_frames} frames of {a.frame_shape} u2, at most {a.rate:g} scans/s, "
          f"history {a.history}")
    for name in sorted(counts):
        print(f"  {name:<42} {counts[name]:>9}")
    verdict = "died" if end is None else "flat"
    if end is not None:
        print(f"\n  {'':<26} {'after warm-up':>14} {'end':>8} {'change':>8}")
        for label, b, e, ok in flatness(base, end, a):
            print(f"  {label:<26} {b:>14.1f} {e:>8.1f} {e - b:>+8.1f}  "
                  + {True: "flat", False: "NOT FLAT", None: "(for the record)"}[ok])
            verdict = "not flat" if ok is False else verdict
        busy = busy_summary(soak.figures.samples, elapsed * a.warmup)
        if busy:
            print(busy)
    if soak.refused:
        print("\n  what the limits refused (/metrics):")
        for name, value in soak.refused:
            print(f"  {name:<70} {value:>9.0f}")
    print(f"  daemon exit status on SIGTERM: {code}")
    print("".join(f"  anomaly: {text}\n" for text in anomalies[:20]), end="")
    clean = verdict == "flat" and not anomalies
    print(f"verdict: {verdict}, {len(anomalies)} anomalies")
    if not clean:
        print("swmrd log (tail):\n" + soak.daemon.log_tail())
    if a.json:
        Path(a.json).write_text(json.dumps({
            "args": vars(a), "elapsed_s": elapsed, "counts": counts, "warmup": base,
            "end": end, "verdict": verdict, "exit_status": code, "anomalies": anomalies,
            "samples": [dict(zip(SAMPLE_FIELDS, s)) for s in soak.figures.samples]},
            indent=1))
    return 2 if verdict == "died" else 0 if clean else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--minutes", type=float, default=5, help="how long in all (default 5)")
    add("--build", default=str(REPOSITORY / "build"),
        help="the build folder (default: build, in the repository)")
    add("--scan-frames", type=int, default=5, help="frames per scan (default 5)")
    add("--frame-shape", default="64x64", help="of u2 values (default 64x64: 8 KiB, enough "
        "for a stall to fill the daemon's queues within seconds)")
    add("--rate", type=float, default=20, help="scans written per second, at most (default 20)")
    add("--delivery", default="lossless", choices=["lossless", "independent", "drop"])
    add("--history", type=int, default=16, help="runs kept per watch (default 16)")
    add("--keep", type=int, default=8, help="newest scans kept on disk (default 8)")
    add("--stall", type=float, default=15, help="seconds the stalled subscriber stops reading")
    add("--warmup", type=float, default=0.25, help="fraction of the time before the baseline")
    add("--rss-tolerance", type=float, default=0.10, help="RSS growth allowed, a fraction")
    add("--rss-mib", type=float, default=4, help="RSS growth allowed, MiB (the larger wins)")
    add("--control-on-scans", action="store_true",
        help="control watches read the pattern watch's newest scans (shows a known bug)")
    add("--json", help="write the figures and samples to this file")
    args = parser.parse_args()
    soak, code = Soak(args), 1
    try:
        code = report(soak, *soak.run())
    finally:
        soak.state.done.set()
        soak.daemon.kill()
        if code == 0:
            shutil.rmtree(soak.work, ignore_errors=True)
        else:
            print(f"soak: kept {soak.work} (swmrd.log, swmrd.yaml)")
    sys.exit(code)


if __name__ == "__main__":
    main()
