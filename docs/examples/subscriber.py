#!/usr/bin/env python3
"""A minimal swmrd subscriber with nothing but pyzmq, msgpack and NumPy (docs/protocol.md).

usage: subscriber.py PUBLISH_ENDPOINT WATCH    prints one run of WATCH, then exits
"""
import sys

import msgpack
import numpy as np
import zmq

endpoint, watch = sys.argv[1], sys.argv[2]
sub = zmq.Context().socket(zmq.SUB)
sub.connect(endpoint)
sub.setsockopt_string(zmq.SUBSCRIBE, watch + "/")
sub.setsockopt_string(zmq.SUBSCRIBE, "_daemon/heartbeat")  # the first proves we are subscribed
subscribed, run, seq = False, None, 0
while True:
    topic, header, *payload = sub.recv_multipart()
    h = msgpack.unpackb(header)
    if h["kind"] == "heartbeat":
        if not subscribed:
            print(f"subscribed to {watch} at {endpoint}", flush=True)
        subscribed = True
        continue
    if h["run"] == run and h["seq"] != seq + 1:
        print(f"missed {h['seq'] - seq - 1} message(s)", file=sys.stderr)
    run, seq = h["run"], h["seq"]
    if h["kind"] == "start":
        print(f"start {h['file']} scan_shape={h['scan_shape']}")
    elif h["kind"] == "frame":
        where = ", ".join(f"{start}:{stop}" for start, stop, _ in h["slice"])
        for part, data in zip(h["parts"], payload):
            if part["encoding"] == "chunk":  # still compressed by the HDF5 filters it lists
                print(f"frame {h['index']} ({where}) {part['path']} chunk "
                      "(decode with its HDF5 filters)")
                continue
            a = np.frombuffer(data, dtype=part["dtype"]).reshape(part["shape"])
            total = int(a.sum()) if a.dtype.kind in "iub" else f"{a.sum():.6g}"
            print(f"frame {h['index']} ({where}) {part['path']} {part['dtype']} "
                  f"{part['shape']} sum={total}")
    elif h["kind"] == "end":
        error = f" error: {h['error']}" if "error" in h else ""
        print(f"end {h['reason']} frames={h['frames']}{error}")
        break
