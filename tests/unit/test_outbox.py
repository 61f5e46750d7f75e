"""The shared outbox loop (bot/outbox.py) with the real Core on real files, and a channel that
records what it was given: what it sends is marked once, what it cannot send is told apart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.attempts import Attempts
from bot.channel import Channel, Unavailable, Undeliverable
from bot.outbox import Outbox
from handlers.messages import Notification
from tests.support.core import Bot, at

FEB_2 = at(date(2026, 2, 2))


class RecordingChannel:
    """A channel on the address book key "email" (the configuration has everyone's address)
    whose `deliver` records, or raises what the test puts in `failures`."""

    name = "email"
    label = "E-Mail"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: list[Exception] = []
        self.delivered = asyncio.Event()

    def status(self) -> tuple[bool, str]:
        return True, "im Test"

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()

    def wake(self) -> None:
        pass

    async def deliver(self, notification: Notification, address: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((address, notification.kind))
        self.delivered.set()


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    county = Bot(tmp_path)
    county.concept()
    county.submit()  # the Geschäftsführung hears of the new application
    yield county
    county.close()


def outbox(bot: Bot, channel: Channel, tmp_path: Path, limit: int = 3) -> Outbox:
    attempts = Attempts(tmp_path / "attempts.jsonl", limit=limit, first_pause=0)
    return Outbox(bot.core, channel, interval=60, attempts=attempts, now=lambda: FEB_2)


def waiting(bot: Bot, now: datetime = FEB_2) -> list[str]:
    return [p.notification.kind for p in bot.core.pending_notifications("email", now)]


async def test_a_pass_sends_each_notification_once_and_marks_it(bot: Bot, tmp_path: Path) -> None:
    channel = RecordingChannel()
    box = outbox(bot, channel, tmp_path)
    assert await box.deliver_pending() == 1
    assert channel.sent == [("sek-ade@example.org", "application")]
    assert waiting(bot) == []
    assert await box.deliver_pending() == 0
    assert channel.sent == [("sek-ade@example.org", "application")]


async def test_unavailable_keeps_it_for_later_undeliverable_drops_it(
        bot: Bot, tmp_path: Path) -> None:
    channel = RecordingChannel()
    box = outbox(bot, channel, tmp_path)
    channel.failures = [Unavailable("Server weg")]
    assert await box.deliver_pending() == 0
    assert waiting(bot) == ["application"]
    assert box.attempts.get("notification:" + bot.core.pending_notifications(
        "email", FEB_2)[0].outbox_id) is None  # not counted against it
    channel.failures = [Undeliverable("Adresse gibt es nicht")]
    assert await box.deliver_pending() == 0
    assert waiting(bot) == []
    assert channel.sent == []


async def test_a_failing_notification_is_tried_again_then_given_up_on_disk(
        bot: Bot, tmp_path: Path) -> None:
    channel = RecordingChannel()
    box = outbox(bot, channel, tmp_path, limit=2)
    (pending,) = bot.core.pending_notifications("email", FEB_2)
    key = f"notification:{pending.outbox_id}"
    channel.failures = [ValueError("kaputt")]
    await box.deliver_pending()
    assert waiting(bot) == ["application"]
    again = outbox(bot, channel, tmp_path, limit=2)  # a restart keeps the count
    failure = again.attempts.get(key)
    assert failure is not None
    assert failure.count == 1
    channel.failures = [ValueError("kaputt")]
    await again.deliver_pending()
    assert waiting(bot) == []  # given up after the second attempt
    assert channel.sent == []


async def test_woken_it_delivers_before_its_interval(bot: Bot, tmp_path: Path) -> None:
    channel = RecordingChannel()
    box = outbox(bot, channel, tmp_path)
    stop = asyncio.Event()
    loop = asyncio.create_task(box.run(stop))
    await asyncio.wait_for(channel.delivered.wait(), 5)
    channel.delivered.clear()
    bot.submit(Titel="Lesepaten")  # a second application, while the loop sleeps for 60 s
    box.wake()
    await asyncio.wait_for(channel.delivered.wait(), 5)
    stop.set()
    await asyncio.wait_for(loop, 5)
    assert [kind for _, kind in channel.sent] == ["application", "application"]
