"""Sending the mail queue over SMTP: answers before notifications, over up to CONNECTIONS
connections side by side while there is mail (never two mails to one recipient at once), with
growing pauses while the server is away.

Every mail is fsynced in the queue (`bot.mail.queue`) before it comes here and noted in
`sent.log` once the server accepted it. A mail the server refuses for good (5xx) goes to
`failed/`, logged; one that cannot be sent at all (a non-ASCII address and a server without
SMTPUTF8) too, and the queue goes on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

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
# Connections sending side by side. Each mail takes four round trips to the server, each of
# them waiting for a turn of the event loop that is also reading and answering mails: over one
# connection, answers went out at 100-150 a second while mails were being handled.
CONNECTIONS = 3


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
    """The queue's mails going out over up to CONNECTIONS connections side by side, from a
    thread with an event loop of its own: on the channel's loop, each SMTP round trip waited
    for a turn of a loop busy reading and answering mails (100-200 answers a second went out
    meanwhile, 1,000 a second after). The thread waits for the server without the GIL and
    needs little of it. `queued` (from any thread) hands it what was just written to the
    queue; the outbox is touched by the sender's loop only."""

    def __init__(self, settings: MailSettings, state: MailState, stats: Stats,
                 health: ChannelHealth) -> None:
        self.settings = settings
        self.state = state
        self.stats = stats
        self.health = health
        self.outbox = Outbox()
        self.outbox.add(state.left_over)
        self.outgoing = asyncio.Event()  # sender's loop: a mail was queued, or one went out
        self.answered = asyncio.Event()  # channel's loop: no answer is left to send
        self._stop = asyncio.Event()  # sender's loop
        self._lock = threading.Lock()
        self._incoming: list[Queued] = []  # queued, not yet taken into the outbox
        self._loop: asyncio.AbstractEventLoop | None = None  # the sender's, while it runs
        self._main: asyncio.AbstractEventLoop | None = None  # the channel's
        self._halted = False
        self._warm_ups = 0  # connections to open before their first mail (`warm_up`)

    @property
    def pending(self) -> int:
        """Mails queued and not yet sent."""
        with self._lock:
            return len(self.outbox) + len(self._incoming)

    @property
    def urgent(self) -> int:
        """Answers queued and not yet sent. The outbox is changed only under the lock, so that
        this count, read from the channel's thread, never misses a mail on its way from
        `_incoming` into the outbox or from waiting to flying."""
        with self._lock:
            return self._urgent_unlocked()

    def _urgent_unlocked(self) -> int:
        return self.outbox.urgent + sum(mail.urgent for mail in self._incoming)

    def queued(self, mails: list[Queued]) -> None:
        if not mails:
            return
        with self._lock:
            self._incoming += mails
            loop = self._loop
        _wake(loop, self.outgoing)

    def warm_up(self, mails: int) -> None:
        """`mails` have come in: when they are at least CONNECTIONS, open all the connections
        now (from any thread), so that the first answers need not wait for connect and EHLO,
        whose round trips each wait for the GIL the reading and the core hold (about 30 ms at
        the start of 300 mails). Fewer mails take a connection each when their answers are
        queued, as before. A connection opened for nothing closes after KEEP_OPEN_SECONDS."""
        if mails < CONNECTIONS:
            return
        with self._lock:
            self._warm_ups = CONNECTIONS
            loop = self._loop
        _wake(loop, self.outgoing)

    def _warming(self) -> bool:
        """Whether this connection is to be opened before its first mail (one request each)."""
        with self._lock:
            if self._warm_ups <= 0:
                return False
            self._warm_ups -= 1
            return True

    def _take(self) -> Queued | None:
        with self._lock:
            incoming, self._incoming = self._incoming, []
            self.outbox.add(incoming)
            return self.outbox.take()

    async def answers_out(self, stop: asyncio.Event) -> None:
        """Until no answer waits to be sent, while they are going out (with the SMTP server
        away, the notifications are queued behind them at once)."""
        while self.urgent and not stop.is_set():
            sent = self.stats.sent
            self.answered.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.answered.wait(), 1.0)
            if self.stats.sent == sent:
                return

    async def send_loop(self, stop: asyncio.Event) -> None:
        """Send the queue, answers first, over CONNECTIONS connections side by side, in the
        sender's thread, until `stop` is set."""
        self._main = asyncio.get_running_loop()
        thread = threading.Thread(target=self._thread, name="mail-smtp", daemon=True)
        thread.start()
        try:
            await stop.wait()
        finally:
            with self._lock:
                self._halted = True
                loop = self._loop
            if loop is not None:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._halt)
            await asyncio.to_thread(thread.join)

    def _thread(self) -> None:
        try:
            asyncio.run(self._connections())
        except Exception:
            log.exception("E-Mail-Versand: unerwarteter Fehler")

    async def _connections(self) -> None:
        with self._lock:
            if self._halted:
                return
            self._loop = asyncio.get_running_loop()
        try:
            await asyncio.gather(*(self._connection(self._stop) for _ in range(CONNECTIONS)))
        finally:
            with self._lock:
                self._loop = None

    def _halt(self) -> None:
        self._stop.set()
        self.outgoing.set()

    def _tell_answered(self) -> None:
        _wake(self._main, self.answered)

    async def _connection(self, stop: asyncio.Event) -> None:
        """One connection's loop: while there is mail to take, connect and send; while the
        server is away, wait longer each time."""
        pause = Backoff(self.settings.retry_seconds, self.settings.retry_max_seconds)
        while not stop.is_set():
            mail = self._take()
            warming = mail is None and self._warming()
            if mail is None and not warming:
                self.outgoing.clear()
                await self.outgoing.wait()
                continue
            try:
                await self.send_all(stop, mail)
                pause.reset()
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                if warming:
                    continue  # nothing was to be sent: a server away is told when there is
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

    async def send_all(self, stop: asyncio.Event, first: Queued | None) -> None:
        """Send `first` (None: connect and wait for it), then what there is to take, until
        nothing comes for KEEP_OPEN_SECONDS, over one connection. A mail not sent for an error
        goes back to the queue, first.

        sent.log is fsynced every SYNC_SENT_EVERY mails while the next ones go out (an fsync
        takes as long as several mails), and whenever nothing is left to take."""
        server = self.settings.smtp
        client = aiosmtplib.SMTP(
            hostname=server.host, port=server.port, timeout=self.settings.timeout,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            tls_context=server.tls_context() if server.security != "none" else None)
        mail: Queued | None = first
        syncing: asyncio.Future[None] | None = None
        try:
            await client.connect()
            if server.user:
                await smtp_login(client, server.user, server.password, server.oauth)
            if first is None and client.is_ehlo_or_helo_needed:
                await client.ehlo()  # warming up: the greeting the first mail would wait for
            while not stop.is_set():
                if mail is None:
                    if syncing is not None:
                        await syncing
                    await asyncio.to_thread(self.state.sync_sent)
                    if (mail := await self._more_to_send(stop)) is None:
                        return
                    continue
                if await self._send(client, mail):
                    self.stats.sent += 1
                    if self.state.mark_sent(mail) and (syncing is None or syncing.done()):
                        if syncing is not None:
                            syncing.result()  # a failed fsync stops the sending
                        syncing = asyncio.ensure_future(asyncio.to_thread(self.state.sync_sent))
                self._done(mail)
                mail = self._take()
        finally:
            if mail is not None:
                with self._lock:
                    self.outbox.put_back(mail)
                self.outgoing.set()  # another connection may take it
            if syncing is not None:
                with contextlib.suppress(OSError):  # the sync below meets the same disk
                    await syncing
            await asyncio.to_thread(self.state.sync_sent)
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await client.quit()

    async def _send(self, client: aiosmtplib.SMTP, mail: Queued) -> bool:
        """Send one mail; False when it was set aside instead (refused for good, or not
        sendable at all); a passing error is raised."""
        data = mail.data if mail.data is not None else await asyncio.to_thread(mail.read)
        try:
            await send_one(client, self.settings.address, mail.recipient, data)
            return True
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as e:
            if not _permanent(e):
                raise
            log.error("E-Mail an %s endgültig abgelehnt: %s", mail.recipient, e)
            await asyncio.to_thread(self.state.mark_failed, mail, str(e))
        except (UnicodeError, ValueError) as e:
            # This mail cannot be sent at all (e.g. a non-ASCII address and a server
            # without SMTPUTF8): set it aside, the queue goes on.
            log.error("E-Mail an %r nicht sendbar: %s", mail.recipient, e)
            with contextlib.suppress(aiosmtplib.SMTPException):
                await client.rset()
            await asyncio.to_thread(self.state.mark_failed, mail,
                                    f"nicht sendbar: {type(e).__name__}: {e}")
        return False

    def _done(self, mail: Queued) -> None:
        with self._lock:
            self.outbox.done(mail)
            answered = not self._urgent_unlocked()
        self.outgoing.set()  # a mail to the same recipient may be taken now
        if answered:
            self._tell_answered()

    async def _more_to_send(self, stop: asyncio.Event) -> Queued | None:
        """The next mail if one comes before the connection is worth closing."""
        deadline = asyncio.get_running_loop().time() + KEEP_OPEN_SECONDS
        while not stop.is_set():
            if (mail := self._take()) is not None:
                return mail
            self.outgoing.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self.outgoing.wait()
                    continue
            return None
        return None


def _wake(loop: asyncio.AbstractEventLoop | None, event: asyncio.Event) -> None:
    """Set `event` of `loop` from another thread (nothing when the loop does not run)."""
    if loop is not None:
        with contextlib.suppress(RuntimeError):  # its loop has just ended
            loop.call_soon_threadsafe(event.set)


def _permanent(error: Exception) -> bool:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500
