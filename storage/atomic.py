"""Crash-safe files: each write goes to a temporary file, is fsynced, then renamed over the old.

A commit may replace several files at once (a year-end close writes two budget years). The
temporary files are written first, then a small commit record naming them; only then are they
renamed. On opening, a commit record left behind by a crash is carried out (roll forward), and
temporary files without one are removed (roll back). So a reader never sees half a commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

COMMIT_RECORD = "commit.pending"
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
    _write_synced(temp, data)
    os.replace(temp, path)
    fsync_dir(path.parent)


def commit_files(directory: Path, contents: dict[str, bytes]) -> None:
    """Replace the named files in `directory` with `contents`, all or none, durably."""
    if not contents:
        return
    for name, data in contents.items():
        _write_synced(directory / (name + TMP_SUFFIX), data)
    if len(contents) == 1:
        (name,) = contents
        os.replace(directory / (name + TMP_SUFFIX), directory / name)
        fsync_dir(directory)
        return
    record = directory / COMMIT_RECORD
    _write_synced(record, json.dumps(sorted(contents)).encode())
    fsync_dir(directory)
    _apply_record(directory)


def _apply_record(directory: Path) -> None:
    record = directory / COMMIT_RECORD
    names = json.loads(record.read_text(encoding="utf-8"))
    for name in names:
        tmp = directory / (name + TMP_SUFFIX)
        if tmp.exists():
            os.replace(tmp, directory / name)
    fsync_dir(directory)
    record.unlink()
    fsync_dir(directory)


def recover(directory: Path) -> None:
    """Finish a commit interrupted by a crash, or discard its unfinished temporary files."""
    record = directory / COMMIT_RECORD
    if record.exists():
        try:
            json.loads(record.read_text(encoding="utf-8"))
        except ValueError:
            record.unlink()  # the record itself was torn: the commit never started renaming
        else:
            _apply_record(directory)
    for tmp in directory.glob("*" + TMP_SUFFIX):
        tmp.unlink()
