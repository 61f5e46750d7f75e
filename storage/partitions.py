"""TinyDB files under the data directory, one per budget year plus one for what is not yearly.

Each file is a TinyDB database whose storage keeps the data in memory and writes nothing by
itself: `Partitions.commit()` writes every changed file in one atomic step (see `atomic`), and
`rollback()` forgets changes that were not committed. A booking therefore rewrites only its own
year's file, however many years lie behind it.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from storage.atomic import commit_files, recover
from storage.lock import DirectoryLock

MAX_OPEN = 4  # the non-yearly file, this year, last year, and one year someone looks up


class HeldStorage(Storage):
    """A TinyDB storage that holds the data in memory until the owner commits it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dirty = False
        self.data: dict[str, Any] | None = self._load()

    def _load(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        return orjson.loads(self.path.read_bytes() or b"{}")

    def read(self) -> dict[str, Any] | None:
        return self.data

    def write(self, data: dict[str, Any]) -> None:
        self.data = data
        self.dirty = True

    def serialized(self) -> bytes:
        return orjson.dumps(self.data)  # UTF-8 JSON, about ten times faster than json.dumps

    def close(self) -> None:
        pass


class Partitions:
    """The open TinyDB files of one data directory, locked against a second process."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = DirectoryLock(directory)
        self._lock.acquire()
        recover(directory)
        self._dbs: OrderedDict[str, TinyDB] = OrderedDict()

    def names(self) -> list[str]:
        """Names of the partitions on disk or written to in memory."""
        on_disk = {p.stem for p in self.directory.glob("*.json")}
        written = {name for name, storage in self._storages() if storage.data is not None}
        return sorted(on_disk | written)

    def raw(self, name: str, table: str) -> dict[str, dict[str, Any]]:
        """A table's rows by document id, read-only: no TinyDB Document objects, no copies."""
        data = self.db(name).storage.read() or {}  # type: ignore[attr-defined]
        return data.get(table, {})

    def rows(self, name: str, table: str) -> list[dict[str, Any]]:
        return list(self.raw(name, table).values())

    def db(self, name: str) -> TinyDB:
        if name in self._dbs:
            self._dbs.move_to_end(name)
            return self._dbs[name]
        self._dbs[name] = TinyDB(self.directory / f"{name}.json", storage=HeldStorage)
        return self._dbs[name]

    def trim(self) -> None:
        """Keep at most MAX_OPEN files in memory, the least recently used go; a file with
        uncommitted changes stays. Called between messages, never during one, so no table
        handle a use case holds can lose its file."""
        for name in list(self._dbs):
            if len(self._dbs) <= MAX_OPEN:
                return
            if not self._dbs[name].storage.dirty:  # type: ignore[attr-defined]
                del self._dbs[name]

    def _storages(self) -> list[tuple[str, HeldStorage]]:
        return [(name, db.storage) for name, db in self._dbs.items()]  # type: ignore[misc]

    @property
    def dirty(self) -> bool:
        """Whether anything was changed since the last commit."""
        return any(storage.dirty for _, storage in self._storages())

    def commit(self) -> None:
        changed = {f"{n}.json": s.serialized() for n, s in self._storages() if s.dirty}
        commit_files(self.directory, changed)
        for _, storage in self._storages():
            storage.dirty = False

    def rollback(self) -> None:
        for name, storage in self._storages():
            if storage.dirty:
                del self._dbs[name]  # reopened from disk on next use, with fresh table caches

    def close(self) -> None:
        self._dbs.clear()
        self._lock.release()
