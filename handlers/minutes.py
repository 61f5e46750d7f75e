"""/protokoll [<Konferenz>] <Datum>: the results of a Budget II session as a short PDF.

Made from what was booked (the /buchen confirmations of that session, also those held under
R9): date, attendance of the county, each decision with votes and amount, the balance after.
"""

from __future__ import annotations

from datetime import date

from handlers.agenda import conference_and_day, session_action, when
from handlers.context import Context, reply
from handlers.messages import Document, Outcome
from rules.budget import balance_from
from rules.conferences import Conference
from rules.dates import format_date
from rules.decisions import OUTCOME_WORDS, Votes
from rules.money import format_cents
from rules.records import (
    ApplicationStatus,
    ConfirmationStatus,
    LedgerKind,
    Session,
    SessionStatus,
)
from rules.refusal import refuse


def run(ctx: Context, args: str, body: str) -> Outcome:
    conference, day = conference_and_day(ctx, args)
    if day is None or conference is None:
        held = [s for year in (ctx.today.year - 1, ctx.today.year)
                for s in ctx.store.sessions(year, conference.code if conference else None)
                if s.status == SessionStatus.SCHEDULED and s.budget_ii
                and s.date <= ctx.today.isoformat() and _decisions(ctx, s)]
        if not held:
            where = f" für {conference.name}" if conference else ""
            raise refuse("", f"Es gibt noch keine gebuchten Beschlüsse{where}, aus denen ich ein "
                             "Protokoll machen kann. Nach /beschluss und /buchen geht es mit "
                             "/protokoll <Datum der Sitzung>.")
        held.sort(key=lambda s: s.date, reverse=True)
        return reply("Von welcher Sitzung möchten Sie das Protokoll?",
                     actions=tuple(session_action(ctx, s, "/protokoll") for s in held[:8]))
    session = ctx.store.session(conference.code, day)
    decisions = _decisions(ctx, session) if session else []
    if session is None or not decisions:
        raise refuse("", f"Für die Sitzung {conference.name} am {format_date(day)} sind keine "
                         "Beschlüsse gebucht. Erst nach /beschluss und /buchen gibt es ein "
                         "Protokoll.")
    data = minutes_data(ctx, conference, session, decisions)
    from reports.session_pdf import minutes_pdf

    document = Document(f"protokoll-{conference.code}-{session.date}.pdf", "application/pdf",
                        minutes_pdf(data, ctx.today))
    return reply(minutes_text(data), documents=(document,))


def _decisions(ctx: Context, session: Session) -> list[dict]:
    """The decision lines booked (or held under R9) for this session, in the order reported."""
    return [{**line, "held": c.status == ConfirmationStatus.HELD}
            for c in ctx.store.confirmations(int(session.date[:4]), conference=session.conference)
            if c.session_date == session.date and c.decided for line in c.lines]


def minutes_data(ctx: Context, conference: Conference, session: Session,
                 decisions: list[dict]) -> dict:
    year = int(session.date[:4])
    rows = []
    for line in decisions:
        record = ctx.store.application(line["number"])
        rows.append({**line, "title": record.title if record else "",
                     "applicant": record.applicant if record else "",
                     "requested_cents": record.requested_cents if record else None,
                     "vetoed": record is not None
                     and record.status == ApplicationStatus.VETOED})
    numbers = {line["number"] for line in decisions}
    entries = ctx.store.ledger(year, conference.code)
    last = max((i for i, e in enumerate(entries)
                if e.kind == LedgerKind.COMMITMENT and e.application in numbers), default=None)
    if last is None:
        free = ctx.balance(conference, year).free
    else:
        free = balance_from((e.kind, e.amount_cents) for e in entries[:last + 1]).available
    names = [_name(ctx, p) for p in session.attended_by]
    excused = [_name(ctx, p) for p in session.excused_by]
    return {
        "county": ctx.config.county, "conference": conference.name, "code": conference.code,
        "when": when(session), "date": session.date, "attending": names, "excused": excused,
        "decisions": rows, "free_cents": free, "year": year,
        "approved_cents": sum(r["amount_cents"] or 0 for r in rows
                              if r["outcome"] == "approved"),
    }


def _name(ctx: Context, person_id: str) -> str:
    person = ctx.config.person(person_id)
    return person.name if person else person_id


def decision_text(row: dict) -> str:
    text = f"{row['number']} „{row['title']}“: {OUTCOME_WORDS[row['outcome']]}"
    if row["outcome"] == "approved" and row["amount_cents"] is not None:
        text += f" {format_cents(row['amount_cents'])}"
        if row["requested_cents"] and row["amount_cents"] < row["requested_cents"]:
            text += f" (beantragt {format_cents(row['requested_cents'])})"
    votes = row.get("votes")
    if votes:
        text += f" ({Votes(**votes).render()})"
    if row["held"]:
        text += " – wartet auf die Bestätigung des Landkreises (R9)"
    if row["vetoed"]:
        text += " – später Veto des Landkreises (R10)"
    return text


def minutes_text(data: dict) -> str:
    day = format_date(date.fromisoformat(data["date"]))
    lines = [f"Protokoll der Budget-II-Sitzung {data['conference']} am {day}",
             f"Sitzung: {data['when']}",
             "Landkreis anwesend: " + (", ".join(data["attending"]) or "niemand bestätigt (R9)")]
    if data["excused"]:
        lines.append("Verhindert: " + ", ".join(data["excused"]))
    lines.append("Beschlüsse:")
    lines += [f"• {decision_text(row)}" for row in data["decisions"]]
    lines.append(f"Bewilligt zusammen: {format_cents(data['approved_cents'])}. Danach verfügbar "
                 f"{data['year']}: {format_cents(data['free_cents'])}.")
    lines.append("Das Protokoll als PDF ist angehängt.")
    return "\n".join(lines)
