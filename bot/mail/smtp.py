"""Sending the mail queue over SMTP: answers before notifications, all over one connection while
there is mail, with growing pauses while the server is away.

Every mail is fsynced in the queue (`bot.mail.queue`) before it comes here and noted in
`sent.log` once the server accepted it. A mail the server refuses for good (5xx) goes to
`failed/`, logged; one that cannot be sent at all (a non-ASCII address and a server without
SMTPUTF8) too, and the queue goes on."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiosmtplib
from aiosmtplib.email import quote_address
from aiosmtplib.typing import SMTPStatus

from bot.backoff import Backoff, sleep_or_stop
from bot.health import ChannelHealth
from bot.mail.auth import smtp_login
from bot.mail.builder import SIMPLE_ADDRESS
from bot.mail.queue import MailState, Outbox, Queued
from bot.mail.settings import MailSettings
from bot.mail.stats import Stats

log = logging.getLogger(__name__)

KEEP_OPEN_SECONDS = 1.0  # an SMTP connection waits this long for the next mail before QUIT


async def send_one(client: aiosmtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """`client.sendmail(sender, [recipient], data)`, with the same errors, without parsing both
    addresses twice with email's address parser (a tenth of the bot's time while it answered
    a thousand mails): a plain address is taken as it is; any other goes through aiosmtplib's
    check (ValueError for one unsafe on a command line, UnicodeError for non-ASCII)."""
    envelope = [_quoted(sender), _quoted(recipient)]
    await client._ehlo_or_helo_if_needed()  # what sendmail does first; SIZE needs the answer
    # RFC 1870: the size as transmitted, every line ending as CRLF
    size = len(data) + data.count(b"\n") - data.count(b"\r\n")
    options = [f"SIZE={size}".encode("ascii")] if client.supports_extension("size") else []
    try:
        response = await client.execute_command(b"MAIL", b"FROM:" + envelope[0], *options)
        if response.code != SMTPStatus.completed:
            raise aiosmtplib.SMTPSenderRefused(response.code, response.message, sender)
        response = await client.execute_command(b"RCPT", b"TO:" + envelope[1])
        if response.code not in (SMTPStatus.completed, SMTPStatus.will_forward):
            raise aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(
                response.code, response.message, recipient)])
        await client.data(data)
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
        with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
            await client.rset()  # the next mail starts with an empty envelope
        raise


def _quoted(address: str) -> bytes:
    if SIMPLE_ADDRESS.fullmatch(address):
        return f"<{address}>".encode("ascii")
    return quote_address(address).encode("ascii")


class Sending:
    """The queue's mails going out; `queued` hands it what was just written to the queue."""

    def __init__(self, settings: MailSettings, state: MailState, stats: Stats,
                 health: ChannelHealth) -> None:
        self.settings = settings
        self.state = state
        self.stats = stats
        self.health = health
        self.outbox = Outbox()
        self.outbox.add(state.left_over)
        self.outgoing = asyncio.Event()
        self.answered = asyncio.Event()  # no answer is left to send

    def queued(self, mails: list[Queued]) -> None:
        self.outbox.add(mails)
        if mails:
            self.outgoing.set()

    async def answers_out(self, stop: asyncio.Event) -> None:
        """Until no answer waits to be sent, while they are going out (with the SMTP server
        away, the notifications are queued behind them at once)."""
        while self.outbox.urgent and not stop.is_set():
            sent = self.stats.sent
            self.answered.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.answered.wait(), 1.0)
            if self.stats.sent == sent:
                return

    async def send_loop(self, stop: asyncio.Event) -> None:
        """Send the queue, answers first; while the server is away, wait longer each time."""
        pause = Backoff(self.settings.retry_seconds, self.settings.retry_max_seconds)
        while not stop.is_set():
            if not self.outbox:
                self.outgoing.clear()
                await self.outgoing.wait()
                continue
            try:
                await self.send_all(stop)
                pause.reset()
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                self.stats.send_failures += 1
                self.health.error(f"SMTP: {error}")
                delay = pause.next()
                log.warning("SMTP %s:%s nicht erreichbar (%s); %d E-Mails warten, neuer "
                            "Versuch in %.0f s", self.settings.smtp.host, self.settings.smtp.port,
                            error, len(self.outbox), delay)
                await sleep_or_stop(delay, stop)
            except Exception:
                self.stats.send_failures += 1
                log.exception("E-Mail-Versand: unerwarteter Fehler")
                await sleep_or_stop(pause.next(), stop)

    async def send_all(self, stop: asyncio.Event) -> None:
        """Send until the queue stays empty for KEEP_OPEN_SECONDS, over one connection.

        sent.log is fsynced every SYNC_SENT_EVERY mails while the next ones go out (an fsync
        takes as long as several mails), and whenever the queue is empty."""
        server = self.settings.smtp
        client = aiosmtplib.SMTP(
            hostname=server.host, port=server.port, timeout=self.settings.timeout,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            tls_context=server.tls_context() if server.security != "none" else None)
        await client.connect()
        syncing: asyncio.Future[None] | None = None
        try:
            if server.user:
                await smtp_login(client, server.user, server.password, server.oauth)
            while not stop.is_set():
                mail = self.outbox.next()
                if mail is None:
                    if syncing is not None:
                        await syncing
                    await asyncio.to_thread(self.state.sync_sent)
                    if not await self._more_to_send(stop):
                        return
                    continue
                data = mail.data if mail.data is not None else await asyncio.to_thread(mail.read)
                try:
                    await send_one(client, self.settings.address, mail.recipient, data)
                except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as e:
                    if not _permanent(e):
                        raise
                    log.error("E-Mail an %s endgültig abgelehnt: %s", mail.recipient, e)
                    await asyncio.to_thread(self.state.mark_failed, mail, str(e))
                    self._done(mail)
                    continue
                except (UnicodeError, ValueError) as e:
                    # This mail cannot be sent at all (e.g. a non-ASCII address and a server
                    # without SMTPUTF8): set it aside, the queue goes on.
                    log.error("E-Mail an %r nicht sendbar: %s", mail.recipient, e)
                    with contextlib.suppress(aiosmtplib.SMTPException):
                        await client.rset()
                    await asyncio.to_thread(self.state.mark_failed, mail,
                                            f"nicht sendbar: {type(e).__name__}: {e}")
                    self._done(mail)
                    continue
                self.stats.sent += 1
                self._done(mail)
                if self.state.mark_sent(mail) and (syncing is None or syncing.done()):
                    if syncing is not None:
                        syncing.result()  # a failed fsync stops the sending
                    syncing = asyncio.ensure_future(asyncio.to_thread(self.state.sync_sent))
        finally:
            if syncing is not None:
                with contextlib.suppress(OSError):  # the sync below meets the same disk
                    await syncing
            await asyncio.to_thread(self.state.sync_sent)
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit()

    def _done(self, mail: Queued) -> None:
        self.outbox.done(mail)
        if not self.outbox.urgent:
            self.answered.set()

    async def _more_to_send(self, stop: asyncio.Event) -> bool:
        """Whether more mail comes before the connection is worth closing."""
        self.outgoing.clear()
        if not self.outbox:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outgoing.wait(), KEEP_OPEN_SECONDS)
        return bool(self.outbox) and not stop.is_set()


def _permanent(error: Exception) -> bool:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500
