"""One process per data directory: TinyDB is not process-safe, so a second one is refused."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class StoreLocked(RuntimeError):
    """Another sozialbot process holds the data directory."""


class DirectoryLock:
    def __init__(self, directory: Path) -> None:
        self.path = directory / ".lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StoreLocked(
                f"Das Datenverzeichnis {self.path.parent} wird schon von einem anderen "
                f"sozialbot-Prozess benutzt (PID {holder}). Beenden Sie ihn zuerst."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
