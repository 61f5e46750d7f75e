"""One understanding for every channel: the same texts, sent through the console core, the
real Telegram channel (Bot API emulator) and the real e-mail channel (Dovecot and SMTP), are
answered alike. The channels only decode their transport; what the words mean is read once,
in the core."""

from __future__ import annotations

from pathlib import Path

from tests.support.botapi_emulator import BotApiEmulator
from tests.support.core import Bot, reply_text
from tests.support.mailservers import MailWorld, RunningMailBot, make_docx
from tests.support.telegram_fixtures import RunningBot

WORD_FORM = """Projektskizze Budget II

1. Sozialraum
Adendorf

2. Antragsteller / Träger
Kita Sonnenschein e.V.

3. Titel des Projekts
Sprachförderung vor der Einschulung

4. Ausgangslage
Viele Kinder sprechen zu Hause kaum Deutsch.
Das zeigt die Schuleingangsuntersuchung.

5. Ziele des Projekts
Bessere Sprachkenntnisse vor der Einschulung.

6. Maßnahme
Wöchentliche Sprachgruppe mit einer Fachkraft.

7. Kosten
1.500,00 €

8. Kofinanzierung
3.000 € Aktion Mensch (beantragt)"""

BOLD_LIST = """- **Name des Trägers:** Förderverein Grundschule
- **Titel:** Lesepaten
- **Sozialraum:** Adendorf
- **Ausgangssituation:** Viele Kinder lesen kaum.
- **Ziele:** Freude am Lesen.
- **Maßnahmen:** Lesepaten kommen jede Woche.
- **Summe:** 800 €
- **Kofinanzierung:** keine"""

MISSPELT = BOLD_LIST.replace("Adendorf", "Adendorff").replace("Lesepaten", "Lesecafé")

# (what an applicant writes, the sentence every channel's answer must carry)
CASES = [
    (WORD_FORM, "Nr. ADE-2026-001: „Sprachförderung vor der Einschulung“"),
    (BOLD_LIST, "Nr. ADE-2026-002: „Lesepaten“"),
    ("Wie ist der Stand meines Antrags ADE-2026-001?", "Stand: eingereicht"),
    ("Was ist mit unserem Antrag?", "ADE-2026-002 Förderverein Grundschule: „Lesepaten“"),
    ("Wieviel Geld ist noch da?", "Den Stand des Budgets sehen die Sozialkonferenzen"),
    (MISSPELT, "Meinten Sie Adendorf?"),
]


def console_answers(directory: Path) -> list[str]:
    """The answers of the console core: what the other channels must say as well."""
    bot = Bot(directory)
    try:
        return [reply_text(bot.say("kita@t7.example.org", text)) for text, _ in CASES]
    finally:
        bot.close()


def test_the_console_core_reads_each_text(tmp_path: Path) -> None:
    for answer, (_, expected) in zip(console_answers(tmp_path), CASES, strict=True):
        assert expected in answer


async def test_telegram_reads_each_text_as_the_console_does(
        telegram_bot: RunningBot, tmp_path: Path) -> None:
    console = console_answers(tmp_path / "console")
    for (text, expected), answer in zip(CASES, console, strict=True):
        sent = await telegram_bot.say(4711, text, expect=expected)
        assert answer.splitlines()[0] in sent.text  # the same answer, as Telegram shows it


async def test_e_mail_reads_each_text_as_the_console_does(
        mail_bot: RunningMailBot, mail_world: MailWorld, tmp_path: Path) -> None:
    console = console_answers(tmp_path / "console")
    for count, ((text, expected), answer) in enumerate(zip(CASES, console, strict=True), 1):
        mail_world.send("kita", f"Nachricht {count}", text)
        answers = await mail_world.await_for("kita", count)
        latest = answers[-1].text
        assert expected in latest, latest
        assert answer.splitlines()[0] in latest


# -- a Word form with numbered headings and the text below, as a .docx file ---------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def word_form() -> bytes:
    """The form as Word keeps it: one paragraph per line, the headings numbered, no colons."""
    return make_docx([line for line in WORD_FORM.split("\n") if line], bold_labels=False)


async def test_a_word_form_by_telegram_gets_a_number(
        telegram_bot: RunningBot, emulator: BotApiEmulator) -> None:
    emulator.send_document(4712, "Projektskizze.docx", word_form(), DOCX)
    answer = await emulator.wait_for_message(4712, "Nr. ADE-2026-001")
    assert "Kofinanzierung (R12): Aktion Mensch (beantragt), 3.000,00 €" in answer.text
    [record] = telegram_bot.export()["applications"]
    assert record["sketch"]["situation"] == ("Viele Kinder sprechen zu Hause kaum Deutsch.\n"
                                             "Das zeigt die Schuleingangsuntersuchung.")


async def test_a_word_form_by_e_mail_gets_a_number(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    message = mail_world.compose("verein", "Antrag", None)
    message.set_content("Anbei unsere Skizze.")
    message.add_attachment(word_form(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename="Projektskizze.docx")
    mail_world.deliver(message, mail_from=mail_world.address("verein"))
    [answer] = await mail_world.await_for("verein", 1)
    assert "Nr. ADE-2026-001: „Sprachförderung vor der Einschulung“" in answer.text
    assert "Kofinanzierung (R12): Aktion Mensch (beantragt), 3.000,00 €" in answer.text
