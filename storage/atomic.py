"""Crash-safe files: each write goes to a temporary file, is fsynced, then renamed over the old.

A reader sees the old file or the new one, never half of one. Commits that change several files
at once are made atomic by the journal (see `journal`), not here.
"""

from __future__ import annotations

import os
from pathlib import Path

TMP_SUFFIX = ".tmp"


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    """Replace one file durably: a hidden temporary file beside it, fsynced, renamed over it."""
    temp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        _write_synced(temp, data)
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)  # a full disk: leave no half-written file behind
        raise
    fsync_dir(path.parent)


def remove_temporary_files(directory: Path) -> None:
    """Temporary files left by a crash during a write: the file they were for is intact."""
    for temp in directory.glob(".*" + TMP_SUFFIX):
        temp.unlink()
