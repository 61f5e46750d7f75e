"""/beschluss, /buchen, /verwerfen, /bestaetigen: vote results become bookings.

Rules: R3, R5, R7, R9, R11.

A secretary's /beschluss only previews; the money is bound when she sends back the code it gave
(/buchen). A sender address can be forged, a code sent to the address on record cannot.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from handlers import codes
from handlers.applications import STATUS
from handlers.context import Context, ask, reply
from handlers.messages import Action, Outcome
from handlers.show import shorten
from rules.budget import over_balance
from rules.checks import concept_missing
from rules.conferences import Conference, conference_and_day
from rules.dates import DateError, format_date, parse_date, take_date
from rules.decisions import (
    OUTCOME_WORDS,
    DecisionLine,
    DecisionLineError,
    Votes,
    amount_problem,
    changed_since_preview,
    code_invalidated,
    correct_these,
    decided_before,
    is_decision_line,
    looks_like_decision,
    meant_as_decision,
    name_meant,
    name_unclear,
    named_decision,
    names_match,
    no_decisions,
    number_mixed_up,
    parse_decision_line,
    session_date_in,
    session_without_date,
    split_results,
    titled_after_number,
    typed,
    vote_problem,
    watering_can,
)
from rules.money import format_cents
from rules.records import (
    Application,
    ApplicationStatus,
    Confirmation,
    ConfirmationStatus,
    LedgerKind,
    Session,
    SessionStatus,
)
from rules.refusal import Refusal, Refused, refuse
from rules.sessions import (
    held_notice,
    held_reply,
    held_warning,
    must_hold_for_county,
    no_session_for_decisions,
    not_a_budget_session,
    not_on_agenda,
    nothing_held,
    session_not_held_yet,
)
from rules.sketch import incomplete

OPEN = ("submitted", "deferred")
MAX_LINES = 200  # decisions in one message; a session decides far fewer
@dataclass(frozen=True)
class Planned:
    number: str
    title: str
    outcome: str
    amount_cents: int | None
    requested_cents: int
    votes: Votes | None

    def line(self) -> str:
        text = f"• {self.number} „{shorten(self.title, 60)}“: {OUTCOME_WORDS[self.outcome]}"
        if self.outcome == "approved" and self.amount_cents is not None:
            text += f" {format_cents(self.amount_cents)}"
            if self.amount_cents < self.requested_cents:
                text += f" (von {format_cents(self.requested_cents)})"
        if self.votes:
            text += f" ({self.votes.render()})"
        return text


def _session(ctx: Context, conference: Conference, day: date) -> Session:
    record = ctx.store.session(conference.code, day)
    if record is None or record.status != SessionStatus.SCHEDULED:
        raise Refused(no_session_for_decisions(conference.name, day))
    if not record.budget_ii:
        raise Refused(not_a_budget_session(day))
    if day > ctx.today:
        raise Refused(session_not_held_yet(day))
    return record


def _plan(ctx: Context, conference: Conference, day: date,
          lines: Sequence[Mapping[str, Any]]) -> list[Planned]:
    """Check every line against the store and the rules; refuse all if one is wrong."""
    problems: list[Refusal] = []
    planned: list[Planned] = []
    seen: set[str] = set()
    for line in lines:
        number = line["number"]
        record = ctx.store.application(number)
        if record is None or record.conference != conference.code:
            problems.append(Refusal("", f"{number}: Diesen Antrag gibt es für {conference.name} "
                                        "nicht."))
            continue
        if number in seen:
            problems.append(Refusal("", f"{number} steht zweimal in der Liste."))
            continue
        seen.add(number)
        if record.status == "incomplete":
            problems.append(incomplete(number))
            continue
        if record.status == "withdrawn":
            problems.append(Refusal("", f"{number} ist zurückgezogen und kann nicht beschlossen "
                                        "werden."))
            continue
        if record.status not in OPEN:
            problems.append(decided_before(number, STATUS[record.status]))
            continue
        too_late = _not_before(record, day)
        if too_late:
            problems.append(too_late)
            continue
        votes = Votes(**line["votes"]) if line["votes"] else None
        amount = line["amount_cents"]
        if line["outcome"] == "approved":
            requested = record.requested_cents or 0
            amount = requested if amount is None else amount
            problem = amount_problem(number, amount, requested)
            if problem:
                problems.append(problem)
                continue
        item = Planned(number, record.title, line["outcome"], amount,
                       record.requested_cents or 0, votes)
        vote = vote_problem(DecisionLine(number, item.outcome, amount, votes))
        if vote:
            problems.append(vote)
            continue
        planned.append(item)
    if problems:
        raise Refused(correct_these(problems))
    approved = sum(p.amount_cents or 0 for p in planned if p.outcome == "approved")
    if approved:
        if ctx.store.concept(conference.code) is None:
            raise Refused(concept_missing(conference.name))
        ctx.open_year(conference, day.year)
        over = over_balance(approved, ctx.balance(conference, day.year), conference.name,
                            day.year)
        if over:
            raise Refused(over)
    elif ctx.store.year_closed(day.year):
        ctx.open_year(conference, day.year)  # raises the R2 refusal
    return planned


def _not_before(record: Application, day: date) -> Refusal | None:
    """R8 (see rules.decisions.not_on_agenda) for a stored application."""
    deferred = record.session_date if record.status == "deferred" else None
    return not_on_agenda(record.number, day, date.fromisoformat(record.submitted_on),
                         date.fromisoformat(deferred) if deferred else None)


def _changed_since(ctx: Context, planned: list[Planned], day: date) -> list[str]:
    """Sketches changed after the session: the conference voted on an earlier version."""
    notes = []
    for item in planned:
        application = ctx.store.application(item.number)
        changed = application.changed_on if application else None
        if changed and changed > day.isoformat():
            notes.append(f"Achtung: {item.number} wurde am "
                         f"{format_date(date.fromisoformat(changed))} geändert, nach der Sitzung; "
                         "die Konferenz hat über die frühere Fassung abgestimmt. Bitte prüfen "
                         "Sie das vor dem Buchen (/zeige " + item.number + ").")
    return notes


def sketch_fingerprint(record: Application | None) -> str:
    """What the conference voted on: the sketch's fields as they are at the preview."""
    text = json.dumps(record.fields if record else {}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _day_and_lines(ctx: Context, conference: Conference, args: str,
                   body: str) -> tuple[date, list[str], bool]:
    """The session day and the lines that may hold decisions: the date after /beschluss, else
    one in a heading ("Beschlüsse vom 12.03.:"), else the conference's Budget II session held
    last, if recent."""
    if args and not is_decision_line(args) and not looks_like_decision(args):
        try:  # "/beschluss 12.03.2026", "/beschluss Do, 12. März"
            day, rest = take_date(args, ctx.today, past=True)
        except DateError as error:
            raise Refused(error.refusal()) from None
        return day, [rest, *body.splitlines()], False
    lines = [args, *body.splitlines()]
    written = next((d for line in lines if (d := session_date_in(line))), None)
    lines = [line for line in lines if written is None or session_date_in(line) != written]
    if written is not None:
        try:
            return parse_date(written, ctx.today, past=True), lines, False
        except DateError as error:
            raise Refused(error.refusal()) from None
    days = [date.fromisoformat(s.date)
            for year in (ctx.today.year - 1, ctx.today.year)  # early January: December's
            for s in ctx.store.sessions(year, conference.code)
            if s.status == SessionStatus.SCHEDULED and s.budget_ii]
    found = session_without_date(days, ctx.today)
    if found is None:
        example = _form(ctx, conference).replies[0].text.split("\n", 1)[1]
        raise refuse("", "Bitte nennen Sie das Sitzungsdatum und darunter je Antrag eine Zeile, "
                         f"z. B.:\n{example}")
    return found, lines, True


def record(ctx: Context, args: str, body: str) -> Outcome:
    """/beschluss <date> and one line per decision, or the lines alone (see _day_and_lines);
    the preview names the session before anything is booked."""
    conference = ctx.own_conference()
    if not args.strip() and not body.strip():
        return _form(ctx, conference)
    day, lines_given, phone = _day_and_lines(ctx, conference, args, body)
    session = _session(ctx, conference, day)
    raw_lines = [part for ln in lines_given if ln.strip() and meant_as_decision(ln)
                 for part in split_results(ln)]  # "001 bewilligt, 002 abgelehnt": two
    if not raw_lines:
        raise Refused(no_decisions(conference.code, day.year))
    if len(raw_lines) > MAX_LINES:
        raise refuse("", f"Das sind {len(raw_lines)} Zeilen. Bitte melden Sie höchstens "
                         f"{MAX_LINES} Beschlüsse in einer Nachricht und teilen Sie die Liste "
                         "auf. Es wurde nichts gespeichert.")
    lines: list[dict] = []
    problems: list[Refusal] = []
    read_back: list[str | None] = []
    # what a project's name in a line may name (its title or Träger)
    candidates = [a for a in ctx.store.undecided_applications(conference.code)
                  if a.status in OPEN]
    for raw in raw_lines:
        line, mixed_up = _without_own_title(ctx, raw, candidates)
        if mixed_up is not None:
            problems.append(mixed_up)
            read_back.append(None)
            continue
        try:
            parsed = parse_decision_line(line)
        except DecisionLineError as error:
            named = _by_name(conference, candidates, raw)
            problems.append(error.refusal() if named is None else named[0])
            read_back.append(named[1] if named else None)
            continue
        number = parsed.number if "-" in parsed.number else (
            f"{conference.code}-{day.year}-{int(parsed.number):03d}")
        if "-" not in parsed.number:  # "003 bewilligt" in March: last year's deferred one?
            elsewhere = _short_number_elsewhere(conference, candidates, raw, number)
            if elsewhere is not None:
                problems.append(elsewhere[0])
                read_back.append(elsewhere[1] and typed(replace(parsed, number=elsewhere[1])))
                continue
        read_back.append(typed(replace(parsed, number=number)))
        lines.append({"number": number, "outcome": parsed.outcome,
                      "amount_cents": parsed.amount_cents,
                      "votes": parsed.votes.record() if parsed.votes else None})
    if problems:
        refusal = correct_these(problems)
        if all(read_back):  # every line read, some by their project's name: the lines to send
            refusal = replace(refusal, todo=f"{refusal.todo}\nBitte prüfen Sie die Zuordnung und "
                              "senden Sie die Beschlüsse mit den Nummern, z. B. so:\n"
                              f"/beschluss {format_date(day)}\n" + "\n".join(
                                  line for line in read_back if line))
        raise Refused(refusal)
    kept = _kept_from_open_preview(ctx, conference, day, lines) if phone else []
    lines = kept + lines
    planned = _plan(ctx, conference, day, lines)
    # /buchen books exactly what this preview shows, even if the sketch's amount changes meanwhile
    # and the sketch is frozen: a change to it after this preview makes the code invalid
    lines = [{"number": p.number, "outcome": p.outcome, "amount_cents": p.amount_cents,
              "votes": p.votes.record() if p.votes else None,
              "sketch": sketch_fingerprint(ctx.store.application(p.number))}
             for p in planned]
    replaced = _replace_open_previews(ctx, conference, day)
    code = codes.new_code()
    ctx.store.save_confirmation(Confirmation(
        code=code, conference=conference.code, session_date=day.isoformat(),
        by=ctx.identity.key, lines=tuple(lines), status=ConfirmationStatus.OPEN,
        created_at=ctx.now.isoformat(timespec="seconds"), source_id=ctx.message.source_id))
    approved = sum(p.amount_cents or 0 for p in planned if p.outcome == "approved")
    text = [f"Beschlüsse der Sitzung {conference.name} am {format_date(day)}:",
            *(p.line() for p in planned), *_changed_since(ctx, planned, day)]
    if approved:
        balance = ctx.balance(conference, day.year)
        text.append(f"Zu binden: {format_cents(approved)}. Danach verfügbar: "
                    f"{format_cents(balance.free - approved)}.")
        warning = watering_can([p.amount_cents or 0 for p in planned if p.outcome == "approved"],
                               balance.free)
        if warning:
            text.append(warning.render())
    if must_hold_for_county(session.attended_by):
        text.append(held_warning())
    if replaced and kept:
        text.append(f"Die Beschlüsse Ihrer vorigen Nachricht (Code {', '.join(replaced)}) sind "
                    "übernommen; es gilt nur noch dieser Code.")
    elif replaced:
        text.append(f"Die frühere Vorschau zu dieser Sitzung (Code {', '.join(replaced)}) gilt "
                    "nicht mehr; es gilt nur noch diese.")
    until = format_date(codes.valid_until(ctx.now, ctx.config.security).date())
    text.append(f"Noch ist nichts gebucht. Zum Buchen senden Sie (bis {until}): /buchen {code}")
    return reply("\n".join(text), actions=(Action("Buchen", f"/buchen {code}"),
                                           Action("Verwerfen", f"/verwerfen {code}")))


def _without_own_title(ctx: Context, raw: str, candidates: list[Application]
                       ) -> tuple[str, Refusal | None]:
    """ "ADE-2026-001: Spielplatzfest bewilligt 1.200 €" (copied from the agenda): the words
    between number and result are dropped where they name that very application (its title or
    Träger). Where they name another open application instead, the line is refused (a number
    typed wrong would decide the wrong project); other words stay and are read as before."""
    titled = titled_after_number(raw)
    if titled is None:
        return raw, None
    number, words, result = titled
    application = ctx.store.application(number)
    if application is not None and names_match(words, f"{application.title} "
                                                      f"{application.applicant}"):
        return f"{number} {result}", None
    others = [a for a in candidates if a.number != number
              and names_match(words, f"{a.title} {a.applicant}")]
    if application is not None and len(others) == 1:
        return raw, number_mixed_up(raw, number, application.title, others[0].number,
                                    others[0].title)
    return raw, None


def _by_name(conference: Conference, candidates: list[Application],
             raw: str) -> tuple[Refusal, str | None] | None:
    """A line naming its project by title or Träger instead of its number ("Spielplatzfest:
    bewilligt 1.200 €"): what to say about it, and the line with the number if exactly one
    open application of the conference fits. Nothing is booked from a name: the secretary
    sends the line back with its number."""
    named = named_decision(raw)
    if named is None:
        return None
    words, result = named
    fits = [a for a in candidates if names_match(words, f"{a.title} {a.applicant}")]
    if len(fits) != 1:
        return name_unclear(raw, conference.name, [(a.number, a.title) for a in fits]), None
    found = fits[0]
    try:
        parsed = parse_decision_line(f"{found.number} {result}")
    except DecisionLineError as error:
        return error.refusal(), None
    return name_meant(raw, found.number, found.title), typed(parsed)


def _short_number_elsewhere(conference: Conference, candidates: list[Application], raw: str,
                            number: str) -> tuple[Refusal, str | None] | None:
    """A short number ("003") is the session year's application: but when that one is not open
    and an open one of another year has the same number (a sketch deferred last autumn, back in
    March), or both are open, the line is named, not booked: the refusal, and the full number
    when exactly one fits. None: the session year's reading stands."""
    def sequence(of: str) -> int | None:
        tail = of.rsplit("-", 1)[-1]
        return int(tail) if tail.isdigit() else None

    same = [a for a in candidates if a.conference == conference.code
            and sequence(a.number) == sequence(number)]
    if not same or [a.number for a in same] == [number]:
        return None
    if len(same) > 1:
        return name_unclear(raw, conference.name, [(a.number, a.title) for a in same]), None
    return name_meant(raw, same[0].number, same[0].title), same[0].number


def _kept_from_open_preview(ctx: Context, conference: Conference, day: date,
                            lines: list[dict]) -> list[dict]:
    """Results typed on a phone one message at a time ("001 bewilligt 1.200", then "004
    abgelehnt"): the lines of the secretary's open preview of the same session are kept, unless
    this message decides the same application anew. With /beschluss and a date the message is
    the whole list, as before."""
    given = {line["number"] for line in lines}
    kept: list[dict] = []
    for old in ctx.store.confirmations(day.year, ConfirmationStatus.OPEN, conference.code):
        if (old.by == ctx.identity.key and not old.is_correction
                and old.session_date == day.isoformat()
                and codes.valid_until(datetime.fromisoformat(old.created_at),
                                      ctx.config.security) >= ctx.now):
            kept += [{key: line[key] for key in ("number", "outcome", "amount_cents", "votes")}
                     for line in old.lines if line["number"] not in given]
    return kept


def _replace_open_previews(ctx: Context, conference: Conference, day: date) -> list[str]:
    """At most one open preview per session and secretary: a new one voids the older ones."""
    replaced = []
    for old in ctx.store.confirmations(day.year, ConfirmationStatus.OPEN, conference.code):
        if (old.by == ctx.identity.key and not old.is_correction
                and old.session_date == day.isoformat()):
            ctx.store.save_confirmation(replace(old, status=ConfirmationStatus.REPLACED))
            replaced.append(old.code)
    return replaced


def _own_confirmation(ctx: Context, args: str) -> Confirmation:
    who = ctx.identity.key
    guesser = codes.guesser(who, ctx.message.sender.verified)
    blocked = codes.check_attempts(ctx.wrong_codes, guesser, ctx.config.security)
    if blocked:
        raise refuse("", blocked)
    code = args.strip().split(" ")[0].upper()
    confirmation = ctx.store.confirmation(code) if code else None
    if confirmation is None or confirmation.by != who:
        more = codes.note_wrong(ctx.wrong_codes, guesser, ctx.config.security)
        raise refuse("", f"Den Code „{code[:12]}“ finde ich nicht. Bitte senden Sie genau den "
                         f"Code aus der Antwort auf Ihren /beschluss.{more}")
    if confirmation.status == ConfirmationStatus.INVALIDATED:
        raise Refused(code_invalidated(code, confirmation.invalidated_by or ""))
    if confirmation.status != ConfirmationStatus.OPEN:
        done = {"booked": "schon gebucht", "held": "schon zur Bestätigung beim Landkreis",
                "discarded": "verworfen",
                "replaced": "durch eine neuere Vorschau zur selben Sitzung ersetzt; es gilt nur "
                            "deren Code",
                "expired": "mit dem Jahresabschluss verfallen (R9); die Anträge sind wieder offen"
                }.get(confirmation.status, "nicht mehr offen")
        raise refuse("", f"Die Beschlüsse mit dem Code {code} sind {done}. /saldo zeigt den "
                         "Stand.")
    if codes.expired(confirmation.created_at, ctx.now, ctx.config.security):
        raise refuse("", f"Der Code {code} ist abgelaufen (gültig "
                         f"{ctx.config.security.code_days} Tage). Bitte melden Sie die "
                         "Beschlüsse neu mit /beschluss.")
    return confirmation


def _choose_code(ctx: Context, command: str) -> Outcome:
    """/buchen or /verwerfen without a code: a button for each preview still waiting."""
    waiting = [c for year in (ctx.today.year - 1, ctx.today.year)
               for c in ctx.store.confirmations(year, ConfirmationStatus.OPEN)
               if c.by == ctx.identity.key]
    if not waiting:
        return ask(f"Zurzeit wartet nichts auf {command}. Melden Sie die Beschlüsse einer "
                   "Sitzung zuerst mit /beschluss; die Antwort enthält den Code, den Sie dann mit "
                   f"{command} senden.")
    label = "Buchen" if command == "/buchen" else "Verwerfen"
    return ask(f"Welche gemeldeten Beschlüsse? Tippen Sie auf einen Knopf oder senden Sie "
               f"{command} mit dem Code aus der Antwort auf Ihren /beschluss.",
               actions=tuple(Action(f"{label}: Sitzung "
                                    f"{format_date(date.fromisoformat(c.session_date))} "
                                    f"({c.code})", f"{command} {c.code}")
                             for c in waiting[-6:]))


def _choose_held(ctx: Context) -> Outcome:
    """/bestaetigen without a session: a button for each session whose decisions wait (R9)."""
    held = sorted({(c.conference, c.session_date)
                   for year in (ctx.today.year - 1, ctx.today.year)
                   for c in ctx.store.confirmations(year, ConfirmationStatus.HELD)})
    if not held:
        return ask("Zurzeit warten keine Beschlüsse auf Ihre Bestätigung (R9).")
    actions = []
    for code, day in held[:8]:
        written = format_date(date.fromisoformat(day))
        actions.append(Action(f"{ctx.conference(code).name} {written}",
                              f"/bestaetigen {code} {written}"))
    return ask("Welche zurückgehaltenen Beschlüsse möchten Sie bestätigen (R9)? "
                 f"Zum Beispiel: {actions[0].command}", actions=tuple(actions))


def _form(ctx: Context, conference: Conference) -> Outcome:
    """/beschluss alone: the lines to fill in, with this conference's open applications and
    the date of its last (or next) Budget II session."""
    days = sorted(s.date for year in (ctx.today.year - 1, ctx.today.year)
                  for s in ctx.store.sessions(year, conference.code)
                  if s.status == SessionStatus.SCHEDULED and s.budget_ii)
    past = [d for d in days if d <= ctx.today.isoformat()]
    day = past[-1] if past else (days[0] if days else None)
    numbers = [a.number for a in ctx.store.undecided_applications(conference.code)
               if a.status in OPEN]  # whatever year they came in
    written = format_date(date.fromisoformat(day)) if day else "<Datum der Sitzung>"
    examples = [f"{n} {word}" for n, word in zip(
        numbers[:3] or [f"{conference.code}-{ctx.today.year}-001"],
        ("bewilligt (ja 7, nein 1, enthaltung 0)", "abgelehnt", "vertagt"), strict=False)]
    text = ("Bitte senden Sie nach der Sitzung die Beschlüsse so, je Antrag eine Zeile "
            "(bewilligt mit Betrag, wenn weniger als beantragt):\n"
            f"/beschluss {written}\n" + "\n".join(examples))
    if len(numbers) > 3:
        text += f"\nOffen sind außerdem: {', '.join(numbers[3:12])}"
    return ask(text)


def confirm(ctx: Context, args: str, body: str) -> Outcome:
    if not args.strip():
        return _choose_code(ctx, "/buchen")
    confirmation = _own_confirmation(ctx, args)
    if confirmation.is_correction:
        from handlers import corrections

        return corrections.book(ctx, confirmation)
    conference = ctx.conference(confirmation.conference)
    day = date.fromisoformat(confirmation.session_date)
    session = _session(ctx, conference, day)
    _refuse_changed_sketches(ctx, confirmation)
    planned = _plan(ctx, conference, day, confirmation.lines)
    if must_hold_for_county(session.attended_by):
        ctx.store.save_confirmation(replace(confirmation, status=ConfirmationStatus.HELD))
        _hold(ctx, conference, day, planned)
        outcome = reply(held_reply(day))
        return Outcome(True, outcome.replies, rule="R9", settles=(
            f"✓ Am {format_date(ctx.today)} gespeichert; gebucht wird erst nach der Bestätigung "
            "durch den Landkreis (R9)."))
    ctx.store.save_confirmation(replace(confirmation, status=ConfirmationStatus.BOOKED))
    _apply(ctx, conference, day, planned)
    balance = ctx.balance(conference, day.year)
    booked = sum(p.amount_cents or 0 for p in planned if p.outcome == "approved")
    return reply(f"Gebucht: die Beschlüsse der Sitzung am {format_date(day)} "
                 f"({len(planned)}), gebunden {format_cents(booked)}.\n"
                 f"Verfügbar für {conference.name} {day.year}: {format_cents(balance.free)}.",
                 settles=f"✓ Gebucht am {format_date(ctx.today)}: gebunden "
                         f"{format_cents(booked)}, verfügbar {format_cents(balance.free)}.")


def _refuse_changed_sketches(ctx: Context, confirmation: Confirmation) -> None:
    """Book only the sketches the conference voted on (see submit: a change invalidates)."""
    changed = [line["number"] for line in confirmation.lines if "sketch" in line
               and line["sketch"] != sketch_fingerprint(ctx.store.application(line["number"]))]
    if refusal := changed_since_preview(changed):
        raise Refused(refusal)


def open_previews_listing(ctx: Context, number: str) -> list[Confirmation]:
    """Confirmations not yet used, discarded or expired whose preview lists the application."""
    return [c for year in (ctx.today.year - 1, ctx.today.year) if year in ctx.store.years()
            for c in ctx.store.confirmations(year, ConfirmationStatus.OPEN)
            if not c.is_correction and c.lists(number)
            and not codes.expired(c.created_at, ctx.now, ctx.config.security)]


def discard(ctx: Context, args: str, body: str) -> Outcome:
    if not args.strip():
        return _choose_code(ctx, "/verwerfen")
    confirmation = _own_confirmation(ctx, args)
    ctx.store.save_confirmation(replace(confirmation, status=ConfirmationStatus.DISCARDED))
    return reply("Verworfen: nichts wurde gebucht. Senden Sie die Beschlüsse bei Bedarf neu "
                 "mit /beschluss.",
                 settles=f"✗ Am {format_date(ctx.today)} verworfen: nichts wurde gebucht.")


def _hold(ctx: Context, conference: Conference, day: date, planned: list[Planned]) -> None:
    for item in planned:
        application = ctx.store.application(item.number)
        assert application is not None
        ctx.store.save_application(replace(
            application, status=ApplicationStatus.HELD, held_outcome=item.outcome,
            session_date=day.isoformat(),
            approved_cents=item.amount_cents if item.outcome == "approved" else None,
            votes=item.votes.record() if item.votes else None))
    lines = "\n".join(p.line() for p in planned)
    command = f"/bestaetigen {conference.code} {format_date(day)}"
    for person in ctx.county_representatives():
        ctx.notify(person.id,
                   held_notice(conference.name, day, lines, command), "held",
                   f"held:{conference.code}:{day.isoformat()}:{ctx.message.source_id}:{person.id}",
                   actions=(Action("Bestätigen", command),))


def _apply(ctx: Context, conference: Conference, day: date, planned: list[Planned]) -> None:
    """Book each decision: commitments for approvals (R3 checked by the caller), statuses,
    and the applicants' and the county's notices."""
    approved_amounts = []
    for item in planned:
        application = ctx.store.application(item.number)
        assert application is not None
        application = replace(
            application, status=ApplicationStatus(item.outcome), session_date=day.isoformat(),
            approved_cents=item.amount_cents if item.outcome == "approved" else None,
            votes=item.votes.record() if item.votes else None, held_outcome=None)
        ctx.store.save_application(application)
        if item.outcome == "approved" and item.amount_cents:
            approved_amounts.append(item.amount_cents)
            ctx.book(conference.code, day.year, LedgerKind.COMMITMENT, item.amount_cents,
                     item.number, f"Beschluss der Sitzung am {format_date(day)}")
        _tell_applicant(ctx, conference, day, application, item)
    if approved_amounts:
        before = ctx.balance(conference, day.year).free + sum(approved_amounts)
        warning = watering_can(approved_amounts, before)
        if warning:
            ctx.warn_county(warning, f"R7:{conference.code}:{day.isoformat()}",
                            f"Sitzung {conference.name} am {format_date(day)}:")


def _tell_applicant(ctx: Context, conference: Conference, day: date, application: Application,
                    item: Planned) -> None:
    head = (f"Ihr Antrag {item.number} „{shorten(item.title, 80)}“ wurde in der Sitzung der "
            f"Sozialkonferenz {conference.name} am {format_date(day)}")
    if item.outcome == "approved":
        text = f"{head} bewilligt: {format_cents(item.amount_cents or 0)}"
        if (item.amount_cents or 0) < item.requested_cents:
            text += f" (beantragt waren {format_cents(item.requested_cents)})"
        text += "."
    elif item.outcome == "rejected":
        text = f"{head} abgelehnt. Fragen dazu beantwortet die Geschäftsführung der Konferenz."
    else:
        text = f"{head} vertagt. Er kommt in einer späteren Sitzung wieder auf die Tagesordnung."
    ctx.notify(application.contact, text, "decision",
               f"decision:{item.number}:{item.outcome}:{day.isoformat()}",
               application_number=item.number)


def release_held(ctx: Context, args: str, body: str) -> Outcome:
    parts = args.split()
    if not parts:
        return _choose_held(ctx)
    try:  # "ADE 12.03.2026", "ADE Do, 12. März"
        named = conference_and_day(args, ctx.config.conferences, ctx.today)
    except DateError as error:
        raise Refused(error.refusal()) from None
    if named is None or len(parts) < 2:
        raise refuse("", "Bitte nennen Sie Konferenz und Sitzungsdatum, z. B. "
                         "/bestaetigen ADE 12.03.2026")
    conference, day = named
    confirmations = [c for c in ctx.store.confirmations(day.year, ConfirmationStatus.HELD,
                                                        conference.code)
                     if c.session_date == day.isoformat()]
    # The held codes name the applications, whatever year their sketches were handed in.
    numbers = sorted({line["number"] for c in confirmations for line in c.lines})
    held = [a for a in map(ctx.store.application, numbers)
            if a is not None and a.status == "held" and a.session_date == day.isoformat()]
    if not held:
        raise Refused(nothing_held(conference.name, day))
    planned = [Planned(a.number, a.title, a.held_outcome or "", a.approved_cents,
                       a.requested_cents or 0, Votes(**a.votes) if a.votes else None)
               for a in held]
    approved = sum(p.amount_cents or 0 for p in planned if p.outcome == "approved")
    if approved:
        ctx.open_year(conference, day.year)
        if ctx.store.concept(conference.code) is None:
            raise Refused(concept_missing(conference.name))
    _apply(ctx, conference, day, planned)
    for confirmation in confirmations:
        ctx.store.save_confirmation(replace(confirmation, status=ConfirmationStatus.BOOKED))
    balance = ctx.balance(conference, day.year)
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id, f"Der Landkreis hat die Beschlüsse vom {format_date(day)} "
                   f"bestätigt (R9). Gebucht: {format_cents(approved)}. Verfügbar: "
                   f"{format_cents(balance.free)}.", "released",
                   f"released:{conference.code}:{day.isoformat()}:{secretary.id}")
    count = "ein Beschluss" if len(planned) == 1 else f"{len(planned)} Beschlüsse"
    return reply(f"Bestätigt und gebucht: {count} ({format_cents(approved)}) "
                 f"der Sitzung {conference.name} am {format_date(day)}. Verfügbar: "
                 f"{format_cents(balance.free)}.",
                 settles=f"✓ Am {format_date(ctx.today)} bestätigt und gebucht.")
