"""/sitzung, /anwesend, /verhindert: sessions and the county's mandatory attendance (R8, R9)."""

from __future__ import annotations

import re
from datetime import date, time

from handlers.context import Context, reply
from handlers.messages import Action, Outcome, SessionEvent
from rules.checks import budget_session_limit
from rules.conferences import Conference, find_conference
from rules.dates import DateError, TimeError, format_date, format_time, parse_date, parse_time
from rules.refusal import refuse

BUDGET_II = re.compile(r"\bbudget\s*(ii|2)\b", re.IGNORECASE)
CANCEL = re.compile(r"\b(absagen|abgesagt|fällt aus|faellt aus|entfällt|entfaellt)\b",
                    re.IGNORECASE)
TIME = re.compile(r"^\d{1,2}([:.]\d{2})?(\s*uhr)?$", re.IGNORECASE)


def _parse_date(text: str, ctx: Context) -> date:
    try:
        return parse_date(text, ctx.today)
    except DateError as error:
        raise refuse("", str(error)) from None


def register(ctx: Context, args: str, body: str) -> Outcome:
    conference = ctx.own_conference()
    text = " ".join((args + " " + body).split())
    if not text:
        raise refuse("", "Bitte nennen Sie Datum, Uhrzeit und Ort, z. B.:\n"
                         "/sitzung 12.03.2026 18:30 Ort Rathaus Adendorf, Budget II")
    first, _, rest = text.partition(" ")
    day = _parse_date(first, ctx)
    start, rest = _take_time(rest)
    budget_ii = bool(BUDGET_II.search(rest))
    cancel = bool(CANCEL.search(rest))
    place = CANCEL.sub("", BUDGET_II.sub("", rest))
    place = re.sub(r"^\s*(ort|in|im)\b[:]?", "", place.strip(" ,;-"), flags=re.IGNORECASE)
    place = place.strip(" ,;:-")[:200]
    existing = ctx.store.session(conference.code, day)
    if cancel:
        return _cancel(ctx, conference, day, existing)
    if day < ctx.today:
        raise refuse("", f"Der {format_date(day)} liegt in der Vergangenheit. Bitte melden Sie "
                         "Sitzungen vorher an.")
    # A scheduled Budget II session stays one when it is changed; a cancelled one that is set
    # again is Budget II only if the message says so, and then counts against R8 again.
    counted = bool(existing and existing["budget_ii"] and existing["status"] == "scheduled")
    budget_ii = budget_ii or counted
    if budget_ii and not counted:
        others = [date.fromisoformat(s["date"]) for s in ctx.store.sessions(day.year,
                  conference.code) if s["budget_ii"] and s["status"] == "scheduled"
                  and s["date"] != day.isoformat()]
        limit = budget_session_limit(conference.name, day.year, others)
        if limit:
            raise refuse(limit.rule, limit.text)
    ctx.store.year_table(day.year, "sessions")
    record = existing or {
        "uid": f"{conference.code}-{day.isoformat()}-{ctx.message.source_id[-8:]}",
        "conference": conference.code, "date": day.isoformat(), "attended_by": [],
        "excused_by": [], "sequence": -1, "registered_by": ctx.identity.key,
    }
    changed = existing is not None
    record.update({
        "time": format_time(start) if start else (existing or {}).get("time"),
        "place": place or (existing or {}).get("place", ""),
        "budget_ii": budget_ii,
        "status": "scheduled", "sequence": record["sequence"] + 1,
        "alerted_on": ctx.today.isoformat(),
    })
    ctx.store.save_session(record)
    when = _when(record)
    if not record["budget_ii"]:
        return reply(f"Die Sitzung {conference.name} am {when} ist eingetragen. Sie ist nicht als "
                     "Budget-II-Sitzung markiert; wenn dort über Budget II entschieden wird, "
                     "schreiben Sie „Budget II“ dazu.")
    _alert_county(ctx, conference, record, changed)
    agenda = _agenda(ctx, conference)
    verb = "geändert" if changed else "eingetragen"
    return reply(
        f"Die Budget-II-Sitzung {conference.name} am {when} ist {verb}. Die Vertretungen des "
        "Landkreises sind benachrichtigt (R9: Teilnahme verpflichtend)."
        + (f"\nOffene Anträge auf der Tagesordnung: {len(agenda)}." if agenda else ""))


def _take_time(rest: str) -> tuple[time | None, str]:
    words = rest.split(" ")
    for width in (2, 1):
        candidate = " ".join(words[:width])
        if candidate and TIME.match(candidate):
            try:
                return parse_time(candidate), " ".join(words[width:])
            except TimeError as error:
                raise refuse("", str(error)) from None
    return None, rest


def _when(record: dict) -> str:
    text = format_date(date.fromisoformat(record["date"]))
    if record.get("time"):
        text += f", {record['time']} Uhr"
    if record.get("place"):
        text += f", {record['place']}"
    return text


def _agenda(ctx: Context, conference: Conference) -> list[dict]:
    return [a for a in ctx.store.applications(ctx.today.year, conference.code)
            if a["status"] in ("submitted", "deferred")]


def session_event(ctx: Context, conference: Conference, record: dict) -> SessionEvent:
    return SessionEvent(
        uid=f"{record['uid']}@sozialbot",
        conference_code=conference.code,
        conference_name=conference.name,
        day=date.fromisoformat(record["date"]),
        start=time.fromisoformat(record["time"]) if record.get("time") else None,
        place=record.get("place", ""),
        status=record["status"],
        sequence=record["sequence"],
        agenda=tuple(f"{a['number']} {a['title']}" for a in _agenda(ctx, conference)),
    )


def attendance_actions(conference: Conference, record: dict) -> tuple[Action, ...]:
    day = format_date(date.fromisoformat(record["date"]))
    return (Action("Ich nehme teil", f"/anwesend {conference.code} {day}"),
            Action("Ich bin verhindert", f"/verhindert {conference.code} {day}"))


def _alert_county(ctx: Context, conference: Conference, record: dict, changed: bool) -> None:
    event = session_event(ctx, conference, record)
    agenda = "\n".join(f"• {line}" for line in event.agenda) or "• (noch keine Anträge)"
    head = "geändert" if changed else "angesetzt"
    for person in ctx.county_representatives():
        ctx.notify(
            person.id,
            f"Budget-II-Sitzung {head} (R9, Teilnahme verpflichtend):\n{conference.name}, "
            f"{_when(record)}\nTagesordnung:\n{agenda}\nBitte sagen Sie zu oder ab.",
            "session_alert", f"session:{record['uid']}:{record['sequence']}:{person.id}",
            actions=attendance_actions(conference, record), event=event)


def _cancel(ctx: Context, conference: Conference, day: date, existing: dict | None) -> Outcome:
    if existing is None or existing["status"] == "cancelled":
        raise refuse("", f"Für {conference.name} ist am {format_date(day)} keine Sitzung "
                         "eingetragen.")
    decided = any(c["conference"] == conference.code and c["session_date"] == day.isoformat()
                  and c["status"] in ("booked", "held") for c in ctx.store.confirmations(day.year))
    if decided or day < ctx.today:
        # Its decisions stand; cancelling it would free its place in the R8 count.
        why = "schon Beschlüsse" if decided else "schon stattgefunden"
        raise refuse("R8" if existing["budget_ii"] else "",
                     f"Die Sitzung {conference.name} am {format_date(day)} hat {why} und kann "
                     "nicht mehr abgesagt werden.")
    existing.update({"status": "cancelled", "sequence": existing["sequence"] + 1})
    ctx.store.save_session(existing)
    if existing["budget_ii"]:
        event = session_event(ctx, conference, existing)
        for person in ctx.county_representatives():
            ctx.notify(person.id, f"Abgesagt: Budget-II-Sitzung {conference.name} am "
                       f"{_when(existing)}.", "session_cancelled",
                       f"session:{existing['uid']}:{existing['sequence']}:{person.id}",
                       event=event)
    return reply(f"Die Sitzung {conference.name} am {_when(existing)} ist abgesagt."
                 + (" Die Vertretungen des Landkreises sind informiert."
                    if existing["budget_ii"] else ""))


def _county_session(ctx: Context, args: str) -> tuple[Conference, dict]:
    parts = args.split()
    if len(parts) < 2:
        raise refuse("", "Bitte nennen Sie Konferenz und Datum, z. B. /anwesend ADE 12.03.2026")
    conference = find_conference(" ".join(parts[:-1]), ctx.config.conferences)
    if conference is None:
        raise refuse("", f"Die Konferenz „{' '.join(parts[:-1])[:40]}“ kenne ich nicht.")
    day = _parse_date(parts[-1], ctx)
    record = ctx.store.session(conference.code, day)
    if record is None or record["status"] != "scheduled" or not record["budget_ii"]:
        raise refuse("R9", f"Für {conference.name} ist am {format_date(day)} keine "
                           "Budget-II-Sitzung angesetzt. /antraege zeigt die Anträge; die "
                           "Geschäftsführung meldet Sitzungen mit /sitzung an.")
    return conference, record


def attend(ctx: Context, args: str, body: str) -> Outcome:
    conference, record = _county_session(ctx, args)
    me = ctx.identity.key
    record["attended_by"] = sorted({*record["attended_by"], me})
    record["excused_by"] = [p for p in record["excused_by"] if p != me]
    ctx.store.save_session(record)
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id, f"{ctx.identity.name} nimmt an der Budget-II-Sitzung am "
                   f"{_when(record)} teil (R9).", "attendance",
                   f"attend:{record['uid']}:{me}:{secretary.id}")
    return reply(f"Danke! Ihre Teilnahme an der Sitzung {conference.name} am {_when(record)} "
                 "ist vermerkt (R9).")


def excuse(ctx: Context, args: str, body: str) -> Outcome:
    conference, record = _county_session(ctx, args)
    me = ctx.identity.key
    record["excused_by"] = sorted({*record["excused_by"], me})
    record["attended_by"] = [p for p in record["attended_by"] if p != me]
    ctx.store.save_session(record)
    others = [p for p in ctx.county_representatives() if p.id != me]
    for person in others:
        ctx.notify(person.id, f"{ctx.identity.name} ist bei der Budget-II-Sitzung "
                   f"{conference.name} am {_when(record)} verhindert. Bitte nehmen Sie teil (R9).",
                   "excused", f"excuse:{record['uid']}:{me}:{person.id}",
                   actions=attendance_actions(conference, record))
    return reply(f"Vermerkt: Sie sind am {_when(record)} verhindert. Die Stellvertretung ist "
                 "informiert; ohne Vertretung des Landkreises werden die Beschlüsse erst nach "
                 "Ihrer Bestätigung gebucht (R9).")
