"""The subscription under a DataSource: one SUB socket on a publish endpoint for one watch,
kept across runs, and following the daemon's heartbeats."""

import collections
import logging
import re
import time

import zmq

from .errors import Timeout
from .fetch import Fetcher
from .messages import parse_message

logger = logging.getLogger("swmrd")

WATCH_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
HEARTBEAT_TOPIC = "_daemon/heartbeat"


def check_watch_name(watch):
    if not WATCH_NAME.fullmatch(watch or ""):
        raise ValueError(f"{watch!r} is not a watch name ([A-Za-z0-9][A-Za-z0-9_.-]*, "
                         "at most 64 characters)")


class _Subscription:
    """A SUB socket on one publish endpoint for one watch, shared by the DataSources of
    consecutive runs (see ``DataSource.next_run``), so no message falls between two runs.

    It also follows the daemon's heartbeats: the first one proves the subscription reached
    the daemon; a change of the daemon's instance id means it restarted.
    """

    def __init__(self, endpoint, watch, context=None):
        check_watch_name(watch)
        self.endpoint = endpoint
        self.watch = watch
        self.context = context or zmq.Context.instance()
        self.socket = self.context.socket(zmq.SUB)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(endpoint)
        # The watch first: a heartbeat arriving proves the earlier subscription is active too.
        self.socket.setsockopt_string(zmq.SUBSCRIBE, f"{watch}/")
        self.socket.setsockopt_string(zmq.SUBSCRIBE, HEARTBEAT_TOPIC)
        self.backlog = collections.deque()  # watch messages received and not yet handled
        self.instance = None  # the daemon's instance id, from its heartbeats
        self.restarted_from = None
        self.heartbeat = None  # the last heartbeat header
        self.ready = False
        self._fetcher = None  # a Fetcher on the daemon's fetch endpoint, made when needed

    def close(self):
        if not self.socket.closed:
            self.socket.close()
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None

    def fetcher(self, endpoint, timeout):
        """The Fetcher on ``endpoint``, shared by the DataSources of this subscription."""
        if self._fetcher is None or self._fetcher.endpoint != endpoint:
            if self._fetcher is not None:
                self._fetcher.close()
            self._fetcher = Fetcher(endpoint, self.context, timeout)
        return self._fetcher

    def _receive_one(self, timeout):
        """The next message, or None after ``timeout`` seconds (None: wait for ever)."""
        if timeout is not None and not self.socket.poll(max(int(timeout * 1000), 0)):
            return None
        return parse_message(self.socket.recv_multipart(copy=False))

    def _heartbeat(self, header):
        self.ready = True
        instance = header.get("run")
        if self.instance is not None and instance != self.instance:
            logger.warning("swmrd at %s restarted (instance %s, now %s)", self.endpoint,
                           self.instance, instance)
            self.restarted_from = self.instance
        self.instance = instance
        self.heartbeat = header

    def next(self, deadline):
        """The next message of the watch; heartbeats are handled on the way. Returns None at
        ``deadline`` (a time.monotonic() value, or None for no limit)."""
        if self.backlog:
            return self.backlog.popleft()
        while True:
            timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            message = self._receive_one(timeout)
            if message is None:
                return None
            if message.topic == HEARTBEAT_TOPIC:
                self._heartbeat(message.header)
                # Returned so that a run in progress notices a restart at once.
                return message
            self.ready = True
            if message.watch == self.watch:
                return message

    def wait_heartbeat(self, timeout):
        """Blocks until a heartbeat has come (the fetch endpoint is in it), keeping the
        watch's messages received meanwhile for ``next``. False after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.heartbeat is None:
            message = self._receive_one(max(deadline - time.monotonic(), 0.0))
            if message is None:
                return False
            if message.topic == HEARTBEAT_TOPIC:
                self._heartbeat(message.header)
            elif message.watch == self.watch:
                self.backlog.append(message)
        return True

    def wait_ready(self, timeout):
        """Blocks until the subscription is known to have reached the daemon."""
        deadline = time.monotonic() + timeout
        while not self.ready:
            message = self.next(deadline)
            if message is None:
                raise Timeout(
                    f"no heartbeat from swmrd at {self.endpoint} within {timeout:g} s: is it "
                    "running, and is this its publish endpoint (not the control one)?")
            if message.kind != "heartbeat":
                self.backlog.append(message)
