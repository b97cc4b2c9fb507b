"""A file on a filesystem that stops answering (a FUSE passthrough whose reads block while a
flag file exists, as a network filesystem whose server went away): the read is stuck in the
watch's reader process, never in the daemon. The control channel still answers, `stop` ends
the run at once (its reader is killed), a reader that does not answer in its patience is
killed and its run ends with an error, heartbeats go on, and the daemon stops cleanly."""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness import run_sim, watch_spec, write_config

BLOCKING_FS = Path(__file__).with_name("blocking_fs.py")


def fuse_unavailable():
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse on this machine"
    try:
        import fusepy  # noqa: F401
    except ImportError:
        return "python3-fusepy is not installed (deploy/install-deps.sh installs it)"
    return None


@pytest.fixture
def hung_mount(tmp_path):
    """(backing folder, mount point, flag): reads through the mount block while flag exists."""
    reason = fuse_unavailable()
    if reason:
        pytest.skip(reason)
    backing, mount, flag = tmp_path / "backing", tmp_path / "mount", tmp_path / "flag"
    backing.mkdir()
    mount.mkdir()
    process = subprocess.Popen(["/usr/bin/python3", str(BLOCKING_FS), str(backing), str(mount),
                                str(flag)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not os.path.ismount(mount):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.skip("the FUSE filesystem did not mount: " +
                        process.stderr.read().decode(errors="replace")[-300:])
        time.sleep(0.02)
    try:
        yield backing, mount, flag
    finally:
        if flag.exists():
            flag.unlink()
        subprocess.run(["umount", "-l", str(mount)], check=False)
        process.wait(timeout=30)


@contextlib.contextmanager
def stuck_beside_healthy(start_daemon, hung_mount, monkeypatch, tmp_path, stuck_timeout):
    """A daemon with two config watches written at 50 Hz: `stuck`, on the mount, with
    `stuck_timeout`, and `healthy`, on a plain folder: (daemon, stuck subscriber, healthy
    subscriber, the mount's flag). The writers are stopped and the flag removed afterwards."""
    backing, mount, flag = hung_mount
    monkeypatch.setenv("HDF5_USE_FILE_LOCKING", "FALSE")
    daemon = start_daemon(watches=[watch_spec("stuck", mount / "scan.h5", timeout=stuck_timeout),
                                   watch_spec("healthy", tmp_path / "healthy.h5",
                                              timeout="60s")])
    sub = daemon.subscriber("stuck/")
    healthy = daemon.subscriber("healthy/")
    sub.wait_ready()
    healthy.wait_ready()
    stuck_writer = run_sim(backing / "scan.h5", "--scan-shape", 100000, "--rate", 50,
                           "--no-finished", wait=False)
    healthy_writer = run_sim(tmp_path / "healthy.h5", "--scan-shape", 100000, "--rate", 50,
                             "--no-finished", wait=False)
    try:
        yield daemon, sub, healthy, flag
    finally:
        flag.unlink(missing_ok=True)
        for writer in (stuck_writer, healthy_writer):
            writer.kill()
            writer.wait()


def test_stop_answers_at_once_while_a_watch_is_stuck_in_a_read(start_daemon, hung_mount,
                                                               monkeypatch):
    backing, mount, flag = hung_mount
    # Locks do not cross this passthrough; sites on network filesystems turn them off too.
    monkeypatch.setenv("HDF5_USE_FILE_LOCKING", "FALSE")
    daemon = start_daemon(allowed_roots=[str(mount)], heartbeat="100ms")
    writer = run_sim(backing / "scan.h5", "--scan-shape", 100000, "--rate", 50,
                     "--no-finished", wait=False)
    try:
        sub = daemon.subscriber("stuck/")
        sub.wait_ready()
        assert daemon.request("start", watch=watch_spec("stuck", mount / "scan.h5",
                                                        timeout="60s"))["ok"]
        assert sub.next().kind == "start"
        for _ in range(3):
            assert sub.next().kind == "frame"
        flag.touch()  # the server stops answering: the watch's next read blocks
        while True:  # frames already read drain; then nothing more comes
            try:
                sub.next(timeout=2.0)
            except TimeoutError:
                break
        reply = daemon.request("stop", watch="stuck")
        assert reply["ok"] is True and reply["watch"] == "stuck"
        assert daemon.request("ping")["ok"] is True
        assert daemon.request("list")["watches"] == []
        # The stuck read was in the watch's reader process, which the stop killed: the run
        # ends at once, without waiting for the filesystem.
        end = sub.next(kinds=("end",), timeout=10)
        assert end.header["reason"] == "stopped", end.header
        # Heartbeats go on while the filesystem is stuck.
        assert sub.next(kinds=("heartbeat",), timeout=10).header["kind"] == "heartbeat"
    finally:
        writer.kill()
        writer.wait()


def stick(sub, flag, frames=3):
    """Waits for a run's start and a few frames, then makes the filesystem stop answering and
    waits until what was already read has drained."""
    assert sub.next().kind == "start"
    for _ in range(frames):
        assert sub.next().kind == "frame"
    flag.touch()
    while True:
        try:
            sub.next(timeout=2.0)
        except TimeoutError:
            return


def test_a_reload_changing_a_stuck_config_watch_answers_at_once(start_daemon, hung_mount,
                                                                monkeypatch):
    backing, mount, flag = hung_mount
    monkeypatch.setenv("HDF5_USE_FILE_LOCKING", "FALSE")
    daemon = start_daemon(watches=[watch_spec("stuck", mount / "scan.h5", timeout="60s")],
                          heartbeat="100ms")
    sub = daemon.subscriber("stuck/")
    sub.wait_ready()
    writer = run_sim(backing / "scan.h5", "--scan-shape", 100000, "--rate", 50,
                     "--no-finished", wait=False)
    try:
        stick(sub, flag)
        # Changed: the old watch is stuck in a read, so it cannot end; the reload must not
        # wait for it.
        write_config(daemon.config_path,
                     [watch_spec("stuck", mount / "scan.h5", timeout="50s")], heartbeat="100ms")
        daemon.signal(signal.SIGHUP)
        # The old run ends at once (its stuck reader is killed); the new watch's reader waits
        # on the filesystem to open the file.
        end = sub.next(kinds=("end", "start"), timeout=10)
        assert end.kind == "end" and end.header["reason"] == "stopped", end.header
        deadline = time.monotonic() + 10
        while "config reloaded" not in daemon.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "config reloaded" in daemon.log()
        assert daemon.request("ping")["ok"] is True
        listed = daemon.request("list")["watches"]
        assert [(w["name"], w["state"]) for w in listed] == [("stuck", "waiting")]
        assert sub.next(kinds=("heartbeat",), timeout=10).header["kind"] == "heartbeat"
        # Answering again: the new watch starts its own run.
        flag.unlink()
        start = sub.next(kinds=("end", "start"), timeout=30)
        assert start.kind == "start" and start.header["run"] != end.header["run"]
        assert start.header["timeout"] == 50.0
    finally:
        writer.kill()
        writer.wait()


def test_sigterm_ends_every_other_run_while_a_watch_is_stuck(start_daemon, hung_mount,
                                                             monkeypatch, tmp_path):
    with stuck_beside_healthy(start_daemon, hung_mount, monkeypatch, tmp_path,
                              "60s") as (daemon, sub, healthy, flag):
        assert healthy.next().kind == "start"
        stick(sub, flag)
        began = time.monotonic()
        daemon.signal(signal.SIGTERM)
        # Within the unit's TimeoutStopSec (15 s): the healthy run's end. Its reads never wait
        # on the stuck one's: each reader process has an HDF5 of its own.
        end = healthy.next(kinds=("end",), timeout=15)
        assert end.header["reason"] == "shutdown", end.header
        # The stuck run ends as every other: its reader, stuck in the read, is killed.
        stuck_end = sub.next(kinds=("end",), timeout=15)
        assert stuck_end.header["reason"] == "shutdown", stuck_end.header
        assert time.monotonic() - began < 15
        assert daemon.stop() == 0


def test_a_reader_that_stops_answering_is_killed_and_only_its_run_ends(start_daemon, hung_mount,
                                                                       monkeypatch, tmp_path):
    # A timeout of 1 s: the reader gets its minimum patience, 5 s, to answer any request.
    with stuck_beside_healthy(start_daemon, hung_mount, monkeypatch, tmp_path,
                              "1s") as (daemon, sub, healthy, flag):
        assert healthy.next().kind == "start"
        assert sub.next().kind == "start"
        assert sub.next().kind == "frame"
        flag.touch()
        end = sub.next(kinds=("end",), timeout=30)
        assert end.header["reason"] == "error", end.header
        assert "did not answer within 5 s" in end.header["error"], end.header
        assert daemon.request("ping")["ok"] is True
        # The other watch streamed throughout and still does.
        for _ in range(5):
            assert healthy.next().kind == "frame"
        flag.unlink()
