"""Records leave storage typed and go back as the very rows they came from.

The TinyDB files keep their format: a row written by this or an older version reads into a
record and writes back unchanged (same keys, same values, same order), including keys no field
names, and a record saved through the store is found again equal after a restart.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rules.records import (
    ApplicationStatus,
    ConfirmationStatus,
    LedgerEntry,
    LedgerKind,
    SessionStatus,
)
from storage.records import (
    application_from_row,
    application_to_row,
    confirmation_from_row,
    confirmation_to_row,
    ledger_from_row,
    ledger_to_row,
    session_from_row,
    session_to_row,
)
from storage.store import Store

LEDGER_ROW: dict[str, Any] = {
    "year": 2026, "conference": "ADE", "kind": "commitment", "amount_cents": 150_000,
    "application": "ADE-2026-001", "source_id": "mail:<a@b>", "booked_at":
    "2026-03-12T19:05:00+01:00", "note": "Beschluss der Sitzung am 12.03.2026",
}  # then "correction" if the entry has one, then the "id" the store gives it


def same_row(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert after == before
    assert list(after) == list(before), "the keys keep their order in the file"


@pytest.mark.parametrize("kind", list(LedgerKind))
def test_a_ledger_row_of_every_kind_reads_typed_and_writes_back_unchanged(kind: str) -> None:
    row = {**LEDGER_ROW, "kind": kind, "id": "0f3c"}
    entry = ledger_from_row(row)
    assert entry.kind is LedgerKind(kind)
    assert entry.kind == kind  # the stored word, for comparisons and the export
    same_row(row, ledger_to_row(entry))


def test_a_correction_entry_keeps_its_code_and_unknown_keys_survive() -> None:
    row = {**LEDGER_ROW, "kind": "release", "correction": "K7Q2", "id": "1a",
           "posted_by": "kreis-1", "tags": ["x", {"y": 1}]}
    entry = ledger_from_row(row)
    assert entry.correction == "K7Q2"
    assert entry.extra == {"posted_by": "kreis-1", "tags": ["x", {"y": 1}]}
    same_row(row, ledger_to_row(entry))


def test_an_old_ledger_row_without_correction_loads() -> None:
    """Rows of the Lüneburg fixture's era: no "correction" key at all, none written back."""
    row = {"id": "L00001", "year": 2025, "conference": "ADE", "kind": "allotment",
           "amount_cents": 1_000_000, "application": None, "source_id": "seed-1",
           "booked_at": "2025-01-01T00:00:00+01:00", "note": "Zuweisung 2025"}
    entry = ledger_from_row(row)
    assert (entry.kind, entry.amount_cents, entry.correction) == (LedgerKind.ALLOTMENT,
                                                                  1_000_000, None)
    assert ledger_to_row(entry) == row


def test_text_that_was_made_storable_stays_as_it_was() -> None:
    row = {**LEDGER_ROW, "note": "Sek\\xe4 \\udcd0 „Zuschuss“ 🚲", "source_id": "mail:\\ud800"}
    same_row(row, ledger_to_row(ledger_from_row(row)))


def test_a_ledger_entry_written_by_the_store_reads_back_equal_after_a_restart(
        tmp_path: Path) -> None:
    store = Store(tmp_path)
    entry = ledger_from_row({**LEDGER_ROW, "correction": "K7Q2"})
    written = store.add_ledger(replace(entry, extra={"posted_by": "kreis-1"}))
    assert written.id
    assert written == replace(entry, id=written.id, extra={"posted_by": "kreis-1"})
    store.commit()
    store.close()
    store = Store(tmp_path)
    assert store.ledger(2026) == [written]
    assert store.ledger(2026, "ADE") == [written]
    assert store.ledger(2026, "BAR") == []
    store.close()
    on_disk = list(json.loads((tmp_path / "2026.json").read_text())["ledger"].values())
    assert on_disk == [{**LEDGER_ROW, "correction": "K7Q2", "id": written.id,
                        "posted_by": "kreis-1"}]


def test_records_are_frozen() -> None:
    entry = ledger_from_row({**LEDGER_ROW, "id": "0f3c"})
    with pytest.raises(AttributeError):
        entry.amount_cents = 1  # type: ignore[misc]  # on purpose: a frozen field
    assert isinstance(entry, LedgerEntry)


# A /beschluss preview as handlers/decisions.py writes it, then a /korrektur's.
REPORT_ROW: dict[str, Any] = {
    "code": "K7Q2XW", "conference": "ADE", "session_date": "2026-03-12", "by": "sek-ade",
    "lines": [{"number": "ADE-2026-001", "outcome": "approved", "amount_cents": 120_000,
               "votes": {"yes": 7, "no": 1, "abstain": 0}, "sketch": "3f9a0c1d2e4b5a69"},
              {"number": "ADE-2026-002", "outcome": "deferred", "amount_cents": None,
               "votes": None, "sketch": "00aa11bb22cc33dd"}],
    "status": "open", "created_at": "2026-03-12T20:01:00+01:00", "source_id": "console:7",
}
CORRECTION_ROW: dict[str, Any] = {
    "code": "P3M8TT", "kind": "correction", "partition_year": 2027, "conference": "ADE",
    "session_date": "2026-11-19", "by": "sek-ade", "status": "open",
    "reason": "Betrag falsch übertragen",
    "lines": [{"number": "ADE-2026-009", "outcome": "approved", "amount_cents": 90_000,
               "votes": None}],
    "before": {"status": "approved", "outcome": "approved", "approved_cents": 100_000},
    "created_at": "2027-01-08T09:00:00+01:00", "source_id": "mail:<k@x>",
}


@pytest.mark.parametrize("status", list(ConfirmationStatus))
def test_a_decision_report_of_every_status_reads_typed_and_writes_back_unchanged(
        status: str) -> None:
    row = {**REPORT_ROW, "status": status}
    confirmation = confirmation_from_row(row)
    assert confirmation.status is ConfirmationStatus(status)
    assert not confirmation.is_correction
    assert confirmation.year == 2026
    assert confirmation.lists("ADE-2026-002")
    assert not confirmation.lists("ADE-2026-003")
    assert confirmation.decided == (status in ("booked", "held"))
    same_row(row, confirmation_to_row(confirmation))


def test_an_invalidated_report_keeps_who_invalidated_it() -> None:
    row = {**REPORT_ROW, "status": "invalidated", "invalidated_by": "ADE-2026-001",
           "invalidated_at": "2026-03-13T08:00:00+01:00"}
    confirmation = confirmation_from_row(row)
    assert confirmation.invalidated_by == "ADE-2026-001"
    assert confirmation_to_row(confirmation) == row


def test_a_correction_reads_typed_is_kept_in_its_own_year_and_writes_back_unchanged() -> None:
    confirmation = confirmation_from_row(CORRECTION_ROW)
    assert confirmation.is_correction
    assert confirmation.year == 2027, "kept where it was made, not in the session's year"
    assert confirmation.before == {"status": "approved", "outcome": "approved",
                                   "approved_cents": 100_000}
    assert confirmation_to_row(confirmation) == CORRECTION_ROW


def test_unknown_keys_of_a_confirmation_survive_a_status_change() -> None:
    row = {**REPORT_ROW, "channel": "telegram", "reviewed": {"by": "kreis-1"}}
    confirmation = replace(confirmation_from_row(row), status=ConfirmationStatus.BOOKED)
    assert confirmation.extra == {"channel": "telegram", "reviewed": {"by": "kreis-1"}}
    assert confirmation_to_row(confirmation) == {**row, "status": "booked"}


def test_a_confirmation_saved_through_the_store_is_found_by_code_after_a_restart(
        tmp_path: Path) -> None:
    store = Store(tmp_path)
    report = confirmation_from_row({**REPORT_ROW, "note": "kept"})
    correction = confirmation_from_row(CORRECTION_ROW)
    store.save_confirmation(report)
    store.save_confirmation(correction)
    store.save_confirmation(replace(report, status=ConfirmationStatus.HELD))
    store.commit()
    store.close()
    store = Store(tmp_path)
    store.focus(2027)  # as the core does for a message of 2027: codes of 2026 and 2027
    assert store.confirmation("k7q2xw") == replace(report, status=ConfirmationStatus.HELD)
    assert store.confirmation("P3M8TT") == correction
    assert store.confirmations(2026) == [replace(report, status=ConfirmationStatus.HELD)]
    assert store.confirmations(2027) == [correction]
    store.close()
    on_disk = json.loads((tmp_path / "2026.json").read_text())["confirmations"]
    assert list(on_disk.values()) == [{**REPORT_ROW, "status": "held", "note": "kept"}]


# A session as handlers/sessions.py writes it; then the same meeting after a move.
SESSION_ROW: dict[str, Any] = {
    "uid": "ADE-2026-03-12-console7", "conference": "ADE", "date": "2026-03-12",
    "attended_by": ["kreis-1"], "excused_by": ["kreis-2"], "sequence": 0,
    "registered_by": "console:sek-ade", "time": "18:30", "place": "Rathaus Adendorf",
    "budget_ii": True, "status": "scheduled", "alerted_on": "2026-02-03",
}


@pytest.mark.parametrize("status", list(SessionStatus))
def test_a_session_of_every_status_reads_typed_and_writes_back_unchanged(status: str) -> None:
    row = {**SESSION_ROW, "status": status}
    session = session_from_row(row)
    assert session.status is SessionStatus(status)
    assert session.day == date(2026, 3, 12)
    assert session.attended_by == ("kreis-1",)
    same_row(row, session_to_row(session))


def test_a_moved_session_keeps_both_ends_of_the_move() -> None:
    old = {**SESSION_ROW, "status": "moved", "moved_to": "2026-03-19"}
    new = {**SESSION_ROW, "date": "2026-03-19", "attended_by": [], "excused_by": [],
           "sequence": 1, "moved_from": [{"date": "2026-03-12", "time": "18:30",
                                          "on": "2026-02-05"}]}
    assert session_from_row(old).moved_to == "2026-03-19"
    assert session_from_row(new).moved_from == ({"date": "2026-03-12", "time": "18:30",
                                                 "on": "2026-02-05"},)
    same_row(old, session_to_row(session_from_row(old)))
    same_row(new, session_to_row(session_from_row(new)))


def test_an_old_session_row_without_the_later_keys_loads_and_keeps_its_unknown_ones() -> None:
    """No registered_by, alerted_on, time or place yet, and a key no version here knows."""
    row = {"uid": "ADE-2025-11-20-x", "conference": "ADE", "date": "2025-11-20",
           "attended_by": [], "excused_by": [], "sequence": 2, "budget_ii": False,
           "status": "cancelled", "room_booked": True}
    session = session_from_row(row)
    assert (session.time, session.place, session.alerted_on) == (None, "", None)
    assert session.extra == {"room_booked": True}
    assert session_to_row(session) == {**row, "time": None, "place": ""}


def test_a_session_saved_through_the_store_is_found_by_conference_and_day(
        tmp_path: Path) -> None:
    store = Store(tmp_path)
    session = session_from_row(SESSION_ROW)
    store.save_session(session)
    cancelled = replace(session, status=SessionStatus.CANCELLED, sequence=1)
    store.save_session(cancelled)
    store.commit()
    store.close()
    store = Store(tmp_path)
    assert store.session("ADE", date(2026, 3, 12)) == cancelled
    assert store.session("BAR", date(2026, 3, 12)) is None
    assert store.sessions(2026) == [cancelled]
    assert store.sessions(2026, "ADE") == [cancelled]
    store.close()
    on_disk = json.loads((tmp_path / "2026.json").read_text())["sessions"]
    assert list(on_disk.values()) == [{**SESSION_ROW, "status": "cancelled", "sequence": 1}]


# An application as handlers/submit.py writes it, complete and not yet decided.
APPLICATION_ROW: dict[str, Any] = {
    "number": "ADE-2026-001", "conference": "ADE", "year": 2026,
    "contact": "email:kita@example.org",
    "fields": {"applicant": "Kita Sonnenschein", "title": "Sprachgruppe",
               "situation": "Viele Kinder sprechen kaum Deutsch.",
               "objective": "Bessere Sprache vor der Schule.", "measure": "Eine Gruppe pro Woche.",
               "amount": "1.500 €", "cofunding": "300 € Stiftung"},
    "submitted_on": "2026-02-02", "submitted_at": "2026-02-02T12:00:00+01:00",
    "session_date": None, "approved_cents": None, "votes": None, "veto": None, "flags": [],
    "source_id": "mail:<s@x>", "applicant": "Kita Sonnenschein", "title": "Sprachgruppe",
    "requested_cents": 150_000, "cofunding": {"funder": "Stiftung", "amount_cents": 30_000},
    "missing": [], "status": "submitted",
}


@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_an_application_of_every_status_reads_typed_and_writes_back_unchanged(
        status: str) -> None:
    row = {**APPLICATION_ROW, "status": status}
    application = application_from_row(row)
    assert application.status is ApplicationStatus(status)
    assert application.undecided == (status in ("incomplete", "submitted", "deferred", "held"))
    assert application.requested_cents == 150_000
    same_row(row, application_to_row(application))


def test_a_decided_corrected_and_vetoed_application_keeps_its_history() -> None:
    row = {**APPLICATION_ROW, "session_date": "2026-03-12", "approved_cents": 120_000,
           "votes": {"yes": 7, "no": 1, "abstain": 0}, "flags": ["R6"], "status": "vetoed",
           "veto": {"reason": "Jugendpflege", "by": "kreis-1", "on": "2026-04-01"},
           "changed_on": "2026-02-20", "held_outcome": "approved",
           "corrections": [{"on": "2026-03-20", "by": "sek-ade", "reason": "Tippfehler",
                            "code": "K7Q2", "before": {"status": "approved",
                                                       "approved_cents": 100_000},
                            "after": {"status": "approved", "approved_cents": 120_000}}]}
    application = application_from_row(row)
    assert application.flags == ("R6",)
    assert application.corrections is not None
    assert application.corrections[0]["code"] == "K7Q2"
    assert application.veto == {"reason": "Jugendpflege", "by": "kreis-1", "on": "2026-04-01"}
    assert application_to_row(application) == row


def test_a_withdrawn_and_an_erased_application_and_unknown_keys_survive() -> None:
    withdrawn = {**APPLICATION_ROW, "status": "withdrawn",
                 "withdrawal_code": {"code": "AB12CD", "at": "2026-02-03T08:00:00+01:00"},
                 "withdrawn": {"on": "2026-02-04", "by": "email:kita@example.org",
                               "reason": "", "status_before": "submitted"},
                 "reviewed_by": "kreis-2"}
    erased = {**APPLICATION_ROW, "contact": "[gelöscht]", "applicant": "[gelöscht]",
              "status": "erased", "erased": {"at": "2026-05-01T10:00:00+02:00",
                                             "why": "Antrag auf Löschung (Art. 17 DSGVO)"}}
    assert application_from_row(withdrawn).extra == {"reviewed_by": "kreis-2"}
    assert application_to_row(application_from_row(withdrawn)) == withdrawn
    assert application_to_row(application_from_row(erased)) == erased


def test_an_old_application_row_without_the_later_keys_loads() -> None:
    """Before quotas (submitted_at), R4's missing list and flags were written."""
    row = {key: value for key, value in APPLICATION_ROW.items()
           if key not in ("submitted_at", "missing", "flags")}
    application = application_from_row(row)
    assert (application.submitted_at, application.missing, application.flags) == (None, (), ())
    assert application_to_row(application) == {**row, "flags": [], "missing": []}


def test_an_application_saved_through_the_store_reads_back_equal_and_leaves_the_index(
        tmp_path: Path) -> None:
    store = Store(tmp_path)
    application = application_from_row(APPLICATION_ROW)
    store.save_application(application)
    assert store.undecided_applications("ADE") == [application]
    approved = replace(application, status=ApplicationStatus.APPROVED,
                       session_date="2026-03-12", approved_cents=150_000)
    store.save_application(approved)
    store.commit()
    store.close()
    store = Store(tmp_path)
    assert store.application("ade-2026-1") == approved
    assert store.applications(2026) == [approved]
    assert store.applications(2026, "BAR") == []
    assert store.applications_from("email:kita@example.org", [2026]) == [approved]
    assert store.undecided_applications() == [], "decided: no longer in the index"
    store.close()
    on_disk = json.loads((tmp_path / "2026.json").read_text())["applications"]
    assert list(on_disk.values()) == [{**APPLICATION_ROW, "status": "approved",
                                       "session_date": "2026-03-12",
                                       "approved_cents": 150_000}]


def test_a_field_cleared_by_a_save_is_gone_from_the_file_too(tmp_path: Path) -> None:
    """A save writes the whole record: the R9 outcome a held decision kept, or a withdrawal's
    code, does not come back after it was cleared (a save used to merge into the old row)."""
    store = Store(tmp_path)
    held = replace(application_from_row(APPLICATION_ROW), status=ApplicationStatus.HELD,
                   session_date="2026-03-12", approved_cents=150_000, held_outcome="approved",
                   withdrawal_code={"code": "AB12CD", "at": "2026-02-03T08:00:00+01:00"})
    store.save_application(held)
    store.commit()
    booked = replace(held, status=ApplicationStatus.APPROVED, held_outcome=None,
                     withdrawal_code=None)
    store.save_application(booked)
    assert store.application("ADE-2026-001") == booked
    store.commit()
    store.close()
    store = Store(tmp_path)
    assert store.application("ADE-2026-001") == booked
    store.close()
    [row] = json.loads((tmp_path / "2026.json").read_text())["applications"].values()
    assert "held_outcome" not in row
    assert "withdrawal_code" not in row


def test_a_senders_applications_are_made_records_once_and_anew_after_every_write(
        tmp_path: Path) -> None:
    """An applicant's every sketch reads all she sent before (`applications_from`): each row is
    made a record once and given again while it is unchanged; a save, a write through the table,
    a removal, a rollback and a restart each give the row as it is then."""
    sender = "email:kita@example.org"
    store = Store(tmp_path)
    first = application_from_row(APPLICATION_ROW)
    second = replace(first, number="ADE-2026-002", title="Lesepaten")
    store.save_application(first)
    store.save_application(second)
    store.commit()
    [a, b] = store.applications_from(sender, [2025, 2026])
    assert (a, b) == (first, second)
    again = store.applications_from(sender, [2026])
    assert [id(x) for x in again] == [id(a), id(b)], "unchanged rows are not made anew"

    approved = replace(first, status=ApplicationStatus.APPROVED, approved_cents=150_000)
    store.save_application(approved)
    assert store.applications_from(sender, [2026]) == [approved, second]
    store.rollback()
    assert store.applications_from(sender, [2026]) == [first, second], "rolled back"

    store.year_table(2026, "applications").update({"title": "Lesepaten II"},
                                                  doc_ids=[2])
    assert store.applications_from(sender, [2026])[1].title == "Lesepaten II"
    store.year_table(2026, "applications").update({"contact": "email:other@example.org"},
                                                  doc_ids=[1])
    assert [x.number for x in store.applications_from(sender, [2026])] == ["ADE-2026-002"]
    store.year_table(2026, "applications").remove(doc_ids=[2])
    assert store.applications_from(sender, [2026]) == []
    store.commit()
    store.close()
    store = Store(tmp_path)
    assert store.applications_from("email:other@example.org", [2026]) == [
        replace(first, contact="email:other@example.org")]
    store.close()
