"""The e-mail channel: applicants, secretaries and county representatives write to a mailbox.

`Mail` is what `sozialbot run` sees (bot.channel.Channel); settings in bot.mail.settings, the
channel in bot.mail.channel (reading in bot.mail.inbox and bot.mail.imap, one mail in
bot.mail.handling, sending in bot.mail.smtp). The IMAP and SMTP libraries are imported only when
the channel runs."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.channel import LABELS, Clock, Unavailable
from bot.mail.settings import mail_status

if TYPE_CHECKING:
    from bot.mail.channel import MailChannel
    from handlers.messages import Notification
    from handlers.service import Core
    from rules.county import Config

__all__ = ["Mail", "mail_status"]


class Mail:
    name = "email"
    label = LABELS[name]

    def __init__(self, core: Core, config: Config, now: Clock | None = None) -> None:
        self.core = core
        self.config = config
        self.now = now
        self._running: MailChannel | None = None

    def status(self) -> tuple[bool, str]:
        return mail_status(self.config)

    async def run(self, stop: asyncio.Event) -> None:
        from bot.mail.channel import open_channel

        self._running = open_channel(self.core, self.config, self.now)
        if self._running is None:
            return
        try:
            await self._running.run(stop)
        finally:
            self._running = None

    def wake(self) -> None:
        if self._running is not None:
            self._running.notify_now.set()

    async def deliver(self, notification: Notification, address: str) -> None:
        if self._running is None:
            raise Unavailable("der E-Mail-Kanal läuft nicht")
        await self._running.deliver(notification, address)
