"""Every exception the client raises derives from SwmrdError, so one ``except`` catches them."""


class SwmrdError(Exception):
    """Base class of the client's exceptions."""


class ProtocolError(SwmrdError):
    """A message that does not follow PROTOCOL.md (wrong version, missing field, bad sizes)."""


class Timeout(SwmrdError, TimeoutError):
    """Nothing arrived within the time allowed. Also a builtin ``TimeoutError``."""


class MissedFrames(SwmrdError):
    """A gap in ``seq``: messages of the run were sent and never received.

    ``expected`` is the seq that should have come, ``received`` the one that did, ``count``
    how many messages were lost, ``index`` the flat index of the frame that revealed the gap
    (None when it was the run's end). After catching it, iteration may go on: the message
    that revealed the gap is delivered next.
    """

    def __init__(self, watch, run, expected, received, index=None):
        self.watch = watch
        self.run = run
        self.expected = expected
        self.received = received
        self.count = received - expected
        self.index = index
        where = f"before frame {index}" if index is not None else "before the run's end"
        super().__init__(
            f"watch {watch!r}, run {run}: {self.count} message(s) missed {where} "
            f"(seq jumped from {expected - 1} to {received}); the subscriber was too slow "
            "for a daemon in `delivery: drop` mode, or the connection was interrupted")


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
    """The daemon refused a control request. ``code`` is one of PROTOCOL.md's error codes
    (bad_request, unknown_command, not_found, exists, forbidden, internal)."""

    def __init__(self, code, message, command=None):
        self.code = code
        self.message = message
        self.command = command
        what = f"{command}: " if command else ""
        super().__init__(f"{what}{code}: {message}")


class ControlTimeout(Timeout):
    """No reply from the control endpoint in time: the daemon is not running there, or is
    stuck. The request may or may not have been carried out."""


class FilterUnavailable(SwmrdError):
    """A ``chunk`` payload uses an HDF5 filter this Python cannot decode."""

    def __init__(self, filter_id, detail):
        self.filter_id = filter_id
        super().__init__(f"cannot decode HDF5 filter {filter_id}: {detail}")
