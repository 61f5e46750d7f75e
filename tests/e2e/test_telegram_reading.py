"""On the phone: a preview or an alert says how it was answered, an answer comes once even when
Telegram delivers the tap again after a restart, an edited /beschluss replaces its preview, and
a menu command tapped without arguments offers a choice. The real bot against the emulator."""

from __future__ import annotations

from tests.support.botapi_emulator import BotApiEmulator, SentMessage
from tests.support.telegram_fixtures import APPLICANT, COUNTY_1, SECRETARY_ADE, Clock, RunningBot

SKETCH = """/antrag
Sozialraum: ADE
Träger: Kita Sonnenschein
Titel: Leseförderung
Ausgangslage: Viele Kinder lesen kaum.
Zielsetzung: Freude am Lesen.
Maßnahme: Vorlesepaten einmal die Woche.
Betrag: 1.500,00 €"""
CONCEPT = "/konzept\nZielgruppen: Kinder\nProblemlagen: wenig Angebote\nZiele: Teilhabe"


async def a_session_held(bot: RunningBot, emulator: BotApiEmulator, clock: Clock,
                         *, attend: bool = True) -> SentMessage:
    """Secretary and a county representative linked, a sketch, the concept, a Budget II session
    on 12 March; returns the alert the representative got. The clock stands on 13 March."""
    await bot.link(SECRETARY_ADE, "sek-ade")
    await bot.link(COUNTY_1, "kreis-1")
    await bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    await bot.say(SECRETARY_ADE, CONCEPT, expect="Sozialraumkonzept")
    await bot.say(SECRETARY_ADE, "/sitzung 12.03.2026 18:30 Rathaus, Budget II", "eingetragen")
    alert = await emulator.wait_for_message(COUNTY_1, "Budget-II-Sitzung angesetzt")
    if attend:
        await bot.say(COUNTY_1, "/anwesend ADE 12.03.2026", expect="vermerkt")
    clock.set(clock.value.replace(day=13))
    return alert


def commitments(bot: RunningBot) -> list[int]:
    return [e["amount_cents"] for e in bot.export()["ledger"] if e["kind"] == "commitment"]


async def test_after_buchen_the_preview_says_it_was_booked(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await a_session_held(telegram_bot, emulator, clock)
    preview = await telegram_bot.say(
        SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 €",
        expect="Noch ist nichts gebucht")

    emulator.press(SECRETARY_ADE, preview, "Buchen")
    await emulator.wait_for_message(SECRETARY_ADE, "Gebucht:")

    assert "Noch ist nichts gebucht" not in preview.text
    assert preview.text.splitlines()[-1] == ("✓ Gebucht am 13.03.2026: gebunden 1.200,00 €, "
                                             "verfügbar 8.800,00 €.")
    assert "ADE-2026-001 „Leseförderung“: bewilligt 1.200,00 €" in preview.text
    assert preview.buttons == []
    assert commitments(telegram_bot) == [120000]


async def test_a_typed_buchen_settles_the_preview_as_a_tap_does(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await a_session_held(telegram_bot, emulator, clock)
    preview = await telegram_bot.say(
        SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 €",
        expect="Noch ist nichts gebucht")
    code = preview.text.rsplit("/buchen ", 1)[1].strip()

    await telegram_bot.say(SECRETARY_ADE, f"/buchen {code.lower()}", expect="Gebucht:")

    assert preview.text.splitlines()[-1].startswith("✓ Gebucht am 13.03.2026")
    assert preview.buttons == []


async def test_an_answered_alert_shows_the_answer(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    alert = await a_session_held(telegram_bot, emulator, clock, attend=False)
    clock.set(clock.value.replace(day=5))

    emulator.press(COUNTY_1, alert, "Ich bin verhindert")
    await emulator.wait_for_message(COUNTY_1, "Vermerkt")

    assert alert.text.splitlines()[-1] == "✓ Ihre Antwort vom 05.03.2026: Sie sind verhindert."
    assert "Bitte sagen Sie zu oder ab." not in alert.text
    assert alert.buttons == []


async def test_a_tap_delivered_again_after_a_restart_is_not_answered_twice(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await a_session_held(telegram_bot, emulator, clock)
    preview = await telegram_bot.say(
        SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 bewilligt", "/buchen")
    press = emulator.press(SECRETARY_ADE, preview, "Buchen")
    await emulator.wait_for_message(SECRETARY_ADE, "Gebucht:")
    await clock.wait_reads(8)

    await telegram_bot.stop()
    emulator.redeliver(emulator.update_of_query(press))  # the offset was never confirmed
    await telegram_bot.start()
    await emulator.wait_until(lambda: emulator.pending_update_count == 0, timeout=10)
    await clock.wait_reads(8)

    booked = [m for m in emulator.messages(SECRETARY_ADE) if m.text.startswith("Gebucht:")]
    assert len(booked) == 1
    assert commitments(telegram_bot) == [150000]


async def test_an_edited_beschluss_replaces_its_preview(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await a_session_held(telegram_bot, emulator, clock)
    typo = emulator.send_text(SECRETARY_ADE,
                              "/beschluss 12.03.2026\nADE-2026-001 bewilligt 12.000 €")
    refusal = await emulator.wait_for_message(SECRETARY_ADE, "Bitte korrigieren Sie")
    before = len(emulator.messages(SECRETARY_ADE))

    emulator.edit_text(typo, "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 €")
    await emulator.wait_until(lambda: refusal.edits > 0, timeout=10)

    assert "Noch ist nichts gebucht" in refusal.text
    assert "bewilligt 1.200,00 €" in refusal.text
    assert [b.label for b in refusal.buttons] == ["Buchen", "Verwerfen"]
    assert len(emulator.messages(SECRETARY_ADE)) == before, "replaced, not sent anew"
    emulator.press(SECRETARY_ADE, refusal, "Buchen")
    await emulator.wait_for_message(SECRETARY_ADE, "Gebucht:")
    assert commitments(telegram_bot) == [120000]


async def test_menu_commands_tapped_alone_offer_a_choice_of_their_own(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await a_session_held(telegram_bot, emulator, clock, attend=False)
    clock.set(clock.value.replace(day=5))
    await telegram_bot.say(SECRETARY_ADE, "/sitzung 11.06.2026 18:30 Rathaus, Budget II",
                           "eingetragen")

    excuse = await telegram_bot.say(COUNTY_1, "/verhindert", expect="Für welche Sitzung")
    await telegram_bot.say(SECRETARY_ADE, "/beschluss", expect="je Antrag eine Zeile")
    book = await telegram_bot.say(SECRETARY_ADE, "/buchen", expect="wartet nichts")
    agenda = await telegram_bot.say(COUNTY_1, "/tagesordnung", expect="Welche Tagesordnung")

    assert [b.data for b in excuse.buttons] == ["/verhindert ADE 12.03.2026",
                                                "/verhindert ADE 11.06.2026"]
    assert "/anwesend" not in excuse.text
    assert "Den Code" not in book.text
    assert [b.data for b in agenda.buttons] == ["/tagesordnung ADE 12.03.2026",
                                                "/tagesordnung ADE 11.06.2026"]
    emulator.press(COUNTY_1, agenda, "Adendorf 12.03.2026")
    sheet = await emulator.wait_for_message(COUNTY_1, lambda m: m.document is not None)
    assert sheet.document is not None
    assert sheet.document.filename == "tagesordnung-ADE-2026-03-12.pdf"
    assert agenda.buttons != [], "a choice stays for another pick"


async def test_an_edited_sketch_changes_its_application_and_makes_no_second(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    sent = emulator.send_text(APPLICANT, SKETCH)
    answer = await emulator.wait_for_message(APPLICANT, "ADE-2026-001")
    # a typo in the amount, corrected by editing the message: before, a second application
    emulator.edit_text(sent, SKETCH.replace("1.500,00 €", "1.200,00 €"))
    await emulator.wait_until(lambda: answer.edits > 0, timeout=10)
    applications = telegram_bot.export()["applications"]
    assert [a["number"] for a in applications] == ["ADE-2026-001"]
    assert applications[0]["requested_cents"] == 120000
    assert "1.200,00 €" in answer.text
    assert "ADE-2026-002" not in " ".join(m.text for m in emulator.messages(APPLICANT))


async def test_a_command_edited_into_a_sketch_files_a_new_application(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    sent = emulator.send_text(APPLICANT, "/zurueckziehen ADE-2026-001")
    answer = await emulator.wait_for_message(APPLICANT, "zurückgezogen")
    emulator.edit_text(sent, SKETCH.replace("Leseförderung", "Schulgarten"))
    await emulator.wait_until(lambda: answer.edits > 0, timeout=10)
    titles = {a["number"]: a["title"] for a in telegram_bot.export()["applications"]}
    assert titles == {"ADE-2026-001": "Leseförderung", "ADE-2026-002": "Schulgarten"}
