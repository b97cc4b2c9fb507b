"""The subscribers: the tally that never leaves, ones that come and go, one that stalls,
and the project's Python client (DataSource). Every message's seq is checked."""

import random
import sys
import time
from pathlib import Path

import msgpack
import zmq

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
import swmrd  # noqa: E402  (the project's client, for the DataSource session)

from .shared import REPLY_MS, WATCH  # noqa: E402


class Subscribers:
    def __init__(self, state, daemon, workers, scans):
        self.state, self.daemon, self.workers, self.scans = state, daemon, workers, scans

    def subscribe(self, prefix, small=False):
        """A SUB socket whose subscription has reached the daemon (a heartbeat came after)."""
        sock = self.state.connect(zmq.SUB, self.daemon.publish, small)
        for topic in (prefix, "_daemon/heartbeat"):
            sock.setsockopt_string(zmq.SUBSCRIBE, topic)
        self.state.add("subscriptions")
        deadline = time.monotonic() + REPLY_MS / 1000
        while time.monotonic() < deadline:
            if sock.poll(200) and sock.recv_multipart()[0] == b"_daemon/heartbeat":
                return sock
        self.state.anomaly("subscriber: no heartbeat within 10 s")
        return sock

    def read(self, sock, seconds, label, seqs):
        """Reads for `seconds` (less when a quiet point begins, but for the tally), counting
        frames and gaps in seq; `seqs`: run -> the last seq received."""
        state = self.state
        deadline = time.monotonic() + seconds
        while (not state.done.is_set() and (self.workers.open or label == "tally")
               and (left := deadline - time.monotonic()) > 0):
            if not sock.poll(min(left, 0.2) * 1000):
                continue
            header = msgpack.unpackb(sock.recv_multipart()[1], raw=False)
            kind, run, seq = header["kind"], header["run"], header["seq"]
            if kind == "heartbeat":
                continue
            if run in seqs and seq != seqs[run] + 1:
                state.add(f"seq gaps seen by {label}")
                if state.args.delivery == "lossless":  # only a broken connection may lose
                    state.anomaly(f"{label}: {header['watch']} run {run} seq {seqs[run]} -> "
                                  f"{seq} in lossless delivery")
            seqs[run] = seq
            if kind == "frame":
                state.add(f"frames received by {label}")
            elif kind == "end":
                del seqs[run]
                if label == "tally":
                    self.tally_end(header)

    def tally_end(self, header):
        self.state.add("runs ended")
        self.state.add(f"runs ended: {header['reason']}")
        if header["reason"] == "error":  # the scans are good: no run of them should fail
            self.state.anomaly(f"run of {Path(header['file']).name} failed: "
                               f"{header.get('error'):.300}")
        self.scans.record_end(header["file"])

    def tally(self, ready):
        """Never leaves: counts the pattern watch's runs and frames, and tells the writer
        and the deleter which scans have ended."""
        sock, seqs = self.subscribe(WATCH + "/"), {}
        ready.set()
        while not self.state.done.is_set():
            self.read(sock, 1.0, "tally", seqs)
        sock.close()

    def churn_session(self):
        """Connects, reads every watch for a few seconds, leaves."""
        sock = self.subscribe("")
        self.read(sock, random.uniform(0.5, 4), "churn", {})
        sock.close()
        time.sleep(random.uniform(0, 1))

    def stalled_session(self):
        """Reads, stops reading with small queues, then drains and leaves. Once the kernel's
        buffers (MiBs) and the daemon's queue and max_inflight are full, the daemon waits
        for it in lossless delivery (and the writer for the daemon); peer_timeout is longer
        than the stall, so the daemon does not cut it off."""
        sock, seqs = self.subscribe(WATCH + "/", small=True), {}
        self.read(sock, random.uniform(10, 20), "stalled", seqs)
        before = self.scans.last_ended
        time.sleep(self.state.args.stall)
        self.state.add("stalls")
        self.state.add("runs ended during stalls (fewer: held back)",
                       self.scans.last_ended - before)
        self.read(sock, 3, "stalled", seqs)
        sock.close()

    def client_session(self):
        """The Python client joins a run in progress with its history and reads it whole."""
        state = self.state
        try:
            with swmrd.DataSource(self.daemon.publish, WATCH, timeout=3, history=True) as ds:
                got = sum(1 for _ in ds)
                state.add("frames received by DataSource", got)
                state.add("runs read whole by DataSource")
                if got != ds.end["seq"] - 1:  # every frame from index 0, once
                    state.anomaly(f"DataSource: run {ds.run}: {got} frames, "
                                  f"end seq {ds.end['seq']}")
        except swmrd.Timeout:
            state.add("DataSource timeouts")  # no run came: a stall, a quiet point
        except swmrd.SwmrdError as error:
            state.add(f"DataSource {type(error).__name__}")
