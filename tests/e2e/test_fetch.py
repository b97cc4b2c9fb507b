"""The fetch channel: any frame of a remembered run, read again from its file."""

import contextlib
import os
import time

import msgpack
import zmq

from harness import finish, run_sim, watch_spec


def fetch_daemon(start_daemon, tmp_path, watches=(), **settings):
    settings.setdefault("fetch", "tcp://127.0.0.1:*")
    settings.setdefault("allowed_roots", [str(tmp_path)])
    return start_daemon(watches=watches, **settings)


def live_run(daemon, path, name="det", sim_args=("--scan-shape", 12), **fields):
    """A run streamed live to the end: its messages, and the watch stopped afterwards."""
    sub = daemon.subscriber(name + "/")
    sub.wait_ready()
    fields.setdefault("finished", "/entry/finished")
    assert daemon.request("start", watch=watch_spec(name, path, **fields))["ok"]
    run_sim(path, *sim_args)
    messages = sub.run(name)
    sub.close()
    return messages


@contextlib.contextmanager
def slow_live_run(start_daemon, tmp_path):
    """A daemon streaming a run of 1000 frames at 5 Hz, watch `slow`: (daemon, subscriber,
    run id) while it streams; the writer is stopped afterwards."""
    daemon = fetch_daemon(start_daemon, tmp_path)
    path = tmp_path / "slow.h5"
    sub = daemon.subscriber("slow/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("slow", path, timeout="30s"))["ok"]
    writer = run_sim(path, "--scan-shape", 1000, "--rate", 5, "--no-finished", wait=False)
    try:
        yield daemon, sub, sub.next().header["run"]
    finally:
        writer.kill()
        writer.wait()


def same_frame(fetched, live):
    """A fetched frame is the live one: header (but `time`, plus `fetched`) and payloads."""
    header = dict(fetched.header)
    assert header.pop("fetched") is True
    expected = dict(live.header)
    header.pop("time")
    expected.pop("time")
    assert header == expected
    assert [p.bytes for p in fetched.payload] == [p.bytes for p in live.payload]


def test_an_ended_run_is_fetched_frame_for_frame_as_it_was_sent(start_daemon, tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path)
    start, *frames, end = live_run(daemon, tmp_path / "scan.h5")
    run = start.header["run"]
    fetcher = daemon.fetcher()
    got, closing = fetcher.fetch(watch="det", run=run, **{"from": 0}, count=100)
    assert [m.header["index"] for m in got] == list(range(12))
    for fetched, live in zip(got, frames):
        same_frame(fetched, live)
    assert closing == {"v": 1, "kind": "fetched", "watch": "det", "run": run, "seq": 0,
                       "time": closing["time"], "id": 1, "ok": True, "from": 0, "next": 12,
                       "frames": 12, "frontier": 12, "state": "ended", "reason": "finished"}
    # A range from the middle, and max_bytes: at least one frame, then stop before more.
    got, closing = fetcher.fetch(watch="det", run=run, **{"from": 5}, count=4, max_bytes=70)
    assert [m.header["index"] for m in got] == [5, 6] and closing["next"] == 7
    got, closing = fetcher.fetch(watch="det", run=run, **{"from": 9}, count=3, max_bytes=1)
    assert [m.header["index"] for m in got] == [9] and closing["frames"] == 1
    # Beyond the frontier of an ended run: nothing, at once, whatever the wait.
    got, closing = fetcher.fetch(watch="det", run=run, **{"from": 12}, count=5, wait=30)
    assert got == [] and closing["ok"] and closing["next"] == 12 and closing["frontier"] == 12
    runs = daemon.request("runs", watch="det")["runs"]
    assert [(r["run"], r["state"], r["reason"], r["frames"], r["last_index"], r["fetchable"])
            for r in runs] == [(run, "ended", "finished", 12, 11, True)]
    fetcher.close()


def test_a_streaming_run_is_fetched_up_to_its_frontier_and_waited_on(start_daemon, tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path)
    path = tmp_path / "live.h5"
    sub = daemon.subscriber("live/")
    sub.wait_ready()
    spec = watch_spec("live", path, finished="/entry/finished", timeout="30s")
    assert daemon.request("start", watch=spec)["ok"]
    writer = run_sim(path, "--scan-shape", 400, "--rate", 100, wait=False)
    start = sub.next()
    first = sub.next()
    run = start.header["run"]
    fetcher = daemon.fetcher()
    got, closing = fetcher.fetch(watch="live", run=run, **{"from": 0}, count=1000)
    assert closing["ok"], closing
    assert closing["state"] == "streaming" and closing["reason"] is None
    assert [m.header["index"] for m in got] == list(range(closing["next"]))
    assert closing["next"] <= closing["frontier"] < 400
    same_frame(got[0], first)
    # Long polls follow the run to its end, with every frame once: a pull-only consumer.
    index = closing["next"]
    while True:
        got, closing = fetcher.fetch(watch="live", run=run, **{"from": index}, count=50, wait=2)
        assert [m.header["index"] for m in got] == list(range(index, index + len(got)))
        index += len(got)
        if closing["state"] == "ended" and index == closing["frontier"]:
            break
    assert index == 400 and closing["reason"] == "finished"
    # Without a wait, beyond the frontier answers at once.
    got, closing = fetcher.fetch(watch="live", run=run, **{"from": 400}, count=1)
    assert got == [] and closing["frontier"] == 400
    finish(writer)
    fetcher.close()


def test_a_long_poll_answers_when_the_frame_comes(start_daemon, tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path)
    path = tmp_path / "slow.h5"
    sub = daemon.subscriber("slow/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("slow", path, timeout="30s"))["ok"]
    writer = run_sim(path, "--scan-shape", 3, "--rate", 2, "--no-finished", wait=False)
    run = sub.next().header["run"]
    fetcher = daemon.fetcher()
    got, closing = fetcher.fetch(watch="slow", run=run, **{"from": 2}, count=1, wait=20)
    assert [m.header["index"] for m in got] == [2] and closing["ok"]
    # A short wait that runs out: answered empty, streaming still.
    got, closing = fetcher.fetch(watch="slow", run=run, **{"from": 3}, count=1, wait=0.2)
    assert got == [] and closing["ok"] and closing["state"] == "streaming"
    finish(writer)
    fetcher.close()


def test_chunk_encoded_runs_fetch_the_stored_chunks_byte_for_byte(start_daemon, tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path)
    path = tmp_path / "chunks.h5"
    start, *frames, end = live_run(daemon, path, sim_args=("--scan-shape", 6, "--compression",
                                                           "deflate"), encoding="chunk")
    assert start.header["datasets"][0]["encoding"] == "chunk"
    got, closing = daemon.fetcher().fetch(watch="det", run=start.header["run"], **{"from": 0},
                                          count=6)
    with h5py_file(path) as f:
        for message in got:
            stored = f["/entry/data/data"].id.read_direct_chunk((message.header["index"], 0, 0))
            assert message.payload[0].bytes == stored[1]
    for fetched, live in zip(got, frames):
        same_frame(fetched, live)


def h5py_file(path):
    import h5py
    return h5py.File(path, "r")


def test_a_deleted_or_replaced_file_is_gone_and_an_evicted_run_not_found(start_daemon,
                                                                         tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path, history=2)
    runs = []
    for n in range(3):
        path = tmp_path / f"scan-{n}.h5"
        start, *_ = live_run(daemon, path, name=f"w{n}")
        runs.append((f"w{n}", start.header["run"], path))
        # A stopped watch's runs stay kept and fetchable.
        assert daemon.request("stop", watch=f"w{n}")["ok"]
    # A watch name per scan: each keeps its own history.
    fetcher = daemon.fetcher()
    os.unlink(runs[0][2])
    got, closing = fetcher.fetch(watch=runs[0][0], run=runs[0][1], **{"from": 0}, count=1)
    assert got == [] and not closing["ok"] and closing["error"]["code"] == "gone"
    assert "was deleted" in closing["error"]["message"]
    run_sim(tmp_path / "staging.h5", "--scan-shape", 2)
    os.replace(tmp_path / "staging.h5", runs[1][2])
    got, closing = fetcher.fetch(watch=runs[1][0], run=runs[1][1], **{"from": 0}, count=1)
    assert closing["error"]["code"] == "gone" and "replaced" in closing["error"]["message"]
    assert [r["fetchable"] for r in daemon.request("runs", watch="w1")["runs"]] == [False]
    # history 2: a third run of one watch pushes the first out.
    sub = daemon.subscriber("again/")
    sub.wait_ready()
    pattern = watch_spec("again", tmp_path / "again-*.h5", finished="/entry/finished")
    assert daemon.request("start", watch=pattern)["ok"]
    kept = []
    for n in range(3):
        run_sim(tmp_path / f"again-{n}.h5", "--scan-shape", 3)
        kept.append(sub.run("again")[0].header["run"])
    got, closing = fetcher.fetch(watch="again", run=kept[0], **{"from": 0}, count=1)
    assert closing["error"]["code"] == "not_found", closing
    assert [r["run"] for r in daemon.request("runs", watch="again")["runs"]] == kept[1:]
    got, closing = fetcher.fetch(watch="w2", run=runs[2][1], **{"from": 1}, count=1)
    assert [m.header["index"] for m in got] == [1] and closing["ok"]
    got, closing = fetcher.fetch(watch="nothing", run="x", **{"from": 0}, count=1)
    assert closing["error"]["code"] == "not_found" and closing["state"] is None
    fetcher.close()


def test_every_bad_request_gets_its_error_and_changes_nothing(start_daemon, tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path)
    start, *_ = live_run(daemon, tmp_path / "scan.h5")
    run = start.header["run"]
    good = {"cmd": "fetch", "id": "x", "watch": "det", "run": run, "from": 0, "count": 1}
    bad = [
        ({**good, "count": 0}, "count"),
        ({**good, "count": 65537}, "count"),
        ({**good, "from": -1}, "from"),
        ({**good, "from": "0"}, "from"),
        ({**good, "wait": -1}, "wait"),
        ({**good, "max_bytes": 0}, "max_bytes"),
        ({**good, "colour": "blue"}, "colour"),
        ({**good, "cmd": "fetc"}, "cmd"),
        ({k: v for k, v in good.items() if k != "run"}, "run"),
    ]
    socket = daemon.context.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(daemon.fetch_endpoint)
    for request, field in bad:
        socket.send(msgpack.packb(request))
        assert socket.poll(10000)
        parts = socket.recv_multipart()
        header = msgpack.unpackb(parts[1], raw=False)
        assert parts[0] == b"det/fetched" or parts[0].endswith(b"/fetched"), parts[0]
        assert header["ok"] is False and header["error"]["code"] == "bad_request", header
        assert field in header["error"]["message"], (field, header["error"])
        assert header["id"] == "x"
    for raw in (b"\xc1", msgpack.packb([1, 2])):
        socket.send(raw)
        assert socket.poll(10000)
        header = msgpack.unpackb(socket.recv_multipart()[1], raw=False)
        assert header["error"]["code"] == "bad_request" and header["id"] is None
    socket.send_multipart([b"", msgpack.packb(good)])  # a REQ's envelope: two parts
    assert socket.poll(10000)
    header = msgpack.unpackb(socket.recv_multipart()[1], raw=False)
    assert "one message part" in header["error"]["message"]
    # Still served as before.
    socket.send(msgpack.packb(good))
    assert socket.poll(10000)
    assert socket.recv_multipart()[0] == b"det/frame"
    socket.close()


def test_a_client_that_goes_away_mid_answer_and_twenty_at_once(start_daemon, tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path, max_inflight="64MiB")
    path = tmp_path / "big.h5"
    start, *_ = live_run(daemon, path, sim_args=("--scan-shape", 40, "--frame-shape",
                                                 "512x1024"), timeout="5s")
    run = start.header["run"]
    baseline = daemon.rss_bytes()
    # Gone in the middle of its answer: after its first frame came, with 39 to go.
    for _ in range(3):
        quitter = daemon.fetcher()
        quitter.send(watch="det", run=run, **{"from": 0}, count=40)
        assert quitter.socket.poll(20_000), "no answer began"
        quitter.close()
    fetchers = [daemon.fetcher() for _ in range(20)]
    for fetcher in fetchers:
        fetcher.send(watch="det", run=run, **{"from": 0}, count=40)
    largest = daemon.rss_bytes()
    for fetcher in fetchers:
        got, closing = [], None
        while closing is None or closing["next"] < 40:
            if closing is not None:
                fetcher.send(watch="det", run=run, **{"from": closing["next"]}, count=40)
            frames, closing = fetcher.answer(timeout=60)
            got += frames
            largest = max(largest, daemon.rss_bytes())  # while the others still wait
        assert [m.header["index"] for m in got] == list(range(40))
        fetcher.close()
    # 20 clients asking for 40 MiB each: held to the fetch share of max_inflight (16 MiB),
    # all along.
    daemon.assert_memory_within(baseline, 64 * 2**20 + 32 * 2**20)
    if largest - baseline > 64 * 2**20 + 32 * 2**20 and not os.environ.get("SWMRD_SANITIZER"):
        raise AssertionError(f"RSS grew by {(largest - baseline) / 2**20:.0f} MiB while fetching")


def test_a_client_that_stops_reading_holds_little_and_no_one_else_waits(start_daemon,
                                                                        tmp_path):
    # A short fetch share (16 MiB / 4) and a long peer_timeout: were the stalled client to
    # hold the whole share, the other would wait a minute for it to be cut off.
    daemon = fetch_daemon(start_daemon, tmp_path, max_inflight="16MiB", peer_timeout="60s")
    path = tmp_path / "big.h5"
    start, *_ = live_run(daemon, path, sim_args=("--scan-shape", 40, "--frame-shape",
                                                 "512x1024"), timeout="5s")
    run = start.header["run"]
    stalled = daemon.context.socket(zmq.DEALER)
    stalled.setsockopt(zmq.RCVHWM, 2)
    stalled.setsockopt(zmq.RCVBUF, 65536)
    stalled.setsockopt(zmq.LINGER, 0)
    stalled.connect(daemon.fetch_endpoint)
    for request in range(64):
        stalled.send(msgpack.packb({"cmd": "fetch", "id": request, "watch": "det", "run": run,
                                    "from": 0, "count": 40}))
    assert stalled.poll(20_000), "the stalled client's answers never began"
    other = daemon.fetcher()
    frames, closing = other.fetch(watch="det", run=run, **{"from": 3}, count=2)
    assert closing["ok"] and [m.header["index"] for m in frames] == [3, 4]
    other.close()
    stalled.close()


def test_runs_that_ended_every_way_are_fetched(start_daemon, tmp_path):
    daemon = fetch_daemon(start_daemon, tmp_path)
    ended = {}
    # timeout: the writer stops without setting finished.
    path = tmp_path / "timeout.h5"
    sub = daemon.subscriber("t/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("t", path, timeout="300ms"))["ok"]
    run_sim(path, "--scan-shape", 12, "--frames", 5, "--no-finished")
    start, *frames, end = sub.run("t")
    sub.close()
    ended["timeout"] = (start, frames, end)
    # stopped mid-scan, and shutdown: a slow writer, stopped by `stop` or by the daemon.
    for name, how in [("s", "stop")]:
        path = tmp_path / f"{name}.h5"
        sub = daemon.subscriber(name + "/")
        sub.wait_ready()
        assert daemon.request("start", watch=watch_spec(name, path))["ok"]
        writer = run_sim(path, "--scan-shape", 1000, "--rate", 50, wait=False)
        start = sub.next(kinds=("start",))
        first = [sub.next(kinds=("frame",)) for _ in range(3)]
        assert daemon.request(how, watch=name)["ok"]
        rest = sub.run(name)
        writer.kill()
        writer.wait()
        ended["stopped"] = (start, first + rest[:-1], rest[-1])
        sub.close()
    fetcher = daemon.fetcher()
    for reason, (start, frames, end) in ended.items():
        assert end.header["reason"] == reason
        run = start.header["run"]
        runs = {r["run"]: r for r in daemon.request("runs", watch=end.header["watch"])["runs"]}
        assert runs[run]["state"] == "ended" and runs[run]["reason"] == reason
        got, closing = fetcher.fetch(watch=end.header["watch"], run=run, **{"from": 0},
                                     count=len(frames))
        assert closing["ok"] and closing["state"] == "ended" and closing["reason"] == reason
        for fetched, live in zip(got, frames):
            same_frame(fetched, live)
        assert len(got) == len(frames) > 0
    fetcher.close()


def test_too_many_requests_from_one_client_are_answered_busy(start_daemon, tmp_path):
    with slow_live_run(start_daemon, tmp_path) as (daemon, sub, run):
        fetcher = daemon.fetcher()
        # Long polls for a frame far ahead stay in progress until their wait ends, so the 65th
        # finds 64 of this client's: `busy`, answered in its turn, after the 64 before it.
        ids = [fetcher.send(watch="slow", run=run, **{"from": 999}, count=1, wait=3.0)
               for _ in range(65)]
        answers = [fetcher.answer(timeout=20) for _ in range(65)]
        assert [closing["id"] for _, closing in answers] == ids
        assert all(closing["ok"] and frames == [] for frames, closing in answers[:64])
        frames, closing = answers[-1]
        assert frames == [] and closing["ok"] is False
        assert closing["error"]["code"] == "busy", closing
        fetcher.close()
        # A new client is served at once.
        other = daemon.fetcher()
        got, closing = other.fetch(watch="slow", run=run, **{"from": 0}, count=1)
        assert closing["ok"] and len(got) == 1
        other.close()


def test_parked_long_polls_do_not_make_other_clients_busy(start_daemon, tmp_path):
    with slow_live_run(start_daemon, tmp_path) as (daemon, sub, run):
        # 17 connections x 64 long polls far ahead: 1088, more than the 1024 in progress that
        # make the daemon `busy`; parked on the live stream, they count for nothing.
        pollers = [daemon.fetcher() for _ in range(17)]
        for poller in pollers:
            for _ in range(64):
                poller.send(watch="slow", run=run, **{"from": 999}, count=1, wait=60.0)
        # The first of each is parked once the fetch thread has looked at it; a new client is
        # then answered, not `busy`, at once and again.
        other = daemon.fetcher()
        for _ in range(5):
            got, closing = other.fetch(watch="slow", run=run, **{"from": 0}, count=1)
            assert closing["ok"], closing
            assert len(got) == 1
        for poller in pollers:
            assert not poller.socket.poll(0)  # still waiting, none refused
            poller.close()
        other.close()


def open_paths(daemon):
    """What the daemon and its reader processes have open."""
    paths = []
    for pid in [daemon.process.pid, *daemon.reader_pids()]:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except FileNotFoundError:
            continue  # a reader that ended meanwhile
        for fd in fds:
            try:
                paths.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except FileNotFoundError:
                pass  # closed meanwhile
    return paths


def test_a_file_deleted_after_a_fetch_is_not_held_open(start_daemon, tmp_path):
    # Its disk space comes back only once no process has it open: the fetch channel closes a
    # file it has not read for a while, with no further fetch needed to notice.
    daemon = fetch_daemon(start_daemon, tmp_path)
    path = tmp_path / "scan.h5"
    start, *_ = live_run(daemon, path)
    fetcher = daemon.fetcher()
    got, closing = fetcher.fetch(watch="det", run=start.header["run"], **{"from": 0}, count=3)
    assert closing["ok"] and len(got) == 3
    assert str(path) in open_paths(daemon)
    path.unlink()
    deadline = time.monotonic() + 60
    while any(p.startswith(str(path)) for p in open_paths(daemon)):
        assert time.monotonic() < deadline, open_paths(daemon)
        time.sleep(0.2)
    fetcher.close()


def closing_ids(socket, count):
    """The ids of the next `count` closing messages on a raw DEALER, in the order they came."""
    ids = []
    while len(ids) < count:
        assert socket.poll(20000), ids
        parts = socket.recv_multipart()
        header = msgpack.unpackb(parts[1], raw=False)
        if header["kind"] == "fetched":
            ids.append((header["id"], header["ok"], (header.get("error") or {}).get("code")))
    return ids


def test_answers_come_in_request_order_refusals_and_oversized_requests_included(
        start_daemon, tmp_path):
    with slow_live_run(start_daemon, tmp_path) as (daemon, sub, run):
        socket = daemon.context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        socket.connect(daemon.fetch_endpoint)
        request = {"cmd": "fetch", "watch": "slow", "run": run, "count": 1}
        # A long poll for a frame far ahead, then a malformed request, then one of 100 kB
        # (over the 64 KiB a request may be), then a good one: answered in that order.
        socket.send(msgpack.packb({**request, "id": "poll", "from": 999, "wait": 1.0}))
        socket.send(msgpack.packb({**request, "id": "bad", "from": 0, "count": 0}))
        socket.send(msgpack.packb({**request, "id": "huge", "from": 0, "pad": "x" * 100000}))
        socket.send(msgpack.packb({**request, "id": "good", "from": 0}))
        assert closing_ids(socket, 4) == [("poll", True, None), ("bad", False, "bad_request"),
                                          ("huge", False, "bad_request"),
                                          ("good", True, None)]
        socket.close()


def test_long_polls_on_a_streaming_run_wait_without_a_reader_process(start_daemon, tmp_path):
    with slow_live_run(start_daemon, tmp_path) as (daemon, sub, run):
        assert sub.next().kind == "frame"
        fetcher = daemon.fetcher()
        ids = [fetcher.send(watch="slow", run=run, **{"from": 900 + i}, count=1, wait=2.0)
               for i in range(3)]
        for expected in ids:
            frames, closing = fetcher.answer()
            assert closing["id"] == expected and closing["ok"] and frames == []
        # They waited on the live stream's progress: the watch's own reader is the only one
        # (a fetch's reader would still be open, for 10 s after its last use).
        assert len(daemon.reader_pids()) == 1, daemon.reader_pids()
        fetcher.close()
