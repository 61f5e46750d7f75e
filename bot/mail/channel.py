"""The e-mail channel: applicants, secretaries and county representatives write to a mailbox.

It only translates. Each mail in the IMAP inbox becomes an `IncomingMessage` for the core
(`bot.mail.parse` decodes it); the core's replies become mails in the same thread, its
notifications become mails (with an iCalendar invitation for session alerts, `bot.mail.ics`).
Nothing here knows a rule or a booking.

Nothing is lost, nothing is done twice:
- A mail's source id is "email:" + its Message-ID (a hash of the mail when it has none); the core
  never handles a source id twice. Each mail is first handled, its answer written to the durable
  queue (from where it may go out at once), then the fact recorded in `handled.jsonl` (with
  folder, UIDVALIDITY and UID), and only then moved to "Verarbeitet". A crash anywhere in
  between handles it again at the next start, and the core, the queue (keyed by source id) and
  the journal make that a no-op.
- The mails of a fetched group are handled side by side, each sender's in order; their answers
  and records are written together (`bot.mail.queue.GroupCommit`; when that fails, each alone),
  and what is on disk is moved every MOVE_SECONDS, one IMAP command per folder.
- Mails the bot does not answer (auto-replies, bounces, list mail, mails from itself, oversized
  mails, too many refusals in a row from one address) go to "Nicht verarbeitet", each followed
  there by a short note mail with the reason. Nothing is deleted.
- One mail cannot stop the others: a mail whose handling, answer, record or move fails stays in
  the inbox and is tried again after a growing pause, its attempts counted on disk
  (`bot.attempts`); after `max_attempts` it is set aside with a note naming the error class, a
  polite answer and one notice to the administration (`Core.report_unprocessed`).
- Every outgoing mail is fsynced into `DATA/mail/queue/` before it is sent, and noted in
  `sent.log` once the SMTP server accepted it (`bot.mail.queue`); answers go before
  notifications, over up to three connections side by side (never two mails to one recipient
  at once, so each recipient gets hers in order); while the server is away they are retried with
  exponential backoff. A mail the server refuses for good (5xx) goes to `failed/`, logged. The
  only double a crash can cause is a mail accepted by the server in the instant before it was
  noted; it then goes out once more, with the same Message-ID.
- Notifications: the core's outbox is read for channel "email" once the inbox is worked through
  and the answers are out (every `notify_seconds`, and at most ANSWERS_FIRST_SECONDS later than
  that); they are written to the mail queue first, then marked delivered in the core.

Who gets the answer: a configured person always at the address on record, so a forged sender of
a secretary's `/beschluss` never sees the `/buchen` code (it goes to the real secretary); anyone
else at the From address. Reply-To is ignored. Answers carry `Auto-Submitted: auto-replied`.

Settings: `bot.mail.settings`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import health
from bot.attempts import Attempts
from bot.channel import Clock, Unavailable
from bot.mail.builder import MailBuilder
from bot.mail.handling import CHANNEL, MailHandler
from bot.mail.inbox import Inbox
from bot.mail.queue import GroupCommit, MailState, Outgoing
from bot.mail.settings import MailConfigError, MailSettings
from bot.mail.smtp import Sending
from bot.mail.stats import Stats
from handlers import faults
from handlers.messages import Notification
from handlers.service import Core
from rules.county import Config

log = logging.getLogger(__name__)

ANSWERS_FIRST_SECONDS = 30.0  # notifications wait this long at most for the answers to go out


class MailChannel:
    """The inbox read over IMAP, the mail queue sent over SMTP, the core's notifications for
    e-mail moved into that queue; `run` until `stop` is set."""

    def __init__(self, core: Core, config: Config, settings: MailSettings, *,
                 now: Clock | None = None) -> None:
        zone = ZoneInfo(getattr(config, "timezone", "Europe/Berlin"))
        self.core = core
        self.settings = settings
        self.now: Clock = now or (lambda: datetime.now(zone))
        self.state = MailState(Path(config.data_dir) / "mail")
        self.stats = Stats()
        self.health = health.channel(CHANNEL)  # for `sozialbot status`
        self.sending = Sending(settings, self.state, self.stats, self.health)
        self.health.queue = lambda: self.sending.pending
        self.builder = MailBuilder(settings, self.now, str(zone),
                                   getattr(config, "county", ""))
        self.notify_now = asyncio.Event()
        self._stopping = threading.Event()
        self._commit = GroupCommit(self.state, self.sending.queued)
        self.attempts = Attempts(Path(config.data_dir) / "mail" / "attempts.jsonl",
                                 limit=settings.max_attempts, first_pause=settings.retry_seconds,
                                 max_pause=settings.retry_max_seconds)
        self.handler = MailHandler(core, settings, self.state, self.builder, self._commit,
                                   self.attempts, self.stats, self.health, self.now)
        self.inbox = Inbox(settings, self.handler, self.stats, self.health, self._stopping,
                           self.notify_now, self.sending.warm_up)

    async def run(self, stop: asyncio.Event) -> None:
        from handlers.commands import registry

        self.handler.commands = tuple(registry())
        await asyncio.to_thread(self.state.trim, self.now())
        tasks = [asyncio.create_task(self.inbox.read_loop(stop), name="mail-imap"),
                 asyncio.create_task(self.sending.send_loop(stop), name="mail-smtp"),
                 asyncio.create_task(self.notify_loop(stop), name="mail-notify")]
        try:
            await stop.wait()
        finally:
            self._stopping.set()
            self.notify_now.set()
            self.sending.answered.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.to_thread(self.state.sync_sent)
            self.state.close()

    # -- notifications ----------------------------------------------------------------------
    async def notify_loop(self, stop: asyncio.Event) -> None:
        """Move the core's notifications for e-mail into the mail queue, once the inbox is
        worked through and the answers waiting to be sent are out (at the latest after
        ANSWERS_FIRST_SECONDS): reading and queueing a thousand of them takes the time the
        bot needs for the answers."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._answers_first(stop), ANSWERS_FIRST_SECONDS)
            try:
                await self.deliver_notifications()
            except Exception:
                log.exception("E-Mail-Benachrichtigungen: Fehler, neuer Versuch später")
            self.notify_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.notify_now.wait(), self.settings.notify_seconds)

    async def _answers_first(self, stop: asyncio.Event) -> None:
        """Until no pass through the inbox is under way (or the bot stops), then until the
        answers are out."""
        waits = [asyncio.ensure_future(self.inbox.worked_through.wait()),
                 asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        await self.sending.answers_out(stop)

    async def deliver_notifications(self) -> int:
        now = self.now()
        pending = await asyncio.to_thread(self.core.pending_notifications, CHANNEL, now)
        mails: list[Outgoing] = []
        done: list[str] = []
        for number, (outbox_id, notification, address) in enumerate(pending, 1):
            if number % 50 == 0:
                await asyncio.sleep(0)  # a thousand of them: let the sender take turns
            if address is not None:
                try:
                    mails.append(self._notification_mail(outbox_id, notification, address))
                except Exception as error:  # one that cannot be written holds up no other
                    if not await asyncio.to_thread(self._given_up, f"notification:{outbox_id}",
                                                   error):
                        continue
            done.append(outbox_id)
        await self._commit(mails, [])
        # The queue knows each notification's key, so a crash before this mark queues none twice.
        if done:
            await asyncio.to_thread(self.core.mark_delivered, done, CHANNEL, now)
        return len(mails)

    def wake(self) -> None:
        """The core's outbox has news (the scheduler made reminders): queue it now."""
        self.notify_now.set()

    async def deliver(self, notification: Notification, address: str) -> None:
        """One notification into the durable mail queue, sent from there like every mail (the
        channel's own loop queues the core's outbox in batches; this is `Channel.deliver`)."""
        mail = self._notification_mail(notification.key, notification, address)
        try:
            await self._commit([mail], [])
        except OSError as error:
            raise Unavailable(f"Warteschlange nicht geschrieben: {error}") from error

    def _notification_mail(self, outbox_id: str, notification: Notification,
                           address: str) -> Outgoing:
        faults.check("compose", notification.text)
        person = self.core.config.person(notification.recipient)
        # the applicant's conversation is hers: staff get a thread of their own
        thread = (self.state.threads.get(notification.application_number)
                  if notification.application_number and person is None else None)
        mail = self.builder.notification(notification, address,
                                         person.name if person else "", thread)
        return Outgoing(f"notification:{outbox_id}", mail.recipient, mail.data)

    def _given_up(self, key: str, error: BaseException) -> bool:
        """Count a failed attempt at a notification; True after the last one (it is dropped,
        and the log says so)."""
        failure = self.attempts.failed(key, error)
        if failure.count < self.attempts.limit:
            log.warning("%s: %s: %s (Versuch %d)", key, type(error).__name__, error,
                        failure.count)
            return False
        log.error("%s nach %d Versuchen aufgegeben", key, failure.count, exc_info=error)
        self.attempts.forget(key)
        return True


# -- the entry point of `sozialbot run` ---------------------------------------------------------


def open_channel(core: Core, config: Config, now: Clock | None = None) -> MailChannel | None:
    """The channel for the configuration's [email] section; None (logged) when it is off."""
    try:
        settings = MailSettings.from_config(config)
    except MailConfigError as error:
        log.warning("E-Mail ist aus: %s", error)
        return None
    log.info("E-Mail-Kanal läuft für %s.", settings.address)
    if not settings.trusted_authserv_id:
        log.warning("E-Mail: kein vertrauenswürdiger Prüfserver eingetragen ([email] "
                    "trusted_authserv_id). Absender können gefälscht sein: Befehle konfigurierter "
                    "Personen per E-Mail werden erst ausgeführt, wenn der Code zurückkommt, der "
                    "an ihre hinterlegte Adresse geht.")
    return MailChannel(core, config, settings, now=now)


async def run_mail(core: Core, config: Config, stop: asyncio.Event, *,
                   now: Clock | None = None) -> None:
    """Run the e-mail channel until `stop` is set; never takes the other channels down."""
    channel = open_channel(core, config, now)
    if channel is not None:
        await channel.run(stop)
