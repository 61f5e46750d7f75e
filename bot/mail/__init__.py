"""The e-mail channel: applicants, secretaries and county representatives write to a mailbox.

`Mail` is what `sozialbot run` sees (bot.channel.Channel); settings in bot.mail.settings, the
channel in bot.mail.channel (reading in bot.mail.inbox and bot.mail.imap, one mail in
bot.mail.handling, sending in bot.mail.smtp). The IMAP and SMTP libraries are imported only when
`sozialbot run` starts with e-mail on."""

from __future__ import annotations

import asyncio

from bot.channel import LABELS, LazyChannel
from bot.mail.settings import MailConfigError, MailSettings, mail_status
from rules.county import Config

__all__ = ["Mail", "log_in_early", "mail_status"]


def log_in_early(config: Config) -> None:
    """When the configuration switches e-mail on: begin the IMAP login now, beside the rest
    of the start; the channel takes the connection when it runs (`bot.mail.imap.connect_early`)."""
    if not config.raw.get("email"):
        return
    try:
        settings = MailSettings.from_config(config)
    except MailConfigError:  # the channel says so when it starts
        return
    from bot.mail import imap

    imap.connect_early(settings)


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
