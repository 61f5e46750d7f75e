"""A session that moves, as secretaries write it after the first date of `/sitzung`.

"verschoben auf 19.03.2026 19 Uhr", "auf den 19.03. verlegt", "neuer Termin: 19.03.",
"19:00 statt 12.03.2026". Pure and linear-time: the patterns have no nested repetition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DATE = r"(?:\d{1,2}\.\s?\d{1,2}\.(?:\d{4}|\d{2})?|\d{4}-\d{2}-\d{2})"
_DATE = re.compile(rf"(?<![\d.]){DATE}(?!\d)")
_TO = re.compile(r"\b(?:verschoben|verlegt|verschieben|verlegen|neue[rnms]?\s+(?:termin|datum)"
                 r")\b:?", re.IGNORECASE)
_FROM = re.compile(r"\b(?:statt|anstatt|anstelle|an\s+stelle)\b(?:\s+(?:des|dem|vom|von))?",
                   re.IGNORECASE)
_TIME_AFTER = re.compile(r"\s*(?:,\s*)?(?:um\s+)?(\d{1,2}(?:[:.]\d{2})?\s*uhr\b|\d{1,2}[:.]\d{2}"
                         r"(?!\d))", re.IGNORECASE)
DATE_IN_TEXT = _DATE


@dataclass(frozen=True)
class Move:
    """`kind` "to": the first date of the message is the old one, `date` the new one; "from":
    the first date is the new one, `date` the old one. `time` is the time written right after
    `date` ("" if none); `rest` is the message without the move (the place, "Budget II")."""

    kind: str
    date: str
    time: str
    rest: str


def says_moved(text: str) -> bool:
    """Whether the text speaks of a move at all (then a move without a readable date is asked
    back, never taken for the place)."""
    return bool(_TO.search(text[:400]))


def read_move(text: str) -> Move | None:
    """The move a `/sitzung` message's text after its first date says, or None."""
    text = text[:400]
    to = _TO.search(text)
    came_from = None if to else _FROM.search(text)
    keyword = to or came_from
    if keyword is None:
        return None
    dates = list(_DATE.finditer(text))
    target = next((d for d in dates if d.start() >= keyword.end()), None)
    if target is None and to is not None:
        target = next((d for d in reversed(dates) if d.end() <= keyword.start()), None)
    if target is None:
        return None
    time_match = _TIME_AFTER.match(text, target.end())
    end = time_match.end() if time_match else target.end()
    if to is None:  # "19.03.2026 19:00 Rathaus statt 12.03.2026": the rest as in /sitzung
        removed = text[:keyword.start()] + " " + text[end:]
    elif target.start() >= keyword.end():
        # what stands before the word describes the old session; after the new date and time
        # comes what is new
        removed = text[end:]
    else:  # "auf den 19.03. verlegt, Bürgerhaus": the date stands before the word
        removed = text[end:keyword.start()] + " " + text[keyword.end():]
    return Move("to" if to else "from", " ".join(target.group(0).split()),
                time_match.group(1) if time_match else "", " ".join(removed.split()))


_PLACE_INTRO = re.compile(r"^\s*,?\s*(?:(?:neue[rnm]?\s+)?ort\b:?|in\b|im\b)", re.IGNORECASE)
_REASON = re.compile(r"\b(?:da|weil|wegen|aufgrund|leider|krank\w*|denn|bitte|grund|dann)\b",
                     re.IGNORECASE)


def new_place(rest: str) -> str:
    """The place a move names after the new date ("…, Bürgerhaus", "Ort: Schule", "im
    Jugendhaus"), "" when it names none: a reason ("wegen Krankheit") is never a place."""
    reason = _REASON.search(rest)
    if reason:
        rest = rest[:reason.start()]
    intro = _PLACE_INTRO.match(rest)
    if intro:
        return rest[intro.end():]
    return rest if rest.lstrip().startswith(",") else ""


def moved_in_words(text: str) -> tuple[str | None, Move] | None:
    """A move written without `/sitzung` ("Die Sitzung am 12.03. ist verschoben auf 19.03.
    19 Uhr"): (the old date as written, or None when only the new one is named; the move)."""
    move = read_move(text)
    if move is None or move.kind != "to":
        return None
    keyword = _TO.search(text[:400])
    assert keyword is not None
    old = next((d.group(0) for d in _DATE.finditer(text[:400])
                if d.end() <= keyword.start() and " ".join(d.group(0).split()) != move.date),
               None)
    return (" ".join(old.split()) if old else None), move
