"""No secret in any log line: the Telegram token, passwords, OAuth secrets, one-time codes.

Libraries put the token into their error texts (every Bot API URL is /bot<token>/method), and an
exception's text is logged as it is. `RedactSecrets` is a logging filter for the root handlers:
it renders each record (message, arguments, traceback) and replaces every secret in it before
any handler writes it. The secrets are the values of the environment variables that hold them
(names ending in TOKEN, SECRET, PASSWORD, or named in the configuration), plus anything shaped
like a Telegram token or a confirmation code after its command.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable

SECRET_NAMES = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|CERTIFICATE)$", re.I)
TELEGRAM_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
CODE = re.compile(r"(/(?:buchen|verwerfen|freigeben|start)(?:@\w+)?\s+)\S+", re.IGNORECASE)
HIDDEN = "***"
MIN_SECRET = 6  # shorter values would blank out ordinary words


def secrets_from_environment(extra_names: Iterable[str] = ()) -> set[str]:
    names = set(extra_names)
    values = {value.strip() for name, value in os.environ.items()
              if SECRET_NAMES.search(name) or name in names}
    return {v for v in values if len(v) >= MIN_SECRET}


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = TELEGRAM_TOKEN.sub(HIDDEN, text)
    return CODE.sub(lambda m: m.group(1) + HIDDEN, text)


class RedactSecrets(logging.Filter):
    """Renders a record once and hides the secrets in it (message and traceback)."""

    def __init__(self, extra_names: Iterable[str] = ()) -> None:
        super().__init__()
        self.extra_names = tuple(extra_names)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = secrets_from_environment(self.extra_names)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log what there is
            message = str(record.msg)
        record.msg, record.args = redact(message, secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


def install(extra_names: Iterable[str] = ()) -> None:
    """Put the filter on every handler of the root logger (a filter on a logger would not see
    the records its children pass up)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets(extra_names))
