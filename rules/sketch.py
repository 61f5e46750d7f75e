"""Project sketches (R4) and their co-funding (R12): what must be there, and how long it may be."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.conferences import Conference, conference_list, find_conference
from rules.labelled import SKETCH_FIELD_NAMES, SKETCH_LABELS, parse_labelled
from rules.money import AmountError, format_cents, parse_amount

REQUIRED = ("conference", "applicant", "title", "situation", "objective", "measure", "amount")
MAX_FIELD_CHARS = {"title": 200, "applicant": 200, "conference": 100, "amount": 60,
                   "cofunding": 300}
MAX_TEXT_FIELD_CHARS = 2_500  # Ausgangslage, Zielsetzung, Maßnahme: "short" (R4)
# What a line of a form holds before it is filled in: "…" as in our own forms, "...", "-", "?".
NOT_FILLED_IN = re.compile(r"[\s.…?*_–—-]*")


@dataclass(frozen=True)
class Cofunding:
    """R12: Budget II money as the applicant's own share of an external funding."""

    funder: str
    amount_cents: int | None

    def render(self) -> str:
        if self.amount_cents is None:
            return self.funder
        return f"{self.funder}, {format_cents(self.amount_cents)}"


@dataclass(frozen=True)
class SketchCheck:
    """The fields read so far, the required ones still missing, the ones given but unreadable,
    and what is wrong with those, in words."""

    values: dict[str, object]
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    invalid: tuple[str, ...] = ()

    @property
    def to_send(self) -> tuple[str, ...]:
        """The fields the applicant still has to send, in the form's order."""
        wanted = {*self.missing, *self.invalid}
        return tuple(k for k in (*REQUIRED, "cofunding") if k in wanted)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problems


def read_sketch_fields(text: str) -> dict[str, str]:
    return {k: v for k, v in parse_labelled(text, SKETCH_LABELS).items() if v}


def parse_cofunding(text: str) -> Cofunding:
    """ "Aktion Mensch, 5.000 €" → funder and amount; a funder alone is fine too."""
    match = re.search(r"[,;:–-]?\s*(€\s*)?([0-9][0-9.\s ]*(,[0-9-]{1,2})?)\s*(€|EUR|Euro)?\s*$",
                      text)
    if match and match.group(2).strip():
        funder = text[: match.start()].strip(" ,;:–-")
        amount = parse_amount(text[match.start():].strip(" ,;:–-"))
        if funder:
            return Cofunding(funder, amount)
    return Cofunding(text.strip(), None)


def check_sketch(
    fields: dict[str, str], conferences: tuple[Conference, ...]
) -> SketchCheck:
    """R4: which required parts are missing or unreadable. Pure; the caller stores the result."""
    fields = {key: raw for key, raw in fields.items() if not NOT_FILLED_IN.fullmatch(raw)}
    values: dict[str, object] = {}
    problems: list[str] = []
    for key, raw in fields.items():
        limit = MAX_FIELD_CHARS.get(key, MAX_TEXT_FIELD_CHARS)
        if len(raw) > limit:
            problems.append(
                f"„{SKETCH_FIELD_NAMES[key]}“ ist mit {len(raw)} Zeichen zu lang (höchstens "
                f"{limit}). Eine Projektskizze ist kurz: bitte fassen Sie es zusammen."
            )
            continue
        if key == "conference":
            conference = find_conference(raw, conferences)
            if conference is None:
                problems.append(
                    f"Den Sozialraum „{raw[:60]}“ kenne ich nicht. Möglich sind: "
                    f"{conference_list(conferences)}."
                )
            else:
                values[key] = conference
        elif key == "amount":
            try:
                cents = parse_amount(raw)
            except AmountError as error:
                problems.append(str(error))
                continue
            if cents <= 0:
                problems.append("Der Betrag muss größer als 0,00 € sein.")
            else:
                values[key] = cents
        elif key == "cofunding":
            try:
                values[key] = parse_cofunding(raw)
            except AmountError as error:
                problems.append(f"Kofinanzierung: {error}")
        elif key != "number":
            values[key] = raw
    invalid = tuple(key for key in fields if key not in values and key != "number")
    missing = tuple(key for key in REQUIRED if key not in values and key not in invalid)
    return SketchCheck(values, missing, tuple(problems), invalid)


def missing_text(missing: tuple[str, ...]) -> str:
    return ", ".join(SKETCH_FIELD_NAMES[key] for key in missing)


def form_lines(keys: tuple[str, ...], filled: dict[str, str] | None = None) -> str:
    """The labelled lines a person should send for these fields, as a template; with what
    `filled` already has, so that it can be sent back with only the gaps filled in."""
    filled = filled or {}
    return "\n".join(f"{SKETCH_FIELD_NAMES[key]}: {filled.get(key) or '…'}" for key in keys)
