"""Resources bounded against what a file declares and what clients ask: a message larger than
max_message ends its run before anything is read, and holds no budget after; a fetch's long
poll lasts at most max_wait; the live view's latest frame stays within its share of
max_inflight (HEAD reads nothing, a frame too large for JSON is refused, not converted); the
descriptor limit is raised, and max_watches lowered to what it allows, saying so."""

import json
import resource
import subprocess
import time
import urllib.error
import urllib.request

import h5py
import numpy as np

from harness import SWMRD, run_sim, watch_spec

KEYS = "/entry/keys/uid"
DATA = "/entry/data/data"


def declared_file(path, frame_shape, dtype="u1"):
    """A small complete file whose frames are declared `frame_shape`, never written."""
    with h5py.File(path, "w", libver="latest") as f:
        f[KEYS] = np.arange(1, 5)
        chunk = (1,) + (1,) * (len(frame_shape) - 1) + (min(frame_shape[-1], 4096),)
        f.create_dataset(DATA, shape=(4, *frame_shape), dtype=dtype, chunks=chunk)


def inflight(daemon):
    metrics = urllib.request.urlopen(f"http://{daemon.http_address}/metrics", timeout=10).read()
    for line in metrics.decode().splitlines():
        if line.startswith('swmrd_inflight_bytes{pool="live"}'):
            return float(line.split()[-1])
    raise AssertionError("no swmrd_inflight_bytes in /metrics")


def test_a_declared_64_gib_frame_is_refused_before_any_read_and_holds_nothing(start_daemon,
                                                                              tmp_path):
    huge = tmp_path / "huge.h5"
    declared_file(huge, (65536, 1 << 20))  # 64 GiB a frame, in a file of a few KB
    daemon = start_daemon(allowed_roots=[str(tmp_path)], http="127.0.0.1:0",
                          max_inflight="64MiB")
    baseline = daemon.rss_bytes()
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("huge", huge, timeout="1s"))["ok"]
    (end,) = sub.run("huge")
    error = end.header["error"]
    assert end.header["reason"] == "error" and end.header["seq"] == 0, end.header
    assert "64GiB (68719476736 bytes)" in error and "max_message (512MiB)" in error, error
    assert inflight(daemon) == 0
    daemon.assert_memory_within(baseline, 64 << 20, peak=True)
    # Another watch streams every frame: nothing of the budget was lost to the refusal.
    run_sim(tmp_path / "scan.h5", "--scan-shape", 20)
    assert daemon.request("start", watch=watch_spec("next", tmp_path / "scan.h5", timeout="5s",
                                                    finished="/entry/finished"))["ok"]
    start, *frames, end = sub.run("next")
    assert end.header["reason"] == "finished" and len(frames) == 20, end.header
    assert inflight(daemon) == 0


def test_max_message_names_both_sizes(start_daemon, tmp_path):
    run_sim(tmp_path / "big.h5", "--scan-shape", 3, "--frame-shape", "64x64")
    daemon = start_daemon(allowed_roots=[str(tmp_path)], max_message="4KiB")
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("big", tmp_path / "big.h5",
                                                    timeout="1s"))["ok"]
    (end,) = sub.run("big")
    assert end.header["reason"] == "error"
    assert "8KiB (8192 bytes)" in end.header["error"], end.header
    assert "max_message (4KiB)" in end.header["error"], end.header


def test_a_long_poll_lasts_at_most_max_wait(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("det", tmp_path / "scan.h5", timeout="30s")],
                          fetch="tcp://127.0.0.1:*", max_wait="1s")
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    writer = run_sim(tmp_path / "scan.h5", "--scan-shape", 100000, "--rate", 5, wait=False)
    try:
        run = sub.next(kinds=("start",)).header["run"]
        fetcher = daemon.fetcher()
        # The last frame is hours away: an hour's wait is cut to max_wait, then answered
        # (the harness gives up long before an hour).
        frames, closing = fetcher.fetch(watch="det", run=run, **{"from": 99999}, count=1,
                                        wait=3600)
        assert frames == [] and closing["ok"] is True and closing["frames"] == 0, closing
        assert closing["state"] == "streaming"
        fetcher.close()
    finally:
        writer.kill()
        writer.wait()


def test_latest_stays_within_its_share(start_daemon, tmp_path):
    path = tmp_path / "large.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, timeout="30s",
                                              finished="/entry/finished")],
                          http="127.0.0.1:0")
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    run_sim(path, "--scan-shape", 4, "--frame-shape", "2048x2048", "--dtype", "u4")  # 16 MiB
    while sub.next().kind != "end":
        pass
    url = f"http://{daemon.http_address}/api/v1/watches/det/latest?dataset={DATA}"
    # HEAD answers without reading; GET in JSON is refused for 4M values, before converting.
    head = urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10)
    assert head.status == 200 and head.read() == b""
    try:
        urllib.request.urlopen(url, timeout=30)
        raise AssertionError("a 4M-value frame was sent as JSON")
    except urllib.error.HTTPError as error:
        assert error.code == 413
        assert "format=binary" in error.read().decode()
    daemon.reset_peak()
    baseline = daemon.rss_bytes()
    for _ in range(4):
        binary = urllib.request.urlopen(url + "&format=binary", timeout=30).read()
        assert len(binary) == 16 << 20
    expected = np.frombuffer(binary, dtype="<u4")
    with h5py.File(path, "r", swmr=True) as f:
        assert np.array_equal(expected, f[DATA][3].reshape(-1))
    # The copy kept for the watch is written to each client as it is: four requests cost
    # no more than one frame.
    daemon.assert_memory_within(baseline, (16 << 20) + (16 << 20), peak=True)


def test_the_descriptor_limit_bounds_max_watches_and_says_so(start_daemon, tmp_path):
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))

    config = tmp_path / "swmrd.yaml"
    config.write_text("control: tcp://127.0.0.1:*\npublish: [tcp://127.0.0.1:*]\n"
                      f"allowed_roots: [{tmp_path}]\n")
    endpoints = tmp_path / "endpoints"
    log = tmp_path / "swmrd.log"
    with open(log, "w") as out:
        process = subprocess.Popen([SWMRD, "--config", str(config), "--endpoints-file",
                                    str(endpoints)], stdout=out, stderr=subprocess.STDOUT,
                                   preexec_fn=low_limit)
    try:
        deadline = time.monotonic() + 20
        while not endpoints.exists():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.02)
        assert "max_watches 256 lowered to 11" in log.read_text(), log.read_text()
        import msgpack
        import zmq
        control = dict(line.split(" ", 1) for line in endpoints.read_text().splitlines())
        req = zmq.Context.instance().socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(control["control"])

        def request(cmd, **fields):
            req.send(msgpack.packb({"cmd": cmd, **fields}))
            assert req.poll(10000), log.read_text()
            return msgpack.unpackb(req.recv(), raw=False)

        for i in range(11):
            assert request("start", watch=watch_spec(f"w{i}", tmp_path / f"s{i}.h5"))["ok"]
        refused = request("start", watch=watch_spec("w11", tmp_path / "s11.h5"))
        assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
        assert "max_watches" in refused["error"]["message"]
        assert request("ping")["ok"]
        req.close()
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0, log.read_text()


def metric(daemon, prefix):
    metrics = urllib.request.urlopen(f"http://{daemon.http_address}/metrics", timeout=10).read()
    for line in metrics.decode().splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    raise AssertionError(f"no {prefix} in /metrics")


def test_max_connections_refuses_one_more_and_keeps_those_it_has(start_daemon):
    daemon = start_daemon(max_connections=2, http="127.0.0.1:0")
    kept = [daemon.subscriber() for _ in range(2)]
    for sub in kept:
        sub.wait_ready()
    refused_metric = 'swmrd_peers_cut_total{channel="publish",reason="max_connections"}'
    extra = daemon.subscriber()
    try:
        # Closed at once, and again at each of ZeroMQ's reconnections, while two are kept.
        deadline = time.monotonic() + 30
        while metric(daemon, refused_metric) < 2:
            assert time.monotonic() < deadline, daemon.log()[-2000:]
            time.sleep(0.05)
        peers = json.loads(urllib.request.urlopen(
            f"http://{daemon.http_address}/api/v1/peers", timeout=10).read())
        assert peers["ok"] and len(peers["peers"]) == 2
        assert daemon.request("list")["subscribers"] == 2
        assert "connection(s)" in daemon.log() and "max_connections" in daemon.log()
        # The two kept are served throughout.
        for sub in kept:
            assert sub.receive().kind == "heartbeat"
    finally:
        extra.close()
        for sub in kept:
            sub.close()
