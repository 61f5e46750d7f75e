"""Dates and times as people in Germany write them ("12.03.2026", "18:30 Uhr").

No clock in here: whoever needs "this year" passes `today`, so tests and reports are repeatable.
Weekday names are spelled out here instead of relying on the machine's locale.
"""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
DATE_EXAMPLE = "Bitte schreiben Sie das Datum so: 12.03.2026"
TIME_EXAMPLE = "Bitte schreiben Sie die Uhrzeit so: 18:30"
_MAX_TEXT = 40
_ASCII_DIGITS = frozenset("0123456789")

_ISO = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")
_GERMAN = re.compile(r"(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4}|[0-9]{2})?")
_TIME = re.compile(r"(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?(?:\s*uhr)?", re.IGNORECASE)


class DateError(ValueError):
    """A date we cannot read or that does not exist; polite German with an example."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TimeError(ValueError):
    """A time of day we cannot read or that does not exist; polite German with an example."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _shown(text: str) -> str:
    """The user's text as quoted back: one line, short."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 20 else flat[:19] + "…"


def _has_foreign_digits(text: str) -> bool:
    return any(ch.isdecimal() and ch not in _ASCII_DIGITS for ch in text)


def _year_without_year(day: int, month: int, today: date) -> int:
    """The year of today, unless the day would be more than six months past: then next year.

    "More than six months before today" means before the same day of the month six months
    earlier, compared as (month, day) so that 29.02. needs no date to exist yet.
    """
    boundary_month = today.month - 6
    if boundary_month < 1:
        return today.year  # six months back is last year: every day of this year is later
    return today.year + 1 if (month, day) < (boundary_month, today.day) else today.year


def parse_date(text: str, today: date | None = None) -> date:
    """Read "12.03.2026", "12.3.2026", "2026-03-12", "12.03.26" or, given today, "12.03."."""
    raw = text.strip() if len(text) <= 4 * _MAX_TEXT else text[: 4 * _MAX_TEXT]
    shown = _shown(raw)
    if not raw:
        raise DateError(f"Es fehlt das Datum. {DATE_EXAMPLE}")
    if _has_foreign_digits(raw):
        raise DateError(
            f"Das Datum „{shown}“ kann ich nicht lesen. Bitte verwenden Sie die Ziffern 0 bis 9. "
            f"{DATE_EXAMPLE}"
        )
    match = None if len(raw) > _MAX_TEXT else (_ISO.fullmatch(raw) or _GERMAN.fullmatch(raw))
    if match is None:
        raise DateError(f"Das Datum „{shown}“ verstehe ich nicht. {DATE_EXAMPLE}")
    day, month, year_text = int(match["day"]), int(match["month"]), match["year"]
    if year_text is None:
        if today is None:
            raise DateError(f"Bitte nennen Sie das Datum mit Jahr. {DATE_EXAMPLE}")
        year = _year_without_year(day, month, today)
    elif len(year_text) == 2:
        year = 2000 + int(year_text)
    else:
        year = int(year_text)
    if not 2000 <= year <= 2099:
        raise DateError(
            f"Das Jahr {year} ist nicht möglich, bitte ein Jahr von 2000 bis 2099. {DATE_EXAMPLE}"
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"Den {day:02d}.{month:02d}.{year} gibt es nicht. {DATE_EXAMPLE}") from None


def parse_time(text: str) -> time:
    """Read "18:30", "18.30", "18:30 Uhr", "18 Uhr" or "9:05"."""
    raw = text.strip() if len(text) <= 4 * _MAX_TEXT else text[: 4 * _MAX_TEXT]
    shown = _shown(raw)
    if not raw:
        raise TimeError(f"Es fehlt die Uhrzeit. {TIME_EXAMPLE}")
    if _has_foreign_digits(raw):
        raise TimeError(
            f"Die Uhrzeit „{shown}“ kann ich nicht lesen. Bitte verwenden Sie die Ziffern 0 bis 9. "
            f"{TIME_EXAMPLE}"
        )
    match = None if len(raw) > _MAX_TEXT else _TIME.fullmatch(raw)
    if match is None:
        raise TimeError(f"Die Uhrzeit „{shown}“ verstehe ich nicht. {TIME_EXAMPLE}")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise TimeError(f"Die Uhrzeit „{shown}“ gibt es nicht. {TIME_EXAMPLE}")
    return time(hour, minute)


def format_date(d: date) -> str:
    """Format as 12.03.2026, padded by hand because strftime's %Y is not padded everywhere."""
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def format_time(t: time) -> str:
    """Format as 18:30."""
    return f"{t.hour:02d}:{t.minute:02d}"


def format_weekday_date(d: date) -> str:
    """Format as "Donnerstag, 12.03.2026", whatever the machine's locale."""
    return f"{WEEKDAYS[d.weekday()]}, {format_date(d)}"
