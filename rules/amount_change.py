"""A request in words to change the amount of an application, as applicants write it.

"Wir brauchen jetzt 2.000 € statt 1.500 € für ADE-2026-001", "Können wir den Betrag von
ADE-2026-001 auf 2.000 € ändern?", "Für ADE-2026-001 bitte nicht 1.500 €, sondern 2.000 €": the
message names exactly one application and either sets one amount against another (statt,
anstatt, anstelle, sondern) or speaks of the amount (Betrag, Summe, Geld, …) with a verb of
changing it (ändern, erhöhen, kürzen, …). The bot changes nothing from such words: it answers
with the line to send (handlers/submit.py `amount_change_answer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rules.money import AmountError, parse_amount
from rules.numbers import NUMBER, canonical_number
from rules.patterns import lazy

MAX_READ = 1_000  # such a request is a sentence or two; a longer text is something else

_AMOUNT = (r"(?<![\w.,-])(?:€\s?)?(?:\d{1,3}(?:\.\d{3})+|\d{1,7})(?:,\d{1,2})?(?:,-)?(?![\d.]\d)"
           r"(?:\s?(?:€|euro\b|eur\b))?")
_INSTEAD = r"(?:statt|anstatt|anstelle\s+von|anstelle|an\s+stelle\s+von|an\s+stelle)"
# "2.000 € statt 1.500 €": the first is new; "statt 1.500 € jetzt 2.000 €", "nicht 1.500 €,
# sondern 2.000 €", "von 1.500 € auf 2.000 €": the second is
_NEW_FIRST = lazy(rf"({_AMOUNT})\s*(?:\(\s*)?{_INSTEAD}\s+(?:der\s+|den\s+|bisher\s+|"
                  rf"bisherigen\s+|beantragten\s+)*{_AMOUNT}", re.IGNORECASE)
_NEW_SECOND = lazy(rf"(?:{_INSTEAD}|\bnicht|\bvon)\s+{_AMOUNT}[\s,;–-]{{0,4}}"
                   rf"(?:(?:sondern|nun|jetzt|nunmehr|neu|bitte|auf)\s+){{1,2}}({_AMOUNT})",
                   re.IGNORECASE)
_TO = lazy(rf"\bauf\s+({_AMOUNT})", re.IGNORECASE)
_SUBJECT = lazy(r"\b(?:betrag|beantragten?\s+betrag|summe|antragssumme|f(?:ö|oe)rdersumme"
                r"|f(?:ö|oe)rderbetrag|f(?:ö|oe)rdermittel|zuschuss|geld|kosten"
                r"|auf\s+\d[\d.,]{0,12}\s?(?:€|euro\b|eur\b))", re.IGNORECASE)
_CORRECTION = lazy(r"\b(?:korrektur|berichtigung|falsch|vertippt|tippfehler|verschrieben)\b",
                   re.IGNORECASE)
_OTHER_MONEY = lazy(r"\b(?:ko-?finanz\w*|drittmittel\w*|eigenanteil\w*|gesamtkosten|fremdmittel)",
                    re.IGNORECASE)
_CHANGE = lazy(r"\b(?:(?:ab|um)?(?:ä|ae)nder\w*|erh(?:ö|oe)h\w*|aufstock\w*|senk\w*"
               r"|reduzier\w*|verringer\w*|k(?:ü|ue)rz\w*|korrigier\w*|anpass\w*"
               r"|korrektur|berichtigung|falsch|vertippt|tippfehler|muss|m(?:ü|ue)ssen"
               r"|mehr\s+geld|weniger\s+geld|h(?:ö|oe)here[nr]?\s+(?:betrag|summe)"
               r"|niedrigere[nr]?\s+(?:betrag|summe))\b", re.IGNORECASE)


@dataclass(frozen=True)
class AmountChange:
    """The application named and the amount it should have (None: not said or not readable)."""

    number: str | None  # None: the message names none (an answer in her application's thread
    cents: int | None   # names it in `refers_to`; else her one open application is meant)


def _cents(text: str) -> int | None:
    try:
        cents = parse_amount(text.replace(",-", ""))
    except AmountError:
        return None
    return cents or None


def amount_change_in(text: str, referred: Iterable[str] = ()) -> AmountChange | None:
    """The change of amount a short message asks for, or None when it asks for none or names
    several applications. Without a number in the text, the one the message answers
    (`referred`, the channel's `refers_to`) is meant, or none is named: "Korrektur: die Summe
    ist 1.800 €" in reply to her confirmation."""
    if len(text) > MAX_READ:
        return None
    numbers = {canonical_number(found.group()) for found in NUMBER.finditer(text)}
    named = bool(numbers)
    if not numbers:
        numbers = {canonical_number(item) for item in referred if NUMBER.fullmatch(item)}
    if len(numbers) > 1:
        return None
    instead = _NEW_SECOND.search(text) or _NEW_FIRST.search(text)
    about_amount = instead is not None or bool(_SUBJECT.search(text) and _CHANGE.search(text))
    corrected = (_CORRECTION.search(text) is not None  # "Sorry, vertippt: 1.800 € sind richtig"
                 and _OTHER_MONEY.search(text) is None)  # not the co-funding's or total's
    if not (about_amount or corrected):
        return None
    to = instead or _TO.search(text)
    cents = _cents(to.group(1)) if to else one_amount_in(text)
    if cents is None and not about_amount:
        return None
    if not named and (cents is None or not (numbers or corrected)):
        # "Müssen wir die Kosten aufschlüsseln?" (no new amount), "Wir brauchen 2.000 € statt
        # 1.500 € für ein Sommerfest" (no number, no thread: perhaps another project)
        return None
    return AmountChange(numbers.pop() if numbers else None, cents)


_WITH_CURRENCY = lazy(r"€|eur", re.IGNORECASE)


def one_amount_in(text: str) -> int | None:
    """The one euro amount a short message names with its currency ("dann eben genau: 1.180
    Euro"), or None when it names none, several, or one that cannot be read exactly."""
    if len(text) > MAX_READ:
        return None
    found = [m.group() for m in re.finditer(_AMOUNT, text, re.IGNORECASE)
             if _WITH_CURRENCY.search(m.group())]
    return _cents(found[0]) if len(found) == 1 else None
