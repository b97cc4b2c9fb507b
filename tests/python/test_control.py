"""swmrd.Control: against the real daemon (every command, every error code a request can
provoke), and against a fake endpoint that does not answer (timeouts, socket recovery)."""

import threading

import msgpack
import pytest
import zmq

import swmrd
from support import run_sim


def test_every_command(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    control = swmrd.Control(daemon.control, timeout=10)
    ping = control.ping()
    assert ping["protocol"] == 1 and isinstance(ping["version"], str) and ping["uptime"] >= 0
    assert control.list() == []

    name = control.start("ctl", tmp_path / "scan-*.h5", keys=["/entry/keys/uid"],
                         datasets=["/entry/data/data"], finished="/entry/finished",
                         timeout="2s", encoding="raw", from_="start")
    assert name == "ctl"
    status = control.status("ctl")
    assert status["name"] == "ctl" and status["source"] == "control"
    assert status["file"] == str(tmp_path / "scan-*.h5")
    assert status["state"] in ("waiting", "streaming", "idle")
    assert [s["name"] for s in control.list()] == ["ctl"]

    ds = swmrd.DataSource(daemon.publish, "ctl", timeout=20)
    run_sim(tmp_path / "scan-1.h5", "--frames", 3, "--scan-shape", 3)
    assert [m.index for m in ds] == [0, 1, 2] and ds.end_reason in ("finished", "complete")
    assert control.status("ctl")["frames"] == 3

    assert control.stop("ctl") == {"watch": "ctl", "frames": 3}
    assert control.list() == []
    control.close()


def test_error_codes(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path / "allowed")])
    (tmp_path / "allowed").mkdir()
    with swmrd.Control(daemon.control, timeout=10) as control:
        with pytest.raises(swmrd.ControlError) as caught:
            control.status("nothing")
        assert caught.value.code == "not_found" and "nothing" in caught.value.message

        with pytest.raises(swmrd.ControlError) as caught:
            control.stop("nothing")
        assert caught.value.code == "not_found"

        with pytest.raises(swmrd.ControlError) as caught:
            control.start("outside", tmp_path / "x.h5", keys=["/k"], datasets=["/d"])
        assert caught.value.code == "forbidden"

        with pytest.raises(swmrd.ControlError) as caught:
            control.start("odd", tmp_path / "allowed" / "x.h5", keys=["/k"], datasets=["/d"],
                          colour="blue")
        assert caught.value.code == "bad_request" and "colour" in caught.value.message

        with pytest.raises(swmrd.ControlError) as caught:
            control.request("restart")
        assert caught.value.code == "unknown_command"

        spec = dict(keys=["/k"], datasets=["/d"])
        control.start("twice", tmp_path / "allowed" / "x.h5", **spec)
        with pytest.raises(swmrd.ControlError) as caught:
            control.start("twice", tmp_path / "allowed" / "y.h5", **spec)
        assert caught.value.code == "exists" and caught.value.command == "start"
        # A refused request changes nothing, and the socket is fine for the next one.
        assert control.status("twice")["file"] == str(tmp_path / "allowed" / "x.h5")


class SilentOnce:
    """A ROUTER that leaves the first request unanswered and answers the others: what a
    stuck daemon looks like, then a recovered one."""

    def __init__(self):
        self.socket = zmq.Context.instance().socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind("tcp://127.0.0.1:*")
        self.endpoint = self.socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self.received = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            if not self.socket.poll(20):
                continue
            identity, empty, request = self.socket.recv_multipart()
            self.received += 1
            if self.received > 1:
                reply = {"ok": True, "version": "fake", "protocol": 1, "uptime": 1.0}
                self.socket.send_multipart([identity, empty, msgpack.packb(reply)])

    def close(self):
        self.stop.set()
        self.thread.join()
        self.socket.close()


def test_timeout_names_the_endpoint_and_the_next_request_works():
    server = SilentOnce()
    control = swmrd.Control(server.endpoint, timeout=0.3)
    try:
        with pytest.raises(swmrd.ControlTimeout) as caught:
            control.ping()
        assert server.endpoint in str(caught.value) and "ping" in str(caught.value)
        assert isinstance(caught.value, TimeoutError)
        # A REQ socket still waiting for its reply could not send: the client replaced it.
        control.timeout = 10
        assert control.ping()["version"] == "fake"
    finally:
        control.close()
        server.close()


def test_timeout_when_nothing_listens():
    probe = zmq.Context.instance().socket(zmq.REP)
    probe.bind("tcp://127.0.0.1:*")
    endpoint = probe.getsockopt_string(zmq.LAST_ENDPOINT)
    probe.close()  # the port is free again: nobody answers there
    control = swmrd.Control(endpoint, timeout=0.2)
    for _ in range(2):
        with pytest.raises(swmrd.ControlTimeout, match="no reply from swmrd at " + endpoint):
            control.list()
    control.close()
