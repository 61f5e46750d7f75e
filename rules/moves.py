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
_WORDS = r"(?:auf|nach|zum|zur|zu|in|den|dem|am|die|sitzung|termin)"
_FILLER = re.compile(rf"^\s*(?:{_WORDS}\b|[,:;–-])\s*", re.IGNORECASE)
_FILLER_END = re.compile(rf"\b{_WORDS}\s*$", re.IGNORECASE)
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
    return bool(_TO.search(text[:400]) or _FROM.search(text[:400]))


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
    if target.start() >= keyword.end():
        between = text[keyword.end():target.start()]
        while (cut := _FILLER.match(between)) and cut.end() > 0:
            between = between[cut.end():]
        removed = text[:keyword.start()] + " " + between + " " + text[end:]
    else:  # "auf den 19.03. verlegt": the date stands before the word
        head = text[:target.start()]
        removed = head
        while cut := _FILLER_END.search(removed):
            removed = removed[:cut.start()]
        removed += " " + text[end:keyword.start()] + " " + text[keyword.end():]
    return Move("to" if to else "from", " ".join(target.group(0).split()),
                time_match.group(1) if time_match else "", " ".join(removed.split()))
