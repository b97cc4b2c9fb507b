"""DataSource against a fake publisher, for what a real daemon cannot be made to do on demand:
gaps in seq, restarts, runs already in progress, silence."""

import numpy as np
import pytest
import zmq

import swmrd
from support import end_header, expected_frame, frame_message, start_header

WATCH = "w"


def source(publisher, **settings):
    settings.setdefault("timeout", 10.0)  # hang guard
    return swmrd.DataSource(publisher.endpoint, WATCH, **settings)


def test_a_run_is_delivered_frame_by_frame(publisher):
    ds = source(publisher)
    publisher.send_run(WATCH, "run-1", frames=3)
    maps = list(ds)
    assert [m.index for m in maps] == [0, 1, 2]
    assert [m.slice_metadata for m in maps] == [(slice(i, i + 1, None),) for i in range(3)]
    for m in maps:
        assert m.maxshape == (3,)
        assert m["/d"].dtype == np.dtype("<u2") and m["/d"].shape == (1, 2, 3)
        np.testing.assert_array_equal(m["/d"][0], expected_frame(0, m.index, (2, 3), "<u2"))
        assert m["/d"].flags.writeable and not m["/d"].flags.owndata  # a view, no copy
    assert ds.end_reason == "finished" and ds.ended
    assert ds.run == "run-1" and ds.start["kind"] == "start" and ds.maxshape == (3,)
    assert ds.frames_received == 3 and ds.missed == 0
    assert list(ds) == []  # over


def test_copies_on_request(publisher):
    ds = source(publisher, copy=True)
    publisher.send_run(WATCH, "run-1", frames=1)
    (data_map,) = list(ds)
    assert data_map["/d"].flags.owndata and data_map["/d"].flags.writeable


def test_gap_in_seq_raises_and_iteration_can_go_on(publisher):
    ds = source(publisher)
    publisher.send_run(WATCH, "run-1", frames=4, gap_after=1)  # seq 1, 2, 4, 5, end 6
    assert next(ds).index == 0
    assert next(ds).index == 1
    with pytest.raises(swmrd.MissedFrames) as caught:
        next(ds)
    gap = caught.value
    assert (gap.expected, gap.received, gap.count, gap.index) == (3, 4, 1, 2)
    assert "1 message(s) missed before frame 2" in str(gap) and "'w'" in str(gap)
    assert [m.index for m in ds] == [2, 3]  # the frame that revealed the gap comes next
    assert ds.missed == 1 and ds.end_reason == "finished"


def test_gap_reported_to_a_callback(publisher):
    gaps = []
    ds = source(publisher, on_missed=gaps.append)
    publisher.send_run(WATCH, "run-1", frames=4, gap_after=0)
    assert [m.index for m in ds] == [0, 1, 2, 3]
    assert len(gaps) == 1 and gaps[0].count == 1 and gaps[0].index == 1
    assert ds.missed == 1


def test_gap_before_the_end(publisher):
    ds = source(publisher)
    publisher.send(start_header(WATCH, "r", scan_shape=(2,)))
    publisher.send(*frame_message(WATCH, "r", 1, 0, scan_shape=(2,)))
    publisher.send(end_header(WATCH, "r", 4, frames=2, last_index=1))
    assert next(ds).index == 0
    with pytest.raises(swmrd.MissedFrames, match="before the run's end") as caught:
        next(ds)
    assert caught.value.count == 2
    assert list(ds) == [] and ds.end_reason == "finished"


def test_error_end_raises_run_error(publisher):
    ds = source(publisher)
    publisher.send(start_header(WATCH, "r", scan_shape=(None,)))
    publisher.send(*frame_message(WATCH, "r", 1, 0, scan_shape=(None,)))
    publisher.send(end_header(WATCH, "r", 2, reason="error", frames=1, last_index=0,
                              error="reading /data/fake.h5: disk on fire"))
    assert next(ds).maxshape == (None,)
    with pytest.raises(swmrd.RunError, match="disk on fire") as caught:
        next(ds)
    assert caught.value.message == "reading /data/fake.h5: disk on fire"
    assert ds.end_reason == "error" and ds.error == caught.value.message
    assert list(ds) == []


def test_run_that_failed_before_its_start(publisher):
    ds = source(publisher)
    publisher.send(end_header(WATCH, "r", 0, reason="error", error="key dataset missing"))
    with pytest.raises(swmrd.RunError, match="key dataset missing"):
        list(ds)
    assert ds.end_reason == "error"


def test_default_join_skips_a_run_in_progress(publisher):
    ds = source(publisher)
    publisher.send(*frame_message(WATCH, "old", 5, 4))  # a run already going on
    publisher.send(end_header(WATCH, "old", 6, frames=5, last_index=4))
    publisher.send_run(WATCH, "new", frames=2)
    assert [m.index for m in ds] == [0, 1]
    assert ds.run == "new" and ds.skipped == 2 and not ds.joined_running


def test_join_running_takes_the_run_in_progress(publisher):
    ds = source(publisher, join="running")
    publisher.send(*frame_message(WATCH, "old", 5, 4, scan_shape=(6,)))
    publisher.send(*frame_message(WATCH, "old", 6, 5, scan_shape=(6,)))
    publisher.send(end_header(WATCH, "old", 7, frames=6, last_index=5))
    assert [m.index for m in ds] == [4, 5]
    assert ds.joined_running and ds.start is None and ds.first_index == 4
    assert ds.maxshape == (6,) and ds.scan_rank == 1 and ds.missed == 0


def test_daemon_restart_during_a_run_interrupts_it(publisher):
    ds = source(publisher)
    publisher.send(start_header(WATCH, "r", scan_shape=(4,)))
    publisher.send(*frame_message(WATCH, "r", 1, 0))
    publisher.restart()  # crashed and came back: no end for run r
    assert next(ds).index == 0
    with pytest.raises(swmrd.RunInterrupted, match="restarted") as caught:
        next(ds)
    assert caught.value.last_index == 0
    assert list(ds) == [] and ds.end_reason is None


def test_new_run_before_the_end_interrupts_and_next_run_gets_it(publisher):
    ds = source(publisher)
    publisher.send(start_header(WATCH, "a", scan_shape=(4,)))
    publisher.send(*frame_message(WATCH, "a", 1, 0))
    publisher.send_run(WATCH, "b", frames=2)
    assert next(ds).index == 0
    with pytest.raises(swmrd.RunInterrupted, match="new run"):
        next(ds)
    following = ds.next_run()
    assert [m.index for m in following] == [0, 1] and following.run == "b"
    following.close()


def test_next_run_misses_nothing_between_runs(publisher):
    ds = source(publisher)
    for run in ("a", "b", "c"):  # back to back, before anyone reads
        publisher.send_run(WATCH, run, frames=2)
    seen = []
    for _ in range(3):
        indices = [m.index for m in ds]
        seen.append((ds.run, indices))
        ds = ds.next_run()
    ds.close()
    assert seen == [("a", [0, 1]), ("b", [0, 1]), ("c", [0, 1])]


def test_runs_generator(publisher):
    publisher.send_run(WATCH, "a", frames=1)  # before subscribing: lost, as PUB/SUB does
    publisher.flush()
    iterator = swmrd.runs(publisher.endpoint, WATCH, timeout=10.0)
    first = next(iterator)
    publisher.send_run(WATCH, "b", frames=2)
    publisher.send_run(WATCH, "c", frames=1)
    assert [m.index for m in first] == [0, 1] and first.run == "b"
    second = next(iterator)
    assert [m.index for m in second] == [0] and second.run == "c"
    iterator.close()


def test_timeout_names_the_watch_and_what_the_daemon_lists(publisher):
    publisher.watches = ["other"]
    ds = source(publisher, timeout=0.3)
    with pytest.raises(swmrd.Timeout, match="does not list watch 'w'") as caught:
        next(ds)
    assert isinstance(caught.value, TimeoutError)
    assert "waiting for the start of a run" in str(caught.value)
    publisher.send_run(WATCH, "r", frames=1)  # still usable after a timeout
    assert [m.index for m in ds] == [0]


def test_no_daemon_at_the_endpoint():
    silent = zmq.Context.instance().socket(zmq.PUB)
    silent.setsockopt(zmq.LINGER, 0)
    silent.bind("tcp://127.0.0.1:*")
    endpoint = silent.getsockopt_string(zmq.LAST_ENDPOINT)
    try:
        with pytest.raises(swmrd.Timeout, match="no heartbeat from swmrd at " + endpoint):
            swmrd.DataSource(endpoint, WATCH, ready_timeout=0.3)
    finally:
        silent.close()


def test_bad_watch_names_are_refused():
    for name in ("", "_daemon", "a/b", "x" * 65):
        with pytest.raises(ValueError, match="not a watch name"):
            swmrd.DataSource("tcp://127.0.0.1:1", name, ready_timeout=None)


def test_protocol_version_mismatch(publisher):
    ds = source(publisher)
    head = start_header(WATCH, "r")
    head["v"] = 2
    publisher.send(head)
    with pytest.raises(swmrd.ProtocolError, match="protocol version 2"):
        next(ds)


def test_payload_size_mismatch(publisher):
    ds = source(publisher)
    publisher.send(start_header(WATCH, "r"))
    head, payload = frame_message(WATCH, "r", 1, 0)
    publisher.send(head, [payload[0][:-2]])
    with pytest.raises(swmrd.ProtocolError, match="payload is 10 bytes, header says 12"):
        next(ds)


def test_next_run_after_a_restart(publisher):
    ds = source(publisher)
    publisher.send(start_header(WATCH, "r", scan_shape=(4,)))
    publisher.restart()
    publisher.send_run(WATCH, "after", frames=2)
    with pytest.raises(swmrd.RunInterrupted):
        list(ds)
    following = ds.next_run()
    assert [m.index for m in following] == [0, 1] and following.end_reason == "finished"
    following.close()
