"""Clients that misbehave, beside the well-behaved ones: each session tries one of the
things a bound is there for, checks the daemon's answer, and counts it. At the end, what
each limit refused is read from /metrics (`refusals`).

- an HTTP client that sends its request a header line a second (it holds a connection, and
  nothing else: /metrics is asked meanwhile and must answer);
- two HTTP requests in one write (two answers), and garbage (closed, at once);
- more HTTP connections than `max_connections` at once (the extra ones closed);
- a fetch client that sends requests and never reads an answer (cut after `peer_timeout`,
  or its answers bounded: the daemon's memory says);
- long polls parked for an hour (answered within `max_wait`);
- a control watch of a small file that declares 64 GiB frames (refused by `max_message`
  before any read)."""

import socket
import time
import urllib.request

import msgpack
import zmq

from .shared import WATCH, CheckedControl, spec

DECLARED = "declared-64GiB.h5"


def http_get(address, path="/metrics", timeout=10):
    return urllib.request.urlopen(f"http://{address}{path}", timeout=timeout).read()


def make_declared_file(path):
    """A 2 KiB file whose frames are declared 64 GiB each and never written."""
    import h5py
    import numpy as np
    with h5py.File(path, "w", libver="latest") as f:
        f["/entry/keys/uid"] = np.arange(1, 5)
        f.create_dataset("/entry/data/data", shape=(4, 1 << 18, 1 << 18), dtype="u1",
                         chunks=(1, 1, 4096))
        f["/entry/finished"] = 1


class Misbehaving:
    def __init__(self, state, daemon, folder):
        self.state, self.daemon, self.folder = state, daemon, folder
        make_declared_file(folder / DECLARED)
        self.round = 0

    def host_port(self):
        host, port = self.daemon.http.rsplit(":", 1)
        return host, int(port)

    def slow_http_session(self):
        """A request a header line a second for 4 s; /metrics answers meanwhile."""
        with socket.create_connection(self.host_port(), timeout=10) as slow:
            slow.sendall(b"GET /metrics HTTP/1.1\r\nHost: soak\r\n")
            for line in range(4):
                time.sleep(1)
                slow.sendall(f"X-Slow-{line}: 1\r\n".encode())
                http_get(self.daemon.http)  # served while the slow one dawdles
            slow.sendall(b"\r\n")
            if not slow.recv(65536).startswith(b"HTTP/1.1 200"):
                self.state.anomaly("http: the slow request got no 200 in the end")
        self.state.add("misbehaving: slow HTTP requests")

    def pipelined_and_garbage_session(self):
        with socket.create_connection(self.host_port(), timeout=10) as pipelined:
            pipelined.sendall(b"GET /api/v1/watches HTTP/1.1\r\nHost: soak\r\n\r\n"
                              b"GET /nowhere HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
            answers = b""
            while chunk := pipelined.recv(65536):
                answers += chunk
            if answers.count(b"HTTP/1.1 ") != 2 or b"HTTP/1.1 404" not in answers:
                self.state.anomaly(f"http: two pipelined requests got {answers[:200]!r}")
        with socket.create_connection(self.host_port(), timeout=10) as garbage:
            garbage.sendall(b"GET / HTTP/9.9 what\r\n\r\n")
            started = time.monotonic()
            while garbage.recv(65536):
                pass
            if time.monotonic() - started > 4:
                self.state.anomaly("http: a garbage request's connection was held past 4 s")
        self.state.add("misbehaving: pipelined and garbage HTTP")

    def http_flood_session(self):
        """More connections at once than max_connections allows one address."""
        held = []
        try:
            # From an address of its own: the limit per address keeps the flood from
            # crowding out the well-behaved clients (all on 127.0.0.1).
            for _ in range(self.daemon.max_connections + 8):
                held.append(socket.create_connection(self.host_port(), timeout=10,
                                                     source_address=("127.0.0.2", 0)))
            time.sleep(1)
        finally:
            for connection in held:
                connection.close()
        self.state.add("misbehaving: HTTP floods")

    def newest_run(self):
        control = CheckedControl(self.state, self.daemon.control)
        runs = control.expect({"cmd": "runs", "watch": WATCH}).get("runs") or []
        control.close()
        return runs[-1] if runs else None

    def fetch_never_reads_session(self):
        """500 fetches of a whole run, no answer read, then gone after 5 s."""
        run = self.newest_run()
        if run is None:
            return
        dealer = self.state.ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.setsockopt(zmq.RCVHWM, 1)
        dealer.setsockopt(zmq.RCVBUF, 4096)
        dealer.connect(self.daemon.fetch)
        for n in range(500):
            dealer.send(msgpack.packb({"cmd": "fetch", "id": n, "watch": WATCH,
                                       "run": run["run"], "from": 0, "count": 64}))
        time.sleep(5)
        dealer.close()
        self.state.add("misbehaving: fetch clients that never read")

    def long_poll_session(self):
        """Long polls for an hour past the newest run's frames: each answered (its run
        ended, or max_wait, 2 s here, passed) within 10 s."""
        run = self.newest_run()
        if run is None:
            return
        dealer = self.state.ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(self.daemon.fetch)
        for n in range(4):
            dealer.send(msgpack.packb({"cmd": "fetch", "id": n, "watch": WATCH,
                                       "run": run["run"], "from": run["last_index"] + 1 + n,
                                       "count": 1, "wait": 3600}))
        answered, deadline = 0, time.monotonic() + 10
        while answered < 4 and dealer.poll(max(0, int((deadline - time.monotonic()) * 1000))):
            parts = dealer.recv_multipart()
            answered += msgpack.unpackb(parts[1], raw=False)["kind"] == "fetched"
        if answered < 4:
            self.state.anomaly(f"fetch: {4 - answered} long polls of an hour not answered "
                               "within 10 s (max_wait 2s)")
        dealer.close()
        self.state.add("misbehaving: hour-long polls")

    def huge_declaration_session(self):
        """A control watch of a file declaring 64 GiB frames ends with an error naming
        max_message, before any read."""
        self.round += 1
        name = f"huge-{self.round}"
        control = CheckedControl(self.state, self.daemon.control)
        control.expect({"cmd": "start", "watch": spec(name, self.folder / DECLARED)})
        deadline = time.monotonic() + 10
        while True:
            status = control.expect({"cmd": "status", "watch": name}).get("watch") or {}
            if status.get("state") == "failed":
                if "max_message" not in (status.get("error") or ""):
                    self.state.anomaly(f"max_message: the huge frame failed otherwise: {status}")
                break
            if time.monotonic() > deadline:
                self.state.anomaly(f"max_message: the huge frame's watch did not fail: {status}")
                break
            time.sleep(0.1)
        control.expect({"cmd": "stop", "watch": name})
        control.close()
        self.state.add("misbehaving: 64 GiB frames declared")

    def sessions(self):
        return [(self.slow_http_session,), (self.pipelined_and_garbage_session, 1),
                (self.http_flood_session, 0.2), (self.fetch_never_reads_session,),
                (self.long_poll_session,), (self.huge_declaration_session, 0.5)]


def refusals(daemon):
    """What each limit refused, from /metrics: (metric with labels, value) of the counters
    that count refusals and cuts."""
    found = []
    for line in http_get(daemon.http).decode().splitlines():
        if line.startswith(("swmrd_peers_cut_total", "swmrd_http_requests_refused_total")):
            name, value = line.rsplit(" ", 1)
            found.append((name, float(value)))
    return found
