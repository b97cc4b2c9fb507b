import sys

import pytest

from support import REPO, Daemon, FakePublisher

sys.path.insert(0, str(REPO / "python"))


@pytest.fixture
def start_daemon(tmp_path):
    """Starts swmrd in the test's folder; every daemon must exit 0 on SIGTERM at the end."""
    daemons = []

    def start(watches=(), **settings):
        workdir = tmp_path / f"daemon{len(daemons)}"
        workdir.mkdir()
        daemon = Daemon(workdir, watches, **settings)
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        code = daemon.stop()
        assert code == 0, f"swmrd exited {code}:\n{daemon.log()}"


@pytest.fixture
def publisher():
    fake = FakePublisher()
    yield fake
    fake.close()
