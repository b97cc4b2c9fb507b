"""PullSource: one run of a watch read through the fetch channel alone, at the consumer's own
pace, whatever the daemon's delivery mode."""

import collections
import logging
import time

import msgpack
import zmq

from .control import Control
from .datasource import FETCH_MAX_BYTES
from .errors import FetchError, ProtocolError, RunError, Timeout
from .fetch import Fetcher, resolve_fetch_endpoint
from .messages import data_map_of, maxshape_of
from .source import FrameSource
from .subscription import HEARTBEAT_TOPIC, check_watch_name

logger = logging.getLogger("swmrd")


def fetch_endpoint_of(publish_endpoint, timeout=10.0, context=None):
    """The fetch endpoint the daemon publishing at ``publish_endpoint`` names in its
    heartbeat (a wildcard host resolved to the host of ``publish_endpoint``), or None when
    it has none. Subscribes to heartbeats for as long as it takes to receive one."""
    socket = (context or zmq.Context.instance()).socket(zmq.SUB)
    socket.setsockopt(zmq.LINGER, 0)
    try:
        socket.connect(publish_endpoint)
        socket.setsockopt_string(zmq.SUBSCRIBE, HEARTBEAT_TOPIC)
        if not socket.poll(int(timeout * 1000)):
            raise Timeout(f"no heartbeat from swmrd at {publish_endpoint} within {timeout:g} s:"
                          " is it running, and is this its publish endpoint?")
        parts = socket.recv_multipart()
    finally:
        socket.close()
    try:
        header = msgpack.unpackb(parts[1], raw=False)
    except Exception as error:
        raise ProtocolError(f"heartbeat is not MessagePack: {error}") from error
    return resolve_fetch_endpoint(header.get("fetch"), publish_endpoint)


class PullSource(FrameSource):
    """Iterates over ONE run of watch ``watch``, yielding a SliceDict per frame as
    DataSource does, but pulls every frame through the daemon's fetch endpoint and never
    subscribes: it cannot lose a frame to a full queue, whatever the daemon's ``delivery``,
    and goes at its own pace (the frames wait in the file)::

        source = swmrd.PullSource("tcp://beamline-pc:5555", "det1",
                                  fetch_endpoint="tcp://beamline-pc:5557")
        for data_map in source:
            ...
        print(source.end_reason)

    Which run: ``run`` (an id), or the newest run the watch keeps (control ``runs``), which
    may be one that has already ended; with none kept yet, the first one that appears
    (``runs`` asked again every ``wait`` seconds). ``run_info`` is its run map.

    Where the frames come from: ``fetch_endpoint``, or else the one named by the heartbeat
    of the daemon publishing at ``publish_endpoint`` (read once, with a short-lived
    subscription). A wildcard host in either means the host of the endpoint reached.

    From index ``from_`` (0: every frame of the file, those before the run's
    ``first_index`` included, as ``DataSource(history=True)`` delivers them) it asks for
    up to ``count`` frames and ``max_bytes`` payload bytes at a time; when it has caught
    up, each request waits up to ``wait`` seconds for the next frame (a long poll).
    Iteration stops once the run has ended and every readable frame was delivered:
    ``end_reason`` says why it ended, ``end`` holds the last closing header. A run that
    ended with ``reason: error`` raises RunError. The daemon refusing a fetch raises
    FetchError (``gone``: the file was deleted or replaced, the rest of the run cannot be
    read; ``not_found``: the run is no longer kept); ``busy`` is retried.

    ``timeout``: seconds without a new frame before Timeout is raised (iteration may be
    resumed); None waits as long as the run streams. ``fetch_timeout`` is the hang guard
    of each request, beyond its ``wait``.
    """

    def __init__(self, control_endpoint, watch, fetch_endpoint=None, run=None, *,
                 publish_endpoint=None, from_=0, wait=1.0, count=1024,
                 max_bytes=FETCH_MAX_BYTES, timeout=None, fetch_timeout=10.0,
                 control_timeout=5.0, copy=False, decode_chunks=True, context=None):
        check_watch_name(watch)
        if wait <= 0:
            raise ValueError(f"wait must be more than 0 seconds, not {wait!r}")
        self.control_endpoint = control_endpoint
        self.watch = watch
        self.wait = wait
        self.count = count
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.fetch_timeout = fetch_timeout
        self.copy = copy
        self.decode_chunks = decode_chunks
        self._context = context or zmq.Context.instance()
        self.control = Control(control_endpoint, control_timeout, self._context)
        self.fetcher = None
        try:
            if fetch_endpoint is not None:
                endpoint = resolve_fetch_endpoint(fetch_endpoint, control_endpoint)
            elif publish_endpoint is not None:
                endpoint = fetch_endpoint_of(publish_endpoint, fetch_timeout, self._context)
                if endpoint is None:
                    raise FetchError("not_found", f"swmrd at {publish_endpoint} has no fetch "
                                     "endpoint (its heartbeat's `fetch` is nil: set `fetch:` "
                                     "in its config)")
            else:
                raise ValueError("PullSource needs fetch_endpoint=, or publish_endpoint= to "
                                 "read the fetch endpoint from the daemon's heartbeat")
            self.fetcher = Fetcher(endpoint, self._context, fetch_timeout)
            self.run = run  # the run id, once chosen
            self.run_info = None
            self._choose_run()  # a run given must exist; with none kept yet, wait for one
        except Exception:
            self.close()
            raise

        self.next_index = from_  # the index the next fetch starts at
        self.file = self.run_info["file"] if self.run_info else None
        self.maxshape = None
        self.end = None  # the closing header that showed the run over
        self.frames_received = 0
        self.requests = 0
        self._buffer = collections.deque()
        self._failure = None  # a FetchError to raise once the frames before it are delivered
        self._done = False
        self._last_progress = None

    # -- the run -----------------------------------------------------------------------------

    def _choose_run(self):
        """Sets ``run`` and ``run_info`` from control ``runs``; False when no run is kept
        yet (and none was asked for)."""
        kept = self.control.runs(self.watch)
        if self.run is None:
            if not kept:
                return False
            self.run_info = kept[-1]
            self.run = self.run_info["run"]
        else:
            found = [info for info in kept if info.get("run") == self.run]
            if not found:
                raise FetchError("not_found", f"watch {self.watch!r} keeps no run {self.run} "
                                 f"(it keeps {[info.get('run') for info in kept]})")
            self.run_info = found[-1]
        if self.run_info.get("fetchable") is False:
            raise FetchError("gone", f"run {self.run} of watch {self.watch!r}: its file "
                             f"{self.run_info.get('file')} was deleted or replaced since")
        logger.info("watch %s: pulling run %s (%s)", self.watch, self.run,
                    self.run_info.get("file"))
        return True

    @property
    def end_reason(self):
        """Why the run ended, once iteration is over; None before."""
        return self.end.get("reason") if self.end and self._done else None

    # -- iteration ---------------------------------------------------------------------------

    def __next__(self):
        if self._last_progress is None:
            self._last_progress = time.monotonic()
        while True:
            if self._buffer:
                return self._deliver(self._buffer.popleft())
            if self._failure is not None:
                failure, self._failure = self._failure, None
                raise failure
            if self._done:
                raise StopIteration
            if self.end is not None:
                return self._finish()
            if self.timeout is not None and time.monotonic() - self._last_progress > self.timeout:
                self._last_progress = time.monotonic()  # resumable
                raise Timeout(f"watch {self.watch!r}: no new frame of run {self.run} within "
                              f"{self.timeout:g} s (next index {self.next_index})")
            if self.run is None:
                if not self._choose_run():
                    time.sleep(self.wait)  # no run yet: ask again after a long-poll's time
                    continue
                self.file = self.run_info.get("file")
            self._pull()

    def _pull(self):
        self.requests += 1
        try:
            answer = self.fetcher.fetch(self.watch, self.run, self.next_index, self.count,
                                        max_bytes=self.max_bytes, wait=self.wait,
                                        timeout=self.fetch_timeout)
        except FetchError as error:
            if not error.frames:
                raise
            # It failed part way: deliver the frames that came, then raise.
            self._buffer.extend(error.frames)
            self.next_index += len(error.frames)
            self._failure = error
            return
        if answer.frames:
            self._last_progress = time.monotonic()
            self._buffer.extend(answer.frames)
        self.next_index = answer.next
        if answer.complete:
            self.end = answer.header

    def _deliver(self, message):
        data_map = data_map_of(message, self.copy, self.decode_chunks)
        if self.maxshape is None:
            self.maxshape = maxshape_of(message.header)
        self.frames_received += 1
        return data_map

    def _finish(self):
        self._done = True
        if self.end.get("reason") == "error":
            raise RunError(self.watch, self._error_end())
        raise StopIteration

    def _error_end(self):
        """An end header for RunError: the closing header does not say what went wrong; the
        watch's status does while this run is its last."""
        explanation = None
        try:
            status = self.control.status(self.watch)
            if status.get("run") == self.run:
                explanation = status.get("error")
        except Exception as error:  # the explanation is a bonus; the error end is the news
            logger.debug("watch %s: no status for the error end: %s", self.watch, error)
        return {"reason": "error", "error": explanation, "file": self.file,
                "frames": self.frames_received, "run": self.run}

    # -- resources ---------------------------------------------------------------------------

    def close(self):
        if self.fetcher is not None:
            self.fetcher.close()
        self.control.close()

    def __repr__(self):
        return (f"<PullSource {self.watch!r} run={self.run} next={self.next_index} "
                f"frames={self.frames_received} end={self.end_reason}>")
