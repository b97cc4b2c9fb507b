"""Real processes for end-to-end tests: swmrd, swmr-sim, and a raw ZeroMQ subscriber.

Deliberately independent of the project's own Python client: these tests check the daemon
against docs/protocol.md with nothing but pyzmq and msgpack.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import msgpack
import numpy as np
import zmq

SWMRD = os.environ.get("SWMRD_BIN", "swmrd")
SWMR_SIM = os.environ.get("SWMR_SIM_BIN", "swmr-sim")

# Set by tests/sanitize/run.sh when the binaries are built with a sanitizer.
SANITIZER = os.environ.get("SWMRD_SANITIZER", "")

# Hang guards only: nothing asserts on how long anything took.
REPLY_TIMEOUT_MS = 10000
MESSAGE_TIMEOUT_S = 20.0


def pattern(dataset, index, element, itemsize):
    """The value swmr-sim writes (tools/swmr-sim/pattern.hpp)."""
    modulus = {1: 127, 2: 32749}.get(itemsize, 16777213)
    return (dataset * 1000003 + index * 1009 + element) % modulus


def expected_frame(dataset, index, frame_shape, dtype):
    dtype = np.dtype(dtype)
    count = int(np.prod(frame_shape)) if frame_shape else 1
    values = [pattern(dataset, index, j, dtype.itemsize) for j in range(count)]
    return np.array(values).astype(dtype).reshape(frame_shape if frame_shape else ())


def yaml_value(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def write_config(path, watches=(), **settings):
    """A daemon config with wildcard ports, so tests never collide on a port."""
    config = {
        "control": "tcp://127.0.0.1:*",
        "publish": ["tcp://127.0.0.1:*"],
        "heartbeat": "100ms",
        "log": {"level": "debug"},
    }
    config.update(settings)
    lines = [f"{key}: {yaml_value(value)}" for key, value in config.items()]
    if watches:
        lines.append("watches:")
        for watch in watches:
            lines.append("  - " + yaml_value(watch))
    Path(path).write_text("\n".join(lines) + "\n")


class Daemon:
    """A running swmrd with its endpoints read back from --endpoints-file."""

    def __init__(self, workdir, watches=(), *, environment=None, cwd=None, **settings):
        """`environment`: variables set for the daemon beside the test's own; `cwd`: the
        folder it runs in."""
        self.workdir = Path(workdir)
        self.config_path = self.workdir / "swmrd.yaml"
        self.endpoints_path = self.workdir / "endpoints"
        self.log_path = self.workdir / "swmrd.log"
        write_config(self.config_path, watches, **settings)
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [SWMRD, "--config", str(self.config_path), "--endpoints-file",
             str(self.endpoints_path)],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd,
            env={**os.environ, **(environment or {})})
        self.control_endpoint, self.publish_endpoint = self._read_endpoints()
        self.context = zmq.Context.instance()
        self._req = None

    def _read_endpoints(self):
        deadline = time.monotonic() + MESSAGE_TIMEOUT_S
        while not self.endpoints_path.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"swmrd exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError("swmrd did not bind its sockets:\n" + self.log())
            time.sleep(0.01)
        control, publish = None, None
        self.fetch_endpoint = None
        self.http_address = None
        for line in self.endpoints_path.read_text().splitlines():
            kind, endpoint = line.split(" ", 1)
            if kind == "control":
                control = endpoint
            elif kind == "publish" and publish is None:
                publish = endpoint
            elif kind == "fetch":
                self.fetch_endpoint = endpoint
            elif kind == "http":
                self.http_address = endpoint
        return control, publish

    def log(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def request_bytes(self, payload):
        """Sends raw bytes as a control request; returns the decoded reply map."""
        if self._req is None:
            self._req = self.context.socket(zmq.REQ)
            self._req.setsockopt(zmq.LINGER, 0)
            self._req.connect(self.control_endpoint)
        self._req.send(payload)
        if not self._req.poll(REPLY_TIMEOUT_MS):
            self._req.close()
            self._req = None
            raise TimeoutError("no control reply:\n" + self.log())
        return msgpack.unpackb(self._req.recv(), raw=False)

    def request(self, cmd, **fields):
        return self.request_bytes(msgpack.packb({"cmd": cmd, **fields}))

    def subscriber(self, prefix=""):
        return Subscriber(self.context, self.publish_endpoint, prefix)

    def fetcher(self):
        return Fetcher(self.context, self.fetch_endpoint)

    def signal(self, signum):
        self.process.send_signal(signum)

    def stop(self):
        """SIGTERM, then the exit status, which must be 0."""
        if self._req is not None:
            self._req.close()
            self._req = None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("swmrd did not exit on SIGTERM:\n" + self.log())
        self._log.close()
        if code != 0:
            # The end of its log says why (a sanitizer's report among them).
            print(f"swmrd exited {code}; the end of its log:\n{self.log()[-30000:]}")
        return code

    def assert_memory_within(self, baseline, bound, peak=False):
        """The daemon's resident memory (or its peak) grew by at most `bound` since `baseline`.
        Not checked under a sanitizer: its shadow memory and ASan's quarantine of freed
        blocks are in the figure and say nothing about swmrd's own."""
        if SANITIZER:
            return
        now = self.peak_rss_bytes() if peak else self.rss_bytes()
        assert now - baseline <= bound, (now, baseline, bound)

    def reader_pids(self):
        """The daemon's reader processes (swmrd-reader) now."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                children = (task / "children").read_text().split()
            except FileNotFoundError:
                continue  # a thread that ended meanwhile
            for pid in children:
                try:
                    if "swmrd-reader" in Path(f"/proc/{pid}/cmdline").read_text():
                        pids.append(int(pid))
                except FileNotFoundError:
                    pass  # a reader that ended meanwhile
        return pids

    def reset_peak(self):
        """Starts the peak resident memory (VmHWM) over from now (Linux's clear_refs 5)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def peak_rss_bytes(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM")

    def descriptors(self):
        """The daemon's open descriptors now."""
        return len(list(Path(f"/proc/{self.process.pid}/fd").iterdir()))

    def cpu_seconds(self):
        """CPU time the daemon has used, user and system (its readers apart)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")


class Message:
    def __init__(self, parts):
        self.topic = parts[0].bytes.decode()
        self.header = msgpack.unpackb(parts[1].bytes, raw=False)
        self.payload = parts[2:]

    @property
    def kind(self):
        return self.header["kind"]

    def array(self, part_number):
        part = self.header["parts"][part_number]
        assert part["encoding"] == "raw"
        buffer = self.payload[part_number].buffer
        return np.frombuffer(buffer, dtype=np.dtype(part["dtype"])).reshape(part["shape"])

    def __repr__(self):
        return f"<{self.topic} {self.header}>"


class Subscriber:
    def __init__(self, context, endpoint, prefix=""):
        self.socket = context.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.RCVHWM, 0)
        self.socket.connect(endpoint)
        self.socket.setsockopt_string(zmq.SUBSCRIBE, prefix)
        self.socket.setsockopt_string(zmq.SUBSCRIBE, "_daemon/")

    def close(self):
        self.socket.close()

    def receive(self, timeout=MESSAGE_TIMEOUT_S):
        if not self.socket.poll(int(timeout * 1000)):
            raise TimeoutError(f"no message within {timeout} s")
        return Message(self.socket.recv_multipart(copy=False))

    def wait_ready(self):
        """A heartbeat proves the subscription reached the daemon (no slow-joiner loss)."""
        while self.receive().kind != "heartbeat":
            pass

    def next(self, kinds=("start", "frame", "end"), timeout=MESSAGE_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(deadline - time.monotonic(), 0.001))
            if message.kind in kinds:
                return message

    def run(self, watch, timeout=MESSAGE_TIMEOUT_S):
        """Messages of `watch` up to and including its next end: [start, frames…, end]."""
        messages = []
        while True:
            message = self.next(timeout=timeout)
            if message.header["watch"] != watch:
                continue
            messages.append(message)
            if message.kind == "end":
                return messages


class Fetcher:
    """A raw DEALER on the fetch channel (docs/protocol.md, The fetch channel)."""

    def __init__(self, context, endpoint):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(endpoint)
        self.ids = 0

    def close(self):
        self.socket.close()

    def send(self, **request):
        self.ids += 1
        request.setdefault("id", self.ids)
        self.socket.send(msgpack.packb({"cmd": "fetch", **request}))
        return request["id"]

    def answer(self, timeout=MESSAGE_TIMEOUT_S):
        """The frame messages of the next answer and its closing header."""
        frames = []
        while True:
            if not self.socket.poll(int(timeout * 1000)):
                raise TimeoutError(f"no fetch answer within {timeout} s")
            message = Message(self.socket.recv_multipart(copy=False))
            if message.kind == "fetched":
                return frames, message.header
            frames.append(message)

    def fetch(self, **request):
        self.send(**request)
        return self.answer()


def run_sim(path, *args, check=True, wait=True):
    command = [SWMR_SIM, "--file", str(path), "--quiet", *map(str, args)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not wait:
        return process
    out, err = process.communicate(timeout=120)
    if check and process.returncode != 0:
        raise AssertionError(f"{command} exited {process.returncode}: {err.decode()}")
    return process


def finish(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()


def watch_spec(name, file, keys=("/entry/keys/uid",), datasets=("/entry/data/data",), **more):
    spec = {"name": name, "file": str(file), "keys": list(keys)}
    if datasets is not None:
        spec["datasets"] = list(datasets)
    spec.update(more)
    return spec


def check_run(messages, watch, frames, datasets=1, frame_shape=(4, 4), dtype="<u2",
              first_index=0, reason=None):
    """The protocol invariants of one run, and every frame's values."""
    start, *frame_messages, end = messages
    assert start.kind == "start" and end.kind == "end", messages
    assert start.header["seq"] == 0
    assert start.header["first_index"] == first_index
    run = start.header["run"]
    for offset, message in enumerate(frame_messages):
        header = message.header
        assert message.topic == f"{watch}/frame"
        assert header["v"] == 1 and header["run"] == run
        assert header["seq"] == offset + 1
        index = first_index + offset
        assert header["index"] == index
        assert len(message.payload) == datasets
        for d in range(datasets):
            array = message.array(d)
            expected = expected_frame(d, index, frame_shape, dtype)
            np.testing.assert_array_equal(array.reshape(expected.shape), expected)
    assert len(frame_messages) == frames, [m.header.get("index") for m in frame_messages]
    assert end.header["frames"] == frames
    assert end.header["last_index"] == (first_index + frames - 1 if frames else -1)
    assert end.header["seq"] == frames + 1
    if reason is not None:
        assert end.header["reason"] == reason, end.header
    return start, frame_messages, end


class ScriptedWriter:
    """tests/e2e/h5writer.py in a process of its own: each step is on disk when do() returns."""

    def __init__(self, env=None):
        script = Path(__file__).with_name("h5writer.py")
        self.process = subprocess.Popen(["/usr/bin/python3", str(script)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)

    def do(self, *statements):
        for statement in statements:
            self.process.stdin.write(statement + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline().strip()
            assert answer == "ok", f"{statement}: {answer}"

    def close(self):
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0
