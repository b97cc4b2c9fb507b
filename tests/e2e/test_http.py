"""The HTTP endpoint (docs/protocol.md, HTTP): /metrics parsed by Prometheus' own parser and
equal to the status, /api/v1 equal to the control replies, the newest frame read again from
the file, bad requests refused without changing anything, and startup errors that name the
endpoint. The live view in a real browser is in test_live_view.py."""

import http.client
import json
import re
import socket
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness import SWMRD, finish, run_sim, watch_spec, write_config

SCAN = 30


def get(daemon, path, method="GET", headers=None):
    host, port = daemon.http_address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def get_json(daemon, path):
    status, _, body = get(daemon, path)
    return status, json.loads(body)


def metrics(daemon):
    status, headers, body = get(daemon, "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


def wait_until(condition, timeout=20.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def ended_run(start_daemon, tmp_path):
    """A daemon with http on, and one run of SCAN frames received by a subscriber and ended."""
    path = tmp_path / "scan.h5"
    daemon = start_daemon([watch_spec("det", path, finished="/entry/finished")], http="127.0.0.1:0",
                          fetch="tcp://127.0.0.1:*")
    subscriber = daemon.subscriber()
    subscriber.wait_ready()
    run_sim(path, "--scan-shape", SCAN, "--frame-shape", "8x6")
    messages = subscriber.run("det")
    assert messages[-1].header["reason"] == "finished"
    daemon.kept_subscriber = subscriber  # connected while the test looks at the daemon
    return daemon, path, messages


def test_metrics_parse_with_prometheus_and_equal_the_status(ended_run):
    daemon, path, messages = ended_run
    samples = metrics(daemon)
    status = daemon.request("status", watch="det")["watch"]
    assert value(samples, "swmrd_run_frames", watch="det") == status["frames"] == SCAN
    assert value(samples, "swmrd_run_last_index", watch="det") == status["last_index"]
    assert value(samples, "swmrd_frames_dropped_total", watch="det") == status["dropped"]
    assert value(samples, "swmrd_messages_lost_total", watch="det") == status["lost"]
    assert value(samples, "swmrd_frames_sent_total", watch="det") == SCAN
    assert value(samples, "swmrd_payload_sent_bytes_total", watch="det") == status["bytes"]
    assert value(samples, "swmrd_runs_total", watch="det", reason="finished") == 1
    assert value(samples, "swmrd_runs_total", watch="det", reason="error") == 0
    assert value(samples, "swmrd_watch_state", watch="det", state=status["state"]) == 1
    assert value(samples, "swmrd_subscribers") == 1
    # Every frame sent was timed from its key being readable to its hand-off.
    assert value(samples, "swmrd_readable_to_sent_seconds_count", watch="det") == SCAN
    assert value(samples, "swmrd_readable_to_sent_seconds_bucket", watch="det", le="+Inf") == SCAN
    assert value(samples, "swmrd_readable_to_sent_seconds_sum", watch="det") > 0

    # A fetch shows in the fetch counters.
    run = messages[0].header["run"]
    fetcher = daemon.fetcher()
    frames, closing = fetcher.fetch(id=1, watch="det", run=run, **{"from": 0}, count=5)
    assert closing["ok"] and len(frames) == 5
    samples = metrics(daemon)
    assert value(samples, "swmrd_fetch_requests_total") == 1
    assert value(samples, "swmrd_fetch_frames_total") == 5
    assert value(samples, "swmrd_fetch_sent_bytes_total") == sum(
        len(frame.payload[0].bytes) for frame in frames)
    fetcher.close()


def test_metrics_follow_a_live_run(start_daemon, tmp_path):
    path = tmp_path / "live.h5"
    daemon = start_daemon([watch_spec("det", path, finished="/entry/finished")], http="127.0.0.1:0")
    writer = run_sim(path, "--scan-shape", 200, "--rate", 100, wait=False)
    wait_until(lambda: metrics(daemon).get(("swmrd_frames_sent_total", (("watch", "det"),)), 0) > 0,
               what="frames counted while the scan runs")
    seen = []
    for _ in range(5):
        seen.append(value(metrics(daemon), "swmrd_frames_sent_total", watch="det"))
        time.sleep(0.05)
    assert seen == sorted(seen), "a counter went back"
    finish(writer)
    wait_until(lambda: value(metrics(daemon), "swmrd_runs_total", watch="det",
                             reason="finished") == 1, what="the run's end counted")
    assert value(metrics(daemon), "swmrd_frames_sent_total", watch="det") == 200


def test_api_json_is_the_control_reply(ended_run):
    daemon = ended_run[0]
    for path, command, fields in [("/api/v1/watches", "list", {}),
                                  ("/api/v1/watches/det", "status", {"watch": "det"}),
                                  ("/api/v1/watches/det/runs", "runs", {"watch": "det"})]:
        status, body = get_json(daemon, path)
        assert status == 200, body
        assert body == daemon.request(command, **fields), path
    status, body = get_json(daemon, "/api/v1/watches/nope")
    assert status == 404
    assert body == daemon.request("status", watch="nope")


def test_latest_frame_is_read_again_from_the_file(ended_run):
    daemon, path, messages = ended_run
    status, body = get_json(daemon, "/api/v1/watches/det/latest?dataset=/entry/data/data")
    assert status == 200, body
    assert body["index"] == SCAN - 1 and body["seq"] == SCAN
    assert body["dtype"] == "<u2" and body["shape"] == [1, 8, 6]
    with h5py.File(path, "r") as f:
        expected = f["/entry/data/data"][SCAN - 1]
    assert body["values"] == expected.ravel().tolist()

    status, headers, raw = get(daemon, "/api/v1/watches/det/latest?dataset=/entry/data/data",
                               headers={"Accept": "application/octet-stream"})
    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"
    assert json.loads(headers["X-Swmrd-Metadata"])["index"] == SCAN - 1
    assert np.array_equal(np.frombuffer(raw, "<u2"), expected.ravel())

    status, body = get_json(daemon, "/api/v1/watches/det/latest?dataset=/entry/nothing")
    assert status == 404 and "/entry/data/data" in body["error"]["message"]
    status, body = get_json(daemon, "/api/v1/watches/det/latest")
    assert status == 400 and "dataset" in body["error"]["message"]
    status, body = get_json(daemon, "/api/v1/watches/ghost/latest?dataset=/entry/data/data")
    assert status == 404 and "ghost" in body["error"]["message"]


def test_latest_after_a_fetch_of_the_same_run_is_still_the_newest_frame(ended_run):
    daemon, path, messages = ended_run
    fetcher = daemon.fetcher()
    got, closing = fetcher.fetch(watch="det", run=messages[0].header["run"], **{"from": 0},
                                 count=1)
    assert closing["ok"] and [m.header["index"] for m in got] == [0]
    fetcher.close()
    status, headers, raw = get(daemon, "/api/v1/watches/det/latest?dataset=/entry/data/data",
                               headers={"Accept": "application/octet-stream"})
    assert status == 200
    assert json.loads(headers["X-Swmrd-Metadata"])["index"] == SCAN - 1
    with h5py.File(path, "r") as f:
        expected = f["/entry/data/data"][SCAN - 1]
    assert np.array_equal(np.frombuffer(raw, "<u2"), expected.ravel())
    status, headers, raw = get(daemon, "/api/v1/watches/det/latest?dataset=/entry/data/data",
                               method="HEAD")
    assert status == 200 and raw == b""


def test_bad_requests_get_a_4xx_and_change_nothing(ended_run):
    daemon = ended_run[0]
    before = daemon.request("list")
    for method in ["POST", "PUT", "DELETE", "PATCH"]:
        status, headers, _ = get(daemon, "/api/v1/watches/det", method=method)
        assert status == 405 and headers["Allow"] == "GET, HEAD", method
    for path in ["/../../etc/passwd", "/api/v1/watches/..%2f..%2fetc%2fpasswd",
                 "/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", "/api/v2/watches"]:
        status, _, body = get(daemon, path)
        assert 400 <= status < 500 and b"root:" not in body, path
    status, _, body = get(daemon, "/api/v1/watches", method="HEAD")
    assert status == 200 and body == b""
    status, _, _ = get(daemon, "/api/v1/watches", headers={"X-Huge": "x" * 100_000})
    assert 400 <= status < 500
    # A request line far past any real one.
    status, _, _ = get(daemon, "/api/v1/watches?" + "a" * 20_000)
    assert 400 <= status < 500
    assert daemon.request("list") == before
    assert get_json(daemon, "/api/v1/watches")[1] == before


def test_clients_that_never_send_hold_neither_the_control_loop_nor_a_watch(start_daemon,
                                                                           tmp_path):
    path = tmp_path / "scan.h5"
    daemon = start_daemon([watch_spec("det", path, finished="/entry/finished")], http="127.0.0.1:0")
    host, port = daemon.http_address.rsplit(":", 1)
    idle = [socket.create_connection((host, int(port))) for _ in range(64)]
    try:
        subscriber = daemon.subscriber()
        subscriber.wait_ready()
        run_sim(path, "--scan-shape", 20)
        messages = subscriber.run("det")
        assert [m.header["index"] for m in messages if m.kind == "frame"] == list(range(20))
        assert daemon.request("ping")["ok"]
    finally:
        for connection in idle:
            connection.close()
    # Once they are gone the endpoint serves again.
    wait_until(lambda: get(daemon, "/api/v1/watches")[0] == 200, what="the endpoint to serve")


def test_bind_errors_name_the_endpoint(start_daemon, tmp_path):
    first = start_daemon([], http="127.0.0.1:0", fetch="tcp://127.0.0.1:*")
    taken_http = first.http_address
    taken_publish = first.publish_endpoint
    for key, settings, expected in [
        ("http", {"http": taken_http}, f"cannot bind the http endpoint {taken_http}"),
        ("publish", {"publish": [taken_publish]},
         f"cannot bind the publish endpoint {taken_publish}"),
        ("control", {"control": first.control_endpoint},
         f"cannot bind the control endpoint {first.control_endpoint}"),
        ("fetch", {"fetch": first.fetch_endpoint},
         f"cannot bind the fetch endpoint {first.fetch_endpoint}"),
    ]:
        config = tmp_path / f"second-{key}.yaml"
        write_config(config, **settings)
        result = subprocess.run([SWMRD, "--config", str(config)], capture_output=True,
                                text=True, timeout=30)
        assert result.returncode == 1, (key, result.stderr)
        assert expected in result.stderr and "Address already in use" in result.stderr, (
            key, result.stderr)


def test_the_grafana_dashboard_uses_only_metrics_the_daemon_serves(ended_run):
    daemon = ended_run[0]
    dashboard = json.loads((Path(__file__).parents[2] / "deploy/grafana/swmrd.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = set(re.findall(r"\bswmrd_[a-z_]+", " ".join(expressions)))
    served = {name for name, _ in metrics(daemon)}
    # A histogram's series carry suffixes the dashboard names directly.
    assert used and used <= served, used - served
