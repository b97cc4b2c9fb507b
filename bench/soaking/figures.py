"""The daemon's figures: RSS, threads and descriptors, sampled every 2 s while busy (for
the record) and at quiet points (compared), and what counts as flat."""

import os
import statistics
import time
from pathlib import Path

from .shared import WATCH, CheckedControl

SAMPLE_FIELDS = ("t", "rss_mib", "threads", "fds", "h5", "h5_deleted")  # of a sample


def proc_figures(pid):
    """The daemon's (RSS MiB, threads, descriptors other than HDF5 files, HDF5 files open,
    of them deleted). The fetch channel keeps up to 16 files open (open_readers in
    fetch_server.cpp), in use or not: they are counted apart, else they would swing the
    descriptor count by up to 16 with the last fetches."""
    status = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines())
    fds = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    h5 = [fd for fd in fds if fd.removesuffix(" (deleted)").endswith(".h5")]
    return (int(status["VmRSS"].split()[0]) / 1024, int(status["Threads"]),
            len(fds) - len(h5), len(h5), sum(fd.endswith(" (deleted)") for fd in h5))


class Figures:
    def __init__(self, state, daemon, workers, scans):
        self.state, self.daemon, self.workers, self.scans = state, daemon, workers, scans
        self.samples = []  # (seconds since the sampling began, *proc_figures)

    def sample_while_busy(self):
        """A thread: samples every 2 s, and ends the soak if the daemon has died."""
        started = time.monotonic()
        while not self.state.done.wait(2):
            if self.daemon.poll() is not None:
                self.state.anomaly(f"swmrd died: exit status {self.daemon.poll()}")
                return self.state.done.set()
            self.samples.append((time.monotonic() - started, *proc_figures(self.daemon.pid)))

    def quiet_point(self):
        """Parks every worker, waits until every scan written has ended and the daemon has
        dropped the connections closed, then samples: proc_figures, the median of three.
        What the daemon kept, not what it was busy with."""
        if not self.workers.park(60):
            self.state.anomaly("quiet point: the workers did not park within 60 s")
        # Asked of the daemon: the tally may miss an end in a delivery other than lossless.
        req = CheckedControl(self.state, self.daemon.control)
        deadline, last = time.monotonic() + 30, self.scans.path(self.scans.written - 1).name
        while True:
            status = req.expect({"cmd": "status", "watch": WATCH}).get("watch") or {}
            if (Path(status.get("current_file") or "").name == last
                    and status["state"] != "streaming"):
                break
            if time.monotonic() > deadline:
                self.state.anomaly(f"quiet point: {last} not ended in 30 s: {status}")
                break
            time.sleep(0.2)
        req.close()
        time.sleep(3)  # ZeroMQ closes the descriptors of peers gone asynchronously
        figures = []
        for _ in range(3):
            figures.append(proc_figures(self.daemon.pid))
            time.sleep(1)
        return tuple(sorted(column)[1] for column in zip(*figures))


def flatness(base, end, args):
    """(label, after warm-up, at the end, flat?) of each figure of the two quiet points;
    flat None: for the record only. RSS may grow by --rss-tolerance or --rss-mib, the
    larger; threads and other descriptors grow by 2 at most (fewer at the end is no leak:
    a misbehaving client's connection may still be closing at the first); HDF5 files open,
    at most the fetch channel's 16 (or what the warm-up had) and 2."""
    allowed = max(base[0] * args.rss_tolerance, args.rss_mib)
    return (("RSS MiB", base[0], end[0], end[0] - base[0] <= allowed),
            ("threads", base[1], end[1], end[1] - base[1] <= 2),
            ("fds (HDF5 files apart)", base[2], end[2], end[2] - base[2] <= 2),
            ("HDF5 files open", base[3], end[3], end[3] <= max(base[3] + 2, 16 + 2)),
            ("  of them deleted", base[4], end[4], None))


def busy_summary(samples, since):
    """For the record: the ranges of the figures sampled after `since` seconds (while busy)
    and RSS's trend; None with too few samples."""
    busy = list(zip(*(s for s in samples if s[0] > since)))
    if not (busy and len(busy[0]) > 2):
        return None
    slope = statistics.linear_regression(busy[0], busy[1]).slope * 60
    return (f"  busy: RSS {min(busy[1]):.1f}-{max(busy[1]):.1f} MiB ({slope:+.2f} "
            f"MiB/min), threads {min(busy[2])}-{max(busy[2])}, fds "
            f"{min(busy[3])}-{max(busy[3])}, HDF5 files {min(busy[4])}-{max(busy[4])}")
