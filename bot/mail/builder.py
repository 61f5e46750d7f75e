"""What our mails say: answers in the sender's thread, refusals, notifications (with an
iCalendar invitation for session alerts, `bot.mail.ics`), and the notes placed beside mails in
"Nicht verarbeitet". The bytes are written by `bot.mail.compose`."""

from __future__ import annotations

import email
import email.policy
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr
from typing import Any

from bot.channel import Clock
from bot.mail.compose import Part, cut_at_word, header, plain_text, render, with_parts
from bot.mail.ics import method_for, session_ics
from bot.mail.parse import ParsedMail, code_of, strip_reply_prefix
from bot.mail.settings import MailSettings
from handlers import faults
from handlers.messages import Notification, Outcome, SessionEvent
from rules.dates import format_date
from storage.text import storable

MARKER = "sozialbot"  # first token of our Message-IDs: replies to them are recognized
AUTOMATIC = b"".join(header(name, value) for name, value in (
    ("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All"),
    ("Content-Language", "de")))
SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/^_`{|}~-]+@[A-Za-z0-9.-]+")


def _message_id(domain: str, *tokens: str | None) -> str:
    parts = [MARKER, *(t for t in tokens if t), os.urandom(10).hex()]  # 20 random hex digits
    return f"<{'.'.join(parts)}@{domain}>"


def _date_header(now: datetime) -> bytes:
    """The Date header of a mail written `now`; most answers are written in the same second
    as the one before."""
    return _date_line(now.replace(microsecond=0), now.utcoffset())


@functools.lru_cache(maxsize=4)
def _date_line(second: datetime, offset: timedelta | None) -> bytes:
    # `offset` is part of the key: equal instants in other time zones are equal datetimes
    return header("Date", format_datetime(second))


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
                   _date_header(self.now()),
                   header("Message-ID", message_id),
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


def _envelope_recipient(data: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    message = email.message_from_string(head + "\r\n\r\n", policy=email.policy.SMTP)
    return parseaddr(str(message.get("To", "")))[1]
