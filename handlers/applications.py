"""/antraege: the applications with number, applicant, title, requested, approved, status."""

from __future__ import annotations

from handlers.context import Context, reply
from handlers.messages import Outcome
from handlers.scope import conference_and_year
from rules.money import format_cents

STATUS = {"submitted": "eingereicht", "incomplete": "unvollständig", "approved": "bewilligt",
          "rejected": "abgelehnt", "deferred": "vertagt", "held": "zurückgehalten (R9)",
          "vetoed": "Veto (R10)"}
MAX_LINES = 60


def run(ctx: Context, args: str, body: str) -> Outcome:
    if ctx.person is None:
        return _own(ctx)
    conference, year, _ = conference_and_year(ctx, args)
    rows = applications_of_year(ctx, year, conference.code if conference else None)
    where = conference.name if conference else "alle Konferenzen"
    if not rows:
        return reply(f"Keine Anträge für {where} {year}.")
    rows.sort(key=lambda r: r["number"])
    lines = [f"Anträge {where} {year} ({len(rows)}):"]
    lines += [_line(r) for r in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        lines.append(f"… und {len(rows) - MAX_LINES} weitere. Die ganze Liste: /bericht {year}")
    return reply("\n".join(lines))


def applications_of_year(ctx: Context, year: int, conference: str | None) -> list[dict]:
    """The applications of `year`: those handed in then, those decided at its sessions whatever
    year they came in, and, for the running year, those of earlier years still undecided: an
    application belongs to its conference until it is decided."""
    rows = {r["number"]: r for r in ctx.store.applications(year, conference)}
    decided_here = {line["number"] for c in ctx.store.confirmations(year)
                    if c["status"] in ("booked", "held")
                    and (conference is None or c["conference"] == conference)
                    for line in c["lines"]}
    for number in sorted(decided_here - set(rows)):
        found = ctx.store.application(number)
        if found is not None and (found["session_date"] or "")[:4] == str(year):
            rows[number] = found
    if year == ctx.today.year:
        for found in ctx.store.undecided_applications(conference):
            rows.setdefault(found["number"], found)
    return list(rows.values())


def _line(row: dict) -> str:
    requested = format_cents(row["requested_cents"]) if row["requested_cents"] else "–"
    text = f"{row['number']} {row['applicant'][:40]}: „{row['title'][:50]}“, {requested}"
    if row["approved_cents"] is not None and row["status"] in ("approved", "held", "vetoed"):
        text += f", bewilligt {format_cents(row['approved_cents'])}"
    return text + f" – {STATUS[row['status']]}"


def _own(ctx: Context) -> Outcome:
    """An applicant sees only the applications sent from the same address."""
    rows = {r["number"]: r for year in ctx.store.years()[-3:] for r in ctx.store.applications(year)
            if r["contact"] == ctx.identity.key}
    for found in ctx.store.undecided_applications():  # older ones still waiting count too
        if found["contact"] == ctx.identity.key:
            rows.setdefault(found["number"], found)
    if not rows:
        return reply("Von Ihrer Adresse liegen keine Anträge vor. /hilfe zeigt, wie Sie eine "
                     "Projektskizze einreichen.")
    return reply("Ihre Anträge:\n" + "\n".join(_line(r) for _, r in sorted(rows.items())))
