"""The e-mail channel: applicants, secretaries and county representatives write to a mailbox.

`Mail` is what `sozialbot run` sees (bot.channel.Channel); settings in bot.mail.settings, the
channel in bot.mail.channel (reading in bot.mail.inbox and bot.mail.imap, one mail in
bot.mail.handling, sending in bot.mail.smtp). The IMAP and SMTP libraries are imported only when
the channel runs."""

from __future__ import annotations

import asyncio

from bot.channel import LABELS, LazyChannel
from bot.mail.settings import mail_status

__all__ = ["Mail", "mail_status"]


class Mail(LazyChannel):
    name = "email"
    label = LABELS[name]

    def status(self) -> tuple[bool, str]:
        return mail_status(self.config)

    async def run(self, stop: asyncio.Event) -> None:
        from bot.mail.channel import open_channel

        session = open_channel(self.core, self.config, self.now)
        if session is None:
            return
        self.session = session
        try:
            await session.run(stop)
        finally:
            self.session = None
