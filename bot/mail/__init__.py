"""The e-mail channel: applicants, secretaries and county representatives write to a mailbox.

Run by `sozialbot run` when [email.imap] and [email.smtp] name a host (`run_mail`); settings in
bot.mail.settings, the channel in bot.mail.channel (reading in bot.mail.inbox and bot.mail.imap,
one mail in bot.mail.handling, sending in bot.mail.smtp). The IMAP and SMTP libraries are imported
only when the channel runs."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.mail.settings import mail_status

if TYPE_CHECKING:
    from bot.channel import Clock
    from handlers.service import Core
    from rules.county import Config

__all__ = ["mail_status", "run_mail"]


async def run_mail(core: Core, config: Config, stop: asyncio.Event, *,
                   now: Clock | None = None) -> None:
    from bot.mail.channel import run_mail as run

    await run(core, config, stop, now=now)
