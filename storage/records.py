"""Rows of the TinyDB files to the records of rules/records.py and back.

The files keep their format: `to_row(from_row(row))` gives the row again, with the same keys
and values, whatever version wrote it. Keys no field names stay in the record's `extra`;
optional keys that a row did not have are left out again. Text is stored as it comes: the
shell made it storable (storage/text.py) before any use case saw it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rules.records import (
    Application,
    ApplicationStatus,
    Confirmation,
    ConfirmationStatus,
    LedgerEntry,
    LedgerKind,
    Session,
    SessionStatus,
)

Row = dict[str, Any]

_LEDGER = frozenset({"year", "conference", "kind", "amount_cents", "application", "source_id",
                     "booked_at", "note", "correction", "id"})


def _extra(row: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in known}


def ledger_from_row(row: Mapping[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        year=row["year"], conference=row["conference"], kind=LedgerKind(row["kind"]),
        amount_cents=row["amount_cents"], application=row.get("application"),
        source_id=row.get("source_id", ""), booked_at=row.get("booked_at", ""),
        note=row.get("note", ""), correction=row.get("correction"), id=row.get("id", ""),
        extra=_extra(row, _LEDGER))


def ledger_to_row(entry: LedgerEntry) -> Row:
    row: Row = {
        "year": entry.year, "conference": entry.conference, "kind": str(entry.kind),
        "amount_cents": entry.amount_cents, "application": entry.application,
        "source_id": entry.source_id, "booked_at": entry.booked_at, "note": entry.note,
    }
    if entry.correction is not None:
        row["correction"] = entry.correction
    if entry.id:
        row["id"] = entry.id
    return {**row, **entry.extra}


_CONFIRMATION = frozenset({"code", "kind", "partition_year", "conference", "session_date", "by",
                           "lines", "status", "reason", "before", "invalidated_by",
                           "invalidated_at", "created_at", "source_id"})
_CONFIRMATION_OPTIONAL = ("kind", "partition_year", "reason", "before", "invalidated_by",
                          "invalidated_at")


def confirmation_from_row(row: Mapping[str, Any]) -> Confirmation:
    return Confirmation(
        code=row["code"], conference=row["conference"], session_date=row["session_date"],
        by=row["by"], lines=tuple(row["lines"]), status=ConfirmationStatus(row["status"]),
        created_at=row["created_at"], source_id=row.get("source_id", ""),
        kind=row.get("kind"), partition_year=row.get("partition_year"),
        reason=row.get("reason"), before=row.get("before"),
        invalidated_by=row.get("invalidated_by"), invalidated_at=row.get("invalidated_at"),
        extra=_extra(row, _CONFIRMATION))


def confirmation_to_row(confirmation: Confirmation) -> Row:
    values: Row = {
        "code": confirmation.code, "kind": confirmation.kind,
        "partition_year": confirmation.partition_year, "conference": confirmation.conference,
        "session_date": confirmation.session_date, "by": confirmation.by,
        "lines": list(confirmation.lines), "status": str(confirmation.status),
        "reason": confirmation.reason, "before": confirmation.before,
        "invalidated_by": confirmation.invalidated_by,
        "invalidated_at": confirmation.invalidated_at, "created_at": confirmation.created_at,
        "source_id": confirmation.source_id,
    }
    row = {key: value for key, value in values.items()
           if value is not None or key not in _CONFIRMATION_OPTIONAL}
    return {**row, **confirmation.extra}


_SESSION = frozenset({"uid", "conference", "date", "attended_by", "excused_by", "sequence",
                      "registered_by", "time", "place", "budget_ii", "status", "alerted_on",
                      "moved_to", "moved_from"})
_SESSION_OPTIONAL = ("registered_by", "alerted_on", "moved_to", "moved_from")


def session_from_row(row: Mapping[str, Any]) -> Session:
    moved_from = row.get("moved_from")
    return Session(
        uid=row["uid"], conference=row["conference"], date=row["date"],
        status=SessionStatus(row["status"]), budget_ii=row["budget_ii"], time=row.get("time"),
        place=row.get("place", ""), attended_by=tuple(row.get("attended_by", ())),
        excused_by=tuple(row.get("excused_by", ())), sequence=row.get("sequence", 0),
        registered_by=row.get("registered_by"), alerted_on=row.get("alerted_on"),
        moved_to=row.get("moved_to"),
        moved_from=tuple(moved_from) if moved_from is not None else None,
        extra=_extra(row, _SESSION))


def session_to_row(session: Session) -> Row:
    values: Row = {
        "uid": session.uid, "conference": session.conference, "date": session.date,
        "attended_by": list(session.attended_by), "excused_by": list(session.excused_by),
        "sequence": session.sequence, "registered_by": session.registered_by,
        "time": session.time, "place": session.place, "budget_ii": session.budget_ii,
        "status": str(session.status), "alerted_on": session.alerted_on,
        "moved_to": session.moved_to,
        "moved_from": list(session.moved_from) if session.moved_from is not None else None,
    }
    row = {key: value for key, value in values.items()
           if value is not None or key not in _SESSION_OPTIONAL}
    return {**row, **session.extra}


_APPLICATION = frozenset({"number", "conference", "year", "contact", "fields", "submitted_on",
                          "submitted_at", "session_date", "approved_cents", "votes", "veto",
                          "flags", "source_id", "applicant", "title", "requested_cents",
                          "cofunding", "missing", "status", "changed_on", "held_outcome",
                          "corrections", "withdrawn", "withdrawal_code", "change_request",
                          "erased"})
_APPLICATION_OPTIONAL = ("submitted_at", "changed_on", "held_outcome", "corrections",
                         "withdrawn", "withdrawal_code", "change_request", "erased")


def application_from_row(row: Mapping[str, Any]) -> Application:
    corrections = row.get("corrections")
    return Application(
        number=row["number"], conference=row["conference"], year=row["year"],
        contact=row["contact"], fields=row.get("fields", {}),
        status=ApplicationStatus(row["status"]), submitted_on=row["submitted_on"],
        submitted_at=row.get("submitted_at"), session_date=row.get("session_date"),
        approved_cents=row.get("approved_cents"), votes=row.get("votes"), veto=row.get("veto"),
        flags=tuple(row.get("flags", ())), source_id=row.get("source_id", ""),
        applicant=row.get("applicant", ""), title=row.get("title", ""),
        requested_cents=row.get("requested_cents"), cofunding=row.get("cofunding"),
        missing=tuple(row.get("missing", ())), changed_on=row.get("changed_on"),
        held_outcome=row.get("held_outcome"),
        corrections=tuple(corrections) if corrections is not None else None,
        withdrawn=row.get("withdrawn"), withdrawal_code=row.get("withdrawal_code"),
        change_request=row.get("change_request"), erased=row.get("erased"),
        extra=_extra(row, _APPLICATION))


def application_to_row(application: Application) -> Row:
    a = application
    values: Row = {
        "number": a.number, "conference": a.conference, "year": a.year, "contact": a.contact,
        "fields": a.fields, "submitted_on": a.submitted_on, "submitted_at": a.submitted_at,
        "session_date": a.session_date, "approved_cents": a.approved_cents, "votes": a.votes,
        "veto": a.veto, "flags": list(a.flags), "source_id": a.source_id,
        "applicant": a.applicant, "title": a.title, "requested_cents": a.requested_cents,
        "cofunding": a.cofunding, "missing": list(a.missing), "status": str(a.status),
        "changed_on": a.changed_on, "held_outcome": a.held_outcome,
        "corrections": list(a.corrections) if a.corrections is not None else None,
        "withdrawn": a.withdrawn, "withdrawal_code": a.withdrawal_code,
        "change_request": a.change_request, "erased": a.erased,
    }
    row = {key: value for key, value in values.items()
           if value is not None or key not in _APPLICATION_OPTIONAL}
    return {**row, **a.extra}
