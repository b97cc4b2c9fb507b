"""The control channel: every command, and every error code with its message."""

import time

import msgpack

from harness import run_sim, watch_spec


def test_ping(start_daemon):
    daemon = start_daemon()
    reply = daemon.request("ping")
    assert reply["ok"] is True
    assert reply["protocol"] == 1
    assert isinstance(reply["version"], str) and reply["version"]
    assert reply["uptime"] >= 0.0


def test_start_list_status_stop(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    spec = watch_spec("det", tmp_path / "absent.h5", timeout="2s")
    assert daemon.request("start", watch=spec) == {"ok": True, "watch": "det"}
    (status,) = daemon.request("list")["watches"]
    assert status["name"] == "det"
    assert status["file"] == str(tmp_path / "absent.h5")
    assert status["source"] == "control"
    assert status["state"] == "waiting"
    assert status["current_file"] is None and status["run"] is None
    assert status["frames"] == 0 and status["bytes"] == 0
    assert status["last_index"] == -1 and status["dropped"] == 0 and status["error"] is None
    assert daemon.request("status", watch="det") == {"ok": True, "watch": status}
    assert daemon.request("stop", watch="det") == {"ok": True, "watch": "det", "frames": 0}
    assert daemon.request("list") == {"ok": True, "watches": [], "subscribers": 0,
                                      "peers_cut": 0}


def test_peers_lists_each_subscriber_and_fetch_client_with_its_address(start_daemon):
    daemon = start_daemon(fetch="tcp://127.0.0.1:*")
    assert daemon.request("peers") == {"ok": True, "peers": [], "peers_cut": 0}
    before = time.time()
    sub = daemon.subscriber()
    sub.wait_ready()
    fetcher = daemon.fetcher()
    _, closing = fetcher.fetch(watch="none", run="none", **{"from": 0, "count": 1})
    assert closing["error"]["code"] == "not_found"
    peers = daemon.request("peers")["peers"]
    assert sorted(p["channel"] for p in peers) == ["fetch", "publish"]
    for peer in peers:
        assert set(peer) == {"channel", "address", "since", "queued", "progress"}
        assert peer["address"].startswith("127.0.0.1:")
        assert before - 1 <= peer["since"] <= peer["progress"] <= time.time() + 1
        assert peer["queued"] == 0  # each took all it was sent
    assert daemon.request("list")["subscribers"] == 1
    sub.close()
    deadline = time.monotonic() + 30
    while [p["channel"] for p in daemon.request("peers")["peers"]] != ["fetch"]:
        assert time.monotonic() < deadline, daemon.request("peers")
        time.sleep(0.05)
    # Leaving is not being cut.
    assert daemon.request("peers")["peers_cut"] == 0
    fetcher.close()


def test_config_watches_are_listed_with_their_source(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("cfg", tmp_path / "a.h5")])
    (status,) = daemon.request("list")["watches"]
    assert status["name"] == "cfg" and status["source"] == "config"
    # stop removes a config watch too (it comes back at the next reload)
    assert daemon.request("stop", watch="cfg")["ok"] is True
    assert daemon.request("list")["watches"] == []


def error_of(reply):
    assert reply["ok"] is False, reply
    assert set(reply) == {"ok", "error"}
    return reply["error"]["code"], reply["error"]["message"]


def test_not_msgpack_is_bad_request(start_daemon):
    daemon = start_daemon()
    code, message = error_of(daemon.request_bytes(b"\xc1\xc1 not msgpack"))
    assert code == "bad_request"
    assert daemon.request("ping")["ok"] is True  # still answering


def test_not_a_map_is_bad_request(start_daemon):
    daemon = start_daemon()
    code, message = error_of(daemon.request_bytes(msgpack.packb(["ping"])))
    assert code == "bad_request" and "map" in message


def test_missing_cmd_is_bad_request(start_daemon):
    daemon = start_daemon()
    code, message = error_of(daemon.request_bytes(msgpack.packb({"watch": "x"})))
    assert code == "bad_request" and "cmd" in message


def test_unknown_field_is_bad_request(start_daemon):
    daemon = start_daemon()
    code, message = error_of(daemon.request("ping", colour="blue"))
    assert code == "bad_request" and "colour" in message


def test_mistyped_field_is_bad_request(start_daemon):
    daemon = start_daemon()
    code, message = error_of(daemon.request("status", watch=42))
    assert code == "bad_request" and "watch" in message


def test_unknown_command(start_daemon):
    daemon = start_daemon()
    code, message = error_of(daemon.request("reboot"))
    assert code == "unknown_command" and "reboot" in message


def test_not_found(start_daemon):
    daemon = start_daemon()
    for cmd in ("stop", "status"):
        code, message = error_of(daemon.request(cmd, watch="ghost"))
        assert code == "not_found" and "ghost" in message


def test_exists(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    spec = watch_spec("det", tmp_path / "a.h5")
    assert daemon.request("start", watch=spec)["ok"] is True
    code, message = error_of(daemon.request("start", watch=spec))
    assert code == "exists" and "det" in message
    assert len(daemon.request("list")["watches"]) == 1


def test_forbidden_outside_allowed_roots(start_daemon, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    daemon = start_daemon(allowed_roots=[str(root)])
    for path in ("/etc/passwd", str(root) + "2/x.h5", str(root / ".." / "escape.h5")):
        code, message = error_of(daemon.request("start", watch=watch_spec("det", path)))
        assert code == "forbidden", path
        assert "allowed" in message
    assert daemon.request("list")["watches"] == []


def test_forbidden_when_no_roots_are_configured(start_daemon, tmp_path):
    daemon = start_daemon()
    code, message = error_of(daemon.request("start", watch=watch_spec("det", tmp_path / "a.h5")))
    assert code == "forbidden"


def test_bad_watch_spec_is_bad_request_naming_the_key(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    spec = watch_spec("det", tmp_path / "a.h5", timeout="ten seconds")
    code, message = error_of(daemon.request("start", watch=spec))
    assert code == "bad_request" and "timeout" in message
    spec = watch_spec("_reserved", tmp_path / "a.h5")
    code, message = error_of(daemon.request("start", watch=spec))
    assert code == "bad_request" and "name" in message
    spec = watch_spec("det", tmp_path / "a.h5", colour="blue")
    code, message = error_of(daemon.request("start", watch=spec))
    assert code == "bad_request" and "colour" in message
    assert daemon.request("list")["watches"] == []


def test_oversized_request_is_refused_and_the_daemon_carries_on(start_daemon):
    daemon = start_daemon()
    code, message = error_of(daemon.request("ping", padding="x" * (2 << 20)))
    assert code == "bad_request" and "1 MiB" in message
    assert daemon.request("ping")["ok"] is True
    # Past 4 MiB the connection is dropped unread: nothing that large is buffered.
    import zmq
    socket = daemon.context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(daemon.control_endpoint)
    socket.send(msgpack.packb({"cmd": "ping", "padding": "x" * (8 << 20)}))
    assert not socket.poll(500)
    socket.close()
    assert daemon.request("ping")["ok"] is True


def test_a_watch_without_inotify_says_so_in_its_status_and_still_finds_its_file(start_daemon,
                                                                                tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    folder = tmp_path / "not-yet"
    sub = daemon.subscriber("late/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("late", folder / "scan.h5", timeout="2s",
                                                    finished="/entry/finished"))["ok"]
    warning = daemon.request("status", watch="late")["watch"]["warning"]
    deadline = time.monotonic() + 10
    while warning is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the watch's thread has not looked at its folder yet
        warning = daemon.request("status", watch="late")["watch"]["warning"]
    assert warning is not None and "inotify" in warning and str(folder) in warning
    folder.mkdir()
    run_sim(folder / "scan.h5", "--scan-shape", 3)
    start, *frames, end = sub.run("late")
    assert len(frames) == 3 and end.header["reason"] == "finished"


def test_max_watches_refuses_one_more_and_says_so(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)], max_watches=2)
    for n in range(2):
        assert daemon.request("start", watch=watch_spec(f"w{n}", tmp_path / f"{n}.h5"))["ok"]
    code, message = error_of(daemon.request("start", watch=watch_spec("w2", tmp_path / "2.h5")))
    assert code == "forbidden" and "max_watches" in message
    assert daemon.request("stop", watch="w0")["ok"]
    assert daemon.request("start", watch=watch_spec("w2", tmp_path / "2.h5"))["ok"]


def test_a_huge_watch_spec_is_refused_quickly_naming_the_limit(start_daemon, tmp_path):
    daemon = start_daemon(allowed_roots=[str(tmp_path)])
    datasets = [f"/entry/d{i}" for i in range(50000)]
    spec = watch_spec("big", tmp_path / "x.h5", datasets=datasets)
    code, message = error_of(daemon.request("start", watch=spec))
    assert code == "bad_request" and "at most 4096" in message
    duplicates = watch_spec("dup", tmp_path / "x.h5",
                            datasets=[f"/entry/d{i}" for i in range(4000)] + ["/entry/d7"])
    code, message = error_of(daemon.request("start", watch=duplicates))
    assert code == "bad_request" and "datasets[4000]" in message and "datasets[7]" in message
    assert daemon.request("list")["watches"] == []


def test_multipart_request_is_refused(start_daemon):
    daemon = start_daemon()
    import zmq
    socket = daemon.context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(daemon.control_endpoint)
    socket.send_multipart([msgpack.packb({"cmd": "ping"}), b"extra"])
    assert socket.poll(10000)
    reply = msgpack.unpackb(socket.recv(), raw=False)
    socket.close()
    code, message = error_of(reply)
    assert code == "bad_request" and "part" in message


def test_heartbeat(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("cfg", tmp_path / "a.h5")])
    sub = daemon.subscriber("nothing-else/")
    first = sub.next(kinds=("heartbeat",))
    second = sub.next(kinds=("heartbeat",))
    assert first.topic == "_daemon/heartbeat"
    header = first.header
    assert header["v"] == 1 and header["watch"] == "_daemon"
    assert header["period"] == 0.1
    assert header["watches"] == ["cfg"]
    assert header["host"] and header["version"]
    assert second.header["run"] == header["run"]
    assert second.header["seq"] == header["seq"] + 1


def test_a_control_watch_never_follows_a_match_out_of_the_roots(start_daemon, tmp_path):
    from harness import run_sim
    root = tmp_path / "data"
    root.mkdir()
    outside = tmp_path / "outside.h5"
    run_sim(outside, "--scan-shape", 2)
    daemon = start_daemon(allowed_roots=[str(root)])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", root / "scan-*.h5"))["ok"] is True
    (root / "scan-1.h5").symlink_to(outside)
    (end,) = sub.run("det")
    assert end.header["reason"] == "error" and end.header["seq"] == 0
    assert "allowed roots" in end.header["error"]


def linked_file(root, outside):
    """A file inside the root whose datasets live in `outside`, by three kinds of link."""
    import h5py
    import numpy as np
    with h5py.File(outside, "w", libver="latest") as f:
        f["keys"] = np.arange(1, 5)
        f["data"] = np.arange(4 * 3).reshape(4, 3)
    files = {}
    for kind in ("external", "soft_to_external", "virtual"):
        path = root / f"{kind}.h5"
        with h5py.File(path, "w", libver="latest") as f:
            f["/entry/keys/uid"] = np.arange(1, 5)
            if kind == "external":
                f["/entry/data/data"] = h5py.ExternalLink(str(outside), "/data")
            elif kind == "soft_to_external":
                f["/ext"] = h5py.ExternalLink(str(outside), "/")
                f["/entry/data/data"] = h5py.SoftLink("/ext/data")
            else:
                layout = h5py.VirtualLayout(shape=(4, 3), dtype="i8")
                layout[...] = h5py.VirtualSource(str(outside), "/data", shape=(4, 3))
                f.create_group("/entry/data").create_virtual_dataset("data", layout)
        files[kind] = path
    return files


def test_a_control_watch_never_follows_links_out_of_its_file(start_daemon, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    files = linked_file(root, tmp_path / "secret.h5")
    daemon = start_daemon(allowed_roots=[str(root)])
    sub = daemon.subscriber("")
    sub.wait_ready()
    for kind, path in files.items():
        spec = watch_spec(kind, path, timeout="1s")
        assert daemon.request("start", watch=spec)["ok"] is True
        messages = sub.run(kind)
        assert [m.kind for m in messages] == ["end"], (kind, messages)
        error = messages[0].header["error"]
        assert messages[0].header["reason"] == "error"
        assert "allowed roots" in error, (kind, error)
        expected = "virtual dataset" if kind == "virtual" else "external link"
        assert expected in error and "/entry/data/data" in error, (kind, error)


def test_a_control_watch_follows_links_whose_targets_are_inside_the_roots(start_daemon,
                                                                          tmp_path):
    root = tmp_path / "data"
    (root / "detector").mkdir(parents=True)
    files = linked_file(root, root / "detector" / "frames.h5")
    import h5py
    import numpy as np
    own = root / "virtual_self.h5"
    with h5py.File(own, "w", libver="latest") as f:
        f["/entry/keys/uid"] = np.arange(1, 5)
        f["/stack"] = np.arange(4 * 3).reshape(4, 3)
        layout = h5py.VirtualLayout(shape=(4, 3), dtype="i8")
        layout[...] = h5py.VirtualSource(".", "/stack", shape=(4, 3))
        f.create_group("/entry/data").create_virtual_dataset("data", layout)
    files["virtual_self"] = own
    daemon = start_daemon(allowed_roots=[str(root)])
    sub = daemon.subscriber("")
    sub.wait_ready()
    for kind, path in files.items():
        assert daemon.request("start", watch=watch_spec(kind, path, timeout="1s"))["ok"]
        start, *frames, end = sub.run(kind)
        assert end.header["reason"] == "complete", (kind, end.header)
        assert [m.array(0).tolist() for m in frames][2] == [[6, 7, 8]], kind


def test_a_control_watch_never_reads_external_raw_storage_outside_the_roots(start_daemon,
                                                                            tmp_path):
    import h5py
    import numpy as np
    root = tmp_path / "data"
    root.mkdir()
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"top secret bytes" * 3)
    inside = root / "frames.bin"
    inside.write_bytes(np.arange(12, dtype="<u4").tobytes())
    for name, raw in (("outside", secret), ("inside", inside)):
        with h5py.File(root / f"{name}.h5", "w", libver="latest") as f:
            f["/entry/keys/uid"] = np.arange(1, 5)
            f.create_dataset("/entry/data/data", shape=(4, 3), dtype="<u4",
                             external=[(str(raw), 0, 48)])
    daemon = start_daemon(allowed_roots=[str(root)])
    sub = daemon.subscriber("")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("outside", root / "outside.h5",
                                                    timeout="1s"))["ok"]
    (end,) = sub.run("outside")
    assert end.header["reason"] == "error" and end.header["seq"] == 0
    assert f"stores its values in the external file {secret}" in end.header["error"]
    assert daemon.request("start", watch=watch_spec("inside", root / "inside.h5",
                                                    timeout="1s"))["ok"]
    start, *frames, end = sub.run("inside")
    assert end.header["reason"] == "complete"
    assert frames[3].array(0).tolist() == [[9, 10, 11]]


def test_a_config_watch_is_trusted_to_follow_links(start_daemon, tmp_path):
    daemon = start_daemon(watches=[watch_spec("cfg", tmp_path / "external.h5", timeout="1s")])
    sub = daemon.subscriber("cfg/")
    sub.wait_ready()
    linked_file(tmp_path, tmp_path / "elsewhere.h5")
    start, *frames, end = sub.run("cfg")
    assert end.header["reason"] == "complete" and len(frames) == 4
    assert frames[2].array(0).tolist() == [[6, 7, 8]]


def test_a_config_watch_and_a_control_watch_of_one_file_both_stream_it(start_daemon,
                                                                       tmp_path):
    # HDF5 shares a dataset opened twice in one process; the control watch's confinement
    # once set access prefixes that the shared dataset refused after a refresh.
    path = tmp_path / "scan.h5"
    daemon = start_daemon(watches=[watch_spec("cfg", path, finished="/entry/finished")],
                          allowed_roots=[str(tmp_path)])
    assert daemon.request("start", watch=watch_spec("ctl", path,
                                                    finished="/entry/finished"))["ok"]
    subs = {name: daemon.subscriber(name + "/") for name in ("cfg", "ctl")}
    for sub in subs.values():
        sub.wait_ready()
    run_sim(path, "--scan-shape", 30, "--rate", 200)
    for name, sub in subs.items():
        start, *frames, end = sub.run(name)
        assert end.header["reason"] == "finished", (name, end.header)
        assert [m.header["index"] for m in frames] == list(range(30)), name
