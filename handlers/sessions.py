"""/sitzung, /anwesend, /verhindert: sessions and the county's mandatory attendance (R8, R9)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, time, timedelta

from handlers.context import Context, refusal_outcome, reply
from handlers.messages import Action, Outcome, Reply, SessionEvent
from rules.answers import session_reference
from rules.checks import concept_warning
from rules.conferences import Conference, conference_and_day, conferences_in
from rules.dates import (
    DateError,
    TimeError,
    days_in,
    format_date,
    format_time,
    parse_date,
    parse_time,
    starts_with_date,
    take_date,
    take_time,
)
from rules.moves import DATE_IN_TEXT, Move, new_place, read_move, says_moved
from rules.records import Application, Session, SessionStatus
from rules.refusal import Refused, refuse
from rules.sessions import (
    CANCEL,
    attend_after_the_meeting,
    budget_session_limit,
    decided_session_stays,
    excuse_after_the_meeting,
    held_session_stays,
    no_budget_session,
    no_session_to_answer,
    nobody_attends_warning,
    session_moved,
)

# "Budget II", "Budget-II-Sitzung" (as the bot itself writes it)
BUDGET_II = re.compile(r"\bbudget[\s-]*(ii|2)\b(?:-?sitzung)?", re.IGNORECASE)
# "ohne Budget II", as the R8 refusal says to write it: a session with other topics
NOT_BUDGET_II = re.compile(r"\b(?:ohne|kein(?:e|en)?|nicht)\s+(?:(?:über|ueber|zu)\s+)?"
                           r"budget[\s-]*(?:ii|2)\b", re.IGNORECASE)
ADDITIONAL = re.compile(r"\b(zusätzlich|zusaetzlich|weitere)\b", re.IGNORECASE)
# what is left after the date of a session in words that is a sentence, not a place
_PROSE = re.compile(r"\s*(?:ist|wird|war|soll|findet|bleibt|wäre|waere)\b", re.IGNORECASE)
_PLACE_CUE = re.compile(r"\b(?:im|in|ort:?)\s+(\S.*)", re.IGNORECASE)
NEAR_DAYS = 14  # a new session this close to another gets the line that moves instead


def _parse_date(text: str, ctx: Context) -> date:
    try:
        return parse_date(text, ctx.today)
    except DateError as error:
        raise Refused(error.refusal()) from None


def register(ctx: Context, args: str, body: str) -> Outcome:
    conference = ctx.own_conference()
    text = " ".join((args + " " + body).split())
    if not text:
        raise refuse("", "Bitte nennen Sie Datum, Uhrzeit und Ort, z. B.:\n"
                         f"/sitzung {format_date(example_day(ctx.today))} 18:30 Ort Rathaus "
                         f"{conference.name}, Budget II")
    first, _, rest = text.partition(" ")
    if says_moved(text) and not starts_with_date(text):
        # "/sitzung verschoben auf 19.03.": the conference's only session still to come
        ahead = [r for c, r in upcoming(ctx, include_all=True) if c.code == conference.code]
        if len(ahead) != 1:
            raise refuse("", "Welche Sitzung wird verschoben? Bitte nennen Sie beide Daten, "
                             "z. B.: /sitzung 12.03.2026 verschoben auf 19.03.2026 19:00")
        first, rest = format_date(ahead[0].day), text
    try:
        day, rest = take_date(f"{first} {rest}", ctx.today)  # "Do, 5. Nov. um 19 Uhr"
    except DateError as error:
        raise Refused(error.refusal()) from None
    move = read_move(rest)
    if move is not None:
        return _register_move(ctx, conference, day, move)
    if says_moved(rest):
        raise refuse("", "Auf welchen Tag wird die Sitzung verschoben? Bitte schreiben Sie das "
                         f"neue Datum dazu, z. B.: /sitzung {format_date(day)} verschoben auf "
                         f"{format_date(day + timedelta(days=7))} 19:00")
    start, rest = _take_time(rest)
    budget_ii = bool(BUDGET_II.search(rest)) and not NOT_BUDGET_II.search(rest)
    cancel = bool(CANCEL.search(rest))
    additional = bool(ADDITIONAL.search(rest))
    place = _place(rest)
    existing = ctx.store.session(conference.code, day)
    if cancel:
        return _cancel(ctx, conference, day, existing)
    if day < ctx.today:
        raise refuse("", f"Der {format_date(day)} liegt in der Vergangenheit. Bitte melden Sie "
                         "Sitzungen vorher an.")
    if existing is not None and existing.status == SessionStatus.MOVED:
        existing = None  # a new meeting on a day one was moved away from
    note = "" if existing is not None or additional else _near_note(ctx, conference, day)
    return _save(ctx, conference, day, existing, start, place, budget_ii, note=note)


def _place(rest: str) -> str:
    """The place, from what is left after date and time: never a date (a second date in the
    text is a move the secretary did not spell out, and is asked back)."""
    place = ADDITIONAL.sub("", CANCEL.sub("", BUDGET_II.sub("", NOT_BUDGET_II.sub("", rest))))
    if _PROSE.match(place):  # "… ist eine Budget II Sitzung (im Rathaus)": a place only after
        cue = _PLACE_CUE.search(place)  # "im", "in der", "Ort"
        place = cue.group(1) if cue else ""
    place = re.sub(r"^\s*(ort|in|im)\b[:]?", "", place.strip(" ,;-"), flags=re.IGNORECASE)
    # "im Rathaus (Budget II)", "findet im Rathaus statt"
    place = re.sub(r"\(\s*\)|\s+statt\s*$", "", place).strip(" ,;:-")[:200]
    stray = DATE_IN_TEXT.search(place)
    if stray:
        raise refuse("", f"Ich sehe ein zweites Datum ({stray.group(0)}) und weiß nicht, was "
                         "damit gemeint ist. Soll die Sitzung verschoben werden, schreiben Sie "
                         "z. B.: /sitzung 12.03.2026 verschoben auf 19.03.2026 19:00")
    return place


def _save(ctx: Context, conference: Conference, day: date, existing: Session | None,
          start: time | None, place: str, budget_ii: bool, *, note: str = "") -> Outcome:
    """Set a session, or change the time or place of one on the same day (attendance kept)."""
    # A scheduled Budget II session stays one when it is changed; a cancelled one that is set
    # again is Budget II only if the message says so, and then counts against R8 again.
    counted = bool(existing and existing.budget_ii and existing.status == SessionStatus.SCHEDULED)
    budget_ii = budget_ii or counted
    if budget_ii and not counted:
        _check_r8(ctx, conference, day, ignore=day, offer_move=True)
    ctx.store.year_table(day.year, "sessions")
    record = existing or Session(
        uid=f"{conference.code}-{day.isoformat()}-{ctx.message.source_id[-8:]}",
        conference=conference.code, date=day.isoformat(), status=SessionStatus.SCHEDULED,
        budget_ii=budget_ii, sequence=-1, registered_by=ctx.identity.key)
    changed = existing is not None and existing.status == SessionStatus.SCHEDULED
    if changed and existing and (format_time(start) if start else existing.time) == \
            existing.time and (place or existing.place) == \
            existing.place and budget_ii == existing.budget_ii:
        # the same message again ("verschoben auf 19.11." once more): no change, nobody alerted
        return reply(f"Die Sitzung {conference.name} am {_when(existing)} ist so schon "
                     "eingetragen. Es wurde nichts geändert.")
    before = _when(existing, place=False) if changed and existing else ""
    record = replace(record, time=format_time(start) if start else record.time,
                     place=place or record.place, budget_ii=budget_ii,
                     status=SessionStatus.SCHEDULED, sequence=record.sequence + 1,
                     alerted_on=ctx.today.isoformat())
    ctx.store.save_session(record)
    when = _when(record)
    if not record.budget_ii:
        return reply(f"Die Sitzung {conference.name} am {when} ist eingetragen. Sie ist nicht als "
                     "Budget-II-Sitzung markiert; wenn dort über Budget II entschieden wird, "
                     "schreiben Sie „Budget II“ dazu." + note)
    moved_from = before if before and before != _when(record, place=False) else ""
    _alert_county(ctx, conference, record, "geändert" if changed else "angesetzt",
                  moved_from=moved_from)
    agenda = _agenda(ctx, conference)
    verb = "geändert" if changed else "eingetragen"
    return reply(
        f"Die Budget-II-Sitzung {conference.name} am {when} ist {verb}. Die Vertretungen des "
        "Landkreises sind benachrichtigt (R9: Teilnahme verpflichtend)."
        + (f"\nOffene Anträge auf der Tagesordnung: {len(agenda)}." if agenda else "")
        + _concept_hint(ctx, conference) + note)


def _check_r8(ctx: Context, conference: Conference, day: date, ignore: date, *,
              offer_move: bool = False) -> None:
    others = [date.fromisoformat(s.date) for s in ctx.store.sessions(day.year, conference.code)
              if s.budget_ii and s.status == SessionStatus.SCHEDULED and s.date != day.isoformat()
              and s.date != ignore.isoformat()]
    limit = budget_session_limit(conference.name, day.year, others, day if offer_move else None)
    if limit:
        raise Refused(limit)


def _concept_hint(ctx: Context, conference: Conference) -> str:
    """R5 at set-up: without a concept the session can bind no money; say so now, not after."""
    if ctx.store.concept(conference.code) is not None:
        return ""
    return "\n" + concept_warning(conference.name)


# -- moving a session -------------------------------------------------------------------------


def _register_move(ctx: Context, conference: Conference, day: date, move: Move) -> Outcome:
    other = _parse_date(move.date, ctx)
    rest = move.rest
    if move.kind == "to":
        old_day, new_day = day, other
        new_start = _parse_time(move.time) if move.time else None
    else:
        old_day, new_day = other, day
        new_start, rest = _take_time(rest)
        if move.time and new_start is None:
            new_start = _parse_time(move.time)
    budget_ii = bool(BUDGET_II.search(rest)) and not NOT_BUDGET_II.search(rest)
    place = _place(new_place(rest) if move.kind == "to" else rest)
    old = ctx.store.session(conference.code, old_day)
    if old is not None and old.status == SessionStatus.MOVED and old.moved_to:
        done = ctx.store.session(conference.code, date.fromisoformat(old.moved_to))
        if done is not None and done.status == SessionStatus.SCHEDULED:
            if done.date == new_day.isoformat():  # the same message sent again
                return reply(f"Die Sitzung {conference.name} vom {format_date(old_day)} ist "
                             f"schon verschoben auf den {_when(done)}. Es wurde nichts geändert.")
            old, old_day = done, date.fromisoformat(done.date)  # moved once more
    if old is None or old.status != SessionStatus.SCHEDULED:
        raise refuse("", f"Für {conference.name} ist am {format_date(old_day)} keine Sitzung "
                         "eingetragen, die verschoben werden könnte. Eine neue Sitzung melden "
                         f"Sie so an: /sitzung {format_date(new_day)} 18:30 Ort Rathaus, "
                         "Budget II")
    if new_day == old_day:
        return _save(ctx, conference, new_day, old, new_start, place, budget_ii)
    return _move(ctx, conference, old, new_day, new_start, place, budget_ii)


def _near_note(ctx: Context, conference: Conference, day: date) -> str:
    """A new date near a session still to come is a new session (only "verschoben auf" or
    "verlegt" moves one); the secretary is told the other one stays, and how to move it."""
    near = sorted((s for year in {day.year - 1, day.year, day.year + 1}
                   if year in ctx.store.years()
                   for s in ctx.store.sessions(year, conference.code)
                   if s.status == SessionStatus.SCHEDULED and s.date >= ctx.today.isoformat()
                   and s.date != day.isoformat()
                   and abs((s.day - day).days) <= NEAR_DAYS),
                  key=lambda s: abs((s.day - day).days))
    if not near:
        return ""
    other = format_date(near[0].day)
    return (f"\nDie Sitzung am {other} bleibt eingetragen. War eine Verschiebung gemeint, "
            f"senden Sie: /sitzung {other} verschoben auf {format_date(day)}")


def _move(ctx: Context, conference: Conference, old: Session, new_day: date, start: time | None,
          place: str, budget_ii: bool) -> Outcome:
    """One session, one UID: the old date is kept on the record as "moved", the session goes
    on at the new date with the next SEQUENCE. The county is asked again to attend, since an
    answer for one day says nothing about another."""
    old_day = date.fromisoformat(old.date)
    if old_day < ctx.today:
        raise refuse("", f"Die Sitzung {conference.name} am {format_date(old_day)} hat schon "
                         "stattgefunden und kann nicht mehr verschoben werden. Eine neue "
                         f"Sitzung melden Sie mit /sitzung {format_date(new_day)} an.")
    if _decided(ctx, conference, old_day):
        raise Refused(decided_session_stays(conference.name, old_day, old.budget_ii))
    if new_day < ctx.today:
        raise refuse("", f"Der {format_date(new_day)} liegt in der Vergangenheit. Bitte nennen "
                         "Sie einen Tag, der noch kommt.")
    taken = ctx.store.session(conference.code, new_day)
    if taken is not None and taken.status == SessionStatus.SCHEDULED:
        raise refuse("", f"Am {format_date(new_day)} ist für {conference.name} schon eine "
                         "Sitzung eingetragen. Bitte sagen Sie eine der beiden ab "
                         f"(/sitzung {format_date(old_day)} abgesagt) oder wählen Sie einen "
                         "anderen Tag.")
    budget_ii = old.budget_ii or budget_ii
    if budget_ii and (new_day.year != old_day.year or not old.budget_ii):
        _check_r8(ctx, conference, new_day, ignore=old_day)
    before = _when(old, place=False)
    history = [*(old.moved_from or ()),
               {"date": old.date, "time": old.time, "on": ctx.today.isoformat()}]
    moved = replace(old, date=new_day.isoformat(),
                    time=format_time(start) if start else old.time,
                    place=place or old.place, budget_ii=budget_ii,
                    status=SessionStatus.SCHEDULED, sequence=old.sequence + 1,
                    alerted_on=ctx.today.isoformat(), attended_by=(), excused_by=(),
                    moved_from=tuple(history), moved_to=None)
    ctx.store.save_session(replace(old, status=SessionStatus.MOVED,
                                   moved_to=new_day.isoformat()))
    ctx.store.year_table(new_day.year, "sessions")
    ctx.store.save_session(moved)
    text = (f"Die {'Budget-II-' if budget_ii else ''}Sitzung {conference.name} ist verschoben: "
            f"vom {before} auf den {_when(moved)}.")
    if not budget_ii:
        return reply(text)
    _alert_county(ctx, conference, moved, "verschoben", moved_from=before)
    return reply(text + " Die Vertretungen des Landkreises sind informiert und um eine neue "
                 "Zu- oder Absage gebeten (R9)." + _concept_hint(ctx, conference))


def _decided(ctx: Context, conference: Conference, day: date) -> bool:
    return any(c.session_date == day.isoformat() and c.decided
               for c in ctx.store.confirmations(day.year, conference=conference.code))


def example_day(today: date) -> date:
    """A date four to five weeks ahead, on a Thursday: an example that is valid when copied."""
    from datetime import timedelta

    day = today + timedelta(days=28)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _take_time(rest: str) -> tuple[time | None, str]:
    """ "19 Uhr", "um 19:00 Uhr", "19.30 Uhr" at the start of the rest (rules.dates)."""
    try:
        return take_time(rest)
    except TimeError as error:
        raise Refused(error.refusal()) from None


def _parse_time(text: str) -> time:
    try:
        return parse_time(text)
    except TimeError as error:
        raise Refused(error.refusal()) from None


def _when(record: Session, *, place: bool = True) -> str:
    text = format_date(date.fromisoformat(record.date))
    if record.time:
        text += f", {record.time} Uhr"
    if place and record.place:
        text += f", {record.place}"
    return text


def _agenda(ctx: Context, conference: Conference) -> list[Application]:
    """Every application waiting for a decision, whatever year it came in (a sketch of December
    or one deferred in autumn is on the agenda of January's session)."""
    return [a for a in ctx.store.undecided_applications(conference.code)
            if a.status in ("submitted", "deferred")]


def session_event(ctx: Context, conference: Conference, record: Session,
                  moved_from: str = "") -> SessionEvent:
    return SessionEvent(
        uid=f"{record.uid}@sozialbot",
        conference_code=conference.code,
        conference_name=conference.name,
        day=record.day,
        start=time.fromisoformat(record.time) if record.time else None,
        place=record.place,
        status=str(record.status),
        sequence=record.sequence,
        agenda=tuple(f"{a.number} {a.title}" for a in _agenda(ctx, conference)),
        moved_from=moved_from,
    )


def attendance_actions(conference: Conference, record: Session) -> tuple[Action, ...]:
    day = format_date(date.fromisoformat(record.date))
    return (Action("Ich nehme teil", f"/anwesend {conference.code} {day}"),
            Action("Ich bin verhindert", f"/verhindert {conference.code} {day}"))


def _alert_county(ctx: Context, conference: Conference, record: Session, head: str, *,
                  moved_from: str = "") -> None:
    """Tell every county representative; one who has declined this day is told of the change
    but not asked again."""
    event = session_event(ctx, conference, record, moved_from)
    agenda = "\n".join(f"• {line}" for line in event.agenda) or "• (noch keine Anträge)"
    where = (f"{conference.name}\nbisher: {moved_from}\nneu: {_when(record)}" if moved_from
             else f"{conference.name}, {_when(record)}")
    hint = _concept_hint(ctx, conference).strip()
    for person in ctx.county_representatives():
        declined = person.id in record.excused_by
        if head == "verschoben":
            ask = ("Ihre Zu- oder Absage zum alten Termin gilt für den neuen nicht. Bitte sagen "
                   "Sie zu oder ab.")
        elif declined:
            ask = "Ihre Absage bleibt vermerkt."
        elif person.id in record.attended_by:
            ask = "Ihre Zusage bleibt vermerkt; können Sie nun nicht, sagen Sie bitte ab."
        else:
            ask = "Bitte sagen Sie zu oder ab."
        ctx.notify(
            person.id,
            f"Budget-II-Sitzung {head} (R9, Teilnahme verpflichtend):\n{where}\n"
            f"Tagesordnung:\n{agenda}\n" + (f"{hint}\n" if hint else "") + ask,
            "session_alert", f"session:{record.uid}:{record.sequence}:{person.id}",
            actions=() if declined else attendance_actions(conference, record), event=event)


def _cancel(ctx: Context, conference: Conference, day: date, existing: Session | None) -> Outcome:
    if existing is None or existing.status != SessionStatus.SCHEDULED:
        moved = existing is not None and existing.status == SessionStatus.MOVED
        raise refuse("", f"Für {conference.name} ist am {format_date(day)} keine Sitzung "
                         "eingetragen." + (
                             " Sie wurde auf den "
                             f"{format_date(date.fromisoformat(existing.moved_to or ''))} "
                             "verschoben." if moved and existing else ""))
    decided = _decided(ctx, conference, day)
    if decided or day < ctx.today:
        # Its decisions stand; cancelling it would free its place in the R8 count.
        raise Refused(held_session_stays(conference.name, day, existing.budget_ii, decided))
    existing = replace(existing, status=SessionStatus.CANCELLED, sequence=existing.sequence + 1)
    ctx.store.save_session(existing)
    if existing.budget_ii:
        event = session_event(ctx, conference, existing)
        for person in ctx.county_representatives():
            ctx.notify(person.id, f"Abgesagt: Budget-II-Sitzung {conference.name} am "
                       f"{_when(existing)}.", "session_cancelled",
                       f"session:{existing.uid}:{existing.sequence}:{person.id}",
                       event=event)
    return reply(f"Die Sitzung {conference.name} am {_when(existing)} ist abgesagt."
                 + (" Die Vertretungen des Landkreises sind informiert."
                    if existing.budget_ii else ""))


# -- the county's answers ---------------------------------------------------------------------


def upcoming(ctx: Context, *, include_all: bool = False) -> list[tuple[Conference, Session]]:
    """Budget II sessions (with `include_all`: every session) still to come, today included,
    soonest first."""
    found = []
    for year in (ctx.today.year, ctx.today.year + 1):
        if year not in ctx.store.years():
            continue
        for record in ctx.store.sessions(year):
            conference = ctx.config.conference(record.conference)
            if (conference is not None and record.status == SessionStatus.SCHEDULED
                    and (record.budget_ii or include_all)
                    and record.date >= ctx.today.isoformat()):
                found.append((conference, record))
    return found


def find_session(ctx: Context, code: str, day: date) -> tuple[Conference, Session] | None:
    """A session by conference and a date it has or had (a moved session is found by its old
    date, so an answer to the first invitation still reaches it)."""
    conference = ctx.config.conference(code)
    if conference is None:
        return None
    record = ctx.store.session(code, day) if day.year in ctx.store.years() else None
    seen = 0
    while record is not None and record.status == SessionStatus.MOVED and record.moved_to \
            and seen < 20:
        moved_to = date.fromisoformat(record.moved_to)
        record = ctx.store.session(code, moved_to) if moved_to.year in ctx.store.years() else None
        seen += 1
    return (conference, record) if record is not None else None


BRACKETS = str.maketrans("()[]", "    ")


def choose_session(ctx: Context, verb: str, *,
                   ask: bool = False) -> tuple[Conference, Session] | Outcome:
    """The session a county representative's answer without a date means: the one the message
    refers to, else the only one still to come; several (or with `ask`, a bare command tapped
    in the menu, any): ask back with a line for each."""
    reference = session_reference(ctx.message.refers_to)
    if reference is not None:
        found = find_session(ctx, *reference)
        if found is not None:
            return found
    sessions = upcoming(ctx)
    if len(sessions) > 1 and not ask:  # "Zusage für Ostheide": the conference named decides
        words = ctx.message.text.translate(BRACKETS)  # "Ich nehme teil (Ostheide)" too
        named = set(conferences_in(words, ctx.config.conferences))
        sessions = [pair for pair in sessions if pair[0] in named] or sessions
        days = {day.isoformat() for day in days_in(words, ctx.today)}  # "am 5. März"
        sessions = [pair for pair in sessions if pair[1].date in days] or sessions
    if len(sessions) == 1 and not ask:
        return sessions[0]
    label = "Ich nehme teil" if verb == "anwesend" else "Ich bin verhindert"
    if not sessions:
        recent = _recently_held(ctx)
        if recent is not None and not ask:
            return recent  # a yes after the meeting: attend() points to /bestaetigen
        return refusal_outcome(no_session_to_answer())
    actions = tuple(Action(f"{label} ({c.name}, {format_date(date.fromisoformat(r.date))})",
                           f"/{verb} {c.code} {format_date(date.fromisoformat(r.date))}")
                    for c, r in sessions[:8])
    several = "Es sind mehrere Budget-II-Sitzungen angesetzt. " if len(sessions) > 1 else ""
    return Outcome(False, (Reply(f"Für welche Sitzung gilt Ihre Antwort? {several}Bitte "
                                 "antworten Sie mit einer dieser Zeilen.", actions),))


def _recently_held(ctx: Context) -> tuple[Conference, Session] | None:
    """The only Budget II session held in the last two weeks, if there is exactly one."""
    since = (ctx.today - timedelta(days=14)).isoformat()
    held = [(ctx.conference(r.conference), r)
            for year in {ctx.today.year - 1, ctx.today.year} if year in ctx.store.years()
            for r in ctx.store.sessions(year)
            if r.status == SessionStatus.SCHEDULED and r.budget_ii
            and since <= r.date < ctx.today.isoformat()]
    return held[0] if len(held) == 1 else None


def _county_session(ctx: Context, args: str, verb: str) -> tuple[Conference, Session] | Outcome:
    parts = args.split()
    if not parts:
        return choose_session(ctx, verb, ask=True)
    if len(parts) < 2:
        raise refuse("", f"Bitte nennen Sie Konferenz und Datum, z. B. /{verb} ADE 12.03.2026")
    try:  # "ADE 12.03.2026", "ADE Do, 5. März"
        named = conference_and_day(args, ctx.config.conferences, ctx.today)
    except DateError as error:
        raise Refused(error.refusal()) from None
    if named is None:
        raise refuse("", f"Die Konferenz „{' '.join(parts[:-1])[:40]}“ kenne ich nicht.")
    conference, day = named
    record = ctx.store.session(conference.code, day)
    if record is not None and record.status == SessionStatus.MOVED:
        found = find_session(ctx, conference.code, day)
        if found is not None and found[1].status == SessionStatus.SCHEDULED and found[1].budget_ii:
            now = found[1]
            return refusal_outcome(session_moved(conference.name, day, _when(now)),
                                   attendance_actions(conference, now))
    if record is None or record.status != SessionStatus.SCHEDULED or not record.budget_ii:
        raise Refused(no_budget_session(conference.name, day))
    return conference, record


def _after_the_meeting(ctx: Context, conference: Conference, record: Session) -> bool:
    day = date.fromisoformat(record.date)
    return day < ctx.today or _decided(ctx, conference, day)


def attend(ctx: Context, args: str, body: str) -> Outcome:
    found = _county_session(ctx, args, "anwesend")
    if isinstance(found, Outcome):
        return found
    conference, record = found
    if _after_the_meeting(ctx, conference, record):
        raise Refused(attend_after_the_meeting(conference.name, conference.code,
                                               date.fromisoformat(record.date)))
    me = ctx.identity.key
    record = replace(record, attended_by=tuple(sorted({*record.attended_by, me})),
                     excused_by=tuple(p for p in record.excused_by if p != me))
    ctx.store.save_session(record)
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id, f"{ctx.identity.name} nimmt an der Budget-II-Sitzung am "
                   f"{_when(record)} teil (R9).", "attendance",
                   f"attend:{record.uid}:{record.sequence}:{me}:{secretary.id}")
    return reply(f"Danke! Ihre Teilnahme an der Sitzung {conference.name} am {_when(record)} "
                 "ist vermerkt (R9).",
                 settles=f"✓ Ihre Antwort vom {format_date(ctx.today)}: Sie nehmen teil.")


def excuse(ctx: Context, args: str, body: str) -> Outcome:
    found = _county_session(ctx, args, "verhindert")
    if isinstance(found, Outcome):
        return found
    conference, record = found
    if _after_the_meeting(ctx, conference, record):
        raise Refused(excuse_after_the_meeting(conference.name,
                                               date.fromisoformat(record.date)))
    me = ctx.identity.key
    record = replace(record, excused_by=tuple(sorted({*record.excused_by, me})),
                     attended_by=tuple(p for p in record.attended_by if p != me))
    ctx.store.save_session(record)
    others = [p for p in ctx.county_representatives() if p.id != me]
    attending = [p for p in others if p.id in record.attended_by]
    asked = [p for p in others if p.id not in record.attended_by
             and p.id not in record.excused_by]
    key = f"{record.uid}:{record.sequence}:{me}"
    for person in asked:
        ctx.notify(person.id, f"{ctx.identity.name} ist bei der Budget-II-Sitzung "
                   f"{conference.name} am {_when(record)} verhindert. Bitte nehmen Sie teil (R9).",
                   "excused", f"excuse:{key}:{person.id}",
                   actions=attendance_actions(conference, record))
    text = f"Vermerkt: Sie sind bei der Sitzung {conference.name} am {_when(record)} verhindert."
    settles = f"✓ Ihre Antwort vom {format_date(ctx.today)}: Sie sind verhindert."
    if attending:
        return reply(f"{text} {_names(attending)} nimmt teil; die Sitzung ist vertreten (R9).",
                     settles=settles)
    if asked:
        return reply(f"{text} {_names(asked)} ist informiert und gebeten teilzunehmen. Ohne "
                     "Vertretung des Landkreises werden die Beschlüsse erst nach Bestätigung "
                     "durch den Landkreis gebucht (R9).", settles=settles)
    _nobody_from_the_county(ctx, conference, record, key)
    return reply(f"{text} Damit hat niemand vom Landkreis zugesagt; die Geschäftsführung ist "
                 "informiert. Findet die Sitzung so statt, werden ihre Beschlüsse erst gebucht, "
                 "wenn der Landkreis sie bestätigt (R9).", settles=settles)


def _names(people: list) -> str:
    names = [p.name for p in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " und " + names[-1]


def _nobody_from_the_county(ctx: Context, conference: Conference, record: Session,
                            key: str) -> None:
    """Every representative has declined: the secretary hears it now, with what to do."""
    day = record.day
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id,
                   nobody_attends_warning(conference.name, _when(record), day,
                                          record.time or "18:30"),
                   "nobody_attends", f"nobody:{key}:{secretary.id}")
