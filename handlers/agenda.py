"""/tagesordnung and /sitzungen: what a Budget II session will decide, and when sessions are.

The agenda lists every open application of the conference with its sketch, the amounts and the
balance, as a message and as a PDF. The county representatives get the same text with the R9
reminder a week before (handlers/reminders.py).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.context import Context, reply
from handlers.messages import Action, Document, Outcome
from handlers.show import sketch_lines
from rules.checks import YOUTH_WORK_NOTE
from rules.conferences import Conference, find_conference
from rules.dates import DateError, format_date, format_weekday_date, parse_date
from rules.money import format_cents
from rules.records import Application, Session, SessionStatus
from rules.refusal import Refused, refuse
from rules.sketch import cofunding_text

OPEN = ("submitted", "deferred")
SHORT_TEXT = 280  # characters of each sketch field in the message; the PDF has them whole
DATE_LIKE = re.compile(r"\d{1,4}[.-]\d{1,2}[.-]?(\d{2,4})?")
UPCOMING_DAYS = 400


def open_applications(ctx: Context, conference: Conference) -> list[Application]:
    """Open applications of the conference, whatever year they came in (a December sketch is
    decided in spring, a deferred one may wait longer), oldest first; incomplete ones last, as
    they cannot be decided yet."""
    rows = [a for a in ctx.store.undecided_applications(conference.code)
            if a.status in (*OPEN, "incomplete")]
    return sorted(rows, key=lambda a: (a.status == "incomplete", a.year, a.number))


def conference_and_day(ctx: Context, args: str) -> tuple[Conference | None, date | None]:
    """[<Konferenz>] [<Datum>] in any order."""
    day, rest = None, []
    for word in args.replace(",", " ").split():
        if DATE_LIKE.fullmatch(word):
            try:
                day = parse_date(word, ctx.today)
            except DateError as error:
                raise Refused(error.refusal()) from None
        else:
            rest.append(word)
    conference = None
    if rest:
        conference = find_conference(" ".join(rest), ctx.config.conferences)
        if conference is None:
            raise refuse("", f"Die Konferenz „{' '.join(rest)[:40]}“ kenne ich nicht. Beispiel: "
                             f"/tagesordnung {ctx.config.conferences[0].code}")
    person = ctx.person
    if person is not None and person.role == "secretary":
        own = ctx.conference(person.conference or "")
        if conference is not None and conference.code != own.code:
            raise refuse("", f"Sie sehen nur die Tagesordnung von {own.name}. Die anderen "
                             "Konferenzen sieht der Landkreis.")
        conference = own
    return conference, day


def budget_sessions(ctx: Context, conference: Conference | None,
                    since: date) -> list[Session]:
    """Scheduled Budget II sessions from `since` on, soonest first."""
    rows = [s for year in (since.year, since.year + 1)
            for s in ctx.store.sessions(year, conference.code if conference else None)
            if s.status == SessionStatus.SCHEDULED and s.budget_ii and s.date >= since.isoformat()]
    return sorted(rows, key=lambda s: (s.date, s.conference))


def run(ctx: Context, args: str, body: str) -> Outcome:
    """/tagesordnung [<Konferenz>] [<Datum>]: the next session's agenda, or that of the date."""
    conference, day = conference_and_day(ctx, args)
    if conference is None:
        upcoming = budget_sessions(ctx, None, ctx.today)
        if not upcoming:
            raise refuse("", "Es ist keine Budget-II-Sitzung angesetzt. Die Tagesordnung einer "
                             "Konferenz: /tagesordnung "
                             f"{ctx.config.conferences[0].code}")
        return reply("Welche Tagesordnung möchten Sie lesen?",
                     actions=tuple(session_action(ctx, s, "/tagesordnung")
                                   for s in upcoming[:8]))
    session = None
    if day is not None:
        session = ctx.store.session(conference.code, day)
        if session is None or session.status != SessionStatus.SCHEDULED:
            raise refuse("", f"Für {conference.name} ist am {format_date(day)} keine Sitzung "
                             "eingetragen. /sitzungen zeigt die angesetzten Sitzungen.")
    else:
        upcoming = budget_sessions(ctx, conference, ctx.today)
        session = upcoming[0] if upcoming else None
    text = agenda_text(ctx, conference, session, limit=SHORT_TEXT)
    from reports.session_pdf import agenda_pdf

    data = agenda_pdf(agenda_data(ctx, conference, session), ctx.today)
    name = f"tagesordnung-{conference.code}-{session.date if session else ctx.today}.pdf"
    return reply(text, documents=(Document(name, "application/pdf", data),))


def session_action(ctx: Context, session: Session, command: str) -> Action:
    conference = ctx.conference(session.conference)
    day = format_date(date.fromisoformat(session.date))
    return Action(f"{conference.name} {day}", f"{command} {conference.code} {day}")


def when(session: Session) -> str:
    text = format_weekday_date(date.fromisoformat(session.date))
    if session.time:
        text += f", {session.time} Uhr"
    if session.place:
        text += f", {session.place}"
    return text


def agenda_data(ctx: Context, conference: Conference, session: Session | None) -> dict:
    """What an agenda shows, for the message and the PDF alike."""
    year = int(session.date[:4]) if session else ctx.today.year
    applications = open_applications(ctx, conference)
    decidable = [a for a in applications if a.status in OPEN]
    balance = ctx.balance(conference, year)
    return {
        "county": ctx.config.county, "conference": conference.name, "code": conference.code,
        "session": session, "when": when(session) if session else None, "year": year,
        "applications": applications,
        "requested_cents": sum(a.requested_cents or 0 for a in decidable),
        "free_cents": balance.free,
        "attending": [person.name if (person := ctx.config.person(p)) else p
                      for p in (session.attended_by if session else ())],
    }


def agenda_text(ctx: Context, conference: Conference, session: Session | None, *,
                limit: int | None = SHORT_TEXT) -> str:
    data = agenda_data(ctx, conference, session)
    head = (f"Tagesordnung Budget II, Sozialkonferenz {conference.name}, {data['when']}"
            if session else f"Offene Anträge Budget II, Sozialkonferenz {conference.name} "
                            "(keine Budget-II-Sitzung angesetzt)")
    lines = [head]
    if not data["applications"]:
        lines.append("Es liegen keine offenen Anträge vor.")
    for index, record in enumerate(data["applications"], 1):
        lines.append("")
        state = {"deferred": " (vertagt)", "incomplete": " (unvollständig, kann noch nicht "
                 "beschlossen werden, R4)"}.get(record.status, "")
        lines.append(f"{index}. {record.number} „{record.title or '(ohne Titel)'}“{state}")
        lines.append(f"Träger: {record.applicant or '(fehlt)'}; beantragt: "
                     + (format_cents(record.requested_cents)
                        if record.requested_cents is not None else "(fehlt)"))
        if record.cofunding:
            lines.append(f"Kofinanzierung (R12): {cofunding_text(record.cofunding)}")
        if "R6" in record.flags:
            lines.append(YOUTH_WORK_NOTE)
        lines += sketch_lines(record, limit=limit)
    lines.append("")
    lines.append(f"Beantragt zusammen: {format_cents(data['requested_cents'])}. Verfügbar "
                 f"{data['year']}: {format_cents(data['free_cents'])}.")
    if data["requested_cents"] > data["free_cents"]:
        lines.append("Es ist mehr beantragt, als verfügbar ist (R3): nicht alles kann bewilligt "
                     "werden.")
    if session:
        lines.append("Vom Landkreis zugesagt: " + (", ".join(data["attending"]) or
                     "noch niemand (R9: Teilnahme verpflichtend)") + ".")
    if limit and any(len(str(text)) > limit for record in data["applications"]
                     for text in (record.fields or {}).values()):
        lines.append("Gekürzte Texte stehen ganz in der PDF-Datei und mit /zeige <Nr>.")
    return "\n".join(lines)


def upcoming(ctx: Context, args: str, body: str) -> Outcome:
    """/sitzungen: the sessions from today on (secretaries: their own conference)."""
    conference = None
    if args.strip():
        conference = find_conference(args.strip(), ctx.config.conferences)
        if conference is None:
            raise refuse("", f"Die Konferenz „{args.strip()[:40]}“ kenne ich nicht. Beispiel: "
                             f"/sitzungen {ctx.config.conferences[0].code}")
    if ctx.person is not None and ctx.person.role == "secretary":
        own = ctx.conference(ctx.person.conference or "")
        if conference is not None and conference.code != own.code:
            raise refuse("", f"Sie sehen nur die Sitzungen von {own.name}. Die anderen "
                             "Konferenzen sieht der Landkreis; /sitzungen zeigt Ihre.")
        conference = own
    until = (ctx.today + timedelta(days=UPCOMING_DAYS)).isoformat()
    rows = sorted((s for year in (ctx.today.year, ctx.today.year + 1)
                   for s in ctx.store.sessions(year, conference.code if conference else None)
                   if s.status == SessionStatus.SCHEDULED
                   and ctx.today.isoformat() <= s.date <= until),
                  key=lambda s: (s.date, s.time or "", s.conference))
    where = conference.name if conference else "alle Sozialkonferenzen"
    if not rows:
        return reply(f"Angesetzte Sitzungen ({where}): keine. Die Geschäftsführungen melden "
                     "Sitzungen mit /sitzung an.")
    lines = [f"Angesetzte Sitzungen ({where}):"]
    for session in rows:
        name = ctx.conference(session.conference).name
        line = f"• {when(session)}: {name}"
        if session.budget_ii:
            count = len([a for a in open_applications(ctx, ctx.conference(session.conference))
                         if a.status in OPEN])
            attending = len(session.attended_by)
            applications = "1 offener Antrag" if count == 1 else f"{count} offene Anträge"
            line += (f", Budget II ({applications}; Landkreis: "
                     + (f"{attending} zugesagt" if attending else "noch keine Zusage") + ")")
        lines.append(line)
    first = next((s for s in rows if s.budget_ii), None)
    if first:
        day = format_date(date.fromisoformat(first.date))
        lines.append(f"Die Tagesordnung: /tagesordnung {first.conference} {day}")
    return reply("\n".join(lines))

