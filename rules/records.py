"""The county's records as the use cases see them: frozen dataclasses with enum statuses.

Storage turns its rows into these and back (storage/records.py); a use case changes one with
`dataclasses.replace` and saves the new value. The enums are `StrEnum`s whose values are the
words stored on disk, so the files and the export keep their strings. Fields a row holds that
no field here names (written by another version) ride along in `extra` and are written back.
"""

from __future__ import annotations

import datetime as dt
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


class ConfirmationStatus(StrEnum):
    """Where a previewed decision report (or correction) stands; only an open one is booked."""

    OPEN = "open"  # previewed, waits for /buchen with its code
    BOOKED = "booked"
    HELD = "held"  # R9: waits for the county's /bestaetigen
    DISCARDED = "discarded"  # /verwerfen
    REPLACED = "replaced"  # a newer preview of the same session and secretary
    INVALIDATED = "invalidated"  # R11: a sketch it lists changed after the preview
    EXPIRED = "expired"  # held until the year's close, never confirmed (R9)


CORRECTION = "correction"  # Confirmation.kind of a /korrektur


@dataclass(frozen=True)
class Confirmation:
    """A /beschluss (or /korrektur) preview kept under its code until it is booked.

    `lines` are the decisions as previewed (number, outcome, amount_cents, votes and the
    sketch's fingerprint), `before` what a correction changes (status, outcome, approved_cents).
    """

    code: str
    conference: str
    session_date: str  # ISO date of the session that decided
    by: str  # identity key of the secretary; only she may book it
    lines: tuple[Mapping[str, Any], ...]
    status: ConfirmationStatus
    created_at: str  # ISO time stamp; the code expires after it
    source_id: str
    kind: str | None = None  # CORRECTION, or None for a decision report
    partition_year: int | None = None  # a correction is kept in the year it was made
    reason: str | None = None  # a correction's reason
    before: Mapping[str, Any] | None = None
    invalidated_by: str | None = None
    invalidated_at: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_correction(self) -> bool:
        return self.kind == CORRECTION

    @property
    def year(self) -> int:
        """The year whose file keeps it: a report's session year, a correction's own."""
        return self.partition_year or int(self.session_date[:4])

    @property
    def decided(self) -> bool:
        """Its decisions stand: booked, or held for the county (R9)."""
        return self.status in (ConfirmationStatus.BOOKED, ConfirmationStatus.HELD)

    def lists(self, number: str) -> bool:
        return any(line["number"] == number for line in self.lines)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"  # the meeting went on at `moved_to`; the record keeps the old date
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Session:
    """A meeting of a social conference; one UID from its first date to its last (RFC 5545),
    its SEQUENCE counting the changes the county was told of."""

    uid: str
    conference: str
    date: str  # ISO date
    status: SessionStatus
    budget_ii: bool  # R8: decides on Budget II (at most two a year)
    time: str | None = None  # "18:30"
    place: str = ""
    attended_by: tuple[str, ...] = ()  # county representatives who said they attend (R9)
    excused_by: tuple[str, ...] = ()
    sequence: int = 0
    registered_by: str | None = None
    alerted_on: str | None = None  # ISO date the county was last asked to attend
    moved_to: str | None = None  # ISO date, for a MOVED one
    moved_from: tuple[Mapping[str, Any], ...] | None = None  # earlier dates, oldest first
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.date)

    @property
    def year(self) -> int:
        return int(self.date[:4])


class ApplicationStatus(StrEnum):
    """Where an application stands (handlers/applications.py has the German words)."""

    INCOMPLETE = "incomplete"  # R4: a required part is missing; cannot be decided yet
    SUBMITTED = "submitted"
    DEFERRED = "deferred"  # vertagt, back on a later agenda
    HELD = "held"  # R9: decided, waits for the county; `held_outcome` says what was decided
    APPROVED = "approved"
    REJECTED = "rejected"
    VETOED = "vetoed"  # R10
    WITHDRAWN = "withdrawn"
    ERASED = "erased"  # never complete, erased on request (GDPR)


# Not yet decided for good: such an application belongs to its conference, whatever year it came
# in (storage finds it through an index without opening every year's file).
UNDECIDED = (ApplicationStatus.INCOMPLETE, ApplicationStatus.SUBMITTED,
             ApplicationStatus.DEFERRED, ApplicationStatus.HELD)


@dataclass(frozen=True)
class Application:
    """A project sketch handed in for Budget II, numbered per conference and year (ADE-2026-003).

    `fields` are the sketch's parts as sent (labelled lines); applicant, title, requested and
    co-funding are what was read from them. Nested values (votes, veto, corrections, withdrawn)
    are kept as stored.
    """

    number: str
    conference: str
    year: int
    contact: str  # identity key of the sender; the decision is told there
    fields: Mapping[str, Any]
    status: ApplicationStatus
    submitted_on: str  # ISO date
    submitted_at: str | None = None  # ISO time stamp (R4 quota)
    session_date: str | None = None  # ISO date of the session that decided (or deferred) it
    approved_cents: int | None = None
    votes: Mapping[str, Any] | None = None
    veto: Mapping[str, Any] | None = None  # R10: reason, by, on
    flags: tuple[str, ...] = ()  # "R6": maybe general youth work
    source_id: str = ""
    applicant: str = ""
    title: str = ""
    requested_cents: int | None = None
    cofunding: Any = None  # R12: None, one funder (a mapping) or several (a list)
    missing: tuple[str, ...] = ()  # R4: the parts still missing
    changed_on: str | None = None  # ISO date the sketch was last changed
    held_outcome: str | None = None  # R9: the outcome waiting for the county
    corrections: tuple[Mapping[str, Any], ...] | None = None  # /korrektur, oldest first
    withdrawn: Mapping[str, Any] | None = None  # on, by, reason, status_before
    withdrawal_code: Mapping[str, Any] | None = None  # code and time of an unconfirmed request
    change_request: Mapping[str, Any] | None = None  # code, time, lines of an unconfirmed change
    erased: Mapping[str, Any] | None = None  # GDPR: at, why
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def undecided(self) -> bool:
        return self.status in UNDECIDED
