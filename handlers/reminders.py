"""R9 reminders: 7 and 1 days before a Budget II session to representatives who have not
answered, the agenda with the sketches to all of them a week before, and an alarm 2 days before
when nobody has confirmed. Each is sent once: its key is
in the outbox, so a restart neither loses nor repeats one."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from handlers.agenda import agenda_text
from handlers.messages import Action, Notification
from handlers.sessions import _when, attendance_actions, session_event
from rules.dates import format_date
from rules.records import SessionStatus
from rules.sessions import nobody_answered_alarm

if TYPE_CHECKING:
    from handlers.service import Core

FIRST_HOUR = 8  # nobody gets an alert at night


def due(core: Core, now: datetime) -> list[Notification]:
    if now.hour < FIRST_HOUR:
        return []
    ctx = core.system_context(now, f"system:reminders:{now.isoformat()}")
    today = now.date()
    for year in (today.year, today.year + 1):
        for session in ctx.store.sessions(year):
            if not session.budget_ii or session.status != SessionStatus.SCHEDULED:
                continue
            days = (date.fromisoformat(session.date) - today).days
            if days < 1 or days > 7:
                continue
            conference = ctx.conference(session.conference)
            stage = 1 if days == 1 else 7
            since_alert = (today - date.fromisoformat(session.alerted_on or "0001-01-01")).days
            answered = {*session.attended_by, *session.excused_by}
            for person in ctx.county_representatives():
                if person.id in answered or since_alert < 2:  # no reminder right after the alert
                    continue
                ctx.notify(person.id, f"Erinnerung (R9): Budget-II-Sitzung {conference.name} "
                           f"{'morgen' if days == 1 else f'in {days} Tagen'}, {_when(session)}. "
                           "Bitte sagen Sie zu oder ab.", "reminder",
                           f"reminder:{session.uid}:{session.date}:{stage}:{person.id}",
                           actions=attendance_actions(conference, session),
                           event=session_event(ctx, conference, session))
            agenda_keys = [f"agenda:{session.uid}:{session.sequence}:{p.id}"
                           for p in ctx.county_representatives()]
            if since_alert >= 1 and not all(map(ctx.store.has_notification, agenda_keys)):
                # the agenda with the sketches, a week before (R5, R9); made once, not each run
                text = agenda_text(ctx, conference, session)
                pdf = (f"/tagesordnung {conference.code} "
                       f"{format_date(date.fromisoformat(session.date))}")
                for person in ctx.county_representatives():
                    ctx.notify(person.id, f"Zur Vorbereitung (R9): {text}\nAls PDF: {pdf}",
                               "agenda",
                               f"agenda:{session.uid}:{session.sequence}:{person.id}",
                               actions=(Action("Tagesordnung als PDF", pdf),))
            if days <= 2 and not session.attended_by and since_alert >= 1:
                alarm = nobody_answered_alarm(conference.name, _when(session))
                # one who has declined is not asked again (she said she cannot come)
                asked = [p for p in ctx.county_representatives()
                         if p.id not in session.excused_by]
                for person in [*asked, *ctx.secretaries(conference.code)]:
                    # keyed by the date too: a moved session is reminded of again
                    ctx.notify(person.id, alarm, "alarm",
                               f"alarm:{session.uid}:{session.date}:{person.id}",
                               actions=attendance_actions(conference, session)
                               if person.role == "county" else ())
    if not ctx.notifications:
        return []
    return list(core.commit_system(ctx).notifications)
