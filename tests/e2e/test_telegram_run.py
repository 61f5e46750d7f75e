"""`sozialbot run` as a process with Telegram on (polling) and the webhook mode in process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.support.botapi_emulator import BotApiEmulator
from tests.support.telegram_fixtures import APPLICANT, Clock, RunningBot, write_config


def sozialbot_command() -> list[str]:
    """The installed `sozialbot` script beside this Python, else the module it runs."""
    script = Path(sys.executable).with_name("sozialbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_run(config: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *sozialbot_command(), "run", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)


async def read_until(process: asyncio.subprocess.Process, marker: str) -> str:
    assert process.stdout is not None
    seen: list[str] = []
    async with asyncio.timeout(30):
        while not any(marker in line for line in seen):
            line = (await process.stdout.readline()).decode()
            if not line:
                break
            seen.append(line)
    return "".join(seen)


async def stop_run(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    return output.decode()


async def test_sozialbot_run_answers_help_on_telegram(
    tmp_path: Path, emulator: BotApiEmulator
) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token}
    process = await start_run(write_config(tmp_path, emulator), env)
    try:
        started = await read_until(process, "sozialbot läuft")
        update = emulator.send_text(APPLICANT, "/hilfe")
        answer = await emulator.wait_for_message(APPLICANT, timeout=30)
    finally:
        output = await stop_run(process)

    assert "Telegram: an" in started
    assert "/antrag" in answer.text
    assert process.returncode == 0
    assert "sozialbot beendet" in output
    assert emulator.token not in started + output, "the token never shows in the log"
    assert emulator.confirmed_offset > update, "the handled update was confirmed at the stop"


async def test_sozialbot_run_without_token_says_telegram_is_off_and_why(
    tmp_path: Path, emulator: BotApiEmulator
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    process = await start_run(write_config(tmp_path, emulator), env)
    try:
        started = await read_until(process, "sozialbot läuft")
    finally:
        await stop_run(process)

    assert "Telegram: aus" in started
    assert "TELEGRAM_BOT_TOKEN" in started
    assert emulator.calls == []


async def test_webhook_mode_answers_and_refuses_a_wrong_secret(
    tmp_path: Path, emulator: BotApiEmulator, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-hook"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", emulator.token)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "geheim-123")
    config = write_config(tmp_path, emulator, mode="webhook", webhook_url=url,
                          webhook_listen="127.0.0.1", webhook_port=port)
    bot = await RunningBot(config, emulator, clock).start()
    try:
        first = await bot.say(APPLICANT, "/hilfe", expect="/antrag")
        emulator.fail_next("sendMessage", 8, status=500)  # answered 503, delivered again
        emulator.send_text(APPLICANT, "/antraege")
        second = await emulator.wait_for_message(APPLICANT, timeout=30)
        async with aiohttp.ClientSession() as session, session.post(
            url, json={"update_id": 999, "message": {}},
            headers={"X-Telegram-Bot-Api-Secret-Token": "falsch"},
        ) as forged:
            forged_status = forged.status
    finally:
        await bot.stop()

    assert emulator.webhook["secret_token"] == "geheim-123"
    assert "/antrag" in first.text
    assert second.text
    assert len(emulator.messages(APPLICANT)) == 2
    assert forged_status == 403
    assert emulator.polls_started == 0
