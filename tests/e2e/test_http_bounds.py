"""The HTTP endpoint holds its bounds whatever a client does (docs/protocol.md, "HTTP"):
clients that send their requests a byte at a time hold a connection each and nothing else,
pipelined requests each get their response, and a request that cannot be parsed gets 400
and its connection closed at once."""

import re
import socket
import threading

from harness import SANITIZER, watch_spec
from test_http import get, metrics, value, wait_until


def http_daemon(start_daemon, tmp_path, **settings):
    return start_daemon([watch_spec("det", tmp_path / "scan.h5")], http="127.0.0.1:0",
                        **settings)


def address_of(daemon):
    host, port = daemon.http_address.rsplit(":", 1)
    return host, int(port)


def read_until_closed(connection):
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_slow_senders_hold_no_worker(start_daemon, tmp_path):
    """Eight clients send a header line every 0.2 s for as long as the test runs, more than
    the endpoint has workers: /metrics, the API and the live view are served throughout."""
    daemon = http_daemon(start_daemon, tmp_path)
    get(daemon, "/metrics")  # the workers and the page cache warmed up
    baseline = daemon.rss_bytes(), daemon.descriptors(), daemon.cpu_seconds()
    stop = threading.Event()
    slow = []
    for _ in range(8):
        connection = socket.create_connection(address_of(daemon))
        connection.sendall(b"GET /metrics HTTP/1.1\r\nHost: swmrd\r\n")
        slow.append(connection)

    def dribble():
        line = 0
        while not stop.wait(0.2):
            line += 1
            for connection in slow:
                connection.sendall(b"X-Slow-%d: a\r\n" % line)

    dribbler = threading.Thread(target=dribble)
    dribbler.start()
    try:
        for path in ["/metrics", "/api/v1/watches", "/", "/api/v1/overview"] * 5:
            status, _, body = get(daemon, path)
            assert status == 200 and body, path
        threading.Event().wait(3)  # the workload: three more seconds of dribbling
        # Each slow client holds its connection's descriptor and a few KiB, no more.
        assert daemon.descriptors() <= baseline[1] + len(slow) + 8
        daemon.assert_memory_within(baseline[0], 8 << 20)
        if not SANITIZER:
            assert daemon.cpu_seconds() - baseline[2] < 1.5  # nothing spins for them
    finally:
        stop.set()
        dribbler.join()
    # The slow ones are still being read: each gets its answer once its headers end.
    for connection in slow:
        connection.sendall(b"Connection: close\r\n\r\n")
        connection.settimeout(30)
        assert read_until_closed(connection).startswith(b"HTTP/1.1 200 ")
        connection.close()


def test_pipelined_requests_each_get_their_response(start_daemon, tmp_path):
    daemon = http_daemon(start_daemon, tmp_path)
    with socket.create_connection(address_of(daemon), timeout=30) as connection:
        connection.sendall(b"GET /api/v1/watches HTTP/1.1\r\nHost: swmrd\r\n\r\n"
                           b"GET /nowhere HTTP/1.1\r\nHost: swmrd\r\n\r\n"
                           b"GET /metrics HTTP/1.1\r\nHost: swmrd\r\nConnection: close\r\n\r\n")
        received = read_until_closed(connection)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) [A-Za-z ]+\r\n", received)
    assert statuses == [b"200", b"404", b"200"], received[:2000]
    assert b'"watches"' in received and b"swmrd_build_info" in received


def test_an_unparsable_request_gets_400_and_its_connection_closes_at_once(start_daemon,
                                                                          tmp_path):
    """A request that cannot be parsed gets 400; bytes that are no request line at all (no
    method and path: a TLS handshake to the plain port) get no answer. Either way the
    connection closes at once, not when it has been idle for 5 s."""
    daemon = http_daemon(start_daemon, tmp_path)
    for garbage, answer in [
            (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", b"HTTP/1.1 400 "),
            (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", b"HTTP/1.1 400 "),
            (b"GET / HTTP/9.9\r\n\r\n", b"HTTP/1.1 505 "),
            (b"GARBAGE\r\n\r\n", b""),
            (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", b"")]:
        with socket.create_connection(address_of(daemon)) as connection:
            connection.settimeout(4)  # well before the 5 s an idle connection is given
            connection.sendall(garbage)
            received = read_until_closed(connection)
            assert received.startswith(answer) and (answer or not received), \
                (garbage, received[:200])
    # Nothing else changed: the endpoint serves.
    assert get(daemon, "/api/v1/watches")[0] == 200
    assert daemon.request("ping")["ok"]


def test_connections_past_max_connections_are_refused_and_the_rest_served(start_daemon,
                                                                          tmp_path):
    """max_connections bounds the HTTP endpoint too; a quarter of it per client address."""
    daemon = http_daemon(start_daemon, tmp_path, max_connections=32)
    held = [socket.create_connection(address_of(daemon)) for _ in range(8)]
    try:
        wait_until(lambda: refused(daemon), what="a ninth connection from one address refused")
        assert re.search(r"warning http: refused \d+ connection\(s\), the last from "
                         r"127\.0\.0\.1: 8 connections open from it, the most one address may hold",
                         daemon.log()), daemon.log()[-2000:]
    finally:
        for connection in held:
            connection.close()
    # Once the daemon has seen them close (its own time: refused until then), it serves again.
    wait_until(lambda: serves(daemon), what="the endpoint to serve")
    samples = metrics(daemon)
    assert value(samples, "swmrd_peers_cut_total", channel="http", reason="max_connections") >= 1
    assert value(samples, "swmrd_http_connections") >= 1  # this scrape's own


def serves(daemon):
    try:
        return get(daemon, "/api/v1/watches")[0] == 200
    except ConnectionError:
        return False


def refused(daemon):
    """Whether a new connection is closed without an answer."""
    with socket.create_connection(address_of(daemon), timeout=10) as connection:
        try:
            connection.sendall(b"GET /api/v1/watches HTTP/1.1\r\nHost: swmrd\r\n\r\n")
            return connection.recv(100) == b""
        except ConnectionResetError:
            return True
