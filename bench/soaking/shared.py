"""What every thread of the soak shares: the options, the counts, the anomalies, the
ZeroMQ context and the stop signal; and what every part of it uses: the watch spec and a
control socket whose replies are checked."""

import collections
import sys
import threading
import time

import msgpack
import zmq

WATCH = "soak"  # the config watch that follows the scans with a pattern
REPLY_MS = 10000  # no answer for this long is a hang, not slowness


def spec(name, file, timeout="2s"):
    """A watch of swmr-sim's layout, on `file` (a path or a pattern)."""
    return {"name": name, "file": str(file), "keys": ["/entry/keys/uid"],
            "datasets": ["/entry/data/data"], "finished": "/entry/finished", "timeout": timeout}


class SoakState:
    """Counts and anomalies are written from every thread: under the lock. `done` ends the
    soak (its time is up, or the daemon died)."""
    def __init__(self, args):
        self.args, self.ctx = args, zmq.Context.instance()
        self.lock, self.counts, self.anomalies = threading.Lock(), collections.Counter(), []
        self.done = threading.Event()

    def add(self, name, n=1):
        with self.lock:
            self.counts[name] += n

    def anomaly(self, text):
        with self.lock:
            self.anomalies.append(f"{time.strftime('%H:%M:%S')} {text}")
        print("soak: ANOMALY", text, file=sys.stderr, flush=True)

    def connect(self, kind, endpoint, small=False):
        sock = self.ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        if small:  # small queues, the kernel's too: a stall must reach the daemon's queue
            sock.setsockopt(zmq.RCVHWM, 20)
            sock.setsockopt(zmq.RCVBUF, 4096)
        sock.connect(endpoint)
        return sock


class CheckedControl:
    """A control REQ socket whose replies are checked. A reply that does not come is an
    anomaly; the socket is then remade (a REQ without its reply cannot send again)."""
    def __init__(self, state, endpoint):
        self.state, self.endpoint, self.sock = state, endpoint, None

    def expect(self, request, code="ok"):
        self.sock = self.sock or self.state.connect(zmq.REQ, self.endpoint)
        self.sock.send(request if isinstance(request, bytes) else msgpack.packb(request))
        if not self.sock.poll(REPLY_MS):
            self.close()
            self.state.anomaly(f"control: no reply in {REPLY_MS} ms to {request!r:.80}")
            return {}
        self.state.add("control requests answered")
        reply = msgpack.unpackb(self.sock.recv(), raw=False)
        got = "ok" if reply.get("ok") else reply.get("error", {}).get("code")
        if got != code:
            self.state.anomaly(f"control: {request!r:.80} answered {got}, not {code}: "
                               f"{reply.get('error')}")
        return reply

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
