"""/saldo: allotment, carry-over, bound, available, and what lapses when (R1–R3)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from handlers.context import Context, reply
from handlers.messages import Notification, Outcome
from handlers.scope import conference_and_year
from rules.conferences import Conference
from rules.money import format_cents

if TYPE_CHECKING:
    from handlers.service import Core


def run(ctx: Context, args: str, body: str) -> Outcome:
    conference, year, _ = conference_and_year(ctx, args)
    if conference is not None:
        return reply(balance_text(ctx, conference, year))
    lines = [f"Budget II {year}, verfügbar je Konferenz:"]
    total_free = total_bound = 0
    for each in ctx.config.conferences:
        balance = ctx.balance(each, year)
        total_free += balance.free
        total_bound += balance.bound
        lines.append(f"{each.code} {each.name}: {format_cents(balance.free)} "
                     f"(gebunden {format_cents(balance.bound)})"
                     + (f", Fehlbetrag {format_cents(balance.shortfall)} (R3)"
                        if balance.shortfall else ""))
    lines.append(f"Zusammen gebunden: {format_cents(total_bound)}, verfügbar: "
                 f"{format_cents(total_free)}.")
    lines.append(f"Einzelheiten: /saldo {ctx.config.conferences[0].code} {year}")
    return reply("\n".join(lines))


def balance_text(ctx: Context, conference: Conference, year: int) -> str:
    balance = ctx.balance(conference, year)
    closed = ctx.store.year_closed(year)
    lines = [f"Budget II {conference.name} {year}" + (" (abgeschlossen)" if closed else ""),
             f"Zuweisung: {format_cents(balance.allotment)}",
             f"Übertrag aus {year - 1}: {format_cents(balance.carried_in)}"
             + _carry_pending(ctx, year),
             f"Gebunden: {format_cents(balance.bound)}"]
    if balance.held:
        lines.append(f"Zurückgehalten (R9): {format_cents(balance.held)}")
    if balance.shortfall:
        lines.append(f"Fehlbetrag: {format_cents(balance.shortfall)}. Achtung R3: Die Zuweisung "
                     "wurde unter das schon Gebundene gesenkt; neue Bewilligungen sind nicht "
                     "möglich, bis die Kreisverwaltung die Zuweisung prüft. Sie ist informiert.")
    if closed:
        lines += [f"Verfallen: {format_cents(balance.lapsed)}",
                  f"Übertragen nach {year + 1}: {format_cents(balance.carried_out)}"]
    else:
        lines.append(f"Verfügbar: {format_cents(balance.free)}")
        if balance.carried_in_left:
            lines.append(f"Davon verfallen am 31.12.{year}, wenn nicht gebunden: "
                         f"{format_cents(balance.carried_in_left)} (R2).")
        rest = balance.free - balance.carried_in_left
        if rest > 0:
            lines.append(f"Nicht gebundene Zuweisung ({format_cents(rest)}) kann einmal nach "
                         f"{year + 1} übertragen werden und verfällt Ende {year + 1} (R2).")
    return "\n".join(lines)


def _carry_pending(ctx: Context, year: int) -> str:
    """Before last year is closed its unspent money is not carried in yet (R2): 0,00 € now is
    not what it will be."""
    last = year - 1
    if ctx.store.year_closed(last) or last not in ctx.store.years():
        return ""
    return f" (noch offen: der Übertrag kommt mit dem Jahresabschluss {last})"


def due(core: Core, now: datetime) -> list[Notification]:
    """Warn the administration of a shortfall soon after it lowered an allotment (the bot is
    restarted with the new configuration), not only when someone asks for a balance."""
    ctx = core.system_context(now, f"system:shortfall:{now.date().isoformat()}")
    for conference in ctx.config.conferences:
        ctx.balance(conference, ctx.today.year)  # warns through ctx.notify, once per amount
    if not ctx.notifications:
        return []
    return list(core.commit_system(ctx).notifications)
