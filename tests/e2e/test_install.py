"""The daemon as installed (`cmake --install`, as the .deb lays it out): swmrd in sbin finds
its reader process in libexec under the same prefix, and streams a file."""

import os
import subprocess

import pytest

from harness import Daemon, run_sim, watch_spec

BUILD = os.environ.get("SWMRD_BUILD_DIR")


def test_the_installed_daemon_finds_its_reader(tmp_path, monkeypatch):
    stage = tmp_path / "stage"
    if not BUILD:
        pytest.skip("SWMRD_BUILD_DIR (the build to install) is not set: CTest sets it")
    subprocess.run(["cmake", "--install", BUILD, "--prefix", "/usr"],
                   env={**os.environ, "DESTDIR": str(stage)}, check=True, capture_output=True)
    swmrd = stage / "usr" / "sbin" / "swmrd"
    assert (stage / "usr" / "libexec" / "swmrd" / "swmrd-reader").exists()
    monkeypatch.setattr("harness.SWMRD", str(swmrd))
    monkeypatch.delenv("SWMRD_READER", raising=False)
    path = tmp_path / "scan.h5"
    workdir = tmp_path / "daemon"
    workdir.mkdir()
    daemon = Daemon(workdir, [watch_spec("det", path, finished="/entry/finished")])
    try:
        sub = daemon.subscriber("det/")
        sub.wait_ready()
        run_sim(path, "--scan-shape", 5)
        start, *frames, end = sub.run("det")
        assert end.header["reason"] == "finished" and len(frames) == 5, end.header
    finally:
        assert daemon.stop() == 0, daemon.log()
