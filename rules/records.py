"""The county's records as the use cases see them: frozen dataclasses with enum statuses.

Storage turns its rows into these and back (storage/records.py); a use case changes one with
`dataclasses.replace` and saves the new value. The enums are `StrEnum`s whose values are the
words stored on disk, so the files and the export keep their strings. Fields a row holds that
no field here names (written by another version) ride along in `extra` and are written back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class LedgerKind(StrEnum):
    """What a ledger entry does to a balance (see rules/budget.py); amounts are positive."""

    ALLOTMENT = "allotment"  # R1
    CARRY_IN = "carry_in"  # R2
    COMMITMENT = "commitment"  # a booked approval
    RELEASE = "release"  # R10, after a veto, or a correction
    LAPSE = "lapse"  # R2
    CARRY_OUT = "carry_out"  # R2


@dataclass(frozen=True)
class LedgerEntry:
    """One booking; never changed once written (a correction is a new entry)."""

    year: int
    conference: str
    kind: LedgerKind
    amount_cents: int
    application: str | None
    source_id: str
    booked_at: str  # ISO time stamp
    note: str
    correction: str | None = None  # the /korrektur code the entry belongs to
    id: str = ""  # given by the store when it is written
    extra: Mapping[str, Any] = field(default_factory=dict)
