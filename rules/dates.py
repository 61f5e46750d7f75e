"""Dates and times as people in Germany write them."""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


class DateError(ValueError):
    pass


class TimeError(ValueError):
    pass


def parse_date(text: str, today: date | None = None) -> date:
    raw = text.strip()
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", raw)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = re.fullmatch(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{2}|[0-9]{4})?", raw)
        if m is None:
            raise DateError(f"Das Datum „{raw[:30]}“ verstehe ich nicht. Bitte schreiben Sie "
                            "das Datum so: 12.03.2026")
        d, mo = int(m[1]), int(m[2])
        if m[3] is None:
            if today is None:
                raise DateError("Bitte mit Jahr: 12.03.2026")
            y = today.year
        else:
            y = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
    if not 2000 <= y <= 2099:
        raise DateError(f"Das Jahr {y} ist nicht möglich. Bitte so: 12.03.2026")
    try:
        return date(y, mo, d)
    except ValueError:
        raise DateError(f"Den {d:02d}.{mo:02d}.{y} gibt es nicht. Bitte prüfen Sie das "
                        "Datum.") from None


def parse_time(text: str) -> time:
    m = re.fullmatch(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?(?:\s*uhr)?", text.strip(), re.IGNORECASE)
    if m is None or int(m[1]) > 23 or int(m[2] or 0) > 59:
        raise TimeError(f"Die Uhrzeit „{text.strip()[:20]}“ verstehe ich nicht. Bitte so: 18:30")
    return time(int(m[1]), int(m[2] or 0))


def format_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def format_time(t: time) -> str:
    return t.strftime("%H:%M")


def format_weekday_date(d: date) -> str:
    return f"{WEEKDAYS[d.weekday()]}, {format_date(d)}"
