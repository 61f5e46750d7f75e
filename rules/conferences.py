"""Conferences (Sozialraumkonferenzen), their codes, names and yearly allotments (R1)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
        name = normalize_label(conference.name)
        if re.search(rf"\b{re.escape(name)}\b", wanted):
            return conference
    short = [c for c in conferences if normalize_label(c.name).split()[-1] == wanted]
    return short[0] if len(short) == 1 else None


# "für den Sozialraum Bleckede", "Sozialraumkonferenz Amt Neuhaus", "SRK Adendorf"
_NAMED = re.compile(r"\b(?:Sozialraum(?:konferenz)?|Sozialkonferenz|SRK)\s+"
                    r"([A-ZÄÖÜ][\w-]*(?:[ \t]+[A-ZÄÖÜ][\w-]*)?)")


def conference_named_in(text: str, conferences: tuple[Conference, ...]) -> Conference | None:
    """The conference a text names in running words ("im Sozialraum Bleckede"), if it names
    exactly one that way; for a sketch without a "Sozialraum:" line."""
    found = {conference for match in _NAMED.finditer(text)
             if (conference := find_conference(match.group(1), conferences)) is not None}
    return found.pop() if len(found) == 1 else None


def conference_list(conferences: tuple[Conference, ...]) -> str:
    return ", ".join(f"{c.name} ({c.code})" for c in conferences)
