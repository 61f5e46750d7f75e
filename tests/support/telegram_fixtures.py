"""Fixtures for Telegram tests: the emulator, a controlled clock, and the real bot run against both.

tests/conftest.py registers them for every test; a test asks for them by name.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import default_config_text, load_config
from bot.run import scheduler
from bot.telegram import Telegram
from bot.telegram.settings import TOKEN_ENV
from handlers.service import Core
from rules.county import Config
from tests.support.botapi_emulator import BotApiEmulator, SentMessage

BERLIN = ZoneInfo("Europe/Berlin")

# Chat ids of the people in the tests (private chats: chat id = user id).
SECRETARY_ADE = 1001
COUNTY_1 = 2001
COUNTY_2 = 2002
ADMINISTRATION = 3001
APPLICANT = 4001
STRANGER = 5001


class Clock:
    """A clock the test moves by hand; counts how often the bot read it (a sign of life)."""

    def __init__(self, start: datetime) -> None:
        self.value = start
        self.reads = 0

    def __call__(self) -> datetime:
        self.reads += 1
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)

    def set(self, value: datetime) -> None:
        self.value = value

    async def wait_reads(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has read the clock `count` more times (its jobs ran a few rounds)."""
        target = self.reads + count
        async with asyncio.timeout(timeout):
            while self.reads < target:  # noqa: ASYNC110 (the bot reads it from another task)
                await asyncio.sleep(0.02)


def telegram_table(emulator: BotApiEmulator, **overrides: object) -> str:
    """The `[telegram]` config table pointing at the emulator, with quick test intervals."""
    values: dict[str, object] = {
        "base_url": emulator.base_url,
        "base_file_url": emulator.base_file_url,
        "poll_timeout": 1,
        "delivery_interval": 0.2,
        "retry_delay": 0.05,
        "overall_max_rate": 0,
        **overrides,
    }
    lines = ["", "[telegram]"]
    for key, value in values.items():
        rendered = f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(
            value, bool) else str(value)
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


def write_config(directory: Path, emulator: BotApiEmulator, **overrides: object) -> Path:
    """A fresh `sozialbot init`-style directory (Lüneburg default) talking to the emulator."""
    (directory / "data").mkdir(parents=True, exist_ok=True)
    path = directory / "sozialbot.toml"
    path.write_text(default_config_text() + telegram_table(emulator, **overrides),
                    encoding="utf-8")
    return path


SCHEDULER_TICK = 0.2  # seconds; `sozialbot run` looks once a minute


class RunningBot:
    """The Telegram channel with the real core, and the scheduler of `sozialbot run` beside it
    (R9 reminders), on the test's clock; can be stopped and started again."""

    def __init__(self, config_path: Path, emulator: BotApiEmulator, clock: Clock) -> None:
        self.config_path = config_path
        self.emulator = emulator
        self.clock = clock
        self.config: Config = load_config(config_path)
        self.core: Core | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._scheduler: asyncio.Task | None = None

    async def start(self) -> RunningBot:
        self.config = load_config(self.config_path)
        self.core = Core.open(self.config)
        self._stop = asyncio.Event()
        polls = self.emulator.polls_started
        telegram = Telegram(self.core, self.config, self.clock)
        self._task = task = asyncio.create_task(telegram.run(self._stop))
        self._scheduler = asyncio.create_task(scheduler(
            self.core, self._stop, self.clock, wake=telegram.wake, tick=SCHEDULER_TICK))
        await self.emulator.wait_until(
            lambda: self.emulator.polls_started > polls or self.emulator.webhook.get("url")
            or task.done())
        if task.done():
            task.result()
        return self

    async def stop(self) -> None:
        if self._task is None:
            return
        assert self._stop is not None
        assert self.core is not None
        assert self._scheduler is not None
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.gather(self._task, self._scheduler), 30)
        finally:
            self._task = self._scheduler = None
            self.core.close()
            self.core = None

    async def link(self, chat_id: int, person_id: str, name: str = "") -> SentMessage:
        """Onboard a person: an invite code from the core, `/start <code>` from their phone."""
        assert self.core is not None
        code = await asyncio.to_thread(self.core.create_invite, person_id, self.clock())
        self.emulator.send_text(chat_id, f"/start {code}", first_name=name or None)
        return await self.emulator.wait_for_message(chat_id, "Willkommen")

    async def say(self, chat_id: int, text: str, expect: str | None = None) -> SentMessage:
        """A user writes; returns the bot's (first matching) answer."""
        self.emulator.send_text(chat_id, text)
        return await self.emulator.wait_for_message(chat_id, expect)

    def export(self) -> dict:
        assert self.core is not None
        return self.core.export(self.clock())


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN))


@pytest.fixture
async def telegram_bot(
    tmp_path: Path, emulator: BotApiEmulator, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningBot]:
    monkeypatch.setenv(TOKEN_ENV, emulator.token)
    bot = RunningBot(write_config(tmp_path, emulator), emulator, clock)
    await bot.start()
    try:
        yield bot
    finally:
        with contextlib.suppress(Exception):
            await bot.stop()
