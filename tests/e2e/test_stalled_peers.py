"""A stalled subscriber holds nobody back for long, at any frame size, in every delivery mode
(docs/protocol.md, "Delivery"): a real subscriber process, SIGSTOPped while frames of 64 B,
2 MiB or 8 MiB stream to it, is disconnected by the daemon, and a subscriber that keeps up
gets what its mode promises. Everything is asserted from the daemon's own records (`peers`,
`list`, its log) and from what the other subscriber received, not from wall-clock waits."""

import datetime
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import msgpack
import pytest
import zmq

from harness import Message, finish, run_sim, watch_spec

pytestmark = pytest.mark.heavy

STALLED = Path(__file__).with_name("stalled_subscriber.py")
PEER_TIMEOUT_S = 2.0
# How late after peer_timeout a cut may come: the guard looks a few times per peer_timeout,
# and a loaded machine runs its thread late.
SLACK_S = 1.0
# (frame shape of u2, frames, frames per second): runs that last about three peer_timeouts.
SIZES = {
    "64B": ("4x8", 3000, 500),
    "2MiB": ("1024x1024", 90, 15),
    "8MiB": ("2048x2048", 30, 5),
    "32MiB": ("4096x4096", 12, 2),
}
# A cut at peer_timeout (reason stalled), or in independent delivery sooner (reason share):
# (log time, address, bytes waiting, seconds they waited).
CUT = re.compile(r"^(\S+ \S+) warning publish: disconnected (\S+) \(\S+\): it (?:took none of the "
                 r"(\d+) bytes waiting for it for ([\d.]+) s|had bytes waiting for it for "
                 r"([\d.]+) s \((\d+) in the kernel's queue\))", re.M)


def cuts_of(daemon, address):
    return [(stamp, int(waiting or waiting_share), float(idle or idle_share))
            for stamp, who, waiting, idle, idle_share, waiting_share in CUT.findall(daemon.log())
            if who == address]


def run_of(sub, daemon, first=()):
    """The subscriber's run of `det`, start to end; the daemon's log when it does not end."""
    try:
        return [*first, *sub.run("det", timeout=90)]
    except TimeoutError:
        raise AssertionError("no end of the run within 90 s; peers: "
                             f"{daemon.request('peers')}; log:\n{daemon.log()[-3500:]}") from None


def publish_peers(daemon):
    return {p["address"] for p in daemon.request("peers")["peers"] if p["channel"] == "publish"}


def wait_for(condition, what, timeout=60, daemon=None):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            state = "" if daemon is None else (f"; peers: {daemon.request('peers')}; log:\n"
                                               + daemon.log()[-4000:])
            raise AssertionError(f"timed out waiting for {what}{state}")
        time.sleep(0.05)
    return value


def start_stalled(daemon, *extra):
    """A subscriber process, connected and subscribed; returns it and its address."""
    before = publish_peers(daemon)
    process = subprocess.Popen(["/usr/bin/python3", str(STALLED), daemon.publish_endpoint,
                                *map(str, extra)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    (address,) = wait_for(lambda: publish_peers(daemon) - before, "the new subscriber")
    return process, address


def still_stopped(process):
    """Whether `process` is still stopped: nothing but the test may have continued it (a
    process group orphaned with stopped members gets SIGCONT from the kernel)."""
    with open(f"/proc/{process.pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "T"


def log_time(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("delivery", ["lossless", "drop", "independent"])
def test_a_stopped_subscriber_is_cut_and_the_other_gets_its_frames(start_daemon, tmp_path,
                                                                   delivery, size):
    frame_shape, frames, rate = SIZES[size]
    daemon = start_daemon(delivery=delivery, peer_timeout=f"{PEER_TIMEOUT_S}s",
                          max_inflight="64MiB", fetch="tcp://127.0.0.1:*",
                          allowed_roots=[str(tmp_path)])
    path = tmp_path / "scan.h5"
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    stalled, address = start_stalled(daemon)
    stopped_at = time.time()
    stalled.send_signal(signal.SIGSTOP)
    try:
        assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                        timeout="60s"))["ok"]
        writer = run_sim(path, "--scan-shape", frames, "--frame-shape", frame_shape,
                         "--dtype", "u2", "--rate", rate, wait=False)
        start, *received, end = run_of(sub, daemon)
        finish(writer)
        assert end.header["reason"] == "finished"
        seqs = [m.header["seq"] for m in received]
        if delivery == "drop":
            # What it did not get was dropped for everyone, and counted.
            dropped = daemon.request("status", watch="det")["watch"]["dropped"]
            assert len(received) + dropped == frames, (len(received), dropped)
            assert end.header["seq"] == frames + 1
        else:
            # Every frame, no gap: the stopped one held it back for a while at most.
            assert seqs == list(range(1, frames + 1))
        assert still_stopped(stalled), "the subscriber was continued by someone else"
        # The daemon cut the stopped one (once the stall reached it: with 64 B frames the
        # run may end first, and the bytes it left wait for it).
        listed = wait_for(lambda: (r := daemon.request("list"))["peers_cut"] >= 1 and r,
                          "the stopped subscriber to be cut", daemon=daemon)
        assert address not in publish_peers(daemon)
        assert listed["subscribers"] == 1
        cuts = cuts_of(daemon, address)
        assert len(cuts) == 1, daemon.log()[-3000:]
        stamp, waiting, idle = cuts[0]
        assert waiting > 0
        # Never before the stall had lasted its limit; in independent delivery, a stall
        # crowding the budget goes sooner (reason `share`), otherwise at peer_timeout.
        if "crowded max_inflight" in daemon.log():
            # Cut once the reader had waited while the other had nothing left to take,
            # after 20 ms at least with bytes waiting for the stopped one.
            assert delivery == "independent" and idle >= 0.02
        else:
            assert PEER_TIMEOUT_S <= idle <= PEER_TIMEOUT_S + SLACK_S
            assert log_time(stamp) >= stopped_at + PEER_TIMEOUT_S - 0.01
    finally:
        stalled.kill()
        stalled.wait()


# (frame shape of u2, frames, seconds the lagging subscriber sleeps after each message)
LAGGING = {
    # 80 MB/s, pausing about 0.1 s at a time with its buffers full
    "8MiB-pausing": ("2048x2048", 60, 0.1),
    # 200 MB/s and never idle for long: a message every 10 ms, its socket read all along.
    # Once cut it reconnects at once, and is then sent only the newest frames: that must not
    # make the other, whose queue is still long, look like the one holding it back.
    "2MiB-steady": ("1024x1024", 200, 0.01),
}


@pytest.mark.parametrize("case", LAGGING)
def test_independent_a_lagging_subscriber_is_cut_and_the_other_gets_every_frame(start_daemon,
                                                                                tmp_path, case):
    """A subscriber that lags (slower than the daemon reads a complete file, at any pace)
    beside one that keeps up: the lagging one's queue would hold the budget, and the reader
    with it, so once the reader has waited while the other had nothing left to take, the
    lagging one goes, and the other gets every frame."""
    shape, frames, lag = LAGGING[case]
    path = tmp_path / "scan.h5"
    run_sim(path, "--scan-shape", frames, "--frame-shape", shape, "--dtype", "u2", "--fixed")
    daemon = start_daemon(delivery="independent", peer_timeout="10s", max_inflight="64MiB",
                          fetch="tcp://127.0.0.1:*", allowed_roots=[str(tmp_path)])
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    lagging, address = start_stalled(daemon, lag)
    try:
        assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                        timeout="60s"))["ok"]
        start, *received, end = run_of(sub, daemon)
        assert [m.header["seq"] for m in received] == list(range(1, frames + 1)), \
            daemon.log()[-3000:]
        wait_for(lambda: daemon.request("list")["peers_cut"] >= 1, "the lagging one's cut",
                 daemon=daemon)
        assert re.search(rf"warning publish: disconnected {re.escape(address)} \(\S+\): it "
                         r"had bytes waiting for it for [\d.]+ s \(\d+ in the kernel's queue\) "
                         r"while \S+ had taken all it was sent and a reader waited [\d.]+ s for "
                         r"room: its queue crowded max_inflight", daemon.log()), \
            daemon.log()[-3000:]
    finally:
        lagging.kill()
        lagging.wait()


def test_independent_a_slow_subscriber_that_holds_nobody_back_is_not_cut(start_daemon,
                                                                         tmp_path):
    """The share cut is for the others' sake only: a subscriber slower than the reader (a
    message every 10 ms, its socket read all along), beside one that takes nothing (it
    subscribed to another watch), makes the reader wait but holds nobody back, so it stays
    connected and gets every frame."""
    frames = 100
    path = tmp_path / "scan.h5"
    run_sim(path, "--scan-shape", frames, "--frame-shape", "1024x1024", "--dtype", "u2",
            "--fixed")
    daemon = start_daemon(delivery="independent", peer_timeout="10s", max_inflight="64MiB",
                          fetch="tcp://127.0.0.1:*", allowed_roots=[str(tmp_path)])
    idle = daemon.subscriber("elsewhere/")
    idle.wait_ready()
    slow = zmq.Context.instance().socket(zmq.SUB)
    slow.setsockopt(zmq.RCVHWM, 4)  # its own queue short: the daemon's holds the rest
    slow.setsockopt(zmq.LINGER, 0)
    slow.connect(daemon.publish_endpoint)
    for topic in (b"det/", b"_daemon/"):
        slow.setsockopt(zmq.SUBSCRIBE, topic)
    try:
        while b"heartbeat" not in slow.recv_multipart()[0]:
            pass
        assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                        timeout="60s"))["ok"]
        seqs = []
        deadline = time.monotonic() + 90
        while True:
            assert time.monotonic() < deadline, f"no end within 90 s; the frames: {seqs}"
            assert slow.poll(30000), f"nothing for 30 s after seq {seqs[-1:]}"
            message = Message(slow.recv_multipart(copy=False))
            if message.kind == "frame":
                seqs.append(message.header["seq"])
                time.sleep(0.01)
            elif message.kind == "end":
                break
        assert seqs == list(range(1, frames + 1))
        listed = daemon.request("list")
        assert listed["peers_cut"] == 0 and listed["subscribers"] == 2, daemon.log()[-3000:]
    finally:
        slow.close()


class CutLink:
    """A network namespace joined to this one by a veth pair: a subscriber inside it reaches
    the daemon at `host_address`; cut() takes its end of the link down, so that nothing it
    was sent is acknowledged and no packet comes back, as when a host vanishes."""

    def __init__(self):
        tag = os.getpid() % 10000
        self.namespace, self.host_link, self.inner_link = (f"swmrd{tag}", f"swmrdh{tag}",
                                                           f"swmrdn{tag}")
        subnet = f"10.213.{tag % 250}"
        self.host_address, inner_address = f"{subnet}.1", f"{subnet}.2"
        self.run("ip", "netns", "add", self.namespace)
        try:
            self.run("ip", "link", "add", self.host_link, "type", "veth", "peer", "name",
                     self.inner_link)
            self.run("ip", "link", "set", self.inner_link, "netns", self.namespace)
            self.run("ip", "addr", "add", f"{self.host_address}/30", "dev", self.host_link)
            self.run("ip", "link", "set", self.host_link, "up")
            self.inside("ip", "addr", "add", f"{inner_address}/30", "dev", self.inner_link)
            self.inside("ip", "link", "set", self.inner_link, "up")
        except Exception:
            self.close()
            raise

    @staticmethod
    def run(*command):
        subprocess.run(command, check=True, capture_output=True, timeout=30)

    def inside(self, *command):
        self.run("ip", "netns", "exec", self.namespace, *command)

    def popen_inside(self, *command, **options):
        return subprocess.Popen(["ip", "netns", "exec", self.namespace, *command], **options)

    def cut(self):
        self.inside("ip", "link", "set", self.inner_link, "down")

    def close(self):
        subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True)


@pytest.fixture
def cut_link():
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("a network namespace needs root and iproute2's ip")
    try:
        link = CutLink()
    except subprocess.CalledProcessError as error:
        pytest.skip(f"network namespaces are not available here: {error.stderr.decode()}")
    yield link
    link.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_subscriber_whose_host_vanished_is_cut_within_peer_timeout(start_daemon, tmp_path,
                                                                     cut_link, size):
    frame_shape, frames, rate = SIZES[size]
    daemon = start_daemon(delivery="lossless", peer_timeout=f"{PEER_TIMEOUT_S}s",
                          max_inflight="64MiB", allowed_roots=[str(tmp_path)],
                          publish=["tcp://127.0.0.1:*", f"tcp://{cut_link.host_address}:*"])
    remote_endpoint = [line.split(" ", 1)[1] for line in daemon.endpoints_path.read_text()
                       .splitlines() if line.startswith("publish tcp://10.")][0]
    path = tmp_path / "scan.h5"
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    before = publish_peers(daemon)
    remote = cut_link.popen_inside("/usr/bin/python3", str(STALLED), remote_endpoint,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert remote.stdout.readline().strip() == "ready", remote.stderr.read()
        (address,) = wait_for(lambda: publish_peers(daemon) - before, "the remote subscriber")
        assert address.startswith("10.213.")
        assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                        timeout="60s"))["ok"]
        writer = run_sim(path, "--scan-shape", frames, "--frame-shape", frame_shape,
                         "--dtype", "u2", "--rate", rate, wait=False)
        first = [sub.next(), sub.next()]  # the start and a frame: streaming to both
        cut_at = time.time()
        cut_link.cut()
        start, *received, end = run_of(sub, daemon, first)
        finish(writer)
        assert end.header["reason"] == "finished"
        # Held back in lossless until the cut, then every frame.
        assert [m.header["seq"] for m in received] == list(range(1, frames + 1))
        wait_for(lambda: daemon.request("list")["peers_cut"] >= 1, "the vanished host's cut")
        cuts = cuts_of(daemon, address)
        assert len(cuts) == 1, daemon.log()[-3000:]
        stamp, waiting, idle = cuts[0]
        assert PEER_TIMEOUT_S <= idle <= PEER_TIMEOUT_S + SLACK_S
        assert log_time(stamp) >= cut_at + PEER_TIMEOUT_S - 0.01
    finally:
        remote.kill()
        remote.wait()


def test_a_fetch_client_that_reads_no_answers_is_cut_and_another_is_served(start_daemon,
                                                                           tmp_path):
    daemon = start_daemon(peer_timeout=f"{PEER_TIMEOUT_S}s", max_inflight="64MiB",
                          fetch="tcp://127.0.0.1:*", allowed_roots=[str(tmp_path)])
    path = tmp_path / "scan.h5"
    sub = daemon.subscriber("det/")
    sub.wait_ready()
    assert daemon.request("start", watch=watch_spec("det", path, finished="/entry/finished",
                                                    timeout="60s"))["ok"]
    run_sim(path, "--scan-shape", 40, "--frame-shape", "1024x1024", "--dtype", "u2")
    start, *frames, end = run_of(sub, daemon)
    run = start.header["run"]
    # Asks for every frame, 80 MiB, and never reads: its buffers hold a few KiB.
    idle = daemon.context.socket(zmq.DEALER)
    idle.setsockopt(zmq.RCVBUF, 4096)
    idle.setsockopt(zmq.RCVHWM, 1)
    idle.setsockopt(zmq.LINGER, 0)
    idle.connect(daemon.fetch_endpoint)
    idle.send(msgpack.packb({"cmd": "fetch", "id": 1, "watch": "det", "run": run, "from": 0,
                             "count": 40}))
    fetcher = daemon.fetcher()
    try:
        cut = lambda: daemon.request("list")["peers_cut"] >= 1  # noqa: E731
        # Served throughout, while the idle one holds its answers and until it is cut.
        while not cut():
            got, closing = fetcher.fetch(watch="det", run=run, **{"from": 0, "count": 40})
            assert closing["ok"] and len(got) == 40
        fetched = [p for p in daemon.request("peers")["peers"] if p["channel"] == "fetch"]
        assert len(fetched) == 1  # the one still reading
        assert re.search(r"warning fetch: disconnected \S+ \(\S+\): it took none of the \d+ "
                         r"bytes waiting for it for [\d.]+ s \(peer_timeout\)", daemon.log())
    finally:
        idle.close()
        fetcher.close()
