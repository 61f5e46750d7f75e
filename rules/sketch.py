"""Project sketches (R4) and their co-funding (R12): what must be there, and how long it may be."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from rules.conferences import (
    Conference,
    conference_list,
    conferences_in,
    find_conference,
    similar_conference,
)
from rules.labelled import SKETCH_FIELD_NAMES, SKETCH_LABELS, normalize_label, parse_labelled
from rules.money import AmountError, format_cents, format_number, parse_amount
from rules.refusal import Refusal

REQUIRED = ("conference", "applicant", "title", "situation", "objective", "measure", "amount")
MAX_FIELD_CHARS = {"title": 200, "applicant": 200, "conference": 100, "amount": 60,
                   "cofunding": 300}
MAX_TEXT_FIELD_CHARS = 2_500  # Ausgangslage, Zielsetzung, Maßnahme: "short" (R4)
MAX_MESSAGE_CHARS = 20_000  # a whole message handed in as a sketch, attachments included
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
    corrected: tuple[tuple[str, str], ...] = ()  # (field, what to send instead), e.g. a name

    @property
    def to_send(self) -> tuple[str, ...]:
        """The fields the applicant still has to send, in the form's order."""
        wanted = {*self.missing, *self.invalid}
        return tuple(k for k in (*REQUIRED, "cofunding") if k in wanted)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problems


def read_sketch_fields(text: str) -> dict[str, str]:
    """The sketch's fields; the total cost ("Kosten:", "Gesamtkosten:") is the amount asked for
    only where no line names that amount itself ("Beantragte Fördersumme: 1.200 €")."""
    fields = {k: v for k, v in parse_labelled(text, SKETCH_LABELS).items() if v}
    total = fields.pop("total", None)
    if total is not None and "amount" not in fields:
        fields["amount"] = total
    if "amount" not in fields and len(fields) >= 2:
        asked = amount_asked_in_words(text)  # "Wir beantragen dafür 1.800 Euro."
        if asked is not None:
            fields["amount"] = asked
    return fields


MAX_WORDS_AMOUNT = 20_000
# An amount with its currency: "1.800 Euro", "1.800,00 €", "€ 950", "500,- EUR"
_EURO_AMOUNT = re.compile(r"(?<![\w.,])(?:[0-9][0-9.]*(?:,[0-9]{1,2}|,-{1,2})?\s?(?:€|eur\b|euro\b)"
                          r"|€\s?[0-9][0-9.]*(?:,[0-9]{1,2}|,-{1,2})?)", re.IGNORECASE)
_ASKS_FOR = re.compile(r"\b(?:beantrag\w*|ben(?:ö|oe)tig\w*|brauchen|erbitten|bitten\s+um)\b",
                       re.IGNORECASE)
_OTHER_SUM = re.compile(r"\b(?:gesamt\w*|insgesamt|eigenanteil\w*|kofinanz\w*|drittmittel\w*"
                        r"|spende\w*|beitrag|beitr(?:ä|ae)ge|ca|circa|etwa|rund|ungef(?:ä|ae)hr)\b",
                        re.IGNORECASE)


def amount_asked_in_words(text: str) -> str | None:
    """The amount a sketch asks for in a sentence instead of a "Betrag:" line ("Wir beantragen
    dafür 1.800 Euro."): only when it is the text's one amount in euros and its line asks for
    it; never a total, an own share or an approximate sum."""
    if len(text) > MAX_WORDS_AMOUNT:
        return None
    found = list(_EURO_AMOUNT.finditer(text))
    if len(found) != 1:
        return None
    line_start = text.rfind("\n", 0, found[0].start()) + 1
    line_end = text.find("\n", found[0].end())
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    if not _ASKS_FOR.search(line) or _OTHER_SUM.search(line):
        return None
    return found[0].group().strip()


NO_COFUNDING = frozenset({"keine", "kein", "nein", "entfaellt", "keine kofinanzierung",
                          "nicht vorhanden", "ohne", "nichts", "keine drittmittel", "k a", "n a",
                          "keine externe foerderung", "keine weiteren mittel"})
# One amount in a co-funding line: "3.000 €", "€ 500", "1.500,00 EUR". It starts only where no
# digit, dot or comma is before it and its digits are taken at once: one pass over the text.
_AMOUNT_IN_TEXT = re.compile(
    r"(?:(?:ca\.?|circa|etwa|rund|ungefähr|max\.|maximal|bis zu|~)\s?)?(?:€\s?)?"
    r"(?<![\w.,])[0-9][0-9.,]*+(?:--?|–)?(?:\s?(?:€|eur\b|euro\b))?", re.IGNORECASE)
_SEPARATORS = " ,;:–-+/&\n\t"
COFUNDING_EXAMPLE = ("Bitte nennen Sie je Geldgeber den Namen und den Betrag, getrennt durch ein "
                     "Semikolon, z. B. „Kofinanzierung: Aktion Mensch 3.000 €; Gemeinde 500 €“, "
                     "oder „Kofinanzierung: keine“.")


def _funder_name(text: str) -> str:
    words = text.strip(_SEPARATORS).split()
    while words and words[0].lower() in ("und", "sowie", "plus", "von", "durch"):
        words = words[1:]
    while words and words[-1].lower() in ("und", "sowie", "plus", "von", "durch"):
        words = words[:-1]
    name = " ".join(words).strip(_SEPARATORS)
    return name if any(char.isalnum() for char in name) else ""


def _split_remark(piece: str) -> tuple[str, str]:
    """ " (beantragt), Stadt" → ("(beantragt)", "Stadt"): a remark in brackets right after an
    amount belongs to that amount's funder."""
    stripped = piece.lstrip(" ,")
    if stripped.startswith("(") and ")" in stripped:
        end = stripped.index(")") + 1
        return stripped[:end], stripped[end:]
    return "", piece


def parse_cofunding(text: str) -> tuple[Cofunding, ...]:
    """R12 as written: "keine" is none; "Aktion Mensch, 5.000 €" and "3.000 € Aktion Mensch
    (beantragt)" are one funder with its amount; "Aktion Mensch 3.000 €; Stadt 500 €" are two,
    kept apart. A line whose amounts cannot be told to a funder raises AmountError: asked
    back, never guessed."""
    if len(text) > MAX_FIELD_CHARS["cofunding"]:
        raise AmountError(f"Die Kofinanzierung ist mit {len(text)} Zeichen zu lang (höchstens "
                          f"{MAX_FIELD_CHARS['cofunding']}). {COFUNDING_EXAMPLE}")
    raw = " ".join(text.split())
    if normalize_label(raw) in NO_COFUNDING or NOT_FILLED_IN.fullmatch(raw):
        return ()
    amounts = list(_AMOUNT_IN_TEXT.finditer(raw))
    unreadable = AmountError(f"Die Kofinanzierung „{raw[:80]}“ kann ich nicht eindeutig lesen. "
                             f"{COFUNDING_EXAMPLE}")
    if not amounts:
        if _funder_name(raw):
            return (Cofunding(raw.strip(_SEPARATORS), None),)
        raise unreadable
    pieces = [raw[: amounts[0].start()]]
    pieces += [raw[a.end(): b.start()] for a, b in pairwise(amounts)]
    pieces.append(raw[amounts[-1].end():])
    remarks, names = zip(*(_split_remark(piece) for piece in pieces), strict=True)
    cents = [parse_amount(match.group().rstrip(".,")) for match in amounts]
    before = [_funder_name(names[i]) for i in range(len(amounts))]
    after = [_funder_name(names[i + 1]) for i in range(len(amounts))]
    if len(amounts) == 1:  # the name before or after its amount, not on both sides
        found = [(before[0] or after[0], cents[0], remarks[1])] if not (before[0] and after[0]) \
            else []
    elif all(before) and not after[-1]:  # "Aktion Mensch 3.000 €; Stadt 500 €"
        found = [(before[i], cents[i], remarks[i + 1]) for i in range(len(amounts))]
    elif not before[0] and all(after) and not any(remarks):  # "3.000 € Aktion Mensch, 500 € Stadt"
        found = [(after[i], cents[i], "") for i in range(len(amounts))]
    else:
        found = []
    if not found or not all(name for name, _, _ in found):
        raise unreadable
    return tuple(Cofunding(" ".join(filter(None, (name, remark))), amount)
                 for name, amount, remark in found)


def cofunding_text(stored: object) -> str:
    """The funders of an application record as one line: "Aktion Mensch, 3.000,00 €; Stadt"."""
    return "; ".join(
        str(entry.get("funder") or "") + (f", {format_cents(entry['amount_cents'])}"
                                          if entry.get("amount_cents") is not None else "")
        for entry in cofunding_entries(stored))


def cofunding_entries(stored: object) -> list[dict[str, Any]]:
    """The funders of an application record: none, one (a dict, as stored before several were
    kept apart) or several (a list of dicts)."""
    if isinstance(stored, dict):
        return [stored]
    if isinstance(stored, list):
        return [entry for entry in stored if isinstance(entry, dict)]
    return []


def check_sketch(
    fields: dict[str, str], conferences: tuple[Conference, ...]
) -> SketchCheck:
    """R4: which required parts are missing or unreadable. Pure; the caller stores the result."""
    fields = {key: raw for key, raw in fields.items() if not NOT_FILLED_IN.fullmatch(raw)}
    values: dict[str, object] = {}
    problems: list[str] = []
    corrected: list[tuple[str, str]] = []
    for key, raw in fields.items():
        limit = MAX_FIELD_CHARS.get(key, MAX_TEXT_FIELD_CHARS)
        if len(raw) > limit:
            problems.append(
                f"„{SKETCH_FIELD_NAMES[key]}“ ist mit {len(raw)} Zeichen zu lang (höchstens "
                f"{limit}). Eine Projektskizze ist kurz: bitte fassen Sie es zusammen."
            )
            continue
        if key == "conference":
            named = conferences_in(raw, conferences)
            conference = find_conference(raw, conferences) if len(named) <= 1 else None
            similar = None if conference or named else similar_conference(raw, conferences)
            if len(named) > 1:
                names = ", ".join(c.name for c in named[:-1]) + " und " + named[-1].name
                problems.append(
                    f"Die Skizze nennt mehrere Sozialräume: {names}. Über eine Skizze "
                    "entscheidet eine Sozialkonferenz: Bitte nennen Sie die, bei der Sie sie "
                    "einreichen. Soll das Projekt auch in einem anderen Sozialraum gefördert "
                    "werden, reichen Sie dort eine eigene Skizze ein.")
                corrected.append((key, ""))
            elif similar is not None:
                problems.append(f"Den Sozialraum „{raw[:60]}“ kenne ich nicht. Meinten Sie "
                                f"{similar.name}?")
                corrected.append((key, similar.name))
            elif conference is None:
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
    return SketchCheck(values, missing, tuple(problems), invalid, tuple(corrected))


def message_too_long(text: str) -> Refusal | None:
    """R4: a message far longer than a sketch is refused before it is read."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return None
    return Refusal("R4", f"Ihre Nachricht ist mit {format_number(len(text))} Zeichen viel zu lang "
                         "für eine Projektskizze.",
                   "Bitte beschreiben Sie Ausgangslage, Zielsetzung und Maßnahme kurz, je in "
                   "wenigen Sätzen.")


def social_space_missing(problems: Sequence[str], form: str, *, corrected: bool, named: bool,
                         sketch_given: bool, choices: str) -> Refusal:
    """R4: a sketch names its social space; without one it is not taken. The refusal gives the
    sketch back as `form`, to be sent again with the social space filled in (or corrected, as
    in "Adendorff" → "Adendorf")."""
    if corrected:
        head = "Ihre Skizze mit dem berichtigten Sozialraum, zum Zurückschicken:"
        ask = ""
    else:
        head = ("Ihre Skizze können Sie so zurückschicken, mit dem Sozialraum ergänzt:"
                if sketch_given else "Eine Projektskizze braucht diese Zeilen:")
        ask = "" if named else (  # the problem with the named one says what is possible
            "Bitte nennen Sie den Sozialraum in einer eigenen Zeile, z. B. „Sozialraum: "
            f"Adendorf“. Möglich sind: {choices}.\n")
    listed = "".join(problem + "\n" for problem in problems)
    return Refusal("R4", f"{listed}{ask}{head}\n{form}")


def incomplete(number: str) -> Refusal:
    """R4: an incomplete sketch cannot be decided on."""
    return Refusal("R4", f"{number} ist noch unvollständig (R4) und kann nicht beschlossen werden.")


def missing_text(missing: tuple[str, ...]) -> str:
    return ", ".join(SKETCH_FIELD_NAMES[key] for key in missing)


def form_lines(keys: tuple[str, ...], filled: dict[str, str] | None = None) -> str:
    """The labelled lines a person should send for these fields, as a template; with what
    `filled` already has, so that it can be sent back with only the gaps filled in."""
    filled = filled or {}
    return "\n".join(f"{SKETCH_FIELD_NAMES[key]}: {filled.get(key) or '…'}" for key in keys)
