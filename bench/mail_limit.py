"""The e-mail limit from a cold start, as a process of its own (benchmark 2, `bench/mail.py`):
a fresh interpreter imports imap-tools and aiosmtplib, logs in, fetches every mail waiting in
the inbox in bulk, and sends one fixed reply to each sender over one SMTP connection.

It imports nothing of sozialbot's nor of the benchmark's, so its start costs what a bare client's
does. Run: python -m bench.mail_limit IMAP_PORT SMTP_PORT USER PASSWORD
"""

from __future__ import annotations

import asyncio
import sys
from email.message import EmailMessage

import aiosmtplib
from imap_tools import MailBoxUnencrypted


def reply_bytes(bot: str) -> bytes:
    """The one fixed reply the limit sends to every sender."""
    reply = EmailMessage()
    reply["From"] = bot
    reply["Subject"] = "Re: Projektskizze"
    reply.set_content("Vielen Dank, Ihre Projektskizze ist eingegangen.\n")
    return reply.as_bytes()


async def send_replies(smtp_port: int, senders: list[str], bot: str) -> None:
    """One fixed reply per mail, one SMTP connection."""
    data = reply_bytes(bot)
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp_port, timeout=60)
    await client.connect()
    try:
        for sender in senders:
            await client.sendmail(bot, [sender], data)
    finally:
        await client.quit()


def main(argv: list[str]) -> int:
    imap_port, smtp_port, user, password = int(argv[0]), int(argv[1]), argv[2], argv[3]
    with MailBoxUnencrypted("127.0.0.1", imap_port, timeout=60) as box:
        box.login(user, password, initial_folder="INBOX")
        senders = [m.from_ for m in box.fetch(mark_seen=False, bulk=100)]
    asyncio.run(send_replies(smtp_port, senders, user))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
