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
    for path in (directory, *directory.rglob("*")):
        try:
            info = path.lstat()
        except OSError:
            continue  # removed meanwhile
        if stat.S_ISLNK(info.st_mode) or not (stat.S_ISDIR(info.st_mode) or
                                              stat.S_ISREG(info.st_mode)):
            continue  # the lock's socket and links are left alone
        wanted = FOLDER_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE
        if stat.S_IMODE(info.st_mode) & 0o077:
            loose.append(path)
            path.chmod(wanted)
    if loose:
        shown = ", ".join(str(p) for p in loose[:5]) + (" …" if len(loose) > 5 else "")
        log.warning("Datenordner: %d Dateien oder Ordner waren für andere Benutzer lesbar und "
                    "sind jetzt nur noch für den Bot lesbar (0700/0600): %s", len(loose), shown)
    return loose
