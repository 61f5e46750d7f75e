"""`sozialbot run` through the channel interface (bot/run.py): a registered channel is started
and stopped, and the reminders the scheduler makes are delivered by the channels at once."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.run import run_channels
from tests.support.channel import RecordingChannel
from tests.support.core import Bot, at

MARCH_12 = date(2026, 3, 12)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    bot.session(MARCH_12)  # kreis-1 comes; kreis-2 has not answered
    return bot


async def test_a_channel_is_started_and_stopped_with_the_scheduler(
        bot: Bot, tmp_path: Path) -> None:
    now = at(date(2026, 2, 3), 9)
    email = RecordingChannel(bot.core, tmp_path / "attempts.jsonl", lambda: now)
    stop = asyncio.Event()
    running = asyncio.create_task(run_channels(bot.core, [email], stop, now=lambda: now))
    await email.wait_for("session_alert")  # the session's alerts, sent at once
    assert email.running
    stop.set()
    await asyncio.wait_for(running, 5)
    assert email.stopped
    assert not email.running


async def test_a_reminder_the_scheduler_makes_is_delivered_without_waiting(
        bot: Bot, tmp_path: Path) -> None:
    clock = [at(date(2026, 2, 3), 9)]

    def now() -> datetime:
        return clock[0]

    email = RecordingChannel(bot.core, tmp_path / "attempts.jsonl", now)  # outbox: every 60 s
    stop = asyncio.Event()
    running = asyncio.create_task(run_channels(bot.core, [email], stop, now=now, tick=0.05))
    await email.wait_for("session_alert")
    clock[0] = at(date(2026, 3, 5), 9)  # seven days before the session
    await email.wait_for("reminder")
    stop.set()
    await asyncio.wait_for(running, 5)
    reminders = [(address, n.text) for address, n in email.sent if n.kind == "reminder"]
    assert [address for address, _ in reminders] == ["kreis-2@example.org"]
    assert "Erinnerung (R9): Budget-II-Sitzung Adendorf in 7 Tagen" in reminders[0][1]
