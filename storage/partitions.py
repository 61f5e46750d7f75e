"""TinyDB files under the data directory, one per budget year plus one for what is not yearly.

Each file is a TinyDB database whose storage keeps the data in memory and writes nothing by
itself. `Partitions.commit()` appends the rows a message changed, in all files at once, as one
line to the journal (see `journal`); `rollback()` forgets changes that were not committed. Now
and then, and when the store is closed or opened, a checkpoint writes the changed files whole
(each atomically, see `atomic`) and empties the journal. Replaying a journal line sets rows to
their committed values, so replaying it again over a file that already has them changes nothing:
a crash during a checkpoint loses nothing.

A past year's file is read through a light copy of it when that holds what is asked for (see
`Light`): `<year>.light` beside it, about a third of the file, made from it when first needed,
checked against it before use, made again or removed whenever the file is written. Last year's
copy stays in memory between messages instead of its whole file.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from storage.atomic import remove_temporary_files, write_atomic
from storage.journal import Journal
from storage.lock import DirectoryLock
from storage.private import make_private

if TYPE_CHECKING:
    import ctypes

log = logging.getLogger(__name__)

MAX_OPEN = 4  # files open at most before files with journalled changes are written whole
JOURNAL = "journal.log"
CHECKPOINT_BYTES = 2 * 1024 * 1024  # journal size at which the files are written whole

LIGHT_SUFFIX = ".light"
LIGHT_VERSION = 1

Change = list[Any]  # [table, document id, row or None for removed]
T = TypeVar("T")


def give_back_memory() -> None:
    """Hand memory freed by closed files back to the system. glibc keeps freed memory for reuse
    and returns little of it by itself: reading ten old years one after the other left about
    15 MB more resident each time. A no-op where the C library is not glibc."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, loaded when first needed (ctypes costs a start a few milliseconds)."""
    import ctypes

    try:
        return ctypes.CDLL(None)
    except OSError:  # no C library to load (not expected on Linux)
        return None


_SERIALS = itertools.count()  # each storage's own number, never given twice in a process


class HeldStorage(Storage):
    """A TinyDB storage that holds the data in memory until the owner commits it."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None) -> None:
        self.path = path
        # (serial, generation) changes whenever the data may have changed (`version`)
        self.serial = next(_SERIALS)
        self.generation = 0
        self.dirty = False
        self.touched: dict[str, set[int]] = {}  # table → ids of rows changed since the commit
        # (table, field) → value → ids of the rows that had it; kept current by `touch`, so a
        # lookup reads the rows it finds, not the table (see `lookup`)
        self.indexes: dict[tuple[str, str], dict[Any, set[str]]] = {}
        # (table, document id) → the record the store made of that row (`record`), dropped
        # when the row is written (`touch`) or the data replaced
        self.records: dict[tuple[str, str], Any] = {}
        # table → (field, value) → the rows `lookup` found (if any), dropped as `records` are:
        # a light copy's rows (never written) are looked up once per value, not per message
        self.found: dict[str, dict[tuple[str, Any], list[tuple[str, dict[str, Any]]]]] = {}
        self.data: dict[str, Any] | None = self._load() if data is None else data

    def _load(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        return orjson.loads(self.path.read_bytes() or b"{}")

    def read(self) -> dict[str, Any] | None:
        return self.data

    def write(self, data: dict[str, Any]) -> None:
        self.generation += 1
        if data is not self.data:
            self.indexes.clear()
            self.records.clear()
            self.found.clear()
        self.data = data
        self.dirty = True

    def serialized(self) -> bytes:
        return orjson.dumps(self.data)  # UTF-8 JSON, about ten times faster than json.dumps

    def touch(self, table: str, doc_ids: list[int]) -> None:
        self.touched.setdefault(table, set()).update(doc_ids)
        self.found.pop(table, None)
        for written in doc_ids:
            self.records.pop((table, str(written)), None)
        rows = (self.data or {}).get(table, {})
        for (name, field), index in self.indexes.items():
            if name == table:
                for doc_id in map(str, doc_ids):
                    if doc_id in rows:
                        index.setdefault(rows[doc_id].get(field), set()).add(doc_id)

    def lookup(self, table: str, field: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        """The rows of `table` whose `field` is `value`, by document id. The index is built on
        the first lookup; an entry a change made stale (a preview once open, now booked) is
        dropped here, so a value that rows pass through stays cheap to look up."""
        found = self.found.get(table, {}).get((field, value))
        if found is not None:
            return list(found)
        rows = (self.data or {}).get(table, {})
        index = self.indexes.get((table, field))
        if index is None:
            index = self.indexes[(table, field)] = {}
            for doc_id, row in rows.items():
                index.setdefault(row.get(field), set()).add(doc_id)
        ids = index.get(value, set())
        stale = {doc_id for doc_id in ids
                 if doc_id not in rows or rows[doc_id].get(field) != value}
        ids -= stale
        found = sorted(((doc_id, rows[doc_id]) for doc_id in ids), key=lambda pair: int(pair[0]))
        if found:  # kept for values rows have only: a flood of unknown senders keeps nothing
            self.found.setdefault(table, {})[(field, value)] = found
        return list(found)

    def record(self, table: str, doc_id: str, row: dict[str, Any],
               convert: Callable[[dict[str, Any]], T]) -> T:
        """`convert(row)`, made once and given again until the row is written."""
        key = (table, doc_id)
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = convert(row)
        return found

    def changes(self) -> list[Change]:
        """The changed rows as they are now, for the journal."""
        tables = self.data or {}
        return [[table, doc_id, tables.get(table, {}).get(str(doc_id))]
                for table, ids in self.touched.items() for doc_id in sorted(ids)]

    def apply(self, changes: list[Change]) -> None:
        """Set rows to their journalled values (replay)."""
        self.data = self.data if self.data is not None else {}
        self.generation += 1
        self.indexes.clear()
        self.records.clear()
        self.found.clear()
        for table, doc_id, row in changes:
            rows = self.data.setdefault(table, {})
            if row is None:
                rows.pop(str(doc_id), None)
            else:
                rows[str(doc_id)] = row

    def close(self) -> None:
        pass


class _IntKeys(MutableMapping):
    """A raw table (string ids, as in the JSON file) seen with integer ids, as TinyDB's table
    operations expect; changes go straight into the raw table."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def __getitem__(self, doc_id: int) -> Any:
        return self.raw[str(doc_id)]

    def __setitem__(self, doc_id: int, row: Any) -> None:
        self.raw[str(doc_id)] = row

    def __delitem__(self, doc_id: int) -> None:
        del self.raw[str(doc_id)]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(doc_id) for doc_id in list(self.raw))

    def __len__(self) -> int:
        return len(self.raw)


class JournaledTable(Table):
    """A TinyDB table that tells its storage which rows each write changed, and changes rows in
    place: TinyDB's own way copies the whole table for every insert, O(rows) per booking."""

    def _update_table(self, updater: Callable[[dict[int, Mapping]], None]) -> None:
        tables = self._storage.read() or {}
        raw = tables.setdefault(self.name, {})
        updater(_IntKeys(raw))  # type: ignore[arg-type]
        self._storage.write(tables)
        self.clear_cache()

    def _touch(self, doc_ids: list[int]) -> list[int]:
        self.storage.touch(self.name, doc_ids)  # type: ignore[attr-defined]
        return doc_ids

    def insert(self, document: Mapping) -> int:
        return self._touch([super().insert(document)])[0]

    def insert_multiple(self, documents: Iterable[Mapping]) -> list[int]:
        return self._touch(super().insert_multiple(documents))

    def update(self, *args: Any, **kwargs: Any) -> list[int]:
        return self._touch(super().update(*args, **kwargs))

    def update_multiple(self, *args: Any, **kwargs: Any) -> list[int]:
        return self._touch(super().update_multiple(*args, **kwargs))

    def upsert(self, *args: Any, **kwargs: Any) -> list[int]:
        return self._touch(super().upsert(*args, **kwargs))

    def remove(self, *args: Any, **kwargs: Any) -> list[int]:
        return self._touch(super().remove(*args, **kwargs))

    def truncate(self) -> None:
        self._touch([int(i) for i in (self.storage.read() or {}).get(self.name, {})])
        super().truncate()


class JournaledDB(TinyDB):
    table_class = JournaledTable


@dataclass(frozen=True)
class Light:
    """What a light copy of a file holds, read-only: `tables` whole, and of `keys` (table,
    field) the field's values."""

    tables: frozenset[str] = frozenset()
    keys: frozenset[tuple[str, str]] = frozenset()

    def copy(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The light copy of a file's data."""
        return {"tables": {table: data.get(table, {}) for table in self.tables},
                "keys": {f"{table}.{field}": [row[field] for row in data.get(table, {}).values()]
                         for table, field in self.keys}}


class LightCopy:
    """A light copy in memory: its rows found through indexes as in the file itself."""

    def __init__(self, path: Path, copy: dict[str, Any]) -> None:
        self.storage = HeldStorage(path, copy["tables"])
        self.keys: dict[str, list[Any]] = copy["keys"]


def _source(path: Path) -> list[int] | None:
    """What a light copy remembers of the file it was made from: size, time, inode."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


class Partitions:
    """The open TinyDB files of one data directory, locked against a second process."""

    def __init__(self, directory: Path, light: Light | None = None, *,
                 whole: Collection[str] = ()) -> None:
        """`light`: what a light copy holds; `whole`: files never read through one."""
        self.directory = directory
        make_private(directory)  # 0700 and 0600, whatever the umask
        self._lock = DirectoryLock(directory)
        self._lock.acquire()
        remove_temporary_files(directory)
        self._dbs: OrderedDict[str, TinyDB] = OrderedDict()
        self.opened: Counter[str] = Counter()  # how often each file was read from disk whole
        self.light = light or Light()
        # files never read through a light copy (`whole`, and the one in focus: this year's),
        # and those whose light copy stays in memory between messages and is written again
        # with the file (last year's): see `focus`
        self._whole = frozenset(whole)
        self._light_skip = self._whole
        self._light_kept: frozenset[str] = frozenset()
        self._lights: dict[str, LightCopy] = {}
        self._on_disk = {name[:-5] for name in os.listdir(directory)  # one process per directory
                         if name.endswith(".json")}
        self._unsaved: set[str] = set()  # files with journalled changes not yet written whole
        self.journal = Journal(directory / JOURNAL)
        self._replay(self.journal.entries)

    def _replay(self, entries: list[dict[str, list[Change]]]) -> None:
        """Apply what the journal holds from the last run, then write it to the files."""
        for entry in entries:
            for name, changes in entry.items():
                self.db(name).storage.apply(changes)  # type: ignore[attr-defined]
                self._unsaved.add(name)
        if entries:
            self.checkpoint()

    def names(self) -> list[str]:
        """Names of the partitions on disk or written to in memory."""
        written = {name for name, storage in self._storages() if storage.data is not None}
        return sorted(self._on_disk | written)

    def exists(self, name: str) -> bool:
        """Whether the partition is on disk or written to in memory (as `names`, in O(1))."""
        if name in self._on_disk:
            return True
        return name in self._dbs and self._dbs[name].storage.data is not None  # type: ignore[attr-defined]

    def raw(self, name: str, table: str) -> dict[str, dict[str, Any]]:
        """A table's rows by document id, read-only: no TinyDB Document objects, no copies."""
        storage = self._reader(name, table)
        return ((storage.read() if storage else None) or {}).get(table, {})

    def rows(self, name: str, table: str) -> list[dict[str, Any]]:
        return list(self.raw(name, table).values())

    def find(self, name: str, table: str, field: str,
             value: Any) -> list[tuple[str, dict[str, Any]]]:
        """The rows whose `field` is `value`, by document id, through an index (read-only)."""
        storage = self._reader(name, table)
        return storage.lookup(table, field, value) if storage else []

    def find_records(self, name: str, table: str, field: str, value: Any,
                     convert: Callable[[dict[str, Any]], T]) -> list[T]:
        """`find`, each row made a record by `convert`: once, then the same record again until
        the row is written (a table's rows are made records by one `convert` only)."""
        storage = self._reader(name, table)
        return [storage.record(table, doc_id, row, convert)
                for doc_id, row in storage.lookup(table, field, value)] if storage else []

    def version(self, name: str, table: str) -> tuple[int, int] | None:
        """Where `table` of `name` is read (see `_reader`) and how often that was written: the
        same value until a row of it may have changed, so what was made of its rows can be kept
        until then. None for a file that does not exist."""
        storage = self._reader(name, table)
        return (storage.serial, storage.generation) if storage else None

    def values(self, name: str, table: str, field: str) -> list[Any]:
        """The `field` of every row of `table` (read-only)."""
        if (table, field) in self.light.keys and (copy := self._light_copy(name)):
            return copy.keys[f"{table}.{field}"]
        return [row[field] for row in self.raw(name, table).values()]

    def focus(self, current: str, past: str) -> None:
        """Name the file messages now change (`current`: read whole, never through a light
        copy) and the `past` one whose light copy stays in memory between messages."""
        self._light_skip = self._whole | {current}
        self._light_kept = frozenset({past})

    def _reader(self, name: str, table: str) -> HeldStorage | None:
        """Where to read: the open file; else its light copy if that has what is asked for
        (not for `_light_skip`); else the file, opened; None for a file that does not exist."""
        if name not in self._dbs:
            if name not in self._on_disk:
                return None
            if table in self.light.tables and (copy := self._light_copy(name)):
                return copy.storage
        return self.db(name).storage  # type: ignore[return-value]

    def _light_copy(self, name: str) -> LightCopy | None:
        """The light copy of a file not open (nor in `_light_skip`): kept in memory, else read
        from its `.light` file if that was made from the file as it is, else made (reading the
        file once) and written for the next time. Kept in memory until `trim` only, unless
        the file is in `_light_kept`."""
        if name in self._dbs or name in self._light_skip:
            return None
        if name in self._lights:
            return self._lights[name]
        path = self.directory / f"{name}.json"
        source = _source(path)
        if source is None:
            return None
        try:
            stored = orjson.loads((self.directory / f"{name}{LIGHT_SUFFIX}").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            stored = {}
        if stored.get("source") != source or stored.get("version") != LIGHT_VERSION:
            self.opened[name] += 1
            stored = self._write_light(name, orjson.loads(path.read_bytes() or b"{}"), source)
        self._lights[name] = LightCopy(path, stored)
        return self._lights[name]

    def _write_light(self, name: str, data: Mapping[str, Any],
                     source: list[int] | None) -> dict[str, Any]:
        """Make the light copy of `data` (the file as it is on disk) and write it beside the
        file, not synced: a copy lost in a crash is made again from the file."""
        copy = {"version": LIGHT_VERSION, "source": source, **self.light.copy(data)}
        path = self.directory / f"{name}{LIGHT_SUFFIX}"
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "wb") as handle:
                handle.write(orjson.dumps(copy))
            os.replace(temp, path)
        except OSError as error:
            temp.unlink(missing_ok=True)
            log.warning("could not write %s (%s); it is made again when needed", path, error)
        return copy

    def peek(self, name: str) -> dict[str, Any]:
        """A file's data without keeping it open (a one-time scan of every year): the open
        copy if there is one (it may hold changes not yet in the file), else read from disk."""
        if name in self._dbs:
            return self._dbs[name].storage.read() or {}
        path = self.directory / f"{name}.json"
        return orjson.loads(path.read_bytes() or b"{}") if path.exists() else {}

    def db(self, name: str) -> TinyDB:
        if name in self._dbs:
            self._dbs.move_to_end(name)
            return self._dbs[name]
        self._dbs[name] = JournaledDB(self.directory / f"{name}.json", storage=HeldStorage)
        if self._dbs[name].storage.data is not None:  # type: ignore[attr-defined]
            self.opened[name] += 1
        return self._dbs[name]

    def trim(self, keep: Collection[str] = ()) -> None:
        """Close every file not in `keep`, except one with changes not yet in its file on disk.
        Called between messages, never during one, so no table handle a use case holds can
        lose its file. More than MAX_OPEN files open (a year-end close, a replay, a correction
        in an old year): the changed ones are written whole first, so they can go too."""
        if len(self._dbs) > MAX_OPEN and self._unsaved - {n for n, s in self._storages()
                                                          if s.dirty}:
            try:
                self.checkpoint()
            except OSError as error:
                log.warning("could not write the files (%s); they stay in memory", error)
        closed = [(name, storage) for name, storage in self._storages()
                  if name not in keep and not storage.dirty and name not in self._unsaved]
        for name, _ in closed:
            del self._dbs[name]
        unused = [name for name in self._lights if name not in self._light_kept]
        for name in unused:
            del self._lights[name]
        if unused or any(storage.data for _, storage in closed):
            give_back_memory()

    def _storages(self) -> list[tuple[str, HeldStorage]]:
        return [(name, db.storage) for name, db in self._dbs.items()]  # type: ignore[misc]

    @property
    def dirty(self) -> bool:
        """Whether anything was changed since the last commit."""
        return any(storage.dirty for _, storage in self._storages())

    def commit(self) -> int:
        """Append the changed rows as one journal line; its position for `sync`. Not durable
        until synced. A file is written whole when the journal has grown large."""
        changed = {name: storage for name, storage in self._storages() if storage.dirty}
        if not changed:
            return self.journal.appended
        position = self.journal.append({name: s.changes() for name, s in changed.items()})
        for name, storage in changed.items():
            storage.dirty = False
            storage.touched.clear()
            self._unsaved.add(name)
        if self.journal.size > CHECKPOINT_BYTES:
            self.checkpoint()
        return position

    def sync(self, position: int | None = None) -> None:
        self.journal.sync(position)

    def checkpoint(self) -> None:
        """Write every file with journalled changes whole, then empty the journal."""
        for name in sorted(self._unsaved):
            storage: HeldStorage = self._dbs[name].storage  # type: ignore[assignment]
            write_atomic(storage.path, storage.serialized())
            self._on_disk.add(name)
            self._renew_light(name, storage)
        self._unsaved.clear()
        self.journal.reset()

    def _renew_light(self, name: str, storage: HeldStorage) -> None:
        """A file was written: its light copy is made again from it if it is read light, else
        removed (it would hold what the file no longer does, erased data included)."""
        self._lights.pop(name, None)
        if name in self._light_kept:
            self._write_light(name, storage.data or {}, _source(storage.path))
            return
        try:
            (self.directory / f"{name}{LIGHT_SUFFIX}").unlink(missing_ok=True)
        except OSError as error:  # never used (made from the file before), but not removed
            log.warning("could not remove the light copy of %s (%s)", name, error)

    def rollback(self) -> None:
        for name, storage in self._storages():
            if storage.dirty:
                del self._dbs[name]  # reopened from disk on next use, with fresh table caches
                if name in self._unsaved:
                    self._reload(name)

    def _reload(self, name: str) -> None:
        """A file whose newest rows are only in the journal: its file plus the journal."""
        storage: HeldStorage = self.db(name).storage  # type: ignore[assignment]
        for entry in self.journal.read_entries():
            storage.apply(entry.get(name, []))

    def close(self) -> None:
        try:
            if self._unsaved and not self.journal.failed:
                self.checkpoint()
        except OSError as error:  # a full disk: the journal keeps it for the next start
            log.warning("could not write the files at closing (%s); the journal keeps the "
                        "changes", error)
        finally:
            self.journal.close()
            self._dbs.clear()
            self._lock.release()
