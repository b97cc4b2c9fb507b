"""A subscriber in a process of its own, which a test can SIGSTOP, through the project's
Python client: prints "ready" once subscribed, then one JSON line at the end with the
indices it yielded, a checksum per frame, and how many frames it repaired or fetched.

    client_process.py PUBLISH_ENDPOINT WATCH [--history]
"""

import json
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

import swmrd  # noqa: E402

endpoint, watch = sys.argv[1], sys.argv[2]
history = "--history" in sys.argv
ds = swmrd.DataSource(endpoint, watch, timeout=60, history=history)
print("ready", flush=True)
indices, sums = [], []
for data_map in ds:
    indices.append(data_map.index)
    sums.append(zlib.crc32(next(iter(data_map.values())).tobytes()))
print(json.dumps({"indices": indices, "sums": sums, "repaired": ds.repaired,
                  "history": ds.history_frames, "reason": ds.end_reason}), flush=True)
