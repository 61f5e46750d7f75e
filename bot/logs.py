"""Logging for `sozialbot run`: one line per event on stderr, with its level.

Under systemd (JOURNAL_STREAM is set) each line starts with the syslog priority (`<4>` for a
warning), which journald turns into the entry's PRIORITY, and without a time stamp (journald adds
its own); `journalctl -u sozialbot -p warning` then shows warnings and worse. A traceback stays on
the line of its event, its line breaks written as " ⏎ ". Nothing here logs a message text at
INFO; libraries that would log URLs or token exchanges at INFO are held at WARNING.
"""

from __future__ import annotations

import logging
import os
import sys

PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
            logging.DEBUG: 7}
QUIET = ("httpx", "apscheduler", "msal", "urllib3", "aiosmtpd", "mail.log", "tornado.access")


class OneLine(logging.Formatter):
    def __init__(self, journald: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s" if journald else
                         "%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        line = " ⏎ ".join(super().format(record).replace("\r", "").splitlines())
        if self.journald:
            return f"<{PRIORITY.get(record.levelno, 6)}>{line}"
        return line


def setup(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine(journald=bool(os.environ.get("JOURNAL_STREAM"))))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET:
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.WARNING)
