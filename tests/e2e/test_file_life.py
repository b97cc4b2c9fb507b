"""The life of a file: retried after a failed opening, ended when it is deleted, replaced or
truncated under its run, and a file rewritten in place run again as a run of its own."""

import os
import signal

from harness import ScriptedWriter, run_sim, watch_spec


def write_complete(path, frames, env=None):
    """A finished-less file of `frames` frames whose keys may still grow: a live run waits.
    Written by a process of its own, which `env` may give HDF5_USE_FILE_LOCKING=FALSE."""
    writer = ScriptedWriter(env)
    writer.do(f"f = h5py.File({str(path)!r}, 'w', libver='latest')",
              f"f.create_dataset('keys', data=np.ones({frames}, dtype='i4'), maxshape=(None,))",
              f"f.create_dataset('data', data=np.arange({frames * 2}, dtype='<u2')"
              f".reshape({frames}, 2), maxshape=(None, 2))",
              "f.close()")
    writer.close()


def follow(daemon, name, path, keys=("/keys",), datasets=("/data",), **fields):
    sub = daemon.subscriber(name + "/")
    sub.wait_ready()
    spec = watch_spec(name, path, keys=keys, datasets=datasets, **fields)
    assert daemon.request("start", watch=spec)["ok"]
    return sub


def frames_then(sub, count):
    start = sub.next()
    assert start.kind == "start", start
    for i in range(count):
        assert sub.next().header["index"] == i
    return start


def test_a_file_whose_opening_timed_out_is_tried_again_once_its_writer_starts(start_daemon,
                                                                              tmp_path):
    path = tmp_path / "slow.h5"
    writer = ScriptedWriter()
    # Created and held without SWMR mode: readers cannot open it (the writer holds the lock).
    writer.do(f"f = h5py.File({str(path)!r}, 'w', libver='latest')",
              "k = f.create_dataset('keys', (0,), maxshape=(None,), dtype='i4', chunks=(64,))",
              "d = f.create_dataset('data', (0, 2), maxshape=(None, 2), dtype='<u2', "
              "chunks=(1, 2))",
              "fin = f.create_dataset('finished', data=0)", "f.flush()")
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    sub = follow(daemon, "slow", path, finished="/finished", timeout="300ms")
    failed = sub.next()
    assert failed.kind == "end" and failed.header["seq"] == 0
    assert "could not be opened for SWMR reading within the watch's timeout" in \
        failed.header["error"]
    assert daemon.request("status", watch="slow")["watch"]["file_state"] == "failed"

    writer.do("f.swmr_mode = True", "d.resize((2, 2)); d[:] = 7; d.flush()",
              "k.resize((2,)); k[:] = 1; k.flush()", "fin[()] = 1; fin.flush()")
    start, *frames, end = sub.run("slow")
    writer.close()
    assert start.kind == "start" and start.header["run"] != failed.header["run"]
    assert [m.header["index"] for m in frames] == [0, 1]
    assert end.header["reason"] == "finished"
    assert daemon.request("status", watch="slow")["watch"]["file_state"] == "done"


def test_a_file_deleted_under_its_run_ends_it_saying_so(start_daemon, tmp_path):
    path = tmp_path / "gone.h5"
    writer = run_sim(path, "--scan-shape", 100000, "--rate", 50, "--no-finished", wait=False)
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    sub = follow(daemon, "gone", path, keys=("/entry/keys/uid",),
                 datasets=("/entry/data/data",), timeout="30s")
    frames_then(sub, 3)
    os.unlink(path)
    while (message := sub.next()).kind != "end":
        assert message.kind == "frame"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert message.header["reason"] == "error"
    assert message.header["error"] == f"{path} was deleted while its run was live"


def test_a_file_replaced_under_its_run_ends_it_and_the_new_one_runs(start_daemon, tmp_path):
    path = tmp_path / "scan.h5"
    write_complete(path, 3)
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    sub = follow(daemon, "swap", path, timeout="30s")
    first = frames_then(sub, 3)
    write_complete(tmp_path / "staging.h5", 5)
    os.replace(tmp_path / "staging.h5", path)
    end = sub.next()
    assert end.kind == "end" and end.header["run"] == first.header["run"]
    assert end.header["reason"] == "error"
    assert end.header["error"] == f"{path} was replaced by another file while its run was live"
    second = frames_then(sub, 5)
    assert second.header["run"] != first.header["run"]


def test_a_file_rewritten_in_place_ends_its_run_and_gets_a_run_of_its_own(start_daemon,
                                                                          tmp_path):
    path = tmp_path / "scan.h5"
    write_complete(path, 6)
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    sub = follow(daemon, "again", path, timeout="30s")
    first = frames_then(sub, 6)
    identity = os.stat(path).st_ino
    # h5py "w": truncated and written anew, same inode. The reader's lock would refuse it
    # where locking works; sites on network filesystems turn locking off.
    write_complete(path, 2, env={**os.environ, "HDF5_USE_FILE_LOCKING": "FALSE"})
    assert os.stat(path).st_ino == identity
    end = sub.next()
    assert end.kind == "end" and end.header["reason"] == "error"
    assert "was truncated" in end.header["error"] and "written anew" in end.header["error"]
    second = frames_then(sub, 2)
    assert second.header["run"] != first.header["run"]
