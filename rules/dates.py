"""Dates and times as people in Germany write them ("12.03.2026", "18:30 Uhr").

No clock in here: whoever needs "this year" passes `today`, so tests and reports are repeatable.
Weekday names are spelled out here instead of relying on the machine's locale.
"""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo

from rules.refusal import InputError

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
DATE_EXAMPLE = "Bitte schreiben Sie das Datum so: 12.03.2026"
TIME_EXAMPLE = "Bitte schreiben Sie die Uhrzeit so: 18:30"
_MAX_TEXT = 40
MAX_TEXT_READ = 300  # days_in reads short answers only
_ASCII_DIGITS = frozenset("0123456789")

_ISO = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")
_GERMAN = re.compile(r"(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4}|[0-9]{2})?")
_TIME = re.compile(r"(?:um\s?|ab\s?)?(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?"
                   r"(?:\s?uhr|\s?h)?", re.IGNORECASE)
_TIME_AT_START = re.compile(r"(?:um\s|ab\s)?[0-9]{1,2}(?:[:.][0-9]{2})?(?:\s?uhr\b|\s?h\b)?"
                           r"(?![0-9:]|\.[0-9]|\w)", re.IGNORECASE)
MONTHS = {"januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3,
          "mär": 3, "mrz": 3, "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7,
          "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10,
          "okt": 10, "november": 11, "nov": 11, "dezember": 12, "dez": 12}
# Words before a date that are not the date: "am Do, 5.11.", "Dienstag, den 12.03.2026".
_BEFORE_DATE = frozenset({"am", "den", "dem", "vom", "zum", "ab", "für", "fuer", "bis", "mo",
                          "di", "mi", "do", "fr", "sa", "so", "mon", "die", "mit", "don",
                          "fre", "sam", "son", *(day.lower() for day in WEEKDAYS)})
# A date at the start of a text: "5.11.2026", "05.11.26", "5.11.", "5. November 2026",
# "5. Nov.", "2026-11-05". Fixed pieces with bounded runs: one pass.
_DATE_AT_START = re.compile(
    r"(?P<iso>[0-9]{4}-[0-9]{2}-[0-9]{2})(?![0-9])"
    r"|(?P<day>[0-9]{1,2})\.(?:(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4}|[0-9]{2})?(?![0-9])"
    r"|\s?(?P<name>[^\W\d_]{3,9})\.?(?:\s(?P<name_year>[0-9]{4})(?![0-9]))?)")


class DateError(InputError):
    """A date we cannot read or that does not exist; polite German with an example."""


class TimeError(InputError):
    """A time of day we cannot read or that does not exist; polite German with an example."""


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


def take_date(text: str, today: date | None = None, *,
              past: bool = False) -> tuple[date, str]:
    """The date a text starts with, and the rest: "Do, 5.11.2026 19 Uhr" → (5.11.2026,
    "19 Uhr"). Read as people write dates: "5.11.2026", "05.11.26", "5.11.", "5. November
    2026", "5. Nov.", "2026-11-05", after "am", "den" or a weekday. What cannot be read is
    named as written: the word where the date should be, never a neighbouring one. `past`:
    see parse_date."""
    rest_words = _after_lead_words(text)
    start = " ".join(rest_words)
    match = _DATE_AT_START.match(start)
    if match is not None and match["name"] and match["name"].lower() not in MONTHS:
        raise DateError(f"Das Datum „{match['day']}. {match['name']}“ verstehe ich nicht. "
                        f"{DATE_EXAMPLE}")
    if match is None:
        parse_date(rest_words[0] if rest_words else "", today)  # raises, naming that word
        raise DateError(f"Das Datum „{_shown(start)}“ verstehe ich nicht. {DATE_EXAMPLE}")
    rest = start[match.end():].lstrip(" ,")
    if match["name"]:
        year = match["name_year"]
        written = f"{int(match['day'])}.{MONTHS[match['name'].lower()]}." + (year or "")
    else:
        written = match.group()
    return parse_date(written, today, past=past), rest if rest.strip() else ""


def _after_lead_words(text: str) -> list[str]:
    """The words of a text from where its date should start: after "am", "den", a weekday."""
    words = text[: 8 * _MAX_TEXT].split()
    skipped = 0
    while skipped < len(words) - 1 and words[skipped].strip(",.").lower() in _BEFORE_DATE:
        skipped += 1
    return words[skipped:]


_DATE_IN_WORDS = re.compile(r"(?<![0-9.])(?=[0-9]{1,2}\.|[0-9]{4}-)")
MAX_DATES_READ = 5


def days_in(text: str, today: date) -> list[date]:
    """The dates a short text names anywhere ("Ich kann am 5. März nicht", "am 10.3. bin ich
    dabei"), in order; what does not read as a date is skipped. At most MAX_DATES_READ."""
    found: list[date] = []
    for start in _DATE_IN_WORDS.finditer(text[:MAX_TEXT_READ]):
        match = _DATE_AT_START.match(text, start.start())
        if match is None:
            continue
        try:
            day = parse_date(match.group(0), today)
        except DateError:
            continue
        if day not in found:
            found.append(day)
        if len(found) >= MAX_DATES_READ:
            break
    return found


def starts_with_date(text: str) -> bool:
    """Whether a text starts with something written as a date ("am Do, 5.11. verschoben …"),
    even one that does not exist (31.11.): then that date is what was meant, and named."""
    return _DATE_AT_START.match(" ".join(_after_lead_words(text))) is not None


def take_time(text: str) -> tuple[time | None, str]:
    """The time of day a text starts with ("19 Uhr", "um 19:00 Uhr", "19.30 Uhr"), and the
    rest; (None, text) when it starts with none."""
    stripped = text.lstrip()
    match = _TIME_AT_START.match(stripped[:_MAX_TEXT])
    if match is None or (match.group()[-1].isdigit()
                         and stripped[match.end():match.end() + 1] == "."):
        return None, text  # "5.11.": a date, not five past eleven
    return parse_time(match.group()), stripped[match.end():].lstrip(" ")


def parse_date(text: str, today: date | None = None, *, past: bool = False) -> date:
    """Read "12.03.2026", "12.3.2026", "2026-03-12", "12.03.26" or, given today, "12.03.".
    `past`: the date names a day that has been (a session whose results are reported), so
    "10.12." written on 11 January is last December, not next."""
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
    named = _DATE_AT_START.fullmatch(raw) if match is None and len(raw) <= _MAX_TEXT else None
    if named and named["name"] and named["name"].lower() in MONTHS:  # "5. November 2026"
        month = MONTHS[named["name"].lower()]
        return parse_date(f"{int(named['day'])}.{month}.{named['name_year'] or ''}", today,
                          past=past)
    if match is None:
        raise DateError(f"Das Datum „{shown}“ verstehe ich nicht. {DATE_EXAMPLE}")
    day, month, year_text = int(match["day"]), int(match["month"]), match["year"]
    if year_text is None:
        if today is None:
            raise DateError(f"Bitte nennen Sie das Datum mit Jahr. {DATE_EXAMPLE}")
        year = (today.year - ((month, day) > (today.month, today.day)) if past
                else _year_without_year(day, month, today))
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
