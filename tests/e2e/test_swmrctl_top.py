"""swmrctl top against the real daemon and a real swmr-sim writer: each watch with its state
and rates, plain blocks when stdout is not a terminal, the screen redrawn in place (and the
cursor given back) when it is, Ctrl-C exiting 0."""

import os
import pty
import select
import signal
import subprocess
import time

from harness import finish, run_sim, watch_spec

SWMRCTL = os.environ.get("SWMRCTL_BIN", "swmrctl")


def streaming_daemon(start_daemon, tmp_path, frames=400, rate=100):
    """A daemon whose config watch `det` is streaming swmr-sim's file, and the writer."""
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("det", path, timeout="20s")])
    writer = run_sim(path, "--scan-shape", frames, "--rate", rate, wait=False)
    deadline = time.monotonic() + 20
    while True:
        (status,) = daemon.request("list")["watches"]
        if status["state"] == "streaming" and status["frames"] > 0:
            return daemon, writer
        assert time.monotonic() < deadline, status
        time.sleep(0.02)


def table_rows(block):
    """A block's table as {watch name: {column: cell}}; no cell holds a space."""
    title, header, *rows = block.splitlines()
    assert title.startswith("swmrd at "), block
    columns = header.split()
    return {row.split()[0]: dict(zip(columns, row.split())) for row in rows}


def test_top_shows_the_watch_streaming_with_a_frame_rate(start_daemon, tmp_path):
    daemon, writer = streaming_daemon(start_daemon, tmp_path)
    top = subprocess.run([SWMRCTL, "-c", daemon.control_endpoint, "top", "--count", "3",
                          "--interval", "0.2"],
                         capture_output=True, text=True, timeout=60)
    finish(writer)
    assert top.returncode == 0, top.stderr
    assert top.stderr == ""
    assert "\x1b" not in top.stdout  # not a terminal: no escape codes
    blocks = top.stdout.rstrip("\n").split("\n\n")
    assert len(blocks) == 3, top.stdout
    rows = [table_rows(block)["det"] for block in blocks]
    assert [row["STATE"] for row in rows] == ["streaming"] * 3, top.stdout
    assert rows[0]["FILE"] == "scan.h5"
    assert rows[0]["FRAMES/S"] == "-"  # no earlier refresh to compare with
    rates = [float(row["FRAMES/S"]) for row in rows[1:]]
    assert max(rates) > 0, top.stdout
    assert int(rows[2]["FRAMES"]) >= int(rows[0]["FRAMES"]) > 0
    assert all(row["DROPPED"] == "0" and row["LOST"] == "0" for row in rows)


def test_a_daemon_that_does_not_answer_is_shown_not_fatal(tmp_path):
    # Port 1 (tcpmux) has no listener: no reply within the timeout.
    top = subprocess.run([SWMRCTL, "--timeout", "200ms", "-c", "tcp://127.0.0.1:1", "top",
                          "--count", "2", "--interval", "0.1"],
                         capture_output=True, text=True, timeout=60)
    assert top.returncode == 0, top.stderr
    blocks = top.stdout.rstrip("\n").split("\n\n")
    assert len(blocks) == 2
    assert all("daemon not answering" in block for block in blocks), top.stdout


def read_until(fd, wanted, timeout=20):
    """What a pseudo-terminal's master end reads until `wanted` appears in it."""
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        assert time.monotonic() < deadline, seen
        if select.select([fd], [], [], 0.1)[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the child closed its end
                break
    return seen


def test_ctrl_c_exits_0_and_gives_the_terminal_back(start_daemon, tmp_path):
    daemon, writer = streaming_daemon(start_daemon, tmp_path)
    master, slave = pty.openpty()
    top = subprocess.Popen([SWMRCTL, "-c", daemon.control_endpoint, "top", "--interval", "0.2"],
                           stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        # A terminal: the cursor hidden and the screen redrawn from its top left.
        screen = read_until(master, b"streaming")
        assert screen.startswith(b"\x1b[?25l"), screen
        assert b"\x1b[H" in screen and b"det" in screen
        top.send_signal(signal.SIGINT)
        assert top.wait(timeout=10) == 0, top.stderr.read()
        rest = read_until(master, b"\x1b[?25h")  # the cursor shown again
        assert rest.endswith(b"\x1b[?25h"), rest
    finally:
        if top.poll() is None:
            top.kill()
        os.close(master)
        finish(writer)
