"""A county's year played again with other people's wording (session 8): a sketch pasted from a
Word table, several results typed in one line on a phone, "1,5k", a county representative's
"Komme" or "Vertretung durch Frau Lange", corrections and withdrawals in an applicant's words."""

from datetime import date

import pytest

from tests.support.core import Bot, reply_text


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


WORD_TABLE = ("Guten Tag,\n\nhier unser Antrag:\n\n"
              "Sozialraum\tAdendorf\n"
              "Antragsteller\tEv. Kita Regenbogen\n"
              "Projekttitel\tBewegungsbaustelle\n"
              "Ausgangssituation\tViele Kinder haben motorische Defizite: kaum Bewegung.\n"
              "Ziel\tMehr Bewegung im Alltag\n"
              "Maßnahme\tAnschaffung einer Bewegungsbaustelle\n"
              "Kosten:\t2.450,00 €\n")


def test_a_sketch_pasted_from_a_word_table_with_tabs_is_read(bot: Bot) -> None:
    outcome = bot.must("kita@example.org", WORD_TABLE)
    number = outcome.application_number
    assert number, reply_text(outcome)
    application = bot.application(number)
    assert application["title"] == "Bewegungsbaustelle"
    assert application["applicant"] == "Ev. Kita Regenbogen"
    assert application["requested_cents"] == 245_000


MARCH = date(2026, 3, 12)


@pytest.mark.parametrize("typed", [
    "{a} bewilligt 1.200 €; {b} abgelehnt; {c} vertagt",
    "{a} bewilligt 1200, {b} abgelehnt, {c} vertagt",
    "{a_short} bewilligt 1,2k, {b_short} abgelehnt, {c_short} vertagt",
])
def test_several_results_in_one_line_typed_on_a_phone_are_read_each(bot: Bot, typed: str) -> None:
    a, b, c = (bot.submit(applicant=f"a{i}@example.org", Betrag="1.500 €") for i in range(3))
    bot.session(MARCH)
    text = typed.format(a=a, b=b, c=c, a_short=a[-3:], b_short=b[-3:], c_short=c[-3:])
    preview = bot.must("sek-ade", text, today=MARCH)
    answer = reply_text(preview)
    assert f"{a} „Sprachförderung vor der Einschulung“: bewilligt 1.200,00 €" in answer, answer
    assert f"{b} „Sprachförderung vor der Einschulung“: abgelehnt" in answer, answer
    assert f"{c} „Sprachförderung vor der Einschulung“: vertagt" in answer, answer
    assert "Noch ist nichts gebucht" in answer


@pytest.mark.parametrize("typed", [
    "{a} bewilligt 1.200 €, 7:0:0",  # one decision and its votes, not two
    "{a} bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)",
])
def test_a_comma_inside_one_decision_does_not_split_it(bot: Bot, typed: str) -> None:
    a = bot.submit(Betrag="1.500 €")
    bot.session(MARCH)
    answer = reply_text(bot.must("sek-ade", typed.format(a=a), today=MARCH))
    assert "bewilligt 1.200,00 € (von 1.500,00 €) (ja 7" in answer, answer


def test_a_line_of_results_one_of_which_cannot_be_read_books_nothing(bot: Bot) -> None:
    a = bot.submit()
    bot.session(MARCH)
    outcome = bot.refused("sek-ade", f"{a} bewilligt 1.200 €, TOP 3 vertagt", "R11",
                          today=MARCH)
    assert "Es wurde nichts gespeichert" in reply_text(outcome)


@pytest.mark.parametrize(("typed", "cents"), [
    ("1,5k", 150_000), ("1.5k", 150_000), ("2k", 200_000), ("1,25 Tsd.", 125_000),
    ("1,5 T€", 150_000), ("1,5k €", 150_000),
])
def test_thousands_typed_on_a_phone_are_read(typed: str, cents: int) -> None:
    from rules.money import parse_amount

    assert parse_amount(typed) == cents


@pytest.mark.parametrize("typed", ["1,500k", "1,5kk", "k", "1,5 Mio"])
def test_thousands_that_could_be_read_two_ways_are_still_refused(typed: str) -> None:
    from rules.money import AmountError, parse_amount

    with pytest.raises(AmountError):
        parse_amount(typed)
