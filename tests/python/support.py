"""Helpers of the Python client's tests: the real swmrd and swmr-sim as processes, a fake
publisher for what a real daemon cannot be made to do on demand (gaps, restarts), and the
simulator's data pattern."""

import collections
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import msgpack
import numpy as np
import pytest
import zmq

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "data" / "proto"

# What swmr-sim writes, watch specs and daemon configs: one home, the end-to-end tests'
# harness (which uses nothing of the client under test).
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from harness import expected_frame, pattern, watch_spec, write_config  # noqa: E402,F401

# Hang guards only: no test asserts on how long anything took.
WAIT_S = 30.0


def binary(variable):
    """The path in environment variable ``variable`` (set by CTest); skips when unset."""
    path = os.environ.get(variable)
    if not path:
        pytest.skip(f"{variable} is not set (CTest sets it to the built binary)")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{variable}={path} is not an executable")
    return path


class Daemon:
    """swmrd on wildcard ports in ``workdir``; its endpoints read back from the endpoints
    file. ``stop()`` sends SIGTERM and returns the exit status."""

    def __init__(self, workdir, watches=(), **settings):
        self.workdir = Path(workdir)
        self.config_path = self.workdir / "swmrd.yaml"
        write_config(self.config_path, watches, **settings)
        self.endpoints_path = self.workdir / "endpoints"
        self.log_path = self.workdir / "swmrd.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary("SWMRD_BIN"), "--config", str(self.config_path), "--endpoints-file",
             str(self.endpoints_path)], stdout=self._log, stderr=subprocess.STDOUT)
        self.control, self.publish = self._endpoints()

    def _endpoints(self):
        deadline = time.monotonic() + WAIT_S
        while not self.endpoints_path.exists():
            if self.process.poll() is not None:
                raise AssertionError(f"swmrd exited with {self.process.returncode}:\n"
                                     + self.log())
            if time.monotonic() > deadline:
                raise AssertionError("swmrd did not write its endpoints:\n" + self.log())
            time.sleep(0.01)
        found = {}
        for line in self.endpoints_path.read_text().splitlines():
            kind, endpoint = line.split(" ", 1)
            found.setdefault(kind, endpoint)
        self.fetch = found.get("fetch")  # None unless the config sets `fetch`
        return found["control"], found["publish"]

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("swmrd did not exit on SIGTERM:\n" + self.log())
        self._log.close()
        return code


def run_sim(path, *args, wait=True):
    """swmr-sim writing ``path``; waits for it and checks its exit status unless ``wait`` is
    False (then ``finish(process)`` does)."""
    command = [binary("SWMR_SIM_BIN"), "--file", str(path), "--quiet", *map(str, args)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if wait:
        finish(process)
    return process


def finish(process):
    out, err = process.communicate(timeout=WAIT_S * 4)
    assert process.returncode == 0, f"{process.args} exited {process.returncode}: {err!r}"


# -- a fake daemon's data channel ------------------------------------------------------------

def header(kind, watch, run, seq, **fields):
    return {"v": 1, "kind": kind, "watch": watch, "run": run, "seq": seq,
            "time": time.time(), **fields}


def start_header(watch, run, scan_shape=(4,), datasets=(("/d", "<u2", [2, 3]),), **more):
    fields = dict(file="/data/fake.h5", keys=["/k"], finished=None, timeout=10.0,
                  scan_rank=len(scan_shape), scan_shape=list(scan_shape), first_index=0,
                  datasets=[{"path": p, "dtype": d, "frame_shape": list(s), "encoding": "raw"}
                            for p, d, s in datasets])
    fields.update(more)
    return header("start", watch, run, 0, **fields)


def frame_message(watch, run, seq, index, frame_shape=(2, 3), dtype="<u2", scan_shape=(4,)):
    """A 1-D scan's frame header and payload; values follow the simulator's pattern."""
    array = expected_frame(0, index, frame_shape, dtype).reshape((1, *frame_shape))
    part = {"path": "/d", "dtype": np.dtype(dtype).str, "shape": list(array.shape),
            "encoding": "raw", "nbytes": array.nbytes}
    fields = dict(file="/data/fake.h5", index=index, slice=[[index, index + 1, None]],
                  scan_shape=list(scan_shape), parts=[part])
    return header("frame", watch, run, seq, **fields), [array.tobytes()]


def end_header(watch, run, seq, reason="finished", frames=0, last_index=-1, **more):
    return header("end", watch, run, seq, file="/data/fake.h5", reason=reason, frames=frames,
                  last_index=last_index, **more)


class FakePublisher:
    """A PUB socket sending heartbeats every 20 ms from its own thread, plus whatever the
    test queues, in order."""

    def __init__(self, heartbeats=True, watches=("w",)):
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.PUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind("tcp://127.0.0.1:*")
        self.endpoint = self.socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self.instance = str(uuid.uuid4())
        self.heartbeats = heartbeats
        self.watches = list(watches)
        self.fetch = None  # the heartbeat's `fetch`
        self._queue = queue.Queue()
        self._stop = threading.Event()
        self._heartbeat_seq = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def send(self, head, payload=()):
        topic = f"{head['watch']}/{head['kind']}"
        self._queue.put([topic.encode(), msgpack.packb(head), *payload])

    def send_run(self, watch, run, frames, gap_after=None, reason="finished"):
        """start, ``frames`` frames (seq skipping one after frame ``gap_after``), end."""
        self.send(start_header(watch, run, scan_shape=(frames,)))
        seq = 0
        for index in range(frames):
            seq += 1
            if gap_after is not None and index == gap_after + 1:
                seq += 1
            self.send(*frame_message(watch, run, seq, index, scan_shape=(frames,)))
        self.send(end_header(watch, run, seq + 1, reason=reason, frames=frames,
                             last_index=frames - 1))

    def restart(self):
        """From the next heartbeat on, a new instance id, as a restarted daemon has; in
        order with the messages queued before."""
        self._queue.put(None)

    def _run(self):
        next_heartbeat = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if self.heartbeats and now >= next_heartbeat:
                head = header("heartbeat", "_daemon", self.instance, self._heartbeat_seq,
                              period=0.02, version="fake", host="test",
                              watches=self.watches, fetch=self.fetch)
                self._heartbeat_seq += 1
                self.socket.send_multipart([b"_daemon/heartbeat", msgpack.packb(head)])
                next_heartbeat = now + 0.02
            try:
                parts = self._queue.get(timeout=0.005)
            except queue.Empty:
                continue
            if parts is None:
                self.instance = str(uuid.uuid4())
                next_heartbeat = 0.0
            else:
                self.socket.send_multipart(parts)
            self._queue.task_done()

    def flush(self):
        """Returns once everything queued so far has been sent."""
        self._queue.join()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.socket.close()


# -- a fake daemon: PUB, fetch (ROUTER) and control (REP) ------------------------------------

class FakeRun:
    """What a fake daemon keeps of a run: every frame written (published or not)."""

    def __init__(self, watch, run, first_index, scan_shape):
        self.watch, self.run = watch, run
        self.first_index = first_index
        self.scan_shape = scan_shape
        self.frames = []  # (header, payload) by index: the readable frames
        self.published = []  # indices sent on PUB
        self.state, self.reason = "streaming", None
        self.started, self.ended = time.time(), None
        self.gone = False

    @property
    def frontier(self):
        return len(self.frames)

    def run_map(self):
        return {"run": self.run, "file": "/data/fake.h5", "state": self.state,
                "reason": self.reason, "first_index": self.first_index,
                "frames": len(self.published),
                "last_index": self.published[-1] if self.published else -1,
                "started": self.started, "ended": self.ended, "fetchable": not self.gone}


FETCH_KEYS = {"cmd", "id", "watch", "run", "from", "count", "max_bytes", "wait"}


class FakeDaemon:
    """A fake swmrd for the fetch channel: a FakePublisher (``publisher``) whose heartbeats
    name the fetch endpoint (``advertise``: "endpoint", "wildcard" for tcp://*:port, or
    None), a ROUTER fetch endpoint and a REP control endpoint (``runs``, ``status``) served
    by a thread, over the runs the test writes with ``start``, ``write`` and ``end``.

    Fetch requests are answered as docs/protocol.md, The fetch channel says, in order per client; a
    request with ``wait`` at the frontier of a streaming run is parked until a frame comes,
    the run ends or the wait is over (``parked`` counts them). ``refuse`` holds error codes
    for the next requests (e.g. ["busy"]), ``max_frames`` caps the frames of an answer,
    ``cut`` = (n, code) makes the next answer fail with ``code`` after n frames;
    ``requests`` records every fetch request received.
    """

    def __init__(self, watch="w", advertise="endpoint"):
        self.watch = watch
        self.publisher = FakePublisher(watches=[watch])
        self.endpoint = self.publisher.endpoint
        context = zmq.Context.instance()
        self.router = context.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        self.router.bind("tcp://127.0.0.1:*")
        self.fetch_endpoint = self.router.getsockopt_string(zmq.LAST_ENDPOINT)
        self.rep = context.socket(zmq.REP)
        self.rep.setsockopt(zmq.LINGER, 0)
        self.rep.bind("tcp://127.0.0.1:*")
        self.control_endpoint = self.rep.getsockopt_string(zmq.LAST_ENDPOINT)
        if advertise == "endpoint":
            self.publisher.fetch = self.fetch_endpoint
        elif advertise == "wildcard":
            self.publisher.fetch = "tcp://*:" + self.fetch_endpoint.rsplit(":", 1)[1]
        else:
            self.publisher.fetch = advertise
        self.runs = {}
        self.order = []  # run ids, oldest first
        self.requests = []
        self.refuse = []
        self.max_frames = None
        self.cut = None  # (n, code): the next answer fails with `code` after n frames
        self.status_error = None  # the watch status's `error`
        self.parked = 0
        self.changed = threading.Condition()
        self._clients = {}  # identity -> deque of [request, received_at, parked]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    # -- the test's side ------------------------------------------------------------------

    def start(self, run, first_index=0, scan_shape=(None,), publish=True):
        with self.changed:
            self.runs[run] = FakeRun(self.watch, run, first_index, scan_shape)
            self.order.append(run)
        if publish:
            self.publisher.send(start_header(self.watch, run, scan_shape=scan_shape,
                                             first_index=first_index))

    def write(self, run, count=1, publish=True):
        """``count`` more frames become readable; each published unless ``publish`` is
        False (lost on the way, or before the run's first_index: never published)."""
        for _ in range(count):
            with self.changed:
                fake = self.runs[run]
                index = fake.frontier
                seq = index - fake.first_index + 1 if index >= fake.first_index else 0
                head, payload = frame_message(self.watch, run, seq, index,
                                              scan_shape=fake.scan_shape)
                fake.frames.append((head, payload))
                if publish:
                    fake.published.append(index)
                self.changed.notify_all()
            if publish:
                self.publisher.send(head, payload)

    def end(self, run, reason="finished", publish=True, **more):
        with self.changed:
            fake = self.runs[run]
            fake.state, fake.reason, fake.ended = "ended", reason, time.time()
            seq = fake.frontier - fake.first_index + 1
            head = end_header(self.watch, run, seq, reason=reason, frames=len(fake.published),
                              last_index=fake.published[-1] if fake.published else -1, **more)
            self.changed.notify_all()
        if publish:
            self.publisher.send(head)

    def wait_for(self, condition, timeout=WAIT_S):
        """Blocks until ``condition()`` holds (checked whenever the fake changes)."""
        with self.changed:
            if not self.changed.wait_for(condition, timeout):
                raise AssertionError(f"the fake daemon never reached {condition}")

    def close(self):
        self._stop.set()
        self._thread.join()
        self.router.close()
        self.rep.close()
        self.publisher.close()

    # -- the daemon's side ------------------------------------------------------------------

    def _serve(self):
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        poller.register(self.rep, zmq.POLLIN)
        while not self._stop.is_set():
            ready = dict(poller.poll(5))
            if self.rep in ready:
                self.rep.send(msgpack.packb(self._control(msgpack.unpackb(self.rep.recv()))))
            if self.router in ready:
                identity, data = self.router.recv_multipart()
                request = msgpack.unpackb(data)
                with self.changed:
                    self.requests.append(request)
                    self.changed.notify_all()
                self._clients.setdefault(identity, collections.deque()).append(
                    [request, time.monotonic(), False])
            for identity, pending in self._clients.items():
                while pending and self._answer(identity, pending[0]):
                    pending.popleft()

    def _control(self, request):
        with self.changed:
            if request.get("watch") != self.watch:
                return {"ok": False, "error": {"code": "not_found",
                                               "message": f"no watch {request.get('watch')}"}}
            if request["cmd"] == "runs":
                return {"ok": True, "runs": [self.runs[r].run_map() for r in self.order
                                             if r in self.runs]}
            if request["cmd"] == "status":
                last = self.order[-1] if self.order else None
                return {"ok": True, "watch": {"name": self.watch, "run": last,
                                              "error": self.status_error}}
        return {"ok": False, "error": {"code": "unknown_command", "message": request["cmd"]}}

    def _answer(self, identity, entry):
        """Answers the request of ``entry``; False while it is parked (long poll)."""
        request, received_at, parked = entry
        closing = {"v": 1, "kind": "fetched", "watch": request.get("watch"),
                   "run": request.get("run"), "seq": 0, "time": time.time(),
                   "id": request.get("id"), "ok": False, "from": request.get("from"),
                   "next": request.get("from"), "frames": 0, "frontier": None, "state": None,
                   "reason": None}

        def refuse(code, message):
            closing["error"] = {"code": code, "message": message}
            self._send(identity, closing)
            return True

        unknown = set(request) - FETCH_KEYS
        if unknown or request.get("cmd") != "fetch":
            return refuse("bad_request", f"unknown keys {sorted(unknown)}")
        if self.refuse:
            return refuse(self.refuse.pop(0), "refused as the test asked")
        with self.changed:
            fake = self.runs.get(request["run"])
            if request["watch"] != self.watch or fake is None:
                return refuse("not_found", f"no run {request['run']}")
            closing.update(frontier=fake.frontier, state=fake.state, reason=fake.reason)
            if fake.gone:
                return refuse("gone", "/data/fake.h5 was replaced")
            start = request["from"]
            waited = time.monotonic() - received_at
            if (start >= fake.frontier and fake.state == "streaming"
                    and waited < request.get("wait", 0)):
                if not parked:
                    entry[2] = True
                    self.parked += 1
                    self.changed.notify_all()
                return False
            stop = min(start + request["count"], fake.frontier)
            if self.max_frames is not None:
                stop = min(stop, start + self.max_frames)
            frames, total = [], 0
            for index in range(start, stop):
                head, payload = fake.frames[index]
                size = sum(len(p) for p in payload)
                if frames and "max_bytes" in request and total + size > request["max_bytes"]:
                    break
                total += size
                frames.append(({**head, "fetched": True}, payload))
        cut, self.cut = self.cut, None
        if cut is not None:
            frames = frames[:cut[0]]
        for head, payload in frames:
            self.router.send_multipart([identity, f"{self.watch}/frame".encode(),
                                        msgpack.packb(head), *payload])
        closing.update(ok=True, next=start + len(frames), frames=len(frames))
        if cut is not None:
            closing.update(ok=False, error={"code": cut[1], "message": "failed part way"})
        self._send(identity, closing)
        return True

    def _send(self, identity, closing):
        self.router.send_multipart([identity, f"{closing['watch']}/fetched".encode(),
                                    msgpack.packb(closing)])
