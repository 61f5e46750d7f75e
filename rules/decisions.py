"""Vote results as the secretary types them after a session (R11), what they bind (R3, R7), and
the words of the refusals a decision report gets (R11)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from rules.conferences import _distance as edit_distance
from rules.dates import MONTHS, format_date
from rules.money import AmountError, format_cents, parse_amount
from rules.numbers import NUMBER_PATTERN, canonical_number
from rules.patterns import lazy
from rules.refusal import InputError, Refusal, Warning

OUTCOMES = {
    "bewilligt": "approved", "genehmigt": "approved", "angenommen": "approved",
    "teilbewilligt": "approved", "befürwortet": "approved", "befuerwortet": "approved",
    "zugestimmt": "approved",
    "abgelehnt": "rejected", "vertagt": "deferred",
    "zurueckgestellt": "deferred", "zurückgestellt": "deferred",
}
OUTCOME_WORDS = {"approved": "bewilligt", "rejected": "abgelehnt", "deferred": "vertagt"}
MAX_LINE_CHARS = 300  # one decision; longer is refused before anything is matched
# Every pattern here is one pass: no two unbounded runs that can take the same characters.
_START = lazy(rf"[-*•–]?\s*(?:[0-9]{{1,2}}[.)]\s+(?={NUMBER_PATTERN}))?"
              # "TOP 3: ADE-…", "TOP 4.1 ADE-…"
              rf"(?:top\s*[0-9]{{1,2}}(?:\.[0-9]{{1,2}}){{0,2}}\s*[:.)]?\s+(?={NUMBER_PATTERN}))?"
              rf"(?:antrag\s+(?:nr\.?\s*)?|nr\.?\s*)?"  # not "TOP 3": an agenda item
              rf"(?P<number>{NUMBER_PATTERN}|[0-9]{{1,6}})"
              r"(?![0-9A-Za-z]|[.,][0-9])", re.IGNORECASE)
# another application right after the first: "001 und 002", "1, 2", "Nr. 1 bis 3", "001-003"
# a heading before the number, ended by a colon, without digits: "Ergebnis von heute: 001 …"
_HEADING = lazy(r"\s*[^\W\d][^\d:\n]{0,40}:\s+")
_ANOTHER_NUMBER = lazy(
    rf"\s*(?:(?:,|;|&|/|\+|und|sowie|bis)\s*(?:nr\.?\s*)?(?:{NUMBER_PATTERN}|[0-9]{{1,6}})"
    rf"|[-–]\s*(?:{NUMBER_PATTERN}|0[0-9]{{2,3}}))\b(?![.,][0-9])(?!\s*(?:€|eur))",
    re.IGNORECASE)
_MENTIONS = lazy(rf"\b{NUMBER_PATTERN}\b|\b(?:{'|'.join(OUTCOMES)}|einstimmig)\b",
                 re.IGNORECASE)
_OUTCOME_MENTIONED = lazy(rf"\b(?:{'|'.join(OUTCOMES)}|einstimmig)\b", re.IGNORECASE)
_DATE_IN_LINE = lazy(
    r"\b\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})?|\b\d{4}-\d{2}-\d{2}\b"
    rf"|\b\d{{1,2}}\.\s?(?:{'|'.join(sorted(MONTHS, key=len, reverse=True))})\b\.?(?:\s\d{{4}}\b)?",
    re.IGNORECASE)
MAX_TYPO_WORDS = 20  # words of a line looked at for a misspelt outcome
RECENT_SESSION_DAYS = 14  # decisions reported without a date belong to a session this recent
_KIND = (r"ja|nein|enth(?:altung(?:en)?|\.)?|enthalten|daf(?:ü|ue)r|dagegen|gegen(?=-?stimme)"
         r"|contra|kontra")
_VOTE_WORD = rf"(?P<kind>{_KIND})(?:-?stimmen?)?"
# "ja 7", "ja: 7", "7 ja", "7 Ja-Stimmen", "Enthaltungen 0", "7:1:0" or "7/1/0" (yes, no,
# abstain), "6 dafür, 1 dagegen, 1 Enthaltung", "1 Gegenstimme"
_VOTE = lazy(
    rf"\b{_VOTE_WORD}\s*(?:[:=]\s*)?(?P<count>[0-9]{{1,3}})\b"
    rf"|\b(?P<count2>[0-9]{{1,3}})\s*(?:x\s*)?(?P<kind2>{_KIND})"
    r"(?:-?stimmen?)?(?![a-zäöü])"
    r"|(?<![0-9.,/])(?P<yes>[0-9]{1,3})\s*(?P<sep>[:/])\s*(?P<no>[0-9]{1,3})\s*(?P=sep)\s*"
    r"(?P<abstain>[0-9]{1,3})"
    r"(?![0-9])",
    re.IGNORECASE)
_VOTE_HINT = lazy(r"\b(?:ja|nein|enth\w*|stimmen?|daf(?:ü|ue)r|dagegen|gegenstimm\w*)\b",
                  re.IGNORECASE)
# what each way of writing a vote counts as: yes, no or abstain
_KINDS = {"dafü": "ja", "dafu": "ja", "dage": "nein", "gege": "nein",
          "cont": "nein", "kont": "nein"}
# Words around the outcome that carry nothing to book: "wurde einstimmig in voller Höhe
# bewilligt mit 1.200 €", "Antrag abgelehnt – bei 2 Enthaltungen".
_FILLER = frozenset({
    "teilweise", "voll", "in", "voller", "höhe", "hoehe", "von", "mit", "über", "ueber", "wurde",
    "wird", "ist", "und", "bei", "der", "die", "das", "antrag", "mehrheitlich", "stimmen",
    "–", "-", "—", ":", "=", "betrag", "summe", "beschluss", "beschlossen", "als", "im",
    "umfang", "zu", "auf", "einen", "den", "dem", "des", "ein", "eine", "ganz", "vollständig",
    "unter", "auflage", "auflagen",  # "mit Auflagen bewilligt": the conditions are not booked
    "vollstaendig", "gesamt", "insgesamt", "mehrheit", "bewilligung", "höhe:", "hoehe:"})
_NEGATION = frozenset({"nicht", "kein", "keine"})
_QUOTED = lazy(r"„[^“”\"]*[“”\"]|\"[^\"]*\"|'[^']*'")  # a title quoted for the reader
_BRACKETS = lazy(r"\([^()]*\)")
_MONEY = lazy(r"\d\s*(?:€|eur\b|euro\b)|€\s*\d|^\(\s*\d[\d.]*(?:,\d{1,2}|,-{1,2})?\s*\)$",
              re.IGNORECASE)
_MONEY_WORD = lazy(r"€|\beur(?:o|os)?\b", re.IGNORECASE)
_UNANIMOUS = lazy(r"einstimmig", re.IGNORECASE)
# the amount asked for, named beside the one approved: "bewilligt 1.200 statt 1.500 €",
# "1.200 € von 1.500 € bewilligt", "1.200 € (beantragt waren 1.500 €)"
_REQUESTED = lazy(
    r"\b(?:statt|anstatt|anstelle\s+von|von|beantragt\s+waren|beantragt)\s+(?:den\s+|der\s+)?"
    r"(?:beantragten\s+)?(?:€\s?)?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2}|,-{1,2})?(?![\d])(?![.,]\d)"
    r"(?:\s?(?:€|eur\b|euro\b))?", re.IGNORECASE)
_EMPTY_BRACKETS = lazy(r"\([\s,;/und]*\)")  # what is left of "(ja 7, nein 1 und 0 Enth.)"


@dataclass(frozen=True)
class Votes:
    yes: int
    no: int
    abstain: int
    unanimous: bool = False  # "einstimmig"; the counts may then be unknown (all 0)
    yes_unknown: bool = False  # "bei 1 Gegenstimme bewilligt": the yes votes were not said

    def record(self) -> dict[str, int | bool]:
        """As stored: the three counts, and "unanimous" or "yes_unknown" only where so."""
        counts: dict[str, int | bool] = {"yes": self.yes, "no": self.no, "abstain": self.abstain}
        if self.unanimous:
            counts["unanimous"] = True
        if self.yes_unknown:
            counts["yes_unknown"] = True
        return counts

    def render(self) -> str:
        if self.unanimous and not (self.yes or self.no or self.abstain):
            return "einstimmig"
        counts = f"nein {self.no}, Enthaltung {self.abstain}"
        counts = counts if self.yes_unknown else f"ja {self.yes}, {counts}"
        return f"einstimmig, {counts}" if self.unanimous else counts


@dataclass(frozen=True)
class DecisionLine:
    """One line of a /beschluss message, read but not yet checked against the store."""

    number: str
    outcome: str  # approved, rejected, deferred
    amount_cents: int | None
    votes: Votes | None


class DecisionLineError(InputError):
    """A line that cannot be read as a decision; the text says how to write it (R11)."""

    rule = "R11"


EXAMPLE = ("Beispiel: „ADE-2026-003 bewilligt 1.200,00 € (ja 7, nein 1, enthaltung 0)“, "
           "„ADE-2026-004 einstimmig abgelehnt“ oder „ADE-2026-005 vertagt“.")


def _shown(line: str) -> str:
    flat = " ".join(line.split())
    return flat if len(flat) <= 80 else flat[:79] + "…"


def parse_decision_line(line: str) -> DecisionLine:
    """One decision as typed on a phone: the number, then the outcome, amount and votes in any
    order ("ADE-2026-003 einstimmig bewilligt mit 1.200 €", "3: 1.200 € bewilligt (7 ja,
    1 nein, 0 Enthaltungen)", "ADE-2026-004 abgelehnt mit 2:6:1"). Whatever is left over
    must be the amount of an approval, else the line is refused: never guessed."""
    shown = _shown(line)
    if len(line) > MAX_LINE_CHARS:
        raise DecisionLineError(f"Die Zeile „{shown}“ ist zu lang für einen Beschluss "
                                f"(höchstens {MAX_LINE_CHARS} Zeichen). {EXAMPLE}")
    start = _START.match(line.strip())
    heading = _HEADING.match(line) if start is None else None
    if heading is not None and not _OUTCOME_MENTIONED.search(heading.group()) \
            and not set(heading.group().lower().split()) & _NEGATION:
        line = line[heading.end():]  # what the heading says is no part of the decision
        start = _START.match(line.strip())
    if start is None:
        item = _AGENDA_ITEM.match(line)
        if item is not None:  # "TOP 2 abgelehnt": which application that was, only she knows
            raise DecisionLineError(f"Die Zeile „{shown}“ nennt einen Tagesordnungspunkt "
                                    f"(„{line[:item.end()].strip(' :.)')}“), aber nicht die Nummer "
                                    "eines Antrags. Bitte schreiben Sie sie an den Anfang. "
                                    f"{EXAMPLE}")
        raise DecisionLineError(f"Die Zeile „{shown}“ verstehe ich nicht: sie beginnt nicht "
                                f"mit der Nummer eines Antrags. {EXAMPLE}")
    number = start.group("number")
    number = canonical_number(number) if "-" in number else number
    rest = line.strip()[start.end():]
    if _ANOTHER_NUMBER.match(rest):  # "001 und 002 bewilligt": 002 is no amount of 2 €
        raise DecisionLineError(f"Die Zeile „{shown}“ nennt mehrere Anträge. Bitte schreiben "
                                f"Sie je Antrag eine eigene Zeile. {EXAMPLE}")
    votes, rest = _read_votes(rest, shown)
    rest = _QUOTED.sub(" ", rest)
    if any(_VOTE_HINT.search(group) for group in _BRACKETS.findall(rest)) or (
            votes is None and _VOTE_HINT.search(rest)):
        raise DecisionLineError(f"Die Stimmen in „{shown}“ kann ich nicht lesen. Bitte so: "
                                "(ja 7, nein 1, enthaltung 0) oder „mit 7:1:0“.")
    # "(1.000 €)" is the amount; "(Sprachcafé)", "(teilweise)" a remark, not the decision
    rest = _BRACKETS.sub(lambda m: m.group()[1:-1] if _MONEY.search(m.group())
                         or _UNANIMOUS.fullmatch(m.group()[1:-1].strip()) else " ", rest)
    requested = _REQUESTED.sub(" ", rest)  # "1.200 statt 1.500 €": 1.500 € was asked for
    if requested != rest and any(ch.isdigit() for ch in requested):
        rest = requested
    outcomes: set[str] = set()
    negated = unanimous = False
    verbs: list[str] = []
    leftover: list[str] = []
    words = rest.split()
    for index, raw in enumerate(words):
        word = raw.strip(",;:.!").lower()
        if not word:
            continue
        if word in OUTCOMES:
            outcome = OUTCOMES[word]
            verbs.append(outcome)
            before = words[index - 1].strip(",;:.!").lower() if index else ""
            outcomes.add("rejected" if before in _NEGATION and outcome == "approved"
                         else outcome)
        elif word in _NEGATION and index + 1 < len(words) and \
                words[index + 1].strip(",;:.!").lower() in OUTCOMES:
            negated = True  # "nicht bewilligt"; "passt nicht zum Konzept" is a remark
        elif word == "einstimmig":
            unanimous = True
        elif word not in _FILLER and raw not in _FILLER:
            leftover.append(raw.strip(",;:!").rstrip("."))
    if negated and "approved" not in verbs:  # "nicht vertagt": what was it, then?
        raise DecisionLineError(f"Die Zeile „{shown}“ verstehe ich nicht: Was wurde "
                                f"beschlossen? {EXAMPLE}")
    if len(outcomes) != 1:
        typo = None if outcomes else _misspelt_outcome(leftover)
        what = ("zwei verschiedene Ergebnisse stehen darin" if outcomes else
                "es fehlt das Ergebnis (bewilligt, abgelehnt oder vertagt)"
                + (f"; „{typo[0]}“ – meinten Sie „{typo[1]}“?" if typo else ""))
        stop = "" if what.endswith("?") else "."
        raise DecisionLineError(f"Die Zeile „{shown}“ verstehe ich nicht: {what}{stop} {EXAMPLE}")
    outcome = outcomes.pop()
    if unanimous:
        votes = replace(votes, unanimous=True) if votes else Votes(0, 0, 0, True)
    amount = None
    amount_text = " ".join(leftover).strip(" ,;:")
    if amount_text and outcome != "approved" and _remark(amount_text):
        amount_text = ""  # "vertagt, Kostenplan fehlt noch": a remark, nothing to book
    if amount_text:
        if outcome != "approved":
            raise DecisionLineError(
                f"In „{shown}“ steht „{_shown(amount_text)[:40]}“, aber der Antrag ist "
                f"{OUTCOME_WORDS[outcome]}. Ein Betrag gehört nur zu „bewilligt“. {EXAMPLE}")
        try:
            amount = parse_amount(amount_text)
        except AmountError as error:
            raise DecisionLineError(f"{number}: {error}") from None
    return DecisionLine(number, outcome, amount, votes)


def _misspelt_outcome(words: list[str]) -> tuple[str, str] | None:
    """(word, outcome) for a word typed one or two letters off an outcome ("bewiligt",
    "abgelent"): named in the answer, never read as that outcome."""
    for word in words[:MAX_TYPO_WORDS]:
        typed = word.lower()
        if len(typed) < 6 or len(typed) > 16:
            continue
        for outcome in ("bewilligt", "abgelehnt", "vertagt", "genehmigt", "angenommen",
                        "zurückgestellt"):
            limit = 2 if len(outcome) >= 9 else 1
            if edit_distance(typed, outcome, limit) <= limit:
                return word, outcome
    return None


def _remark(text: str) -> bool:
    """Words after "vertagt" or "abgelehnt" that say why ("Kostenplan fehlt noch", "auf die
    Juni-Sitzung"): no money in them, so nothing that an approval could have meant."""
    if _MONEY.search(text) or _MONEY_WORD.search(text):
        return False
    try:
        parse_amount(text)
    except AmountError:
        return True
    return False


def _read_votes(rest: str, shown: str) -> tuple[Votes | None, str]:
    """The votes in a line, and the line without them."""
    counts: dict[str, int] = {}
    kept: list[str] = []
    end = 0
    for match in _VOTE.finditer(rest):
        if match.group("yes") is not None:
            found = {"ja": match.group("yes"), "nein": match.group("no"),
                     "enth": match.group("abstain")}
        else:
            kind = (match.group("kind") or match.group("kind2")).lower()[:4]
            kind = _KINDS.get(kind, kind)
            found = {kind: match.group("count") or match.group("count2")}
        for kind, count in found.items():
            if kind in counts:
                raise DecisionLineError(f"In „{shown}“ stehen die Stimmen doppelt. Bitte so: "
                                        "(ja 7, nein 1, enthaltung 0).")
            counts[kind] = int(count)
        kept.append(rest[end:match.start()])
        end = match.end()
    kept.append(rest[end:])
    if not counts:
        return None, rest
    votes = Votes(counts.get("ja", 0), counts.get("nein", 0), counts.get("enth", 0),
                  yes_unknown="ja" not in counts)  # "bei 1 Gegenstimme", "2 Enthaltungen"
    return votes, _EMPTY_BRACKETS.sub(" ", " ".join(kept))


# "TOP 3 Spielplatzfest: bewilligt …": the project named by words; they end where the result
# begins (an outcome word, "einstimmig", "nicht" of "nicht bewilligt")
_AGENDA_ITEM = lazy(r"\s*(?:[-*•–]\s*)?top\s*[0-9]{1,2}\s*[:.)]?\s*", re.IGNORECASE)
_RESULT_STARTS = lazy(rf"\b(?:{'|'.join(OUTCOMES)}|einstimmig|nicht)\b", re.IGNORECASE)
_NAME_WORD = lazy(r"[^\W\d_]{3,}")
_NOT_A_NAME = frozenset({"antrag", "projekt", "der", "die", "das", "für", "fuer", "und", "von",
                         "vom", "zum", "zur", "mit", "wurde", "wird", "ist", "top", "nr"})


def named_decision(line: str) -> tuple[list[str], str] | None:
    """A decision line that names its project by words instead of its number ("Spielplatzfest:
    bewilligt 1.200 €", "TOP 3 Bauwagen vertagt"): the words that name it (lower case) and the
    line from its result on; None if it does not read so (no result, or digits in the name:
    never guess which number is the amount)."""
    if len(line) > MAX_LINE_CHARS:
        return None
    text = line.strip()
    item = _AGENDA_ITEM.match(text)
    text = text[item.end():] if item else text
    result = _RESULT_STARTS.search(text)
    if result is None:
        return None
    words = _name_words(text[:result.start()])
    return (words, text[result.start():]) if words else None


def _name_words(name: str) -> list[str]:
    """The words of a project's name before a decision's result; none if it holds a digit or a
    euro sign (never guess which number is the amount)."""
    if any(ch.isdigit() or ch == "€" for ch in name):
        return []
    return [w.lower() for w in _NAME_WORD.findall(name) if w.lower() not in _NOT_A_NAME]


def titled_after_number(line: str) -> tuple[str, list[str], str] | None:
    """A decision line with the project's name between its number and its result, as copied
    from the agenda ("ADE-2026-001: Spielplatzfest bewilligt 1.200 €"): the number, the name's
    words and the line from its result on; None if it does not read so."""
    if len(line) > MAX_LINE_CHARS:
        return None
    start = _START.match(line.strip())
    if start is None or "-" not in start.group("number"):
        return None
    rest = line.strip()[start.end():]
    result = _RESULT_STARTS.search(rest)
    if result is None:
        return None
    words = _name_words(rest[:result.start()])
    if not words:
        return None
    return canonical_number(start.group("number")), words, rest[result.start():]


def names_match(words: list[str], name: str) -> bool:
    """Whether every word a secretary typed starts a word of a project's title or Träger
    ("Bewegung" → „Bewegungsbaustelle“, "kita regenbogen" → „Ev. Kita Regenbogen“)."""
    own = [w.lower() for w in _NAME_WORD.findall(name)]
    return all(any(o.startswith(w) for o in own) for w in words)


def _cut(text: str, most: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[:most - 1] + "…"


def name_unclear(line: str, conference_name: str, fits: list[tuple[str, str]]) -> Refusal:
    """R11: a line names its project by words that fit no open application, or several
    (number, title)."""
    which = ("Dazu passen mehrere offene Anträge: " + ", ".join(
        f"{number} „{_cut(title, 40)}“" for number, title in fits[:5]) if fits else
             f"Dazu finde ich keinen offenen Antrag von {conference_name}")
    return Refusal("R11", f"„{_cut(line, 60)}“: {which}.",
                   "Bitte schreiben Sie die Nummer des Antrags an den Anfang der Zeile "
                   "(/antraege zeigt sie).")


def name_meant(line: str, number: str, title: str) -> Refusal:
    """R11: a line names its project by words that fit one open application: it is named, not
    booked, so that a wrong guess costs a message, never money."""
    return Refusal("R11", f"„{_cut(line, 60)}“: gemeint ist wohl {number} „{_cut(title, 60)}“.")


def number_mixed_up(line: str, number: str, title: str, other: str, other_title: str) -> Refusal:
    """R11: a line names one application by its number and another by its title."""
    return Refusal("R11", f"„{_cut(line, 60)}“: {number} ist „{_cut(title, 40)}“, der Name passt "
                          f"aber zu {other} „{_cut(other_title, 40)}“.",
                   "Bitte prüfen Sie die Nummer.")


def typed(line: DecisionLine) -> str:
    """A decision as a line to send back, read again by parse_decision_line."""
    parts = [line.number]
    if line.votes is not None and line.votes.unanimous:
        parts.append("einstimmig")
    parts.append(OUTCOME_WORDS[line.outcome])
    if line.amount_cents is not None:
        parts.append(format_cents(line.amount_cents))
    votes = line.votes
    if votes is not None and (votes.yes or votes.no or votes.abstain):
        yes = "" if votes.yes_unknown else f"ja {votes.yes}, "
        parts.append(f"({yes}nein {votes.no}, enthaltung {votes.abstain})")
    return " ".join(parts)


def is_decision_line(line: str) -> bool:
    """Whether a line reads as one decision ("ADE-2026-003 bewilligt 1.200 €")."""
    try:
        parse_decision_line(line)
    except DecisionLineError:
        return False
    return True


_RESULT_SEPARATOR = lazy(r"[;,][ \t]+")


def split_results(line: str) -> list[str]:
    """Several results typed in one line on a phone ("ADE-2026-001 bewilligt 1.200 €;
    ADE-2026-002 abgelehnt", "1 bewilligt 1200, 2 abgelehnt, 3 vertagt"): its parts, when each
    part reads as a decision of its own; else the line as it is, read or refused whole ("…
    bewilligt 1.200 €, 7:0:0" is one decision and its votes)."""
    if len(line) > 2 * MAX_LINE_CHARS or ("," not in line and ";" not in line):
        return [line]
    parts = _RESULT_SEPARATOR.split(line.strip())
    if len(parts) > 1 and all(is_decision_line(part) for part in parts):
        return parts
    return [line]


def meant_as_decision(line: str) -> bool:
    """Whether a line is meant as a decision: it names an application or an outcome, or has a
    number in it. Other lines of a report ("Beschlüsse von heute:", a greeting) are not read;
    one of these that cannot be read is a mistake to correct, never skipped."""
    return bool(_MENTIONS.search(line)) or any(ch.isdigit() for ch in line)


def looks_like_decision(line: str) -> bool:
    """Whether a line without /beschluss is meant as a decision even if it cannot be read:
    it starts with an application number ("ADE-2026-003 bewiligt") or names an outcome. Such a
    line from a secretary gets the hint /beschluss gives, not "nicht verstanden"."""
    if len(line) > MAX_LINE_CHARS:
        return bool(_MENTIONS.search(line[:MAX_LINE_CHARS]))
    start = _START.match(line.strip())
    return bool(start and "-" in start.group("number")) or bool(_OUTCOME_MENTIONED.search(line))


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


def vote_problem(line: DecisionLine) -> Refusal | None:
    """R11: an approval needs more yes than no votes, a rejection may not have a yes majority."""
    if line.votes is None:
        return None
    yes, no = line.votes.yes, line.votes.no
    if line.votes.unanimous and no and (yes or line.votes.yes_unknown):
        said = f"{no} Nein-Stimmen" if line.votes.yes_unknown else (
            f"{yes} Ja- und {no} Nein-Stimmen")
        return Refusal("R11", f"{line.number}: „einstimmig“, aber mit {said}.",
                       "Bitte prüfen Sie die Stimmen.")
    if (line.votes.unanimous and not (yes or no)) or line.votes.yes_unknown:
        return None  # without the yes votes no majority can be checked
    if line.outcome == "approved" and yes <= no:
        return Refusal("R11", f"{line.number}: Mit {yes} Ja- und {no} Nein-Stimmen ist der "
                              "Antrag nicht angenommen.",
                       "Schreiben Sie „abgelehnt“ oder prüfen Sie die Stimmen.")
    if line.outcome == "rejected" and yes > no:
        return Refusal("R11", f"{line.number}: Mit {yes} Ja- und {no} Nein-Stimmen ist der "
                              "Antrag angenommen.",
                       "Schreiben Sie „bewilligt“ oder prüfen Sie die Stimmen.")
    return None


def amount_problem(number: str, amount: int, requested: int) -> Refusal | None:
    """R11: in full or in part, never more than requested."""
    if amount <= 0:
        return Refusal("R11", f"{number}: Ein bewilligter Betrag muss größer als 0,00 € sein.")
    if amount > requested:
        return Refusal("R11", f"{number}: Bewilligt werden können höchstens die beantragten "
                              f"{format_cents(requested)}, nicht {format_cents(amount)}.")
    return None


SHOWN_PROBLEMS = 10  # a refusal stays readable on a phone


def correct_these(problems: list[Refusal]) -> Refusal:
    """All that is wrong with a decision report, under the rule of the first problem that names
    one: the first few problems, then how many more. Nothing of the report is kept."""
    shown = [problem.says for problem in problems[:SHOWN_PROBLEMS]]
    repeated = sum(EXAMPLE in says for says in shown) > 1  # the example once, not each line
    if repeated:
        shown = [says.replace(f" {EXAMPLE}", "") for says in shown]
    if len(problems) > len(shown):
        shown.append(f"… und {len(problems) - len(shown)} weitere Zeilen.")
    if repeated:
        shown.append(EXAMPLE)
    rule = next((problem.rule for problem in problems if problem.rule), "")
    return Refusal(rule, "Es wurde nichts gespeichert.",
                   "Bitte korrigieren Sie:\n" + "\n".join(shown))


def no_decisions(code: str, year: int) -> Refusal:
    """R11: a report without a single decision line."""
    return Refusal("R11", "Es fehlen die Beschlüsse: je Antrag eine Zeile wie "
                          f"„{code}-{year}-001 bewilligt“, „… abgelehnt“ oder „… vertagt“.")


def decided_before(number: str, status_word: str) -> Refusal:
    """R11: a decision report lists an application that is decided already."""
    return Refusal("R11", f"{number} ist schon entschieden ({status_word}).",
                   f"Ist der Beschluss falsch gemeldet: /korrektur {number} <richtiges Ergebnis> "
                   "Grund: …")


def already_decided(number: str, status_word: str, *, secretary: bool,
                    conference_name: str) -> Refusal:
    """R11 for a decided (or held, R9) application that someone tries to change, in words for
    who asks: a secretary can correct a wrongly reported result; anyone else is told that only
    the conference can change it now, through its Geschäftsführung."""
    if secretary:
        return Refusal("R11", f"Über {number} ist schon entschieden ({status_word}); er kann "
                              "nicht mehr geändert werden.",
                       "Ist der Beschluss falsch gemeldet, berichtigen Sie ihn mit /korrektur "
                       f"{number} <richtiges Ergebnis> Grund: … Für ein neues Vorhaben reicht "
                       "der Träger eine neue Skizze ein.")
    return Refusal("R11", f"Die Sozialkonferenz {conference_name} hat über {number} schon "
                          f"entschieden (Stand: {status_word}).",
                   "Einen entschiedenen Antrag kann nur noch die Sozialkonferenz ändern: Bitte "
                   "wenden Sie sich an die Geschäftsführung der Sozialkonferenz "
                   f"{conference_name}. Für ein neues Vorhaben reichen Sie bitte eine neue "
                   "Skizze ein. Es wurde nichts geändert.")


def withdraw_decided(number: str, status_word: str, *, secretary: bool) -> Refusal:
    """R11: only an open application can be withdrawn."""
    hint = ("Ist der Beschluss falsch gemeldet, berichtigen Sie ihn mit /korrektur "
            f"{number} <richtiges Ergebnis> Grund: …" if secretary else
            "Fragen dazu beantwortet die Geschäftsführung der Sozialkonferenz.")
    return Refusal("R11", f"Über {number} ist schon entschieden ({status_word}); zurückziehen "
                          "lässt sich nur ein offener Antrag.", hint)


def approval_given_back(number: str, status_word: str, conference_name: str) -> Refusal:
    """R11: an applicant cannot withdraw an approved application herself; the conference takes
    the money back with a correction of its decision. Her message has gone to its secretaries."""
    return Refusal("R11", f"Über {number} ist schon entschieden ({status_word}); eine Bewilligung "
                          "lässt sich nicht selbst zurückziehen, das Geld gibt die Sozialkonferenz "
                          f"{conference_name} mit einer Korrektur ihres Beschlusses zurück.",
                   "Ihre Nachricht habe ich an ihre Geschäftsführung weitergegeben. Sie trägt die "
                   "Rückgabe ein, Sie erhalten dann eine Nachricht. Bis dahin ist nichts "
                   "geändert.")


def nothing_to_correct(number: str, status_word: str) -> Refusal:
    """R11: a correction needs a decision to correct."""
    return Refusal("R11", f"Über {number} ist noch nicht entschieden ({status_word}); es gibt "
                          "nichts zu berichtigen.", "Beschlüsse melden Sie mit /beschluss.")


def correction_changes_nothing(number: str, outcome: str, cents: int) -> Refusal:
    """R11: a correction that books what is booked already."""
    amount = f" {format_cents(cents)}" if cents else ""
    return Refusal("R11", f"{number} ist schon so gebucht ({OUTCOME_WORDS[outcome]}{amount}); "
                          "es gibt nichts zu berichtigen.")


def code_invalidated(code: str, number: str) -> Refusal:
    """R11: the code of a preview whose sketch changed afterwards books nothing."""
    return Refusal("R11", f"Der Code {code} gilt nicht mehr: {number} wurde nach Ihrer Vorschau "
                          "geändert, die Konferenz hat über die frühere Fassung abgestimmt. Es "
                          "wurde nichts gebucht.",
                   "Bitte prüfen Sie die Änderung und melden Sie die Beschlüsse neu mit "
                   "/beschluss, oder setzen Sie den Antrag erneut auf die Tagesordnung.")


def preview_invalidated(number: str, title: str, day: date, changes: list[str], code: str) -> str:
    """R11: what the secretary hears when a sketch in her preview changed: the conference voted
    on the earlier version, so the preview's code books nothing."""
    when = format_date(day)
    return (f"R11: {number} „{title}“ wurde nach Ihrer Vorschau der Beschlüsse vom {when} "
            "geändert:\n" + "\n".join(changes) + f"\nDer Code {code} gilt nicht mehr; es wurde "
            "nichts gebucht. Die Konferenz hat über die frühere Fassung abgestimmt: Bitte prüfen "
            f"Sie die Änderung und melden Sie die Beschlüsse vom {when} neu mit /beschluss, oder "
            "setzen Sie den Antrag erneut auf die Tagesordnung.")


def own_preview_invalidated(codes: list[str]) -> str:
    """R11: the secretary changed a sketch of her own open preview."""
    return (f"R11: Der Code {', '.join(codes)} gilt damit nicht mehr; es wurde nichts gebucht. "
            "Bitte melden Sie die Beschlüsse neu mit /beschluss.")


def changed_since_preview(numbers: list[str]) -> Refusal | None:
    """R11: book only the sketches the conference voted on."""
    if not numbers:
        return None
    return Refusal("R11", f"{', '.join(numbers)} wurde nach Ihrer Vorschau geändert; die "
                          "Konferenz hat über die frühere Fassung abgestimmt. Es wurde nichts "
                          "gebucht.",
                   "Bitte prüfen Sie die Änderung und melden Sie die Beschlüsse neu mit "
                   "/beschluss.")


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
