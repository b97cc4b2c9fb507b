"""DataSource: one run of a watch, frame by frame, as swmr_tools' DataSource gives a file's
frames, but received from swmrd instead of read from the file."""

import collections
import logging
import time

from .errors import ProtocolError, RunError, RunInterrupted, Timeout
from .messages import data_map_of, maxshape_of
from .repair import RepairMixin, _Repair
from .source import FrameSource
from .subscription import _Subscription
# Names that lived here before subscription.py; still importable from swmrd.datasource.
from .subscription import HEARTBEAT_TOPIC, WATCH_NAME, check_watch_name  # noqa: F401

logger = logging.getLogger("swmrd")

JOIN_MODES = ("start", "running")
END_REASONS = ("finished", "complete", "timeout", "stopped", "shutdown", "error")
FETCH_MAX_BYTES = 64 << 20  # payload bytes asked for in one fetch request


class DataSource(FrameSource, RepairMixin):
    """Iterates over ONE run of watch ``watch`` published at ``endpoint``, yielding a
    SliceDict per frame, like swmr_tools' DataSource::

        ds = swmrd.DataSource("tcp://beamline-pc:5556", watch="det1")
        for data_map in ds:
            frame = data_map["/entry/instrument/detector/data"]
            print(data_map.slice_metadata, frame.shape)
        print(ds.end_reason)   # finished, complete, timeout, stopped or shutdown

    Which run: the constructor subscribes and waits until the daemon's first heartbeat
    proves the subscription is active (ZeroMQ drops what a publisher sends before that; see
    docs/protocol.md, "slow joiners"). From then on, with ``join="start"`` (the default) the
    DataSource takes the next run whose ``start`` it receives; frames of a run already in
    progress are skipped. With ``join="running"`` it also takes a run in progress, from the
    first frame it receives: ``joined_running`` is then True, ``start`` None, and the
    frames before ``first_index`` are not delivered. Start the DataSource before the scan
    (or the control ``start``) to be sure to get every frame.

    ``history=True`` (which implies ``join="running"``) delivers the whole run from index 0
    whenever it begins: a run joined in progress, or one whose ``start`` has a
    ``first_index`` above 0 (a watch with ``from: latest``), has its earlier frames fetched
    from the daemon's fetch endpoint first (``history_frames`` counts them), then goes on
    live, with no frame twice and none missing. ``first_index`` stays where live reception
    began.

    How it ends: iteration stops at the run's ``end``; ``end_reason`` says why and ``end``
    holds the whole end header. An end with reason ``error`` raises RunError (with the
    daemon's message) instead of stopping quietly. If the end can never come (the daemon
    restarted, or a new run began before this run's end arrived) RunInterrupted is raised.

    Missed messages: a gap in ``seq`` (a message lost between the daemon and here, in
    ``delivery: drop`` or ``independent``, or over a broken connection) is repaired: the
    missed frames are fetched again from the file through the fetch endpoint the daemon's
    heartbeat names (or ``fetch_endpoint``), and every frame is delivered once, in index
    order, as if none had been missed; ``repaired`` counts them. A gap revealed by the
    run's ``end`` is repaired before iteration stops. Only when repair is impossible (no
    fetch endpoint, the run no longer kept or its file gone, the endpoint silent for
    ``fetch_timeout``, or ``repair=False``) is MissedFrames raised, saying why, at the
    message that revealed the gap; iteration may go on after catching it (that message
    comes next). Pass ``on_missed=callback`` to be called with the MissedFrames instead
    and carry on; ``missed`` counts the frames lost either way. ``frames_received``
    counts every frame delivered, repaired and history frames included.

    ``timeout``: seconds to wait for each message of the watch (the start, then each
    frame); None waits for ever. Past it, Timeout (a TimeoutError) is raised and iteration
    may be resumed. The daemon ends a run itself after the watch's own timeout without new
    frames, so None is the usual choice.

    Arrays of ``raw`` parts are views of the received ZeroMQ messages, without a copy
    (writable; each keeps its message alive); ``copy=True`` gives arrays that own their
    memory. ``chunk`` parts are decoded into new arrays (see swmrd.filters); where a filter
    cannot be decoded here, FilterUnavailable names it. With ``decode_chunks=False`` they
    stay as stored, 1-D uint8 arrays, for a decoder of your own (the filters are in
    ``data_map.header["parts"]``).
    """

    def __init__(self, endpoint, watch, timeout=None, *, join=None, on_missed=None,
                 repair=True, history=False, fetch_endpoint=None, fetch_timeout=10.0,
                 fetch_max_bytes=FETCH_MAX_BYTES, ready_timeout=10.0, copy=False,
                 decode_chunks=True, context=None, _subscription=None):
        if join is None:
            join = "running" if history else "start"
        if join not in JOIN_MODES:
            raise ValueError(f"join must be one of {JOIN_MODES}, not {join!r}")
        if history and join != "running":
            raise ValueError("history=True takes a run in progress with its history: it "
                             "needs join='running' (the default with history)")
        self.endpoint = endpoint
        self.watch = watch
        self.timeout = timeout
        self.join = join
        self.on_missed = on_missed
        self.repair = repair
        self.history = history
        self.fetch_endpoint = fetch_endpoint
        self.fetch_timeout = fetch_timeout
        self.fetch_max_bytes = fetch_max_bytes
        self.copy = copy
        self.decode_chunks = decode_chunks
        self._owns_subscription = _subscription is None
        self._subscription = _subscription or _Subscription(endpoint, watch, context)
        self._ready_timeout = ready_timeout

        self.start = None  # the start header, None until the run begins or when joined late
        self.end = None  # the end header once received
        self.run = None  # the run id
        self.file = None
        self.maxshape = None
        self.scan_rank = None
        self.first_index = None
        self.joined_running = False
        self.frames_received = 0  # frames delivered, fetched ones included
        self.missed = 0  # frames lost for good (not repaired)
        self.repaired = 0  # frames of gaps fetched again and delivered
        self.history_frames = 0  # frames before the live ones fetched with history=True
        self.skipped = 0  # messages of other runs passed over while waiting
        self._seq = None
        self._base = None  # index - seq within the run: index = _base + seq
        self._pending = None  # the message that revealed a gap, delivered after it
        self._repair = None  # a _Repair in progress
        self._fetched = collections.deque()  # (kind, Message) fetched and not yet delivered
        self._done = False
        self._last = None  # index of the last frame delivered
        self._quiet = 0  # heartbeats in a row with no message of the run between them
        self._fetched_through = 0  # seq up to which a tail probe fetched the frames
        self._ended_seen = False  # a tail probe found the run ended and nothing to fetch

        if ready_timeout is not None and not self._subscription.ready:
            try:
                self._subscription.wait_ready(ready_timeout)
            except Exception:
                self.close()
                raise

    # -- results -----------------------------------------------------------------------

    @property
    def end_reason(self):
        """Why the run ended (finished, complete, timeout, stopped, shutdown, error), None
        while it runs or when it was interrupted."""
        return self.end["reason"] if self.end else None

    @property
    def error(self):
        """The daemon's explanation when the run ended with reason ``error``."""
        return self.end.get("error") if self.end else None

    # -- iteration ---------------------------------------------------------------------------

    def __next__(self):
        deadline = None
        while True:
            if self._done:
                raise StopIteration
            if self._fetched:
                return self._deliver_fetched(*self._fetched.popleft())
            if self._repair is not None:
                self._repair_step()
                continue
            if self._pending is not None:
                message, self._pending = self._pending, None
                return self._deliver(message)
            if deadline is None and self.timeout is not None:
                deadline = time.monotonic() + self.timeout
            message = self._subscription.next(deadline)
            if message is None:
                raise Timeout(self._timeout_text())
            if message.kind == "heartbeat":
                self._check_restart()
                self._probe_tail()
                continue
            self._quiet = 0
            if self.run is None:
                result = self._while_waiting(message)
            else:
                result = self._in_run(message)
            if result is not None:
                return result

    def _while_waiting(self, message):
        header = message.header
        kind = message.kind
        if kind == "start":
            self._begin(header)
            self.start = header
            self.first_index = header["first_index"]
            self.scan_rank = header["scan_rank"]
            self._base = self.first_index - 1
            if self.history and self.first_index > 0:
                self._repair = _Repair("history", 0, self.first_index, 0, self.first_index)
            return None
        if kind == "end" and header["seq"] == 0:
            # A run that failed before its start: the one we were waiting for.
            self.run = header["run"]
            self.file = header.get("file")
            self._seq = 0
            return self._finish(header)
        if kind == "frame" and self.join == "running":
            self._begin(header)
            self.joined_running = True
            self.first_index = header["index"]
            self.scan_rank = len(header["slice"])
            self._base = header["index"] - header["seq"]
            logger.info("watch %s: joined run %s at frame %d", self.watch, self.run,
                        self.first_index)
            if self.history and self.first_index > 0:
                self._pending = message
                self._repair = _Repair("history", 0, self.first_index, header["seq"],
                                       self.first_index)
                return None
            return self._deliver(message)
        self.skipped += 1
        logger.debug("watch %s: skipping %s of a run in progress (waiting for a start)",
                     self.watch, kind)
        return None

    def _begin(self, header):
        self.run = header["run"]
        self.file = header.get("file")
        self._seq = header["seq"]
        self.maxshape = maxshape_of(header)

    def _in_run(self, message):
        header = message.header
        if header["run"] != self.run:
            # Leave it for the next DataSource of this subscription (next_run).
            self._subscription.backlog.appendleft(message)
            self._done = True
            raise RunInterrupted(
                f"watch {self.watch!r}: run {self.run} on {self.file} never ended here: a "
                f"new run ({header['run']}) began before its end arrived; frames after index "
                f"{self._last_index()} are missed", self._last_index())
        seq = header["seq"]
        expected = self._seq + 1
        if seq <= self._fetched_through:
            return None  # a frame a tail probe fetched already, arriving after all
        if seq < expected:
            raise ProtocolError(f"watch {self.watch!r}: seq went back from {self._seq} to "
                                f"{seq} within run {self.run}")
        self._seq = seq
        if seq > expected:
            # Deliver the missed frames first (fetched again), then this message.
            self._pending = message
            index = header.get("index") if message.kind == "frame" else None
            self._repair = _Repair("gap", self._base + expected, self._base + seq, seq,
                                   index)
            if not self.repair:
                self._repair_failed("repair is off (repair=False)")
            return None
        return self._deliver(message)

    def _deliver(self, message):
        if message.kind == "frame":
            data_map = data_map_of(message, self.copy, self.decode_chunks)
            self.frames_received += 1
            self._last = data_map.index
            return data_map
        if message.kind == "end":
            return self._finish(message.header)
        raise ProtocolError(f"watch {self.watch!r}: unexpected {message.kind} in run "
                            f"{self.run}")

    def _finish(self, header):
        self.end = header
        self._done = True
        if header.get("reason") == "error":
            raise RunError(self.watch, header)
        raise StopIteration

    def _check_restart(self):
        subscription = self._subscription
        if subscription.restarted_from is None:
            return
        if self.run is None:
            subscription.restarted_from = None  # nothing of ours was lost
            return
        self._done = True
        previous, subscription.restarted_from = subscription.restarted_from, None
        raise RunInterrupted(
            f"watch {self.watch!r}: swmrd at {self.endpoint} restarted (instance "
            f"{previous} -> {subscription.instance}) during run {self.run} on {self.file}; "
            f"its end was never sent, frames after index {self._last_index()} are missed",
            self._last_index())

    def _last_index(self):
        return self._last

    def _timeout_text(self):
        state = ("waiting for the start of a run" if self.run is None else
                 f"in run {self.run} after {self.frames_received} frame(s)")
        heartbeat = self._subscription.heartbeat
        if heartbeat is not None:
            watches = heartbeat.get("watches", [])
            listed = ("; swmrd lists the watch" if self.watch in watches else
                      f"; swmrd does not list watch {self.watch!r} (it lists {watches})")
        else:
            listed = "; no heartbeat from swmrd either"
        return (f"watch {self.watch!r} at {self.endpoint}: nothing within {self.timeout:g} s, "
                f"{state}{listed}")

    # -- runs after this one --------------------------------------------------------------------

    def next_run(self, **changes):
        """A DataSource for the run after this one, on the same subscription, so that the
        next run's start cannot be missed between the two (as it could with a new
        DataSource). Keyword arguments override this one's settings (timeout, join…)."""
        settings = dict(timeout=self.timeout, join=self.join, on_missed=self.on_missed,
                        repair=self.repair, history=self.history,
                        fetch_endpoint=self.fetch_endpoint, fetch_timeout=self.fetch_timeout,
                        fetch_max_bytes=self.fetch_max_bytes, copy=self.copy,
                        decode_chunks=self.decode_chunks, ready_timeout=self._ready_timeout)
        settings.update(changes)
        successor = DataSource(self.endpoint, self.watch, _subscription=self._subscription,
                               **settings)
        successor._owns_subscription = self._owns_subscription
        self._owns_subscription = False
        return successor

    def close(self):
        if self._owns_subscription:
            self._subscription.close()

    def __repr__(self):
        return (f"<DataSource {self.watch!r} at {self.endpoint} run={self.run} "
                f"frames={self.frames_received} end={self.end_reason}>")


def runs(endpoint, watch, **settings):
    """Every run of ``watch``, one DataSource after another on one subscription::

        for ds in swmrd.runs(endpoint, "det1"):
            for data_map in ds:
                ...

    Runs for ever; a run the loop leaves early is skipped to its end by the next one.
    """
    ds = DataSource(endpoint, watch, **settings)
    try:
        while True:
            yield ds
            ds = ds.next_run()
    finally:
        ds._owns_subscription = True
        ds.close()
