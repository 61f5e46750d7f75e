"""The e-mail channel's counters, shared by its reading, handling and sending."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Stats:
    """Counters for the log and for tests to see that the channel is alive."""

    handled: int = 0
    not_handled: int = 0
    sent: int = 0
    send_failures: int = 0
    imap_connects: int = 0
    imap_errors: int = 0
    idle_rounds: int = 0
    set_aside: int = 0  # mails given up after their last attempt
