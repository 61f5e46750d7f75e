"""Sketches as people fill them in, through the real Core: social spaces misspelt or named
twice, co-funding as written (R12), and a refused sketch sent again."""

from __future__ import annotations

import pytest

from rules.conferences import LUENEBURG, Conference, similar_conference
from rules.money import AmountError
from rules.sketch import Cofunding, parse_cofunding
from tests.support.core import APPLICANT, Bot, reply_text, sketch

CONFERENCES = tuple(Conference(code, name) for code, name in LUENEBURG)


@pytest.mark.parametrize(("typed", "meant"), [
    ("Adendorff", "Adendorf"), ("Bardowik", "Bardowick"), ("Bleckde", "Bleckede"),
    ("Amelinghsen", "Amelinghausen"), ("Amt Neuhau", "Amt Neuhaus"), ("Neuhause", "Amt Neuhaus"),
    ("Ostheyde", "Ostheide"),
])
def test_a_misspelt_social_space_is_asked_back_with_the_form_corrected(
        bot: Bot, typed: str, meant: str) -> None:
    outcome = bot.refused(APPLICANT, sketch(Sozialraum=typed), "R4")
    text = reply_text(outcome)
    assert f"Meinten Sie {meant}?" in text
    assert f"Sozialraum: {meant}\nTräger: Kita Sonnenschein" in text  # the form, corrected
    assert bot.export()["applications"] == []


@pytest.mark.parametrize("typed", ["Lüneburg", "Hamburg", "x" * 300, "Adendorf" * 20, ""])
def test_what_is_no_near_miss_gets_no_guess(typed: str) -> None:
    assert similar_conference(typed, CONFERENCES) is None


@pytest.mark.parametrize("typed", ["Bardowick und Ilmenau", "Bardowick/Ilmenau",
                                   "Adendorf, Scharnebeck"])
def test_a_joint_sketch_is_never_narrowed_to_one_conference(bot: Bot, typed: str) -> None:
    text = reply_text(bot.refused(APPLICANT, sketch(Sozialraum=typed), "R4"))
    assert "mehrere Sozialräume" in text
    assert "Sozialraum: …" in text
    assert bot.export()["applications"] == []


@pytest.mark.parametrize(("written", "read"), [
    ("keine", ()),
    ("Keine.", ()),
    ("entfällt", ()),
    ("Aktion Mensch", (Cofunding("Aktion Mensch", None),)),
    ("Aktion Mensch, 5.000 €", (Cofunding("Aktion Mensch", 500_000),)),
    ("3.000 € Aktion Mensch (beantragt)", (Cofunding("Aktion Mensch (beantragt)", 300_000),)),
    ("Aktion Mensch 3.000 €; Gemeinde Adendorf 500 €",
     (Cofunding("Aktion Mensch", 300_000), Cofunding("Gemeinde Adendorf", 50_000))),
    ("3.000 € Aktion Mensch, 500 € Sparkasse",
     (Cofunding("Aktion Mensch", 300_000), Cofunding("Sparkasse", 50_000))),
    ("Aktion Mensch 3.000 € (beantragt), Stadt 500 € (zugesagt)",
     (Cofunding("Aktion Mensch (beantragt)", 300_000), Cofunding("Stadt (zugesagt)", 50_000))),
])
def test_cofunding_is_read_as_written(written: str, read: tuple[Cofunding, ...]) -> None:
    assert parse_cofunding(written) == read


@pytest.mark.parametrize("written", ["Aktion Mensch ca. 3.000 €", "3.000 € und 500 €",
                                     "Aktion Mensch 3.000 € und Stadt", "Aktion Mensch 1,500",
                                     "-- ; --"])
def test_cofunding_that_cannot_be_read_is_asked_back_never_guessed(written: str) -> None:
    with pytest.raises(AmountError):
        parse_cofunding(written)


def test_several_funders_are_kept_apart_on_the_record_and_in_the_answer(bot: Bot) -> None:
    outcome = bot.must(APPLICANT, sketch(Kofinanzierung="Aktion Mensch 3.000 €; Gemeinde 500 €"))
    assert "Kofinanzierung (R12): Aktion Mensch, 3.000,00 €" in reply_text(outcome)
    assert "Kofinanzierung (R12): Gemeinde, 500,00 €" in reply_text(outcome)
    [record] = bot.export()["applications"]
    assert record["cofunding"] == [{"funder": "Aktion Mensch", "amount_cents": 300_000},
                                   {"funder": "Gemeinde", "amount_cents": 50_000}]


def test_no_cofunding_is_recorded_as_none(bot: Bot) -> None:
    bot.must(APPLICANT, sketch(Kofinanzierung="keine"))
    [record] = bot.export()["applications"]
    assert record["cofunding"] is None


def test_unreadable_cofunding_is_asked_back(bot: Bot) -> None:
    outcome = bot.say(APPLICANT, sketch(Kofinanzierung="3.000 € und 500 €"))
    assert "Kofinanzierung: Die Kofinanzierung „3.000 € und 500 €“" in reply_text(outcome)
    assert "Kofinanzierung: …" in reply_text(outcome)


def test_a_refused_sketch_sent_again_completes_the_one_it_left_not_a_new_one(bot: Bot) -> None:
    first = bot.say(APPLICANT, sketch(Massnahme=None, Betrag="1,500"))
    assert first.application_number == "ADE-2026-001"
    bot.say(APPLICANT, sketch(Massnahme=None))  # still incomplete: the same number again
    done = bot.must(APPLICANT, sketch())
    assert done.application_number == "ADE-2026-001"
    assert [a["number"] for a in bot.export()["applications"]] == ["ADE-2026-001"]


def test_another_project_of_the_same_sender_gets_its_own_number(bot: Bot) -> None:
    bot.say(APPLICANT, sketch(Massnahme=None))
    other = bot.must(APPLICANT, sketch(Titel="Lesepaten"))
    assert other.application_number == "ADE-2026-002"


@pytest.mark.parametrize("text", [
    "Wir beantragen für den Sozialraum Bardowick und Ilmenau ein gemeinsames Projekt.",
    "Gemeinsames Projekt der Sozialräume im Sozialraum Bardowick/Ilmenau.",
])
def test_a_joint_sketch_in_running_words_is_not_narrowed_either(bot: Bot, text: str) -> None:
    lines = sketch(Sozialraum=None).replace("/antrag\n", "")
    outcome = bot.say(APPLICANT, f"/antrag\n{text}\n{lines}")
    assert not outcome.accepted
    assert "Sozialraum" in reply_text(outcome)
    assert bot.export()["applications"] == []
