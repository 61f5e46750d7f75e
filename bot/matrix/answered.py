"""Event ids the bot has answered, fsynced, so that a sync delivered again after a crash (between
answering and saving the sync token) is not answered twice."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

from storage.atomic import write_atomic

KEEP = 10_000  # far more than one sync can deliver again


class AnsweredEvents:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._known: OrderedDict[str, None] = OrderedDict()
        if path.exists():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[-KEEP:]:
                self._known[line] = None
        self._lines = len(self._known)
        self._lock = threading.Lock()

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._known

    def add(self, event_id: str) -> None:
        """Remember `event_id` on disk (fsynced) before its sync token may be saved."""
        with self._lock:
            self._add(event_id.replace("\n", " "))

    def _add(self, event_id: str) -> None:
        self._known[event_id] = None
        while len(self._known) > KEEP:
            self._known.popitem(last=False)
        if self._lines >= 2 * KEEP:
            write_atomic(self._path, "".join(f"{k}\n" for k in self._known).encode())
            self._lines = len(self._known)
            return
        with self._path.open("a", encoding="utf-8") as file:
            file.write(event_id + "\n")
            file.flush()
            os.fsync(file.fileno())
        self._lines += 1
