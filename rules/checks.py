"""Guideline checks that are not arithmetic: the social-space concept (R5) and youth work (R6)."""

from __future__ import annotations

import re

from rules.refusal import Refusal, Warning

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
