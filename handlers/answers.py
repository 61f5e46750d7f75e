"""Answers without a command: a line the bot offered, copied back; "Zusage" or "Ich bin
verhindert" from a county representative; a calendar's answer to an invitation (iTIP REPLY).

Each becomes the command it stands for ("/anwesend ADE 12.03.2026"), which then runs through
the same dispatch, role check and use case as if it had been typed.
"""

from __future__ import annotations

from datetime import date

from handlers.context import Context, refusal_outcome
from handlers.messages import Outcome
from handlers.sessions import attendance_actions, choose_session, find_session
from handlers.understand import Reading
from rules.answers import (
    ATTEND,
    EXCUSE,
    MAX_WORDS_CHARS,
    CalendarReply,
    names_deputy,
    session_reference,
)
from rules.conferences import Conference
from rules.dates import format_date
from rules.moves import Move
from rules.records import Session, SessionStatus
from rules.refusal import Refusal
from rules.sessions import (
    attendance_unclear,
    calendar_answer_for_cancelled,
    calendar_answer_for_earlier_date,
    calendar_answer_for_someone_else,
    calendar_answer_without_session,
    firm_answer_needed,
)

VERBS = {ATTEND: "anwesend", EXCUSE: "verhindert"}


def understand(ctx: Context, reading: Reading) -> str | Outcome | None:
    """The command a message without one stands for, an answer asking back, or None.
    `reading`: the message's text as read before the lock (handlers/understand.py)."""
    copied = reading.copied
    if len(copied) == 1:
        return copied[0]
    if copied:
        return refusal_outcome(Refusal("", "Ihre Nachricht enthält mehrere Befehlszeilen ("
                                           + ", ".join(c[:40] for c in copied[:3]) + "). Bitte "
                                           "senden Sie nur die eine Zeile, die gilt."))
    if reading.calendar is not None:
        return _from_calendar(ctx, reading.calendar)
    if reading.labels >= 2:
        return None  # a sketch, not an answer
    if ctx.identity.role == "secretary" and len(ctx.message.text) <= MAX_WORDS_CHARS:
        return _move_in_words(reading.moved)
    if ctx.identity.role != "county":
        return None
    word = reading.attendance
    if word is None:
        return None
    if word not in VERBS:
        return _ask_firmly(ctx)
    found = choose_session(ctx, VERBS[word])
    if isinstance(found, Outcome):
        return found
    conference, record = found
    return f"/{VERBS[word]} {conference.code} {format_date(date.fromisoformat(record.date))}"


def unclear(ctx: Context) -> Outcome | None:
    """A county representative's short answer to a session alert that says neither yes nor
    no ("👍", "Vertretung durch Frau Lange"): the lines to answer with, nothing recorded (R9).
    None when the message answers no alert and names no deputy."""
    text = ctx.message.text
    if ctx.identity.role != "county" or len(text) > MAX_WORDS_CHARS:
        return None
    deputy = names_deputy(text)
    if not deputy and session_reference(ctx.message.refers_to) is None:
        return None
    found = choose_session(ctx, "anwesend")
    if isinstance(found, Outcome):
        return found
    return refusal_outcome(attendance_unclear(deputy), attendance_actions(*found))


def _from_calendar(ctx: Context, answer: CalendarReply) -> str | Outcome:
    person = ctx.person
    if person is None or person.role != "county":
        return refusal_outcome(Refusal("", "Antworten auf Kalendereinladungen nehme ich nur von "
                                           "den Vertretungen des Landkreises an."))
    if not person.email or answer.attendee.removeprefix("mailto:") != person.email.lower():
        return refusal_outcome(calendar_answer_for_someone_else(answer.attendee))
    found = _session_by_uid(ctx, answer.uid)
    if found is None:
        return refusal_outcome(calendar_answer_without_session())
    conference, record = found
    if record.status != SessionStatus.SCHEDULED:
        return refusal_outcome(calendar_answer_for_cancelled(conference.name))
    day = format_date(date.fromisoformat(record.date))
    if answer.sequence < record.sequence and record.moved_from:
        return refusal_outcome(
            calendar_answer_for_earlier_date(conference.name, date.fromisoformat(record.date)),
            attendance_actions(conference, record))
    if answer.answer not in VERBS:
        return _ask_firmly(ctx, (conference, record))
    return f"/{VERBS[answer.answer]} {conference.code} {day}"


def _session_by_uid(ctx: Context, uid: str) -> tuple[Conference, Session] | None:
    """The session of an invitation: its UID names the conference and the first date
    ("ADE-2026-03-12-…@sozialbot"); a moved session is followed to its date now."""
    local = uid.split("@", 1)[0]
    code, _, rest = local.partition("-")
    try:
        first = date.fromisoformat(rest[:10])
    except ValueError:
        return None
    found = find_session(ctx, code, first)
    if found is None or found[1].uid != local:
        return None
    return found


def _ask_firmly(ctx: Context, found: tuple[Conference, Session] | None = None) -> Outcome:
    """"Vielleicht" is no answer for R9: ask for a firm one."""
    chosen = found or choose_session(ctx, "anwesend")
    if isinstance(chosen, Outcome):
        return chosen
    return refusal_outcome(firm_answer_needed(), attendance_actions(*chosen))


def _move_in_words(found: tuple[str | None, Move] | None) -> str | None:
    """"Die Sitzung am 12.03. ist verschoben auf 19.03., 19 Uhr" from a secretary: the
    `/sitzung … verschoben auf …` it means (without the old date, `/sitzung` takes her only
    session to come, or asks)."""
    if found is None:
        return None
    old, move = found
    return f"/sitzung {old or ''} verschoben auf {move.date} {move.time} {move.rest}".strip()


def copied_with_words(copied: tuple[str, ...]) -> Outcome:
    """Lines the bot offered, with much else or words against them: nothing runs on a guess.
    Before, a reply that carried the bot's whole message below ran its offered line whatever
    was written above it."""
    lines = ", ".join(f"„{c[:40]}“" for c in copied[:3])
    return refusal_outcome(Refusal("", f"Ihre Nachricht enthält {lines} aus meiner Nachricht, "
                                       "aber auch anderen Text (vielleicht meine ganze Nachricht "
                                       "als Zitat). Es wurde nichts ausgeführt. Wenn Sie etwas "
                                       "davon möchten, senden Sie bitte nur die eine Zeile, die "
                                       "gilt."))
