"""The fetch channel's client side (docs/protocol.md, The fetch channel) against a fake daemon
(PUB, ROUTER and REP sockets scripted by the test): Fetcher, gap repair and history in DataSource,
PullSource, Control.runs."""

import threading

import numpy as np
import pytest
import zmq

import swmrd
from support import WAIT_S, FakeDaemon, expected_frame

WATCH = "w"


@pytest.fixture
def daemon():
    fake = FakeDaemon(WATCH)
    yield fake
    fake.close()


def source(daemon, **settings):
    settings.setdefault("timeout", 10.0)  # hang guard
    return swmrd.DataSource(daemon.endpoint, WATCH, **settings)


def check_frames(maps, indices, scan_shape=(None,)):
    """``maps`` are the frames ``indices``, each once, in order, whole."""
    assert [m.index for m in maps] == list(indices)
    for m in maps:
        assert m.slice_metadata == (slice(m.index, m.index + 1, None),)
        assert m.maxshape == scan_shape
        assert m.header["index"] == m.index and m.header["run"] is not None
        np.testing.assert_array_equal(m["/d"][0], expected_frame(0, m.index, (2, 3), "<u2"))


def fetched(maps):
    return [m.index for m in maps if m.header.get("fetched")]


def fetch_froms(daemon):
    return [request["from"] for request in daemon.requests]


# -- gap repair ------------------------------------------------------------------------------

def test_gap_is_repaired_once_in_order(daemon):
    ds = source(daemon)
    daemon.start("r")
    daemon.write("r", 2)
    daemon.write("r", 2, publish=False)  # frames 2 and 3 lost on the way
    daemon.write("r", 2)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(6))
    assert fetched(maps) == [2, 3]
    assert [m.seq for m in maps] == [1, 2, 3, 4, 5, 6]  # the seq each had on PUB
    assert ds.repaired == 2 and ds.missed == 0 and ds.frames_received == 6
    assert ds.end_reason == "finished"
    assert daemon.requests == [{"cmd": "fetch", "id": daemon.requests[0]["id"],
                                "watch": WATCH, "run": "r", "from": 2, "count": 2,
                                "max_bytes": ds.fetch_max_bytes}]


def test_repair_waits_for_the_heartbeat_that_names_the_endpoint(daemon):
    ds = source(daemon)
    # As when the first message proving the subscription was one of the watch's, before
    # any heartbeat: the fetch endpoint is not known yet when the gap shows.
    ds._subscription.heartbeat = None
    daemon.start("r")
    daemon.write("r", 1, publish=False)
    daemon.write("r", 1)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(2))
    assert fetched(maps) == [0] and ds.missed == 0


def test_several_gaps_in_a_run(daemon):
    ds = source(daemon)
    daemon.start("r")
    for _ in range(3):
        daemon.write("r", 1)
        daemon.write("r", 1, publish=False)
    daemon.write("r", 1)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(7))
    assert fetched(maps) == [1, 3, 5] and ds.repaired == 3 and fetch_froms(daemon) == [1, 3, 5]


def test_gap_revealed_at_the_end_is_repaired(daemon):
    ds = source(daemon)
    daemon.start("r")
    daemon.write("r", 3)
    daemon.write("r", 2, publish=False)
    daemon.end("r", reason="timeout")  # end seq 6: frames 3 and 4 never came
    maps = list(ds)
    check_frames(maps, range(5))
    assert fetched(maps) == [3, 4] and ds.repaired == 2 and ds.end_reason == "timeout"


def test_first_frames_of_a_run_missed(daemon):
    ds = source(daemon)
    daemon.start("r", first_index=3)  # a `from: latest` run: its first frame is index 3
    daemon.write("r", 3, publish=False)  # 0..2: before first_index, never published
    daemon.write("r", 2, publish=False)  # 3, 4: lost
    daemon.write("r", 1)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(3, 6))
    assert fetched(maps) == [3, 4] and [m.seq for m in maps] == [1, 2, 3]


def test_split_answers_are_reassembled(daemon):
    # 12 payload bytes a frame: max_bytes 30 lets 2 through per answer
    ds = source(daemon, fetch_max_bytes=30)
    daemon.start("r")
    daemon.write("r", 1)
    daemon.write("r", 7, publish=False)
    daemon.write("r", 1)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(9))
    assert ds.repaired == 7
    assert fetch_froms(daemon) == [1, 3, 5, 7]
    assert [r["count"] for r in daemon.requests] == [7, 5, 3, 1]


def test_answers_capped_by_the_daemon_are_reassembled(daemon):
    daemon.max_frames = 3  # the daemon's own limits split answers too
    ds = source(daemon)
    daemon.start("r")
    daemon.write("r", 1)
    daemon.write("r", 8, publish=False)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(9))
    assert fetch_froms(daemon) == [1, 4, 7]


def test_busy_is_retried(daemon):
    daemon.refuse = ["busy", "busy"]
    ds = source(daemon)
    daemon.start("r")
    daemon.write("r", 1)
    daemon.write("r", 1, publish=False)
    daemon.write("r", 1)
    daemon.end("r")
    check_frames(list(ds), range(3))
    assert fetch_froms(daemon) == [1, 1, 1] and ds.repaired == 1


def test_wildcard_host_is_the_host_reached():
    daemon = FakeDaemon(WATCH, advertise="wildcard")
    try:
        assert daemon.publisher.fetch.startswith("tcp://*:")
        ds = source(daemon)
        daemon.start("r")
        daemon.write("r", 1, publish=False)
        daemon.write("r", 1)
        daemon.end("r")
        maps = list(ds)
        check_frames(maps, range(2))
        assert fetched(maps) == [0]
        ds.close()
    finally:
        daemon.close()


@pytest.mark.parametrize("fetch, reached, expected", [
    ("tcp://*:5557", "tcp://beamline-pc:5556", "tcp://beamline-pc:5557"),
    ("tcp://0.0.0.0:5557", "tcp://10.0.0.7:5556", "tcp://10.0.0.7:5557"),
    ("tcp://[::]:5557", "tcp://[fe80::1]:5556", "tcp://[fe80::1]:5557"),
    ("tcp://*:5557", "tcp://192.168.1.17:0;beamline-pc:5556", "tcp://beamline-pc:5557"),
    ("tcp://*:5557", "ipc:///run/swmrd/publish", "tcp://127.0.0.1:5557"),
    ("tcp://*:5557", "tcp://*:5556", "tcp://127.0.0.1:5557"),
    ("tcp://fetch-host:5557", "tcp://beamline-pc:5556", "tcp://fetch-host:5557"),
    ("ipc:///run/swmrd/fetch", "tcp://beamline-pc:5556", "ipc:///run/swmrd/fetch"),
    (None, "tcp://beamline-pc:5556", None),
])
def test_resolve_fetch_endpoint(fetch, reached, expected):
    assert swmrd.resolve_fetch_endpoint(fetch, reached) == expected


# -- repair impossible -------------------------------------------------------------------------

def a_run_with_a_gap(daemon):
    daemon.start("r")
    daemon.write("r", 1)
    daemon.write("r", 2, publish=False)
    daemon.write("r", 1)
    daemon.end("r")


def test_no_fetch_endpoint_raises_missed_frames_saying_so():
    daemon = FakeDaemon(WATCH, advertise=None)
    try:
        ds = source(daemon)
        a_run_with_a_gap(daemon)
        assert next(ds).index == 0
        with pytest.raises(swmrd.MissedFrames, match="has no fetch endpoint") as caught:
            next(ds)
        gap = caught.value
        assert (gap.expected, gap.received, gap.count, gap.index, gap.first) == (2, 4, 2, 3, 1)
        assert "2 message(s) missed before frame 3" in str(gap)
        assert [m.index for m in ds] == [3]  # the frame that revealed the gap comes next
        assert ds.missed == 2 and ds.repaired == 0 and daemon.requests == []
        ds.close()
    finally:
        daemon.close()


@pytest.mark.parametrize("code, why", [("gone", "deleted or replaced"),
                                       ("not_found", "does not keep this run")])
def test_run_that_cannot_be_fetched_raises_missed_frames(daemon, code, why):
    ds = source(daemon)
    a_run_with_a_gap(daemon)
    if code == "gone":
        daemon.runs["r"].gone = True
    else:
        del daemon.runs["r"]
    assert next(ds).index == 0
    with pytest.raises(swmrd.MissedFrames, match=why) as caught:
        next(ds)
    assert caught.value.count == 2 and code in caught.value.why
    assert isinstance(caught.value.__cause__, swmrd.FetchError)
    assert caught.value.__cause__.code == code
    assert [m.index for m in ds] == [3] and ds.missed == 2 and ds.end_reason == "finished"


def test_repair_off(daemon):
    gaps = []
    ds = source(daemon, repair=False, on_missed=gaps.append)
    a_run_with_a_gap(daemon)
    assert [m.index for m in ds] == [0, 3]
    assert len(gaps) == 1 and "repair is off" in str(gaps[0]) and gaps[0].count == 2
    assert ds.missed == 2 and daemon.requests == []


def test_partial_repair_reports_only_what_is_lost(daemon):
    daemon.max_frames = 1
    gaps = []
    ds = source(daemon, on_missed=gaps.append)
    daemon.start("r")
    daemon.write("r", 1)
    daemon.write("r", 3, publish=False)
    daemon.write("r", 1)
    daemon.end("r")
    assert next(ds).index == 0
    assert next(ds).index == 1  # fetched; then the run's file goes away
    daemon.runs["r"].gone = True
    assert [m.index for m in ds] == [4]
    assert len(gaps) == 1 and (gaps[0].first, gaps[0].count, gaps[0].expected) == (2, 2, 3)
    assert ds.repaired == 1 and ds.missed == 2


def test_repair_that_fails_part_way_delivers_what_came(daemon):
    daemon.cut = (2, "gone")  # two frames, then the file is gone
    ds = source(daemon)
    daemon.start("r")
    daemon.write("r", 1)
    daemon.write("r", 4, publish=False)
    daemon.write("r", 1)
    daemon.end("r")
    assert [next(ds).index for _ in range(3)] == [0, 1, 2]
    with pytest.raises(swmrd.MissedFrames, match="deleted or replaced") as caught:
        next(ds)
    assert (caught.value.first, caught.value.count, caught.value.index) == (3, 2, 5)
    assert [m.index for m in ds] == [5] and ds.repaired == 2 and ds.missed == 2


def test_silent_fetch_endpoint_raises_missed_frames():
    silent = zmq.Context.instance().socket(zmq.ROUTER)  # takes requests, never answers
    silent.setsockopt(zmq.LINGER, 0)
    silent.bind("tcp://127.0.0.1:*")
    daemon = FakeDaemon(WATCH, advertise=silent.getsockopt_string(zmq.LAST_ENDPOINT))
    try:
        ds = source(daemon, fetch_timeout=0.3)
        a_run_with_a_gap(daemon)
        assert next(ds).index == 0
        with pytest.raises(swmrd.MissedFrames, match="no answer from swmrd's fetch endpoint"):
            next(ds)
        assert [m.index for m in ds] == [3]
        ds.close()
    finally:
        daemon.close()
        silent.close()


# -- history -----------------------------------------------------------------------------------

def test_history_join_yields_every_frame_once(daemon):
    daemon.start("r")
    daemon.write("r", 5)  # published before anyone subscribed
    daemon.publisher.flush()
    ds = source(daemon, history=True)
    assert ds.join == "running"
    daemon.write("r", 3)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(8))
    assert ds.joined_running and ds.start is None and ds.first_index == 5
    assert fetched(maps) == [0, 1, 2, 3, 4]
    assert ds.history_frames == 5 and ds.repaired == 0 and ds.missed == 0
    assert fetch_froms(daemon) == [0]


def test_history_join_then_a_gap(daemon):
    daemon.start("r")
    daemon.write("r", 2)
    daemon.publisher.flush()
    ds = source(daemon, history=True)
    daemon.write("r", 1)
    daemon.write("r", 1, publish=False)
    daemon.write("r", 1)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(5))
    assert fetched(maps) == [0, 1, 3] and ds.history_frames == 2 and ds.repaired == 1


def test_history_includes_frames_before_first_index(daemon):
    daemon.start("r", first_index=2)
    daemon.write("r", 2, publish=False)  # before first_index: seq 0, never published
    daemon.write("r", 2)
    daemon.publisher.flush()
    ds = source(daemon, history=True)
    daemon.write("r", 1)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(5))
    assert [m.seq for m in maps] == [0, 0, 1, 2, 3] and fetched(maps) == [0, 1, 2, 3]


def test_history_of_a_run_caught_at_its_start(daemon):
    ds = source(daemon, history=True)
    daemon.start("r", first_index=2)
    daemon.write("r", 2, publish=False)
    daemon.write("r", 2)
    daemon.end("r")
    maps = list(ds)
    check_frames(maps, range(4))
    assert fetched(maps) == [0, 1] and ds.start is not None and ds.first_index == 2


def test_history_without_fetch_endpoint():
    daemon = FakeDaemon(WATCH, advertise=None)
    try:
        daemon.start("r")
        daemon.write("r", 3)
        daemon.publisher.flush()
        ds = source(daemon, history=True)
        daemon.write("r", 1)
        daemon.end("r")
        with pytest.raises(swmrd.MissedFrames, match=r"joined at frame 3; 3 earlier") as caught:
            next(ds)
        assert caught.value.first == 0 and caught.value.count == 3
        assert [m.index for m in ds] == [3] and ds.missed == 3
        ds.close()
    finally:
        daemon.close()


def test_history_needs_join_running(daemon):
    with pytest.raises(ValueError, match="join='running'"):
        swmrd.DataSource(daemon.endpoint, WATCH, history=True, join="start",
                         ready_timeout=None)


# -- Fetcher -----------------------------------------------------------------------------------

def test_fetcher_matches_answers_to_requests(daemon):
    daemon.start("r")
    daemon.write("r", 10, publish=False)
    with swmrd.Fetcher(daemon.fetch_endpoint, timeout=WAIT_S) as fetcher:
        first = fetcher.send(WATCH, "r", 0, 3)
        second = fetcher.send(WATCH, "r", 2, 4)
        third = fetcher.send(WATCH, "nothing", 0, 1)
        fourth = fetcher.send(WATCH, "r", 8, 5)
        with pytest.raises(swmrd.FetchError) as caught:
            fetcher.receive(third)
        assert caught.value.code == "not_found" and caught.value.header["id"] == third
        answer = fetcher.receive(fourth)
        assert [m.header["index"] for m in answer.frames] == [8, 9]
        assert (answer.next, answer.frontier, answer.state, answer.ok) == (10, 10, "streaming",
                                                                           True)
        answer = fetcher.receive(second)
        assert [m.header["index"] for m in answer.frames] == [2, 3, 4, 5]
        assert all(m.header["fetched"] is True and m.topic == "w/frame" for m in answer.frames)
        answer = fetcher.receive(first)
        assert [m.header["index"] for m in answer.frames] == [0, 1, 2]
        data_map = swmrd.data_map_of(answer.frames[1])
        np.testing.assert_array_equal(data_map["/d"][0], expected_frame(0, 1, (2, 3), "<u2"))


def test_fetcher_at_the_frontier_and_at_the_end(daemon):
    daemon.start("r")
    daemon.write("r", 2)
    with swmrd.Fetcher(daemon.fetch_endpoint, timeout=WAIT_S) as fetcher:
        answer = fetcher.fetch(WATCH, "r", 2, 5)  # wait 0: nothing readable yet
        assert answer.frames == [] and answer.next == 2 and not answer.complete
        daemon.end("r", reason="complete")
        answer = fetcher.fetch(WATCH, "r", 2, 5)
        assert answer.frames == [] and answer.complete and answer.reason == "complete"


def test_fetcher_checks_its_arguments():
    fetcher = swmrd.Fetcher("tcp://127.0.0.1:1")
    for bad in (dict(count=0), dict(count=65537), dict(from_=-1), dict(max_bytes=0),
                dict(wait=-1)):
        arguments = {"watch": WATCH, "run": "r", "from_": 0, "count": 1, **bad}
        with pytest.raises(ValueError):
            fetcher.send(**arguments)
    fetcher.close()


def test_fetcher_refusal_and_busy_patience(daemon):
    daemon.refuse = ["bad_request", "busy", "busy"]
    daemon.start("r")
    daemon.write("r", 1)
    with swmrd.Fetcher(daemon.fetch_endpoint, timeout=WAIT_S, busy_patience=0) as fetcher:
        with pytest.raises(swmrd.FetchError, match="bad_request") as caught:
            fetcher.fetch(WATCH, "r", 0, 1)
        assert caught.value.code == "bad_request"
        with pytest.raises(swmrd.FetchError) as caught:
            fetcher.fetch(WATCH, "r", 0, 1)  # no patience: busy is not retried
        assert caught.value.code == "busy" and fetcher.busy_retries == 0
        fetcher.busy_patience = WAIT_S
        assert len(fetcher.fetch(WATCH, "r", 0, 1).frames) == 1 and fetcher.busy_retries == 1


def test_fetcher_hang_guard():
    silent = zmq.Context.instance().socket(zmq.ROUTER)
    silent.setsockopt(zmq.LINGER, 0)
    silent.bind("tcp://127.0.0.1:*")
    try:
        with swmrd.Fetcher(silent.getsockopt_string(zmq.LAST_ENDPOINT), timeout=0.2) as fetcher:
            first = fetcher.send(WATCH, "r", 0, 1)
            second = fetcher.send(WATCH, "r", 1, 1)
            with pytest.raises(swmrd.Timeout, match="no answer"):
                fetcher.receive(first)
            with pytest.raises(swmrd.Timeout):
                fetcher.receive(second)  # cancelled with the socket
    finally:
        silent.close()


# -- pull only -----------------------------------------------------------------------------------

def test_pull_follows_a_run_to_its_end_with_long_polls(daemon):
    daemon.start("r", publish=False)
    pulled = swmrd.PullSource(daemon.control_endpoint, WATCH,
                              fetch_endpoint=daemon.fetch_endpoint, wait=WAIT_S, timeout=WAIT_S)
    assert pulled.run == "r" and pulled.run_info["state"] == "streaming"

    def writer():  # one frame each time the consumer waits at the frontier
        for index in range(4):
            daemon.wait_for(lambda: daemon.parked > index)
            daemon.write("r", 1, publish=False)
        daemon.wait_for(lambda: daemon.parked > 4)
        daemon.end("r", reason="finished", publish=False)

    thread = threading.Thread(target=writer)
    thread.start()
    maps = list(pulled)
    thread.join()
    check_frames(maps, range(4))
    assert pulled.end_reason == "finished" and pulled.frames_received == 4
    assert daemon.parked == 5  # each new frame and the end were long-polled for
    assert all(r["wait"] == WAIT_S for r in daemon.requests)
    assert fetch_froms(daemon) == [0, 1, 2, 3, 4]
    pulled.close()


def test_pull_an_ended_run_from_the_heartbeat_endpoint(daemon):
    daemon.start("old")
    daemon.write("old", 1)
    daemon.end("old")
    daemon.start("r", first_index=1, publish=False)
    daemon.write("r", 5, publish=False)
    daemon.end("r", reason="complete", publish=False)
    daemon.max_frames = 2
    with swmrd.PullSource(daemon.control_endpoint, WATCH,
                          publish_endpoint=daemon.endpoint) as pulled:
        assert pulled.fetcher.endpoint == daemon.fetch_endpoint
        maps = list(pulled)
    check_frames(maps, range(5))  # the newest run, from index 0
    assert pulled.run == "r" and pulled.end_reason == "complete"
    assert fetch_froms(daemon) == [0, 2, 4]


def test_pull_a_given_run(daemon):
    for run in ("a", "b"):
        daemon.start(run, publish=False)
        daemon.write(run, 2, publish=False)
        daemon.end(run, publish=False)
    with swmrd.PullSource(daemon.control_endpoint, WATCH, daemon.fetch_endpoint, run="a",
                          from_=1) as pulled:
        check_frames(list(pulled), [1])
        assert pulled.run == "a"
    with pytest.raises(swmrd.FetchError, match="keeps no run c") as caught:
        swmrd.PullSource(daemon.control_endpoint, WATCH, daemon.fetch_endpoint, run="c")
    assert caught.value.code == "not_found"


def test_pull_waits_for_a_first_run(daemon):
    pulled = swmrd.PullSource(daemon.control_endpoint, WATCH, daemon.fetch_endpoint,
                              wait=0.05, timeout=WAIT_S)
    assert pulled.run is None
    daemon.start("r", publish=False)
    daemon.write("r", 2, publish=False)
    daemon.end("r", publish=False)
    check_frames(list(pulled), range(2))
    assert pulled.run == "r"
    pulled.close()


def test_pull_of_a_run_that_failed(daemon):
    daemon.status_error = "reading /data/fake.h5: disk on fire"
    daemon.start("r", publish=False)
    daemon.write("r", 1, publish=False)
    daemon.end("r", reason="error", publish=False)
    with swmrd.PullSource(daemon.control_endpoint, WATCH, daemon.fetch_endpoint) as pulled:
        assert next(pulled).index == 0
        with pytest.raises(swmrd.RunError, match="disk on fire"):
            next(pulled)
        assert pulled.end_reason == "error" and list(pulled) == []


def test_pull_that_fails_part_way(daemon):
    daemon.start("r", publish=False)
    daemon.write("r", 4, publish=False)
    daemon.cut = (2, "internal")
    with swmrd.PullSource(daemon.control_endpoint, WATCH, daemon.fetch_endpoint) as pulled:
        assert [next(pulled).index for _ in range(2)] == [0, 1]
        with pytest.raises(swmrd.FetchError, match="failed part way") as caught:
            next(pulled)
        assert caught.value.code == "internal" and pulled.next_index == 2
        daemon.end("r", publish=False)
        assert [m.index for m in pulled] == [2, 3]  # resumed where it failed


def test_pull_of_a_gone_run(daemon):
    daemon.start("r", publish=False)
    daemon.write("r", 1, publish=False)
    daemon.runs["r"].gone = True
    with pytest.raises(swmrd.FetchError, match="deleted or replaced") as caught:
        swmrd.PullSource(daemon.control_endpoint, WATCH, daemon.fetch_endpoint)
    assert caught.value.code == "gone"


def test_pull_needs_a_fetch_endpoint(daemon):
    with pytest.raises(ValueError, match="fetch_endpoint"):
        swmrd.PullSource(daemon.control_endpoint, WATCH)


def test_pull_timeout(daemon):
    daemon.start("r", publish=False)
    with swmrd.PullSource(daemon.control_endpoint, WATCH, daemon.fetch_endpoint, wait=0.05,
                          timeout=0.2) as pulled:
        with pytest.raises(swmrd.Timeout, match="no new frame of run r"):
            next(pulled)
        daemon.write("r", 1, publish=False)
        daemon.end("r", publish=False)
        check_frames(list(pulled), [0])  # resumed


# -- control -----------------------------------------------------------------------------------

def test_control_runs(daemon):
    daemon.start("a")
    daemon.write("a", 2)
    daemon.end("a", reason="complete")
    daemon.start("b", first_index=4)
    with swmrd.Control(daemon.control_endpoint, timeout=WAIT_S) as control:
        runs = control.runs(WATCH)
        assert [r["run"] for r in runs] == ["a", "b"]
        assert runs[0]["state"] == "ended" and runs[0]["reason"] == "complete"
        assert runs[0]["frames"] == 2 and runs[0]["last_index"] == 1
        assert runs[1]["state"] == "streaming" and runs[1]["first_index"] == 4
        assert runs[1]["ended"] is None and runs[1]["fetchable"] is True
        with pytest.raises(swmrd.ControlError) as caught:
            control.runs("nothing")
        assert caught.value.code == "not_found" and caught.value.command == "runs"
