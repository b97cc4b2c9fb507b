"""Hostile files against the reader processes: every HDF5 read of a watch, a fetch or the
live view runs in a reader process confined to what it may read (Landlock), so a file whose
links, virtual sources or external storage lead out of allowed_roots reads nothing there and
ends its run with an error naming the file HDF5 tried; on a host without Landlock, control
watches refuse every other file, saying why. A reader that crashes or is killed ends its own
run and nothing else. Each escape runs with Landlock and with it turned off
(SWMRD_DISABLE_LANDLOCK=1)."""

import os
import signal
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from harness import ScriptedWriter, run_sim, watch_spec

SECRET = 7777  # every value of a secret file: no frame may ever carry it
KEYS = "/entry/keys/uid"
DATA = "/entry/data/data"


def landlock_available():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return libc.syscall(444, None, 0, 1) > 0


@pytest.fixture(params=["landlock", "none"])
def confinement(request):
    if request.param == "landlock" and not landlock_available():
        pytest.skip("this kernel offers no Landlock")
    return request.param


def daemon_for(start_daemon, confinement, root, **settings):
    """A daemon with `confinement` in force, as its ping, its log and /metrics say."""
    import urllib.request
    environment = {"SWMRD_DISABLE_LANDLOCK": "1"} if confinement == "none" else {}
    daemon = start_daemon(allowed_roots=[str(root)], environment=environment,
                          http="127.0.0.1:0", **settings)
    assert f"confinement:{confinement}" in daemon.request("ping")["features"]
    metrics = urllib.request.urlopen(f"http://{daemon.http_address}/metrics",
                                     timeout=10).read().decode()
    assert f'swmrd_reader_confinement_info{{mode="{confinement}"}} 1' in metrics
    expected = ("confined with Landlock" if confinement == "landlock"
                else "Landlock is not available")
    assert expected in daemon.log()
    return daemon


def write_secret(path):
    with h5py.File(path, "w", libver="latest") as f:
        f["data"] = np.full((4, 3), SECRET, dtype="<i8")
    return path


def write_virtual(path, source_name, source_dataset="/data", keys=True):
    """A file whose DATA is a virtual dataset over `source_name` (as written, relative or not)."""
    with h5py.File(path, "w", libver="latest") as f:
        if keys:
            f[KEYS] = np.arange(1, 5)
        layout = h5py.VirtualLayout(shape=(4, 3), dtype="<i8")
        layout[...] = h5py.VirtualSource(str(source_name), source_dataset, shape=(4, 3))
        f.require_group(str(Path(DATA).parent)).create_virtual_dataset(Path(DATA).name, layout,
                                                                       fillvalue=-1)
    return path


def assert_no_secret(messages):
    for message in messages:
        if message.kind == "frame":
            assert SECRET not in message.array(0), message


def ends_refusing(messages, confinement, names):
    """The run read nothing outside and ended with an error that names what it tried."""
    assert_no_secret(messages)
    end = messages[-1]
    assert end.kind == "end" and end.header["reason"] == "error", end
    error = end.header["error"]
    if confinement == "none":
        assert "Landlock is unavailable" in error, error
    else:
        assert any(name in error for name in names), (names, error)


def test_a_virtual_source_that_is_itself_virtual_out_of_the_roots(start_daemon, tmp_path,
                                                                  confinement):
    root = tmp_path / "data"
    root.mkdir()
    secret = write_secret(tmp_path / "secret.h5")
    write_virtual(root / "middle.h5", secret, keys=False)
    main = write_virtual(root / "main.h5", root / "middle.h5", source_dataset=DATA)
    daemon = daemon_for(start_daemon, confinement, root)
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", main, timeout="1s"))["ok"]
    ends_refusing(sub.run("det"), confinement, [str(secret)])


def test_a_virtual_source_with_external_storage_out_of_the_roots(start_daemon, tmp_path,
                                                                 confinement):
    root = tmp_path / "data"
    root.mkdir()
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.full((4, 3), SECRET, dtype="<i8").tobytes())
    with h5py.File(root / "middle.h5", "w", libver="latest") as f:
        f.create_dataset("data", shape=(4, 3), dtype="<i8", external=[(str(secret), 0, 96)])
    main = write_virtual(root / "main.h5", root / "middle.h5")
    daemon = daemon_for(start_daemon, confinement, root)
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", main, timeout="1s"))["ok"]
    ends_refusing(sub.run("det"), confinement, [str(secret)])


def test_a_relative_virtual_source_reached_through_an_external_link(start_daemon, tmp_path,
                                                                    confinement):
    # HDF5 looks for the relative name from the virtual dataset's folder (sub/), where it is a
    # link out of the roots; from the main file's folder it would be a harmless file.
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    secret = write_secret(tmp_path / "secret.h5")
    with h5py.File(root / "src.h5", "w", libver="latest") as f:
        f["data"] = np.ones((4, 3), dtype="<i8")
    (root / "sub" / "src.h5").symlink_to(secret)
    write_virtual(root / "sub" / "vds.h5", "src.h5", keys=False)
    main = root / "main.h5"
    with h5py.File(main, "w", libver="latest") as f:
        f[KEYS] = np.arange(1, 5)
        f[DATA] = h5py.ExternalLink("sub/vds.h5", DATA)
    daemon = daemon_for(start_daemon, confinement, root)
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", main, timeout="1s"))["ok"]
    messages = sub.run("det")
    if confinement == "none":
        ends_refusing(messages, confinement, [])
    else:
        ends_refusing(messages, confinement, [str(root / "sub" / "src.h5"), str(secret)])


def test_a_source_swapped_for_a_link_out_after_the_run_started(start_daemon, tmp_path):
    if not landlock_available():
        pytest.skip("this kernel offers no Landlock")
    root = tmp_path / "data"
    root.mkdir()
    secret = write_secret(tmp_path / "secret.h5")
    source = root / "src.h5"
    with h5py.File(source, "w", libver="latest") as f:
        f["data"] = np.ones((4, 3), dtype="<i8")
    main = root / "main.h5"
    writer = ScriptedWriter()
    writer.do(f"f = h5py.File({str(main)!r}, 'w', libver='latest')",
              f"f.create_dataset({KEYS!r}, shape=(4,), maxshape=(None,), dtype='<i8')",
              "layout = h5py.VirtualLayout(shape=(4, 3), dtype='<i8')",
              f"layout[...] = h5py.VirtualSource({str(source)!r}, '/data', shape=(4, 3))",
              "f.require_group('/entry/data').create_virtual_dataset('data', layout)",
              "f.swmr_mode = True")
    daemon = start_daemon(allowed_roots=[str(root)])
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", main, timeout="3s"))["ok"]
    assert sub.next().kind == "start"  # every check of the layout is behind it
    source.unlink()
    source.symlink_to(secret)
    writer.do(f"f[{KEYS!r}][...] = np.arange(1, 5)", "f.flush()")
    messages = sub.run("det")
    writer.close()
    assert_no_secret(messages)
    frames = [m for m in messages if m.kind == "frame"]
    end = messages[-1]
    # HDF5 may have opened the source before the swap (its frames are the harmless ones), or
    # tries it now and is refused: never the secret, never fill values as data.
    if end.header["reason"] == "error":
        assert str(source) in end.header["error"] or str(secret) in end.header["error"]
    else:
        assert [f.array(0).tolist() for f in frames] == [[[1, 1, 1]]] * 4


def test_the_working_folder_is_no_fallback_for_a_missing_source(start_daemon, tmp_path,
                                                                confinement):
    root = tmp_path / "data"
    root.mkdir()
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    write_secret(cwd / "elsewhere.h5")
    main = write_virtual(root / "main.h5", "elsewhere.h5")
    environment = {"SWMRD_DISABLE_LANDLOCK": "1"} if confinement == "none" else {}
    daemon = start_daemon(allowed_roots=[str(root)], environment=environment, cwd=cwd)
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", main, timeout="1s"))["ok"]
    messages = sub.run("det")
    assert_no_secret(messages)
    if confinement == "none":
        # Refused by name: a missing source (next to the file) is no reason to look elsewhere.
        assert messages[-1].header["reason"] == "error", messages[-1].header


def test_a_frame_shape_whose_size_overflows_is_refused_before_any_read(start_daemon, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    huge = root / "huge.h5"
    with h5py.File(huge, "w", libver="latest") as f:
        f[KEYS] = np.arange(1, 5)
        f.create_dataset(DATA, shape=(4, 2**52 + 1, 4096), dtype="u1", chunks=(1, 1, 4096))
    daemon = start_daemon(allowed_roots=[str(root)])
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("huge", huge, timeout="1s"))["ok"]
    (end,) = sub.run("huge")
    assert end.header["reason"] == "error"
    assert "more bytes than 64 bits can count" in end.header["error"], end.header
    assert "4503599627370497" in end.header["error"]
    assert daemon.request("ping")["ok"]


def test_a_reader_that_crashes_ends_its_run_and_nothing_else(start_daemon, tmp_path):
    victim, bystander = tmp_path / "victim.h5", tmp_path / "bystander.h5"
    writers = [run_sim(path, "--scan-shape", 100000, "--rate", 50, wait=False)
               for path in (victim, bystander)]
    try:
        daemon = start_daemon(watches=[watch_spec("bystander", bystander, timeout="5s")],
                              allowed_roots=[str(tmp_path)])
        sub = daemon.subscriber("")
        sub.wait_ready()
        while sub.next().header["watch"] != "bystander":
            pass
        before = set(daemon.reader_pids())
        assert daemon.request("start", watch=watch_spec("victim", victim, timeout="5s"))["ok"]
        while True:
            message = sub.next()
            if message.header["watch"] == "victim" and message.kind == "frame":
                break
        (pid,) = set(daemon.reader_pids()) - before - {None}
        # SIGKILL, as a crash ends it: a segfault would be caught by a sanitizer's handler
        # in the checking builds, which then exits its own way.
        os.kill(pid, signal.SIGKILL)
        while True:
            message = sub.next()
            if message.header["watch"] == "victim" and message.kind == "end":
                break
        assert message.header["reason"] == "error"
        assert "killed by signal 9" in message.header["error"], message.header
        # The bystander streams on, and control answers.
        frames = 0
        while frames < 5:
            message = sub.next()
            assert not (message.header["watch"] == "bystander" and message.kind == "end")
            frames += message.header["watch"] == "bystander" and message.kind == "frame"
        assert daemon.request("status", watch="bystander")["watch"]["state"] == "streaming"
        assert daemon.request("stop", watch="victim")["ok"]
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()


def test_fetch_and_latest_of_a_virtual_dataset_read_its_values(start_daemon, tmp_path):
    """A virtual-dataset file opened a second time (a fetch, `latest`, a second watch) is
    read by a process of its own: the values, never fill values."""
    import json
    import urllib.request
    root = tmp_path / "data"
    root.mkdir()
    with h5py.File(root / "frames.h5", "w", libver="latest") as f:
        f["data"] = np.arange(12, dtype="<i8").reshape(4, 3) + 100
    main = write_virtual(root / "main.h5", root / "frames.h5")
    daemon = start_daemon(allowed_roots=[str(root)], fetch="tcp://127.0.0.1:*",
                          http="127.0.0.1:0")
    sub = daemon.subscriber("")
    sub.wait_ready()
    for name in ("one", "two"):
        assert daemon.request("start", watch=watch_spec(name, main, timeout="30s"))["ok"]
    expected = (np.arange(12).reshape(4, 3) + 100).tolist()
    runs = {}
    seen = {"one": [], "two": []}
    while any(len(frames) < 4 for frames in seen.values()):
        message = sub.next()
        if message.kind == "frame":
            seen[message.header["watch"]].append(message.array(0).reshape(3).tolist())
            runs[message.header["watch"]] = message.header["run"]
    assert seen["one"] == expected and seen["two"] == expected
    fetcher = daemon.fetcher()
    fetcher.send(cmd="fetch", watch="one", run=runs["one"], **{"from": 0}, count=4)
    frames, closing = fetcher.answer()
    assert [m.array(0).reshape(3).tolist() for m in frames] == expected
    assert closing["ok"] is True
    url = f"http://{daemon.http_address}/api/v1/watches/two/latest?dataset={DATA}"
    deadline = time.monotonic() + 10
    while True:
        with urllib.request.urlopen(url, timeout=10) as response:
            latest = json.load(response)
        if latest["index"] == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert latest["values"] == expected[3]
