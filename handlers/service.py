"""The core: one entry point for every channel.

`Core.handle` resolves the sender, answers a message seen before with its stored outcome, routes
the command to its use case, and commits what the use case changed together with the record
that the message was handled and the notifications it produced. Only after that commit (fsynced)
does a reply say that something was booked.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, fields, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from handlers import commands, faults
from handlers.codes import WrongCodes
from handlers.context import Context, refusal_outcome
from handlers.messages import (
    Action,
    Attachment,
    IncomingMessage,
    Notification,
    Outcome,
    Reply,
    Sender,
    SessionEvent,
)
from rules.county import Config
from rules.people import Identity, Person, normal_address
from rules.refusal import Refused
from storage.store import Store
from storage.text import has_surrogates, storable

log = logging.getLogger(__name__)

OUTBOX_WINDOW = timedelta(days=14)  # older notifications are not sent on a channel anymore


NOT_SAVED = Outcome(False, (Reply(
    "Das konnte nicht gespeichert werden (Fehler beim Schreiben auf die Festplatte). Es wurde "
    "nichts gebucht und nichts geändert. Bitte versuchen Sie es später noch einmal."),))


class Pending(NamedTuple):
    """A notification waiting for one channel, and the recipient's address there (or None)."""

    outbox_id: str
    notification: Notification
    address: str | None


class Core:
    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.tz = ZoneInfo(config.timezone)
        self._lock = threading.Lock()
        self.wrong_codes = WrongCodes()
        self._batches: Batches | None = None
        self._configured = {(a.channel, normal_address(a.address)): a.person
                            for a in config.addresses}
        self._configured_address = {(a.person, a.channel): a.address for a in config.addresses}

    @classmethod
    def open(cls, config: Config) -> Core:
        """Open (and lock) the data directory named by the configuration."""
        return cls(config, Store(config.data_dir))

    def close(self) -> None:
        with self._lock:
            self.store.close()

    # -- identities and addresses: the address book -------------------------------------------
    def identify(self, sender: Sender) -> Identity:
        """The configured person whose address on the sender's channel this is (a chat she
        linked with /start, or her address in the configuration), else an applicant known by
        channel and address ("email:kita@example.org", "telegram:4001")."""
        address = normal_address(sender.address)
        person_id = (self.store.person_at(sender.channel, address)
                     or self._configured.get((sender.channel, address)))
        person = self.config.person(person_id) if person_id else None
        return Identity(person.id if person else f"{sender.channel}:{address}", person,
                        sender.display_name)

    def person_for(self, sender: Sender) -> Person | None:
        """The configured person behind a sender; without the lock (the address book is read
        from memory), so a channel may call this on its event loop."""
        return self.identify(sender).person

    def address(self, recipient: str, channel: str) -> str | None:
        """Where a notification for `recipient` (a person id or an applicant's identity key)
        goes on `channel`; None: she cannot be reached there."""
        linked = self.store.address_of(recipient, channel) or self._configured_address.get(
            (recipient, channel))
        if linked is not None:
            return linked
        kind, _, address = recipient.partition(":")
        return address if kind == channel and address else None

    # -- messages ---------------------------------------------------------------------------
    def handle(self, message: IncomingMessage) -> Outcome:
        """Handle one message; return once what it changed, and everything it read, is on disk.

        The fsync happens outside the lock, so messages handled meanwhile (from other threads)
        share it: a group commit."""
        [result] = self.synced(*self.handle_unsynced([message]))
        if isinstance(result, BaseException):
            raise result
        return result

    def handle_unsynced(self, messages: list[IncomingMessage]
                        ) -> tuple[list[Outcome | Exception], int]:
        """Handle messages one after the other, each its own commit, under one taking of the
        lock; each is read before (untrusted text is read before the lock is taken). Returns
        each one's outcome, or the error it raised, and the journal position that must be on
        disk (`synced`) before any outcome may be told."""
        read: list[tuple[IncomingMessage, commands.Parsed] | Exception] = []
        for message in messages:
            try:
                faults.check("core", f"{message.source_id}\n{message.text}")
                # every channel alike, and outside the lock: cut to size, made storable
                message = printable(_without_lone_surrogates(capped(message)))
                read.append((message, commands.parse(message)))
            except Exception as error:
                read.append(error)
        results: list[Outcome | Exception] = []
        with self._lock:
            try:
                for item in read:
                    if isinstance(item, Exception):
                        results.append(item)
                        continue
                    try:
                        results.append(self._handle(*item))
                    except Exception as error:
                        self.store.rollback()  # nothing of it stays for the next one's commit
                        results.append(error)
                position = self.store.position
            finally:
                self.store.trim()
        return results, position

    def synced(self, results: list[Outcome | Exception], position: int
               ) -> list[Outcome | Exception]:
        """`results` once everything up to `position` is on disk; if it cannot be written, each
        outcome becomes NOT_SAVED."""
        try:
            self.store.sync(position)
        except OSError as error:
            log.error("%d message(s) could not be written to disk: %s", len(results), error)
            return [NOT_SAVED if isinstance(r, Outcome) else r for r in results]
        return results

    async def handle_async(self, message: IncomingMessage) -> Outcome:
        """`handle` for a channel's event loop. Messages that arrive while the core is busy go
        in together (`Batches`); a long one is read alone, so that reading it holds up nobody."""
        if _length(message) > READ_ALONE_CHARS:
            return await asyncio.to_thread(self.handle, message)
        loop = asyncio.get_running_loop()
        if self._batches is None or self._batches.loop is not loop:
            self._batches = Batches(self, loop)
        return await self._batches.handle(message)

    def _handle(self, message: IncomingMessage, parsed: commands.Parsed) -> Outcome:
        self.store.focus(message.received_at.astimezone(self.tz).year)
        identity = self.identify(message.sender)
        seen = self.store.processed(message.source_id)
        if seen is not None and seen["outcome"].get("sender", identity.key) != identity.key:
            # Another sender's message id (an e-mail Message-ID is the writer's choice): never
            # answer with someone else's stored reply; handle it as this sender's own message.
            message = replace(message, source_id=f"{message.source_id}#{identity.key}")
            seen = self.store.processed(message.source_id)
        if seen is not None:
            return _outcome_from_record(seen["outcome"], duplicate=True)
        now = message.received_at.astimezone(self.tz)
        ctx = Context(self.config, self.store, identity, message, now,
                      wrong_codes=self.wrong_codes)
        try:
            outcome = commands.dispatch(ctx, parsed)
        except Refused as refused:
            outcome = refusal_outcome(refused.refusal)
        except Exception:
            log.exception("handling %s failed", message.source_id)
            self.store.rollback()
            return Outcome(False, (Reply(
                "Entschuldigung, bei der Verarbeitung ist ein Fehler aufgetreten. Es wurde nichts "
                "geändert. Bitte versuchen Sie es später noch einmal."),))
        if not outcome.accepted:
            if ctx.keep_refused:  # the draft kept with this refusal (handlers/drafts.py)
                return self._commit(ctx, replace(outcome, notifications=()), sync=False)
            self.store.rollback()
            return outcome
        outcome = replace(outcome, accepted=True, notifications=tuple(ctx.notifications),
                          duplicate=False)
        return self._commit(ctx, outcome, sync=False)

    def _commit(self, ctx: Context, outcome: Outcome, *, sync: bool = True) -> Outcome:
        if not self.store.dirty and not outcome.notifications:
            return outcome
        year = ctx.now.year
        self.store.record_processed(year, ctx.message.source_id,
                                    {**_outcome_record(outcome), "sender": ctx.identity.key})
        self.store.add_notifications(year, [{
            **_notification_record(notification),
            "created_at": ctx.now.isoformat(timespec="seconds"),
            "source_id": ctx.message.source_id,
        } for notification in outcome.notifications])
        try:
            self.store.commit(sync=sync)
        except Exception as error:
            # Whatever failed (a full disk, data that cannot be written), nothing of it may stay
            # in memory: the next message would commit it, or fail the same way forever.
            log.error("commit of %s failed: %s", ctx.message.source_id, error,
                      exc_info=not isinstance(error, OSError))
            self.store.rollback()
            return NOT_SAVED
        return outcome

    # -- work the bot does by itself ---------------------------------------------------------
    def system_context(self, now: datetime, source_id: str) -> Context:
        """A context for scheduled work (reminders, year-end), acting as the administration."""
        system = Person("system", "sozialbot", "administration")
        message = IncomingMessage(Sender("system", "system", verified=True), "", source_id, now)
        self.store.focus(now.astimezone(self.tz).year)
        return Context(self.config, self.store, Identity("system", system), message,
                       now.astimezone(self.tz))

    def commit_system(self, ctx: Context) -> Outcome:
        outcome = Outcome(True, (), tuple(ctx.notifications))
        committed = self._commit(ctx, outcome)
        if not committed.accepted:
            return Outcome(False, ())
        return committed

    # -- outbox -----------------------------------------------------------------------------
    def _outbox_years(self, since: datetime) -> list[int]:
        """The years whose outbox can hold notifications made since `since`: each is stored in
        the year it was made, so last year's file is read only in the first days of January."""
        return [y for y in self.store.years() if y >= since.astimezone(self.tz).year]

    def pending_notifications(self, channel: str,
                              now: datetime | None = None) -> list[Pending]:
        """What waits for `channel`, oldest first, each with its address on that channel (None:
        the recipient cannot be reached there; mark it delivered so it is not offered again)."""
        now = now or datetime.now(self.tz)
        since = (now - OUTBOX_WINDOW).astimezone(self.tz).isoformat(timespec="seconds")
        with self._lock:
            rows = self.store.pending_notifications(
                channel, since, self._outbox_years(now - OUTBOX_WINDOW))
            pending = [Pending(row["id"], _notification_from_record(row),
                               self.address(row["recipient"], channel)) for row in rows]
            position = self.store.position
        self.store.sync(position)  # nothing goes out before the message behind it is on disk
        return pending

    def mark_delivered(self, outbox_ids: Iterable[str], channel: str,
                       now: datetime | None = None) -> None:
        """Record notifications as sent on `channel`, in one commit."""
        now = now or datetime.now(self.tz)
        with self._lock:
            if self.store.mark_delivered(set(outbox_ids), channel,
                                         now.isoformat(timespec="seconds"),
                                         self._outbox_years(now - 2 * OUTBOX_WINDOW)):
                self.store.commit()

    def run_due_reminders(self, now: datetime) -> list[Notification]:
        """R9 reminders, year-end closes and the yearly erasure after the retention period
        (handlers/privacy.py) that are due at `now`, committed once each."""
        from handlers import balance, privacy, reminders, year_close

        with self._lock:
            made = reminders.due(self, now.astimezone(self.tz))
            made += year_close.due(self, now.astimezone(self.tz))
            made += balance.due(self, now.astimezone(self.tz))
            privacy.due(self, now.astimezone(self.tz))  # erasure after the Löschfrist
        return made

    def report_unprocessed(self, channel: str, source_id: str, *, sender: str, error: str,
                           where: str, now: datetime) -> bool:
        """A channel gave up on a message: tell the administration, once per message."""
        from handlers import unprocessed

        with self._lock:
            return unprocessed.report(self, channel, source_id, sender, error, where,
                                      now.astimezone(self.tz))

    # -- onboarding -------------------------------------------------------------------------
    def create_invite(self, person_id: str, now: datetime) -> str:
        from handlers.onboarding import new_invite

        if self.config.person(person_id) is None:
            raise ValueError(f"Unbekannte Person: {person_id}")
        with self._lock:
            code = new_invite(self.store, person_id, now)
            self.store.commit()
        return code

    def revoke(self, person_id: str, now: datetime | None = None) -> bool:
        """Unlink a person's chats on every channel and void her unused invites."""
        now = now or datetime.now(self.tz)
        with self._lock:
            removed = self.store.unlink(person_id)
            self.store.void_invites(person_id, now.isoformat(timespec="seconds"))
            self.store.commit()
        return removed

    # -- export -----------------------------------------------------------------------------
    def export(self, now: datetime | None = None) -> dict[str, Any]:
        from handlers.export import build_export

        now = now or datetime.now(self.tz)
        with self._lock:
            return build_export(self.system_context(now, "system:export"), now)

    # -- data protection (handlers/privacy.py) -----------------------------------------------
    def privacy_report(self, who: str) -> dict[str, Any]:
        """Everything stored about one person (Art. 15 DSGVO)."""
        from handlers import privacy

        with self._lock:
            return privacy.report(self.store, self.config, who)

    def erase_person(self, who: str, now: datetime | None = None) -> Any:
        """Erase one person's data where no retention duty stands against it (Art. 17)."""
        from handlers import privacy

        with self._lock:
            try:
                return privacy.erase_person(self, who, now or datetime.now(self.tz))
            except Exception:
                self.store.rollback()
                raise

    # -- backup -----------------------------------------------------------------------------
    def snapshot(self, now: datetime | None = None) -> bytes:
        """A backup archive of the store as of now, with the export of that moment; nothing
        commits while its files are read (storage.backup)."""
        from handlers.export import build_export
        from storage.backup import pack, snapshot_files

        now = now or datetime.now(self.tz)
        with self._lock:
            self.store.sync()
            files = snapshot_files(self.store.partitions.directory)
            export = build_export(self.system_context(now, "system:backup"), now)
        return pack(files, export, now.isoformat(timespec="seconds"))


class Batches:
    """Messages a channel hands to the core (`Core.handle_async`) while it is busy wait and go in
    together: one thread hand-off and one taking of the lock for the group instead of one each,
    and their commits share one fsync. While one group's fsync runs, the next group is handled.
    Each message is still its own commit, and its outcome is told only once it is on disk; a
    channel keeps one sender's messages in order by waiting for each outcome."""

    def __init__(self, core: Core, loop: asyncio.AbstractEventLoop) -> None:
        self.core = core
        self.loop = loop
        self._waiting: list[tuple[IncomingMessage, asyncio.Future[Outcome]]] = []
        self._worker: asyncio.Task[None] | None = None
        self._syncing: set[asyncio.Task[None]] = set()

    async def handle(self, message: IncomingMessage) -> Outcome:
        future: asyncio.Future[Outcome] = self.loop.create_future()
        self._waiting.append((message, future))
        if self._worker is None or self._worker.done():
            self._worker = self.loop.create_task(self._work(), name="core-batches")
        return await future

    async def _work(self) -> None:
        while self._waiting:
            group = self._waiting[:BATCH_MESSAGES]
            del self._waiting[:BATCH_MESSAGES]
            try:
                results, position = await asyncio.to_thread(
                    self.core.handle_unsynced, [message for message, _ in group])
            except Exception as error:  # cannot happen: handle_unsynced keeps each one's error
                _tell(group, [error] * len(group))
                continue
            task = self.loop.create_task(self._tell_synced(group, results, position))
            self._syncing.add(task)
            task.add_done_callback(self._syncing.discard)

    async def _tell_synced(self, group: list[tuple[IncomingMessage, asyncio.Future[Outcome]]],
                           results: list[Outcome | Exception], position: int) -> None:
        try:
            _tell(group, await asyncio.to_thread(self.core.synced, results, position))
        except Exception as error:
            _tell(group, [error] * len(group))


def _tell(group: list[tuple[IncomingMessage, asyncio.Future[Outcome]]],
          results: list[Outcome | Exception]) -> None:
    for (_, future), result in zip(group, results, strict=True):
        if future.done():  # its caller gave up waiting
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)


def _length(message: IncomingMessage) -> int:
    return len(message.text) + sum(len(a.text) for a in message.attachments)


BATCH_MESSAGES = 32  # at most this many go in together (the lock is held for all of them)
READ_ALONE_CHARS = 20_000  # a longer message is read in a thread of its own
MAX_TEXT_CHARS = 200_000  # per text and per attachment; no use case reads a tenth of it
MAX_ATTACHMENTS = 10


def capped(message: IncomingMessage) -> IncomingMessage:
    """A message cut to what any use case reads, whatever channel it came by (a Telegram .txt
    file, a mail body, a console paste): the text and each attachment at MAX_TEXT_CHARS, at most
    MAX_ATTACHMENTS attachments, an address or name at 320 characters."""
    sender = message.sender
    if (len(message.text) <= MAX_TEXT_CHARS and len(message.attachments) <= MAX_ATTACHMENTS
            and all(len(a.text) <= MAX_TEXT_CHARS for a in message.attachments)
            and len(sender.address) <= 320 and len(sender.display_name) <= 320
            and len(sender.reply_to) <= 320):
        return message
    return replace(
        message, text=message.text[:MAX_TEXT_CHARS],
        attachments=tuple(replace(a, text=a.text[:MAX_TEXT_CHARS], filename=a.filename[:200])
                          for a in message.attachments[:MAX_ATTACHMENTS]),
        sender=replace(sender, address=sender.address[:320],
                       display_name=sender.display_name[:320], reply_to=sender.reply_to[:320]))


# Invisible characters a sender's text has no use for: C0 and C1 controls (BEL, a terminal
# escape, DEL), bidirectional embeddings, overrides and isolates (an override shows the rest of a
# line reversed: a title could turn the amount beside it around), the byte order mark. A NUL
# becomes the visible U+FFFD (binary garbage stays recognisable as such: "/antrag\0" is no
# command). Other line separators become a line break, as str.splitlines reads them anyway.
# also the invisible characters a copy from Word, a PDF or a web page brings along (soft hyphen,
# zero-width space and joiners, word joiner): "ADE-2026-001" must read as typed
_INVISIBLE = re.compile("[\x01-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u202a-\u202e"
                        "\u2066-\u2069\ufeff\u00ad\u200b-\u200d\u2060]")
_LINE_BREAK = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_HYPHENS = re.compile("[\u2010\u2011]")  # Word's (non-breaking) hyphen in "ADE‑2026‑001"


def _printable_text(text: str) -> str:
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    if _HYPHENS.search(text):
        text = _HYPHENS.sub("-", text)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return _LINE_BREAK.sub("\n", text) if _LINE_BREAK.search(text) else text


def printable(message: IncomingMessage) -> IncomingMessage:
    """A message's text, its documents' text and names, and the sender's name without control
    and direction characters (`_INVISIBLE`), whatever channel they came by: no record, report,
    invitation or answer ever carries them. Addresses are left alone (they identify)."""
    return _with_texts(message, _printable_text, identifiers=False)


def _storable_text(text: str) -> str:
    return storable(text) if has_surrogates(text) else text


def _without_lone_surrogates(message: IncomingMessage) -> IncomingMessage:
    """Text that is not valid Unicode (raw 8-bit mail headers, a lone UTF-16 surrogate from a
    JSON escape) cannot be stored as UTF-8 JSON: it is made storable (`storage.text`) before
    anything reads it, the sender's address and the source id included."""
    return _with_texts(message, _storable_text, identifiers=True)


def _with_texts(message: IncomingMessage, change: Callable[[str], str], *,
                identifiers: bool) -> IncomingMessage:
    """`message` with `change` applied to its text, its documents' text and names and the
    sender's name, and with `identifiers` also to the sender's address and reply-to and the
    source id. `change` returns a text it leaves alone as it is, so that a message with nothing
    to change is returned itself, not rebuilt."""
    def changed(attachment: Attachment) -> Attachment:
        text, filename = change(attachment.text), change(attachment.filename)
        if text is attachment.text and filename is attachment.filename:
            return attachment
        return replace(attachment, text=text, filename=filename)

    sender = message.sender
    text, name = change(message.text), change(sender.display_name)
    attachments = tuple(changed(a) for a in message.attachments)
    source_id, address, reply_to = ((change(message.source_id), change(sender.address),
                                     change(sender.reply_to)) if identifiers else
                                    (message.source_id, sender.address, sender.reply_to))
    if (text is message.text and name is sender.display_name
            and all(new is old for new, old in zip(attachments, message.attachments, strict=True))
            and source_id is message.source_id and address is sender.address
            and reply_to is sender.reply_to):
        return message
    return replace(message, text=text, source_id=source_id, attachments=attachments,
                   sender=replace(sender, display_name=name, address=address,
                                  reply_to=reply_to))


def _notification_record(notification: Notification) -> dict[str, Any]:
    """As `asdict` makes it (its other fields are plain values), without its deep copies:
    every sketch makes one for each secretary of its conference."""
    record = {name: getattr(notification, name) for name in _NOTIFICATION_FIELDS}
    record["actions"] = tuple({"label": a.label, "command": a.command}
                              for a in notification.actions)
    if notification.event is not None:
        record["event"] = {**asdict(notification.event), "day": notification.event.day.isoformat(),
                           "start": notification.event.start.strftime("%H:%M")
                           if notification.event.start else None}
    return record


_NOTIFICATION_FIELDS = tuple(f.name for f in fields(Notification))


def _notification_from_record(row: dict[str, Any]) -> Notification:
    from datetime import date, time

    event = None
    if row.get("event"):
        e = dict(row["event"])
        e["day"] = date.fromisoformat(e["day"])
        e["start"] = time.fromisoformat(e["start"]) if e["start"] else None
        e["agenda"] = tuple(e.get("agenda", ()))
        event = SessionEvent(**e)
    return Notification(
        recipient=row["recipient"], text=row["text"], kind=row["kind"], key=row["key"],
        actions=tuple(Action(a["label"], a["command"]) for a in row.get("actions", ())),
        event=event, application_number=row.get("application_number"),
    )


def _outcome_record(outcome: Outcome) -> dict[str, Any]:
    return {
        "accepted": outcome.accepted,
        "replies": [{"text": r.text, "actions": [asdict(a) for a in r.actions]}
                    for r in outcome.replies],
        "rule": outcome.rule,
        "application_number": outcome.application_number,
        "settles": outcome.settles,
    }


def _outcome_from_record(record: dict[str, Any], *, duplicate: bool) -> Outcome:
    replies = tuple(Reply(r["text"], tuple(Action(**a) for a in r["actions"]))
                    for r in record["replies"])
    return Outcome(record["accepted"], replies, (), duplicate, record.get("rule"),
                   record.get("application_number"), record.get("settles"))

