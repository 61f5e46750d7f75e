"""One-time confirmation codes (/buchen, /freigeben, and any other preview) and the limits on
guessing them.

A code is 8 symbols of a 32-symbol alphabet without 0/O and 1/I: 40 bits, read aloud and typed
on a phone. It expires after `[security] code_days` (14); wrong codes are limited per person and
hour (`[security] wrong_codes_per_hour`, 5). The count of wrong codes lives in memory: a refusal
changes nothing on disk, and a restart forgets at most one hour of guesses.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

from rules.county import Security

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 32**8 = 2**40
CODE_PATTERN = r"[A-Z2-9]{6,10}"  # six-symbol codes of older previews are still read

log = logging.getLogger(__name__)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def expired(created_at: str, now: datetime, security: Security) -> bool:
    return datetime.fromisoformat(created_at) + timedelta(days=security.code_days) < now


def valid_until(now: datetime, security: Security) -> datetime:
    return now + timedelta(days=security.code_days)


class WrongCodes:
    """Wrong codes per person in the last hour (thread-safe; one per Core)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, who: str, limit: int) -> bool:
        with self._lock:
            recent = self._recent(who)
            return len(recent) >= limit

    def add(self, who: str) -> int:
        with self._lock:
            recent = self._recent(who)
            recent.append(time.monotonic())
            return len(recent)

    def _recent(self, who: str) -> deque[float]:
        recent = self._seen[who]
        while recent and recent[0] < time.monotonic() - 3600:
            recent.popleft()
        return recent


TOO_MANY = ("Zu viele falsche Codes in der letzten Stunde ({count}). Zum Schutz vor Raten nehme "
            "ich von Ihnen eine Stunde lang keinen Code mehr an. Senden Sie danach genau den Code "
            "aus der letzten Vorschau; bei Fragen hilft die Kreisverwaltung.")


def guesser(who: str, verified: bool) -> str:
    """Whom a wrong code counts against. A mail the channel could not verify may be forged:
    its wrong codes are counted apart, so that a stranger who sends wrong codes in a person's
    name cannot lock her out of her own Telegram chat or her verified mail."""
    return who if verified else f"{who} (unbestätigte E-Mail)"


def check_attempts(wrong: WrongCodes, who: str, security: Security) -> str | None:
    """The refusal text when `who` has used up the wrong codes of this hour, else None."""
    limit = security.wrong_codes_per_hour
    if wrong.blocked(who, limit):
        log.warning("Code-Sperre: %s hat %d falsche Codes in einer Stunde gesendet", who, limit)
        return TOO_MANY.format(count=limit)
    return None


def note_wrong(wrong: WrongCodes, who: str, security: Security) -> str:
    """Count one wrong code; say how many are left this hour."""
    count = wrong.add(who)
    left = max(0, security.wrong_codes_per_hour - count)
    log.info("falscher Code von %s (%d in dieser Stunde)", who, count)
    if left == 0:
        log.warning("Code-Sperre: %s hat %d falsche Codes in einer Stunde gesendet", who, count)
        return " " + TOO_MANY.format(count=count)
    return f" Noch {left} Versuche in dieser Stunde."
