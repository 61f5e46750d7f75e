"""A channel for tests (bot.channel.Channel) on the address book key "email", where the
configuration has everyone's address: it records what it is given to deliver, or raises what
the test puts in `failures`; `run` delivers its outbox with the real loop (bot/outbox.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.attempts import Attempts
from bot.channel import Clock
from bot.outbox import Outbox
from handlers.messages import Notification
from handlers.service import Core


class RecordingChannel:
    name = "email"
    label = "E-Mail"

    def __init__(self, core: Core, attempts: Path, now: Clock, *, limit: int = 3,
                 interval: float = 60) -> None:
        self.outbox = Outbox(core, self, interval=interval, now=now,
                             attempts=Attempts(attempts, limit=limit, first_pause=0))
        self.sent: list[tuple[str, Notification]] = []
        self.failures: list[Exception] = []
        self.delivered = asyncio.Event()
        self.running = False
        self.stopped = False

    def status(self) -> tuple[bool, str]:
        return True, "im Test"

    async def run(self, stop: asyncio.Event) -> None:
        self.running = True
        try:
            await self.outbox.run(stop)
        finally:
            self.running, self.stopped = False, True

    def wake(self) -> None:
        self.outbox.wake()

    async def deliver(self, notification: Notification, address: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((address, notification))
        self.delivered.set()

    async def wait_for(self, kind: str, timeout: float = 5) -> None:  # noqa: ASYNC109
        """Until a notification of `kind` was delivered."""
        async with asyncio.timeout(timeout):
            while kind not in self.kinds():
                self.delivered.clear()
                await self.delivered.wait()

    def kinds(self) -> list[str]:
        return [notification.kind for _, notification in self.sent]
