"""The whole bot on Telegram: the real core and PTB Application against the Bot API emulator.

Each test plays people on their phones (secretary of Adendorf, county representatives, an
applicant, a stranger) and reads what the bot answers them.
"""

from __future__ import annotations

from handlers.messages import Sender
from handlers.service import Core
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.mailservers import make_docx
from tests.support.telegram_fixtures import (
    ADMINISTRATION,
    APPLICANT,
    COUNTY_1,
    SECRETARY_ADE,
    STRANGER,
    Clock,
    RunningBot,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

SKETCH = """/antrag
Sozialraum: ADE
Träger: Kita Sonnenschein
Titel: Leseförderung
Ausgangslage: Viele Kinder lesen kaum.
Zielsetzung: Freude am Lesen.
Maßnahme: Vorlesepaten einmal die Woche.
Betrag: 1.500,00 €"""

CONCEPT = """/konzept
Zielgruppen: Kinder und Jugendliche
Problemlagen: wenig Angebote am Nachmittag
Ziele: Teilhabe und Bildung stärken"""


def commitments(bot: RunningBot) -> list[dict]:
    return [e for e in bot.export()["ledger"] if e["kind"] == "commitment"]


async def test_help_is_answered_on_telegram(telegram_bot: RunningBot) -> None:
    answer = await telegram_bot.say(APPLICANT, "/hilfe")

    assert "/antrag" in answer.text
    assert "/beschluss" not in answer.text


async def test_onboarding_with_an_invite_code_gives_the_secretary_her_commands(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    before = await telegram_bot.say(SECRETARY_ADE, "/saldo", expect="darf nur")

    welcome = await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    balance = await telegram_bot.say(SECRETARY_ADE, "/saldo")

    assert "Adendorf" not in before.text
    assert "Geschäftsführung Sozialkonferenz Adendorf" in welcome.text
    assert "Budget II Adendorf 2026" in balance.text
    assert "Verfügbar: 10.000,00 €" in balance.text
    menu = await emulator.wait_until(lambda: emulator.commands("chat", SECRETARY_ADE))
    assert {"beschluss", "buchen", "sitzung", "saldo"} <= {name for name, _ in menu}
    default_menu = emulator.commands()
    assert default_menu is not None
    applicants = [name for name, _ in default_menu]
    assert applicants == ["hilfe", "antrag", "zurueckziehen", "antraege", "zeige"]


async def test_an_invite_code_works_once(telegram_bot: RunningBot) -> None:
    core = telegram_bot.core
    assert core is not None
    code = core.create_invite("kreis-1", telegram_bot.clock())
    await telegram_bot.say(COUNTY_1, f"/start {code}", expect="Willkommen")

    second = await telegram_bot.say(STRANGER, f"/start {code}")

    assert "ungültig" in second.text
    county = core.person_for(Sender("telegram", str(COUNTY_1)))
    assert county is not None
    assert county.id == "kreis-1"
    assert core.person_for(Sender("telegram", str(STRANGER))) is None
    balance = await telegram_bot.say(STRANGER, "/saldo ADE")
    assert "darf nur" in balance.text


async def test_a_whole_budget_ii_cycle_across_three_telegram_users(
    telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock
) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.link(COUNTY_1, "kreis-1")

    submitted = await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    await telegram_bot.say(SECRETARY_ADE, CONCEPT, expect="Sozialraumkonzept")
    registered = await telegram_bot.say(
        SECRETARY_ADE, "/sitzung 12.03.2026 18:30 Rathaus Adendorf, Budget II", "eingetragen")

    alert = await emulator.wait_for_message(COUNTY_1, "Budget-II-Sitzung angesetzt")
    assert "ADE-2026-001 Leseförderung" in alert.text
    assert [b.label for b in alert.buttons] == ["Ich nehme teil", "Ich bin verhindert"]
    pressed = emulator.press(COUNTY_1, alert, "Ich nehme teil")
    await emulator.wait_for_answer(pressed)
    confirmed = await emulator.wait_for_message(COUNTY_1, "Teilnahme")
    told = await emulator.wait_for_message(SECRETARY_ADE, "nimmt an der Budget-II-Sitzung")

    clock.set(clock.value.replace(day=13))
    decision = await telegram_bot.say(
        SECRETARY_ADE,
        "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)",
        expect="Noch ist nichts gebucht")
    assert commitments(telegram_bot) == []
    assert [b.label for b in decision.buttons] == ["Buchen", "Verwerfen"]
    booking = emulator.press(SECRETARY_ADE, decision, "Buchen")
    await emulator.wait_for_answer(booking)
    booked = await emulator.wait_for_message(SECRETARY_ADE, "8.800,00 €")
    news = await emulator.wait_for_message(APPLICANT, "ADE-2026-001")
    balance = await telegram_bot.say(SECRETARY_ADE, "/saldo", expect="Budget II Adendorf")

    assert "ADE-2026-001" in submitted.text
    assert "Rathaus Adendorf" in registered.text
    assert "vermerkt" in confirmed.text
    assert "Fachdienstleitung 51" in told.text
    assert alert.buttons == [], "the attendance buttons are gone once tapped"
    assert decision.buttons == [], "the booking buttons are gone once tapped"
    assert "1.200,00 €" in booked.text
    assert "bewilligt" in news.text
    assert "Gebunden: 1.200,00 €" in balance.text
    assert "Verfügbar: 8.800,00 €" in balance.text
    assert [e["amount_cents"] for e in commitments(telegram_bot)] == [120000]


async def test_an_unlinked_user_trying_a_secretary_command_learns_nothing(
    telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock
) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    await telegram_bot.say(SECRETARY_ADE, CONCEPT, expect="Sozialraumkonzept")
    await telegram_bot.say(SECRETARY_ADE, "/sitzung 12.03.2026 18:30 Rathaus, Budget II",
                           "eingetragen")
    clock.set(clock.value.replace(day=13))
    decision = await telegram_bot.say(
        SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 €", "/buchen")
    code = decision.button("Buchen").data
    assert code is not None

    answers = [
        await telegram_bot.say(STRANGER, "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.500 €"),
        await telegram_bot.say(STRANGER, code),
        await telegram_bot.say(STRANGER, "/saldo ADE"),
        await telegram_bot.say(STRANGER, "/antraege ADE"),
    ]
    forged = emulator.press_button(STRANGER, answers[-1].message_id, code)  # forged data
    await emulator.wait_for_answer(forged)
    answers.append(await emulator.wait_for_message(STRANGER))

    for answer in answers:
        assert "Kita" not in answer.text
        assert "Leseförderung" not in answer.text
        assert "1.200" not in answer.text
        assert "10.000" not in answer.text
    assert "darf nur" in answers[0].text
    assert "darf nur" in answers[1].text
    assert commitments(telegram_bot) == []


async def test_user_text_with_markup_comes_back_as_typed(telegram_bot: RunningBot) -> None:
    sketch = SKETCH.replace("Kita Sonnenschein", "<b>Kita</b> & Co <a href='x'>")

    answer = await telegram_bot.say(APPLICANT, sketch, expect="ADE-2026-001")

    assert "<b>Kita</b> & Co <a href='x'>" in answer.text


async def test_a_sketch_as_text_file_with_the_command_as_caption(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    body = SKETCH.split("\n", 1)[1].encode("cp1252")
    emulator.send_document(APPLICANT, "skizze.txt", body, "text/plain", caption="/antrag")

    answer = await emulator.wait_for_message(APPLICANT)

    assert "ADE-2026-001" in answer.text


async def test_a_sketch_as_word_file_without_caption_is_read_as_in_e_mail(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    docx = make_docx(SKETCH.split("\n")[1:])
    emulator.send_document(APPLICANT, "Skizze.docx", docx, DOCX)

    answer = await emulator.wait_for_message(APPLICANT)

    assert "ADE-2026-001" in answer.text
    assert telegram_bot.export()["applications"][0]["requested_cents"] == 150_000


async def test_a_broken_pdf_gets_a_note_and_nothing_is_stored(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    emulator.send_document(APPLICANT, "Skizze.pdf", b"%PDF-1.4 kaputt", "application/pdf")

    note = await emulator.wait_for_message(APPLICANT, "Skizze.pdf")
    form = await emulator.wait_for_message(APPLICANT, "keine Projektskizze")

    assert "kann ich nicht lesen" in note.text
    assert "Ausgangslage: …" in form.text
    assert telegram_bot.export()["applications"] == []


async def test_stickers_get_a_polite_hint_and_groups_are_ignored(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    emulator.send_group_text(-100, APPLICANT, "/hilfe")
    emulator.send_sticker(APPLICANT)

    hint = await emulator.wait_for_message(APPLICANT)
    await telegram_bot.say(APPLICANT, "/hilfe", expect="/antrag")

    assert "Textnachricht" in hint.text
    assert emulator.messages(-100) == []


async def test_administration_gets_its_own_menu(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    await telegram_bot.link(ADMINISTRATION, "verwaltung")

    menu = await emulator.wait_until(lambda: emulator.commands("chat", ADMINISTRATION))

    names = [name for name, _ in menu]
    assert "jahresabschluss" in names
    assert "beschluss" not in names
    assert all(description[0].isupper() for _, description in menu)


async def test_a_report_arrives_as_a_document_with_its_caption(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")

    sent = await telegram_bot.say(SECRETARY_ADE, "/bericht 2026 csv", expect="Antragsübersicht")

    assert sent.method == "sendDocument"
    assert sent.text == "Antragsübersicht Budget II 2026, Adendorf (CSV)."
    said = [m for m in emulator.messages(SECRETARY_ADE) if "Antragsübersicht" in m.text]
    assert said == [sent], "no separate text message"
    assert sent.document is not None
    assert sent.document.filename.endswith(".csv")
    assert "Leseförderung" in sent.document.data.decode("utf-8-sig")


async def test_an_unknown_button_asks_to_type_the_command(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    help_text = await telegram_bot.say(APPLICANT, "/hilfe")

    pressed = emulator.press_button(APPLICANT, help_text.message_id, "#0123456789abcdef0123")
    await emulator.wait_for_answer(pressed)
    answer = await emulator.wait_for_message(APPLICANT)

    assert "nicht mehr gültig" in answer.text


async def test_a_revoked_person_is_an_applicant_again_after_the_restart(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await emulator.wait_until(lambda: emulator.commands("chat", SECRETARY_ADE))
    await telegram_bot.stop()
    core = Core.open(telegram_bot.config)  # `sozialbot revoke sek-ade`
    try:
        assert core.revoke("sek-ade")
    finally:
        core.close()

    await telegram_bot.start()
    answer = await telegram_bot.say(SECRETARY_ADE, "/saldo")

    assert "darf nur" in answer.text
    await emulator.wait_until(lambda: emulator.commands("chat", SECRETARY_ADE) is None)


async def test_a_long_list_arrives_in_pieces_below_telegrams_limit(
    telegram_bot: RunningBot, emulator: BotApiEmulator
) -> None:
    for n in range(60):
        emulator.send_text(APPLICANT, SKETCH.replace("Leseförderung", f"Lesepaten & Co <{n}>"))
    for _ in range(60):
        await emulator.wait_for_message(APPLICANT, "Ihr Antrag ist eingegangen")

    emulator.send_text(APPLICANT, "/antraege")
    await emulator.wait_for_message(APPLICANT, "Lesepaten & Co <59>")

    pieces = [m for m in emulator.messages(APPLICANT) if "eingegangen" not in m.text]
    assert len(pieces) >= 2
    assert all(len(p.text) <= 4096 for p in pieces)
    shown = "\n".join(p.text for p in pieces)
    assert all(f"Lesepaten & Co <{n}>" in shown for n in range(60))
