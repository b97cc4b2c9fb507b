"""The daemon under test: its config (ephemeral TCP ports, confined to the soak's folder),
its start, its log, its stop."""

import json
import signal
import subprocess
import sys
import time


class DaemonProcess:
    def __init__(self, binary, work, args):
        self.binary, self.work, self.args = binary, work, args
        self.process = self.log = None
        self.control = self.publish = self.fetch = self.http = None  # once started
        self.max_connections = 16  # per endpoint; a quarter (8 at least) per address

    def start(self, watch):
        """Starts swmrd with one config watch (`watch`, a spec) and reads the endpoints
        it bound from --endpoints-file."""
        config = {"control": "tcp://127.0.0.1:*", "publish": ["tcp://127.0.0.1:*"],
                  "fetch": "tcp://127.0.0.1:*", "allowed_roots": [str(self.work)],
                  "delivery": self.args.delivery, "history": self.args.history,
                  "max_inflight": "2MiB", "peer_timeout": "30s", "heartbeat": "200ms",
                  "http": "127.0.0.1:0", "max_connections": self.max_connections,
                  "max_wait": "2s",
                  "log": {"level": "warn"}}
        lines = [f"{k}: {json.dumps(v)}" for k, v in config.items()]
        lines += ["watches:", "  - " + json.dumps(watch)]
        (self.work / "swmrd.yaml").write_text("\n".join(lines) + "\n")
        endpoints, self.log = self.work / "endpoints", open(self.work / "swmrd.log", "w")
        self.process = subprocess.Popen([str(self.binary), "--config",
                                         str(self.work / "swmrd.yaml"),
                                         "--endpoints-file", str(endpoints)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not endpoints.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                sys.exit("soak: swmrd did not start:\n" + self.log_tail())
            time.sleep(0.01)
        found = dict(line.split(" ", 1) for line in endpoints.read_text().splitlines())
        self.control, self.publish, self.fetch = found["control"], found["publish"], found["fetch"]
        self.http = found["http"]

    @property
    def pid(self):
        return self.process.pid

    def poll(self):
        """Its exit status, None while it runs."""
        return self.process.poll()

    def stop(self, state):
        """SIGTERM, as a service manager stops it: it must exit 0 within 30 s. Returns its
        exit status; None when it did not exit, or had died before."""
        code = None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(30)
            except subprocess.TimeoutExpired:
                state.anomaly("swmrd did not exit within 30 s of SIGTERM")
            if code not in (0, None):
                state.anomaly(f"swmrd exited {code} on SIGTERM, not 0")
        return code

    def kill(self):
        """The last resort, when the soak itself fails: no daemon is left behind."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()

    def log_tail(self):
        self.log.flush()
        return "\n".join((self.work / "swmrd.log").read_text().splitlines()[-20:])
