"""Runs the stall cases (test_stalled_peers.py: every delivery mode at 64 B, 2 MiB, 8 MiB and
32 MiB, a vanished host, lagging subscribers, a fetch client that reads nothing) ROUNDS
times in a row and prints each case's pass count. Every case must pass every time; the exit
status says whether it did.

    stress.py BUILD_DIR [ROUNDS]     (make stress: ROUNDS=20)
"""

import collections
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

build = Path(sys.argv[1]).resolve()
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
here = Path(__file__).resolve().parent
environment = {**os.environ,
               "SWMRD_BIN": str(build / "daemon" / "swmrd"),
               "SWMR_SIM_BIN": str(build / "tools" / "swmr-sim" / "swmr-sim")}
passed, ran = collections.Counter(), collections.Counter()
started = time.monotonic()
with tempfile.TemporaryDirectory() as work:
    for round_number in range(1, rounds + 1):
        report = Path(work) / f"round{round_number}.xml"
        # A session of its own: when a launcher in the background (nohup … &) exits, the
        # kernel sends SIGCONT to an orphaned process group with stopped members, which would
        # wake the subscribers the tests stop.
        subprocess.run(["/usr/bin/python3", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        f"--junitxml={report}", str(here / "test_stalled_peers.py")],
                       env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       start_new_session=True)
        for case in ElementTree.parse(report).iter("testcase"):
            if case.find("skipped") is not None:
                continue
            name = case.get("name")
            ran[name] += 1
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            passed[name] += failure is None
            if failure is not None:  # what went wrong, for the one run in twenty that fails
                details = (failure.text or failure.get("message") or "")[-4000:]
                print(f"round {round_number}: {name} FAILED:\n{details}\n", flush=True)
        print(f"round {round_number}/{rounds}: {sum(passed.values())}/{sum(ran.values())} "
              f"passed so far ({time.monotonic() - started:.0f} s)", flush=True)
width = max(map(len, ran), default=0)
for name in sorted(ran):
    print(f"{name:<{width}}  {passed[name]}/{ran[name]}")
print(f"{sum(passed.values())}/{sum(ran.values())} passed in "
      f"{(time.monotonic() - started) / 60:.1f} min")
sys.exit(0 if ran and passed == ran else 1)
