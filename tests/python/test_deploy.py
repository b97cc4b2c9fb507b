"""deploy/: the systemd unit passes `systemd-analyze verify`, the example config is one the
daemon accepts, the sysusers.d file creates the user, the maintainer scripts are valid sh."""

import shutil
import subprocess

import pytest

from support import REPO, binary

DEPLOY = REPO / "deploy"


def test_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify checks that ExecStart's binary exists: point it at the one just built.
    unit = (DEPLOY / "swmrd.service").read_text()
    assert "ExecStart=/usr/sbin/swmrd --config /etc/swmrd/swmrd.yaml\n" in unit
    copy = tmp_path / "swmrd.service"
    copy.write_text(unit.replace("ExecStart=/usr/sbin/swmrd", "ExecStart=" + binary("SWMRD_BIN")))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_unit_has_the_promised_settings():
    lines = set((DEPLOY / "swmrd.service").read_text().splitlines())
    for setting in ("Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict",
                    "PrivateTmp=yes", "ProtectHome=yes", "Restart=on-failure",
                    "WatchdogSec=30", "ExecReload=/bin/kill -HUP $MAINPID", "User=swmrd"):
        assert setting in lines, setting
    assert any(line.startswith("ReadOnlyPaths=") for line in lines)


def test_example_config_is_valid():
    result = subprocess.run([binary("SWMRD_BIN"), "--check-config", str(DEPLOY / "swmrd.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sysusers_file_creates_the_user(tmp_path):
    sysusers = shutil.which("systemd-sysusers")
    if sysusers is None:
        pytest.skip("systemd-sysusers is not installed")
    (tmp_path / "etc").mkdir()
    result = subprocess.run([sysusers, f"--root={tmp_path}", str(DEPLOY / "swmrd.sysusers")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "etc" / "passwd").read_text().startswith("swmrd:")


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm"])
def test_maintainer_scripts_parse(script):
    path = DEPLOY / "debian" / script
    result = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert path.stat().st_mode & 0o111, f"{path} is not executable"
