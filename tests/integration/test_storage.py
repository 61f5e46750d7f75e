"""The store on real files: atomic commits, recovery after a crash, one process per directory,
and a booking that rewrites only its own year."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.atomic import COMMIT_RECORD, TMP_SUFFIX, commit_files, recover
from storage.lock import StoreLocked
from storage.partitions import Partitions
from storage.store import Store


def test_commit_replaces_every_file_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    commit_files(tmp_path, {"2026.json": b'{"a": 1}', "2027.json": b'{"b": 2}'})
    assert json.loads((tmp_path / "2026.json").read_text()) == {"a": 1}
    assert json.loads((tmp_path / "2027.json").read_text()) == {"b": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026.json", "2027.json"]


def test_crash_after_commit_record_is_rolled_forward(tmp_path: Path) -> None:
    (tmp_path / "2026.json").write_text('{"old": 1}')
    (tmp_path / ("2026.json" + TMP_SUFFIX)).write_text('{"new": 1}')
    (tmp_path / ("2027.json" + TMP_SUFFIX)).write_text('{"new": 2}')
    (tmp_path / COMMIT_RECORD).write_text(json.dumps(["2026.json", "2027.json"]))
    recover(tmp_path)
    assert json.loads((tmp_path / "2026.json").read_text()) == {"new": 1}
    assert json.loads((tmp_path / "2027.json").read_text()) == {"new": 2}
    assert not (tmp_path / COMMIT_RECORD).exists()


def test_crash_before_commit_record_is_rolled_back(tmp_path: Path) -> None:
    (tmp_path / "2026.json").write_text('{"old": 1}')
    (tmp_path / ("2026.json" + TMP_SUFFIX)).write_text('{"new": 1}')
    (tmp_path / ("2027.json" + TMP_SUFFIX)).write_text('{"new": 2')  # torn
    recover(tmp_path)
    assert json.loads((tmp_path / "2026.json").read_text()) == {"old": 1}
    assert not (tmp_path / "2027.json").exists()
    assert list(tmp_path.glob("*" + TMP_SUFFIX)) == []


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
        store.add_ledger({"year": year, "conference": "ADE", "kind": "allotment",
                          "amount_cents": 1_000_000, "application": None, "source_id": "x",
                          "booked_at": f"{year}-01-01", "note": ""})
    store.commit()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    store.add_ledger({"year": 2026, "conference": "ADE", "kind": "commitment",
                      "amount_cents": 1, "application": "ADE-2026-001", "source_id": "y",
                      "booked_at": "2026-03-01", "note": ""})
    store.commit()
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.json")}
    store.close()
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == ["2026.json"]


def test_files_beyond_the_memory_limit_are_dropped_between_messages_not_during(
        tmp_path: Path) -> None:
    store = Store(tmp_path)
    for year in range(2010, 2027):  # more years than are kept in memory, all changed at once
        store.add_ledger({"year": year, "conference": "ADE", "kind": "allotment",
                          "amount_cents": 100, "application": None, "source_id": "x",
                          "booked_at": f"{year}-01-01", "note": ""})
    store.commit()
    store.trim()
    assert len(store.partitions._dbs) <= 4
    assert [len(store.ledger(year)) for year in range(2010, 2027)] == [1] * 17
    store.close()
