"""Backup archives of the store: the partition files and the journal, as of one moment.

A snapshot is taken while no commit runs (the core holds its lock, see `Core.snapshot`): the
files on disk plus the journal's complete lines are the committed state, since opening them
replays the journal over the files. The archive is a tar.gz with MANIFEST.json first: the
format, the time, each file's size and SHA-256, and the export at that moment, against which a
restore is checked. An archive is written to a temporary file beside its target, fsynced and
renamed: a backup that is interrupted leaves the previous file of that name untouched.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import time
from pathlib import Path
from typing import Any

import orjson

from storage.atomic import write_atomic
from storage.partitions import JOURNAL

FORMAT = "sozialbot-backup/1"
MANIFEST = "MANIFEST.json"
MEMBER = re.compile(r"(?:[A-Za-z0-9_-]{1,64}\.json|" + re.escape(JOURNAL) + r")\Z")
MAX_MEMBER_BYTES = 1 << 30


class BackupError(ValueError):
    """The archive is damaged, incomplete or not ours; the message says what (German)."""


def snapshot_files(directory: Path) -> dict[str, bytes]:
    """The committed state of a data directory, read while nothing commits."""
    files = {p.name: p.read_bytes() for p in sorted(directory.glob("*.json"))
             if MEMBER.match(p.name)}
    journal = directory / JOURNAL
    data = journal.read_bytes() if journal.exists() else b""
    files[JOURNAL] = data[:data.rfind(b"\n") + 1]  # complete lines only
    return files


def pack(files: dict[str, bytes], export: dict[str, Any], created_at: str) -> bytes:
    manifest = {
        "format": FORMAT, "created_at": created_at,
        "files": {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in files.items()},
        "export": export,
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as archive:
        for name, data in [(MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2)),
                           *sorted(files.items())]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unpack(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the files of an archive, each checked against the manifest."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            members: dict[str, bytes] = {}
            for member in archive:
                if not member.isfile() or not (member.name == MANIFEST or
                                               MEMBER.match(member.name)):
                    raise BackupError(f"unerwarteter Eintrag „{member.name}“ im Archiv")
                if member.size > MAX_MEMBER_BYTES or member.name in members:
                    raise BackupError(f"Eintrag „{member.name}“ ist zu groß oder doppelt")
                handle = archive.extractfile(member)
                members[member.name] = handle.read() if handle else b""
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"das Archiv ist beschädigt oder unvollständig ({error})") from None
    try:
        manifest = orjson.loads(members.pop(MANIFEST))
    except (KeyError, orjson.JSONDecodeError):
        raise BackupError("MANIFEST.json fehlt oder ist unlesbar") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"kein Archiv im Format {FORMAT}")
    listed = manifest.get("files", {})
    if set(listed) != set(members):
        raise BackupError("die Dateien im Archiv passen nicht zum MANIFEST.json")
    for name, content in members.items():
        if hashlib.sha256(content).hexdigest() != listed[name].get("sha256"):
            raise BackupError(f"{name}: Prüfsumme falsch, die Datei ist beschädigt")
    return manifest, members


def write_archive(path: Path, data: bytes) -> None:
    unpack(data)  # never write an archive that would not restore
    write_atomic(path, data)
    path.chmod(0o600)


def restore_files(files: dict[str, bytes], directory: Path) -> None:
    """Write the files into `directory`, which must be empty or not exist yet."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} ist nicht leer; bitte in ein leeres Verzeichnis "
                          "wiederherstellen")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, content in files.items():
        write_atomic(directory / name, content)
        (directory / name).chmod(0o600)
