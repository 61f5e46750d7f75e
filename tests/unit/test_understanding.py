"""Words without a command, read by the core (handlers/understand.py) alike for every channel:
questions in plain words, command words without their slash, results typed after a meeting,
a code left out of "/buchen". Through the real Core on real files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.support.core import APPLICANT, Bot, booking_command, reply_text

MARCH_12 = date(2026, 3, 12)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    bot.submit()  # ADE-2026-001, by APPLICANT
    return bot


@pytest.mark.parametrize(("sender", "question", "answer"), [
    (APPLICANT, "Wie ist der Stand meines Antrags ADE-2026-001?", "Stand: eingereicht"),
    (APPLICANT, "Ist unser Antrag ADE-2026-001 schon bewilligt?", "Stand: eingereicht"),
    (APPLICANT, "Was ist mit unserem Antrag?", "Ihre Anträge:\nADE-2026-001"),
    (APPLICANT, "Gibt es schon eine Entscheidung zu unserem Projekt?", "ADE-2026-001"),
    ("sek-ade", "Wie ist der Stand von ADE-2026-001?", "Stand: eingereicht"),
    ("sek-ade", "Wieviel Geld ist noch da?", "Verfügbar: 10.000,00 €"),
    ("sek-ade", "Wie viel Budget haben wir noch?", "Verfügbar: 10.000,00 €"),
    ("kreis-1", "Wieviel Geld ist noch übrig?", "10.000,00 €"),
    ("sek-ade", "saldo", "Verfügbar: 10.000,00 €"),
    ("sek-ade", "Wie hoch ist unser Budget noch?", "Verfügbar: 10.000,00 €"),
    ("sek-ade", "Wie ist der Stand unseres Budgets?", "Verfügbar: 10.000,00 €"),
    (APPLICANT, "Wurde unser Antrag schon bewilligt?", "Ihre Anträge:\nADE-2026-001"),
    ("sek-ade", "Saldo 2026.", "Verfügbar: 10.000,00 €"),
])
def test_questions_in_plain_words_get_what_the_person_may_see(
        bot: Bot, sender: str, question: str, answer: str) -> None:
    outcome = bot.say(sender, question)
    assert outcome.accepted
    assert answer in reply_text(outcome)
    assert "Projektskizze" not in reply_text(outcome)  # not the sketch form


def test_an_applicant_asking_for_the_balance_is_told_whom_to_ask_and_sees_no_figure(
        bot: Bot) -> None:
    text = reply_text(bot.say(APPLICANT, "Wieviel Geld ist noch da?"))
    assert "Sozialkonferenzen und der Landkreis" in text
    assert "€" not in text


def test_a_sketch_in_words_that_mentions_money_gets_the_form_not_a_balance(bot: Bot) -> None:
    text = reply_text(bot.say("verein@example.org", "Hallo, anbei unser Antrag für ein Projekt, "
                                                    "das noch Geld braucht."))
    assert "Sozialraum: …" in text  # the form to fill in
    assert "Stand des Budgets" not in text


def test_another_applicant_does_not_get_the_status_of_a_foreign_application(bot: Bot) -> None:
    outcome = bot.say("verein@example.org", "Wie ist der Stand des Antrags ADE-2026-001?")
    assert not outcome.accepted
    assert "Sprachförderung" not in reply_text(outcome)


@pytest.mark.parametrize(("line", "hint"), [
    ("ADE-2026-001 bewiligt", "es fehlt das Ergebnis"),
    ("ADE-2026-001 bewilligt 1,500", "nicht eindeutig"),
    ("ADE-2026-001 bewilligt (ja sieben)", "Die Stimmen"),
])
def test_a_line_the_bot_cannot_read_after_a_meeting_gets_the_hint_of_beschluss(
        bot: Bot, line: str, hint: str) -> None:
    bot.session(MARCH_12)
    without = reply_text(bot.say("sek-ade", line, today=MARCH_12))
    inside = reply_text(bot.say("sek-ade", f"/beschluss 12.03.2026\n{line}", today=MARCH_12))
    assert hint in without
    assert without == inside


@pytest.mark.parametrize("line", [
    "ADE-2026-001 einstimmig bewilligt",
    "ADE-2026-001 bewilligt (7 ja, 1 nein, 0 Enthaltungen)",
    "ADE-2026-001 angenommen mit 7:1:0",
])
def test_results_typed_on_a_phone_without_beschluss_are_previewed(bot: Bot, line: str) -> None:
    bot.session(MARCH_12)
    outcome = bot.say("sek-ade", line, today=MARCH_12)
    assert outcome.accepted, reply_text(outcome)
    assert "/buchen " in reply_text(outcome)


def test_a_bare_buchen_answering_the_preview_books_with_the_code_it_answers(bot: Bot) -> None:
    bot.session(MARCH_12)
    preview = bot.say("sek-ade", "ADE-2026-001 bewilligt", today=MARCH_12)
    code = booking_command(preview).split()[1]
    booked = bot.core.handle(bot.message("sek-ade", "/buchen", today=MARCH_12,
                                         refers_to=(code,)))
    assert booked.accepted, reply_text(booked)
    assert "Gebucht" in reply_text(booked)


@pytest.mark.parametrize(("typed", "shown"), [
    ("/sitzung Do, 5.11.2026 um 19 Uhr Rathaus, Budget II", "05.11.2026, 19:00"),
    ("/sitzung 5. November 2026 19:00 Uhr Rathaus, Budget II", "05.11.2026, 19:00"),
    ("/sitzung am 5. Nov. 19.30 Uhr Rathaus, Budget II", "05.11.2026, 19:30"),
    ("/sitzung 5.11. 19 Uhr Rathaus, Budget II", "05.11.2026, 19:00"),
    ("/sitzung 05.11.26 18:30 Rathaus, Budget II", "05.11.2026, 18:30"),
])
def test_sessions_with_dates_and_times_as_people_write_them(
        bot: Bot, typed: str, shown: str) -> None:
    outcome = bot.say("sek-ade", typed, today=date(2026, 3, 2))
    assert outcome.accepted, reply_text(outcome)
    assert shown in reply_text(outcome)
    [session] = [s for s in bot.export()["sessions"] if s["date"] == "2026-11-05"]
    assert session["place"].startswith("Rathaus")


def test_a_session_date_that_cannot_be_read_is_named_as_written(bot: Bot) -> None:
    text = reply_text(bot.say("sek-ade", "/sitzung am Do, 31.11.2026 um 19 Uhr",
                              today=date(2026, 3, 2)))
    assert "31.11.2026" in text
    assert "„am“" not in text


def test_decisions_of_a_session_named_in_words(bot: Bot) -> None:
    bot.session(MARCH_12)
    outcome = bot.say("sek-ade", "/beschluss Do, 12. März 2026\nADE-2026-001 einstimmig bewilligt",
                      today=MARCH_12)
    assert outcome.accepted, reply_text(outcome)
    assert "am 12.03.2026" in reply_text(outcome)


@pytest.mark.parametrize("command", ["/zeige ADE-2026-12345", "/antrag ADE-2026-12345",
                                     "Wie ist der Stand von ADE-2026-12345?"])
def test_five_digit_application_numbers_are_read_by_every_command(bot: Bot, command: str) -> None:
    text = reply_text(bot.say(APPLICANT, command))
    assert "ADE-2026-12345" in text  # read as that number, not skipped or cut to 1234


def test_a_veto_names_a_five_digit_number_as_typed(bot: Bot) -> None:
    text = reply_text(bot.say("kreis-1", "/veto ADE-2026-12345 passt nicht zum Konzept"))
    assert "ADE-2026-12345" in text


@pytest.mark.parametrize("typed", ["/anwesend ADE 12.03.2026", "/anwesend ADE Do, 12.03.2026",
                                   "/anwesend Adendorf 12. März", "/anwesend ADE am 12.3."])
def test_the_county_names_the_session_date_as_people_write_it(bot: Bot, typed: str) -> None:
    bot.session(MARCH_12)
    outcome = bot.say("kreis-1", typed, today=date(2026, 3, 5))
    assert outcome.accepted, reply_text(outcome)
    assert "12.03.2026" in reply_text(outcome)


def test_an_unreadable_session_date_of_the_county_is_named_as_written(bot: Bot) -> None:
    text = reply_text(bot.say("kreis-1", "/verhindert ADE Do, 31.02.2026", today=date(2026, 3, 5)))
    assert "31.02.2026" in text
    assert "„ADE" not in text


@pytest.mark.parametrize("heading", ["Beschlüsse vom 12. März:", "Sitzung am 12.03.2026",
                                     "Ergebnisse der Sitzung vom 12. März 2026"])
def test_results_under_a_heading_that_names_the_session(bot: Bot, heading: str) -> None:
    bot.session(MARCH_12)
    outcome = bot.say("sek-ade", f"{heading}\nADE-2026-001 einstimmig bewilligt",
                      today=date(2026, 3, 13))
    assert outcome.accepted, reply_text(outcome)
    assert "am 12.03.2026" in reply_text(outcome)


def test_a_move_names_the_session_after_am_and_a_weekday(bot: Bot) -> None:
    bot.session(MARCH_12)
    bot.session(date(2026, 9, 10))
    outcome = bot.say("sek-ade", "/sitzung am Do, 12.03.2026 verschoben auf 19.03.2026 19 Uhr",
                      today=date(2026, 3, 2))
    assert outcome.accepted, reply_text(outcome)
    dates = {s["date"]: s["status"] for s in bot.export()["sessions"]}
    assert dates["2026-09-10"] == "scheduled"  # the other session stays where it is
    assert dates.get("2026-03-19") == "scheduled"


@pytest.mark.parametrize(("text", "whose"), [
    ("bitte die sitzungen von ostheide", "die Sitzungen von Adendorf"),
    ("Sitzungen Ostheide", "die Sitzungen von Adendorf"),
    ("die tagesordnung von ostheide bitte", "die Tagesordnung von Adendorf"),
])
def test_a_secretary_naming_another_conference_in_a_short_message_is_told_whose_she_sees(
        bot: Bot, text: str, whose: str) -> None:
    """As the questions ("Wann tagt Ostheide?"): not her own conference's answer as if it
    were the one asked for."""
    bot.concept("sek-ost")
    bot.session(date(2026, 3, 24), secretary="sek-ost")
    bot.session(MARCH_12)
    answer = reply_text(bot.say("sek-ade", text, today=date(2026, 3, 1)))
    assert f"Sie sehen nur {whose}" in answer, answer
    assert "24.03.2026" not in answer
    assert "Ostheide" in reply_text(bot.must("kreis-1", text, today=date(2026, 3, 1)))
    own = reply_text(bot.must("sek-ade", text.replace("ostheide", "adendorf")
                              .replace("Ostheide", "Adendorf"), today=date(2026, 3, 1)))
    assert "12.03.2026" in own, own
    assert "Sie sehen nur" not in own


@pytest.mark.parametrize("text", [
    "Zielgruppen: Jugendliche Problemlagen: keine Treffpunkte Ziele: ein Jugendcafé",
    "/konzept Zielgruppen: Jugendliche; Problemlagen: keine Treffpunkte; Ziele: ein Jugendcafé",
    "Unser Konzept:\nZielgruppen: Jugendliche, Problemlagen : keine Treffpunkte\n"
    "Ziele: ein Jugendcafé",
    "Konzept für Ostheide: Zielgruppen: Jugendliche Problemlagen: keine Treffpunkte Ziele: ein "
    "Jugendcafé",
    "Konzept: Zielgruppen: Jugendliche, Problemlagen: keine Treffpunkte, Ziele: ein Jugendcafé",
])
def test_a_concept_typed_on_one_line_is_read_part_by_part(tmp_path: Path, text: str) -> None:
    """R5: the three parts typed one after the other on a phone are the concept's three parts,
    each with its own text, as the county then reads it."""
    bot = Bot(tmp_path)
    answer = reply_text(bot.must("sek-ost", text, today=date(2026, 1, 10)))
    assert "Sozialraumkonzept für Ostheide ist hinterlegt" in answer, answer
    concept = reply_text(bot.must("kreis-1", "/konzept OST", today=date(2026, 1, 11)))
    assert "Zielgruppen: Jugendliche\n" in concept, concept
    assert "Problemlagen: keine Treffpunkte\n" in concept
    assert "Ziele: ein Jugendcafé" in concept


def test_a_concept_label_inside_a_part_is_not_guessed_to_start_another(tmp_path: Path) -> None:
    """'Ziel:' twice in a line (inside a part and as a part): which one starts the goals is not
    guessed; the line stays one part, and the secretary is asked for what is missing (R5)."""
    bot = Bot(tmp_path)
    outcome = bot.say("sek-ost", "/konzept Zielgruppen: Jugendliche mit dem Ziel: Teilhabe "
                      "Problemlagen: keine Treffpunkte Ziele: ein Jugendcafé",
                      today=date(2026, 1, 10))
    assert not outcome.accepted
    assert "R5" in reply_text(outcome)
    assert "Für Ostheide ist noch kein Sozialraumkonzept hinterlegt" in reply_text(
        bot.must("kreis-1", "/konzept OST", today=date(2026, 1, 11)))
