"""The e-mail channel: applicants, secretaries and county representatives write to a mailbox.

Run by `sozialbot run` when [email.imap] and [email.smtp] name a host (`run_mail`); the channel
is in bot.mail.channel. It is imported only when asked: the Telegram channel reads documents
with bot.mail.parse and needs no IMAP or SMTP library for that."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.channel import Clock
    from handlers.service import Core
    from rules.county import Config

__all__ = ["mail_status", "run_mail"]


def mail_status(config: Config) -> tuple[bool, str]:
    from bot.mail.channel import mail_status as status

    return status(config)


async def run_mail(core: Core, config: Config, stop: asyncio.Event, *,
                   now: Clock | None = None) -> None:
    from bot.mail.channel import run_mail as run

    await run(core, config, stop, now=now)
