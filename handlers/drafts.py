"""Sketches sent without a social space, kept to join the lines their sender sends next (R4).

Such a sketch is refused (no social space, no number), so nothing of it is on disk. An applicant
who then sends only the missing lines ("Hier noch die fehlenden Angaben: Ausgangslage: …")
means the first mail as well: her lines are joined to her last such sketch of the past
`KEEP` days. Like the count of wrong codes they live in memory: a restart forgets them, and
the refusal gave her the whole form to send back in any case.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

KEEP = timedelta(days=14)
MOST = 1_000  # senders kept at once; the oldest goes first


class Drafts:
    """The last sketch without a social space per sender (thread-safe; one per Core)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, tuple[datetime, dict[str, str]]] = OrderedDict()

    def keep(self, who: str, fields: dict[str, str], now: datetime) -> None:
        with self._lock:
            self._kept.pop(who, None)
            self._kept[who] = (now, dict(fields))
            while len(self._kept) > MOST:
                self._kept.popitem(last=False)

    def last(self, who: str, now: datetime) -> tuple[datetime, dict[str, str]] | None:
        """The sender's draft if it is recent (and not from the future of a replayed mail)."""
        with self._lock:
            kept = self._kept.get(who)
        if kept is None or not now - KEEP <= kept[0] <= now:
            return None
        return kept[0], dict(kept[1])

    def drop(self, who: str) -> None:
        with self._lock:
            self._kept.pop(who, None)
