"""The data folder holds personal data (applicants' addresses, sketches, mails): only the bot's
own user may read it. The folder is 0700 and every file in it 0600, whatever the umask.

Every `sozialbot` command sets the process umask to 077 (`private_umask`, called by the CLI), so
everything the bot creates (year files, journal, mail queue, button keys, invites, backups) is
private without each writer knowing it. `make_private`, run whenever a store is opened, creates
the folder 0700 and tightens whatever it finds more open, with a warning naming it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

FOLDER_MODE, FILE_MODE = 0o700, 0o600
log = logging.getLogger(__name__)


def private_umask() -> None:
    """New files of this process: 0600, new folders 0700."""
    os.umask(0o077)


def make_private(directory: Path) -> list[Path]:
    """Create `directory` 0700; tighten every folder and file below it that others could read.
    Returns what was too open."""
    directory.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    loose: list[Path] = []
    _tighten(str(directory), directory.lstat().st_mode, loose)
    folders = [str(directory)]
    while folders:  # os.scandir and plain strings: a start costs the same with 30 year files
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue  # removed meanwhile
        for entry in entries:
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue  # removed meanwhile
            _tighten(entry.path, mode, loose)
            if stat.S_ISDIR(mode):
                folders.append(entry.path)
    if loose:
        shown = ", ".join(str(p) for p in loose[:5]) + (" …" if len(loose) > 5 else "")
        log.warning("Datenordner: %d Dateien oder Ordner waren für andere Benutzer lesbar und "
                    "sind jetzt nur noch für den Bot lesbar (0700/0600): %s", len(loose), shown)
    return loose


def _tighten(path: str, mode: int, loose: list[Path]) -> None:
    """Make a folder 0700 or a file 0600 if others may read it; the lock's socket and links are
    left alone."""
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)) or not stat.S_IMODE(mode) & 0o077:
        return
    loose.append(Path(path))
    os.chmod(path, FOLDER_MODE if stat.S_ISDIR(mode) else FILE_MODE)
