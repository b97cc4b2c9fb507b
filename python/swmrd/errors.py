"""Every exception the client raises derives from SwmrdError, so one ``except`` catches them."""


class SwmrdError(Exception):
    """Base class of the client's exceptions."""


class ProtocolError(SwmrdError):
    """A message that does not follow docs/protocol.md (wrong version, missing field, bad sizes)."""


class Timeout(SwmrdError, TimeoutError):
    """Nothing arrived within the time allowed. Also a builtin ``TimeoutError``."""


class MissedFrames(SwmrdError):
    """Frames of the run were sent and never received, and could not be fetched back.

    ``expected`` is the seq that should have come, ``received`` the one that did, ``count``
    how many messages were lost, ``index`` the flat index of the frame that revealed the gap
    (None when it was the run's end), ``first`` the flat index of the first frame lost
    (None when unknown), ``why`` why the frames were not repaired through the daemon's
    fetch channel (None when nobody tried). After catching it, iteration may go on: the
    message that revealed the gap is delivered next.

    A DataSource that joined a run in progress with ``history=True`` and could not fetch
    the frames before the one it joined at raises it too: ``expected`` and ``received``
    are then None, ``first`` is the first frame not fetched and ``index`` the frame it
    joined at.
    """

    def __init__(self, watch, run, expected, received, index=None, why=None, first=None):
        self.watch = watch
        self.run = run
        self.expected = expected
        self.received = received
        self.count = received - expected
        self.index = index
        self.why = why
        self.first = first
        where = f"before frame {index}" if index is not None else "before the run's end"
        text = (f"watch {watch!r}, run {run}: {self.count} message(s) missed {where} "
                f"(seq jumped from {expected - 1} to {received}); the subscriber was too "
                "slow for a daemon in `delivery: drop` or `independent` mode, or the "
                "connection was interrupted")
        if why:
            text += f"; not repaired: {why}"
        super().__init__(text)

    @classmethod
    def of_history(cls, watch, run, first, index, why):
        """Frames ``first`` to ``index`` - 1 of a run joined late at frame ``index`` (with
        ``history=True``) were not fetched, because ``why``."""
        error = cls.__new__(cls)
        error.watch, error.run, error.index, error.why = watch, run, index, why
        error.expected = error.received = None
        error.count, error.first = index - first, first
        SwmrdError.__init__(
            error, f"watch {watch!r}, run {run}: joined at frame {index}; {index - first} "
            f"earlier frame(s) (indices {first} to {index - 1}) were not fetched: {why}")
        return error


class RunInterrupted(SwmrdError):
    """The run's ``end`` can never arrive: the daemon restarted, or a new run of the watch
    started before this one's end was received. Frames after ``last_index`` are lost."""

    def __init__(self, message, last_index=None):
        self.last_index = last_index
        super().__init__(message)


class RunError(SwmrdError):
    """The run ended with ``reason: error``. ``message`` is the daemon's explanation,
    ``end`` the whole end header."""

    def __init__(self, watch, end):
        self.watch = watch
        self.end = end
        self.message = end.get("error") or "no explanation given"
        frames = end.get("frames", 0)
        super().__init__(f"watch {watch!r}: the run on {end.get('file')} failed after "
                         f"{frames} frame(s): {self.message}")


class ControlError(SwmrdError):
    """The daemon refused a control request. ``code`` is one of docs/protocol.md's error codes
    (bad_request, unknown_command, not_found, exists, forbidden, internal)."""

    def __init__(self, code, message, command=None):
        self.code = code
        self.message = message
        self.command = command
        what = f"{command}: " if command else ""
        super().__init__(f"{what}{code}: {message}")


class FetchError(SwmrdError):
    """The daemon refused or could not serve a fetch (docs/protocol.md, The fetch channel).
    ``code`` is bad_request, not_found (no such watch, or the run is not or no longer kept),
    gone (the run's file was deleted or replaced: its frames cannot be read again), busy (too
    many fetches in progress) or internal; ``message`` the daemon's words; ``header`` the whole
    closing header (None when the error was found on this side); ``frames`` the frame
    Messages sent before a request failed part way, good ones (usually none)."""

    def __init__(self, code, message, header=None, request=None, frames=()):
        self.code = code
        self.message = message
        self.header = header
        self.request = request
        self.frames = list(frames)  # frames the daemon sent before it failed part way
        what = ""
        if request is not None:
            what = (f"fetch {request.get('watch')!r} run {request.get('run')} from "
                    f"{request.get('from')}: ")
        super().__init__(f"{what}{code}: {message}")


class ControlTimeout(Timeout):
    """No reply from the control endpoint in time: the daemon is not running there, or is
    stuck. The request may or may not have been carried out."""


class FilterUnavailable(SwmrdError):
    """A ``chunk`` payload uses an HDF5 filter this Python cannot decode."""

    def __init__(self, filter_id, detail):
        self.filter_id = filter_id
        super().__init__(f"cannot decode HDF5 filter {filter_id}: {detail}")
