#!/usr/bin/python3
"""swmrd benchmarks: every figure measured next to its reference in the same run.

    /usr/bin/python3 bench/run_bench.py [--build build] [--quick] [--only NAME ...]

Prints one table: the machine, the parameters, each figure, its reference, the ratio and the
target. Files are written by swmr-sim into a temporary folder (removed afterwards).
"""

import argparse
import shutil
import tempfile
from pathlib import Path

from benchkit import Table, Tools, machine
from figures_confinement import bench_confinement
from figures_fetch import bench_fetch, bench_independent, bench_repair
from figures_latency import bench_idle, bench_idle_folder, bench_latency, bench_memory
from figures_stalls import bench_stalls
from figures_stream import (bench_bitshuffle, bench_fanout, bench_large, bench_small,
                            bench_watches)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer pairs")
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest sizes and one pair each: every figure runs, in a few "
                             "minutes (CI), none is worth reading")
    parser.add_argument("--baseline", default=None, metavar="SWMRD",
                        help="an earlier swmrd binary to compare against in figure 12 (e.g. one "
                        "that reads in-process: git worktree add /tmp/old 5c04481, build it)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="large watches bitshuffle confinement small latency memory idle "
                        "folder fanout fetch repair independent stalls")
    args = parser.parse_args()
    tools = Tools(args.build)
    quick = args.quick
    params = {"large": 100 if quick else 400, "small": 10000 if quick else 50000,
              "latency": 100 if quick else 500, "memory_gib": 0.5 if quick else 2,
              "idle_seconds": 3 if quick else 10, "folder_files": 2000 if quick else 20000,
              "fanout": 50 if quick else 200, "fetch": 100 if quick else 400,
              "repair": 10000, "independent": 100 if quick else 400,
              "stalls": 100 if quick else 400, "pairs": 3 if quick else 5}
    if args.smoke:
        params = {"large": 20, "small": 2000, "latency": 50, "memory_gib": 0.125,
                  "idle_seconds": 1, "folder_files": 200, "fanout": 20, "fetch": 20,
                  "repair": 1000, "independent": 40, "stalls": 16, "pairs": 1}
    print(machine())
    print("parameters:", ", ".join(f"{k}={v}" for k, v in params.items()))
    print()
    table = Table()
    only = set(args.only or ["large", "watches", "bitshuffle", "confinement", "small", "latency",
                             "memory", "idle", "folder", "fanout", "fetch", "repair",
                             "independent", "stalls"])
    work = Path(tempfile.mkdtemp(prefix="swmrd-bench-"))
    try:
        if "large" in only:
            bench_large(tools, work, table, params["large"])
        if "watches" in only:
            bench_watches(tools, work, table, params["large"])
        if "bitshuffle" in only:
            bench_bitshuffle(tools, work, table, params["large"])
        if "confinement" in only:
            baseline = tools.with_daemon(args.baseline) if args.baseline else None
            bench_confinement(tools, baseline, work, table, params["large"],
                              pairs=max(params["pairs"], 2) if args.smoke else 6)
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
        if "stalls" in only:
            bench_stalls(tools, work, table, params["stalls"], params["pairs"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table.print()


if __name__ == "__main__":
    main()
