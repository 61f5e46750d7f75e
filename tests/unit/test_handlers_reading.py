"""What people need to read: a sketch in full, the concept, the agenda before a session, the
sessions ahead, and the minutes after it. Through the real core on real TinyDB files."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from handlers.messages import Outcome
from tests.support.core import Bot, reply_text

SESSION = date(2026, 3, 12)
LONG_MEASURE = ("Eine Fachkraft trifft sich jede Woche mit acht Kindern im Hort. " * 12).strip()


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


def pdf_text(outcome: Outcome) -> str:
    documents = [d for r in outcome.replies for d in r.documents]
    assert [d.content_type for d in documents] == ["application/pdf"]
    reader = PdfReader(io.BytesIO(documents[0].data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


# -- the sketch itself ------------------------------------------------------------------------


@pytest.mark.parametrize(("sender", "text"), [
    ("sek-ade", "/antrag ADE-2026-001"),
    ("sek-ade", "/zeige ADE-2026-001"),
    ("kreis-1", "/antrag ADE-2026-001"),
    ("kreis-2", "/zeige ade-2026-001"),
    ("verwaltung", "/zeige ADE-2026-001"),
    ("kita@example.org", "/zeige ADE-2026-001"),
])
def test_the_secretary_the_county_and_the_applicant_read_a_sketch_in_full(
        bot: Bot, sender: str, text: str) -> None:
    number = bot.submit(Kofinanzierung="Aktion Mensch, 3.000 €")
    files = bot.snapshot()

    answer = reply_text(bot.must(sender, text, today=date(2026, 2, 5)))

    assert answer.startswith(f"Antrag {number}: „Sprachförderung vor der Einschulung“")
    for line in ("Träger: Kita Sonnenschein", "Beantragt: 1.500,00 €",
                 "Kofinanzierung: Aktion Mensch, 3.000,00 €",
                 "Ausgangslage: Viele Kinder sprechen zu Hause kaum Deutsch.",
                 "Zielsetzung: Bessere Sprachkenntnisse vor der Einschulung.",
                 "Maßnahme: Wöchentliche Sprachgruppe mit einer Fachkraft.",
                 "• 02.02.2026 eingereicht"):
        assert line in answer
    assert bot.snapshot() == files, "reading changes nothing"


def test_the_history_shows_the_decision_the_booking_and_the_veto(bot: Bot) -> None:
    number = bot.submit()
    bot.session(SESSION)
    bot.decide(SESSION, f"{number} bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)")
    bot.must("kreis-1", f"/veto {number} passt nicht zum Sozialraumkonzept",
             today=date(2026, 3, 20))

    answer = reply_text(bot.must("sek-ade", f"/zeige {number}", today=date(2026, 3, 21)))

    assert "12.03.2026 in der Sitzung bewilligt 1.200,00 € (ja 7, nein 1, Enthaltung 0)" in answer
    assert "12.03.2026 gebucht: 1.200,00 €" in answer
    assert "20.03.2026 zurückgebucht: 1.200,00 €" in answer
    assert "20.03.2026 Veto des Landkreises (R10): passt nicht zum Sozialraumkonzept" in answer


@pytest.mark.parametrize("sender", ["sek-ble", "fremd@example.org"])
def test_nobody_else_reads_a_sketch(bot: Bot, sender: str) -> None:
    number = bot.submit()
    outcome = bot.refused(sender, f"/zeige {number}", None, today=date(2026, 2, 5))
    assert "Viele Kinder" not in reply_text(outcome)
    assert "finde ich für Sie nicht" in reply_text(outcome)


def test_without_a_number_the_reader_chooses_among_her_own_applications(bot: Bot) -> None:
    first = bot.submit()
    second = bot.submit(Titel="Elterncafé")
    bot.submit(Sozialraum="Bleckede", Titel="Skatekurs")

    outcome = bot.must("sek-ade", "/zeige", today=date(2026, 2, 5))

    commands = [a.command for r in outcome.replies for a in r.actions]
    assert commands == [f"/zeige {second}", f"/zeige {first}"]
    assert f"/zeige {second}" in reply_text(outcome)


def test_the_notice_of_a_new_application_to_the_secretary_carries_its_text(bot: Bot) -> None:
    outcome = bot.must("kita@example.org", "/antrag\nSozialraum: Adendorf\nTräger: Kita\n"
                       "Titel: Lesepaten\nAusgangslage: Kinder lesen kaum.\nZielsetzung: "
                       "Freude am Lesen.\nMaßnahme: Vorlesepaten jede Woche.\nBetrag: 900 €")
    notice = next(n for n in outcome.notifications if n.recipient == "sek-ade")
    assert "Ausgangslage: Kinder lesen kaum." in notice.text
    assert "Zielsetzung: Freude am Lesen." in notice.text
    assert "Maßnahme: Vorlesepaten jede Woche." in notice.text


# -- the concept ------------------------------------------------------------------------------


@pytest.mark.parametrize(("sender", "text"), [
    ("sek-ade", "/konzept"), ("kreis-1", "/konzept ADE"), ("verwaltung", "/konzept Adendorf")])
def test_a_registered_concept_is_shown_not_asked_for_again(bot: Bot, sender: str,
                                                            text: str) -> None:
    answer = reply_text(bot.must(sender, text, today=date(2026, 2, 5)))

    assert answer.startswith("Sozialraumkonzept Adendorf (hinterlegt am 10.01.2026):")
    assert "Zielgruppen: Kinder und Familien im Ortskern" in answer
    assert "Problemlagen: Sprachdefizite, wenig Betreuungsplätze" in answer
    assert "Ziele: Chancengleichheit beim Schulstart" in answer
    assert "fehlt noch" not in answer


def test_a_missing_concept_is_named_and_the_county_chooses_a_conference(bot: Bot) -> None:
    missing = reply_text(bot.must("sek-ble", "/konzept", today=date(2026, 2, 5)))
    choice = bot.must("kreis-1", "/konzept", today=date(2026, 2, 5))

    assert "Für Bleckede ist noch kein Sozialraumkonzept hinterlegt" in missing
    assert "Zielgruppen: …" in missing
    assert "/konzept ADE" in [a.command for r in choice.replies for a in r.actions]


def test_the_county_cannot_register_a_concept(bot: Bot) -> None:
    bot.refused("kreis-1", "/konzept\nZielgruppen: a\nProblemlagen: b\nZiele: c", None,
                today=date(2026, 2, 5))


# -- the agenda and the sessions ahead ---------------------------------------------------------


def test_the_agenda_lists_the_open_applications_with_text_amounts_and_balance(bot: Bot) -> None:
    first = bot.submit(Massnahme=LONG_MEASURE, Kofinanzierung="Aktion Mensch, 3.000 €")
    second = bot.submit(Titel="Elterncafé", Betrag="800 €")
    bot.must("kita@example.org", "/antrag\nSozialraum: Adendorf\nTitel: Ohne Betrag")
    bot.submit(Sozialraum="Bleckede", Titel="Skatekurs")
    bot.session(SESSION)

    outcome = bot.must("sek-ade", "/tagesordnung", today=date(2026, 3, 5))
    answer = reply_text(outcome)

    assert answer.startswith("Tagesordnung Budget II, Sozialkonferenz Adendorf, Donnerstag, "
                             "12.03.2026, 18:30 Uhr, Rathaus")
    assert f"1. {first} „Sprachförderung vor der Einschulung“" in answer
    assert f"2. {second} „Elterncafé“" in answer
    assert "(unvollständig, kann noch nicht beschlossen werden, R4)" in answer
    assert "Skatekurs" not in answer
    assert "Kofinanzierung (R12): Aktion Mensch, 3.000,00 €" in answer
    assert "Beantragt zusammen: 2.300,00 €. Verfügbar 2026: 10.000,00 €." in answer
    assert "Vom Landkreis zugesagt: Fachdienstleitung 51." in answer
    measure = next(line for line in answer.splitlines() if line.startswith("Maßnahme: Eine"))
    assert measure.endswith(" …"), "shortened at a word, marked"
    assert len(measure) < 320
    pdf = pdf_text(outcome)
    assert "Tagesordnung Budget II – Sozialkonferenz Adendorf" in pdf
    assert " ".join(LONG_MEASURE.split()[-8:]) in pdf, "the PDF has the whole text"


def test_the_county_names_conference_and_date_or_chooses_a_session(bot: Bot) -> None:
    bot.submit()
    bot.session(SESSION)
    bot.session(date(2026, 4, 2), secretary="sek-ble", attend=None)

    choice = bot.must("kreis-1", "/tagesordnung", today=date(2026, 3, 5))
    named = bot.must("kreis-1", "/tagesordnung ADE 12.03.2026", today=date(2026, 3, 5))

    assert [a.command for r in choice.replies for a in r.actions] == [
        "/tagesordnung ADE 12.03.2026", "/tagesordnung BLE 02.04.2026"]
    assert "Sprachförderung" in reply_text(named)
    bot.refused("kreis-1", "/tagesordnung ADE 13.03.2026", None, today=date(2026, 3, 5))
    bot.refused("sek-ade", "/tagesordnung BLE", None, today=date(2026, 3, 5))


def test_the_county_lists_the_sessions_ahead_of_all_conferences(bot: Bot) -> None:
    bot.submit()
    bot.session(SESSION)
    bot.session(date(2026, 4, 2), secretary="sek-ble", attend=None)
    bot.must("sek-ble", "/sitzung 20.03.2026 19:00 Ort Schule", today=date(2026, 2, 3))
    bot.session(date(2026, 2, 20), secretary="sek-ble", attend=None)

    answer = reply_text(bot.must("kreis-1", "/sitzungen", today=date(2026, 3, 5)))
    own = reply_text(bot.must("sek-ble", "/sitzungen", today=date(2026, 3, 5)))

    lines = answer.splitlines()
    assert lines[0] == "Angesetzte Sitzungen (alle Sozialkonferenzen):"
    assert lines[1].startswith("• Donnerstag, 12.03.2026, 18:30 Uhr, Rathaus: Adendorf, "
                               "Budget II (1 offener Antrag; Landkreis: 1 zugesagt)")
    assert lines[2] == "• Freitag, 20.03.2026, 19:00 Uhr, Schule: Bleckede"
    assert "02.04.2026" in lines[3]
    assert "noch keine Zusage" in lines[3]
    assert "20.02.2026" not in answer, "past sessions are not ahead"
    assert "Adendorf" not in own


# -- the minutes --------------------------------------------------------------------------------


def test_the_minutes_of_a_session_are_a_short_pdf_with_votes_amounts_and_balance(
        bot: Bot) -> None:
    first = bot.submit()
    second = bot.submit(Titel="Elterncafé", Betrag="800 €")
    bot.session(SESSION)
    bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=date(2026, 3, 1))
    bot.decide(SESSION, f"{first} bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)\n"
                        f"{second} abgelehnt (ja 2, nein 6, enthaltung 0)")

    outcome = bot.must("sek-ade", "/protokoll 12.03.2026", today=date(2026, 3, 13))
    answer = reply_text(outcome)

    assert answer.startswith("Protokoll der Budget-II-Sitzung Adendorf am 12.03.2026")
    assert "Landkreis anwesend: Fachdienstleitung 51" in answer
    assert "Verhindert: Stellvertretung Fachdienst 51" in answer
    assert (f"• {first} „Sprachförderung vor der Einschulung“: bewilligt 1.200,00 € "
            "(beantragt 1.500,00 €) (ja 7, nein 1, Enthaltung 0)") in answer
    assert f"• {second} „Elterncafé“: abgelehnt (ja 2, nein 6, Enthaltung 0)" in answer
    assert "Bewilligt zusammen: 1.200,00 €. Danach verfügbar 2026: 8.800,00 €." in answer
    pdf = pdf_text(outcome)
    assert "Protokoll der Budget-II-Sitzung Adendorf am 12.03.2026" in pdf
    assert first in pdf
    assert "ja 7, nein 1" in pdf
    assert "8.800,00 €" in pdf


def test_the_balance_in_the_minutes_is_the_one_right_after_that_session(bot: Bot) -> None:
    first = bot.submit()
    later = bot.submit(Titel="Elterncafé", Betrag="800 €")
    bot.session(SESSION)
    bot.session(date(2026, 6, 11))
    bot.decide(SESSION, f"{first} bewilligt")
    bot.decide(date(2026, 6, 11), f"{later} bewilligt")

    march = reply_text(bot.must("kreis-1", "/protokoll ADE 12.03.2026", today=date(2026, 6, 12)))
    june = reply_text(bot.must("sek-ade", "/protokoll 11.06.2026", today=date(2026, 6, 12)))

    assert "Danach verfügbar 2026: 8.500,00 €." in march
    assert "Danach verfügbar 2026: 7.700,00 €." in june


def test_no_minutes_before_anything_is_booked_and_a_choice_after(bot: Bot) -> None:
    number = bot.submit()
    bot.session(SESSION)
    refusal = bot.refused("sek-ade", "/protokoll 12.03.2026", None, today=date(2026, 3, 12))
    assert "keine Beschlüsse gebucht" in reply_text(refusal)
    bot.decide(SESSION, f"{number} vertagt")

    choice = bot.must("sek-ade", "/protokoll", today=date(2026, 3, 13))

    assert [a.command for r in choice.replies for a in r.actions] == [
        "/protokoll ADE 12.03.2026"]


# -- the sketch text in the export and the report ----------------------------------------------


def test_the_export_and_the_pdf_report_carry_the_sketch_text(bot: Bot) -> None:
    number = bot.submit(Massnahme=LONG_MEASURE)

    exported = next(a for a in bot.export()["applications"] if a["number"] == number)
    report = pdf_text(bot.must("kreis-1", "/bericht 2026 pdf", today=date(2026, 3, 5)))

    assert exported["sketch"] == {
        "situation": "Viele Kinder sprechen zu Hause kaum Deutsch.",
        "objective": "Bessere Sprachkenntnisse vor der Einschulung.",
        "measure": LONG_MEASURE}
    assert "Anlage: Projektskizzen" in report
    assert f"{number} – Sprachförderung vor der Einschulung" in report
    assert "Ausgangslage: Viele Kinder sprechen zu Hause kaum Deutsch." in report
    assert " ".join(LONG_MEASURE.split()[-8:]) in report, "the whole text, not clipped"


# -- /hilfe: every example works when copied on the day it is shown ----------------------------

HELP_DAY = date(2026, 3, 20)


@pytest.fixture(scope="module")
def county_in_march(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Adendorf on 20 March: a session on 12 March decided and booked, one application still
    open, the next session on 11 June; Bleckede's decisions of 5 March held for the county."""
    directory = tmp_path_factory.mktemp("county")
    bot = Bot(directory)
    try:
        bot.concept()
        bot.concept("sek-ble")
        first = bot.submit()
        bot.submit(Titel="Elterncafé")
        held = bot.submit(Sozialraum="Bleckede", Titel="Skatekurs")
        bot.session(SESSION)
        bot.session(date(2026, 3, 5), secretary="sek-ble", attend=None)
        bot.session(date(2026, 6, 11), attend=None)
        bot.decide(SESSION, f"{first} bewilligt")
        bot.decide(date(2026, 3, 5), f"{held} bewilligt", secretary="sek-ble")
    finally:
        bot.close()
    return directory


def help_examples(bot: Bot, sender: str) -> list[str]:
    """The examples of /hilfe as a person would copy them: the command line and the lines
    indented under it that belong to it."""
    text = reply_text(bot.must(sender, "/hilfe", today=HELP_DAY))
    examples: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("  /"):
            examples.append([line.strip()])
        elif examples and not line.startswith("• ") and line.strip() and ":" not in line[:3]:
            examples[-1].append(line)
    return ["\n".join(lines) for lines in examples]


@pytest.mark.parametrize("sender", ["sek-ade", "kreis-1", "verwaltung", "kita@example.org"])
def test_every_help_example_works_when_copied_on_the_day(
        county_in_march: Path, tmp_path: Path, sender: str) -> None:
    import shutil

    shutil.copytree(county_in_march, tmp_path / "county")
    bot = Bot(tmp_path / "county")
    try:
        examples = help_examples(bot, sender)
        tried = 0
        for example in examples:
            if "<" in example or "…" in example:
                continue  # a form or a code to fill in, not an example to copy
            tried += 1
            outcome = bot.say(sender, example, today=HELP_DAY)
            assert outcome.accepted, f"{sender}: {example!r} -> {reply_text(outcome)}"
        assert tried >= 2
    finally:
        bot.close()


# -- a menu command tapped alone ----------------------------------------------------------------

MENU_TAPS = [(sender, name) for sender, role in (("sek-ade", "secretary"), ("kreis-1", "county"),
                                                 ("verwaltung", "administration"),
                                                 ("kita@example.org", "applicant"))
             for name, command in __import__("handlers.commands", fromlist=["registry"])
             .registry().items() if role in command.roles and name not in ("hilfe", "start")]


@pytest.mark.parametrize(("sender", "name"), MENU_TAPS)
def test_a_command_tapped_alone_answers_with_its_own_form_or_choice(
        county_in_march: Path, tmp_path: Path, sender: str, name: str) -> None:
    import shutil

    shutil.copytree(county_in_march, tmp_path / "county")
    bot = Bot(tmp_path / "county")
    try:
        files = bot.snapshot()
        outcome = bot.say(sender, f"/{name}", today=HELP_DAY)
        answer = reply_text(outcome)
        commands = [a.command for r in outcome.replies for a in r.actions]
        assert "„“" not in answer, answer
        assert "Fehler" not in answer, answer
        assert all(c.startswith(f"/{name} ") for c in commands), commands
        examples = re.findall(r"z\. B\.:?\s*(/\w+)", answer)
        assert all(e == f"/{name}" for e in examples), f"another command's example: {answer}"
        assert bot.snapshot() == files, "a bare command changes nothing"
    finally:
        bot.close()


def test_the_spreadsheet_report_has_a_sheet_with_the_sketches(bot: Bot) -> None:
    from openpyxl import load_workbook

    number = bot.submit(Massnahme=LONG_MEASURE)
    outcome = bot.must("kreis-1", "/bericht 2026 xlsx", today=date(2026, 3, 5))
    book = load_workbook(io.BytesIO(outcome.replies[0].documents[0].data))

    sheet = book["Projektskizzen"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [number, "Adendorf", "Sprachförderung vor der Einschulung",
            "Viele Kinder sprechen zu Hause kaum Deutsch.",
            "Bessere Sprachkenntnisse vor der Einschulung.", LONG_MEASURE] in rows
