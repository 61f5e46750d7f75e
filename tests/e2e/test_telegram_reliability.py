"""Reminders on a controlled clock, restarts, a failing Bot API: nothing lost, nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram.settings import TOKEN_ENV
from tests.support.botapi_emulator import BotApiEmulator, SentMessage
from tests.support.telegram_fixtures import (
    APPLICANT,
    COUNTY_1,
    COUNTY_2,
    SECRETARY_ADE,
    Clock,
    RunningBot,
    write_config,
)

SESSION = "/sitzung 12.03.2026 18:30 Rathaus Adendorf, Budget II"
CONCEPT = "/konzept\nZielgruppen: Kinder\nProblemlagen: wenig Angebote\nZiele: Teilhabe"
SKETCH = """/antrag
Sozialraum: ADE
Träger: Kita Sonnenschein
Titel: Leseförderung
Ausgangslage: Viele Kinder lesen kaum.
Zielsetzung: Freude am Lesen.
Maßnahme: Vorlesepaten einmal die Woche.
Betrag: 1.500,00 €"""


def texts(emulator: BotApiEmulator, chat_id: int, needle: str) -> list[str]:
    return [m.text for m in emulator.messages(chat_id) if needle in m.text]


async def session_with_two_representatives(bot: RunningBot, emulator: BotApiEmulator) -> None:
    """Secretary and both county representatives on Telegram; a Budget II session in 10 days."""
    await bot.link(SECRETARY_ADE, "sek-ade")
    await bot.link(COUNTY_1, "kreis-1")
    await bot.link(COUNTY_2, "kreis-2")
    await bot.say(SECRETARY_ADE, SESSION, expect="eingetragen")
    await emulator.wait_for_message(COUNTY_1, "Budget-II-Sitzung angesetzt")
    await emulator.wait_for_message(COUNTY_2, "Budget-II-Sitzung angesetzt")


async def quiet_rounds(bot: RunningBot) -> None:
    """Let the reminder and delivery jobs run several more rounds, then drain the outbox."""
    await bot.clock.wait_reads(8)
    assert bot.core is not None
    assert bot.core.pending_notifications("telegram", bot.clock()) == []


async def test_a_reminder_of_the_scheduler_goes_out_at_once_without_a_telegram_job(
    tmp_path: Path, emulator: BotApiEmulator, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R9 reminders come from the scheduler of `sozialbot run` only; it wakes Telegram's
    outbox, which by itself would look again only after a minute here."""
    monkeypatch.setenv(TOKEN_ENV, emulator.token)
    bot = RunningBot(write_config(tmp_path, emulator, delivery_interval=60), emulator, clock)
    await bot.start()
    try:
        await session_with_two_representatives(bot, emulator)
        clock.set(clock.value.replace(day=5, hour=9))
        reminder = await emulator.wait_for_message(COUNTY_1, "Erinnerung (R9)", timeout=10)
        assert "in 7 Tagen" in reminder.text
    finally:
        await bot.stop()


async def test_reminders_follow_the_clock_and_stop_for_who_answered(
    telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock
) -> None:
    await session_with_two_representatives(telegram_bot, emulator)
    await quiet_rounds(telegram_bot)
    assert texts(emulator, COUNTY_1, "Erinnerung") == []  # ten days ahead: not yet

    clock.set(clock.value.replace(day=5, hour=9))
    first = await emulator.wait_for_message(COUNTY_1, "Erinnerung (R9)")
    second = await emulator.wait_for_message(COUNTY_2, "Erinnerung (R9)")
    emulator.press(COUNTY_2, second, "Ich nehme teil")
    await emulator.wait_for_message(COUNTY_2, "vermerkt")

    clock.set(clock.value.replace(day=11, hour=7))  # nobody gets an alert at night
    await quiet_rounds(telegram_bot)
    assert texts(emulator, COUNTY_1, "morgen") == []
    clock.set(clock.value.replace(hour=8))
    tomorrow = await emulator.wait_for_message(COUNTY_1, "morgen")
    await quiet_rounds(telegram_bot)

    assert "in 7 Tagen" in first.text
    assert [b.label for b in first.buttons] == ["Ich nehme teil", "Ich bin verhindert"]
    assert "Rathaus Adendorf" in tomorrow.text
    assert len(texts(emulator, COUNTY_1, "Erinnerung")) == 2
    assert len(texts(emulator, COUNTY_2, "Erinnerung")) == 1
    assert texts(emulator, SECRETARY_ADE, "Achtung R9") == []  # kreis-2 confirmed


async def test_nobody_confirmed_two_days_before_alarms_representatives_and_secretary(
    telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock
) -> None:
    await session_with_two_representatives(telegram_bot, emulator)

    clock.set(clock.value.replace(day=10, hour=9))
    alarms = [await emulator.wait_for_message(chat, "Achtung R9")
              for chat in (COUNTY_1, COUNTY_2, SECRETARY_ADE)]
    await quiet_rounds(telegram_bot)

    assert [len(a.buttons) for a in alarms] == [2, 2, 0]
    for chat in (COUNTY_1, COUNTY_2, SECRETARY_ADE):
        assert len(texts(emulator, chat, "Achtung R9")) == 1


async def test_a_restart_between_two_reminders_loses_none_and_repeats_none(
    telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock
) -> None:
    await session_with_two_representatives(telegram_bot, emulator)
    clock.set(clock.value.replace(day=5, hour=9))
    await emulator.wait_for_message(COUNTY_1, "in 7 Tagen")
    await emulator.wait_for_message(COUNTY_2, "in 7 Tagen")
    await quiet_rounds(telegram_bot)

    await telegram_bot.stop()
    clock.set(clock.value.replace(day=11, hour=9))  # the next one fell due while it was down
    await telegram_bot.start()
    await emulator.wait_for_message(COUNTY_1, "morgen")
    await emulator.wait_for_message(COUNTY_2, "morgen")
    await quiet_rounds(telegram_bot)

    for chat in (COUNTY_1, COUNTY_2):
        assert len(texts(emulator, chat, "in 7 Tagen")) == 1
        assert len(texts(emulator, chat, "morgen")) == 1
        assert len(texts(emulator, chat, "Budget-II-Sitzung angesetzt")) == 1


async def test_a_reminder_made_but_not_sent_before_a_stop_is_sent_after_the_restart(
    telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock
) -> None:
    await session_with_two_representatives(telegram_bot, emulator)
    emulator.fail_next("sendMessage", 1000, status=500)  # Telegram down
    clock.set(clock.value.replace(day=5, hour=9))
    core = telegram_bot.core
    assert core is not None
    await emulator.wait_until(lambda: sum(  # the agenda goes out beside each reminder
        p.notification.kind == "reminder"
        for p in core.pending_notifications("telegram", clock())) == 2)

    await telegram_bot.stop()
    emulator.clear_failures()  # Telegram is back
    await telegram_bot.start()
    await emulator.wait_for_message(COUNTY_1, "in 7 Tagen")
    await emulator.wait_for_message(COUNTY_2, "in 7 Tagen")
    await quiet_rounds(telegram_bot)

    assert len(texts(emulator, COUNTY_1, "in 7 Tagen")) == 1
    assert len(texts(emulator, COUNTY_2, "in 7 Tagen")) == 1


async def test_429_and_500_from_the_bot_api_lose_no_update_and_no_reply(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    emulator.fail_next("getUpdates", 2, status=500)
    emulator.fail_next("sendMessage", 1, status=429, retry_after=1)
    emulator.fail_next("sendMessage", 2, status=500)
    emulator.drop_next("sendMessage", 1)

    for n in range(5):
        emulator.send_text(APPLICANT, "/hilfe" if n % 2 == 0 else "/antraege")
    answers = [await emulator.wait_for_message(APPLICANT) for _ in range(5)]
    await quiet_rounds(telegram_bot)

    assert len(emulator.messages(APPLICANT)) == 5
    assert sum("/antrag" in a.text for a in answers) >= 3
    statuses = [c.status for c in emulator.calls_of("sendMessage")]
    assert statuses[:4].count(500) == 2
    assert 429 in statuses
    assert 0 in statuses


async def test_a_reply_that_fails_for_long_is_sent_after_redelivery_and_books_once(
    telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock
) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.link(COUNTY_1, "kreis-1")
    await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    await telegram_bot.say(SECRETARY_ADE, CONCEPT, expect="Sozialraumkonzept")
    await telegram_bot.say(SECRETARY_ADE, SESSION, expect="eingetragen")
    await telegram_bot.say(COUNTY_1, "/anwesend ADE 12.03.2026", expect="vermerkt")
    clock.set(clock.value.replace(day=13))
    decision = await telegram_bot.say(
        SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 €", "/buchen")
    await quiet_rounds(telegram_bot)

    # More failures than the channel retries: the update is handled again, the core sees the
    # same source id and answers with the stored reply instead of booking a second time.
    emulator.fail_next("sendMessage", 8, status=500)
    press = emulator.press(SECRETARY_ADE, decision, "Buchen")
    booked: SentMessage = await emulator.wait_for_message(SECRETARY_ADE, "8.800,00 €",
                                                          timeout=30)
    await quiet_rounds(telegram_bot)

    ledger = [e for e in telegram_bot.export()["ledger"] if e["kind"] == "commitment"]
    assert [e["amount_cents"] for e in ledger] == [120000]
    assert ledger[0]["source_id"] == f"telegram:cb:{press}"
    assert len(texts(emulator, SECRETARY_ADE, "Gebucht:")) == 1
    assert booked.buttons == []
    assert len(texts(emulator, APPLICANT, "bewilligt")) == 1


async def test_notifications_wait_out_an_outage(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.link(COUNTY_1, "kreis-1")
    emulator.fail_next("sendMessage", 1, status=429, retry_after=1)

    await telegram_bot.say(SECRETARY_ADE, SESSION, expect="eingetragen")
    emulator.fail_next("sendMessage", 3, status=500)
    alert = await emulator.wait_for_message(COUNTY_1, "Budget-II-Sitzung angesetzt")
    await quiet_rounds(telegram_bot)

    assert len(alert.buttons) == 2
    assert len(texts(emulator, COUNTY_1, "Budget-II-Sitzung angesetzt")) == 1
