"""A correction and a withdrawal on each channel: Telegram through the Bot API emulator, e-mail
through a real Dovecot and SMTP server, with the real core behind both."""

from __future__ import annotations

from datetime import datetime

from tests.support.botapi_emulator import BotApiEmulator
from tests.support.mailservers import (
    BERLIN,
    MailWorld,
    RunningMailBot,
    subject,
)
from tests.support.patterns import search
from tests.support.telegram_fixtures import (
    APPLICANT,
    COUNTY_1,
    SECRETARY_ADE,
    Clock,
    RunningBot,
)

CONCEPT = ("/konzept\nZielgruppen: Kinder und Familien\nProblemlagen: Sprachdefizite\n"
           "Ziele: Chancengleichheit beim Schulstart")
SKETCH = """/antrag
Sozialraum: Adendorf
Träger: Kita Sonnenschein
Titel: Sprachförderung vor der Einschulung
Ausgangslage: Viele Kinder sprechen zu Hause kaum Deutsch.
Zielsetzung: Bessere Sprachkenntnisse vor der Einschulung.
Maßnahme: Wöchentliche Sprachgruppe mit einer Fachkraft.
Betrag: 1.500,00 €"""
CORRECTION = ("/korrektur ADE-2026-001 bewilligt 1.000 € Grund: Die Konferenz hat 1.000 € "
              "beschlossen, gemeldet waren 1.500 €")


def ledger(export: dict) -> list[tuple[str, int, bool]]:
    return [(e["kind"], e["amount_cents"], e["correction"] is not None)
            for e in export["ledger"] if e["application"] == "ADE-2026-001"]


REVERSED = [("commitment", 150_000, False), ("release", 150_000, True),
            ("commitment", 100_000, True)]


# -- Telegram -----------------------------------------------------------------------------------


async def test_telegram_a_secretary_corrects_a_booked_amount_with_the_buttons(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.link(COUNTY_1, "kreis-1")
    await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    await telegram_bot.say(SECRETARY_ADE, CONCEPT, expect="Sozialraumkonzept")
    await telegram_bot.say(SECRETARY_ADE, "/sitzung 12.03.2026 18:30 Rathaus, Budget II",
                           expect="eingetragen")
    await telegram_bot.say(COUNTY_1, "/anwesend ADE 12.03.2026", expect="vermerkt")
    clock.set(clock.value.replace(day=13))
    preview = await telegram_bot.say(SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 "
                                     "bewilligt 1.500 €", expect="Noch ist nichts gebucht")
    await emulator.wait_for_answer(emulator.press(SECRETARY_ADE, preview, "Buchen"))
    await emulator.wait_for_message(SECRETARY_ADE, "Gebucht")

    clock.set(clock.value.replace(day=20))
    correction = await telegram_bot.say(SECRETARY_ADE, CORRECTION, expect="bisher")
    assert "richtig: bewilligt 1.000,00 €" in correction.text
    assert [b.label for b in correction.buttons] == ["Buchen", "Verwerfen"]
    assert ledger(telegram_bot.export()) == REVERSED[:1]
    await emulator.wait_for_answer(emulator.press(SECRETARY_ADE, correction, "Buchen"))
    booked = await emulator.wait_for_message(SECRETARY_ADE, "Gebucht: Korrektur")
    told = await emulator.wait_for_message(APPLICANT, "Korrektur zu Antrag ADE-2026-001")
    county = await emulator.wait_for_message(COUNTY_1, "Korrektur zu Antrag ADE-2026-001")

    assert "Verfügbar für Adendorf 2026: 9.000,00 €" in booked.text
    assert "richtig: bewilligt 1.000,00 €" in told.text
    assert "gemeldet waren 1.500 €" in county.text
    assert ledger(telegram_bot.export()) == REVERSED
    listing = await telegram_bot.say(APPLICANT, "/antraege", expect="Ihre Anträge")
    assert "korrigiert am 20.03.2026" in listing.text


async def test_telegram_an_applicant_withdraws_in_her_own_words(
        telegram_bot: RunningBot, emulator: BotApiEmulator) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    answer = await telegram_bot.say(APPLICANT, "Hallo, wir ziehen unseren Antrag ADE-2026-001 "
                                    "zurück, die Fachkraft hat gekündigt.", expect="zurückgezogen")
    told = await emulator.wait_for_message(SECRETARY_ADE, "zurückgezogen")

    assert "wird nicht mehr entschieden" in answer.text
    assert "ADE-2026-001" in told.text
    [application] = telegram_bot.export()["applications"]
    assert application["status"] == "withdrawn"
    refused = await telegram_bot.say(SECRETARY_ADE, "/zurueckziehen ADE-2026-001",
                                     expect="schon seit")
    assert "zurückgezogen" in refused.text


# -- e-mail -------------------------------------------------------------------------------------


async def test_mail_a_secretary_corrects_a_booked_amount_by_answering_with_buchen(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", CONCEPT)
    mail_world.send("kita", "Projektskizze", SKETCH.removeprefix("/antrag\n"))
    await mail_world.await_for("kita", 1)
    mail_bot.say("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II")
    mail_bot.say("kreis-1", "/anwesend ADE 12.03.2026")
    mail_bot.clock.value = datetime(2026, 3, 13, 9, 0, tzinfo=BERLIN)
    preview = mail_bot.say("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.500 €")
    code = search(r"/buchen ([A-Z0-9]+)", preview.replies[0].text).group(1)
    mail_bot.say("sek-ade", f"/buchen {code}")
    await mail_bot.settled()
    mail_bot.clock.value = datetime(2026, 3, 20, 9, 0, tzinfo=BERLIN)

    before = await mail_world.count("sek-ade")
    mail_world.send("sek-ade", "Korrektur ADE-2026-001", CORRECTION + "\n\nViele Grüße\nSek")
    shown = (await mail_world.await_for("sek-ade", before + 1))[-1]
    assert "bisher: bewilligt 1.500,00 €" in shown.text
    assert "richtig: bewilligt 1.000,00 €" in shown.text
    assert ledger(mail_bot.core.export(mail_bot.clock())) == REVERSED[:1]
    mail_world.send("sek-ade", "Re: " + subject(shown), "buchen\n\n> " + shown.text[:40],
                    in_reply_to=shown)
    booked = (await mail_world.await_for("sek-ade", before + 2))[-1]
    assert "Gebucht: Korrektur zu ADE-2026-001" in booked.text
    await mail_bot.settled()
    assert ledger(mail_bot.core.export(mail_bot.clock())) == REVERSED
    news = await mail_world.await_for(
        "kita", 1, where=lambda m: "Korrektur zu Antrag ADE-2026-001" in m.text)
    assert "Grund: Die Konferenz hat 1.000 € beschlossen" in news[0].text
    county = await mail_world.await_for(
        "kreis-1", 1, where=lambda m: "Korrektur zu Antrag ADE-2026-001" in m.text)
    assert "richtig: bewilligt 1.000,00 €" in county[0].text


async def test_mail_an_applicant_withdraws_by_answering_in_the_thread_of_her_sketch(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_world.send("kita", "Projektskizze", SKETCH.removeprefix("/antrag\n"))
    [answer] = await mail_world.await_for("kita", 1)
    assert "[ADE-2026-001]" in subject(answer)
    mail_world.send("kita", "Re: " + subject(answer), "Guten Tag,\n\nbitte streichen Sie "
                    "unseren Antrag, das Projekt findet nicht statt.\n\nMaria Muster\n\n> "
                    + answer.text[:60], in_reply_to=answer)
    [_, withdrawn] = await mail_world.await_for("kita", 2)
    assert "ADE-2026-001" in withdrawn.text
    assert "ist zurückgezogen" in withdrawn.text
    await mail_bot.settled()
    [application] = mail_bot.core.export(mail_bot.clock())["applications"]
    assert application["status"] == "withdrawn"
    told = await mail_world.await_for("sek-ade", 1, where=lambda m: "zurückgezogen" in m.text)
    assert "ADE-2026-001" in told[0].text
