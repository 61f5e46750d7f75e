"""Corrections of a booked decision (R11, R3, R2): what the secretary asks for, and where money
freed in a closed year goes.

A correction is read from one message: the application, the new outcome or amount, and a reason
("/korrektur ADE-2026-001 bewilligt 1.000 € Grund: Die Konferenz hat 1.000 € beschlossen").
People also write it in words ("Korrektur: ADE-2026-001 wurde mit 1.000 € bewilligt, nicht mit
1.500 €. Grund: …"); the words "statt/nicht/vorher <Betrag>" name the old amount and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rules.budget import Balance, year_end
from rules.decisions import OUTCOMES, DecisionLine, DecisionLineError, parse_decision_line
from rules.numbers import NUMBER_PATTERN
from rules.patterns import lazy
from rules.refusal import InputError

MIN_REASON = 5
MAX_REASON = 500
MAX_READ = 4_000  # a correction is a few lines; more is not read

NUMBER = lazy(rf"\b{NUMBER_PATTERN}\b")
_REASON = lazy(r"\b(?:begr(?:ü|ue)ndung|grund)\b\s*[:\-–]?\s*|\bweil\b\s*", re.IGNORECASE)
# "Korrektur:", "Bitte korrigieren", "Kleine Korrektur:", "Achtung, Korrektur –"
_BEFORE = r"(?:(?:bitte|kleine|eine|noch\s+eine|achtung|wichtig|nachtrag)\s*[:,!\-–]?\s+)*"
_LEAD = lazy(rf"^\s*{_BEFORE}(?:korrektur|berichtigung|korrigier\w*|berichtig\w*)\b"
             r"\s*(?:zu|für|von|des\s+antrags?|antrag)?\s*[:\-–]?\s*", re.IGNORECASE)
_DATE = lazy(r"\b\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})?|\b\d{4}-\d{2}-\d{2}\b")
_AMOUNT = r"\d[\d. ]{0,14}(?:,\d{1,2}|,-{1,2})?\s*(?:€|eur\b|euro\b)?"
_OLD_AMOUNT = lazy(r"\b(?:statt|anstatt|anstelle\s+von|nicht|vorher|bisher|nicht\s+mit)"
                   rf"\s+(?:mit\s+|von\s+|über\s+)?{_AMOUNT}", re.IGNORECASE)
_OLD_OUTCOME = lazy(r"\b(?:statt|anstatt|nicht|vorher|bisher)\s+(?:"
                    + "|".join(OUTCOMES) + r")\b", re.IGNORECASE)
_NEW_AMOUNT = lazy(_AMOUNT, re.IGNORECASE)
_VOTES = lazy(r"\([^()]{0,80}\)")
_OUTCOME = lazy(r"\b(?:" + "|".join(OUTCOMES) + r")\b", re.IGNORECASE)
_SAYS_CORRECTION = lazy(rf"^\s*{_BEFORE}(?:korrektur|berichtigung|korrigier|berichtig)",
                        re.IGNORECASE)
# Without "Grund:", the reason is the next line, the next sentence ("… nicht mit 1.000 €. Das
# stand falsch im Protokoll.") or a remark in brackets ("(Fehler im Protokoll)")
_NEXT_SENTENCE = lazy(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")
_REMARK = lazy(r"\(([^()]{5,300})\)\s*[.!]?\s*$")
_VOTE_WORDS = lazy(r"ja|nein|daf(?:ü|ue)r|dagegen|enth", re.IGNORECASE)
# … or the words after a last comma, semicolon or dash that name no amount and no outcome
# ("… 1.000 € statt 1.200 €, Tippfehler im Protokoll")
_CLAUSE = lazy(r"[,;]\s+|\s[–-]\s+")

USAGE = ("/korrektur ADE-2026-001 bewilligt 1.000 € Grund: Die Konferenz hat 1.000 € "
         "beschlossen, gemeldet waren 1.500 €")


class CorrectionError(InputError):
    """The message cannot be read as a correction; the text says how to write it (R11)."""

    rule = "R11"


@dataclass(frozen=True)
class CorrectionRequest:
    decision: DecisionLine
    reason: str


def says_correction(text: str) -> bool:
    """Whether a message in words asks for a correction ("Korrektur: ADE-2026-001 …")."""
    head = text[:MAX_READ]
    return bool(_SAYS_CORRECTION.match(head)) and NUMBER.search(head) is not None


def _unmarked_reason(text: str) -> tuple[str, str]:
    """The correction and its reason when no "Grund:" marks it: the next line, the next
    sentence, a remark in brackets, or a last clause."""
    head, _, reason = text.partition("\n")
    if not reason.strip():
        parts = _NEXT_SENTENCE.split(head, maxsplit=1)
        head, reason = (parts[0], parts[1]) if len(parts) == 2 else (head, "")
    remark = _REMARK.search(head)
    if not reason.strip() and remark and not _VOTE_WORDS.search(remark.group(1)):
        head, reason = head[:remark.start()], remark.group(1)
    if not reason.strip():
        head, reason = _last_clause(head)
    return head, reason


def _last_clause(head: str) -> tuple[str, str]:
    """`head` without its last clause, and that clause, when it reads as a reason: it comes
    after the application's number and names no amount, date or outcome."""
    number = NUMBER.search(head)
    clauses = list(_CLAUSE.finditer(head, number.end() if number else len(head)))
    if not clauses:
        return head, ""
    last = clauses[-1]
    clause = head[last.end():]
    if any(c.isdigit() for c in clause) or _OUTCOME.search(clause):
        return head, ""
    return head[:last.start()], clause


def parse_correction(text: str) -> CorrectionRequest:
    """The application, its new outcome (and amount, votes) and the reason, from one message."""
    text = text[:MAX_READ].strip()
    marker = _REASON.search(text)
    if marker:
        head, reason = text[:marker.start()], text[marker.end():]
        if marker.group().lower().startswith("weil"):
            reason = "weil " + reason
    else:
        head, reason = _unmarked_reason(text)
    reason = " ".join(reason.split())[:MAX_REASON]
    head = _LEAD.sub("", " ".join(head.split()))
    number = NUMBER.search(head)
    if number is None:
        raise CorrectionError(f"Bitte nennen Sie den Antrag, das neue Ergebnis und den Grund, "
                              f"z. B.:\n{USAGE}")
    rest = head[number.end():]
    votes = _VOTES.search(rest)
    votes_text = votes.group() if votes and _VOTE_WORDS.search(votes.group()) else ""
    if votes_text:
        rest = rest.replace(votes_text, " ")
    rest = _OLD_OUTCOME.sub(" ", _OLD_AMOUNT.sub(" ", _DATE.sub(" ", rest)))
    outcome = _OUTCOME.search(rest)
    amount = _NEW_AMOUNT.search(rest)
    if outcome is None and amount is None:
        raise CorrectionError(f"Was soll für {number.group().upper()} gelten? Bitte nennen Sie "
                              f"das richtige Ergebnis („bewilligt 1.000 €“, „abgelehnt“, "
                              f"„vertagt“), z. B.:\n{USAGE}")
    word = outcome.group() if outcome else "bewilligt"
    line = f"{number.group()} {word} {amount.group() if amount else ''} {votes_text}"
    try:
        decision = parse_decision_line(line)
    except DecisionLineError as error:
        raise CorrectionError(str(error)) from None
    if len(reason) < MIN_REASON:  # the example is her own line, with the reason still to add
        own = " ".join(f"/korrektur {decision.number} {word.lower()} "
                       f"{amount.group() if amount else ''}".split())
        given = (f"Der Grund „{reason}“ ist zu kurz" if reason.strip() else
                 "Eine Korrektur braucht einen Grund")
        raise CorrectionError(f"{given}; Antragsteller und Landkreis erfahren ihn. Bitte senden "
                              "Sie die Korrektur noch einmal mit dem Grund in ein paar Worten, "
                              f"z. B.:\n{own} Grund: …")
    return CorrectionRequest(decision, reason)


# "Korrektur: 001 wurde nur mit 1.000 € bewilligt", "/korrektur 1 bewilligt 1.000 €": the
# application by its running number, as the secretary types it after /beschluss
_SHORT_NUMBER = lazy(r"^(?:antrag\s+|nr\.?\s*)?0*([1-9][0-9]{0,3})\b(?![.,]?[0-9])(?!\s*(?:€|eur))",
                     re.IGNORECASE)


def short_number_in(text: str) -> tuple[int, str] | None:
    """The running number a correction starts with instead of the whole one ("001", "Nr. 1"),
    and the text with "{number}" in its place; None when it starts otherwise."""
    text = text[:MAX_READ].strip()
    head = _LEAD.sub("", text, count=1)
    found = _SHORT_NUMBER.match(head)
    if found is None or NUMBER.search(head):
        return None
    return int(found.group(1)), "{number}" + head[found.end():]


def without_number(text: str) -> str | None:
    """A correction that names no application ("Korrektur: das war 1.000 €, nicht 1.200 €", in
    reply to the booking), as "{number} …" to fill in with the one it answers; None when it
    names one."""
    text = text[:MAX_READ].strip()
    if NUMBER.search(text):
        return None
    return "{number} " + _LEAD.sub("", text, count=1)


def offered_line(request: CorrectionRequest) -> str:
    """The /korrektur line for a correction as read, to be sent back."""
    from rules.decisions import typed

    return f"/korrektur {typed(request.decision)} Grund: {request.reason}"


@dataclass(frozen=True)
class CloseDelta:
    """What a closed year's close would have booked more, had the correction been there (R2)."""

    lapse: int
    carry_out: int


def close_delta(before_close: Balance, posted_lapse: int, posted_carry_out: int) -> CloseDelta:
    """R2 for money freed in a closed year: it goes where the close sent that year's money.

    `before_close` is the year's balance without its lapse and carry-out entries, after the
    correction. Carried money is spent first, so freed money lapses as far as the carry-in would
    then have been left over, and the rest is carried into the next year. Freeing money never
    makes either smaller."""
    end = year_end(before_close)
    return CloseDelta(lapse=max(0, end.lapse - posted_lapse),
                      carry_out=max(0, end.carry_out - posted_carry_out))
