"""Messages handed to the core side by side (`Core.handle_async`) go in together: each is still
its own commit, answered once, in the state the messages before it left, and one that fails
fails alone."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from handlers import faults
from handlers.messages import IncomingMessage, Outcome
from handlers.service import READ_ALONE_CHARS
from tests.support.core import Bot, reply_text, sketch


def _sketches(bot: Bot, count: int) -> list[IncomingMessage]:
    return [bot.message(f"traeger{i}@example.org",
                        sketch(Titel=f"Lernhilfe {i}", Betrag=f"{100 + i},00 €"),
                        source_id=f"email:skizze{i}@example.org", today=date(2026, 2, 2))
            for i in range(count)]


async def _side_by_side(bot: Bot, messages: list[IncomingMessage]
                        ) -> list[Outcome | BaseException]:
    return await asyncio.gather(*(bot.core.handle_async(m) for m in messages),
                                return_exceptions=True)


def test_sketches_handed_in_side_by_side_are_each_stored_once_and_survive_a_restart(
        tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    messages = _sketches(bot, 40)
    # the first sketch again (same Message-ID), in the same group: answered, not stored twice
    outcomes = asyncio.run(_side_by_side(bot, [*messages, messages[0]]))
    assert all(isinstance(o, Outcome) and o.accepted for o in outcomes), outcomes
    numbers = []
    for outcome in outcomes:
        assert isinstance(outcome, Outcome)
        assert outcome.application_number is not None, outcome
        numbers.append(outcome.application_number)
    assert len(set(numbers[:40])) == 40, numbers
    assert numbers[40] == numbers[0]
    first, again = outcomes[0], outcomes[40]
    assert isinstance(first, Outcome)
    assert isinstance(again, Outcome)
    assert again.duplicate
    assert not first.duplicate

    bot.core.close()
    reopened = Bot(tmp_path)
    stored = {a.number: a for a in reopened.core.store.applications(2026)}
    assert sorted(stored) == sorted(numbers[:40])
    assert stored[numbers[7]].title == "Lernhilfe 7"  # each outcome is its own message's


def test_a_message_that_fails_in_the_core_fails_alone(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(faults.ENV, "core:GIFT-KERN")
    bot = Bot(tmp_path)
    messages = _sketches(bot, 6)
    poisoned = bot.message("gift@example.org", sketch(Titel="GIFT-KERN"),
                           today=date(2026, 2, 2))
    outcomes = asyncio.run(_side_by_side(bot, [*messages[:3], poisoned, *messages[3:]]))
    assert isinstance(outcomes[3], faults.InjectedFault)
    others = [o for i, o in enumerate(outcomes) if i != 3]
    assert all(isinstance(o, Outcome) and o.accepted for o in others), others
    assert len(bot.core.store.applications(2026)) == 6


def test_a_long_message_among_short_ones_is_answered_as_alone(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    long_text = sketch(Ausgangslage="Viele Kinder brauchen Hilfe. " * (READ_ALONE_CHARS // 20))
    long = bot.message("lang@example.org", long_text, today=date(2026, 2, 2))
    outcomes = asyncio.run(_side_by_side(bot, [*_sketches(bot, 3), long]))
    alone = Bot(tmp_path / "alone").say("lang@example.org", long_text, today=date(2026, 2, 2))
    assert isinstance(outcomes[3], Outcome)
    assert reply_text(outcomes[3]) == reply_text(alone)
    assert all(isinstance(o, Outcome) and o.accepted for o in outcomes[:3])
