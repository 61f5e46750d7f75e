"""`sozialbot status` and the log of `sozialbot run`, as a monitoring system and journald see
them: the real bot in a subprocess with the e-mail channel on Dovecot and the SMTP relay."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.botapi_emulator import BotApiEmulator
from tests.support.cli import sozialbot
from tests.support.mailservers import (
    IMAP_PASSWORD_ENV,
    PASSWORD,
    MailWorld,
    SmtpRelay,
    write_mail_config,
)
from tests.support.telegram_fixtures import APPLICANT, write_config

JOURNAL_LINE = re.compile(r"<[2-7]>(DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: \S")


def status(config: Path) -> tuple[int, dict[str, Any]]:
    result = sozialbot("status", "--json", config=config)
    return result.returncode, json.loads(result.stdout)


def until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        time.sleep(0.1)


def test_status_tells_connection_last_message_queue_and_last_error(
        tmp_path: Path, mail_world: MailWorld, smtp_relay: SmtpRelay) -> None:
    config = write_mail_config(tmp_path, mail_world, retry_seconds=0.2, retry_max_seconds=0.5)
    assert status(config) == (3, {"running": False})
    env = {**os.environ, IMAP_PASSWORD_ENV: PASSWORD, "PYTHONUNBUFFERED": "1",
           "JOURNAL_STREAM": "8:1234"}  # as under systemd
    env.pop("TELEGRAM_BOT_TOKEN", None)
    err = tmp_path / "stderr.log"
    with open(err, "wb") as stderr:
        bot = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    try:
        until(lambda: status(config)[1].get("channels", {}).get("email", {}).get("connected"),
              "the mail channel to connect")
        code, report = status(config)
        assert code == 0
        assert report["healthy"]
        assert report["channels"]["email"]["last_message_at"] is None

        mail_world.send("kita", "Frage", "Geheimwort Zitronenfalter im Text\n/hilfe")
        mail_world.wait_for("kita", 1)
        until(lambda: status(config)[1]["channels"]["email"]["messages"] == 1, "one message")
        email = status(config)[1]["channels"]["email"]
        assert email["last_message_at"]
        assert email["queue"] == 0
        assert email["last_error"] is None

        smtp_relay.refuse()  # the mail server goes away: the answer waits in the queue
        mail_world.send("verein", "Frage", "/hilfe")
        until(lambda: status(config)[1]["channels"]["email"]["queue"] == 1, "a queued answer")
        until(lambda: (status(config)[1]["channels"]["email"]["last_error"] or "")
              .startswith("SMTP:"), "the SMTP error")
        smtp_relay.accept()
        mail_world.wait_for("verein", 1)
        until(lambda: status(config)[1]["channels"]["email"]["queue"] == 0, "an empty queue")
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(30)
    assert not (config.parent / "data" / "control.sock").exists()
    lines = err.read_text(encoding="utf-8").splitlines()
    assert lines
    assert all(JOURNAL_LINE.match(line) for line in lines), lines
    assert any(line.startswith("<4>WARNING bot.mail.smtp: SMTP") for line in lines)
    text = "\n".join(lines)
    assert "Zitronenfalter" not in text
    assert PASSWORD not in text


def test_status_says_when_a_channel_is_not_connected(tmp_path: Path,
                                                    mail_world: MailWorld) -> None:
    config = write_mail_config(tmp_path, mail_world, imap__port=1, retry_max_seconds=0.5)
    env = {**os.environ, IMAP_PASSWORD_ENV: PASSWORD}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    bot = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        until(lambda: (status(config)[1].get("channels", {}).get("email", {})
                       .get("last_error") or "").startswith("IMAP:"), "the IMAP error")
        code, report = status(config)
        assert code == 1
        assert not report["healthy"]
        assert not report["channels"]["email"]["connected"]
        text = sozialbot("status", config=config).stdout
        assert "email: NICHT verbunden" in text
        assert "letzter Fehler" in text
    finally:
        bot.send_signal(signal.SIGTERM)
        bot.wait(30)


async def test_status_of_the_telegram_channel_follows_the_bot_api(
        tmp_path: Path, emulator: BotApiEmulator) -> None:
    config = write_config(tmp_path, emulator)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--config", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env)

    async def telegram_until(condition: Callable[[dict[str, Any]], object], what: str) -> None:
        deadline = time.monotonic() + 30
        while True:
            _, report = await asyncio.to_thread(status, config)
            if condition(report.get("channels", {}).get("telegram", {})):
                return
            assert time.monotonic() < deadline, f"waited in vain for {what}: {report}"
            await asyncio.sleep(0.1)

    try:
        await telegram_until(lambda t: t.get("connected"), "Telegram to connect")
        emulator.send_text(APPLICANT, "/hilfe")
        await emulator.wait_for_message(APPLICANT, timeout=30)
        await telegram_until(lambda t: t["messages"] == 1 and t["last_message_at"],
                             "the handled message")
        emulator.fail_next("getUpdates", times=1000, status=502)  # the Bot API is away
        await telegram_until(lambda t: not t["connected"] and
                             (t["last_error"] or "").startswith("getUpdates"), "the outage")
        code, _ = await asyncio.to_thread(status, config)
        assert code == 1
        emulator.clear_failures()
        await telegram_until(lambda t: t["connected"], "Telegram to come back")
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)
