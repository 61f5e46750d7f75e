"""Budget II sessions: on the agenda at most twice a year (R8), attended by the county (R9).

The checks, and the words of the refusals a secretary or a county representative gets for them.
Pure: dates and names come in, a Refusal (or nothing) goes out.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, time, timedelta

from rules.dates import days_in, format_date, format_time, take_time
from rules.refusal import Refusal

MAX_BUDGET_SESSIONS_PER_YEAR = 2  # R8
# a session called off as secretaries write it: "absagen", "fällt leider aus", "muss ausfallen",
# "findet nicht statt"
CANCEL = re.compile(r"\b(absagen|abgesagt"
                    r"|f(?:ä|ae)llt\s+(?:(?:leider|diesmal|dann|also)\s+){0,2}aus"
                    r"|entf(?:ä|ae)llt|(?:muss\s+)?(?:leider\s+)?ausfallen"
                    r"|(?:findet|kann)\s+(?:leider\s+)?nicht\s+statt(?:finden)?)\b",
                    re.IGNORECASE)



# -- R8 ---------------------------------------------------------------------------------------
def budget_session_limit(conference_name: str, year: int, existing: list[date],
                         new_day: date | None = None) -> Refusal | None:
    """R8: Budget II decisions are on the agenda at most twice per calendar year. With the
    `new_day` asked for, the refusal also gives the line that moves a session there instead."""
    if len(existing) < MAX_BUDGET_SESSIONS_PER_YEAR:
        return None
    dates = " und ".join(format_date(d) for d in sorted(existing))
    move = ""
    if new_day is not None:
        nearest = min(existing, key=lambda d: abs((d - new_day).days))
        move = (f" Soll eine davon auf den {format_date(new_day)} verschoben werden: /sitzung "
                f"{format_date(nearest)} verschoben auf {format_date(new_day)}")
    return Refusal(
        "R8",
        f"{conference_name} hat {year} schon zwei Budget-II-Sitzungen ({dates}). Budget II steht "
        "höchstens zweimal im Jahr auf der Tagesordnung.",
        "Nehmen Sie die Anträge in eine dieser Sitzungen auf, oder melden Sie die Sitzung ohne "
        f"„Budget II“ an.{move}",
    )


def decided_session_stays(conference_name: str, day: date, budget_ii: bool) -> Refusal:
    """A session with decisions is not moved: for a Budget II session its place in the R8
    count is taken."""
    return Refusal("R8" if budget_ii else "",
                   f"Zur Sitzung {conference_name} am {format_date(day)} gibt es schon "
                   "Beschlüsse; sie kann nicht mehr verschoben werden.")


def held_session_stays(conference_name: str, day: date, budget_ii: bool,
                       decided: bool) -> Refusal:
    """A session that took place or has decisions is not cancelled: its decisions stand, and
    cancelling it would free its place in the R8 count."""
    why = "schon Beschlüsse" if decided else "schon stattgefunden"
    return Refusal("R8" if budget_ii else "",
                   f"Die Sitzung {conference_name} am {format_date(day)} hat {why} und kann "
                   "nicht mehr abgesagt werden.")


def not_on_agenda(number: str, day: date, submitted: date, deferred: date | None) -> Refusal | None:
    """R8: a session decides only on what was before it: an application handed in after its
    date, or deferred by a later session, was not on its agenda."""
    if submitted > day:
        return Refusal("R8", f"{number} ist erst am {format_date(submitted)} eingegangen, nach der "
                             f"Sitzung am {format_date(day)} (R8: entschieden wird nur in der "
                             "Budget-II-Sitzung, auf deren Tagesordnung der Antrag stand).",
                       "Bitte setzen Sie ihn auf die nächste Budget-II-Sitzung (/sitzung) und "
                       "melden Sie den Beschluss danach.")
    if deferred and deferred > day:
        return Refusal("R8", f"{number} wurde erst in der Sitzung am {format_date(deferred)} "
                             f"vertagt, nach der Sitzung am {format_date(day)} (R8).",
                       "Bitte melden Sie den Beschluss der Sitzung, die danach über ihn "
                       "entschieden hat.")
    return None


def not_a_budget_session(day: date) -> Refusal:
    """R8: Budget II is decided only in a session registered for it."""
    return Refusal("R8", f"Die Sitzung am {format_date(day)} ist nicht als Budget-II-Sitzung "
                         "angemeldet; dort wird über Budget II nicht entschieden.",
                   "Melden Sie sie mit „/sitzung <Datum> Budget II“ an, wenn das noch geht.")


# -- R9 ---------------------------------------------------------------------------------------
def must_hold_for_county(attendees: Collection[str]) -> bool:
    """R9: decisions of a session no county representative attended wait for the county."""
    return not attendees


def held_warning() -> str:
    """R9 in a preview of decisions no county representative was there for."""
    return ("Achtung R9: Niemand vom Landkreis hat die Teilnahme bestätigt. Die Beschlüsse "
            "werden bis zur Bestätigung durch den Landkreis zurückgehalten.")


def held_reply(day: date) -> str:
    """R9: decisions booked without the county are kept, not booked."""
    return (f"R9: Für die Sitzung am {format_date(day)} hat niemand vom Landkreis seine "
            "Teilnahme bestätigt. Die Beschlüsse sind gespeichert, aber zurückgehalten, bis der "
            "Landkreis sie bestätigt. Die Vertretungen des Landkreises sind benachrichtigt.")


def held_notice(conference_name: str, day: date, lines: str, command: str) -> str:
    """R9: what the county hears of decisions held for its confirmation."""
    return (f"R9: Beschlüsse der Budget-II-Sitzung {conference_name} am {format_date(day)} ohne "
            f"bestätigte Teilnahme des Landkreises:\n{lines}\nSie werden erst nach Ihrer "
            f"Bestätigung gebucht: {command}")


def nobody_attends_warning(conference_name: str, when: str, day: date, time: str) -> str:
    """R9: every county representative has declined; the secretary should move the session
    (the example moves it by a week, `time` is its time)."""
    later = format_date(day + timedelta(days=7))
    return (f"Achtung R9: Alle Vertretungen des Landkreises haben für die Budget-II-Sitzung "
            f"{conference_name} am {when} abgesagt. Bitte verlegen Sie die Sitzung auf einen "
            "Tag, an dem der Landkreis teilnehmen kann, z. B.: "
            f"/sitzung {format_date(day)} verschoben auf {later} {time}\nFindet sie trotzdem "
            "statt, werden ihre Beschlüsse zurückgehalten, bis der Landkreis sie bestätigt (R9).")


def nobody_answered_alarm(conference_name: str, when: str) -> str:
    """R9, two days before a session no county representative has promised to attend."""
    return (f"Achtung R9: Für die Budget-II-Sitzung {conference_name} am {when} hat noch niemand "
            "vom Landkreis zugesagt. Ohne Vertretung des Landkreises werden die Beschlüsse "
            "zurückgehalten.")


def no_session_for_decisions(conference_name: str, day: date) -> Refusal:
    """R9: decisions belong to a registered Budget II session (which the county was told of)."""
    return Refusal("R9", f"Für {conference_name} ist am {format_date(day)} keine Sitzung "
                         "eingetragen.",
                   "Beschlüsse gehören zu einer angemeldeten Budget-II-Sitzung (/sitzung).")


def session_not_held_yet(day: date) -> Refusal:
    """R9: decisions come after the session; until then the county may still answer."""
    return Refusal("R9", f"Die Sitzung am {format_date(day)} hat noch nicht stattgefunden.",
                   "Beschlüsse melden Sie nach der Sitzung; bis dahin kann der Landkreis seine "
                   "Teilnahme noch zu- oder absagen.")


def nothing_held(conference_name: str, day: date) -> Refusal:
    """R9: /bestaetigen for a session whose decisions wait for nothing."""
    return Refusal("R9", f"Für {conference_name} am {format_date(day)} wartet nichts auf "
                         "Bestätigung.")


def no_session_to_answer() -> Refusal:
    """R9: an attendance answer while no Budget II session is set."""
    return Refusal("R9", "Zurzeit ist keine Budget-II-Sitzung angesetzt, zu der Sie zu- oder "
                         "absagen könnten.")


def no_budget_session(conference_name: str, day: date) -> Refusal:
    """R9: an attendance answer for a day without a Budget II session."""
    return Refusal("R9", f"Für {conference_name} ist am {format_date(day)} keine "
                         "Budget-II-Sitzung angesetzt.",
                   "/antraege zeigt die Anträge; die Geschäftsführung meldet Sitzungen mit "
                   "/sitzung an.")


def session_moved(conference_name: str, day: date, now: str) -> Refusal:
    """R9: an answer for the old date of a moved session; `now` is when it is now. The caller
    offers the answers for the new date."""
    return Refusal("R9", f"Die Sitzung {conference_name} vom {format_date(day)} ist verschoben "
                         f"auf den {now}.", "Bitte antworten Sie für den neuen Termin:")


def attend_after_the_meeting(conference_name: str, conference_code: str, day: date) -> Refusal:
    """R9: attendance is promised before the session; afterwards the county confirms."""
    when = format_date(day)
    return Refusal("R9", f"Die Sitzung {conference_name} am {when} hat schon stattgefunden; "
                         "eine Zusage danach ändert an der Anwesenheit nichts mehr.",
                   "Wenn der Landkreis ihre zurückgehaltenen Beschlüsse freigeben will, senden "
                   f"Sie: /bestaetigen {conference_code} {when}")


def excuse_after_the_meeting(conference_name: str, day: date) -> Refusal:
    """R9: an excuse after the session changes nothing."""
    return Refusal("R9", f"Die Sitzung {conference_name} am {format_date(day)} hat schon "
                         "stattgefunden; eine Absage wird nicht mehr vermerkt.")


def calendar_answer_for_someone_else(attendee: str) -> Refusal:
    """R9: a calendar answer counts for the address the county representative has on record."""
    return Refusal("R9", f"Diese Kalenderantwort gilt für {attendee[:80]}, nicht für Ihre bei "
                         "uns hinterlegte Adresse; sie ist nicht vermerkt.",
                   "Bitte sagen Sie mit /anwesend oder /verhindert zu oder ab.")


def calendar_answer_without_session() -> Refusal:
    """R9: a calendar answer to no session the bot knows."""
    return Refusal("R9", "Zu dieser Kalenderantwort finde ich keine Budget-II-Sitzung.",
                   "Bitte sagen Sie mit /anwesend oder /verhindert zu oder ab.")


def calendar_answer_for_cancelled(conference_name: str) -> Refusal:
    """R9: a calendar answer to a cancelled session."""
    return Refusal("R9", f"Die Sitzung {conference_name} ist abgesagt; Ihre Kalenderantwort ist "
                         "nicht mehr nötig.")


def calendar_answer_for_earlier_date(conference_name: str, day: date) -> Refusal:
    """R9: a calendar answer to the invitation of a session's earlier date. The caller offers
    the answers for the new date."""
    return Refusal("R9", f"Ihre Kalenderantwort gilt einem früheren Termin; die Sitzung "
                         f"{conference_name} ist jetzt am {format_date(day)}.",
                   "Bitte antworten Sie für den neuen Termin:")


def firm_answer_needed() -> Refusal:
    """R9: "vielleicht" is no answer to a mandatory attendance. The caller offers the answers."""
    return Refusal("R9", "Vielen Dank. Für die Pflichtteilnahme brauche ich eine feste Zu- oder "
                         "Absage.", "Bitte antworten Sie mit einer dieser Zeilen.")


def attendance_unclear(deputy: bool) -> Refusal:
    """R9: an answer to a session alert that says neither yes nor no, or sends a deputy who is
    not one of the county's representatives in the bot. The caller offers the answers."""
    if deputy:
        return Refusal("R9", "Eine Vertretung, die nicht als Vertretung des Landkreises im Bot "
                             "eingetragen ist, kann ich nicht als anwesend vermerken; ohne Zusage "
                             "des Landkreises werden die Beschlüsse erst nach seiner Bestätigung "
                             "gebucht.", "Für sich selbst antworten Sie bitte mit einer dieser "
                                         "Zeilen.")
    return Refusal("R9", "Ihre Antwort habe ich nicht sicher verstanden.",
                   "Bitte antworten Sie mit einer dieser Zeilen.")


_SESSION_WORDS = re.compile(r"\b(?:sitzung|treffen|tagen|tagt|konferenz|sozialkonferenz|termin)",
                            re.IGNORECASE)
_TIME_IN_WORDS = re.compile(r"\b(?:[01]?[0-9]|2[0-3])(?:[:.][0-5][0-9])?\s?uhr\b"
                            r"|\b(?:[01]?[0-9]|2[0-3]):[0-5][0-9]\b", re.IGNORECASE)
MAX_SESSION_WORDS_CHARS = 200


def sitzung_in_words(text: str, today: date) -> str | None:
    """A secretary's session in her own words ("Wir treffen uns am 19. März um 18 Uhr im
    Rathaus, Budget II steht auf der TO"): the /sitzung line to send, with a place to fill in;
    None unless it names a session and exactly one day ahead."""
    if len(text) > MAX_SESSION_WORDS_CHARS or not _SESSION_WORDS.search(text):
        return None
    days = [d for d in days_in(text, today) if d >= today]
    if len(days) != 1:
        return None
    hour = _TIME_IN_WORDS.search(text)
    when = f" {format_time(take_time(hour.group())[0] or time(0))}" if hour else ""
    budget = ", Budget II" if "budget" in text.lower() else ""
    return f"/sitzung {format_date(days[0])}{when} Ort …{budget}"
