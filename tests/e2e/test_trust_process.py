"""Attacks on the running bot as a process: an open Telegram webhook, a world-readable data
folder, a token in the logs. `sozialbot` runs as a subprocess, Telegram is the Bot API emulator."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import stat
import subprocess
from pathlib import Path

import aiohttp
import pytest

from bot import redact
from tests.e2e.test_telegram_run import (
    free_port,
    read_until,
    sozialbot_command,
    start_run,
    stop_run,
)
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.core import sketch
from tests.support.telegram_fixtures import APPLICANT, Clock, RunningBot, write_config

TOKEN = "987654321:AAHsEcReTtOkEnOfThEbOtThAtMuStNeVeRlEaK"


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")}
    return {**env, **extra}


# -- Telegram webhook ------------------------------------------------------------------------------

async def test_a_webhook_without_secret_refuses_to_start_and_exits_non_zero(
        tmp_path: Path, emulator: BotApiEmulator) -> None:
    config = write_config(tmp_path, emulator, mode="webhook", webhook_port=free_port(),
                          webhook_url="https://bot.example.org/telegram")
    process = await asyncio.create_subprocess_exec(
        *sozialbot_command(), "run", "--config", str(config), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=environment(TELEGRAM_BOT_TOKEN=emulator.token))
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode != 0
    assert "TELEGRAM_WEBHOOK_SECRET" in output.decode()
    assert "ohne Geheimnis" in output.decode()
    assert emulator.webhook == {}  # no webhook was ever set


async def _webhook_bot(tmp_path: Path, emulator: BotApiEmulator, clock: Clock,
                       monkeypatch: pytest.MonkeyPatch) -> tuple[RunningBot, str]:
    """The bot running with a webhook on 127.0.0.1 and its secret set; the webhook's URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", emulator.token)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "richtig-geheim-42")
    config = write_config(tmp_path, emulator, mode="webhook", webhook_url=url,
                          webhook_listen="127.0.0.1", webhook_port=port)
    return await RunningBot(config, emulator, clock).start(), url


async def test_a_webhook_post_without_or_with_a_wrong_secret_gets_403_and_changes_nothing(
        tmp_path: Path, emulator: BotApiEmulator, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bot, url = await _webhook_bot(tmp_path, emulator, clock, monkeypatch)
    update = {"update_id": 77, "message": {
        "message_id": 1, "date": 1772442000, "chat": {"id": APPLICANT, "type": "private"},
        "from": {"id": APPLICANT, "is_bot": False, "first_name": "Eve"},
        "text": sketch()}}
    statuses = []
    try:
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "richtig-geheim-4"},
                            {"X-Telegram-Bot-Api-Secret-Token": ""}):
                async with session.post(url, json=update, headers=headers) as response:
                    statuses.append(response.status)
        await asyncio.sleep(0.3)
        assert bot.core is not None
        applications = bot.core.export()["applications"]
    finally:
        await bot.stop()
    assert statuses == [403, 403, 403]
    assert applications == []
    assert emulator.messages(APPLICANT) == []


async def test_a_webhook_body_larger_than_any_update_is_not_read_even_with_the_secret(
        tmp_path: Path, emulator: BotApiEmulator, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone can POST to the webhook, and the body is read before the secret is checked:
    before, up to 100 MB per connection (tornado's default), now 1 MB."""
    bot, url = await _webhook_bot(tmp_path, emulator, clock, monkeypatch)

    def update(number: int, text: str) -> dict[str, object]:
        return {"update_id": number, "message": {
            "message_id": number, "date": 1772442000,
            "chat": {"id": APPLICANT, "type": "private"},
            "from": {"id": APPLICANT, "is_bot": False, "first_name": "Eve"}, "text": text}}

    secret = {"X-Telegram-Bot-Api-Secret-Token": "richtig-geheim-42"}
    try:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.post(url, json=update(78, sketch() + "x" * 2_000_000),
                                        headers=secret) as response:
                    huge = response.status
            except aiohttp.ClientError:
                huge = 0  # the server closed the connection instead of reading on
            async with session.post(url, json=update(79, sketch()), headers=secret) as response:
                usual = response.status
        assert bot.core is not None
        applications = bot.core.export()["applications"]
    finally:
        await bot.stop()
    assert huge != 200
    assert usual == 200
    assert len(applications) == 1  # the usual update only


# -- the data folder -----------------------------------------------------------------------------

def modes(directory: Path) -> dict[str, int]:
    return {str(p.relative_to(directory)): stat.S_IMODE(p.stat().st_mode)
            for p in (directory, *directory.rglob("*")) if not p.is_symlink()}


def test_the_data_folder_is_private_whatever_the_umask(tmp_path: Path) -> None:
    subprocess.run([*sozialbot_command(), "init", str(tmp_path / "county")], check=True,
                   capture_output=True)
    config = tmp_path / "county" / "sozialbot.toml"
    for who, text in (("kita@example.org", sketch()), ("sek-ade", "/saldo"),
                      ("verwaltung", "/einladen sek-ade")):
        subprocess.run([*sozialbot_command(), "say", "--config", str(config), "--as", who, text],
                       check=True, capture_output=True, preexec_fn=lambda: os.umask(0))
    found = modes(tmp_path / "county" / "data")
    assert any(name.endswith(".json") for name in found)
    assert "journal.log" in found
    for name, mode in found.items():
        is_dir = (tmp_path / "county" / "data" / name).is_dir() if name != "." else True
        assert mode == (0o700 if is_dir else 0o600), f"{name}: {oct(mode)}"


async def test_run_warns_about_and_tightens_a_data_folder_others_can_read(
        tmp_path: Path, emulator: BotApiEmulator) -> None:
    config = write_config(tmp_path, emulator)
    data = tmp_path / "data"
    (data / "2026.json").write_text("{}", encoding="utf-8")
    data.chmod(0o755)
    (data / "2026.json").chmod(0o644)
    process = await start_run(config, environment())
    try:
        started = await read_until(process, "sozialbot läuft")
    finally:
        await stop_run(process)
    assert "für andere Benutzer lesbar" in started
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "2026.json").stat().st_mode) == 0o600


# -- secrets in logs -----------------------------------------------------------------------------

def test_a_library_error_carrying_the_token_url_is_logged_without_the_token(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SOZIALBOT_IMAP_PASSWORD", "Pa55wort-geheim")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redact.install()
        log = logging.getLogger("telegram.ext.Updater")
        try:
            raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getUpdates failed")
        except ConnectionError:
            log.exception("Fehler beim Abrufen: %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
        logging.getLogger("bot.mail.inbox").warning("IMAP login Pa55wort-geheim refused")
        logging.getLogger("handlers").info("Nachricht: /buchen K7F3QX2M und /freigeben ABCDEFGH")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "getUpdates failed" in text  # the error is still there, only the secrets are gone
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    assert "Pa55wort-geheim" not in text
    assert "K7F3QX2M" not in text
    assert "ABCDEFGH" not in text


async def test_run_output_never_shows_the_token(tmp_path: Path, emulator: BotApiEmulator) -> None:
    emulator.token = TOKEN  # the emulator refuses it: the bot logs the failure
    process = await start_run(write_config(tmp_path, emulator),
                              environment(TELEGRAM_BOT_TOKEN=TOKEN))
    try:
        started = await read_until(process, "sozialbot läuft")
        await asyncio.sleep(1.0)
    finally:
        output = started + await stop_run(process)
    assert TOKEN.split(":")[1] not in output
