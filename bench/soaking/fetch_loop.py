"""Fetch sessions: runs that `runs` lists fetched whole (the files of some are deleted:
`gone`), a long poll at a streaming run's frontier, malformed fetches. Every answer, and
every frame's first value, is checked."""

import random
import time

import msgpack
import zmq

from .shared import REPLY_MS, WATCH, CheckedControl


class FetchLoop:
    def __init__(self, state, daemon):
        self.state, self.daemon = state, daemon

    def fetch_once(self, dealer, request, run=None, code=None):
        """Sends one fetch and checks its answer, against `run` (of `runs`) or the error
        `code` expected."""
        state = self.state
        dealer.send(request if isinstance(request, bytes) else msgpack.packb(request))
        frames = 0
        while True:
            if not dealer.poll(REPLY_MS):
                return state.anomaly(f"fetch: no answer within {REPLY_MS} ms to {request}")
            parts = dealer.recv_multipart()
            header = msgpack.unpackb(parts[1], raw=False)
            if header["kind"] == "fetched":
                break
            index, value = header["index"], int.from_bytes(parts[2][:2], "little")
            if value != index * 1009 % 32749:  # what swmr-sim writes at element 0
                state.anomaly(f"fetch: frame {index} of run {header['run']} holds {value}")
            frames += 1
        got = "ok" if header["ok"] else header["error"]["code"]
        state.add(f"fetches answered {got}")
        if code and got != code:
            state.anomaly(f"fetch: {request!r:.80} answered {got}, not {code}")
        # (A run that failed may have sent fewer frames than its file holds: not compared.)
        if run and got == "ok" and run["reason"] in ("complete", "finished") \
                and frames != run["frames"]:
            state.anomaly(f"fetch: {frames} frames of run {run['run']}, {run['frames']} sent")
        if run and not run["fetchable"] and got not in ("gone", "not_found"):
            state.anomaly(f"fetch: run {run['run']} of a deleted file answered {got}")

    def fetch_session(self):
        """On a new connection: runs that `runs` lists, fetched whole (the files of some
        are deleted), a long poll, malformed requests."""
        req = CheckedControl(self.state, self.daemon.control)
        dealer, runs = self.state.connect(zmq.DEALER, self.daemon.fetch), []
        for i in range(10):
            runs = req.expect({"cmd": "runs", "watch": WATCH}).get("runs") or []
            if runs:
                run = random.choice(runs)
                self.fetch_once(dealer, {"cmd": "fetch", "id": i, "watch": WATCH, "from": 0,
                                         "run": run["run"],
                                         "count": self.state.args.scan_frames + 9},
                                run)
        if runs and runs[-1]["state"] == "streaming":  # wait at its frontier
            self.fetch_once(dealer, {"cmd": "fetch", "id": "poll", "watch": WATCH,
                                     "run": runs[-1]["run"], "from": runs[-1]["last_index"] + 1,
                                     "count": 2, "wait": 0.5})
        for bad, code in ((b"\xc1", "bad_request"),
                          ({"cmd": "fetch", "id": 1, "watch": WATCH}, "bad_request"),
                          ({"cmd": "fetch", "id": 2, "watch": WATCH, "run": "no-such-run",
                            "from": 0, "count": 1}, "not_found")):
            self.fetch_once(dealer, bad, code=code)
        dealer.close()
        req.close()
        self.state.add("fetch sessions")
        time.sleep(random.uniform(0, 0.5))
