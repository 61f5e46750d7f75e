"""Money as people in Germany type it, kept as integer cents (never float).

One place reads amounts and one place writes them, so what the bot shows can always be typed
back. Anything that could be read two ways ("1,500", "1.50") is refused with an example rather
than guessed: a wrong guess here books a thousand times too much or too little.
"""

from __future__ import annotations

import re

from rules.refusal import InputError

MAX_CENTS = 10_000_000_000  # 100.000.000,00 €
EXAMPLE = "Bitte schreiben Sie ihn so: 1.500,00 € oder 1500."
_MAX_TEXT = 60  # longer text cannot be an amount; also bounds the work done on hostile input

_CURRENCY_FIRST = re.compile(r"(?:€|euro|eur)\s*", re.IGNORECASE)
_CURRENCY_LAST = re.compile(r"\s*(?:€|euro|eur)$", re.IGNORECASE)
# Whole euros either plain ("1500") or grouped by threes with one kind of separator
# ("1.500", "1 500" with space, no-break space or narrow no-break space), then optional cents.
_AMOUNT = re.compile(
    r"(?P<euros>[0-9]+|[1-9][0-9]{0,2}(?P<sep>[.\u0020\u00a0\u202f])[0-9]{3}(?:(?P=sep)[0-9]{3})*)"
    r"(?:,(?P<cents>[0-9]+|--?|–))?"
)
_DOT_AS_DECIMAL = re.compile(r"[0-9]+\.[0-9]{1,2}")
_MINUS = ("-", "−", "–")
# "ca. 2.000 €": a sketch asks for an amount the conference books to the cent, so it must be exact.
_APPROXIMATE = re.compile(r"(?:ca\.?|circa|zirka|etwa|rund|ungefähr|ungef\.|max\.|maximal|"
                          r"höchstens|bis zu|bis|~)\s*", re.IGNORECASE)
# "1,5k", "2k", "1,25 Tsd.", "1,5 T€": thousands typed on a phone; one way to read them only
_THOUSANDS = re.compile(r"(?P<whole>[0-9]{1,3})(?:[,.](?P<part>[0-9]{1,2}))?\s*"
                        r"(?:k|tsd\.?|tausend|t)", re.IGNORECASE)
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # a decimal digit of another script: "١٥٠٠", "１５００"


class AmountError(InputError):
    """An amount we will not guess at; the message is a polite German sentence with an example."""


def _shown(text: str) -> str:
    """The user's text as quoted back: one line, short."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 30 else flat[:29] + "…"


def parse_amount(text: str) -> int:
    """Read a euro amount as typed in Germany and return integer cents (never negative)."""
    raw = text.strip()
    if not raw:
        raise AmountError(f"Ich finde keinen Betrag. {EXAMPLE}")
    shown = _shown(raw)
    if len(raw) > _MAX_TEXT:
        raise AmountError(f"Den Betrag „{shown}“ kann ich nicht lesen. {EXAMPLE}")
    if _OTHER_DIGIT.search(raw):
        raise AmountError(
            f"Den Betrag „{shown}“ kann ich nicht lesen. Bitte schreiben Sie ihn mit den Ziffern "
            "0 bis 9, so: 1.500,00 €."
        )
    approximate = _APPROXIMATE.match(raw)
    if approximate and raw[approximate.end():].strip():
        exact = raw[approximate.end():]
        try:
            cents = parse_amount(exact)
        except AmountError:
            cents = 0
        suggestion = f", z. B. {format_cents(cents)}." if cents else f". {EXAMPLE}"
        raise AmountError(f"Den Betrag „{shown}“ brauche ich genau, ohne „"
                          f"{approximate.group().strip()}“{suggestion}")
    number = raw
    first = _CURRENCY_FIRST.match(number)
    if first:
        number = number[first.end() :]
    else:
        last = _CURRENCY_LAST.search(number)
        if last:
            number = number[: last.start()]
    if number.startswith(_MINUS) and number[1:].strip():
        raise AmountError(f"Ein Betrag kann nicht negativ sein („{shown}“). {EXAMPLE}")
    if not number:
        raise AmountError(f"Ich finde keinen Betrag in „{shown}“. {EXAMPLE}")
    if number.endswith((".-", ".–", ".--")) and number[:1].isdigit():
        number = number[:number.rindex(".")] + ",-"  # "1200.-": whole euros, as "1200,-"
    thousands = _THOUSANDS.fullmatch(number)
    if thousands:
        part = (thousands.group("part") or "0").ljust(3, "0")
        return (int(thousands.group("whole")) * 1000 + int(part)) * 100
    match = _AMOUNT.fullmatch(number)
    if match is None:
        if _DOT_AS_DECIMAL.fullmatch(number):
            raise AmountError(
                f"Den Betrag „{shown}“ kann ich nicht eindeutig lesen: Cent stehen hinter einem "
                "Komma. Bitte schreiben Sie ihn so: 1,50 € oder 1.500,00 €."
            )
        raise AmountError(f"Den Betrag „{shown}“ kann ich nicht lesen. {EXAMPLE}")
    cents_text = match.group("cents") or "0"
    if cents_text[0] in "-–":
        cents_text = "0"  # "1.500,-" and "1.500,–" mean whole euros
    if len(cents_text) == 3 and match.group("sep") is None:
        raise AmountError(
            f"Den Betrag „{shown}“ kann ich nicht eindeutig lesen. "
            "Bitte schreiben Sie ihn so: 1.500,00 € oder 1,50 €."
        )
    if len(cents_text) > 2:
        raise AmountError(
            f"Der Betrag „{shown}“ hat mehr als zwei Stellen nach dem Komma. "
            "Bitte schreiben Sie ihn so: 1.500,00 € oder 1.500,50 €."
        )
    euros = int(re.sub(r"[^0-9]", "", match.group("euros")))
    total = euros * 100 + int(cents_text.ljust(2, "0"))
    if total > MAX_CENTS:
        raise AmountError(
            f"Der Betrag „{shown}“ ist zu hoch: höchstens {format_cents(MAX_CENTS)} sind möglich. "
            "Bitte schreiben Sie ihn so: 1.500,00 €."
        )
    return total


def format_cents(cents: int) -> str:
    """Cents as a German reads money: "1.500,00 €"; parse_amount reads it back."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"format_cents needs integer cents, got {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{format_number(euros)},{rest:02d} €"


def format_number(number: int) -> str:
    """A whole number as a German reads it: 25.000 (dot for thousands)."""
    return f"{number:,}".replace(",", ".")
