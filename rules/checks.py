"""Guideline checks that are not arithmetic: the social-space concept (R5) and youth work (R6)."""

from __future__ import annotations

import re

from rules.labelled import CONCEPT_FIELD_NAMES
from rules.refusal import Refusal, Warning

MAX_CONCEPT_CHARS = 4_000  # per part of the concept
CONCEPT_FORM = "/konzept\nZielgruppen: …\nProblemlagen: …\nZiele: …"

# R6: what general youth work (allgemeine Jugendpflege) sketches typically say. Grouped by
# their stem, so that a place where no stem starts is passed over at once (every sketch is read
# for them); no word is the start of another, so the same words are found as listed one by one.
_YOUTH_WORK = re.compile(
    r"jugend(?:pflege|treff|zentrum|haus|raum|disco|disko|freizeit)|offene[n]? jugendarbeit|"
    r"ferien(?:pass|programm|freizeit)",
    re.IGNORECASE,
)


YOUTH_WORK_NOTE = "Hinweis R6: möglicherweise allgemeine Jugendpflege (Aufgabe der Gemeinde)."


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


def concept_refusal(fields: dict[str, str]) -> Refusal | None:
    """R5: a concept names target groups, problem situations and goals, each in short."""
    missing = [name for key, name in CONCEPT_FIELD_NAMES.items() if not fields.get(key)]
    if missing:
        return Refusal("R5", "Zum Sozialraumkonzept fehlt noch: " + ", ".join(missing) + ".",
                       f"Bitte senden Sie:\n{CONCEPT_FORM}")
    too_long = [CONCEPT_FIELD_NAMES[k] for k, v in fields.items() if len(v) > MAX_CONCEPT_CHARS]
    if too_long:
        return Refusal("R5", f"{', '.join(too_long)} ist zu lang (höchstens {MAX_CONCEPT_CHARS} "
                             "Zeichen).", "Bitte fassen Sie es zusammen.")
    return None


def concept_warning(conference_name: str) -> str:
    """R5 when a Budget II session is set up without a concept: said now, not after."""
    return (f"Achtung R5: Für {conference_name} ist noch kein Sozialraumkonzept hinterlegt. "
            "Ohne Konzept wird in dieser Sitzung kein Geld gebunden. Bitte senden Sie vorher "
            "/konzept mit den Zeilen Zielgruppen:, Problemlagen: und Ziele:.")


def concept_missing(conference_name: str) -> Refusal:
    """R5: no money is bound where the conference has no social-space concept."""
    return Refusal(
        "R5",
        f"Für {conference_name} ist noch kein Sozialraumkonzept hinterlegt; ohne Konzept wird "
        "kein Geld gebunden.",
        "Bitte senden Sie zuerst /konzept mit den Zeilen Zielgruppen:, Problemlagen: und Ziele:.",
    )
