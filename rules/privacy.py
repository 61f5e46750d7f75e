"""Data protection (DSGVO): how long an application's personal data is kept, and whether one
person's data may be erased on request (Art. 17).

A decided application is part of the county's accounts: its personal data (who applied, how to
reach them, the sketch's texts) is kept for `keep_years` full years after the end of the year of
the decision (the county's Löschfrist, default 10), then erased by the year-end run. Amounts,
dates, conference, votes and outcome stay. An application still running is needed for the
procedure; one never decided (incomplete, withdrawn) has no retention duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeGuard

DEFAULT_KEEP_YEARS = 10
DECIDED = ("approved", "rejected", "vetoed")
RUNNING = ("submitted", "deferred", "held")
ERASED = "[gelöscht]"
# Where an application record holds personal data; amounts, dates, votes, outcome stay.
PERSONAL_KEYS = ("contact", "applicant", "title")


def is_count(value: object) -> TypeGuard[int]:
    """Whether a configured limit is a whole number ≥ 1 (TOML's `true` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def keep_years(raw: dict[str, Any]) -> int:
    """`[privacy] keep_years` of the configuration (whole years, at least 1)."""
    value = (raw.get("privacy") or {}).get("keep_years", DEFAULT_KEEP_YEARS)
    if not is_count(value):
        raise ValueError("[privacy] keep_years muss eine ganze Zahl ≥ 1 sein (Jahre)")
    return value


def decision_year(application: dict[str, Any]) -> int:
    """The year the conference decided: its session's, else the application's own."""
    session = application.get("session_date")
    return int(session[:4]) if session else int(application["year"])


def retained_until(application: dict[str, Any], keep: int) -> date:
    return date(decision_year(application) + keep, 12, 31)


def erasure_due(application: dict[str, Any], keep: int, today: date) -> bool:
    """Whether the year-end run erases this application's personal data now."""
    if application.get("erased") or application["status"] in RUNNING:
        return False
    return today > retained_until(application, keep)


@dataclass(frozen=True)
class Duty:
    """Why one application's data may not be erased now (German, names the basis)."""

    number: str
    reason: str


def duty(application: dict[str, Any], keep: int, today: date) -> Duty | None:
    """The duty that stands against erasing this application's data now, or None."""
    number, status = application["number"], application["status"]
    if application.get("erased"):
        return None
    if status in RUNNING:
        return Duty(number, "laufendes Verfahren: die Daten werden für die Entscheidung noch "
                            "gebraucht (Art. 17 Abs. 1 lit. a DSGVO). Ziehen Sie den Antrag "
                            "zuerst zurück, dann kann gelöscht werden.")
    if status in DECIDED and today <= retained_until(application, keep):
        until = retained_until(application, keep)
        return Duty(number, f"beschiedener Antrag: Aufbewahrungspflicht nach Haushaltsrecht "
                            f"(Löschfrist der Kreisverwaltung, [privacy] keep_years = {keep}; "
                            f"Art. 17 Abs. 3 lit. b DSGVO) bis {until:%d.%m.%Y}. Danach löscht "
                            "der Jahresabschluss die Daten von selbst.")
    return None


def pseudonymised(application: dict[str, Any], at: str, why: str) -> dict[str, Any]:
    """The application without personal data: the sketch's texts and who sent it are gone."""
    fields = {key: ERASED for key in application.get("fields", {}) if key != "amount"}
    if "amount" in application.get("fields", {}):
        fields["amount"] = application["fields"]["amount"]
    return {**application, **dict.fromkeys(PERSONAL_KEYS, ERASED), "fields": fields,
            "change_request": None, "erased": {"at": at, "why": why}}
