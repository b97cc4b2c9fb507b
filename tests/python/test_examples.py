"""The minimal subscribers of docs/protocol.md (docs/examples/subscriber.py and the C++
example_subscriber) against the real daemon: both print the run swmr-sim wrote, the same
lines, with the right sums."""

import subprocess
import sys

import pytest

from support import REPO, WAIT_S, binary, expected_frame, run_sim, watch_spec

EXAMPLE_PY = REPO / "docs" / "examples" / "subscriber.py"


def expected_lines(path):
    lines = [f"start {path} scan_shape=[2, 3]"]
    for index in range(6):
        a, b = divmod(index, 3)
        for d, name in enumerate(["/entry/data/data", "/entry/data/data_1"]):
            total = int(expected_frame(d, index, (4, 5), "<i4").sum())
            lines.append(f"frame {index} ({a}:{a + 1}, {b}:{b + 1}) {name} <i4 "
                         f"[1, 1, 4, 5] sum={total}")
    lines.append("end complete frames=6")
    return lines


def run_example(command, daemon, tmp_path):
    subscriber = subprocess.Popen(command + [daemon.publish, "grid"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
    try:
        # It says so once a heartbeat proved its subscription: the scan may start.
        first = subscriber.stdout.readline()
        assert first == f"subscribed to grid at {daemon.publish}\n", (
            first, subscriber.stderr.read() if subscriber.poll() is not None else "")
        path = tmp_path / f"grid-{len(list(tmp_path.glob('grid-*.h5')))}.h5"
        run_sim(path, "--scan-shape", "2x3", "--fixed", "--frame-shape", "4x5", "--dtype",
                "i4", "--datasets", 2, "--no-finished")
        out, err = subscriber.communicate(timeout=WAIT_S)
    finally:
        if subscriber.poll() is None:
            subscriber.kill()
            subscriber.wait()
    assert subscriber.returncode == 0, err
    assert err == ""  # no gap reported
    return path, out.splitlines()


@pytest.fixture
def daemon(start_daemon, tmp_path):
    spec = watch_spec("grid", tmp_path / "grid-*.h5",
                      datasets=["/entry/data/data", "/entry/data/data_1"], timeout="5s")
    return start_daemon(watches=[spec])


def test_python_example(daemon, tmp_path):
    path, lines = run_example([sys.executable, str(EXAMPLE_PY)], daemon, tmp_path)
    assert lines == expected_lines(path)


def test_cpp_example(daemon, tmp_path):
    path, lines = run_example([binary("EXAMPLE_SUBSCRIBER_BIN")], daemon, tmp_path)
    assert lines == expected_lines(path)
