"""`sozialbot backup` while the bot runs, the bot killed during it, and `sozialbot restore` into a
working bot: all through the real command in subprocesses, on real files."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import CONCEPT, SKETCH, init_county, say, sozialbot

pytestmark = pytest.mark.slow


def export_of(config: Path) -> dict[str, Any]:
    result = sozialbot("export", config=config)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    data.pop("generated_at")
    return data


def start_bot(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SOZIALBOT_CONFIG": str(config), "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while "sozialbot läuft" not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return process


def sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
    return count


def accepted(pid: int, client: subprocess.Popen[bytes]) -> None:
    """Until the bot has one socket more than before (the client's connection)."""
    before = sockets(pid)
    deadline = time.monotonic() + 30
    while sockets(pid) <= before and client.poll() is None:
        assert time.monotonic() < deadline


def connected(client: subprocess.Popen[bytes]) -> None:
    """Until the backup client holds its socket to the (stopped) bot, and a moment more for its
    request to be sent: the kernel queues the connection while the bot cannot answer."""
    deadline = time.monotonic() + 60
    while sockets(client.pid) == 0 and client.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.5)


def restored_config(config: Path, directory: Path) -> Path:
    text = config.read_text(encoding="utf-8").replace('data_dir = "data"',
                                                      f'data_dir = "{directory}"')
    path = directory.parent / f"{directory.name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bot_killed_during_backups_the_last_backup_restores_to_the_export_of_its_time(
        tmp_path: Path) -> None:
    config = init_county(tmp_path / "county")
    assert say(config, "sek-ade", CONCEPT, "2026-01-20").returncode == 0
    backup = tmp_path / "sicherung.tar.gz"
    good: dict[str, Any] | None = None
    cut_off: list[int] = []  # rounds whose backup the kill cut off
    rng = random.Random(15)
    for round_ in range(4):
        for i in range(5):  # the data grows between the backups
            sketch = SKETCH.format(conference="Adendorf", applicant=f"Träger {round_}-{i}",
                                   title=f"Projekt {round_}-{i}", amount="250 €")
            assert say(config, f"traeger{round_}{i}@example.org", sketch,
                       "2026-02-02").returncode == 0
        expected = export_of(config)
        bot = start_bot(config, tmp_path / f"bot-{round_}.log")
        if round_ == 0:  # the bot stalls (SIGSTOP) with the backup asked for, then dies
            bot.send_signal(signal.SIGSTOP)
        client = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "backup", str(backup)],
            env={**os.environ, "SOZIALBOT_CONFIG": str(config)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if round_ == 0:
            connected(client)
        elif round_ % 2:
            time.sleep(rng.uniform(0.2, 0.9))  # at some moment
        else:
            accepted(bot.pid, client)  # as soon as the bot took the client's connection
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        _, err = client.communicate(timeout=60)
        if client.returncode == 0:
            good = expected
        else:
            cut_off.append(round_)
            assert b"nicht" in err, err  # "… wurde nicht geändert"
        if good is None:
            continue
        # Whatever happened, the file is a whole backup: of this round, or an earlier one.
        target = tmp_path / f"wiederhergestellt-{round_}"
        result = sozialbot("restore", str(backup), str(target), config=config)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "alle Salden stimmen" in result.stdout
        assert export_of(restored_config(config, target)) == good
    assert good is not None
    # The restored bot works on: it takes the next application with the next number.
    last = restored_config(config, tmp_path / "wiederhergestellt-3")
    count = len(export_of(last)["applications"])
    result = say(last, "neu@example.org", SKETCH.format(
        conference="Adendorf", applicant="Neu", title="Neu", amount="100 €"), "2026-02-03")
    assert result.returncode == 0, result.stdout
    assert f"ADE-2026-{count + 1:03d}" in result.stdout
    assert 0 in cut_off, "the bot was stopped with the request on its socket, then killed"


def test_restore_refuses_a_damaged_archive_and_a_directory_in_use(tmp_path: Path) -> None:
    config = init_county(tmp_path / "county")
    assert say(config, "sek-ade", CONCEPT, "2026-01-20").returncode == 0
    backup = tmp_path / "b.tar.gz"
    assert sozialbot("backup", str(backup), config=config).returncode == 0
    data = backup.read_bytes()
    torn = tmp_path / "torn.tar.gz"
    torn.write_bytes(data[: len(data) // 2])
    result = sozialbot("restore", str(torn), str(tmp_path / "r1"), config=config)
    assert result.returncode == 1
    assert "beschädigt oder unvollständig" in result.stderr
    assert not (tmp_path / "r1").exists() or not any((tmp_path / "r1").iterdir())
    (tmp_path / "r2").mkdir()
    (tmp_path / "r2" / "2026.json").write_text("{}")
    result = sozialbot("restore", str(backup), str(tmp_path / "r2"), config=config)
    assert result.returncode == 1
    assert "nicht leer" in result.stderr
    assert (tmp_path / "r2" / "2026.json").read_text() == "{}"
