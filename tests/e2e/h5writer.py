"""A SWMR writer process driven line by line, for scenes swmr-sim does not write.

Each line on stdin is a Python statement run with h5py and numpy at hand (`f` is the file
once a statement opens it); the process answers "ok" or "error: ..." on stdout, so a test
knows a step is on disk before it goes on. The writer is a process of its own, as SWMR
requires.
"""

import sys
import time

import h5py  # noqa: F401  (used by the statements)
import numpy as np  # noqa: F401

namespace = {"h5py": h5py, "np": np, "time": time}
for line in sys.stdin:
    try:
        exec(line, namespace)
        print("ok", flush=True)
    except Exception as error:  # reported to the test, which fails on it
        print(f"error: {error!r}", flush=True)
