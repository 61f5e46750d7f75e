"""/veto: a county representative stops a decision that does not conform (R10)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from handlers.applications import STATUS
from handlers.context import Context, reply
from handlers.messages import Outcome
from handlers.show import shorten
from rules.answers import veto_in_words
from rules.budget import veto_needs_number, veto_refusal, veto_unknown
from rules.dates import format_date
from rules.money import format_cents
from rules.numbers import NUMBER
from rules.records import ApplicationStatus, LedgerKind
from rules.refusal import Refused

MIN_REASON = 5


def run(ctx: Context, args: str, body: str) -> Outcome:
    number, _, reason = args.partition(" ")
    if number and not NUMBER.search(number):  # "Veto gegen ADE-2026-001: passt nicht …"
        spoken = veto_in_words(f"veto {args}")
        number, reason = spoken if spoken is not None else ("", "")  # "Veto gegen 001": which?
    reason = " ".join((reason + " " + body).split())[:500]
    if not number:
        approved = [a.number for year in (ctx.today.year - 1, ctx.today.year)
                    for a in ctx.store.applications(year) if a.status in ("approved", "held")]
        example = approved[-1] if approved else f"{ctx.config.conferences[0].code}-" \
                                                f"{ctx.today.year}-001"
        raise Refused(veto_needs_number(example, approved))
    application = ctx.store.application(number)
    if application is None:
        raise Refused(veto_unknown(number))
    number = application.number
    status = application.status
    refusal = veto_refusal(number, len(reason) >= MIN_REASON,
                           None if status in ("approved", "held") else STATUS[status])
    if refusal:
        raise Refused(refusal)
    conference = ctx.conference(application.conference)
    session_day = date.fromisoformat(application.session_date or "")  # approved or held: set
    year = session_day.year
    released = 0
    if application.status == "approved":
        ctx.open_year(conference, year)  # R2: a closed year takes no release
        released = application.approved_cents or 0
        ctx.book(conference.code, year, LedgerKind.RELEASE, released, number, f"Veto: {reason}")
    application = replace(application, status=ApplicationStatus.VETOED, held_outcome=None, veto={
        "reason": reason, "by": ctx.identity.key, "on": ctx.today.isoformat()})
    ctx.store.save_application(application)
    balance = ctx.balance(conference, year)
    text = (f"Veto des Landkreises zu {number} „{shorten(application.title, 80)}“ "
            f"(Sitzung {conference.name} am "
            f"{format_date(session_day)}): {reason}")
    money = (f"\nDer Betrag von {format_cents(released)} steht wieder zur Verfügung (R10)."
             if released else "\nDer Beschluss wird nicht gebucht (R10).")
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id, text + money + f"\nVerfügbar: {format_cents(balance.free)}.",
                   "veto", f"veto:{number}:{secretary.id}", application_number=number)
    ctx.notify(application.contact, text + "\nDie Bewilligung ist damit aufgehoben (R10). "
               "Fragen dazu beantwortet die Geschäftsführung der Sozialkonferenz "
               f"{conference.name}.", "veto", f"veto:{number}:applicant",
               application_number=number)
    return reply(f"Veto zu {number} ist eingetragen. Zurück im Budget: {format_cents(released)}. "
                 f"Verfügbar für {conference.name} {year}: {format_cents(balance.free)}. "
                 "Geschäftsführung und Antragsteller sind informiert.")


def offer(ctx: Context, number: str) -> Outcome:
    """A veto spoken of but not for sure ("Wir legen kein Veto gegen … ein", "Sollen wir …
    ein Veto einlegen?"): nothing is changed; the line to send if one is meant."""
    outcome = reply(f"Ein Veto zu {number} ist nicht eingetragen; es wurde nichts geändert. "
                    f"Möchten Sie eines einlegen (R10), senden Sie: /veto {number} <Begründung>")
    return Outcome(False, outcome.replies)
