"""What every benchmark figure uses: the tools, a daemon, writers, subscribers, the pump
and the table the figures go into."""

import copy
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import zmq

PYTHON_CLIENT = Path(__file__).resolve().parent.parent / "python"


class Tools:
    def __init__(self, build):
        build = Path(build)
        self.swmrd = build / "daemon" / "swmrd"
        self.sim = build / "tools" / "swmr-sim" / "swmr-sim"
        self.subscriber = build / "bench" / "bench_subscriber"
        self.pump = build / "bench" / "bench_pump"
        for tool in (self.swmrd, self.sim, self.subscriber, self.pump):
            if not tool.exists():
                sys.exit(f"bench: {tool} is missing: build first (make build)")

    def with_daemon(self, swmrd):
        """The same tools with another swmrd (an earlier build, to compare against)."""
        other = copy.copy(self)
        other.swmrd = Path(swmrd)
        if not other.swmrd.exists():
            sys.exit(f"bench: {other.swmrd} is missing")
        return other


class Daemon:
    def __init__(self, tools, workdir, watches=(), **settings):
        self.workdir = Path(workdir)
        config = {"control": "tcp://127.0.0.1:*", "publish": ["tcp://127.0.0.1:*"],
                  "allowed_roots": [str(self.workdir)], "heartbeat": "200ms",
                  "log": {"level": "warn"}}
        config.update(settings)
        lines = [f"{k}: {json.dumps(v)}" for k, v in config.items()]
        if watches:
            lines.append("watches:")
            lines += [f"  - {json.dumps(w)}" for w in watches]
        (self.workdir / "swmrd.yaml").write_text("\n".join(lines) + "\n")
        endpoints = self.workdir / "endpoints"
        endpoints.unlink(missing_ok=True)
        self.log = open(self.workdir / "swmrd.log", "w")
        self.process = subprocess.Popen(
            [str(tools.swmrd), "--config", str(self.workdir / "swmrd.yaml"),
             "--endpoints-file", str(endpoints)], stderr=self.log)
        deadline = time.monotonic() + 10
        while not endpoints.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                sys.exit("bench: swmrd did not start, see " + str(self.workdir / "swmrd.log"))
            time.sleep(0.01)
        lines = dict(line.split(" ", 1) for line in endpoints.read_text().splitlines())
        self.control, self.publish = lines["control"], lines["publish"]
        self.fetch = lines.get("fetch")  # the bound fetch endpoint, when `fetch:` is set
        self.req = zmq.Context.instance().socket(zmq.REQ)
        self.req.setsockopt(zmq.LINGER, 0)
        self.req.connect(self.control)

    def request(self, cmd, **fields):
        self.req.send(msgpack.packb({"cmd": cmd, **fields}))
        if not self.req.poll(30000):
            sys.exit("bench: swmrd did not answer")
        reply = msgpack.unpackb(self.req.recv(), raw=False)
        if not reply["ok"]:
            sys.exit(f"bench: {cmd} failed: {reply['error']}")
        return reply

    def proc_status(self, field):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def cpu_seconds(self):
        """The daemon's CPU time with its reader processes': the live ones, and those it has
        reaped (the kernel adds those to the daemon's children's time)."""
        pids = [self.process.pid]
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except FileNotFoundError:
                pass
        ticks = 0
        for pid in pids:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue  # a reader that ended meanwhile
            ticks += int(stat[11]) + int(stat[12])
            if pid == self.process.pid:
                ticks += int(stat[13]) + int(stat[14])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.req.close()
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def sim(tools, path, *args):
    subprocess.run([str(tools.sim), "--file", str(path), "--quiet", *map(str, args)],
                   check=True)


def spec(name, path, **more):
    watch = {"name": name, "file": str(path), "keys": ["/entry/keys/uid"],
             "datasets": ["/entry/data/data"], "finished": "/entry/finished", "timeout": "5s"}
    watch.update(more)
    return watch


def subscribe(tools, daemon, watch, workdir, times=None):
    ready = Path(workdir) / f"ready-{watch}-{time.monotonic_ns()}"
    command = [str(tools.subscriber), "--endpoint", daemon.publish, "--watch", watch,
               "--ready", str(ready)]
    if times:
        command += ["--times", str(times)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not ready.exists():
        if time.monotonic() > deadline:
            sys.exit("bench: subscriber did not get ready")
        time.sleep(0.005)
    return process


def result_of(process):
    out, _ = process.communicate(timeout=600)
    return json.loads(out)


def pump(tools, frames, nbytes, subscribers=1):
    command = [str(tools.pump)] + [str(x) for x in ["--frames", frames, "--bytes", nbytes,
                                                    "--header", 300,
                                                    "--subscribers", subscribers]]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Table:
    def __init__(self):
        self.rows = []
        self.notes = []

    def add(self, name, value, unit, reference, reference_name, target, ratio=None,
            higher_is_better=True):
        """`ratio`: given when it is not value / reference (the median of paired ratios).
        `higher_is_better`: False for costs (CPU, latency, memory), marked in the table."""
        if ratio is None:
            ratio = value / reference if reference else float("nan")
        if not higher_is_better:
            target = f"{target} (lower is better)"
        self.rows.append((name, value, unit, reference, reference_name, ratio, target))

    def note(self, text):
        """A line printed under the table: how a figure was paired, its spread."""
        self.notes.append(text)

    def print(self):
        print(f"{'benchmark':<34} {'measured':>14} {'reference':>14} {'ratio':>7}  "
              f"{'target':<28} reference is")
        for name, value, unit, reference, reference_name, ratio, target in self.rows:
            print(f"{name:<34} {value:>10.4g} {unit:<3} {reference:>10.4g} {unit:<3} "
                  f"{ratio:>7.3f}  {target:<28} {reference_name}")
        for text in self.notes:
            print(text)


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def machine():
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return (f"{platform.node()}: {os.cpu_count()} cores ({model}), {memory:.0f} GiB, "
            f"Linux {platform.release()}")
