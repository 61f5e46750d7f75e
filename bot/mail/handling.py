"""One mail, handled once: its source id, what the core makes of it, the answer written to the
queue and the record to `handled.jsonl` (together, `bot.mail.queue.GroupCommit`), and where the
mail goes then. A mail that fails is left in the inbox and tried again after a growing pause, its
attempts counted on disk (`bot.attempts`); after the last one it is set aside in "Nicht
verarbeitet" with a note, its sender gets a polite answer and the administration one notice."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.attempts import Attempts
from bot.channel import Clock
from bot.documents import format_size
from bot.health import ChannelHealth
from bot.mail.builder import MARKER, SIMPLE_ADDRESS, Mail, MailBuilder
from bot.mail.imap import RawMailMessage
from bot.mail.parse import (
    ParsedMail,
    headers_only,
    message_text,
    parse_mail,
    referenced,
)
from bot.mail.queue import SET_ASIDE, GroupCommit, MailState, Outgoing
from bot.mail.settings import MailSettings
from bot.mail.stats import Stats
from handlers import faults
from handlers.messages import IncomingMessage, Sender
from handlers.service import READ_ALONE_CHARS, Core
from storage.text import storable

log = logging.getLogger(__name__)

CHANNEL = "email"
PARSE_INLINE_BYTES = 64 * 1024
MULTIPART = re.compile(rb"^content-type:\s*multipart/", re.IGNORECASE | re.MULTILINE)
GIVEN_UP = "nicht verarbeitet nach"  # the reason of a mail set aside after its attempts
NOT_PROCESSED = (
    "Ihre E-Mail konnte leider nicht vollständig verarbeitet werden. Die Kreisverwaltung ist "
    "informiert und kümmert sich darum; Sie müssen nichts weiter tun. Bitte senden Sie die "
    "E-Mail nicht noch einmal.")


@dataclass
class Handled:
    destination: str  # "done" or "failed"
    reason: str = ""


# What became of a mail: where it goes, the note to put beside it in "Nicht verarbeitet", the
# write of its answer and record, and its source id.
Result = tuple[Handled, bytes | None, asyncio.Future[None], str]


@dataclass(frozen=True)
class Ready:
    """A mail whose answer and record are on disk, to be moved to `folder`."""

    folder: str
    uid: str
    key: str
    note: bytes | None
    raw: bytes
    uidvalidity: int


class MailHandler:
    """Handles the mails the inbox reads, one at a time each (`bot.mail.inbox` runs many)."""

    def __init__(self, core: Core, settings: MailSettings, state: MailState,
                 builder: MailBuilder, commit: GroupCommit, attempts: Attempts, stats: Stats,
                 health: ChannelHealth, now: Clock) -> None:
        self.core = core
        self.settings = settings
        self.state = state
        self.builder = builder
        self.commit = commit
        self.attempts = attempts
        self.stats = stats
        self.health = health
        self.now = now
        self.own_addresses = {settings.address, settings.imap.user.lower(),
                              settings.smtp.user.lower()} - {""}
        self.commands: tuple[str, ...] = ()
        self.notices_waiting = False  # the core has notifications to deliver
        self.retry_at: float | None = None  # when a mail that failed may be tried again
        self._refusals: dict[tuple[str, bool], deque[float]] = defaultdict(deque)

    async def handle_mail(self, mail: RawMailMessage, uidvalidity: int, uid: str, *,
                          whole: bool, handed: Callable[[], None] = lambda: None
                          ) -> Result | None:
        """Handle one mail once: answer it (through the queue), record it, say where it goes.
        Returns the result, for "Nicht verarbeitet" the note mail to put next to it, the write
        of its answer and record (the mail may be moved once that is done), and its source id;
        None when it is left in the inbox for now (it failed, or waits for its next attempt).

        `handed` is called once the core will read this mail before any mail handed to it
        later: the sender's next mail may go on from there (`bot.mail.inbox`)."""
        raw = mail.raw
        source_id = source_id_of(raw, whole)
        seen = self.state.handled.get(source_id)
        if self.attempts.get(source_id) is not None and (seen is None or seen["to"] == "done"):
            if self.attempts.exhausted(source_id):
                return await self._set_aside(raw, source_id, uidvalidity, uid,
                                             answered=seen is not None)
            if time.time() < self.attempts.due_at(source_id):
                self._retry_later(self.attempts.due_at(source_id))
                return None
        if seen is not None:
            return (Handled(seen["to"], seen.get("reason", "")), None,
                    self.commit.submit([], []), source_id)
        result, parsed, extra, answer = await self._answer(raw, whole, mail.size_rfc822,
                                                           source_id, handed)
        mails = [] if answer is None else [
            Outgoing(f"reply:{source_id}", answer.recipient, answer.data, urgent=True)]
        # The answer is on disk before the record, the record before the mail is moved.
        written = self.commit.submit(mails, [{
            "sid": source_id, "folder": self.settings.folder, "uidvalidity": uidvalidity,
            "uid": int(uid or 0), "to": result.destination, "reason": result.reason,
            "at": self.now().isoformat(timespec="seconds"), "from": storable(parsed.address),
            **extra,
        }])
        self.health.handled()
        if result.destination == "done":
            self.stats.handled += 1
            return result, None, written, source_id
        self.stats.not_handled += 1
        log.info("E-Mail von %s nach „%s“: %s", parsed.address or "?",
                 self.settings.failed_folder, result.reason)
        return result, self.builder.note(parsed, result.reason).data, written, source_id

    async def _answer(self, raw: bytes, whole: bool, size: int, source_id: str,
                      handed: Callable[[], None]
                      ) -> tuple[Handled, ParsedMail, dict[str, Any], Mail | None]:
        """What becomes of a mail, and the answer to send (None: no answer)."""
        if not whole:
            parsed = headers_only(raw, self.own_addresses)
            if parsed.automatic:
                return Handled("failed", f"zu groß und {parsed.automatic}"), parsed, {}, None
            limit = format_size(self.settings.max_mail_bytes)
            text = (f"Ihre E-Mail ist mit {format_size(size)} zu groß; ich kann höchstens "
                    f"{limit} annehmen. Bitte senden Sie die Projektskizze als Text in der "
                    "E-Mail oder als kleinere Anlage (.docx, .odt, .pdf oder .txt). Es wurde "
                    "nichts gespeichert.")
            why = f"zu groß ({format_size(size)}), höflich abgelehnt"
            return (Handled("failed", why), parsed, {},
                    self.builder.refusal(parsed, parsed.address, text))
        parse = functools.partial(parse_mail, raw, own_addresses=self.own_addresses,
                                  max_attachment_bytes=self.settings.max_attachment_bytes,
                                  trusted_authserv_id=self.settings.trusted_authserv_id,
                                  budget=self.settings.budget)
        # A small text mail is read at once (about 0.1 ms); one with parts (attachments to
        # unpack) or a large one in a thread, so that sending goes on meanwhile.
        await faults.hang(raw)
        faults.check("parse", raw)
        parsed = parse() if _plain_and_small(raw) else await asyncio.to_thread(parse)
        if parsed.automatic:
            return Handled("failed", parsed.automatic), parsed, {}, None
        if not parsed.address or "@" not in parsed.address:
            return Handled("failed", "kein Absender erkennbar"), parsed, {}, None
        sender = Sender(CHANNEL, parsed.address, parsed.display_name,
                        verified=parsed.authenticated, reply_to=parsed.reply_to)
        person = self.core.person_for(sender)  # the configuration only, no store
        if person is not None and parsed.doubt:
            return Handled("failed", f"Absender nicht eindeutig ({parsed.doubt}): nie als "
                                     f"{person.id} behandelt"), parsed, {}, None
        refers = referenced(parsed, MARKER)
        text = message_text(parsed, known_person=person is not None, commands=self.commands)
        message = IncomingMessage(sender, text, source_id, self.now(), parsed.attachments,
                                  refers)
        if len(text) + sum(len(a.text) for a in message.attachments) <= READ_ALONE_CHARS:
            # The core takes the messages handed to it in turn (`Batches`): this one is
            # queued there before anything else runs, the sender's next mail only after.
            handed()
        outcome = await self.core.handle_async(message)
        # A configured person is answered at the address on record: a forged sender never
        # reads the answer (and the /buchen code in it).
        to = person.email if person is not None and person.email else parsed.address
        if not outcome.accepted and not outcome.duplicate and self._too_many_refusals(
                to, parsed.authenticated):
            return (Handled("failed", "zu viele unverständliche Nachrichten von dieser Adresse "
                                      "in einer Stunde (Schutz vor Mail-Schleifen)"), parsed, {},
                    None)
        if not outcome.replies and not outcome.accepted:
            return Handled("failed", "nichts zu beantworten (Abwesenheitsnotiz)"), parsed, {}, None
        reply = self.builder.reply(parsed, to, outcome, parsed.notes,
                                   own_subject=person is None or parsed.authenticated)
        number = outcome.application_number
        extra = {"number": number, "reply_id": reply.message_id,
                 "subject": reply.subject} if number else {}
        self.notices_waiting = self.notices_waiting or bool(outcome.notifications)
        return Handled("done"), parsed, extra, reply

    def _too_many_refusals(self, address: str, verified: bool) -> bool:
        """At most `max_refusals_per_hour` answers to not-understood mails per address: an
        auto-responder that marks nothing would otherwise talk to us forever."""
        # mails the server verified are counted apart: forged mails in a person's name would
        # otherwise use up the answers to her own (her mistakes went unanswered for an hour)
        recent = self._refusals[address, verified]
        now = time.monotonic()
        while recent and recent[0] < now - 3600:
            recent.popleft()
        if len(recent) >= self.settings.max_refusals_per_hour:
            return True
        recent.append(now)
        return False

    def _retry_later(self, when: float) -> None:
        """Wake up at `when` at the latest: a mail in the inbox is due to be tried again."""
        self.retry_at = min(self.retry_at or math.inf, when)

    async def settle(self, handled: Result, raw: bytes, uidvalidity: int, uid: str,
                      ready: list[Ready]) -> None:
        """Once a mail's answer and record are on disk, it is ready to be moved; if they could
        not be written, the attempt failed."""
        result, note, written, key = handled
        try:
            await written
        except Exception as error:
            if result.reason.startswith(GIVEN_UP):
                log.error("E-Mail %s: auch das Beiseitelegen schlug fehl: %r", key, error)
                return
            again = await self.failed(key, error, raw, uidvalidity, uid)
            if again is None:
                return
            result, note, written, key = again
            if not await set_aside_written(key, written):
                return
        if result.reason.startswith(GIVEN_UP):
            self.attempts.forget(key)
        folder = (self.settings.done_folder if result.destination == "done"
                  else self.settings.failed_folder)
        ready.append(Ready(folder, uid, key, note, raw, uidvalidity))

    async def failed(self, key: str, error: BaseException, raw: bytes, uidvalidity: int,
                      uid: str, *, answered: bool = False) -> Result | None:
        """Count a failed attempt at a mail; after the last one, set it aside (returned).

        A failing disk is no fault of the mail's: it is tried again, not counted. A mail that
        took longer than `mail_seconds` (TimeoutError, an OSError too) is counted."""
        if isinstance(error, OSError) and not isinstance(error, TimeoutError):
            log.error("E-Mail %s (UID %s): %r; neuer Versuch später", key, uid, error)
            self._retry_later(time.time() + self.settings.retry_seconds)
            return None
        log.error("E-Mail %s (UID %s) konnte nicht verarbeitet werden", key, uid,
                  exc_info=error)
        try:
            failure = await asyncio.to_thread(self.attempts.failed, key, error)
        except OSError as disk:
            log.error("Versuch an %s nicht gezählt: %s", key, disk)
            return None
        if failure.count < self.attempts.limit:
            self._retry_later(self.attempts.due_at(key))
            return None
        return await self._set_aside(raw, key, uidvalidity, uid, answered=answered)

    async def _set_aside(self, raw: bytes, key: str, uidvalidity: int, uid: str, *,
                         answered: bool) -> Result:
        """After the last attempt: the mail goes to "Nicht verarbeitet" with a note naming the
        error, the sender gets a polite answer (when there is an address to send one to and
        none was sent yet), and the administration is told once (the core's outbox)."""
        failure = self.attempts.get(key)
        error = failure.error if failure else "unbekannt"
        reason = f"{GIVEN_UP} {failure.count if failure else 0} Versuchen ({error})"
        try:
            parsed = headers_only(raw, self.own_addresses)
        except Exception:  # headers no parser can read: the note says so
            parsed = ParsedMail("", "", "", "", (), "", "", (), "", (), len(raw))
        address = storable(parsed.address)
        mails: list[Outgoing] = []
        if not answered and not parsed.automatic and SIMPLE_ADDRESS.fullmatch(address):
            with contextlib.suppress(Exception):
                polite = self.builder.refusal(parsed, address, NOT_PROCESSED)
                mails.append(Outgoing(f"{SET_ASIDE}{key}", polite.recipient, polite.data,
                                      urgent=True))
        try:
            note = self.builder.note(parsed, reason).data
        except Exception:
            note = self.builder.note(ParsedMail("", "", "", "", (), "", "", (), "", (), 0),
                                     reason).data
        written = self.commit.submit(mails, [{
            "sid": key, "folder": self.settings.folder, "uidvalidity": uidvalidity,
            "uid": int(uid or 0), "to": "failed", "reason": reason, "set_aside": True,
            "at": self.now().isoformat(timespec="seconds"), "from": address}])
        try:
            await asyncio.to_thread(
                self.core.report_unprocessed, CHANNEL, key, sender=address, error=error,
                where=f"im Ordner „{self.settings.failed_folder}“", now=self.now())
            self.notices_waiting = True
        except Exception:
            log.exception("Die Verwaltung konnte nicht über %s informiert werden", key)
        self.stats.not_handled += 1
        self.stats.set_aside += 1
        log.error("E-Mail %s nach „%s“: %s", key, self.settings.failed_folder, reason)
        return Handled("failed", reason), note, written, key


def _plain_and_small(raw: bytes) -> bool:
    head = raw[:PARSE_INLINE_BYTES].split(b"\r\n\r\n", 1)[0]
    return len(raw) <= PARSE_INLINE_BYTES and not MULTIPART.search(head)


def source_id_of(raw: bytes, whole: bool) -> str:
    """"email:" + Message-ID; without one, a hash of the mail (headers only when too large to
    fetch, which is what is read then)."""
    head = raw.split(b"\r\n\r\n", 1)[0] if not whole else raw
    match = re.search(rb"^message-id:\s*<?([^\s<>]+)>?", raw.split(b"\r\n\r\n", 1)[0],
                      re.IGNORECASE | re.MULTILINE)
    if match:
        return "email:" + match.group(1).decode("ascii", "replace")
    return "email:sha256:" + hashlib.sha256(head).hexdigest()


async def set_aside_written(key: str, written: Awaitable[object]) -> bool:
    """Wait for the record of a mail being set aside; False (logged) if even that failed."""
    try:
        await written
    except Exception as error:
        log.error("E-Mail %s: auch das Beiseitelegen schlug fehl: %r", key, error)
        return False
    return True
