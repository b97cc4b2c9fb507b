"""The soak put together, and its timeline: the daemon started, every worker set going,
a quiet point after the warm-up (the baseline) and one at the end, the daemon stopped."""

import sys
import tempfile
import threading
import time
from pathlib import Path

from .control_loop import ControlLoop
from .daemon_process import DaemonProcess
from .fetch_loop import FetchLoop
from .misbehaving import Misbehaving, refusals
from .figures import Figures
from .scans import Scans, simulate
from .shared import WATCH, SoakState, spec
from .subscribers import Subscribers
from .workers import Workers


class Soak:
    def __init__(self, args):
        self.args, self.state = args, SoakState(args)
        swmrd, sim = (Path(args.build) / tool for tool in
                      ("daemon/swmrd", "tools/swmr-sim/swmr-sim"))
        if not (swmrd.exists() and sim.exists()):
            sys.exit(f"soak: {swmrd} or {sim} is missing: build first")
        self.work = Path(tempfile.mkdtemp(prefix="swmrd-soak-"))  # kept unless all is well
        self.ctl_dir = self.work / "ctl"
        for folder in (self.work / "scans", self.ctl_dir):
            folder.mkdir()
        self.sim = sim
        self.daemon = DaemonProcess(swmrd, self.work, args)
        self.scans = Scans(self.state, sim, self.work / "scans")
        self.workers = Workers(self.state)
        self.subscribers = Subscribers(self.state, self.daemon, self.workers, self.scans)
        self.control = ControlLoop(self.state, self.daemon, self.scans, self.ctl_dir)
        self.fetches = FetchLoop(self.state, self.daemon)
        self.figures = Figures(self.state, self.daemon, self.workers, self.scans)
        self.misbehaving = Misbehaving(self.state, self.daemon, self.ctl_dir)
        self.refused = []  # what each limit refused, read at the end

    def run(self):
        """Returns (figures after the warm-up, at the end, the daemon's exit status on
        SIGTERM, seconds): figures None when the daemon died before them."""
        args, done = self.args, self.state.done
        for i in range(3):  # the control watches' own files
            simulate(self.sim, args, self.ctl_dir / f"ctl-{i}.h5", i % 2)
        self.daemon.start(spec(WATCH, self.scans.folder / "scan-*.h5"))
        ready = threading.Event()
        threads = [threading.Thread(target=self.subscribers.tally, args=(ready,)),
                   threading.Thread(target=self.figures.sample_while_busy)]
        threads[0].start()
        ready.wait(15)  # the tally counts from the first scan
        threads[1].start()
        self.workers.start([(self.scans.write_scan, args.rate),
                            (self.subscribers.churn_session,), (self.subscribers.churn_session,),
                            (self.subscribers.stalled_session,), (self.subscribers.client_session,),
                            (self.control.control_session, 4), (self.fetches.fetch_session,),
                            *self.misbehaving.sessions()])
        started, total = time.monotonic(), args.minutes * 60
        base = end = None
        if not done.wait(total * args.warmup):
            base = self.figures.quiet_point()
            print(f"soak: after warm-up: RSS {base[0]:.1f} MiB, {base[1]} threads, {base[2]} "
                  f"fds and {base[3]} HDF5 files open", flush=True)
            self.workers.set_open(True)
        if not done.wait(max(0, total - (time.monotonic() - started))):
            end = self.figures.quiet_point()
            self.refused = refusals(self.daemon)
        done.set()
        self.workers.set_open(True)
        for thread in threads:
            thread.join(30)
        self.workers.join(30)
        code = self.daemon.stop(self.state)
        return base, end, code, time.monotonic() - started
