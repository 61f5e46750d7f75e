"""Money as people in Germany type it, kept as integer cents (never float)."""

from __future__ import annotations

import re

MAX_CENTS = 10_000_000_000  # 100.000.000,00 €
EXAMPLE = "Bitte schreiben Sie ihn so: 1.500,00 € oder 1500."


class AmountError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_CURRENCY = re.compile(r"(€|eur(o)?)", re.IGNORECASE)
_NUMBER = re.compile(
    r"^(?P<int>[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,(?P<frac>[0-9]{1,2}|-{1,2}))?$")


def parse_amount(text: str) -> int:
    raw = text.strip()
    shown = raw[:40]
    cleaned = _CURRENCY.sub("", raw).strip()
    cleaned = re.sub(r"(?<=[0-9])[\s\u00a0\u202f](?=[0-9]{3}\b)", ".", cleaned)
    cleaned = cleaned.replace(" ", "")
    if not cleaned:
        raise AmountError(f"Ich finde keinen Betrag in „{shown}“. {EXAMPLE}")
    if cleaned.startswith("-"):
        raise AmountError(f"Ein Betrag kann nicht negativ sein („{shown}“). {EXAMPLE}")
    if re.fullmatch(r"[0-9]{1,3},[0-9]{3}", cleaned):
        raise AmountError(f"Den Betrag „{shown}“ kann ich nicht eindeutig lesen. "
                          "Bitte schreiben Sie ihn so: 1.500,00 € oder 1,50 €.")
    match = _NUMBER.match(cleaned)
    if match is None:
        raise AmountError(f"Den Betrag „{shown}“ kann ich nicht lesen. {EXAMPLE}")
    euros = int(match.group("int").replace(".", ""))
    frac = match.group("frac") or "0"
    cents = 0 if "-" in frac else int(frac.ljust(2, "0"))
    total = euros * 100 + cents
    if total > MAX_CENTS:
        raise AmountError(f"„{shown}“ ist zu hoch; höchstens 100.000.000,00 € sind möglich.")
    return total


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} €"
