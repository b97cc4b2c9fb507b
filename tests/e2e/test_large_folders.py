"""What watches share of the filesystem: one inotify instance for the whole daemon (the kernel
allows 128 per user, and two per watch left every watch past the 63rd polling), and one
listing per folder that pattern watches look in, a few dozen bytes a file however many
watches look, each new file looked at once. Asserted from /proc and the daemon's /metrics."""

import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import SANITIZER, run_sim, watch_spec

KEYS = "/entry/keys/uid"


def metrics(daemon):
    text = urllib.request.urlopen(f"http://{daemon.http_address}/metrics", timeout=10).read()
    values = {}
    for line in text.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def metrics_when_served(daemon):
    """/metrics, asked again while the daemon answers 503 (busy: a sanitizer's build is
    slow)."""
    while True:
        try:
            return metrics(daemon)
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise
            time.sleep(0.1)


def wait_for_metric(daemon, name, condition, what):
    deadline = time.monotonic() + 120
    while not condition(metrics_when_served(daemon).get(name, -1)):
        assert time.monotonic() < deadline, f"{what}: {metrics(daemon).get(name)}\n" + \
            daemon.log()[-3000:]
        time.sleep(0.05)


def inotify_instances(pid):
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd) == "anon_inode:inotify"
        except FileNotFoundError:
            pass  # closed meanwhile
    return count


def test_one_inotify_instance_serves_every_watch(start_daemon, tmp_path):
    watches = 70  # two instances per watch ran out at 64
    daemon = start_daemon(http="127.0.0.1:0", allowed_roots=[str(tmp_path)])
    for i in range(watches):
        assert daemon.request("start", watch=watch_spec(f"w{i}", tmp_path / f"scan-{i}.h5",
                                                        finished="/entry/finished"))["ok"]
    sub = daemon.subscriber(f"w{watches - 1}/")
    sub.wait_ready()
    # The last watch still finds its file by the folder's events, and follows it by its own.
    run_sim(tmp_path / f"scan-{watches - 1}.h5", "--scan-shape", 5, "--frame-shape", "8x8")
    start, *frames, end = sub.run(f"w{watches - 1}", timeout=60)
    assert end.header["reason"] == "finished" and len(frames) == 5
    assert inotify_instances(daemon.process.pid) == 1
    listed = daemon.request("list")["watches"]
    assert len(listed) == watches
    assert not [w for w in listed if "inotify" in (w.get("warning") or "")], listed
    # One kernel watch for the folder all of them look in; none left for the finished file
    # but the one its watch still follows.
    assert metrics_when_served(daemon)["swmrd_inotify_watches"] <= 2


def test_pattern_watches_share_a_large_folder(start_daemon, tmp_path):
    files = 100_000
    folder = tmp_path / "scans"
    folder.mkdir()
    old = time.time() - 3600
    for i in range(files):
        path = folder / f"scan-{i:06d}.h5"
        path.touch()
        os.utime(path, (old, old))
    scan = tmp_path / "scan.h5"
    run_sim(scan, "--scan-shape", 4, "--frame-shape", "16x16", "--fixed")
    daemon = start_daemon(http="127.0.0.1:0", allowed_roots=[str(tmp_path)])
    sub = daemon.subscriber("")
    sub.wait_ready()
    baseline = daemon.rss_bytes()
    patterns = ["scan-*.h5", "scan-*.h5", "*.h5", "scan-?*.h5"]
    for i, pattern in enumerate(patterns):
        assert daemon.request("start", watch=watch_spec(f"p{i}", folder / pattern,
                                                        finished="/entry/finished"))["ok"]
    wait_for_metric(daemon, "swmrd_folder_listing_files", lambda n: n >= files,
                    "the folder listed")
    figures = metrics_when_served(daemon)
    assert figures["swmrd_folder_listings"] == 1
    assert figures["swmrd_folder_listing_bytes"] <= files * (48 + 16) + 65536
    # Four watches of the folder cost the daemon one listing: a few dozen bytes a file, with
    # room for allocator slack and the threads' stacks, not a map of the folder per watch
    # (47 MiB per 100 000 files each, before).
    daemon.assert_memory_within(baseline, files * 100 + (24 << 20))

    # New scans at 5 a second: every watch runs each, and the daemon keeps up with little CPU.
    cpu_before = daemon.cpu_seconds()
    new_files = 10
    for i in range(new_files):
        staging = tmp_path / f"staging-{i}"
        shutil.copyfile(scan, staging)
        os.rename(staging, folder / f"scan-new-{i:02d}.h5")
        time.sleep(0.2)  # the writers' pace, not a wait for the daemon
    ends = {}
    deadline = time.monotonic() + 120
    while sum(len(v) for v in ends.values()) < len(patterns) * new_files:
        try:
            message = sub.next(timeout=max(deadline - time.monotonic(), 0.1))
        except TimeoutError:
            statuses = [(w["name"], w["state"], w.get("current_file"), w.get("file_state"))
                        for w in daemon.request("list")["watches"]]
            raise AssertionError(f"runs ended: { {k: len(v) for k, v in ends.items()} }; "
                                 f"watches: {statuses}\n{daemon.log()[-3000:]}") from None
        if message.kind == "end":
            assert message.header["reason"] in ("finished", "complete"), message.header
            ends.setdefault(message.topic.split("/")[0], []).append(message.header["file"])
    for name in (f"p{i}" for i in range(len(patterns))):
        assert ends[name] == [str(folder / f"scan-new-{i:02d}.h5") for i in range(new_files)]
    if not SANITIZER:
        # Reading 100 000 names again for each event of each watch took a core, before.
        assert daemon.cpu_seconds() - cpu_before < 3.0
    shutil.rmtree(folder)
