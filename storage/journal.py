"""The commit journal: one line of JSON per commit, appended, fsynced in groups.

A commit is durable once its line is on disk, so a booking costs one small append and one
fsync instead of rewriting its year's file. Commits made while an fsync runs share the next one
(group commit): a caller appends under the store's lock, then waits outside it with `sync`.

Positions are counted in bytes appended since the journal was opened, across resets, so a waiter
can tell whether its line is durable even after a checkpoint emptied the file (a checkpoint
writes everything to the partition files first, fsynced, so a reset makes all lines durable).

A line is complete only with its newline and valid JSON. On opening, a torn last line (the crash
came while it was written, so nobody was told it was booked) is cut off; a damaged line with
complete lines after it means the disk itself lost data, and the store refuses to open.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)


class JournalDamaged(RuntimeError):
    """A line in the middle of the journal cannot be read: acknowledged commits are lost."""


class JournalFailed(OSError):
    """An fsync failed: what was appended may not be on disk, and Linux may not say so again.
    The store takes no more commits until it is opened anew (a restart)."""


def parse_lines(data: bytes, path: Path) -> tuple[list[dict[str, Any]], int]:
    """The commits in `data` and the length of its complete part."""
    entries: list[dict[str, Any]] = []
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        if end < 0:
            break
        try:
            entries.append(orjson.loads(data[start:end]))
        except orjson.JSONDecodeError:
            if data.find(b"\n", end + 1) >= 0:
                raise JournalDamaged(f"{path}: line {len(entries) + 1} is damaged and later "
                                     "commits follow it; restore the data directory from a "
                                     "backup") from None
            break
        start = end + 1
    return entries, start


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries = self._read()
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - lives as long as the store
        self._size = self._file.tell()
        self._appended = 0
        self._durable = 0
        self._syncing = False
        self._failed: OSError | None = None
        self._cond = threading.Condition()

    def _read(self) -> list[dict[str, Any]]:
        """The complete lines on disk; a torn tail is cut off."""
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        entries, complete = parse_lines(data, self.path)
        if complete < len(data):
            log.warning("%s: cutting off a torn last commit (%d bytes)", self.path,
                        len(data) - complete)
            with open(self.path, "r+b") as handle:
                handle.truncate(complete)
                os.fsync(handle.fileno())
        return entries

    def read_entries(self) -> list[dict[str, Any]]:
        """Every commit in the journal now, including those not yet fsynced."""
        return parse_lines(self.path.read_bytes(), self.path)[0]

    @property
    def size(self) -> int:
        return self._size

    @property
    def appended(self) -> int:
        return self._appended

    @property
    def failed(self) -> bool:
        return self._failed is not None

    def append(self, entry: dict[str, Any]) -> int:
        """Write one commit (not yet fsynced); its position for `sync`. On a write error the
        file is cut back, so a failed commit leaves no trace."""
        if self._failed is not None:
            raise JournalFailed(f"the journal failed earlier: {self._failed}")
        line = orjson.dumps(entry) + b"\n"
        try:
            written = self._file.write(line)
            if written != len(line):
                raise OSError(f"short write to {self.path}: {written} of {len(line)} bytes")
        except OSError:
            self._cut_back()
            raise
        self._size += len(line)
        self._appended += len(line)
        return self._appended

    def _cut_back(self) -> None:
        try:
            os.ftruncate(self._file.fileno(), self._size)
        except OSError as error:  # the next append would follow a torn line: refuse it
            self._failed = error

    def sync(self, upto: int | None = None) -> None:
        """Return once everything up to `upto` (default: all appended) is on disk. One caller
        fsyncs; whoever arrives meanwhile waits and is covered by the next fsync."""
        upto = self._appended if upto is None else upto
        with self._cond:
            while self._durable < upto:
                if self._failed is not None:
                    raise JournalFailed(f"the journal could not be written: {self._failed}")
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing = True
                target = self._appended
                self._cond.release()
                try:
                    os.fsync(self._file.fileno())
                except OSError as error:
                    self._failed = error
                    log.critical("fsync of %s failed (%s); no more commits until a restart",
                                 self.path, error)
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    self._cond.notify_all()
                if self._failed is None:
                    self._durable = max(self._durable, target)

    def reset(self) -> None:
        """Empty the journal after a checkpoint wrote everything to the partition files."""
        os.ftruncate(self._file.fileno(), 0)
        os.fsync(self._file.fileno())
        self._size = 0
        self.entries = []
        with self._cond:
            self._durable = self._appended
            self._cond.notify_all()

    def close(self) -> None:
        self._file.close()
