"""Control: the daemon's REQ/REP control channel (docs/protocol.md, The control channel)."""

import msgpack
import zmq

from .errors import ControlError, ControlTimeout, ProtocolError


class Control:
    """A client of swmrd's control endpoint::

        control = swmrd.Control("tcp://127.0.0.1:5555")
        control.ping()                       # {'version': '0.1.0', 'protocol': 1, ...}
        control.start("det1", "/data/scan-*.h5", keys=["/entry/keys/uid"],
                      datasets=["/entry/data/data"], finished="/entry/finished")
        control.status("det1")["state"]      # 'waiting', 'streaming', ...
        control.stop("det1")                 # {'watch': 'det1', 'frames': 100}
        control.runs("det1")[-1]["run"]      # the newest run kept for fetching

    A refusal raises ControlError with the protocol's ``code`` (bad_request, not_found,
    exists, forbidden, unknown_command, internal) and the daemon's message. No reply within
    ``timeout`` seconds raises ControlTimeout naming the endpoint; the socket is then
    replaced, so the next request starts clean.
    """

    def __init__(self, endpoint, timeout=5.0, context=None):
        self.endpoint = endpoint
        self.timeout = timeout
        self._context = context or zmq.Context.instance()
        self._socket = None

    def _connect(self):
        if self._socket is None:
            socket = self._context.socket(zmq.REQ)
            socket.setsockopt(zmq.LINGER, 0)
            socket.connect(self.endpoint)
            self._socket = socket
        return self._socket

    def _drop_socket(self):
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def close(self):
        self._drop_socket()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, cmd, **fields):
        """Sends ``{"cmd": cmd, **fields}`` and returns the reply map of a success (with
        ``ok``); raises ControlError for a refusal, ControlTimeout for no reply."""
        payload = msgpack.packb({"cmd": cmd, **fields}, use_bin_type=True)
        socket = self._connect()
        timeout_ms = int(self.timeout * 1000)
        try:
            if not socket.poll(timeout_ms, zmq.POLLOUT):
                raise zmq.Again()
            socket.send(payload, zmq.NOBLOCK)
            if not socket.poll(timeout_ms, zmq.POLLIN):
                raise zmq.Again()
            data = socket.recv()
        except zmq.Again:
            # A REQ socket without its reply cannot send again: start over with a new one.
            self._drop_socket()
            raise ControlTimeout(f"{cmd}: no reply from swmrd at {self.endpoint} within "
                                 f"{self.timeout:g} s: is it running, and is this its control "
                                 "endpoint?") from None
        try:
            reply = msgpack.unpackb(data, raw=False)
        except Exception as error:
            raise ProtocolError(f"{cmd}: reply is not MessagePack: {error}") from error
        if not isinstance(reply, dict) or "ok" not in reply:
            raise ProtocolError(f"{cmd}: reply is not a map with `ok`: {reply!r}")
        if reply["ok"] is not True:
            error = reply.get("error") or {}
            raise ControlError(error.get("code", "unknown"), error.get("message", ""), cmd)
        return reply

    def ping(self):
        """``{'version': str, 'protocol': int, 'uptime': float}``."""
        return _without_ok(self.request("ping"))

    def start(self, name, file, keys, datasets=None, *, interleaved=None, finished=None,
              timeout=None, encoding=None, from_=None, **more):
        """Starts watch ``name`` and returns its name (docs/protocol.md, The control channel: a
        watch spec).

        ``timeout`` is seconds or a string with a unit ("500ms", "10s"); ``encoding`` "raw"
        or "chunk"; ``from_`` "start" or "latest" (``from`` in the protocol). Further
        keyword arguments are sent as they are, for fields newer than this client.
        """
        spec = {"name": name, "file": str(file), "keys": list(keys)}
        if datasets is not None:
            spec["datasets"] = list(datasets)
        if interleaved is not None:
            spec["interleaved"] = {k: list(v) for k, v in interleaved.items()}
        optional = (("finished", finished), ("timeout", timeout), ("encoding", encoding),
                    ("from", from_))
        spec.update((key, value) for key, value in optional if value is not None)
        spec.update(more)
        return self.start_spec(spec)

    def start_spec(self, spec):
        """Starts a watch from a complete spec map; returns its name."""
        return self.request("start", watch=dict(spec))["watch"]

    def stop(self, name):
        """Stops and removes watch ``name``: ``{'watch': name, 'frames': n}``, n the frames
        of the run it stopped."""
        return _without_ok(self.request("stop", watch=name))

    def list(self):
        """The status map of every watch (name, file, source, state, current_file, run,
        frames, bytes, last_index, dropped, error)."""
        return self.request("list")["watches"]

    def status(self, name):
        """The status map of watch ``name``."""
        return self.request("status", watch=name)["watch"]

    def runs(self, name):
        """The runs watch ``name`` keeps for fetching, newest last: each a map of ``run``,
        ``file``, ``state`` (streaming or ended), ``reason`` (None while streaming),
        ``first_index``, ``frames``, ``last_index``, ``started``, ``ended`` (None while
        streaming) and ``fetchable`` (False once the file was deleted or replaced)."""
        return self.request("runs", watch=name)["runs"]

    def peers(self):
        """The subscribers and fetch clients connected now and the daemon's ``peers_cut``:
        ``{'peers': [...], 'peers_cut': n}``, each peer a map of ``channel`` (publish or
        fetch), ``address``, ``since``, ``queued`` (bytes waiting for it, None where unknown)
        and ``progress`` (when it last took bytes)."""
        return _without_ok(self.request("peers"))


def _without_ok(reply):
    return {key: value for key, value in reply.items() if key != "ok"}
