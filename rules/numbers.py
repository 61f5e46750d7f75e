"""Application numbers ("ADE-2026-003") as people type them, also past 999 and 9999.

The store hands out "ADE-2026-001" … "ADE-2026-999", then "ADE-2026-1000" and on; a person may
type "ade-2026-3" or "ADE-2026-0003". Every parser reads numbers with this one pattern.
"""

from __future__ import annotations

import re

MAX_SERIAL_DIGITS = 6  # a conference files far fewer; quotas stop a flood long before
NUMBER_PATTERN = rf"[A-Za-z]{{2,5}}-[0-9]{{4}}-[0-9]{{1,{MAX_SERIAL_DIGITS}}}"
NUMBER = re.compile(rf"\b({NUMBER_PATTERN})\b")


def canonical_number(text: str) -> str:
    """ "ade-2026-3" → "ADE-2026-003", "ADE-2026-01234" → "ADE-2026-1234": as the store
    writes it (at least three digits, no other leading zeros)."""
    code, year, serial = text.strip().upper().split("-")
    return f"{code}-{year}-{int(serial):03d}"
