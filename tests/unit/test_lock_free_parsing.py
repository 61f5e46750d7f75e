"""No lock is held while untrusted text is read: a huge message that takes long to read keeps
only its own sender waiting, not every other message of every channel.

The slow reading is real, not a stand-in for our code: the message text is a string whose
first reading waits (as a parser busy on 200,000 adversarial characters does) until the other
sender's /hilfe has been answered, or gives up after a few seconds. Read under the core's lock,
the /hilfe would wait for the lock, and the huge message's reading would give up waiting.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from handlers.messages import Outcome
from tests.support.core import Bot, reply_text

TODAY = date(2026, 3, 13)
PATIENCE = 5.0  # seconds the slow reading waits for the other sender's answer
# the input that held the lock longest when the core still read under it (0.27 s): decision
# lines without /beschluss from a person who may not report results, at the 200,000 cap
HUGE = "\n".join(["ADE-2026-001 bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)"] * 3300)[:200_000]


class SlowText(str):
    """A text whose first reading (`strip`, where every reading of a message starts) waits until
    `go_on` is set: a message that keeps its reader busy for as long as the test needs."""

    reading: threading.Event
    go_on: threading.Event
    gave_up: bool

    def __new__(cls, text: str) -> SlowText:
        slow = super().__new__(cls, text)
        slow.reading = threading.Event()
        slow.go_on = threading.Event()
        slow.gave_up = False
        return slow

    def strip(self, chars: str | None = None) -> str:
        if not self.reading.is_set():
            self.reading.set()
            self.gave_up = not self.go_on.wait(PATIENCE)
        return super().strip(chars)


def test_a_huge_message_being_read_does_not_keep_others_waiting(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    huge = SlowText(HUGE)
    done: dict[str, Outcome] = {}
    reader = threading.Thread(target=lambda: done.setdefault(
        "huge", bot.say("verwaltung", huge, today=TODAY)))
    reader.start()
    try:
        assert huge.reading.wait(PATIENCE), "the huge message was never read"
        # the huge message is being read now; another sender is answered meanwhile
        help_outcome = bot.say("sek-ade", "/hilfe", today=TODAY)
        still_reading = reader.is_alive() and not huge.gave_up
    finally:
        huge.go_on.set()
        reader.join(30)
    assert still_reading, "the /hilfe waited until the huge message had been read"
    assert "/antrag" in reply_text(help_outcome) or "/beschluss" in reply_text(help_outcome)
    assert not huge.gave_up
    # read outside the lock, the huge message is answered exactly as before
    plain = bot.say("verwaltung", HUGE, today=TODAY)
    assert not done["huge"].accepted
    assert reply_text(done["huge"]) == reply_text(plain)
