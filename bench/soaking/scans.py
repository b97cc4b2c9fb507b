"""The scans: swmr-sim writes them one after another into the folder the pattern watch
follows, and the old ones are deleted. Which scans have ended, the tally subscriber tells
(record_end)."""

import subprocess
import threading
import time
from pathlib import Path


def simulate(sim, args, path, fixed):
    """One scan file written whole by swmr-sim; `fixed`: of a fixed shape, so that its run
    ends `complete` (else by its finished flag)."""
    subprocess.run([str(sim), "--file", str(path), "--quiet", "--scan-shape",
                    str(args.scan_frames), "--frame-shape", args.frame_shape]
                   + ["--fixed"] * fixed, check=True)


class Scans:
    def __init__(self, state, sim, folder):
        self.state, self.sim, self.folder = state, sim, folder
        self.lock = threading.Lock()
        self.written, self.last_ended = 0, -1  # scan-000000.h5 …, by index
        self.ended = set()  # indices of the scans whose run's end the tally saw, not deleted

    def path(self, index):
        return self.folder / f"scan-{index:06d}.h5"

    def record_end(self, file):
        """The run of `file` (a scan's path) has ended."""
        index = int(Path(file).stem.split("-")[1])
        with self.lock:
            self.ended.add(index)
            self.last_ended = max(self.last_ended, index)

    def write_scan(self):
        """Writes the next scan, at most a few ahead of the daemon (a stalled subscriber in
        lossless delivery holds it back), then deletes old scans."""
        waited = time.monotonic()
        while self.written - self.last_ended > 4 and time.monotonic() - waited < 10:
            time.sleep(0.01)
        # Every other scan has a fixed shape and ends `complete`; the others, by their flag.
        simulate(self.sim, self.state.args, self.path(self.written), self.written % 2)
        self.written += 1
        self.state.add("scans written")
        # Fewer scans kept than runs (`history`): fetches of the older runs answer `gone`.
        # Only scans whose run has ended go (or, their end missed, long after).
        keep = self.written - self.state.args.keep
        with self.lock:
            old = [i for i in self.ended if i < keep] + [keep - 100]
            self.ended.difference_update(old)
        for path in (self.path(i) for i in old if i >= 0):
            if path.exists():
                path.unlink()
                self.state.add("scans deleted")
