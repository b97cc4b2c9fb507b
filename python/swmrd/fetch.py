"""Fetcher: the daemon's fetch channel (docs/protocol.md, The fetch channel), where any frame
of a run the daemon keeps is read again from its file."""

import collections
import itertools
import re
import time

import msgpack
import zmq

from .errors import FetchError, ProtocolError, Timeout
from .messages import PROTOCOL_VERSION, _bytes_of, parse_message, unpack_header

MAX_COUNT = 65536
WILDCARD_HOSTS = ("*", "0.0.0.0", "[::]", "::")
# scheme, optional source address ("src;"), host (bracketed IPv6 or anything up to ':'), rest
_TCP_ENDPOINT = re.compile(r"(?P<scheme>tcp://)(?:[^;]*;)?(?P<host>\[[^\]]*\]|[^:/\[]*)"
                           r"(?P<rest>:.*)")


def resolve_fetch_endpoint(fetch, reached):
    """The endpoint to connect to for the fetch endpoint ``fetch`` a daemon advertises, given
    ``reached``, the endpoint through which this client reached the daemon (its PUB, or its
    control socket).

    A wildcard host (``*``, ``0.0.0.0``, ``[::]``) means "the host you reached the daemon
    on": ``resolve_fetch_endpoint("tcp://*:5557", "tcp://beamline-pc:5556")`` is
    ``"tcp://beamline-pc:5557"``. When ``reached`` is not TCP (ipc://, inproc://) the
    daemon is on this machine: 127.0.0.1. Any other endpoint is returned as it is.
    """
    if fetch is None:
        return None
    match = _TCP_ENDPOINT.fullmatch(fetch)
    if not match or match["host"] not in WILDCARD_HOSTS:
        return fetch
    there = _TCP_ENDPOINT.fullmatch(reached or "")
    host = there["host"] if there and there["host"] not in WILDCARD_HOSTS else "127.0.0.1"
    return f"tcp://{host}{match['rest']}"


class FetchAnswer:
    """The answer to one fetch: ``frames``, the frame Messages in index order (decode each
    with ``swmrd.data_map_of``), and ``header``, the closing ``fetched`` header.

    ``next`` is the index after the last frame sent, ``frontier`` the first index not yet
    readable, ``state`` ``streaming`` or ``ended``, ``reason`` the run's end reason (None
    while it streams). ``complete``: the run has ended and every readable frame up to
    ``next`` has been fetched.
    """

    __slots__ = ("frames", "header")

    def __init__(self, frames, header):
        self.frames = frames
        self.header = header

    ok = property(lambda self: self.header.get("ok") is True)
    id = property(lambda self: self.header.get("id"))
    from_ = property(lambda self: self.header.get("from"))
    next = property(lambda self: self.header.get("next"))
    frontier = property(lambda self: self.header.get("frontier"))
    state = property(lambda self: self.header.get("state"))
    reason = property(lambda self: self.header.get("reason"))

    @property
    def complete(self):
        return (self.state == "ended" and self.frontier is not None
                and self.next >= self.frontier)

    def __repr__(self):
        return (f"<FetchAnswer id={self.id!r} from={self.from_} next={self.next} "
                f"frames={len(self.frames)} frontier={self.frontier} state={self.state}>")


class _Request:
    __slots__ = ("id", "fields", "frames", "answer", "error")

    def __init__(self, request_id, fields):
        self.id = request_id
        self.fields = fields
        self.frames = []
        self.answer = None  # the closing header once received
        self.error = None  # an exception that ended it on this side (timeout)

    @property
    def done(self):
        return self.answer is not None or self.error is not None


class Fetcher:
    """A client of swmrd's fetch endpoint (docs/protocol.md, The fetch channel)::

        fetcher = swmrd.Fetcher("tcp://beamline-pc:5557")
        answer = fetcher.fetch("det1", run, 10, 5)          # frames 10 to 14, if readable
        for message in answer.frames:
            data_map = swmrd.data_map_of(message)
        answer.next, answer.frontier, answer.state          # 15, 120, 'streaming'

    One DEALER socket; each request gets an id and its answer is matched to it, so several
    requests may be in flight (``send`` them, then ``receive`` each by its id, in any
    order). A refusal raises FetchError with the protocol's ``code``; ``fetch`` retries
    ``busy`` refusals itself, pausing between tries, for up to ``busy_patience`` seconds.

    ``timeout`` is a hang guard: Timeout is raised when the daemon sends nothing for that
    long (plus the request's ``wait``) while an answer is awaited; the socket is then
    replaced, which cancels every request in flight (their ``receive`` raises Timeout too).
    """

    def __init__(self, endpoint, context=None, timeout=10.0, busy_patience=30.0):
        self.endpoint = endpoint
        self.timeout = timeout
        self.busy_patience = busy_patience
        self._context = context or zmq.Context.instance()
        self._socket = None
        self._ids = itertools.count(1)
        self._requests = collections.OrderedDict()  # id -> _Request, in the order sent
        self.requests_sent = 0
        self.busy_retries = 0

    # -- socket ----------------------------------------------------------------------------

    def _connect(self):
        if self._socket is None:
            socket = self._context.socket(zmq.DEALER)
            socket.setsockopt(zmq.LINGER, 0)
            if "[" in self.endpoint:
                socket.setsockopt(zmq.IPV6, 1)
            socket.connect(self.endpoint)
            self._socket = socket
        return self._socket

    def _reset(self, error):
        """Drops the socket (the daemon cancels what it was sending) and fails every request
        in flight with ``error``."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        for request in self._requests.values():
            if not request.done:
                request.error = error

    def close(self):
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._requests.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- requests ------------------------------------------------------------------------------

    def send(self, watch, run, from_, count, max_bytes=None, wait=0.0):
        """Sends one fetch request and returns its id, for ``receive``."""
        if not isinstance(from_, int) or isinstance(from_, bool) or from_ < 0:
            raise ValueError(f"from_ must be an index >= 0, not {from_!r}")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
            raise ValueError(f"count must be from 1 to {MAX_COUNT}, not {count!r}")
        if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes < 1):
            raise ValueError(f"max_bytes must be an int >= 1, not {max_bytes!r}")
        if wait is None or wait < 0:
            raise ValueError(f"wait must be seconds >= 0, not {wait!r}")
        request_id = next(self._ids)
        fields = {"cmd": "fetch", "id": request_id, "watch": watch, "run": run,
                  "from": from_, "count": count}
        if max_bytes is not None:
            fields["max_bytes"] = max_bytes
        if wait:
            fields["wait"] = float(wait)
        socket = self._connect()
        # A DEALER with no connection yet holds the send back: bounded by the hang guard.
        if not socket.poll(self._ms(self.timeout), zmq.POLLOUT):
            error = Timeout(f"fetch: no connection to swmrd's fetch endpoint "
                            f"{self.endpoint} within {self.timeout:g} s: is the daemon's "
                            "`fetch` configured, and its port reachable from here?")
            self._reset(error)
            raise error
        socket.send(msgpack.packb(fields, use_bin_type=True), zmq.NOBLOCK)
        self._requests[request_id] = _Request(request_id, fields)
        self.requests_sent += 1
        return request_id

    def receive(self, request_id, timeout=None):
        """The FetchAnswer to request ``request_id``; raises FetchError if the daemon
        refused it, Timeout if it stays silent (see the class)."""
        request = self._requests.get(request_id)
        if request is None:
            raise KeyError(f"no fetch request {request_id!r} awaits an answer")
        guard = self.timeout if timeout is None else timeout
        while not request.done:
            ahead = itertools.takewhile(lambda r: r is not request, self._requests.values())
            waits = [r.fields.get("wait", 0.0) for r in ahead if not r.done]
            allowed = guard + sum(waits) + request.fields.get("wait", 0.0)
            if not self._receive_one(allowed):
                error = Timeout(f"fetch: no answer from swmrd's fetch endpoint "
                                f"{self.endpoint} within {allowed:g} s (request "
                                f"{request.fields}); the requests in flight are cancelled")
                self._reset(error)
        del self._requests[request_id]
        if request.error is not None:
            raise request.error
        self._check(request)
        header = request.answer
        if header.get("ok") is not True:
            error = header.get("error") or {}
            raise FetchError(error.get("code", "unknown"), error.get("message", ""), header,
                             request.fields, request.frames)
        return FetchAnswer(request.frames, header)

    def fetch(self, watch, run, from_, count, max_bytes=None, wait=0.0, timeout=None):
        """Sends one request and returns its FetchAnswer, retrying while the daemon is
        ``busy`` (up to ``busy_patience`` seconds)."""
        pause, given_up = 0.05, time.monotonic() + self.busy_patience
        while True:
            request_id = self.send(watch, run, from_, count, max_bytes, wait)
            try:
                return self.receive(request_id, timeout)
            except FetchError as error:
                if error.code != "busy" or time.monotonic() + pause > given_up:
                    raise
            self.busy_retries += 1
            time.sleep(pause)  # the daemon asked for a pause before the next try
            pause = min(pause * 2, 1.0)

    def frames(self, watch, run, from_, stop, max_bytes=None, count=MAX_COUNT):
        """Every frame from ``from_`` up to ``stop`` (excluded), fetched in as many requests
        as ``count`` and ``max_bytes`` make necessary; yields Messages in index order. The
        frames must be readable already (they were published): an answer without frames
        raises FetchError ``not_readable``."""
        while from_ < stop:
            answer = self.fetch(watch, run, from_, min(stop - from_, count), max_bytes)
            if not answer.frames:
                raise FetchError("not_readable", f"frame {from_} is not readable (frontier "
                                 f"{answer.frontier}, run {answer.state})", answer.header)
            yield from answer.frames
            from_ = answer.next

    # -- answers -------------------------------------------------------------------------------

    @staticmethod
    def _ms(seconds):
        return max(int(seconds * 1000), 0)

    def _receive_one(self, timeout):
        """Receives and files one message; False when nothing came within ``timeout``."""
        socket = self._connect()
        if not socket.poll(self._ms(timeout)):
            return False
        parts = socket.recv_multipart(copy=False)
        topic = bytes(_bytes_of(parts[0])).decode("utf-8", "replace") if parts else ""
        if topic.endswith("/fetched"):
            self._closing(topic, parts)
        else:
            self._frame(parse_message(parts))
        return True

    def _closing(self, topic, parts):
        if len(parts) != 2:
            raise ProtocolError(f"{topic}: a closing message has 2 parts, not {len(parts)}")
        header = unpack_header(_bytes_of(parts[1]))
        if header.get("v") != PROTOCOL_VERSION:
            raise ProtocolError(f"{topic}: protocol version {header.get('v')!r}; this client "
                                f"speaks version {PROTOCOL_VERSION}")
        if header.get("kind") != "fetched" or "ok" not in header:
            raise ProtocolError(f"{topic}: not a closing header: {header!r}")
        request = self._requests.get(header.get("id"))
        if request is None or request.done:
            raise ProtocolError(f"{topic}: answer to fetch id {header.get('id')!r}, which is "
                                "not in flight")
        request.answer = header

    def _frame(self, message):
        """Frames carry no id: answers come in the order of the requests, so a frame belongs
        to the oldest request in flight that asked for it."""
        header = message.header
        if message.kind != "frame":
            raise ProtocolError(f"{message.topic}: a fetch answer holds frames and its "
                                "closing message only")
        for request in self._requests.values():
            if request.done:
                continue
            fields = request.fields
            if (header["watch"] == fields["watch"] and header.get("run") == fields["run"]
                    and fields["from"] <= header.get("index", -1)
                    < fields["from"] + fields["count"]):
                request.frames.append(message)
                return
        raise ProtocolError(f"{message.topic}: frame {header.get('index')} of run "
                            f"{header.get('run')} answers no fetch in flight")

    @staticmethod
    def _check(request):
        """The answer is what the contract promises: consecutive frames from ``from``,
        ``next`` after the last, ``frames`` their number (a request that failed part way
        may have sent frames before its closing message says so)."""
        header, frames = request.answer, request.frames
        start = request.fields["from"]
        indices = [m.header.get("index") for m in frames]
        if indices != list(range(start, start + len(frames))):
            raise ProtocolError(f"fetch {request.fields}: frames {indices} are not "
                                f"consecutive from {start}")
        if header.get("ok") is not True:
            return  # what it says of frames and next is not needed to report the refusal
        if header.get("frames") != len(frames) or header.get("next") != start + len(frames):
            raise ProtocolError(f"fetch {request.fields}: closing says frames="
                                f"{header.get('frames')} next={header.get('next')}, "
                                f"{len(frames)} frame(s) came")
