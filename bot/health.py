"""What each channel of the running bot is doing, for `sozialbot status` and monitoring.

A channel reports with one call where it already knows: connected, a message handled, an error.
The running bot answers `status` on its control socket from these records (bot.control).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


@dataclass
class ChannelHealth:
    name: str
    connected: bool = False
    connected_since: str | None = None
    last_message_at: str | None = None
    messages: int = 0
    last_error: str | None = None
    last_error_at: str | None = None
    queue: Callable[[], int] = field(default=lambda: 0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def up(self) -> None:
        with self._lock:
            if not self.connected:
                self.connected, self.connected_since = True, _now()

    def down(self, error: object) -> None:
        with self._lock:
            self.connected, self.connected_since = False, None
            self.last_error, self.last_error_at = " ".join(str(error).split())[:500], _now()

    def error(self, error: object) -> None:
        """A failure that does not cut the connection (one message, the sending side)."""
        with self._lock:
            self.last_error, self.last_error_at = " ".join(str(error).split())[:500], _now()

    def handled(self) -> None:
        with self._lock:
            self.messages += 1
            self.last_message_at = _now()

    def report(self) -> dict[str, Any]:
        with self._lock:
            try:
                queue = self.queue()
            except Exception:  # a channel shutting down: its queue is gone
                queue = 0
            return {"connected": self.connected, "connected_since": self.connected_since,
                    "last_message_at": self.last_message_at, "messages": self.messages,
                    "queue": queue, "last_error": self.last_error,
                    "last_error_at": self.last_error_at}


_CHANNELS: dict[str, ChannelHealth] = {}
_STARTED = _now()


def channel(name: str) -> ChannelHealth:
    """The record of one channel of this process (a new one replaces the old on restart)."""
    record = ChannelHealth(name)
    _CHANNELS[name] = record
    return record


def report() -> dict[str, Any]:
    return {"pid": os.getpid(), "started_at": _STARTED,
            "channels": {name: record.report() for name, record in _CHANNELS.items()}}
