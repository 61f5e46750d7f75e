"""The e-mail channel: applicants, secretaries and county representatives write to a mailbox.

It only translates. Each mail in the IMAP inbox becomes an `IncomingMessage` for the core
(`bot.mail.parse` decodes it); the core's replies become mails in the same thread, its
notifications become mails (with an iCalendar invitation for session alerts, `bot.mail.ics`).
Nothing here knows a rule or a booking.

Nothing is lost, nothing is done twice:
- A mail's source id is "email:" + its Message-ID (a hash of the mail when it has none); the core
  never handles a source id twice. Each mail is first handled, its answer written to the durable
  queue, then the fact recorded in `handled.jsonl` (with folder, UIDVALIDITY and UID), and only
  then moved to "Verarbeitet". A crash anywhere in between handles it again at the next start,
  and the core, the queue (keyed by source id) and the journal make that a no-op.
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
  notifications, all over one connection; while the server is away they are retried with
  exponential backoff. A mail the server refuses for good (5xx) goes to `failed/`, logged. The
  only double a crash can cause is a mail accepted by the server in the instant before it was
  noted; it then goes out once more, with the same Message-ID.
- Notifications: the core's outbox is read for channel "email" once the inbox is worked through
  (and every `notify_seconds`); they are written to the mail queue first, then marked delivered
  in the core.

Who gets the answer: a configured person always at the address on record, so a forged sender of
a secretary's `/beschluss` never sees the `/buchen` code (it goes to the real secretary); anyone
else at the From address. Reply-To is ignored. Answers carry `Auto-Submitted: auto-replied`.

Settings (`sozialbot run` starts the channel when `[email.imap]` and `[email.smtp]` name a host;
passwords come from the environment variables named here, never from the file):

    [email]
    address = "budget2@landkreis-lueneburg.de"   # From of every mail the bot sends
    name = "Budget II – Landkreis Lüneburg"      # display name (optional)

    [email.imap]
    host = "imap.landkreis-lueneburg.de"
    port = 993                    # 993 with security "tls", 143 with "starttls"
    security = "tls"              # "tls", "starttls", or "none" (only for 127.0.0.1)
    user = "budget2@landkreis-lueneburg.de"
    password_env = "SOZIALBOT_IMAP_PASSWORD"
    folder = "INBOX"
    done_folder = "Verarbeitet"
    failed_folder = "Nicht verarbeitet"
    idle = true                   # wait with IMAP IDLE where the server offers it
    poll_seconds = 60             # otherwise look every minute

    [email.smtp]
    host = "smtp.landkreis-lueneburg.de"
    port = 587                    # 587 with "starttls", 465 with "tls"
    security = "starttls"
    user = "budget2@landkreis-lueneburg.de"
    password_env = "SOZIALBOT_SMTP_PASSWORD"

Microsoft 365 and other OAuth2 servers: `auth = "oauth2"` with a provider under [email.imap] and
[email.smtp] instead of password_env (see `bot.mail.auth` and the README, "Microsoft 365").
Certificates are always checked; for a server certificate of the county's own CA add
`ca_file = "/etc/ssl/landkreis-ca.pem"` under [email.imap] or [email.smtp].
Optional under [email]: `max_mail_mb = 10`, `max_attachment_mb = 5`, `max_refusals_per_hour = 5`
(answers to mails the bot did not understand, per address; stops loops with auto-responders that
mark nothing), `retry_seconds = 5`, `retry_max_seconds = 300`, `notify_seconds = 30`,
`max_attempts = 3` (a mail that fails this often goes to "Nicht verarbeitet", its sender gets a
polite answer, the administration a notice; attempts are counted in DATA/mail/attempts.jsonl),
`mail_seconds = 300` (one mail taking longer has failed an attempt).

Sender check: `trusted_authserv_id = "mx.landkreis-lueneburg.de"` under [email] names the county's
receiving server whose Authentication-Results header (DMARC pass, or DKIM pass aligned with the
From domain) marks a mail as verified (`bot.mail.sender`). Without it, or when a mail is not
verified, a configured person's command waits for the code sent to her address on record
(`handlers.verification`). A From the strict parser doubts never speaks for a configured person.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import functools
import hashlib
import imaplib
import logging
import math
import re
import ssl
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import aiosmtplib
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError

from bot import health
from bot.attempts import Attempts
from bot.mail.auth import OAuthSettings, SettingsError, credentials, imap_login, smtp_login
from bot.mail.compose import Part, cut_at_word, header, plain_text, render, with_parts
from bot.mail.ics import method_for, session_ics
from bot.mail.parse import (
    MAX_ATTACHMENT_BYTES,
    MAX_MAIL_BYTES,
    ParsedMail,
    code_of,
    format_size,
    headers_only,
    message_text,
    parse_mail,
    referenced,
    strip_reply_prefix,
)
from bot.mail.queue import SET_ASIDE, GroupCommit, MailState, Outbox, Outgoing, Queued
from bot.sandbox import Budget
from handlers import faults
from handlers.messages import IncomingMessage, Notification, Outcome, Sender, SessionEvent
from handlers.service import Core
from rules.county import Config
from rules.dates import format_date
from storage.text import storable

log = logging.getLogger(__name__)

PARALLEL_MAILS = 32  # mails of different senders handled at once (their commits are grouped)
PARSE_INLINE_BYTES = 64 * 1024
FROM = re.compile(rb"^from:[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)",
                  re.IGNORECASE | re.MULTILINE)
MULTIPART = re.compile(rb"^content-type:\s*multipart/", re.IGNORECASE | re.MULTILINE)
ANSWERS_FIRST_SECONDS = 30.0  # notifications wait this long at most for the answers to go out
KEEP_OPEN_SECONDS = 1.0  # an SMTP connection waits this long for the next mail before QUIT
AUTOMATIC = b"".join(header(name, value) for name, value in (
    ("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All"),
    ("Content-Language", "de")))
SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/^_`{|}~-]+@[A-Za-z0-9.-]+")

CHANNEL = "email"
MARKER = "sozialbot"  # first token of our Message-IDs: replies to them are recognized
IMAP_ERRORS = (imaplib.IMAP4.error, ImapToolsError, OSError, EOFError)
FETCH_BYTES = 16 * 1024 * 1024  # whole mails fetched at once, at most
MOVE_SECONDS = 1.0  # mails handled meanwhile are moved this often, not after the slowest one
GIVEN_UP = "nicht verarbeitet nach"  # the reason of a mail set aside after its attempts
NOT_PROCESSED = (
    "Ihre E-Mail konnte leider nicht vollständig verarbeitet werden. Die Kreisverwaltung ist "
    "informiert und kümmert sich darum; Sie müssen nichts weiter tun. Bitte senden Sie die "
    "E-Mail nicht noch einmal.")
Clock = Callable[[], datetime]


# -- settings -----------------------------------------------------------------------------------


class MailConfigError(ValueError):
    """The [email] section is incomplete; the message says what is missing (German)."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str  # "tls", "starttls", "none"
    user: str
    password: str
    ca_file: str = ""  # a county's own CA (PEM) for a server certificate it issued itself
    oauth: OAuthSettings | None = None  # auth = "oauth2" (bot.mail.auth)

    def tls_context(self) -> ssl.SSLContext:
        """Certificates and host names are always checked; `ca_file` adds a trusted CA."""
        return ssl.create_default_context(cafile=self.ca_file or None)


@dataclass(frozen=True)
class MailSettings:
    address: str
    name: str
    imap: Server
    smtp: Server
    folder: str = "INBOX"
    done_folder: str = "Verarbeitet"
    failed_folder: str = "Nicht verarbeitet"
    idle: bool = True
    idle_seconds: float = 5 * 60
    poll_seconds: float = 60.0
    notify_seconds: float = 30.0
    retry_seconds: float = 5.0
    retry_max_seconds: float = 300.0
    max_mail_bytes: int = MAX_MAIL_BYTES
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    max_refusals_per_hour: int = 5
    max_attempts: int = 3
    mail_seconds: float = 300.0
    batch: int = 50
    timeout: float = 60.0
    trusted_authserv_id: str = ""  # whose Authentication-Results count (bot.mail.sender)
    budget: Budget = field(default_factory=Budget)  # for one mail's documents (bot.sandbox)

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1] or "localhost"

    @classmethod
    def from_config(cls, config: Config) -> MailSettings:
        raw = config.raw.get("email") or {}
        imap = raw.get("imap") if isinstance(raw, dict) else None
        smtp = raw.get("smtp") if isinstance(raw, dict) else None
        if not isinstance(imap, dict) or not isinstance(smtp, dict) or not (
                imap.get("host") and smtp.get("host")):
            raise MailConfigError("in der Konfiguration fehlen [email.imap] host und "
                                  "[email.smtp] host")
        address = str(raw.get("address") or imap.get("user") or "").strip().lower()
        if "@" not in address:
            raise MailConfigError("[email] address fehlt (die Absenderadresse des Bots)")
        mb = 1024 * 1024
        number = _number(raw)
        return cls(
            address=address,
            name=str(raw.get("name", "sozialbot")),
            imap=_server(imap, "imap", 993, address, raw.get("oauth2") or {}),
            smtp=_server(smtp, "smtp", 587, address, raw.get("oauth2") or {}),
            folder=str(imap.get("folder", "INBOX")),
            done_folder=str(imap.get("done_folder", "Verarbeitet")),
            failed_folder=str(imap.get("failed_folder", "Nicht verarbeitet")),
            idle=bool(imap.get("idle", True)),
            idle_seconds=min(float(imap.get("idle_seconds", 5 * 60)), 29 * 60),
            poll_seconds=float(imap.get("poll_seconds", 60)),
            notify_seconds=number("notify_seconds", 30.0),
            retry_seconds=number("retry_seconds", 5.0),
            retry_max_seconds=number("retry_max_seconds", 300.0),
            max_mail_bytes=int(number("max_mail_mb", 10) * mb),
            max_attachment_bytes=int(number("max_attachment_mb", 5) * mb),
            max_refusals_per_hour=int(number("max_refusals_per_hour", 5)),
            max_attempts=max(1, int(number("max_attempts", 3))),
            mail_seconds=number("mail_seconds", 300.0),
            timeout=number("timeout_seconds", 60.0),
            trusted_authserv_id=str(raw.get("trusted_authserv_id", "")).strip().lower(),
            budget=Budget.from_section(config.raw.get("security")),
        )


def _number(section: dict[str, Any]) -> Callable[[str, float], float]:
    def pick(key: str, default: float) -> float:
        value = section.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise MailConfigError(f"[email] {key} muss eine Zahl ≥ 0 sein")
        return float(value)
    return pick


def _server(section: dict[str, Any], kind: str, default_port: int, address: str,
            oauth2: dict[str, Any]) -> Server:
    """One server's settings; the password or OAuth2 secret is read from the environment."""
    security = str(section.get("security", "tls" if kind == "imap" else "starttls")).lower()
    if security not in ("tls", "starttls", "none"):
        raise MailConfigError(f"[email.{kind}] security muss „tls“, „starttls“ oder „none“ sein")
    defaults = ({"tls": 993, "starttls": 143, "none": 143} if kind == "imap"
                else {"tls": 465, "starttls": 587, "none": 25})
    port = section.get("port") or defaults.get(security, default_port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise MailConfigError(f"[email.{kind}] port muss eine Portnummer sein")
    user = str(section.get("user", ""))
    if kind == "imap" and not user:
        user = address  # IMAP always needs a login; mailbox logins are usually the address
    if kind == "smtp" and not user and section.get("auth") == "oauth2":
        user = address
    try:
        password, oauth = credentials(section, oauth2, kind, user)
    except SettingsError as error:
        raise MailConfigError(str(error)) from None
    ca_file = str(section.get("ca_file", ""))
    if ca_file and not Path(ca_file).is_file():
        raise MailConfigError(f"[email.{kind}] ca_file {ca_file} gibt es nicht")
    return Server(str(section["host"]), port, security, user, password, ca_file, oauth)


def mail_status(config: Config) -> tuple[bool, str]:
    """Whether `sozialbot run` starts the e-mail channel, and why (German, for the console)."""
    if not (config.raw.get("email") or {}):
        return False, "kein Abschnitt [email] in der Konfiguration"
    try:
        settings = MailSettings.from_config(config)
    except MailConfigError as error:
        return False, str(error)
    return True, (f"{settings.address} über IMAP {settings.imap.host}:{settings.imap.port} "
                  f"und SMTP {settings.smtp.host}:{settings.smtp.port}")


# -- building mails -----------------------------------------------------------------------------


def _message_id(domain: str, *tokens: str | None) -> str:
    parts = [MARKER, *(t for t in tokens if t), uuid.uuid4().hex[:20]]
    return f"<{'.'.join(parts)}@{domain}>"


def _reply_subject(original: str, number: str | None, code: str | None) -> str:
    subject = cut_at_word(strip_reply_prefix(original), 150) or "Ihre Nachricht"
    if number and number not in subject.upper():
        subject += f" [{number}]"
    if code and code not in subject:
        subject += f" (Code {code})"
    return "Re: " + subject


def _body(text: str, actions: Iterable[Any], notes: Iterable[str] = (), *,
          closing: str = "") -> str:
    """A mail's text: greeting, the core's text, notes, the lines to answer with, closing."""
    parts = ["Guten Tag,", text.strip()]
    notes = list(notes)
    if notes:
        parts.append("Hinweis:\n" + "\n".join(f"• {n}" for n in notes))
    actions = list(actions)
    if actions:
        parts.append("Sie können mit einer dieser Zeilen antworten:\n" +
                     "\n".join(f"• {a.label}: {a.command}" for a in actions))
    if closing:
        parts.append(f"Mit freundlichen Grüßen\n{closing}")
    return storable("\n\n".join(p for p in parts if p) + "\n")


@dataclass(frozen=True)
class Mail:
    """One of our mails, rendered; `recipient` is the envelope's."""

    recipient: str
    message_id: str
    subject: str
    data: bytes


class MailBuilder:
    """Our mails: From the configured address, threaded, marked as automatic answers."""

    def __init__(self, settings: MailSettings, now: Clock, timezone: str,
                 county: str = "") -> None:
        self.settings = settings
        self.now = now
        self.timezone = timezone
        # the closing of every mail: the county's name, and the mailbox's where it says more
        self.closing = "\n".join(dict.fromkeys(n for n in (county, settings.name) if n))
        local, _, domain = settings.address.partition("@")
        self._from = header("From", Address(settings.name, local, domain))

    def _mail(self, to: str, subject: str, message_id: str, content: bytes,
              parent: tuple[str, str] | None = None) -> Mail:
        """`parent`: the In-Reply-To and References headers of an answer. Text a sender sent
        that is not valid Unicode is made storable first (`storage.text`): it cannot be
        encoded."""
        to, subject = storable(to), storable(subject)
        headers = [self._from, header("To", to), header("Subject", subject),
                   header("Date", format_datetime(self.now())), header("Message-ID", message_id),
                   AUTOMATIC]
        if parent is not None:
            headers += [header("In-Reply-To", storable(parent[0])),
                        header("References", storable(parent[1]))]
        data = render(headers, content)
        recipient = to if SIMPLE_ADDRESS.fullmatch(to) else _envelope_recipient(data)
        return Mail(recipient, message_id, subject, data)

    def reply(self, parsed: ParsedMail, to: str, outcome: Outcome,
              notes: Iterable[str] = (), *, own_subject: bool = True) -> Mail:
        """The answer to one mail, in its thread. `own_subject=False`: the subject was written by
        someone who may not be the recipient (an unverified mail in a person's name), so it is
        not repeated."""
        faults.check("compose", parsed.message_id)
        text = "\n\n".join(r.text for r in outcome.replies) or (
            "Ihre Nachricht ist angekommen.")
        actions = [a for r in outcome.replies for a in r.actions]
        code = code_of(actions)
        number = outcome.application_number
        message_id = _message_id(self.settings.domain, number, f"C-{code}" if code else None)
        parent = None
        if parsed.message_id:
            references = [*parsed.references[-9:], parsed.message_id]
            parent = (f"<{parsed.message_id}>", " ".join(f"<{r}>" for r in references))
        body = _body(text, actions, notes, closing=self.closing)
        documents = [Part(d.data, *_content_type(d.content_type), filename=d.filename)
                     for r in outcome.replies for d in r.documents]
        content = with_parts(body, attachments=documents) if documents else plain_text(body)
        subject = parsed.subject if own_subject else "Ihre Anfrage an den Budget-II-Bot"
        return self._mail(to, _reply_subject(subject, number, code), message_id, content, parent)

    def refusal(self, parsed: ParsedMail, to: str, text: str) -> Mail:
        parent = ((f"<{parsed.message_id}>",) * 2 if parsed.message_id else None)
        return self._mail(to, _reply_subject(parsed.subject, None, None),
                          _message_id(self.settings.domain),
                          plain_text(_body(text, (), closing=self.closing)), parent)

    def notification(self, notification: Notification, to: str, person_name: str,
                     thread: tuple[str, str] | None) -> Mail:
        number = notification.application_number
        event = notification.event
        if event is not None:
            subject = _event_subject(event)
        elif thread is not None:
            subject = _reply_subject(thread[1], number, None)
        else:
            # up to a quoted title („…“): an applicant's text never makes a subject for staff
            first = notification.text.strip().split("\n", 1)[0].split("„", 1)[0].rstrip(" :")
            subject = cut_at_word(first, 90)
            if number and number not in subject:
                subject += f" [{number}]"
        body = _body(notification.text, notification.actions, closing=self.closing)
        if event is None:
            content = plain_text(body)
        else:
            ics = session_ics(event, organizer=self.settings.address, attendee=to,
                              attendee_name=person_name, stamp=self.now(),
                              timezone=self.timezone, organizer_name=self.settings.name)
            content = with_parts(
                body,
                alternatives=[Part(ics, "text", "calendar",
                                   params=(("method", method_for(event)),))],
                attachments=[Part(ics, "application", "ics", filename="sitzung.ics")])
        parent = (thread[0], thread[0]) if thread is not None else None
        # an answer to a session alert ("Zusage") names its session through this Message-ID
        session = f"S-{event.conference_code}-{event.day:%Y%m%d}" if event is not None else None
        return self._mail(to, subject, _message_id(self.settings.domain, number, session),
                          content, parent)

    def note(self, parsed: ParsedMail, reason: str) -> Mail:
        """The note placed next to a mail in "Nicht verarbeitet", saying why it is there."""
        parent = ((f"<{parsed.message_id}>",) * 2 if parsed.message_id else None)
        return self._mail(
            self.settings.address,
            # the sender's subject stays in the body: a stranger's text is no subject for staff
            f"Nicht verarbeitet: E-Mail von {parsed.address[:80] or 'unbekannt'}",
            _message_id(self.settings.domain, "note"),
            plain_text(storable(
                f"Diese E-Mail hat der Bot nicht verarbeitet und nicht beantwortet.\n"
                f"Grund: {reason}\nAbsender: {parsed.address or '(unbekannt)'}\n"
                f"Betreff: {cut_at_word(parsed.subject, 150) or '(ohne Betreff)'}\n"
                f"Message-ID: {parsed.message_id or '(keine)'}\n")), parent)


def _event_subject(event: SessionEvent) -> str:
    """"Abgesagt: …", "Verschoben: … vom 12.03.2026, 18:30 Uhr auf 19.03.2026, 19:00 Uhr", or
    the session's name and date."""
    name = f"Budget-II-Sitzung {event.conference_name}"
    if event.status == "cancelled":
        return f"Abgesagt: {name} am {format_date(event.day)}"
    if event.moved_from:
        new = format_date(event.day) + (f", {event.start:%H:%M} Uhr" if event.start else "")
        return f"Verschoben: {name} vom {event.moved_from} auf {new}"
    return f"{name} am {format_date(event.day)}"


def _content_type(value: str) -> tuple[str, str]:
    maintype, _, subtype = value.partition("/")
    return maintype or "application", subtype or "octet-stream"


# -- the channel --------------------------------------------------------------------------------


class RawMailMessage(MailMessage):
    """imap-tools' message that keeps the bytes as the server sent them, and parses them only
    when asked (the channel reads `raw`, `uid` and `size_rfc822`; imap-tools would parse each
    fetched mail, the headers and then the whole)."""

    def __init__(self, fetch_data: list) -> None:
        self.raw, self._raw_uid_data, self._raw_flag_data = self._get_message_data_parts(
            fetch_data)

    @functools.cached_property
    def obj(self) -> email.message.Message:  # type: ignore[override]
        return email.message_from_bytes(self.raw)

    @property
    def sender(self) -> str:
        """The From address as written, to keep each sender's mails in order."""
        head = self.raw.split(b"\r\n\r\n", 1)[0]
        match = FROM.search(head)
        value = re.sub(rb"\r\n[ \t]", b" ", match.group(1)) if match else b""
        return parseaddr(value.decode("ascii", "replace"))[1].lower()


class Backoff:
    """Exponential pauses: retry_seconds, twice that, … up to retry_max_seconds."""

    def __init__(self, first: float, limit: float) -> None:
        self.first, self.limit = first, max(first, limit)
        self.current = first

    def next(self) -> float:
        pause = self.current
        self.current = min(self.current * 2, self.limit)
        return pause

    def reset(self) -> None:
        self.current = self.first


@dataclass
class Stats:
    """Counters for the log and for tests to see that the channel is alive."""

    handled: int = 0
    not_handled: int = 0
    sent: int = 0
    send_failures: int = 0
    imap_connects: int = 0
    imap_errors: int = 0
    idle_rounds: int = 0
    set_aside: int = 0  # mails given up after their last attempt


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


class MailChannel:
    def __init__(self, core: Core, config: Config, settings: MailSettings, *,
                 now: Clock | None = None) -> None:
        zone = ZoneInfo(getattr(config, "timezone", "Europe/Berlin"))
        self.core = core
        self.settings = settings
        self.now: Clock = now or (lambda: datetime.now(zone))
        self.state = MailState(Path(config.data_dir) / "mail")
        self.outbox = Outbox()
        self.outbox.add(self.state.left_over)
        self.builder = MailBuilder(settings, self.now, str(zone),
                                   getattr(config, "county", ""))
        self.own_addresses = {settings.address, settings.imap.user.lower(),
                              settings.smtp.user.lower()} - {""}
        self.stats = Stats()
        self.health = health.channel(CHANNEL)  # for `sozialbot status`
        self.health.queue = lambda: len(self.outbox)
        self.outgoing = asyncio.Event()
        self.notify_now = asyncio.Event()
        self._answered = asyncio.Event()  # the sender has no answer left to send
        self._notices_waiting = False
        self._stopping = threading.Event()
        self._refusals: dict[str, deque[float]] = defaultdict(deque)
        self._commands: tuple[str, ...] = ()
        self._parallel = asyncio.Semaphore(PARALLEL_MAILS)
        self._commit = GroupCommit(self.state, self._queued)
        self.attempts = Attempts(Path(config.data_dir) / "mail" / "attempts.jsonl",
                                 limit=settings.max_attempts, first_pause=settings.retry_seconds,
                                 max_pause=settings.retry_max_seconds)
        self._retry_at: float | None = None  # when a mail that failed may be tried again

    def _queued(self, mails: list[Queued]) -> None:
        self.outbox.add(mails)
        if mails:
            self.outgoing.set()

    # -- running ----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        from handlers.commands import registry

        self._commands = tuple(registry())
        await asyncio.to_thread(self.state.trim, self.now())
        tasks = [asyncio.create_task(self.read_loop(stop), name="mail-imap"),
                 asyncio.create_task(self.send_loop(stop), name="mail-smtp"),
                 asyncio.create_task(self.notify_loop(stop), name="mail-notify")]
        try:
            await stop.wait()
        finally:
            self._stopping.set()
            self.outgoing.set()
            self.notify_now.set()
            self._answered.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.to_thread(self.state.sync_sent)
            self.state.close()

    # -- reading ----------------------------------------------------------------------------
    def _connect(self) -> BaseMailBox:
        server = self.settings.imap
        timeout = self.settings.timeout
        if server.security == "tls":
            box: BaseMailBox = MailBox(server.host, server.port, timeout=timeout,
                                       ssl_context=server.tls_context())
        elif server.security == "starttls":
            box = MailBoxStartTls(server.host, server.port, timeout=timeout,
                                  ssl_context=server.tls_context())
        else:
            box = MailBoxUnencrypted(server.host, server.port, timeout=timeout)
        box.email_message_class = RawMailMessage
        imap_login(box, server.user, server.password, server.oauth)
        # Many servers announce IDLE and MOVE only after the login; imaplib keeps the list it got
        # before (imap-tools falls back to COPY + EXPUNGE without MOVE).
        typ, data = box.client.capability()
        if typ == "OK" and data and data[0]:
            box.client.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
        for folder in (self.settings.done_folder, self.settings.failed_folder):
            if not box.folder.exists(folder):
                box.folder.create(folder)
        box.folder.set(self.settings.folder)
        return box

    async def read_loop(self, stop: asyncio.Event) -> None:
        """Connect, work through the inbox, wait for more; on a dropped connection reconnect
        with growing pauses."""
        pause = Backoff(self.settings.retry_seconds, self.settings.retry_max_seconds)
        while not stop.is_set():
            box: BaseMailBox | None = None
            try:
                box = await asyncio.to_thread(self._connect)
                self.stats.imap_connects += 1
                self.health.up()
                pause.reset()
                while not stop.is_set():
                    await self.process_inbox(box)
                    if self._notices_waiting:
                        # Answers first: notifications are read once the inbox is worked
                        # through (or when notify_seconds have passed), not after each mail.
                        self._notices_waiting = False
                        self.notify_now.set()
                    if stop.is_set():
                        break
                    await self._wait_for_mail(box, stop)
            except IMAP_ERRORS as error:
                self.stats.imap_errors += 1
                self.health.down(f"IMAP: {error}")
                delay = pause.next()
                log.warning("IMAP %s:%s: %s – neuer Versuch in %.0f s", self.settings.imap.host,
                            self.settings.imap.port, error, delay)
                await _sleep_or_stop(delay, stop)
            except Exception:
                self.stats.imap_errors += 1
                self.health.down("IMAP: unerwarteter Fehler (siehe Log)")
                log.exception("E-Mail-Eingang: unerwarteter Fehler")
                await _sleep_or_stop(pause.next(), stop)
            finally:
                if box is not None:
                    await asyncio.to_thread(_logout, box)

    async def _wait_for_mail(self, box: BaseMailBox, stop: asyncio.Event) -> None:
        """Until new mail comes, or a mail that failed is due to be tried again."""
        idle = self.settings.idle and "IDLE" in box.client.capabilities
        seconds = self.settings.idle_seconds if idle else self.settings.poll_seconds
        if self._retry_at is not None:
            seconds = max(0.05, min(seconds, self._retry_at - time.time()))
        if idle:
            self.stats.idle_rounds += 1
            await asyncio.to_thread(self._idle, box, seconds)
        else:
            await _sleep_or_stop(seconds, stop)

    def _idle(self, box: BaseMailBox, seconds: float) -> None:
        """IDLE until the server reports something, the time is up, or the bot stops."""
        deadline = time.monotonic() + seconds
        box.idle.start()
        try:
            while not self._stopping.is_set() and time.monotonic() < deadline:
                if box.idle.poll(timeout=min(0.5, max(0.05, deadline - time.monotonic()))):
                    return
        finally:
            box.idle.stop()

    def _uids(self, box: BaseMailBox) -> tuple[int, list[str]]:
        status = box.folder.status(self.settings.folder, ["UIDVALIDITY"])
        box.folder.set(self.settings.folder)
        uids = sorted(box.uids("ALL"), key=int)
        return int(status.get("UIDVALIDITY", 0)), uids

    def _fetch(self, box: BaseMailBox, uids: list[str],
               headers_only: bool) -> list[RawMailMessage]:
        # box.email_message_class is RawMailMessage (see _connect)
        return cast(list[RawMailMessage], list(box.fetch(
            uid_list=uids, mark_seen=False, bulk=True, headers_only=headers_only)))

    async def process_inbox(self, box: BaseMailBox) -> int:
        """Handle every mail now in the inbox, oldest first; returns how many were moved.

        Headers (with sizes) come first, a batch at a time; the whole mails follow in groups of
        at most FETCH_BYTES, so a pile of large mails never sits in memory at once. A mail that
        failed (or waits for its next attempt) stays in the inbox and is not read again in this
        pass."""
        count = 0
        tried: set[str] = set()
        self._retry_at = None
        while not self._stopping.is_set():
            uidvalidity, uids = await asyncio.to_thread(self._uids, box)
            uids = [uid for uid in uids if uid not in tried]
            if not uids:
                break
            heads = await asyncio.to_thread(self._fetch, box, uids[: self.settings.batch], True)
            tried.update(uids[: self.settings.batch])
            for group in _groups(heads, self.settings.max_mail_bytes):
                if self._stopping.is_set():
                    break
                wanted = [h.uid for h in group
                          if h.uid and h.size_rfc822 <= self.settings.max_mail_bytes]
                bodies = ({m.uid: m for m in await asyncio.to_thread(self._fetch, box, wanted,
                                                                      False) if m.uid}
                          if wanted else {})
                count += await self._handle_group(box, group, bodies, uidvalidity)
        return count

    def _retry_later(self, when: float) -> None:
        """Wake up at `when` at the latest: a mail in the inbox is due to be tried again."""
        self._retry_at = min(self._retry_at or math.inf, when)

    async def _handle_group(self, box: BaseMailBox, group: list[RawMailMessage],
                            bodies: dict[str, RawMailMessage], uidvalidity: int) -> int:
        """Each sender's mails in order, senders side by side: one mail's fsyncs and parsing no
        longer hold up the others, and the core groups their commits. A sender's next mail goes
        to the core once the previous one is handled there; the answers and records are written
        meanwhile. Every MOVE_SECONDS the mails whose record is on disk are moved: a slow or
        failing mail holds up nobody. Returns how many were moved."""
        by_sender: dict[str, list[RawMailMessage]] = defaultdict(list)
        for head in group:
            fetched_whole = head.uid and head.size_rfc822 <= self.settings.max_mail_bytes
            if fetched_whole and head.uid not in bodies:
                continue  # expunged meanwhile by someone else
            by_sender[head.sender].append(head)
        ready: list[Ready] = []
        settling: set[asyncio.Task[None]] = set()

        async def in_order(heads: list[RawMailMessage]) -> None:
            for head in heads:
                if self._stopping.is_set():
                    return
                uid = head.uid or ""
                mail = bodies.get(uid)
                async with self._parallel:
                    key = _source_id((mail or head).raw, mail is not None)
                    try:
                        handled = await asyncio.wait_for(
                            self.handle_mail(mail or head, uidvalidity, uid,
                                             whole=mail is not None),
                            self.settings.mail_seconds)
                    except Exception as error:  # a bug of ours, or a mail that takes too long
                        handled = await self._failed(key, error, (mail or head).raw,
                                                     uidvalidity, uid)
                if handled is not None:
                    task = asyncio.create_task(self._settle(handled, (mail or head).raw,
                                                            uidvalidity, uid, ready))
                    settling.add(task)

        waiting: set[asyncio.Task[None]] = {asyncio.create_task(in_order(heads))
                                            for heads in by_sender.values()}
        moved = 0
        while waiting or settling:
            done, _ = await asyncio.wait(waiting | settling, timeout=MOVE_SECONDS,
                                         return_when=asyncio.ALL_COMPLETED)
            waiting -= done
            settling -= done
            for task in done:
                if task.exception() is not None:
                    log.error("E-Mail-Eingang: %r", task.exception())
            if ready:
                batch, ready[:] = list(ready), []
                moved += await self._move(box, batch)
        return moved

    async def _settle(self, handled: Result, raw: bytes, uidvalidity: int, uid: str,
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
            again = await self._failed(key, error, raw, uidvalidity, uid)
            if again is None:
                return
            result, note, written, key = again
            if not await _set_aside_written(key, written):
                return
        if result.reason.startswith(GIVEN_UP):
            self.attempts.forget(key)
        folder = (self.settings.done_folder if result.destination == "done"
                  else self.settings.failed_folder)
        ready.append(Ready(folder, uid, key, note, raw, uidvalidity))

    async def _failed(self, key: str, error: BaseException, raw: bytes, uidvalidity: int,
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
        written = self._commit.submit(mails, [{
            "sid": key, "folder": self.settings.folder, "uidvalidity": uidvalidity,
            "uid": int(uid or 0), "to": "failed", "reason": reason, "set_aside": True,
            "at": self.now().isoformat(timespec="seconds"), "from": address}])
        try:
            await asyncio.to_thread(
                self.core.report_unprocessed, CHANNEL, key, sender=address, error=error,
                where=f"im Ordner „{self.settings.failed_folder}“", now=self.now())
            self._notices_waiting = True
        except Exception:
            log.exception("Die Verwaltung konnte nicht über %s informiert werden", key)
        self.stats.not_handled += 1
        self.stats.set_aside += 1
        log.error("E-Mail %s nach „%s“: %s", key, self.settings.failed_folder, reason)
        return Handled("failed", reason), note, written, key

    async def _move(self, box: BaseMailBox, ready: list[Ready]) -> int:
        """Move mails whose records are on disk, one IMAP command per folder (one by one when
        that fails); a mail that cannot be moved has failed an attempt. Returns how many."""
        by_folder: dict[str, list[Ready]] = defaultdict(list)
        for item in ready:
            by_folder[item.folder].append(item)
        moved: list[Ready] = []
        failed: list[tuple[Ready, BaseException]] = []
        for folder, items in by_folder.items():
            movable = []
            for item in items:
                try:
                    if folder == self.settings.done_folder:
                        faults.check("move", item.key)
                    movable.append(item)
                except faults.InjectedFault as error:
                    failed.append((item, error))
            await self._append_notes(box, movable)  # the note is there when the mail is
            try:
                if movable:
                    await asyncio.to_thread(box.move, [i.uid for i in movable], folder)
                moved += movable
                continue
            except IMAP_ERRORS:
                pass
            for item in movable:
                try:
                    await asyncio.to_thread(box.move, [item.uid], folder)
                    moved.append(item)
                except IMAP_ERRORS as error:
                    failed.append((item, error))
        if failed:
            await asyncio.to_thread(box.client.noop)  # the server is there: the mails failed
        for item, cause in failed:
            handled = await self._failed(item.key, cause, item.raw, item.uidvalidity, item.uid,
                                         answered=True)
            if handled is None:
                continue
            _, note, written, key = handled
            if not await _set_aside_written(key, written):
                continue
            self.attempts.forget(key)
            set_aside = Ready(self.settings.failed_folder, item.uid, key, note, item.raw,
                              item.uidvalidity)
            await self._append_notes(box, [set_aside])
            await asyncio.to_thread(box.move, [item.uid], self.settings.failed_folder)
            moved.append(set_aside)
        return len(moved)

    async def _append_notes(self, box: BaseMailBox, items: list[Ready]) -> None:
        for item in items:
            if item.note is not None:
                await asyncio.to_thread(box.append, item.note, self.settings.failed_folder,
                                        dt=None, flag_set=())

    # -- one mail ---------------------------------------------------------------------------
    async def handle_mail(self, mail: RawMailMessage, uidvalidity: int, uid: str, *,
                          whole: bool) -> tuple[Handled, bytes | None, asyncio.Future[None],
                                                str] | None:
        """Handle one mail once: answer it (through the queue), record it, say where it goes.
        Returns the result, for "Nicht verarbeitet" the note mail to put next to it, the write
        of its answer and record (the mail may be moved once that is done), and its source id;
        None when it is left in the inbox for now (it failed, or waits for its next attempt)."""
        raw = mail.raw
        source_id = _source_id(raw, whole)
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
                    self._commit.submit([], []), source_id)
        result, parsed, extra, answer = await self._answer(raw, whole, mail.size_rfc822,
                                                           source_id)
        mails = [] if answer is None else [
            Outgoing(f"reply:{source_id}", answer.recipient, answer.data, urgent=True)]
        # The answer is on disk before the record, the record before the mail is moved.
        written = self._commit.submit(mails, [{
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

    async def _answer(self, raw: bytes, whole: bool, size: int, source_id: str
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
        text = message_text(parsed, known_person=person is not None, commands=self._commands)
        message = IncomingMessage(sender, text, source_id, self.now(), parsed.attachments,
                                  refers)
        outcome = await self.core.handle_async(message)
        # A configured person is answered at the address on record: a forged sender never
        # reads the answer (and the /buchen code in it).
        to = person.email if person is not None and person.email else parsed.address
        if not outcome.accepted and not outcome.duplicate and self._too_many_refusals(to):
            return (Handled("failed", "zu viele unverständliche Nachrichten von dieser Adresse "
                                      "in einer Stunde (Schutz vor Mail-Schleifen)"), parsed, {},
                    None)
        reply = self.builder.reply(parsed, to, outcome, parsed.notes,
                                   own_subject=person is None or parsed.authenticated)
        number = outcome.application_number
        extra = {"number": number, "reply_id": reply.message_id,
                 "subject": reply.subject} if number else {}
        self._notices_waiting = self._notices_waiting or bool(outcome.notifications)
        return Handled("done"), parsed, extra, reply

    def _too_many_refusals(self, address: str) -> bool:
        """At most `max_refusals_per_hour` answers to not-understood mails per address: an
        auto-responder that marks nothing would otherwise talk to us forever."""
        recent = self._refusals[address]
        now = time.monotonic()
        while recent and recent[0] < now - 3600:
            recent.popleft()
        if len(recent) >= self.settings.max_refusals_per_hour:
            return True
        recent.append(now)
        return False

    # -- sending ----------------------------------------------------------------------------
    async def notify_loop(self, stop: asyncio.Event) -> None:
        """Move the core's notifications for e-mail into the mail queue, once the answers
        waiting to be sent are out (at the latest after ANSWERS_FIRST_SECONDS): reading and
        queueing a thousand of them takes the time the sender needs for the answers."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._answers_out(stop), ANSWERS_FIRST_SECONDS)
            try:
                await self.deliver_notifications()
            except Exception:
                log.exception("E-Mail-Benachrichtigungen: Fehler, neuer Versuch später")
            self.notify_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.notify_now.wait(), self.settings.notify_seconds)

    async def _answers_out(self, stop: asyncio.Event) -> None:
        """Until no answer waits to be sent, while they are going out (with the SMTP server
        away, the notifications are queued behind them at once)."""
        while self.outbox.urgent and not stop.is_set():
            sent = self.stats.sent
            self._answered.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._answered.wait(), 1.0)
            if self.stats.sent == sent:
                return

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
                await _sleep_or_stop(delay, stop)
            except Exception:
                self.stats.send_failures += 1
                log.exception("E-Mail-Versand: unerwarteter Fehler")
                await _sleep_or_stop(pause.next(), stop)

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
                    await client.sendmail(self.settings.address, [mail.recipient], data)
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
            self._answered.set()

    async def _more_to_send(self, stop: asyncio.Event) -> bool:
        """Whether more mail comes before the connection is worth closing."""
        self.outgoing.clear()
        if not self.outbox:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.outgoing.wait(), KEEP_OPEN_SECONDS)
        return bool(self.outbox) and not stop.is_set()


def _groups(heads: list[RawMailMessage], max_mail: int) -> list[list[RawMailMessage]]:
    """Consecutive mails whose full fetch stays below FETCH_BYTES together (one at least)."""
    groups: list[list[RawMailMessage]] = [[]]
    size = 0
    for head in heads:
        weight = head.size_rfc822 if head.size_rfc822 <= max_mail else 0
        if groups[-1] and size + weight > FETCH_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(head)
        size += weight
    return [g for g in groups if g]


def _permanent(error: Exception) -> bool:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(r.code >= 500 for r in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500


def _envelope_recipient(data: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    message = email.message_from_string(head + "\r\n\r\n", policy=email.policy.SMTP)
    return parseaddr(str(message.get("To", "")))[1]


def _plain_and_small(raw: bytes) -> bool:
    head = raw[:PARSE_INLINE_BYTES].split(b"\r\n\r\n", 1)[0]
    return len(raw) <= PARSE_INLINE_BYTES and not MULTIPART.search(head)


def _source_id(raw: bytes, whole: bool) -> str:
    """"email:" + Message-ID; without one, a hash of the mail (headers only when too large to
    fetch, which is what is read then)."""
    head = raw.split(b"\r\n\r\n", 1)[0] if not whole else raw
    match = re.search(rb"^message-id:\s*<?([^\s<>]+)>?", raw.split(b"\r\n\r\n", 1)[0],
                      re.IGNORECASE | re.MULTILINE)
    if match:
        return "email:" + match.group(1).decode("ascii", "replace")
    return "email:sha256:" + hashlib.sha256(head).hexdigest()


def _logout(box: BaseMailBox) -> None:
    with contextlib.suppress(Exception):
        box.logout()
    with contextlib.suppress(Exception):
        box.client.shutdown()


async def _sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


# -- the entry point of `sozialbot run` ---------------------------------------------------------


async def run_mail(core: Core, config: Config, stop: asyncio.Event, *,
                   now: Clock | None = None) -> None:
    """Run the e-mail channel until `stop` is set; never takes the other channels down."""
    try:
        settings = MailSettings.from_config(config)
    except MailConfigError as error:
        log.warning("E-Mail ist aus: %s", error)
        return
    log.info("E-Mail-Kanal läuft für %s.", settings.address)
    if not settings.trusted_authserv_id:
        log.warning("E-Mail: kein vertrauenswürdiger Prüfserver eingetragen ([email] "
                    "trusted_authserv_id). Absender können gefälscht sein: Befehle konfigurierter "
                    "Personen per E-Mail werden erst ausgeführt, wenn der Code zurückkommt, der "
                    "an ihre hinterlegte Adresse geht.")
    await MailChannel(core, config, settings, now=now).run(stop)


async def _set_aside_written(key: str, written: Awaitable[object]) -> bool:
    """Wait for the record of a mail being set aside; False (logged) if even that failed."""
    try:
        await written
    except Exception as error:
        log.error("E-Mail %s: auch das Beiseitelegen schlug fehl: %r", key, error)
        return False
    return True
