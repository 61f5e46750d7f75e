"""Guideline checks that are not arithmetic: concept (R5), youth work (R6), sessions (R8, R9)."""

from __future__ import annotations

import re
from datetime import date

from rules.dates import format_date
from rules.refusal import Refusal, Warning

MAX_BUDGET_SESSIONS_PER_YEAR = 2  # R8

# R6: what general youth work (allgemeine Jugendpflege) sketches typically say.
_YOUTH_WORK = re.compile(
    r"jugendpflege|jugendtreff|jugendzentrum|jugendhaus|jugendraum|offene[n]? jugendarbeit|"
    r"ferienpass|ferienprogramm|ferienfreizeit|jugenddisco|jugenddisko|jugendfreizeit",
    re.IGNORECASE,
)


def youth_work_warning(*texts: str) -> Warning | None:
    """R6: general youth work is the municipality's task; flag it for the county's review."""
    found = sorted({m.group(0).lower() for text in texts for m in _YOUTH_WORK.finditer(text)})
    if not found:
        return None
    return Warning(
        "R6",
        "Die Skizze nennt " + ", ".join(f"„{w}“" for w in found) + ". Das kann allgemeine "
        "Jugendpflege sein, für die die Gemeinde zuständig ist. Bitte prüfen Sie die Zuordnung.",
    )


def concept_missing(conference_name: str) -> Refusal:
    """R5: no money is bound where the conference has no social-space concept."""
    return Refusal(
        "R5",
        f"Für {conference_name} ist noch kein Sozialraumkonzept hinterlegt; ohne Konzept wird "
        "kein Geld gebunden. Bitte senden Sie zuerst /konzept mit den Zeilen Zielgruppen:, "
        "Problemlagen: und Ziele:.",
    )


def budget_session_limit(conference_name: str, year: int, existing: list[date]) -> Refusal | None:
    """R8: Budget II decisions are on the agenda at most twice per calendar year."""
    if len(existing) < MAX_BUDGET_SESSIONS_PER_YEAR:
        return None
    dates = " und ".join(format_date(d) for d in sorted(existing))
    return Refusal(
        "R8",
        f"{conference_name} hat {year} schon zwei Budget-II-Sitzungen ({dates}). Budget II steht "
        "höchstens zweimal im Jahr auf der Tagesordnung. Nehmen Sie die Anträge in eine dieser "
        "Sitzungen auf, oder melden Sie die Sitzung ohne „Budget II“ an.",
    )


def must_hold_for_county(attendees: list[str]) -> bool:
    """R9: decisions of a session no county representative attended wait for the county."""
    return not attendees
