"""Vote results as the secretary types them after a session (R11), and what they bind (R3, R7)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from rules.money import AmountError, format_cents, parse_amount
from rules.refusal import Warning

OUTCOMES = {
    "bewilligt": "approved", "genehmigt": "approved", "angenommen": "approved",
    "teilbewilligt": "approved", "abgelehnt": "rejected", "vertagt": "deferred",
    "zurueckgestellt": "deferred", "zurückgestellt": "deferred",
}
OUTCOME_WORDS = {"approved": "bewilligt", "rejected": "abgelehnt", "deferred": "vertagt"}

_VERBS = "|".join(OUTCOMES)
_LINE = re.compile(
    r"^\s*(?:nr\.?\s*)?(?P<number>[A-Za-z]{2,5}-\d{4}-\d{1,4}|\d{1,4})\s*[:.,–-]?\s*"
    rf"(?:(?:teilweise|voll|in\s+voller\s+höhe)\s+)?(?P<verb>{_VERBS})\b(?P<rest>.*)$",
    re.IGNORECASE,
)
_MENTIONS = re.compile(rf"\b[A-Za-z]{{2,5}}-\d{{4}}-\d{{1,4}}\b|\b(?:{_VERBS})\b", re.IGNORECASE)
_VOTES = re.compile(r"\(([^)]*)\)")
_DATE_IN_LINE = re.compile(r"\b\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})?|\b\d{4}-\d{2}-\d{2}\b")
RECENT_SESSION_DAYS = 14  # decisions reported without a date belong to a session this recent
_VOTE = re.compile(r"(ja|nein|enthaltung(?:en)?)\s*[:=]?\s*([0-9]{1,3})", re.IGNORECASE)


@dataclass(frozen=True)
class Votes:
    yes: int
    no: int
    abstain: int

    def render(self) -> str:
        return f"ja {self.yes}, nein {self.no}, Enthaltung {self.abstain}"


@dataclass(frozen=True)
class DecisionLine:
    """One line of a /beschluss message, read but not yet checked against the store."""

    number: str
    outcome: str  # approved, rejected, deferred
    amount_cents: int | None
    votes: Votes | None


class DecisionLineError(ValueError):
    pass


def parse_decision_line(line: str) -> DecisionLine:
    match = _LINE.match(line)
    if match is None:
        raise DecisionLineError(
            f"Die Zeile „{line.strip()[:80]}“ verstehe ich nicht. Beispiel: "
            "„ADE-2026-003 bewilligt 1.200,00 € (ja 7, nein 1, enthaltung 0)“, "
            "„ADE-2026-004 abgelehnt“ oder „ADE-2026-005 vertagt“."
        )
    rest = match.group("rest")
    votes = None
    votes_match = _VOTES.search(rest)
    if votes_match:
        counts = {k.lower()[:4]: int(v) for k, v in _VOTE.findall(votes_match.group(1))}
        if not counts:
            raise DecisionLineError(
                f"Die Stimmen in „{line.strip()[:80]}“ kann ich nicht lesen. "
                "Bitte so: (ja 7, nein 1, enthaltung 0)."
            )
        votes = Votes(counts.get("ja", 0), counts.get("nein", 0), counts.get("enth", 0))
        rest = rest[: votes_match.start()] + rest[votes_match.end():]
    outcome = OUTCOMES[match.group("verb").lower()]
    amount = None
    # "bewilligt – 1.200 €": a dash between words separates; "-5" is a negative amount
    rest = rest.strip(" ,;:")
    rest = re.sub(r"^[–-](?=\s)|(?<=\s)[–-]$|^[–-]$", "", rest).strip(" ,;:")
    if rest:
        if outcome != "approved":
            raise DecisionLineError(
                f"In „{line.strip()[:80]}“ steht ein Betrag, aber der Antrag ist "
                f"{OUTCOME_WORDS[outcome]}. Ein Betrag gehört nur zu „bewilligt“."
            )
        try:
            amount = parse_amount(rest)
        except AmountError as error:
            raise DecisionLineError(f"{match.group('number')}: {error}") from None
    return DecisionLine(match.group("number").upper(), outcome, amount, votes)


def is_decision_line(line: str) -> bool:
    """Whether a line reads as one decision ("ADE-2026-003 bewilligt 1.200 €")."""
    try:
        parse_decision_line(line)
    except DecisionLineError:
        return False
    return True


def meant_as_decision(line: str) -> bool:
    """Whether a line is meant as a decision: it names an application or an outcome, or has a
    number in it. Other lines of a report ("Beschlüsse von heute:", a greeting) are not read;
    one of these that cannot be read is a mistake to correct, never skipped."""
    return bool(_MENTIONS.search(line)) or any(ch.isdigit() for ch in line)


def session_date_in(line: str) -> str | None:
    """The date a heading names ("Beschlüsse vom 12.03.2026:"), if the line is no decision."""
    if _MENTIONS.search(line):
        return None
    match = _DATE_IN_LINE.search(line)
    return match.group() if match else None


def session_without_date(budget_ii_days: list[date], today: date) -> date | None:
    """The session decisions reported without a date belong to: the latest Budget II session
    of the conference that has taken place, at most RECENT_SESSION_DAYS ago."""
    held = [d for d in budget_ii_days if today - timedelta(days=RECENT_SESSION_DAYS) <= d <= today]
    return max(held, default=None)


def vote_problem(line: DecisionLine) -> str | None:
    """R11: an approval needs more yes than no votes, a rejection may not have a yes majority."""
    if line.votes is None:
        return None
    yes, no = line.votes.yes, line.votes.no
    if line.outcome == "approved" and yes <= no:
        return (
            f"{line.number}: Mit {yes} Ja- und {no} Nein-Stimmen ist der Antrag nicht "
            "angenommen. Schreiben Sie „abgelehnt“ oder prüfen Sie die Stimmen."
        )
    if line.outcome == "rejected" and yes > no:
        return (
            f"{line.number}: Mit {yes} Ja- und {no} Nein-Stimmen ist der Antrag angenommen. "
            "Schreiben Sie „bewilligt“ oder prüfen Sie die Stimmen."
        )
    return None


def amount_problem(number: str, amount: int, requested: int) -> str | None:
    """R11: in full or in part, never more than requested."""
    if amount <= 0:
        return f"{number}: Ein bewilligter Betrag muss größer als 0,00 € sein."
    if amount > requested:
        return (
            f"{number}: Bewilligt werden können höchstens die beantragten "
            f"{format_cents(requested)}, nicht {format_cents(amount)}."
        )
    return None


def watering_can(approved_amounts: list[int], available_before: int) -> Warning | None:
    """R7: flag an even split — three or more approvals of (nearly) the same amount that
    together take most of what was available."""
    if len(approved_amounts) < 3:
        return None
    low, high = min(approved_amounts), max(approved_amounts)
    total = sum(approved_amounts)
    if high - low <= high // 20 and total * 10 >= available_before * 8:
        return Warning(
            "R7",
            f"{len(approved_amounts)} Bewilligungen zu je etwa {format_cents(high)} verteilen "
            f"{format_cents(total)} gleichmäßig. Das sieht nach einer Verteilung mit der "
            "Gießkanne aus; bitte prüfen Sie, ob jedes Projekt einzeln begründet ist.",
        )
    return None
