"""Files coming and going: patterns, replaced files, config reloads."""

import os
import signal
import time

from harness import check_run, run_sim, watch_spec, write_config


def test_pattern_watch_runs_each_new_file(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("det", tmp_path / "scan-*.h5",
                                              finished="/entry/finished")])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    runs = []
    for n, frames in enumerate((3, 5, 4)):
        path = tmp_path / f"scan-{n}.h5"
        run_sim(path, "--scan-shape", frames)
        messages = sub.run("det")
        check_run(messages, "det", frames, reason="finished")
        assert messages[0].header["file"] == str(path)
        runs.append(messages[0].header["run"])
    assert len(set(runs)) == 3


def test_pattern_watch_skips_old_files(start_daemon, tmp_path):
    old = tmp_path / "scan-old.h5"
    run_sim(old, "--scan-shape", 3)
    past = time.time() - 3600
    os.utime(old, (past, past))
    daemon = start_daemon(watches=[watch_spec("det", tmp_path / "scan-*.h5",
                                              finished="/entry/finished")])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    new = tmp_path / "scan-new.h5"
    run_sim(new, "--scan-shape", 2)
    messages = sub.run("det")
    assert messages[0].header["file"] == str(new)
    check_run(messages, "det", 2, reason="finished")


def test_replaced_file_is_a_new_run(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, finished="/entry/finished")])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    run_sim(path, "--scan-shape", 4)
    first = sub.run("det")
    check_run(first, "det", 4, reason="finished")
    assert daemon.request("status", watch="det")["watch"]["state"] == "idle"
    # Written beside and moved over the path, as acquisition systems replace files.
    staging = tmp_path / "staging.h5"
    run_sim(staging, "--scan-shape", 6)
    os.replace(staging, path)
    second = sub.run("det")
    check_run(second, "det", 6, reason="finished")
    assert second[0].header["run"] != first[0].header["run"]


def test_sighup_applies_a_changed_config(start_daemon, tmp_path):
    keep = watch_spec("keep", tmp_path / "keep.h5")
    change = watch_spec("change", tmp_path / "change.h5")
    drop = watch_spec("drop", tmp_path / "drop.h5")
    daemon = start_daemon(watches=[keep, change, drop], allowed_roots=[str(tmp_path)])
    assert daemon.request("start", watch=watch_spec("ctl", tmp_path / "ctl.h5"))["ok"]

    changed = dict(change, timeout="3s")
    added = watch_spec("added", tmp_path / "added.h5")
    write_config(daemon.config_path, [keep, changed, added],
                 allowed_roots=[str(tmp_path)], heartbeat="100ms")
    daemon.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    names = []
    while time.monotonic() < deadline:
        names = sorted(s["name"] for s in daemon.request("list")["watches"])
        if names == ["added", "change", "ctl", "keep"]:
            break
        time.sleep(0.05)
    assert names == ["added", "change", "ctl", "keep"]
    sources = {s["name"]: s["source"] for s in daemon.request("list")["watches"]}
    assert sources["ctl"] == "control" and sources["added"] == "config"


def test_sighup_with_a_bad_config_keeps_the_running_one(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("keep", tmp_path / "keep.h5")])
    daemon.config_path.write_text("watches:\n  - name: [unclosed\n")
    daemon.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "config reload failed" not in daemon.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "config reload failed" in daemon.log()
    assert [s["name"] for s in daemon.request("list")["watches"]] == ["keep"]
    assert daemon.request("ping")["ok"] is True


def test_sighup_narrowing_allowed_roots_stops_control_watches_now_outside(start_daemon,
                                                                          tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    daemon = start_daemon(allowed_roots=[str(tmp_path / "a"), str(tmp_path / "b")])
    assert daemon.request("start", watch=watch_spec("in_a", tmp_path / "a" / "x.h5"))["ok"]
    assert daemon.request("start", watch=watch_spec("in_b", tmp_path / "b" / "x.h5"))["ok"]
    write_config(daemon.config_path, allowed_roots=[str(tmp_path / "a")], heartbeat="100ms")
    daemon.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    names = None
    while time.monotonic() < deadline:
        names = [s["name"] for s in daemon.request("list")["watches"]]
        if names == ["in_a"]:
            break
        time.sleep(0.05)
    assert names == ["in_a"]
    assert "control watch in_b stopped" in daemon.log()


def test_sighup_narrowing_allowed_roots_applies_to_a_running_pattern_watch(start_daemon,
                                                                           tmp_path):
    data, other = tmp_path / "data", tmp_path / "other"
    data.mkdir()
    other.mkdir()
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    sub = daemon.subscriber("scans/")
    sub.wait_ready()
    spec = watch_spec("scans", data / "scan-*.h5", finished="/entry/finished", timeout="5s")
    assert daemon.request("start", watch=spec)["ok"]
    # The pattern stays inside the narrowed roots; a match that links out of them must not
    # be read any more.
    write_config(daemon.config_path, allowed_roots=[str(data)], heartbeat="100ms")
    daemon.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "config reloaded" not in daemon.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "config reloaded" in daemon.log()
    run_sim(other / "real.h5", "--scan-shape", 2)
    (data / "scan-1.h5").symlink_to(other / "real.h5")
    (end,) = sub.run("scans")
    assert end.header["reason"] == "error" and end.header["seq"] == 0
    assert str(data) in end.header["error"], end.header["error"]
