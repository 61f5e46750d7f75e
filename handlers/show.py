"""/zeige <Nr> (also `/antrag <Nr>` without lines): an application in full, with its history.

Who may read it: the applicant who sent it, the secretary of its conference, the county and the
administration. The county checks a sketch against the conference's concept (R5), so the text is
shown whole (within Telegram's message length, which the channel splits).
"""

from __future__ import annotations

from datetime import date

from handlers.context import Context, reply
from handlers.messages import Action, Outcome
from rules.dates import format_date
from rules.decisions import Votes
from rules.money import format_cents
from rules.numbers import NUMBER, canonical_number
from rules.records import Application, LedgerKind
from rules.refusal import refuse
from rules.sketch import cofunding_text

TEXT_FIELDS = (("situation", "Ausgangslage"), ("objective", "Zielsetzung"),
               ("measure", "Maßnahme"))
STATUS_PLAIN = {
    "submitted": "eingereicht, wartet auf die Entscheidung der Sozialkonferenz",
    "incomplete": "unvollständig: es fehlen noch Angaben",
    "approved": "bewilligt",
    "rejected": "abgelehnt",
    "deferred": "vertagt auf eine spätere Sitzung",
    "held": "beschlossen; die Buchung wartet noch auf die Bestätigung des Landkreises",
    "vetoed": "der Landkreis hat widersprochen (Veto); die Bewilligung ist aufgehoben",
    "erased": "auf Wunsch gelöscht (Datenschutz), nicht entschieden",
    "withdrawn": "zurückgezogen; er wird nicht mehr entschieden",
}


def run(ctx: Context, args: str, body: str) -> Outcome:
    match = NUMBER.search(f"{args}\n{body}")
    if match is None:
        return choose(ctx, "/zeige")
    return reply(application_text(ctx, readable(ctx, canonical_number(match.group(1)))))


def readable(ctx: Context, number: str) -> Application:
    """The application, if this person may read it; else a refusal that reveals nothing."""
    record = ctx.store.application(number)
    person = ctx.person
    allowed = record is not None and (
        record.contact == ctx.identity.key
        or (person is not None and person.role in ("county", "administration"))
        or (person is not None and person.conference == record.conference))
    if record is None or not allowed:
        raise refuse("", f"Einen Antrag {number[:20]} finde ich für Sie nicht. /antraege zeigt "
                         "die Anträge, die Sie sehen dürfen.")
    return record


def choose(ctx: Context, command: str) -> Outcome:
    """No number given: buttons for the applications this person may read, newest first."""
    rows = visible_applications(ctx)
    if not rows:
        raise refuse("", "Es liegen keine Anträge vor, die Sie sehen dürfen.")
    shown = sorted(rows, key=lambda r: (r.year, r.number), reverse=True)[:8]
    example = shown[0].number
    return reply(f"Welchen Antrag möchten Sie lesen? Tippen Sie auf eine Nummer oder senden Sie "
                 f"z. B. {command} {example}",
                 actions=tuple(Action(f"{r.number} {shorten(r.title, 20)}".strip(),
                                      f"{command} {r.number}") for r in shown))


def visible_applications(ctx: Context) -> list[Application]:
    """This year's and last year's applications the person may read."""
    years = (ctx.today.year - 1, ctx.today.year)
    person = ctx.person
    rows = [r for year in years for r in ctx.store.applications(year)]
    if person is None:
        return [r for r in rows if r.contact == ctx.identity.key]
    if person.role == "secretary":
        return [r for r in rows if r.conference == person.conference]
    return rows


def sketch_lines(record: Application, *, limit: int | None = None) -> list[str]:
    """Ausgangslage, Zielsetzung, Maßnahme as written; `limit` shortens each at a word."""
    fields = record.fields or {}
    lines = []
    for key, label in TEXT_FIELDS:
        text = " ".join(str(fields.get(key) or "").split()) or "(fehlt)"
        lines.append(f"{label}: {shorten(text, limit) if limit else text}")
    return lines


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole word and marked with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 2]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + " …"


def application_text(ctx: Context, record: Application) -> str:
    conference = ctx.conference(record.conference)
    lines = [f"Antrag {record.number}: „{record.title or '(ohne Titel)'}“",
             f"Träger: {record.applicant or '(fehlt)'}",
             f"Sozialraum: {conference.name}",
             f"Beantragt: {_money(record.requested_cents)}"]
    if record.cofunding:
        lines.append(f"Kofinanzierung: {cofunding_text(record.cofunding)}")
    else:
        lines.append("Kofinanzierung: keine angegeben")
    lines += sketch_lines(record)
    lines.append(f"Stand: {STATUS_PLAIN.get(record.status, record.status)}")
    lines.append("Verlauf:")
    lines += [f"• {entry}" for entry in history(ctx, record)]
    return "\n".join(lines)


def _money(cents: int | None) -> str:
    return format_cents(cents) if cents is not None else "(fehlt)"


def history(ctx: Context, record: Application) -> list[str]:
    """What happened to an application, in order, from its record and the ledger."""
    events = [f"{format_date(date.fromisoformat(record.submitted_on))} eingereicht"]
    votes = record.votes
    vote_text = f" ({Votes(**votes).render()})" if votes else ""
    session = record.session_date
    if session:
        day = format_date(date.fromisoformat(session))
        outcome = {"approved": "bewilligt", "rejected": "abgelehnt", "deferred": "vertagt",
                   "vetoed": "bewilligt", "held": "beschlossen, wartet auf den Landkreis"
                   }.get(record.status)
        if outcome:
            amount = record.approved_cents
            money = f" {format_cents(amount)}" if amount and outcome != "vertagt" else ""
            events.append(f"{day} in der Sitzung {outcome}{money}{vote_text}")
    for entry in ctx.store.ledger(int(session[:4]) if session else record.year,
                                  record.conference):
        if entry.application != record.number:
            continue
        when = format_date(date.fromisoformat(entry.booked_at[:10]))
        if entry.kind == LedgerKind.COMMITMENT:
            events.append(f"{when} gebucht: {format_cents(entry.amount_cents)}")
        elif entry.kind == LedgerKind.RELEASE:
            events.append(f"{when} zurückgebucht: {format_cents(entry.amount_cents)}")
    for correction in (record.corrections or ()):
        events.append(f"{format_date(date.fromisoformat(correction['on']))} Beschluss "
                      f"berichtigt (Korrektur): {correction['reason']}")
    if record.withdrawn:
        withdrawn = record.withdrawn
        why = f": {withdrawn['reason']}" if withdrawn.get("reason") else ""
        events.append(f"{format_date(date.fromisoformat(withdrawn['on']))} zurückgezogen{why}")
    if record.veto:
        veto = record.veto
        events.append(f"{format_date(date.fromisoformat(veto['on']))} Veto des Landkreises "
                      f"(R10): {veto['reason']}")
    return events
