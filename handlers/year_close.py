"""/jahresabschluss: the budget year's close (R2), by hand or by itself on 1 January."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from handlers.context import Context, ask, reply
from handlers.messages import Action, Notification, Outcome
from handlers.show import shorten
from rules.budget import close_refusal, close_year_needs_year, year_end
from rules.conferences import Conference
from rules.dates import format_date
from rules.money import format_cents
from rules.records import ApplicationStatus, ConfirmationStatus, LedgerKind, SessionStatus
from rules.refusal import Refused

if TYPE_CHECKING:
    from handlers.service import Core

log = logging.getLogger(__name__)


def run(ctx: Context, args: str, body: str) -> Outcome:
    word = args.split()[0] if args.split() else ""
    if not word:
        closable = closable_years(ctx)
        if not closable:
            return ask(f"Zurzeit ist kein Haushaltsjahr abzuschließen: {ctx.today.year} läuft "
                         f"noch bis zum 31.12.{ctx.today.year}, frühere Jahre sind abgeschlossen "
                         "(R2).")
        return ask(f"Abzuschließen ist: {closable[0]} (R2). Senden Sie /jahresabschluss "
                     f"{closable[0]} oder tippen Sie auf den Knopf.",
                     actions=(Action(f"{closable[0]} abschließen",
                                     f"/jahresabschluss {closable[0]}"),))
    if not word.isdigit() or len(word) != 4:
        raise Refused(close_year_needs_year(ctx.today.year - 1))
    return reply(close(ctx, int(word)))


def closable_years(ctx: Context) -> list[int]:
    """Past years the bot kept that are not closed yet, oldest first (closed in order)."""
    return [y for y in ctx.store.years() if y < ctx.today.year and not ctx.store.year_closed(y)]


def close(ctx: Context, year: int) -> str:
    kept = ctx.store.years()
    earlier = [y for y in kept if y < year and not ctx.store.year_closed(y)]
    refusal = close_refusal(year, ctx.today.year, ctx.store.year_closed(year), year in kept,
                            earlier)
    if refusal:
        raise Refused(refusal)
    lines = [f"Jahresabschluss {year} (R2):"]
    for conference in ctx.config.conferences:
        ctx.open_year(conference, year)
        balance = ctx.balance(conference, year)
        end = year_end(balance)
        if end.lapse:
            ctx.book(conference.code, year, LedgerKind.LAPSE, end.lapse, None,
                     f"Übertrag aus {year - 1} nicht gebunden, verfällt (R2)")
        if end.carry_out:
            ctx.book(conference.code, year, LedgerKind.CARRY_OUT, end.carry_out, None,
                     f"Übertrag nach {year + 1} (R2)")
            ctx.book(conference.code, year + 1, LedgerKind.CARRY_IN, end.carry_out, None,
                     f"Übertrag aus {year}, verfällt Ende {year + 1} (R2)")
        held = _defer_unconfirmed(ctx, conference, year)
        text = (f"{conference.name}: übertragen nach {year + 1}: {format_cents(end.carry_out)}; "
                f"verfallen: {format_cents(end.lapse)}")
        if held:
            text += (f"; vom Landkreis nicht bestätigt, daher nicht gebucht und wieder offen "
                     f"(vertagt, R9): {', '.join(held)}")
        lines.append(text)
        for person in [*ctx.secretaries(conference.code)]:
            ctx.notify(person.id, f"Jahresabschluss {year} (R2), {text}. Der Übertrag verfällt, "
                       f"wenn er bis 31.12.{year + 1} nicht gebunden ist."
                       + _still_open(ctx, conference, year), "year_close",
                       f"year_close:{year}:{person.id}")
    ctx.store.close_year(year, ctx.now.isoformat(timespec="seconds"))
    summary = "\n".join(lines)
    for person in ctx.county_representatives():
        ctx.notify(person.id, summary, "year_close", f"year_close:{year}:{person.id}")
    return summary


def _still_open(ctx: Context, conference: Conference, year: int) -> str:
    """The applications that stay on the agenda into the new year (they belong to the
    conference until decided, whatever year they came in)."""
    numbers = [a.number for a in ctx.store.undecided_applications(conference.code)
               if a.status in ("submitted", "deferred")]
    if not numbers:
        return ""
    shown = ", ".join(numbers[:10]) + (f" und {len(numbers) - 10} weitere"
                                       if len(numbers) > 10 else "")
    return (f"\nNoch nicht entschieden, sie bleiben {year + 1} auf der Tagesordnung: {shown}.")


def _defer_unconfirmed(ctx: Context, conference: Conference, year: int) -> list[str]:
    """R9 decisions the county never confirmed were never booked; at the year's close they go
    back on the agenda as deferred rather than waiting for good."""
    held = ctx.held_applications(conference, year)
    for application in held:
        application = replace(application, status=ApplicationStatus.DEFERRED,
                              approved_cents=None, held_outcome=None)
        ctx.store.save_application(application)
        number = application.number
        day = format_date(date.fromisoformat(application.session_date or ""))
        ctx.notify(application.contact,
                   f"Ihr Antrag {number} „{shorten(application.title, 80)}“: Der Beschluss der "
                   f"Sitzung der Sozialkonferenz {conference.name} am {day} wurde vom Landkreis "
                   f"bis zum Jahresabschluss {year} nicht bestätigt (R9) und ist darum nicht "
                   "gebucht. Ihr Antrag ist wieder offen (vertagt) und kommt in einer der "
                   "nächsten Budget-II-Sitzungen erneut auf die Tagesordnung. Sie erhalten dann "
                   "Nachricht.", "reopened", f"reopened:{number}:{year}",
                   application_number=number)
    for confirmation in ctx.store.confirmations(year, ConfirmationStatus.HELD, conference.code):
        ctx.store.save_confirmation(replace(confirmation, status=ConfirmationStatus.EXPIRED))
    return [a.number for a in held]


WAIT_DAYS = 31  # a December session's results are awaited until 31 January


def _results_awaited(ctx: Context, year: int) -> list[tuple[Conference, date]]:
    """Budget II sessions of December `year` held without results booked while applications
    they could decide are still open or wait for the county (R9): their results, typed or
    confirmed in January, bind that year's money, which a close would already have carried on
    or let lapse (R2)."""
    waiting = []
    for conference in ctx.config.conferences:
        decided = {c.session_date for c in ctx.store.confirmations(
            year, ConfirmationStatus.BOOKED, conference.code)}
        held = [date.fromisoformat(s.date) for s in ctx.store.sessions(year, conference.code)
                if s.budget_ii and s.status == SessionStatus.SCHEDULED
                and s.date >= f"{year}-12-01" and s.date not in decided]
        undecided = [a.submitted_on for a in ctx.store.undecided_applications(conference.code)
                     if a.status in ("submitted", "deferred", "held")]
        waiting += [(conference, day) for day in held
                    if any(on <= day.isoformat() for on in undecided)]
    return waiting


def _tell_waiting(ctx: Context, year: int, waiting: list[tuple[Conference, date]]) -> None:
    """Once: the administration learns why the close waits, and how to close at once."""
    sessions = ", ".join(f"{c.name} am {format_date(d)}" for c, d in waiting)
    text = (f"Der Jahresabschluss {year} (R2) wartet bis zum {WAIT_DAYS}.01.{year + 1} auf die "
            f"Beschlüsse der Budget-II-Sitzungen vom Dezember, die noch nicht gebucht sind: "
            f"{sessions}. Sie binden Geld des Jahres {year}. Sobald sie gebucht sind, wird "
            f"{year} abgeschlossen. Sofort abschließen: /jahresabschluss {year}")
    for person in ctx.config.people_with_role("administration"):
        ctx.notify(person.id, text, "year_close", f"year_close_waits:{year}:{person.id}")


def due(core: Core, now: datetime) -> list[Notification]:
    """Close every finished year that is still open, oldest first (runs in `sozialbot run`).

    Closing a year opens the next one (its carry-in), so after a year without the bot both
    years close in this one run. A year whose December Budget II sessions' results are not
    booked yet waits for them until 31 January (`_results_awaited`)."""
    made: list[Notification] = []
    while True:
        store = core.store
        still_open = [y for y in store.years() if y < now.year and not store.year_closed(y)]
        if not still_open:
            return made
        year = still_open[0]
        ctx = core.system_context(now, f"system:year-close:{year}")
        waiting = _results_awaited(ctx, year)
        if waiting and now.date() <= date(year + 1, 1, WAIT_DAYS):
            _tell_waiting(ctx, year, waiting)
            if not ctx.notifications:  # told before
                return made
            outcome = core.commit_system(ctx)
            return made + list(outcome.notifications) if outcome.accepted else made
        try:
            close(ctx, year)
        except Refused as refused:
            core.store.rollback()
            log.error("year-end close of %s refused: %s", year, refused.refusal.render())
            return made
        outcome = core.commit_system(ctx)
        if not outcome.accepted:
            return made  # not written; the next run tries again
        made += outcome.notifications
