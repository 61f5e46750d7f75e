"""One chat cannot hold up the others: a chat whose update is stuck, or one that floods the bot,
delays no other chat's new messages (the real Telegram channel and core, the Bot API emulator).

The stuck update comes from the documented test-only hook SOZIALBOT_FAULT (handlers/faults.py):
"hang" makes the handling of a message with the marker wait, as a stuck parser would, until the
update's time limit (`update_seconds`) sets it aside.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.telegram.settings import TOKEN_ENV
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.telegram_fixtures import Clock, RunningBot, write_config

BERLIN = ZoneInfo("Europe/Berlin")
STUCK = 7001
FLOOD = 7002
OTHERS = [7101 + i for i in range(5)]
UPDATE_SECONDS = 8.0


def sketch(title: str) -> str:
    return (f"/antrag\nSozialraum: Adendorf\nTräger: Verein {title}\nTitel: {title}\n"
            "Ausgangslage: Es fehlt ein Angebot.\nZielsetzung: Ein Angebot.\n"
            "Maßnahme: Wöchentliche Gruppe.\nBetrag: 10 €")


@pytest.mark.slow
async def test_a_stuck_or_flooding_chat_holds_up_no_later_message_of_another_chat(
        tmp_path: Path, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOZIALBOT_FAULT", "hang:GIFT-HANG")
    monkeypatch.setenv(TOKEN_ENV, emulator.token)
    config = write_config(tmp_path, emulator, update_seconds=UPDATE_SECONDS, max_attempts=1)
    bot = await RunningBot(config, emulator, Clock(datetime.now(BERLIN))).start()
    try:
        stuck = emulator.send_text(STUCK, sketch("GIFT-HANG"))
        after_stuck = emulator.send_text(STUCK, "/hilfe")  # its own chat's next: waits its turn
        floods = [f"Flut {i}" for i in range(12)]
        for title in floods:
            emulator.send_text(FLOOD, sketch(title))
        await asyncio.sleep(0.5)  # the bot has fetched them; the stuck one hangs

        # Messages that came after that getUpdates: answered while the stuck one still hangs
        # (before, the next getUpdates waited for every chat of the batch: UPDATE_SECONDS)
        last = 0
        for chat in OTHERS:
            last = emulator.send_text(chat, "/hilfe")
        for chat in OTHERS:
            await emulator.wait_for_message(chat, "/antrag", timeout=UPDATE_SECONDS / 2)
        assert emulator.messages(STUCK) == []

        # each chat in order: the flood as sent, the stuck chat's next after it was set aside
        await emulator.wait_until(lambda: len(emulator.messages(FLOOD)) >= len(floods), 20)
        answered = [next(t for t in floods if f"„{t}“" in m.text)
                    for m in emulator.messages(FLOOD)]
        assert answered == floods
        polite = await emulator.wait_for_message(STUCK, "nicht vollständig verarbeitet",
                                                 timeout=2 * UPDATE_SECONDS)
        help_answer = await emulator.wait_for_message(STUCK, "/antrag", timeout=10)
        assert polite.message_id < help_answer.message_id
        await emulator.wait_confirmed(max(last, after_stuck, stuck), timeout=10)
        await asyncio.sleep(1.0)  # an answer that would come twice comes now
    finally:
        await bot.stop()

    # Telegram sent the updates after the stuck one again with every getUpdates while it hung
    # (its offset could not move past it): none was answered twice
    assert Counter(m.chat_id for m in emulator.all_messages()
                   if m.chat_id in OTHERS) == Counter(dict.fromkeys(OTHERS, 1))
    assert len(emulator.messages(FLOOD)) == len(floods)
    assert len(emulator.messages(STUCK)) == 2
    assert emulator.pending_update_count == 0
