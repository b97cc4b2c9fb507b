"""The worker threads: each runs one kind of session over and over, at most `pace` a
second if given, and parks between sessions while a quiet point is measured."""

import threading
import time


class Workers:
    def __init__(self, state):
        self.state, self.threads = state, []
        self.gate, self.parked = threading.Condition(), 0
        self.open = True  # False: the workers park between sessions (a quiet point)

    def start(self, sessions):
        """`sessions`: (session, pace) or (session,) each, one thread each."""
        self.threads = [threading.Thread(target=self.worker, args=s) for s in sessions]
        for thread in self.threads:
            thread.start()

    def worker(self, session, pace=None):
        done, next_at = self.state.done, time.monotonic()
        while not done.is_set():
            with self.gate:  # parked here during a quiet point
                self.parked += 1
                self.gate.notify_all()
                self.gate.wait_for(lambda: self.open)
                self.parked -= 1
            if done.is_set():
                break
            try:
                session()
            except Exception as error:  # a bug here, or an answer that could not be read
                self.state.anomaly(f"{session.__name__}: {type(error).__name__}: {error}")
                time.sleep(1)
            if pace:
                next_at = max(next_at + 1 / pace, time.monotonic() - 1)
                time.sleep(max(0, next_at - time.monotonic()))

    def set_open(self, is_open):
        with self.gate:
            self.open = is_open
            self.gate.notify_all()

    def park(self, timeout):
        """Closes the gate and waits until every worker has parked: False if not in time."""
        self.set_open(False)
        with self.gate:
            return self.gate.wait_for(lambda: self.parked == len(self.threads), timeout)

    def join(self, timeout):
        for thread in self.threads:
            thread.join(timeout)
