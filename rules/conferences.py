"""Conferences (Sozialraumkonferenzen), their codes, names and yearly allotments (R1)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date

from rules.dates import take_date
from rules.labelled import normalize_label

MAX_NAME_CHARS = 100  # "Sozialraumkonferenz Amt Neuhaus (Nord)": longer names no conference
DEFAULT_ALLOTMENT_CENTS = 1_000_000  # R1: 10.000,00 € per conference and year

LUENEBURG: tuple[tuple[str, str], ...] = (
    ("ADE", "Adendorf"),
    ("AML", "Amelinghausen"),
    ("BAR", "Bardowick"),
    ("BLE", "Bleckede"),
    ("DAH", "Dahlenburg"),
    ("GEL", "Gellersen"),
    ("ILM", "Ilmenau"),
    ("NEU", "Amt Neuhaus"),
    ("OST", "Ostheide"),
    ("SCH", "Scharnebeck"),
)


@dataclass(frozen=True)
class Conference:
    code: str
    name: str
    default_allotment_cents: int = DEFAULT_ALLOTMENT_CENTS
    allotments_by_year: dict[int, int] = field(default_factory=dict, hash=False)

    def allotment_cents(self, year: int) -> int:
        """R1: the allotment of a budget year, configurable per year."""
        return self.allotments_by_year.get(year, self.default_allotment_cents)


def find_conference(text: str, conferences: tuple[Conference, ...]) -> Conference | None:
    """The conference a person means: its code ("ADE"), its name ("Adendorf"), or a phrase
    containing the name ("Sozialraum Amt Neuhaus", "SRK Bleckede")."""
    wanted = normalize_label(text[:MAX_NAME_CHARS + 1])
    if not wanted or len(text) > MAX_NAME_CHARS:
        return None
    for conference in conferences:
        if wanted in (conference.code.lower(), normalize_label(conference.name)):
            return conference
    for conference in conferences:
        if _name_pattern(conference.name).search(wanted):
            return conference
    short = [c for c in conferences if normalize_label(c.name).split()[-1] == wanted]
    return short[0] if len(short) == 1 else None


def conference_and_day(text: str, conferences: tuple[Conference, ...],
                       today: date) -> tuple[Conference, date] | None:
    """ "ADE 12.03.2026", "Amt Neuhaus Do, 5. März": the conference named first, then the date
    as people write it. None if no conference starts the text; DateError names the date as
    written when it cannot be read."""
    words = text.split()
    for split in range(1, min(len(words), 4)):  # the shortest name first: "ADE", "Amt Neuhaus"
        conference = find_conference(" ".join(words[:split]), conferences)
        if conference is not None:
            return conference, take_date(" ".join(words[split:]), today)[0]
    return None


def conferences_in(text: str, conferences: tuple[Conference, ...]) -> list[Conference]:
    """Every conference a text names by its name ("Bardowick und Ilmenau": two), in order."""
    wanted = normalize_label(text[:MAX_NAME_CHARS * 3])
    found = [(match.start(), conference) for conference in conferences
             if (match := _name_pattern(conference.name).search(wanted))]
    return [conference for _, conference in sorted(found, key=lambda pair: pair[0])]


@functools.lru_cache(maxsize=256)  # the configured conferences' names
def _name_pattern(name: str) -> re.Pattern[str]:
    """A conference's name as a whole word of a normalized text (normalize_label)."""
    return re.compile(rf"\b{re.escape(normalize_label(name))}\b")


MAX_MISSPELT_CHARS = 40  # the edit distance is computed for short names only


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, given up (limit + 1) once every way is longer than `limit`."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def similar_conference(text: str, conferences: tuple[Conference, ...]) -> Conference | None:
    """The one conference a misspelt name most likely means ("Adendorff", "Bardowik"):
    at most one letter off for short names, two for longer ones; None if unsure."""
    wanted = normalize_label(text[:MAX_MISSPELT_CHARS + 1])
    if not wanted or len(wanted) > MAX_MISSPELT_CHARS:
        return None
    scored: list[tuple[int, Conference]] = []
    for conference in conferences:
        name = normalize_label(conference.name)
        limit = 1 if len(name) <= 6 else 2
        for candidate in {name, name.split()[-1]}:
            distance = _distance(wanted, candidate, limit)
            if distance <= limit:
                scored.append((distance, conference))
    if not scored:
        return None
    best = min(distance for distance, _ in scored)
    closest = {conference for distance, conference in scored if distance == best}
    return closest.pop() if len(closest) == 1 else None


# "für den Sozialraum Bleckede", "Sozialraumkonferenz Amt Neuhaus", "SRK Adendorf"
_NAMED = re.compile(r"\b(?:Sozialraum(?:konferenz)?|Sozialkonferenz|SRK)\s+"
                    r"([A-ZÄÖÜ][\w-]*(?:[ \t]+[A-ZÄÖÜ][\w-]*)?)")


# what follows a name in "Sozialraum Bardowick und Ilmenau", "…, Ilmenau", "…/Ilmenau"
_FOLLOWING = re.compile(r"(?:\s*(?:und|sowie|bzw\.?|oder|,|/|&)\s*[\w-]+"
                        r"(?:[ \t]+[A-ZÄÖÜ][\w-]*)?)*")


def conference_named_in(text: str, conferences: tuple[Conference, ...]) -> Conference | None:
    """The conference a text names in running words ("im Sozialraum Bleckede"), if it names
    exactly one that way; for a sketch without a "Sozialraum:" line."""
    found: set[Conference] = set()
    for match in _NAMED.finditer(text):
        conference = find_conference(match.group(1), conferences)
        if conference is not None:
            found.add(conference)
            # "Sozialraum Bardowick und Ilmenau": a joint sketch is never narrowed to one
            following = _FOLLOWING.match(text[match.end():match.end() + 200])
            found.update(conferences_in(following.group() if following else "", conferences))
    return found.pop() if len(found) == 1 else None


def conference_list(conferences: tuple[Conference, ...]) -> str:
    return ", ".join(f"{c.name} ({c.code})" for c in conferences)
