"""Repair for DataSource: frames missed in a gap, lost at the tail of what arrived, or
before a run joined late (history) are fetched again from the file through the daemon's
fetch endpoint, and delivered in index order as if none had been missed."""

import logging

import zmq

from .errors import FetchError, MissedFrames, ProtocolError, Timeout
from .fetch import MAX_COUNT, resolve_fetch_endpoint
from .messages import data_map_of

logger = logging.getLogger("swmrd")


class _Repair:
    """Frames [next, stop) of the run to fetch: a gap (``kind`` "gap") or the history of a
    run joined late ("history"); ``seq`` and ``index`` are those of the message that
    revealed it (index None for an end)."""

    __slots__ = ("kind", "next", "stop", "seq", "index", "failure")

    def __init__(self, kind, start, stop, seq, index):
        self.kind, self.next, self.stop, self.seq, self.index = kind, start, stop, seq, index
        self.failure = None  # (why, error), reported once the frames before it are delivered


class _EndMessage:
    """An end that never arrived, made from what the fetch channel said of the run."""

    kind = "end"

    def __init__(self, header):
        self.header = {k: v for k, v in header.items() if v is not None}


class RepairMixin:
    """DataSource's repair machinery, kept apart from the reception of the live stream.

    It works on the DataSource's state: ``_repair`` (the _Repair in progress), ``_fetched``
    (fetched frames not yet delivered), ``_pending`` (the message delivered after them),
    ``_seq``/``_base``, the counters, and the settings ``repair``, ``fetch_endpoint``,
    ``fetch_timeout``, ``fetch_max_bytes`` and ``on_missed``.
    """

    def _probe_tail(self):
        """Frames lost at the end of what arrived (and a lost ``end``) show in no gap: no
        message comes after them. A heartbeat comes after everything sent before it, so when
        a run stays quiet for two heartbeats in a row the fetch channel is asked how far the
        run is, and what was lost is fetched; a run found ended twice with nothing left ends
        here too."""
        if (self.run is None or self._done or not self.repair or self._repair is not None
                or self._pending is not None or self._fetched):
            return
        self._quiet += 1
        if self._quiet < 2:
            return
        self._quiet = 0
        fetcher, _ = self._fetcher()
        if fetcher is None:
            return  # nothing to ask: the timeout tells, as without repair
        next_index = self._base + self._seq + 1
        try:
            answer = fetcher.fetch(self.watch, self.run, next_index, MAX_COUNT,
                                   max_bytes=self.fetch_max_bytes, timeout=self.fetch_timeout)
        except (FetchError, Timeout, zmq.ZMQError) as error:
            logger.debug("watch %s: tail probe failed: %s", self.watch, error)
            return
        if answer.frames:
            self._fetched.extend(("gap", message) for message in answer.frames)
            self._seq += len(answer.frames)
            self._fetched_through = self._seq
            if answer.frontier is not None and answer.next < answer.frontier:
                self._repair = _Repair("gap", answer.next, answer.frontier,
                                       self._seq + answer.frontier - answer.next, None)
                self._seq += answer.frontier - answer.next
                self._fetched_through = self._seq
            self._ended_seen = False
            return
        if answer.state != "ended":
            return
        if not self._ended_seen:
            self._ended_seen = True  # its end may still be on its way
            return
        logger.warning("watch %s: the end of run %s never arrived; it ended %s", self.watch,
                       self.run, answer.reason)
        self._pending = _EndMessage({
            "v": 1, "kind": "end", "watch": self.watch, "run": self.run, "seq": self._seq + 1,
            "file": self.file, "reason": answer.reason, "frames": self.frames_received,
            "last_index": self._last if self._last is not None else -1,
            "error": "the run ended with an error; its end message was lost (see the "
                     "watch's status)" if answer.reason == "error" else None,
            "lost": True})

    def _fetcher(self):
        """(the Fetcher to repair with, None) or (None, why there is none)."""
        advertised = self.fetch_endpoint
        if advertised is None:
            # The first message received proved the subscription, perhaps before any
            # heartbeat came: the endpoint is in the next one.
            if not self._subscription.wait_heartbeat(self.fetch_timeout):
                return None, (f"no heartbeat from swmrd within {self.fetch_timeout:g} s, so "
                              "its fetch endpoint is unknown (pass fetch_endpoint=…)")
            advertised = self._subscription.heartbeat.get("fetch")
            if not advertised:
                return None, (f"swmrd at {self.endpoint} has no fetch endpoint (its "
                              "heartbeat's `fetch` is nil: set `fetch:` in its config)")
        endpoint = resolve_fetch_endpoint(advertised, self.endpoint)
        return self._subscription.fetcher(endpoint, self.fetch_timeout), None

    def _repair_step(self):
        """Fetches the next frames of the repair in progress into ``_fetched``."""
        repair = self._repair
        if repair.failure is not None:
            return self._repair_failed(*repair.failure)
        if repair.next >= repair.stop:
            self._repair = None
            return
        fetcher, why = self._fetcher()
        if fetcher is None:
            return self._repair_failed(why)
        try:
            answer = fetcher.fetch(self.watch, self.run, repair.next,
                                   min(repair.stop - repair.next, MAX_COUNT),
                                   max_bytes=self.fetch_max_bytes, timeout=self.fetch_timeout)
        except FetchError as error:
            if error.frames:  # it failed part way: deliver what came, then report
                self._fetched.extend((repair.kind, message) for message in error.frames)
                repair.next += len(error.frames)
            explanation = {
                "gone": "the run's file was deleted or replaced since: its frames cannot "
                        "be read again",
                "not_found": "swmrd does not keep this run (any more) for fetching",
                "busy": "swmrd stayed busy with other fetches",
            }.get(error.code, "the fetch failed")
            if repair.next < repair.stop:
                repair.failure = (f"{explanation} ({error.code} from {fetcher.endpoint}: "
                                  f"{error.message})", error)
            return None
        except Timeout as error:
            return self._repair_failed(str(error), error)
        except zmq.ZMQError as error:  # an endpoint ZeroMQ cannot even connect to
            return self._repair_failed(f"cannot use fetch endpoint {fetcher.endpoint}: "
                                       f"{error}", error)
        if not answer.frames:
            return self._repair_failed(
                f"swmrd sent no frame from index {repair.next} (frontier {answer.frontier}, "
                f"run {answer.state})")
        repair.next = answer.next
        self._fetched.extend((repair.kind, message) for message in answer.frames)
        return None

    def _repair_failed(self, why, error=None):
        repair, self._repair = self._repair, None
        self.missed += repair.stop - repair.next
        if repair.kind == "history":
            missed = MissedFrames.of_history(self.watch, self.run, repair.next, repair.stop,
                                             why)
        else:
            missed = MissedFrames(self.watch, self.run, repair.next - self._base, repair.seq,
                                  repair.index, why=why, first=repair.next)
        logger.warning("%s", missed)
        if self.on_missed is None:
            raise missed from error
        self.on_missed(missed)

    def _deliver_fetched(self, kind, message):
        if message.kind != "frame" or message.header.get("run") != self.run:
            raise ProtocolError(f"watch {self.watch!r}: a fetch answer held {message!r}, "
                                f"not a frame of run {self.run}")
        data_map = data_map_of(message, self.copy, self.decode_chunks)
        if kind == "history":
            self.history_frames += 1
        else:
            self.repaired += 1
        self.frames_received += 1
        self._last = data_map.index
        if self.maxshape is None:
            self.maxshape = data_map.maxshape
        return data_map
