"""/korrektur: a wrongly reported decision put right, on the record (R2, R3, R11).

Like /beschluss, a correction is first previewed and booked only with the one-time code (/buchen).
The ledger gets reversing entries: the old commitment is released in full and the right amount
committed anew, both marked with the correction; nothing is rewritten. Money freed in a closed
year goes where that year's close sent its money (R2); a closed year takes no new money.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from handlers import codes
from handlers.applications import STATUS
from handlers.context import Context, reply
from handlers.messages import Action, Outcome
from rules.answers import release_in_words, veto_in_words
from rules.budget import (
    balance_from,
    correction_in_closed_year,
    correction_over_balance,
    vetoed_stays,
)
from rules.checks import concept_missing
from rules.conferences import Conference
from rules.corrections import (
    CorrectionError,
    close_delta,
    offered_line,
    parse_correction,
    says_correction,
    short_number_in,
    without_number,
)
from rules.dates import format_date
from rules.decisions import (
    OUTCOME_WORDS,
    DecisionLine,
    Votes,
    amount_problem,
    correction_changes_nothing,
    is_decision_line,
    nothing_to_correct,
    vote_problem,
)
from rules.money import format_cents
from rules.numbers import NUMBER
from rules.records import (
    CORRECTION,
    Application,
    ApplicationStatus,
    Confirmation,
    ConfirmationStatus,
    LedgerKind,
)
from rules.refusal import Refused, refuse
from rules.withdrawal import withdrawal_in

CORRECTABLE = ("approved", "rejected", "deferred", "held")


def spoken_command(role: str, text: str) -> tuple[str, str, str] | None:
    """A correction or a withdrawal written in words, as (command, args, body); None if neither.

    A secretary's message with decision lines is a report of results, not a withdrawal. A
    county representative's veto or release of held decisions in words is /veto or
    /bestaetigen (without a session: it asks which, with a line for each)."""
    if role == "county":
        veto = veto_in_words(text)
        if veto is not None:
            return "veto", " ".join(veto), ""
        return ("bestaetigen", "", "") if release_in_words(text) else None
    if role == "secretary" and says_correction(text):
        return "korrektur", text, ""
    if role not in ("applicant", "secretary"):
        return None
    number = withdrawal_in(text)
    if number is None or (role == "secretary"
                          and any(is_decision_line(line) for line in text.splitlines()[:200])):
        return None
    return "zurueckziehen", number, ""


@dataclass(frozen=True)
class Change:
    """One correction, checked against the store: the decision as booked and as it should be."""

    application: Application
    conference: Conference
    session_day: date
    old_outcome: str
    old_cents: int
    outcome: str
    cents: int
    votes: Votes | None
    reason: str

    @property
    def number(self) -> str:
        return str(self.application.number)

    @property
    def held(self) -> bool:
        return self.application.status == "held"

    def describe(self, outcome: str, cents: int) -> str:
        word = OUTCOME_WORDS[outcome]
        return f"{word} {format_cents(cents)}" if outcome == "approved" else word

    @property
    def before(self) -> str:
        return self.describe(self.old_outcome, self.old_cents)

    @property
    def after(self) -> str:
        text = self.describe(self.outcome, self.cents)
        return text + (f" ({self.votes.render()})" if self.votes else "")


def _short_number_meant(ctx: Context, conference: Conference, text: str) -> Outcome | None:
    """A correction naming its application by the running number ("Korrektur: 001 wurde nur
    mit 1.000 € bewilligt, steht so im Protokoll"): when one decided application of her
    conference, this year or last, has that number, the /korrektur line with its whole number
    to send; nothing is previewed on a guess. None: the usual refusal stands."""
    short = short_number_in(text)
    if short is not None:
        sequence, template = short
        numbers = [f"{conference.code}-{year}-{sequence:03d}"
                   for year in (ctx.today.year, ctx.today.year - 1)]
    else:  # in reply to the booking: the application that message was about
        template = without_number(text) or ""
        numbers = [r for r in ctx.message.refers_to if NUMBER.fullmatch(r)][:2]
        if not template or len(numbers) != 1:
            return None
    fits = [a for number in numbers
            if int(number.split("-")[1]) in ctx.store.years()
            for a in [ctx.store.application(number)]
            if a is not None and a.status in CORRECTABLE and a.conference == conference.code]
    if len(fits) != 1:
        return None
    number = fits[0].number
    try:
        request = parse_correction(template.replace("{number}", number, 1))
    except CorrectionError as error:
        raise Refused(error.refusal()) from None
    line = offered_line(request)
    outcome = reply(f"Meinten Sie {number} „{(fits[0].title or 'ohne Titel')[:60]}“? Dann "
                    f"senden Sie bitte:\n{line}\nNoch ist nichts geändert.",
                    actions=(Action("Korrektur ansehen", line),))
    return Outcome(False, outcome.replies)


def preview(ctx: Context, args: str, body: str) -> Outcome:
    """/korrektur <Nr> <neues Ergebnis> Grund: … — shows the change, books nothing yet."""
    conference = ctx.own_conference()
    typed = "\n".join(part for part in (args, body) if part)
    try:
        request = parse_correction(typed)
    except CorrectionError as error:
        offered = _short_number_meant(ctx, conference, typed)
        if offered is not None:
            return offered
        raise Refused(error.refusal()) from None
    change = _check(ctx, conference, request.decision.number, request.decision.outcome,
                    request.decision.amount_cents, request.decision.votes, request.reason)
    code = codes.new_code()
    ctx.store.save_confirmation(Confirmation(
        code=code, kind=CORRECTION, partition_year=ctx.today.year,
        conference=conference.code, session_date=change.session_day.isoformat(),
        by=ctx.identity.key, status=ConfirmationStatus.OPEN, reason=change.reason,
        lines=({"number": change.number, "outcome": change.outcome,
                "amount_cents": change.cents if change.outcome == "approved" else None,
                "votes": change.votes.__dict__ if change.votes else None},),
        before={"status": change.application.status, "outcome": change.old_outcome,
                "approved_cents": change.application.approved_cents},
        created_at=ctx.now.isoformat(timespec="seconds"), source_id=ctx.message.source_id))
    text = [f"Korrektur zu {change.number} „{change.application.title[:60]}“ "
            f"(Sitzung {conference.name} am {format_date(change.session_day)}):",
            f"bisher: {change.before}", f"richtig: {change.after}", f"Grund: {change.reason}",
            *_money_lines(ctx, change),
            "Antragsteller und Landkreis werden über die Korrektur informiert.",
            f"Noch ist nichts gebucht. Zum Buchen senden Sie: /buchen {code}"]
    return reply("\n".join(text), application_number=change.number,
                 actions=(Action("Buchen", f"/buchen {code}"),
                          Action("Verwerfen", f"/verwerfen {code}")))


def _check(ctx: Context, conference: Conference, number: str, outcome: str, cents: int | None,
           votes: Votes | None, reason: str) -> Change:
    application = ctx.store.application(number)
    if application is None or application.conference != conference.code:
        raise refuse("", f"Einen Antrag {number[:20]} gibt es für {conference.name} nicht. "
                         "/antraege zeigt die Anträge.")
    number, status = application.number, application.status
    if status == "vetoed":
        raise Refused(vetoed_stays(number))
    if status == "withdrawn":
        raise refuse("", f"{number} ist zurückgezogen; darüber wurde nicht entschieden.")
    if status not in CORRECTABLE or not application.session_date:
        raise Refused(nothing_to_correct(number, STATUS[status]))
    old_outcome: str = (application.held_outcome or status) if status == "held" else status
    old_cents = (application.approved_cents or 0) if old_outcome == "approved" else 0
    if outcome == "approved":
        requested = application.requested_cents or 0
        cents = requested if cents is None else cents
        problem = amount_problem(number, cents, requested)
        if problem:
            raise Refused(problem)
    else:
        cents = 0
    problem = vote_problem(DecisionLine(number, outcome, cents or None, votes))
    if problem:
        raise Refused(problem)
    same_votes = votes is None or votes.__dict__ == application.votes
    if outcome == old_outcome and cents == old_cents and same_votes:
        raise Refused(correction_changes_nothing(number, outcome, cents))
    day = date.fromisoformat(application.session_date)
    change = Change(application, conference, day, old_outcome, old_cents, outcome, cents, votes,
                    reason)
    more = cents - old_cents
    if more > 0:
        if ctx.store.year_closed(day.year):
            raise Refused(correction_in_closed_year(day.year, change.before))
        if ctx.store.concept(conference.code) is None:
            raise Refused(concept_missing(conference.name))
        over = correction_over_balance(more, ctx.balance(conference, day.year), conference.name,
                                       day.year)
        if over:
            raise Refused(over)
    return change


def _money_lines(ctx: Context, change: Change) -> list[str]:
    year = change.session_day.year
    if change.held:
        return ["Der Beschluss wartet noch auf die Bestätigung des Landkreises (R9); es wird "
                "nichts gebucht, nur der zurückgehaltene Beschluss berichtigt."]
    entries = []
    if change.old_cents:
        entries.append(f"Storno der Bindung {format_cents(change.old_cents)}")
    if change.cents:
        entries.append(f"neue Bindung {format_cents(change.cents)}")
    lines = [f"Buchungen {year}: {', '.join(entries) if entries else 'keine'}."]
    freed = change.old_cents - change.cents
    if ctx.store.year_closed(year):
        if freed > 0:
            lapse, carry = _freed_in_closed_year(ctx, change.conference, year, freed)
            lines.append(f"Das Haushaltsjahr {year} ist abgeschlossen (R2): die frei werdenden "
                         f"{format_cents(freed)} gehen dorthin, wohin der Abschluss das Geld "
                         f"gegeben hat: verfallen {format_cents(lapse)}, übertragen nach "
                         f"{year + 1} {format_cents(carry)}.")
    else:
        balance = ctx.balance(change.conference, year)
        lines.append(f"Danach verfügbar für {change.conference.name} {year}: "
                     f"{format_cents(balance.free + freed)}.")
    return lines


def _freed_in_closed_year(ctx: Context, conference: Conference, year: int,
                          freed: int) -> tuple[int, int]:
    """(lapses, carried on) of money freed in a closed year, before anything is booked."""
    entries = [(e.kind, e.amount_cents) for e in ctx.store.ledger(year, conference.code)]
    posted_lapse = sum(a for k, a in entries if k == LedgerKind.LAPSE)
    posted_carry = sum(a for k, a in entries if k == LedgerKind.CARRY_OUT)
    closing = (LedgerKind.LAPSE, LedgerKind.CARRY_OUT)
    before = balance_from([(k, a) for k, a in entries if k not in closing]
                          + [(LedgerKind.RELEASE, freed)])
    delta = close_delta(before, posted_lapse, posted_carry)
    return delta.lapse, delta.carry_out


def book(ctx: Context, confirmation: Confirmation) -> Outcome:
    """/buchen with a correction's code: check again, then book the reversing entries."""
    conference = ctx.conference(confirmation.conference)
    line = confirmation.lines[0]
    votes = Votes(**line["votes"]) if line["votes"] else None
    change = _check(ctx, conference, line["number"], line["outcome"], line["amount_cents"], votes,
                    confirmation.reason or "")
    before = confirmation.before or {}
    if (change.application.status != before["status"]
            or change.application.approved_cents != before["approved_cents"]):
        raise refuse("", f"{change.number} hat sich seit der Vorschau geändert "
                         f"({STATUS[change.application.status]}). Bitte senden Sie die "
                         "Korrektur neu mit /korrektur.")
    ctx.store.save_confirmation(replace(confirmation, status=ConfirmationStatus.BOOKED))
    _apply(ctx, change, confirmation.code)
    _tell(ctx, change)
    return reply(f"Gebucht: Korrektur zu {change.number}, jetzt {change.after} (bisher "
                 f"{change.before}). Antragsteller und Landkreis sind informiert.\n"
                 f"{_available(ctx, conference, change.session_day.year)}",
                 application_number=change.number)


def _available(ctx: Context, conference: Conference, year: int) -> str:
    """What is available now: in a closed year (always 0,00 €) the money is in the next one."""
    if ctx.store.year_closed(year):
        free = format_cents(ctx.balance(conference, year + 1).free)
        return (f"Das Haushaltsjahr {year} ist abgeschlossen (R2). Verfügbar für "
                f"{conference.name} {year + 1}: {free}.")
    free = format_cents(ctx.balance(conference, year).free)
    return f"Verfügbar für {conference.name} {year}: {free}."


def _apply(ctx: Context, change: Change, code: str) -> None:
    application, conference = change.application, change.conference
    year, number = change.session_day.year, change.number
    if not change.held:
        closed = ctx.store.year_closed(year)
        if not closed:
            ctx.open_year(conference, year)
        note = f"Korrektur des Beschlusses vom {format_date(change.session_day)}: {change.reason}"
        if change.old_cents:
            ctx.book(conference.code, year, LedgerKind.RELEASE, change.old_cents, number,
                     f"Storno ({change.before}) – {note}", correction=code)
        if change.cents:
            ctx.book(conference.code, year, LedgerKind.COMMITMENT, change.cents, number,
                     f"Neu gebunden ({change.after}) – {note}", correction=code)
        if closed:
            _follow_close(ctx, conference, year, code)
    record = {"on": ctx.today.isoformat(), "by": ctx.identity.key, "reason": change.reason,
              "code": code, "before": {"status": change.old_outcome,
                                       "approved_cents": change.old_cents or None},
              "after": {"status": change.outcome, "approved_cents": change.cents or None}}
    application = replace(
        application, corrections=(*(application.corrections or ()), record),
        status=ApplicationStatus.HELD if change.held else ApplicationStatus(change.outcome),
        approved_cents=change.cents if change.outcome == "approved" else None)
    if change.votes is not None or change.outcome != change.old_outcome:
        # the votes of another outcome would contradict it (R11)
        application = replace(application,
                              votes=change.votes.__dict__ if change.votes else None)
    if change.held:
        application = replace(application, held_outcome=change.outcome)
    ctx.store.save_application(application)


def _follow_close(ctx: Context, conference: Conference, year: int, code: str) -> None:
    """R2: book what each closed year's close would have booked more with the correction in
    place: freed money lapses or moves on, and money moved into a closed year follows it."""
    while ctx.store.year_closed(year):
        entries = [(e.kind, e.amount_cents) for e in ctx.store.ledger(year, conference.code)]
        before = balance_from([(k, a) for k, a in entries
                               if k not in (LedgerKind.LAPSE, LedgerKind.CARRY_OUT)])
        delta = close_delta(before, sum(a for k, a in entries if k == LedgerKind.LAPSE),
                            sum(a for k, a in entries if k == LedgerKind.CARRY_OUT))
        if delta.lapse:
            ctx.book(conference.code, year, LedgerKind.LAPSE, delta.lapse, None,
                     "Nach Korrektur: Übertrag aus dem Vorjahr nicht gebunden, verfällt (R2)",
                     correction=code)
        if not delta.carry_out:
            return
        ctx.book(conference.code, year, LedgerKind.CARRY_OUT, delta.carry_out, None,
                 f"Nach Korrektur: Übertrag nach {year + 1} (R2)", correction=code)
        ctx.book(conference.code, year + 1, LedgerKind.CARRY_IN, delta.carry_out, None,
                 f"Nach Korrektur: Übertrag aus {year}, verfällt Ende {year + 1} (R2)",
                 correction=code)
        year += 1


def _tell(ctx: Context, change: Change) -> None:
    conference, number = change.conference, change.number
    head = (f"Korrektur zu Antrag {number} „{change.application.title[:80]}“ (Sitzung der "
            f"Sozialkonferenz {conference.name} am {format_date(change.session_day)}): der "
            f"Beschluss war falsch gemeldet und ist berichtigt.\nbisher: {change.before}\n"
            f"richtig: {change.after}\nGrund: {change.reason}")
    ctx.notify(change.application.contact,
               head + f"\nFragen dazu beantwortet die Geschäftsführung der Sozialkonferenz "
               f"{conference.name}.", "correction",
               f"correction:{number}:{ctx.message.source_id}:applicant",
               application_number=number)
    money = "" if change.held else "\n" + _available(ctx, conference, change.session_day.year)
    for person in [*ctx.county_representatives(), *ctx.secretaries(conference.code)]:
        ctx.notify(person.id, head + money, "correction",
                   f"correction:{number}:{ctx.message.source_id}:{person.id}",
                   application_number=number)
