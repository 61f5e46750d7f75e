"""Withdrawals and sketches sent twice, as people write them.

"Wir ziehen unseren Antrag OST-2026-001 zurück", "Antrag OST-2026-001 zurückziehen", "bitte
streichen Sie unseren Antrag": a withdrawal names the application (or a definite one: "unseren
Antrag") and a verb of taking it back. "Einen Antrag stellen, um die Wände zu streichen" is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from rules.labelled import label_line
from rules.money import AmountError, parse_amount
from rules.numbers import NUMBER_PATTERN
from rules.records import Application, ApplicationStatus

MAX_READ = 2_000  # a withdrawal is a sentence or two
SAME_SKETCH_DAYS = 56  # "within weeks": the same sketch again after this is a new application

NUMBER = re.compile(rf"\b{NUMBER_PATTERN}\b")
_THE_APPLICATION = (rf"(?:\b{NUMBER_PATTERN}\b|\b(?:unser(?:en)?|mein(?:en)?|den|diesen"
                    r"|dieser|der|die|ihn)\s+(?:antrag|projektantrag|projektskizze|skizze)\b"
                    r"|\bantrag\s+(?:nr\.?\s*)?[A-Za-z]{2,5}-)")
_TAKE_BACK = (r"(?:zur(?:ü|ue)ck\s*(?:ziehen|zunehmen|nehmen|gezogen|genommen)|zur(?:ü|ue)ckziehung"
              r"|r(?:ü|ue)cknahme|r(?:ü|ue)ckzug|streichen|stornieren|l(?:ö|oe)schen|annullieren"
              r"|verzichten)")
_SPLIT_VERB = re.compile(r"\b(?:ziehen|nehmen|ziehe|nehme|zieht|nimmt)\b[^.!?\n]{0,120}"
                         r"\bzur(?:ü|ue)ck\b", re.IGNORECASE)
_VERB = re.compile(rf"\b{_TAKE_BACK}\w*", re.IGNORECASE)
_OBJECT = re.compile(_THE_APPLICATION, re.IGNORECASE)
_SENTENCE = re.compile(r"([^.!?\n]{1,400})([.!?\n]?)")


# "Wir ziehen den Antrag nicht zurück", "Falls es regnet, ziehen wir ihn zurück": no withdrawal
_NEGATION = re.compile(r"\b(?:nicht|nie|kein\w*)\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:falls|sofern|wenn|ob|eventuell|evtl|vielleicht|m(?:ö|oe)glicherweise"
                        r"|ggf|gegebenenfalls|(?:ü|ue)berlegen|k(?:ö|oe)nnten|m(?:ü|ue)ssten"
                        r"|w(?:ü|ue)rden)\b", re.IGNORECASE)
# "Wir können es nicht durchführen und ziehen den Antrag zurück": a "nicht" before "und" is
# another verb's
_CLAUSE_END = re.compile(r"[,;:–]|\b(?:und|aber|daher|deshalb|darum|deswegen|also)\b",
                         re.IGNORECASE)


def _withdrawals(text: str) -> list[tuple[str, bool]]:
    """(number or "", firm) for each sentence that names an application and a verb of taking
    it back; firm: no question, no condition, no negation of the verb."""
    found = []
    for sentence, end in _SENTENCE.findall(text[:MAX_READ]):
        takes_back = _VERB.search(sentence) or _SPLIT_VERB.search(sentence)
        if not (takes_back and _OBJECT.search(sentence)):
            continue
        before = sentence[:takes_back.start()]
        clause = before[max((m.end() for m in _CLAUSE_END.finditer(before)), default=0):]
        doubted = (end == "?" or bool(_CONDITION.search(sentence))
                   or bool(_NEGATION.search(clause + takes_back.group())))
        number = NUMBER.search(sentence) or NUMBER.search(text[:MAX_READ])
        found.append((number.group().upper() if number else "", not doubted))
    return found


def withdrawal_in(text: str) -> str | None:
    """The number of the application a message in words withdraws ("" when it names none),
    or None when the message is no withdrawal. Both the application and the verb must be in one
    sentence, and it is said for sure: no question ("Müssen wir den Antrag zurückziehen?"), no
    condition ("Falls es regnet, ziehen wir …"), no "nicht" ("Wir ziehen ihn nicht zurück")."""
    return next((number for number, firm in _withdrawals(text) if firm), None)


def withdrawal_doubted(text: str) -> str | None:
    """The application a message speaks of withdrawing without doing it for sure (a question,
    a condition, a "nicht"): its number ("" when it names none), for the line to send if she
    means it; None when the message speaks of no withdrawal, or of one for sure."""
    found = _withdrawals(text)
    if not found or any(firm for _, firm in found):
        return None
    return found[0][0]


_TAKEN_BACK = re.compile(r"\bzur(?:ü|ue)ck\s*(?:ziehen|zunehmen|nehmen|gezogen|genommen)"
                         r"|\bzur(?:ü|ue)ckziehung|\br(?:ü|ue)cknahme", re.IGNORECASE)
MAX_GIVE_UP = 500  # "Das Fest fällt aus": a short message, not a sentence in a long letter
# "Der Antrag hat sich damit erledigt", "Das Projekt findet leider nicht statt", "Wir müssen das
# Fest absagen", "Wir verzichten auf die Förderung": the project given up, but no application
# taken back in so many words
_GIVE_UP = re.compile(
    r"\b(?:hat\s+sich\s+(?:(?:damit|somit|leider|also)\s+){0,2}erledigt|er(?:ü|ue)brigt\s+sich"
    r"|entf(?:ä|ae)llt|findet\s+(?:\w+\s+){0,3}?nicht\s+statt|f(?:ä|ae)llt\s+(?:\w+\s+){0,3}?aus"
    r"|kommt\s+(?:\w+\s+){0,2}?nicht\s+zustande|verzichte[nt]?\s+(?:\w+\s+){0,3}?auf"
    r"|nicht\s+mehr\s+(?:ben(?:ö|oe)tigt|n(?:ö|oe)tig|erforderlich)"
    r"|absagen|abgesagt|sagen\s+(?:\w+\s+){0,4}?ab\b|ausfallen)", re.IGNORECASE)
_PROJECT = re.compile(
    r"\w*(?:antrag|projekt|vorhaben|f(?:ö|oe)rderung|mittel|zuschuss|veranstaltung|ma(?:ß|ss)nahme"
    r"|angebot|fest|kurs|workshop|caf(?:é|e)|fahrt|freizeit)\b", re.IGNORECASE)


def gives_up(text: str) -> str | None:
    """The application (its number, or "" when the message names none) an applicant gives up
    in words without taking it back for sure: only the line to send is offered. None when a
    short message says no such thing."""
    if len(text) > MAX_GIVE_UP:
        return None
    for sentence, _end in _SENTENCE.findall(text):
        # "Wir ziehen Projekt 1 zurück" (not "… den Posten streichen": an edit)
        taken_back = _TAKEN_BACK.search(sentence) or _SPLIT_VERB.search(sentence)
        if taken_back or (_GIVE_UP.search(sentence) and _PROJECT.search(sentence)):
            number = NUMBER.search(text)
            return number.group().upper() if number else ""
    return None


def _normal(text: object) -> str:
    return " ".join(str(text or "").casefold().split())


def _same_text_key(fields: Mapping[str, str]) -> tuple[str, ...]:
    """What makes two sketches the same: title and text, whatever the spacing or case."""
    return tuple(_normal(fields.get(key)) for key in ("title", "situation", "objective",
                                                     "measure"))


def _cents(text: str | None) -> int | None:
    try:
        return parse_amount(text or "")
    except AmountError:
        return None


def same_sketch_again(firsts: Iterable[Application], fields: dict[str, str], sender: str,
                     today: date) -> Application | None:
    """The first of the stored applications `firsts` that `fields`, sent by `sender` today,
    repeat: same sender, same title, text and amount, within SAME_SKETCH_DAYS, and not withdrawn
    meanwhile. The new sketch is read once, however many applications the sender has."""
    mine = _same_text_key(fields)
    if not any(mine):
        return None
    cents = _cents(fields.get("amount"))
    for first in firsts:
        if (first.contact == sender and first.status != ApplicationStatus.WITHDRAWN
                and first.requested_cents == cents
                and mine == _same_text_key(first.fields)
                and today - date.fromisoformat(first.submitted_on)
                <= timedelta(days=SAME_SKETCH_DAYS)):
            return first
    return None


OPEN_AGAIN = (ApplicationStatus.SUBMITTED, ApplicationStatus.DEFERRED)


# "anbei die korrigierte Fassung", "hier die überarbeitete Skizze", "sorry, vertippt"
_NEW_VERSION = re.compile(r"\b(?:korrigiert\w*|korrektur|ge(?:ä|ae)ndert\w*|(?:neue|aktuelle)\s+"
                          r"fassung|aktualisiert\w*|(?:ü|ue)berarbeitet\w*|vertippt|berichtigt\w*"
                          r"|fehler|ersetzt)\b", re.IGNORECASE)
MAX_PREAMBLE = 1_000


def says_new_version(text: str) -> bool:
    """Whether the words above a sketch's first labelled line say it replaces one sent before
    ("Hallo, anbei die korrigierte Fassung, sorry!")."""
    preamble: list[str] = []
    for line in text[:MAX_PREAMBLE].splitlines():
        if label_line(line) is not None:
            break
        preamble.append(line)
    return _NEW_VERSION.search("\n".join(preamble)) is not None


def same_project_open(firsts: Iterable[Application], fields: dict[str, str], sender: str,
                      today: date) -> Application | None:
    """The sender's open application with the same title as this sketch, handed in within
    SAME_SKETCH_DAYS: the one a sketch saying it is "die korrigierte Fassung" replaces. The
    caller asks back with the lines that change it; nothing is stored on a guess."""
    title = _normal(fields.get("title"))
    if not title:
        return None
    for first in firsts:
        if (first.contact == sender and first.status in OPEN_AGAIN
                and _normal(first.fields.get("title")) == title
                and today - date.fromisoformat(first.submitted_on)
                <= timedelta(days=SAME_SKETCH_DAYS)):
            return first
    return None
