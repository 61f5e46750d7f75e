"""What changed between two versions of a sketch, in words a secretary reads on a phone."""

from __future__ import annotations

from collections.abc import Mapping

from rules.labelled import SKETCH_FIELD_NAMES
from rules.money import AmountError, format_cents, parse_amount

SHOWN_CHARS = 160  # of a long text field, old and new


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _as_written(key: str, text: str) -> str:
    """An amount as the bot writes it ("1.500 €" → "1.500,00 €"), other text as it came."""
    text = " ".join(text.split())
    if key == "amount" and text:
        try:
            return format_cents(parse_amount(text))
        except AmountError:
            return text
    return text


def sketch_changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """One line per changed field, "Betrag: 1.500,00 € → 900,00 €", in the form's order."""
    order = list(SKETCH_FIELD_NAMES)
    keys = sorted(set(old) | set(new), key=lambda k: (order.index(k) if k in order else 99, k))
    lines = []
    for key in keys:
        before, after = _as_written(key, old.get(key, "")), _as_written(key, new.get(key, ""))
        if before != after:
            label = SKETCH_FIELD_NAMES.get(key, key)
            lines.append(f"{label}: {_short(before) or '(leer)'} → {_short(after) or '(leer)'}")
    return lines


def changed_lines(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """The form lines that turn `old` into `new` ("Betrag: 1.800 €"), as the sender typed them:
    the lines to send with /antrag <Nr>. The social space and the number are not among them."""
    order = list(SKETCH_FIELD_NAMES)
    keys = sorted((k for k in new if k in order and k not in ("conference", "number")),
                  key=order.index)
    return [f"{SKETCH_FIELD_NAMES[k]}: {' '.join(new[k].split())}" for k in keys
            if _as_written(k, old.get(k, "")) != _as_written(k, new[k])]
