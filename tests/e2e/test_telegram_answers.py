"""A county representative on her phone answers an alert in words: as a Telegram reply to the
alert of one of two sessions ahead ("Zusage"), and by copying a line the bot offered. The real
core and PTB against the Bot API emulator."""

from __future__ import annotations

import uuid

from handlers.messages import IncomingMessage, Sender
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.telegram_fixtures import COUNTY_1, Clock, RunningBot


def as_secretary(bot: RunningBot, person: str, text: str) -> None:
    assert bot.core is not None
    outcome = bot.core.handle(IncomingMessage(Sender("console", person, verified=True), text,
                                              f"test:{uuid.uuid4().hex}", bot.clock()))
    assert outcome.accepted, outcome


def attended(bot: RunningBot, code: str, day: str) -> list[str]:
    [session] = [s for s in bot.export()["sessions"]
                 if s["conference"] == code and s["date"] == day]
    return session["attended_by"]


async def test_a_reply_to_one_of_two_alerts_and_a_copied_line_are_understood(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await telegram_bot.link(COUNTY_1, "kreis-1")
    as_secretary(telegram_bot, "sek-ade", "/sitzung 19.03.2026 18:30 Ort Rathaus, Budget II")
    as_secretary(telegram_bot, "sek-ble", "/sitzung 26.03.2026 18:00 Ort Schule, Budget II")
    adendorf = await emulator.wait_for_message(COUNTY_1, "Adendorf")
    bleckede = await emulator.wait_for_message(COUNTY_1, "Bleckede")
    assert adendorf.buttons
    assert bleckede.buttons

    # without context, "Zusage" is asked back: two sessions are ahead
    emulator.send_text(COUNTY_1, "Zusage")
    asked = await emulator.wait_for_message(COUNTY_1, "Für welche Sitzung")
    assert len(asked.buttons) == 2

    # as a reply to the Bleckede alert, it is that session
    emulator.send_text(COUNTY_1, "Zusage", reply_to=bleckede)
    await emulator.wait_for_message(COUNTY_1, "Ihre Teilnahme an der Sitzung Bleckede")
    assert attended(telegram_bot, "BLE", "2026-03-26") == ["kreis-1"]
    assert attended(telegram_bot, "ADE", "2026-03-19") == []

    # a line the bot offers, copied back whole
    emulator.send_text(COUNTY_1, "• Ich nehme teil: /anwesend ADE 19.03.2026")
    await emulator.wait_for_message(COUNTY_1, "Ihre Teilnahme an der Sitzung Adendorf")
    assert attended(telegram_bot, "ADE", "2026-03-19") == ["kreis-1"]


async def test_a_deputy_named_in_reply_gets_buttons_and_komme_is_a_yes(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await telegram_bot.link(COUNTY_1, "kreis-1")
    as_secretary(telegram_bot, "sek-ade", "/sitzung 19.03.2026 18:30 Ort Rathaus, Budget II")
    alert = await emulator.wait_for_message(COUNTY_1, "Adendorf")

    emulator.send_text(COUNTY_1, "Vertretung durch Frau Lange", reply_to=alert)
    asked = await emulator.wait_for_message(COUNTY_1, "Eine Vertretung, die nicht")
    assert len(asked.buttons) == 2  # "Ich nehme teil" / "Ich bin verhindert", nothing recorded
    assert attended(telegram_bot, "ADE", "2026-03-19") == []

    emulator.send_text(COUNTY_1, "Komme", reply_to=alert)
    await emulator.wait_for_message(COUNTY_1, "Ihre Teilnahme an der Sitzung Adendorf")
    assert attended(telegram_bot, "ADE", "2026-03-19") == ["kreis-1"]
