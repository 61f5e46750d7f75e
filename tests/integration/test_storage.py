"""The store on real files: commits as journal lines, recovery after a crash, one process per
directory, and a booking that rewrites no file (and at a checkpoint only its own year)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rules.records import LedgerEntry, LedgerKind
from storage.journal import JournalDamaged
from storage.lock import StoreLocked
from storage.partitions import JOURNAL, Partitions
from storage.store import Store


def ledger(parts: Partitions, name: str) -> list[int]:
    return [r["amount_cents"] for r in parts.db(name).table("ledger").all()]


def test_a_commit_is_one_journal_line_and_the_files_are_written_at_closing(
        tmp_path: Path) -> None:
    parts = Partitions(tmp_path)
    parts.db("2026").table("ledger").insert({"amount_cents": 100})
    parts.db("2027").table("ledger").insert({"amount_cents": 200})
    parts.sync(parts.commit())

    lines = (tmp_path / JOURNAL).read_bytes().splitlines()
    assert [sorted(json.loads(line)) for line in lines] == [["2026", "2027"]]
    assert not list(tmp_path.glob("*.json")), "nothing is rewritten per commit"
    parts.close()
    assert json.loads((tmp_path / "2026.json").read_text())["ledger"] == {
        "1": {"amount_cents": 100}}
    assert (tmp_path / JOURNAL).read_bytes() == b""


CRASH_AFTER_COMMIT = """
import os, sys
from pathlib import Path
from storage.partitions import JOURNAL, Partitions
parts = Partitions(Path(sys.argv[1]))
parts.db("2026").table("ledger").insert({"amount_cents": 100})
parts.db("2026").table("ledger").update({"amount_cents": 150}, doc_ids=[1])
parts.db("2027").table("ledger").insert({"amount_cents": 200})
parts.sync(parts.commit())
parts.db("2026").table("ledger").insert({"amount_cents": 999})  # never committed
os._exit(0)  # like SIGKILL: no close, no checkpoint
"""


def test_a_crash_after_the_commit_keeps_it_and_nothing_uncommitted(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", CRASH_AFTER_COMMIT, str(tmp_path)], check=True)

    parts = Partitions(tmp_path)
    assert ledger(parts, "2026") == [150]
    assert ledger(parts, "2027") == [200]
    assert (tmp_path / JOURNAL).read_bytes() == b"", "replayed into the files at opening"
    parts.close()


def test_a_torn_last_line_was_never_acknowledged_and_is_cut_off(tmp_path: Path) -> None:
    good = json.dumps({"2026": [["ledger", 1, {"amount_cents": 100}]]}).encode() + b"\n"
    torn = json.dumps({"2026": [["ledger", 2, {"amount_cents": 999}]]}).encode()[:-5]
    (tmp_path / JOURNAL).write_bytes(good + torn)

    parts = Partitions(tmp_path)
    assert ledger(parts, "2026") == [100]
    parts.close()


def test_a_damaged_line_with_commits_after_it_refuses_to_open(tmp_path: Path) -> None:
    good = json.dumps({"2026": [["ledger", 1, {"amount_cents": 100}]]}).encode() + b"\n"
    (tmp_path / JOURNAL).write_bytes(good + b"{garbage\n" + good)

    with pytest.raises(JournalDamaged, match="backup"):
        Partitions(tmp_path)


def test_replaying_a_journal_again_after_a_checkpoint_changes_nothing(tmp_path: Path) -> None:
    parts = Partitions(tmp_path)
    table = parts.db("2026").table("ledger")
    table.insert({"amount_cents": 100})
    table.insert({"amount_cents": 200})
    parts.commit()
    table.update({"amount_cents": 250}, doc_ids=[2])
    table.remove(doc_ids=[1])
    parts.sync(parts.commit())
    journal = (tmp_path / JOURNAL).read_bytes()
    parts.close()  # the checkpoint wrote 2026.json and emptied the journal
    (tmp_path / JOURNAL).write_bytes(journal)  # as if the crash came before the emptying

    parts = Partitions(tmp_path)
    assert ledger(parts, "2026") == [250]
    parts.close()


def test_a_rollback_keeps_what_is_committed_only_in_the_journal(tmp_path: Path) -> None:
    parts = Partitions(tmp_path)
    parts.db("2026").table("ledger").insert({"amount_cents": 100})
    parts.commit()
    parts.db("2026").table("ledger").insert({"amount_cents": 999})
    parts.rollback()
    assert ledger(parts, "2026") == [100]
    parts.db("2026").table("ledger").insert({"amount_cents": 300})
    parts.commit()
    parts.close()
    assert ledger(Partitions(tmp_path), "2026") == [100, 300]


def test_uncommitted_changes_are_forgotten_on_rollback(tmp_path: Path) -> None:
    parts = Partitions(tmp_path)
    parts.db("2026").table("ledger").insert({"amount_cents": 100})
    parts.commit()
    parts.db("2026").table("ledger").insert({"amount_cents": 999})
    parts.rollback()
    assert [r["amount_cents"] for r in parts.db("2026").table("ledger").all()] == [100]
    parts.close()


def test_second_store_on_same_directory_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    code = ("from storage.store import Store\nfrom pathlib import Path\nimport sys\n"
            "try:\n    Store(Path(sys.argv[1]))\nexcept Exception as e:\n"
            "    print(type(e).__name__, e)\n")
    other = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                           text=True, check=True)
    store.close()
    assert other.stdout.startswith("StoreLocked")
    assert "anderen sozialbot-Prozess" in other.stdout


def test_second_store_in_same_process_is_refused_too(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(StoreLocked):
        Store(tmp_path)
    store.close()
    Store(tmp_path).close()  # free again once closed


def test_a_booking_rewrites_only_its_own_year(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for year in range(2017, 2027):
        store.add_ledger(LedgerEntry(year, "ADE", LedgerKind.ALLOTMENT, 1_000_000, None, "x",
                                     f"{year}-01-01", ""))
    store.commit()
    store.close()
    store = Store(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    store.add_ledger(LedgerEntry(2026, "ADE", LedgerKind.COMMITMENT, 1, "ADE-2026-001", "y",
                                 "2026-03-01", ""))
    store.commit()
    unchanged = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    store.close()  # the checkpoint writes the changed files whole
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    changed = sorted(name for name in after if after[name] != before[name])
    assert unchanged == before, "a booking appends to the journal and rewrites no file"
    assert changed == ["2026.json"]


def test_files_beyond_the_memory_limit_are_dropped_between_messages_not_during(
        tmp_path: Path) -> None:
    store = Store(tmp_path)
    for year in range(2010, 2027):  # more years than are kept in memory, all changed at once
        store.add_ledger(LedgerEntry(year, "ADE", LedgerKind.ALLOTMENT, 100, None, "x",
                                     f"{year}-01-01", ""))
    store.commit()
    store.trim()
    assert len(store.partitions._dbs) <= 4
    assert [len(store.ledger(year)) for year in range(2010, 2027)] == [1] * 17
    store.close()


def test_a_row_is_found_by_each_value_it_passes_through_and_no_longer_by_an_old_one(
        tmp_path: Path) -> None:
    """Lookups go through an index that drops an entry once its row has moved on: a row that
    goes back to an earlier value is found by it again, before and after a restart."""
    parts = Partitions(tmp_path)
    table = parts.db("2026").table("confirmations")
    first = table.insert({"code": "A1", "status": "open"})
    table.insert({"code": "B2", "status": "open"})
    assert [row["code"] for _, row in parts.find("2026", "confirmations", "status", "open")] == [
        "A1", "B2"]
    for status in ("booked", "open", "held"):
        table.update({"status": status}, doc_ids=[first])
        found = {s: [row["code"] for _, row in parts.find("2026", "confirmations", "status", s)]
                 for s in ("open", "booked", "held")}
        assert found == {"open": ["A1", "B2"] if status == "open" else ["B2"],
                         "booked": ["A1"] if status == "booked" else [],
                         "held": ["A1"] if status == "held" else []}
    parts.commit()
    parts.sync()
    parts.close()
    again = Partitions(tmp_path)
    assert [row["code"] for _, row in again.find("2026", "confirmations", "status", "held")] == [
        "A1"]
    again.close()


def test_lookups_of_values_no_row_has_keep_nothing(tmp_path: Path) -> None:
    """The rows a lookup found are kept until their table is written; a value no row has (a
    flood of senders never seen) keeps nothing, so memory does not grow with such lookups."""
    partitions = Partitions(tmp_path)
    try:
        table = partitions.db("global").table("drafts")
        table.insert({"sender": "a@example.org", "at": "2026-03-01"})
        for n in range(1000):
            assert partitions.find("global", "drafts", "sender", f"x{n}@example.org") == []
        [(_, row)] = partitions.find("global", "drafts", "sender", "a@example.org")
        assert row["at"] == "2026-03-01"
        storage = partitions.db("global").storage
        assert len(storage.found["drafts"]) == 1  # type: ignore[attr-defined]
        table.update({"at": "2026-03-02"}, doc_ids=[1])  # written: looked up afresh
        [(_, row)] = partitions.find("global", "drafts", "sender", "a@example.org")
        assert row["at"] == "2026-03-02"
        table.update({"sender": "b@example.org"}, doc_ids=[1])
        assert partitions.find("global", "drafts", "sender", "a@example.org") == []
    finally:
        partitions.close()
