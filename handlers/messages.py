"""The normalized messages every channel hands to the core, and what the core hands back.

A channel (console, Telegram, e-mail) turns what arrived into an `IncomingMessage`, calls the
core, and turns the `Outcome` back into its own form. Replies go to the sender; notifications go
to other people and are also kept in the store's outbox until every channel has delivered them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class Sender:
    """Who wrote: the channel and the address on it.

    `address` is a person id (console), a Telegram chat id as a string ("telegram"), or an e-mail
    address ("email"). The core resolves it to a configured person or to an applicant.

    `verified` is the channel's word that the address is really the writer's (a Telegram chat
    linked by invite, the console, an e-mail with a trusted DMARC pass). The core decides what an
    unverified configured person may do (`handlers.verification`); `reply_to` is shown to her.
    """

    channel: str
    address: str
    display_name: str = ""
    verified: bool = False
    reply_to: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file that came with the message, already reduced to text by the channel where possible."""

    filename: str
    content_type: str
    text: str


@dataclass(frozen=True)
class IncomingMessage:
    """One message as the handlers see it.

    `source_id` identifies the message across redeliveries (Telegram update id, Message-ID, or a
    fresh uuid on the console): the same source id is never handled twice. `received_at` is
    timezone-aware. `refers_to` is an application number or confirmation code the channel found in
    the context (e.g. the subject of the mail this one replies to), so a completion can be matched,
    or a session as "session:ADE:2026-03-12" (the mail answers an alert about that session), or
    the commands of the buttons of the message answered (a Telegram reply to an alert).
    An attachment of content type "text/calendar" holds an invitation answer (iTIP REPLY) as
    lines "METHOD:REPLY", "UID:…", "ATTENDEE:address", "PARTSTAT:…", "SEQUENCE:n".
    """

    sender: Sender
    text: str
    source_id: str
    received_at: datetime
    attachments: tuple[Attachment, ...] = ()
    refers_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """A button: a label a person taps, standing for a command text the same person could type."""

    label: str
    command: str


@dataclass(frozen=True)
class SessionEvent:
    """A Budget II session as calendar data, for invitations (.ics) and alert buttons.

    `status` is "scheduled" or "cancelled"; `sequence` grows with every change (iCalendar SEQUENCE).
    `moved_from` is the former date and time ("12.03.2026, 18:30 Uhr") when this notice is
    about the session moving, else "".
    """

    uid: str
    conference_code: str
    conference_name: str
    day: date
    start: time | None
    place: str
    status: str = "scheduled"
    sequence: int = 0
    agenda: tuple[str, ...] = ()
    moved_from: str = ""


@dataclass(frozen=True)
class Document:
    """A generated file to send along (a report)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Reply:
    """Text for the sender, plus optional buttons and files."""

    text: str
    actions: tuple[Action, ...] = ()
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Notification:
    """Text for someone other than the sender.

    `recipient` is a configured person id (e.g. "kreis-1") or an applicant key
    ("email:kita@example.org", "telegram:4711"). `kind` says what it is about ("session_alert",
    "reminder", "decision", "veto", "held", "warning", "year_close", ...). `key` makes it unique:
    the outbox never holds two notifications with the same key.
    """

    recipient: str
    text: str
    kind: str
    key: str
    actions: tuple[Action, ...] = ()
    event: SessionEvent | None = None
    application_number: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What handling one message produced.

    `accepted` is False when a rule or bad input refused the message (nothing changed).
    `duplicate` is True when this source id had been handled before; the replies are then the
    stored ones of the first time and nothing changed.
    No replies: nothing to answer (an out-of-office notice); a channel sends nothing.
    `settles` answers the question of an earlier message (a /beschluss preview, a session
    alert) whose button or command this was: "Gebucht am 13.03.2026 …". A channel that can
    edit what it sent (Telegram) puts it there in place of the question.
    """

    accepted: bool
    replies: tuple[Reply, ...]
    notifications: tuple[Notification, ...] = ()
    duplicate: bool = False
    rule: str | None = None
    application_number: str | None = None
    settles: str | None = None
