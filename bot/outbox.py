"""The core's outbox delivered on one channel: one loop for every channel that sends
notifications one by one (Telegram, Matrix).

A pass takes what waits for the channel (oldest first), marks as done what cannot reach its
recipient there (no address on this channel), and hands each notification to `channel.deliver`.
Each one sent is marked delivered at once, one commit per message: a crash repeats at most the
one in flight. `Undeliverable` drops a notification (logged); `Unavailable` ends the pass, to be
tried again at the next; any other error is a failed attempt, counted on disk (bot/attempts.py),
and after the last attempt the notification is dropped, so one that cannot be sent holds up
no other and cannot keep the channel busy forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from bot.channel import Channel, Clock, Unavailable, Undeliverable

if TYPE_CHECKING:
    from bot.attempts import Attempts
    from handlers.service import Core

log = logging.getLogger(__name__)


class Outbox:
    def __init__(self, core: Core, channel: Channel, *, interval: float, attempts: Attempts,
                 now: Clock) -> None:
        self.core = core
        self.channel = channel
        self.interval = interval
        self.attempts = attempts
        self.now = now
        self._woken = asyncio.Event()
        self._delivering = asyncio.Lock()
        self._again = False

    def wake(self) -> None:
        """Deliver now, not only after `interval` (a message or the scheduler made some)."""
        self._woken.set()

    async def run(self, stop: asyncio.Event) -> None:
        """A pass at once, then one every `interval` seconds or when woken, until `stop`."""
        while not stop.is_set():
            self._woken.clear()
            try:
                await self.deliver_pending()
            except Exception:
                log.exception("%s: outbox delivery failed; again in %.0f s",
                              self.channel.label, self.interval)
            await self._pause(stop)

    async def _pause(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._woken.wait())]
        try:
            await asyncio.wait(waits, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*waits, return_exceptions=True)

    async def deliver_pending(self) -> int:
        """Pass over the outbox until nothing new came meanwhile; how many went out. One runner
        at a time: called while a pass runs, it asks that runner to go round once more."""
        if self._delivering.locked():
            self._again = True
            return 0
        sent = 0
        async with self._delivering:
            self._again = True
            while self._again:
                self._again = False
                sent += await self._pass()
        return sent

    async def _pass(self) -> int:
        name, now = self.channel.name, self.now()
        pending = await asyncio.to_thread(self.core.pending_notifications, name, now)
        unreachable = [p.outbox_id for p in pending if p.address is None]
        if unreachable:
            await asyncio.to_thread(self.core.mark_delivered, unreachable, name, now)
        sent = 0
        for outbox_id, notification, address in pending:
            if address is None:
                continue
            key = f"notification:{outbox_id}"
            try:
                await self.channel.deliver(notification, address)
                sent += 1
            except Undeliverable as error:
                log.warning("notification %s to %s not deliverable on %s: %s", outbox_id,
                            notification.recipient, self.channel.label, error)
            except Unavailable as error:
                log.info("%s unavailable (%s); outbox tried again in %.0f s",
                         self.channel.label, error, self.interval)
                return sent
            except Exception as error:
                failure = await asyncio.to_thread(self.attempts.failed, key, error)
                if failure.count < self.attempts.limit:
                    log.warning("%s: %s: %s (attempt %d)", key, type(error).__name__, error,
                                failure.count)
                    continue
                log.error("%s given up after %d attempts", key, failure.count, exc_info=error)
            if self.attempts.get(key) is not None:
                self.attempts.forget(key)
            # One mark per message: a crash right after a send repeats at most this one.
            await asyncio.to_thread(self.core.mark_delivered, [outbox_id], name, now)
        return sent
