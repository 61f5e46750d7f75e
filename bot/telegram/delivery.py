"""Notifications and reminders: the core's outbox for Telegram sent by a repeating job (and at
once after a message that made some); R9 reminders asked of the core by another job."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes

from bot.attempts import Attempts
from bot.telegram.send import Replies
from bot.telegram.settings import CHANNEL, Clock, TelegramSettings
from handlers.messages import Outcome, Reply

if TYPE_CHECKING:
    from handlers.service import Core

log = logging.getLogger(__name__)


class Outbox:
    """Delivers what waits in the core's outbox for Telegram; one runner at a time."""

    def __init__(self, core: Core, settings: TelegramSettings, replies: Replies,
                 attempts: Attempts, now: Clock) -> None:
        self.core = core
        self.settings = settings
        self.replies = replies
        self.attempts = attempts
        self.now = now
        self._delivering = asyncio.Lock()
        self._deliver_again = False

    async def deliver_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send what waits in the core's outbox for Telegram; one runner at a time."""
        if self._delivering.locked():
            self._deliver_again = True
            return
        async with self._delivering:
            self._deliver_again = True
            while self._deliver_again:
                self._deliver_again = False
                await self.deliver_pending(context.bot)

    async def deliver_pending(self, bot: Any) -> int:
        """One pass over the outbox; returns how many notifications went out."""
        now = self.now()
        pending = await asyncio.to_thread(self.core.pending_notifications, CHANNEL, now)
        unreachable = [p.outbox_id for p in pending if p.address is None]
        if unreachable:
            await asyncio.to_thread(self.core.mark_delivered, unreachable, CHANNEL, now)
        sent = 0
        for outbox_id, notification, address in pending:
            if address is None:
                continue
            try:
                await self.replies.send_reply(
                    bot, int(address), Reply(notification.text, notification.actions),
                    retry=False)
                sent += 1
            except (Forbidden, BadRequest, ValueError) as error:
                # blocked the bot, deleted the chat, or no chat id: retrying cannot help
                log.warning("notification %s to %s not deliverable on Telegram: %s",
                            outbox_id, notification.recipient, error)
            except (RetryAfter, NetworkError) as error:
                log.info("Bot API unavailable (%s); outbox retried in %.0f s", error,
                         self.settings.delivery_interval)
                return sent
            except Exception as error:  # one that cannot be sent holds up no other
                key = f"notification:{outbox_id}"
                failure = await asyncio.to_thread(self.attempts.failed, key, error)
                if failure.count < self.attempts.limit:
                    log.warning("%s: %s: %s (attempt %d)", key, type(error).__name__, error,
                                failure.count)
                    continue
                log.error("%s given up after %d attempts", key, failure.count, exc_info=error)
                self.attempts.forget(key)
            # One mark per message sent: a crash right after it repeats at most this one.
            await asyncio.to_thread(self.core.mark_delivered, [outbox_id], CHANNEL, now)
        return sent

    async def reminder_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Let the core post the R9 reminders due now; they leave through the outbox."""
        made = await asyncio.to_thread(self.core.run_due_reminders, self.now())
        if made and context.job_queue:
            context.job_queue.run_once(self.deliver_job, 0)

    def after(self, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome) -> None:
        """Deliver at once what a message put into the outbox."""
        if outcome.notifications and context.job_queue:
            context.job_queue.run_once(self.deliver_job, 0)
