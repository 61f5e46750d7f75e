"""The shared outbox loop (bot/outbox.py) with the real Core on real files, and a channel that
records what it was given: what it sends is marked once, what it cannot send is told apart."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.attempts import Attempts
from bot.channel import LazyChannel, Unavailable, Undeliverable
from bot.outbox import Outbox
from tests.support.channel import RecordingChannel
from tests.support.core import Bot, at

FEB_2 = at(date(2026, 2, 2))


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    bot.submit()  # the Geschäftsführung hears of the new application
    return bot


def channel(bot: Bot, tmp_path: Path, limit: int = 3) -> RecordingChannel:
    return RecordingChannel(bot.core, tmp_path / "attempts.jsonl", lambda: FEB_2, limit=limit)


def waiting(bot: Bot, now: datetime = FEB_2) -> list[str]:
    return [p.notification.kind for p in bot.core.pending_notifications("email", now)]


async def test_a_pass_sends_each_notification_once_and_marks_it(bot: Bot, tmp_path: Path) -> None:
    email = channel(bot, tmp_path)
    assert await email.outbox.deliver_pending() == 1
    assert [(address, n.kind) for address, n in email.sent] == [
        ("sek-ade@example.org", "application")]
    assert waiting(bot) == []
    assert await email.outbox.deliver_pending() == 0
    assert len(email.sent) == 1


async def test_unavailable_keeps_it_for_later_undeliverable_drops_it(
        bot: Bot, tmp_path: Path) -> None:
    email = channel(bot, tmp_path)
    (pending,) = bot.core.pending_notifications("email", FEB_2)
    email.failures = [Unavailable("Server weg")]
    assert await email.outbox.deliver_pending() == 0
    assert waiting(bot) == ["application"]
    assert email.outbox.attempts.get(f"notification:{pending.outbox_id}") is None  # not counted
    email.failures = [Undeliverable("Adresse gibt es nicht")]
    assert await email.outbox.deliver_pending() == 0
    assert waiting(bot) == []
    assert email.sent == []


async def test_a_failing_notification_is_tried_again_then_given_up_on_disk(
        bot: Bot, tmp_path: Path) -> None:
    email = channel(bot, tmp_path, limit=2)
    (pending,) = bot.core.pending_notifications("email", FEB_2)
    key = f"notification:{pending.outbox_id}"
    email.failures = [ValueError("kaputt")]
    await email.outbox.deliver_pending()
    assert waiting(bot) == ["application"]
    again = channel(bot, tmp_path, limit=2)  # a restart keeps the count
    failure = again.outbox.attempts.get(key)
    assert failure is not None
    assert failure.count == 1
    again.failures = [ValueError("kaputt")]
    await again.outbox.deliver_pending()
    assert waiting(bot) == []  # given up after the second attempt
    assert again.sent == []


async def test_woken_it_delivers_before_its_interval(bot: Bot, tmp_path: Path) -> None:
    email = channel(bot, tmp_path)
    stop = asyncio.Event()
    loop = asyncio.create_task(email.run(stop))
    await asyncio.wait_for(email.delivered.wait(), 5)
    email.delivered.clear()
    bot.submit(Titel="Lesepaten")  # a second application, while the loop sleeps for 60 s
    email.wake()
    await asyncio.wait_for(email.delivered.wait(), 5)
    stop.set()
    await asyncio.wait_for(loop, 5)
    assert email.kinds() == ["application", "application"]


class Idle(LazyChannel):
    """A channel whose session is not running (not started yet, or stopped)."""

    name = "email"
    label = "E-Mail"

    def status(self) -> tuple[bool, str]:
        return True, "im Test"

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()


async def test_a_channel_that_is_not_running_keeps_its_notifications(
        bot: Bot, tmp_path: Path) -> None:
    idle = Idle(bot.core, bot.config)
    box = Outbox(bot.core, idle, interval=60, now=lambda: FEB_2,
                 attempts=Attempts(tmp_path / "attempts.jsonl", first_pause=0))
    idle.wake()  # nothing to wake: no error
    assert await box.deliver_pending() == 0
    assert waiting(bot) == ["application"]
