"""Failed attempts at handling a message, counted on disk, as mail servers count deliveries.

A message whose handling or recording fails is tried again after a pause that doubles each time
(`first_pause`, twice that, … up to `max_pause`); after `limit` failed attempts the channel sets
it aside ("Nicht verarbeitet", or a confirmed Telegram update) and tells the administration.
Each failure is one fsynced JSON line (ASCII, so any key is stored as it is), so a restart does
not reset the count: a message that fails every time cannot keep the bot busy forever.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.atomic import write_atomic

FORGET_SECONDS = 30 * 86400  # a count this old belongs to a message no longer there


@dataclass(frozen=True)
class Failure:
    count: int
    error: str  # the class of the last error, e.g. "UnicodeEncodeError"
    at: float  # Unix time of the last failure


class Attempts:
    def __init__(self, path: Path | None, *, limit: int = 3, first_pause: float = 5.0,
                 max_pause: float = 300.0, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.limit = max(1, limit)
        self.first_pause, self.max_pause = first_pause, max(first_pause, max_pause)
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, Failure] = {}
        if path is None:  # counted in memory only (a channel run without a data directory)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = path.read_text(encoding="ascii", errors="replace").splitlines() \
            if path.exists() else []
        for line in lines:
            try:
                entry = json.loads(line)
                key, count = str(entry["key"]), int(entry["n"])
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a power failure
            if count > 0 and float(entry.get("at", 0)) > clock() - FORGET_SECONDS:
                self._failures[key] = Failure(count, str(entry.get("error", "")),
                                              float(entry.get("at", 0)))
            else:
                self._failures.pop(key, None)
        if len(lines) > len(self._failures):
            write_atomic(path, "".join(self._line(k, f) for k, f in self._failures.items())
                         .encode("ascii"))

    @staticmethod
    def _line(key: str, failure: Failure) -> str:
        return json.dumps({"key": key, "n": failure.count, "error": failure.error,
                           "at": round(failure.at, 3)}) + "\n"

    def _append(self, text: str, *, sync: bool) -> None:
        if self.path is None:
            return
        with open(self.path, "a", encoding="ascii") as handle:
            handle.write(text)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())

    def get(self, key: str) -> Failure | None:
        return self._failures.get(key)

    def failed(self, key: str, error: BaseException) -> Failure:
        """Count one more failed attempt at `key` (fsynced) and return the count so far."""
        with self._lock:
            previous = self._failures.get(key)
            failure = Failure((previous.count if previous else 0) + 1, type(error).__name__,
                              self.clock())
            self._append(self._line(key, failure), sync=True)
            self._failures[key] = failure
        return failure

    def exhausted(self, key: str) -> bool:
        failure = self._failures.get(key)
        return failure is not None and failure.count >= self.limit

    def due_at(self, key: str) -> float:
        """When `key` may be tried again (Unix time; 0 when it never failed)."""
        failure = self._failures.get(key)
        if failure is None:
            return 0.0
        pause = min(self.first_pause * 2 ** (failure.count - 1), self.max_pause)
        return failure.at + pause

    def forget(self, key: str) -> None:
        """`key` was handled or set aside; not fsynced (a crash only keeps an old count)."""
        with self._lock:
            if self._failures.pop(key, None) is not None:
                self._append(json.dumps({"key": key, "n": 0}) + "\n", sync=False)
