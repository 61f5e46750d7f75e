"""Records leave storage typed and go back as the very rows they came from.

The TinyDB files keep their format: a row written by this or an older version reads into a
record and writes back unchanged (same keys, same values, same order), including keys no field
names, and a record saved through the store is found again equal after a restart.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from rules.records import LedgerEntry, LedgerKind
from storage.records import ledger_from_row, ledger_to_row
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
        entry.amount_cents = 1  # type: ignore[misc]
    assert isinstance(entry, LedgerEntry)
