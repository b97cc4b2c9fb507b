"""Control sessions: a control watch's life (started, started again, stopped), and the
other requests around it, malformed ones included. Every reply is checked."""

import random
import time

import msgpack

from .shared import WATCH, CheckedControl, spec

CONTROL_NAMES = [f"ctl{i}" for i in range(4)]  # reused, as a beamline reuses its watch names
MALFORMED = [  # (control request, the error code it must get)
    (b"\xc1", "bad_request"),  # 0xc1 is never valid MessagePack
    (msgpack.packb([1, 2]), "bad_request"),  # not a map
    (msgpack.packb({"cmd": "frobnicate"}), "unknown_command"),
    (msgpack.packb({"cmd": "status"}), "bad_request"),  # `watch` missing
    (msgpack.packb({"cmd": "list", "extra": 1}), "bad_request"),  # unknown key
    (msgpack.packb({"cmd": "status", "watch": "no-such-watch"}), "not_found"),
]


class ControlLoop:
    def __init__(self, state, daemon, scans, ctl_dir):
        """`ctl_dir`: the control watches' own files (ctl-*.h5)."""
        self.state, self.daemon, self.scans, self.ctl_dir = state, daemon, scans, ctl_dir

    def control_session(self):
        """A control watch's life, and the other requests around it."""
        req, name = CheckedControl(self.state, self.daemon.control), random.choice(CONTROL_NAMES)
        # A file streamed again, or a pattern nothing matches (waiting). Not the pattern
        # watch's scans unless asked: a control watch on a file another watch has open fails
        # (HDF5: "new external file prefix does not match…"), and can make that one fail.
        files = (sorted(self.scans.folder.glob("scan-*.h5"))[-4:]
                 if self.state.args.control_on_scans
                 else sorted(self.ctl_dir.glob("ctl-*.h5")))
        target = random.choice(files + [self.ctl_dir / "new-*.h5"])
        req.expect({"cmd": "start", "watch": spec(name, target, "1s")})
        req.expect({"cmd": "start", "watch": spec(name, target)}, "exists")
        req.expect({"cmd": "start", "watch": spec("outside", "/etc/passwd")}, "forbidden")
        for request in ({"cmd": "ping"}, {"cmd": "list"}, {"cmd": "status", "watch": name},
                        {"cmd": "runs", "watch": name}, {"cmd": "runs", "watch": WATCH}):
            req.expect(request)
        for payload, code in random.sample(MALFORMED, 3):
            req.expect(payload, code)
        time.sleep(random.uniform(0.1, 1))  # let its run stream
        req.expect({"cmd": "stop", "watch": name})
        req.close()
        self.state.add("control watches started and stopped")
