import pytest

from harness import Daemon


def pytest_configure(config):
    config.addinivalue_line("markers", "heavy: minutes of real streaming; run once in CI, on "
                            "the release build, and repeatedly by `make stress`")


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
        if daemon.process.poll() is None:
            code = daemon.stop()
            assert code == 0, daemon.log()
