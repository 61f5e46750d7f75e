"""Stories of an application after its first booking: a correction, a withdrawal, a sketch
sent twice, an incomplete one dropped. Through the real Core on real TinyDB files."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from tests.support.core import APPLICANT, Bot, at, booking_command, reply_text, sketch

SESSION = date(2026, 3, 12)
REASON = "Die Konferenz hat 1.000 € beschlossen, gemeldet waren 1.500 €"


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


def approved_too_much(bot: Bot) -> str:
    """The secretary reports 1.500 € where the conference voted 1.000 €, and books it."""
    number = bot.submit()
    bot.session(SESSION)
    bot.decide(SESSION, f"{number} bewilligt 1.500 €")
    return number


def ledger_of(bot: Bot, number: str) -> list[tuple[str, int, str | None]]:
    return [(e["kind"], e["amount_cents"], e["correction"]) for e in bot.export()["ledger"]
            if e["application"] == number]


def test_a_wrong_amount_is_corrected_with_reversing_entries_and_everyone_is_told(
        bot: Bot) -> None:
    number = approved_too_much(bot)
    preview = bot.must("sek-ade", f"/korrektur {number} bewilligt 1.000 € Grund: {REASON}",
                       today=date(2026, 3, 20))
    text = reply_text(preview)
    assert "bisher: bewilligt 1.500,00 €" in text
    assert "richtig: bewilligt 1.000,00 €" in text
    assert "Danach verfügbar für Adendorf 2026: 9.000,00 €" in text
    assert bot.balance()["bound_cents"] == 150000, "a preview books nothing"

    booked = bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 20))
    assert "Verfügbar für Adendorf 2026: 9.000,00 €" in reply_text(booked)
    code = booking_command(preview).split()[1]
    assert ledger_of(bot, number) == [("commitment", 150000, None),
                                      ("release", 150000, code),
                                      ("commitment", 100000, code)]
    balance = bot.balance()
    assert (balance["bound_cents"], balance["available_cents"]) == (100000, 900000)
    application = bot.application(number)
    assert (application["status"], application["approved_cents"]) == ("approved", 100000)
    [correction] = application["corrections"]
    assert correction["before"] == {"status": "approved", "approved_cents": 150000}
    assert correction["reason"] == REASON

    told = {n.recipient: n.text for n in booked.notifications}
    assert {f"email:{APPLICANT}", "kreis-1", "kreis-2"} <= set(told)
    for text in told.values():
        assert "richtig: bewilligt 1.000,00 €" in text
        assert REASON in text
    listing = reply_text(bot.must("kreis-1", "/antraege ADE", today=date(2026, 3, 21)))
    assert "bewilligt 1.000,00 €" in listing
    assert "korrigiert am 20.03.2026, vorher bewilligt 1.500,00 €" in listing
    report = bot.must("kreis-1", "/bericht 2026 csv", today=date(2026, 3, 21))
    csv = report.replies[0].documents[0].data.decode("utf-8-sig")
    assert "Korrigiert am 20.03.2026 (vorher bewilligt 1.500,00 €)" in csv


def test_a_correction_is_read_in_words_and_needs_a_reason(bot: Bot) -> None:
    number = approved_too_much(bot)
    bot.refused("sek-ade", f"/korrektur {number} bewilligt 1.000 €", "R11",
                today=date(2026, 3, 20))
    for no_reason in (f"Korrektur: {number} bewilligt 1.000 €, nicht 1.500 €",
                      f"Korrektur: {number} bewilligt 1.000 €, nicht abgelehnt"):
        bot.refused("sek-ade", no_reason, "R11", today=date(2026, 3, 20))
    preview = bot.must("sek-ade", f"Korrektur: {number} wurde mit 1.000 € bewilligt, nicht mit "
                       "1.500 €. Grund: Übertragungsfehler im Protokoll", today=date(2026, 3, 20))
    assert "richtig: bewilligt 1.000,00 €" in reply_text(preview)
    bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 20))
    rejected = bot.must("sek-ade", f"/korrektur {number} abgelehnt (ja 2, nein 6)\nDer Antrag "
                        "wurde in Wahrheit abgelehnt.", today=date(2026, 3, 21))
    bot.must("sek-ade", booking_command(rejected), today=date(2026, 3, 21))
    assert bot.application(number)["status"] == "rejected"
    assert bot.balance()["bound_cents"] == 0
    assert len(bot.application(number)["corrections"]) == 2


@pytest.mark.parametrize(("words", "outcome", "reason"), [
    ("Kleine Korrektur: {n} wurde mit 800 € bewilligt, nicht mit 1.500 €. Das stand falsch im "
     "Protokoll.", "richtig: bewilligt 800,00 €", "Das stand falsch im Protokoll."),
    ("Korrektur zu {n}: nicht bewilligt, sondern abgelehnt (Fehler im Protokoll)",
     "richtig: abgelehnt", "Fehler im Protokoll"),
    ("Achtung, Korrektur: {n} bewilligt 1.000,- € (6 dafür, 1 dagegen, 0 Enthaltungen). Im "
     "Protokoll steht 1.000 €.", "richtig: bewilligt 1.000,00 €", "Im Protokoll steht 1.000 €."),
    ("Korrektur: {n} war 1.000 € statt 1.500 €, Tippfehler im Protokoll",
     "richtig: bewilligt 1.000,00 €", "Tippfehler im Protokoll"),
    ("Korrektur {n}: abgelehnt – Zahlen im Protokoll vertauscht", "richtig: abgelehnt",
     "Zahlen im Protokoll vertauscht"),
])
def test_a_correction_in_words_finds_its_reason_in_the_next_sentence_or_a_remark(
        bot: Bot, words: str, outcome: str, reason: str) -> None:
    number = approved_too_much(bot)
    preview = reply_text(bot.must("sek-ade", words.format(n=number), today=date(2026, 3, 20)))
    assert outcome in preview
    assert f"Grund: {reason}" in preview


def test_decided_applications_point_to_the_correction(bot: Bot) -> None:
    number = approved_too_much(bot)
    again = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt 1.000 €", "R11",
                        today=date(2026, 3, 13))
    assert f"/korrektur {number}" in reply_text(again)
    changed = bot.refused("sek-ade", f"/antrag {number}\nBetrag: 1.000 €", "R11",
                          today=date(2026, 3, 13))
    assert "/korrektur" in reply_text(changed)


def test_a_correction_cannot_bind_more_than_is_available(bot: Bot) -> None:
    number = bot.submit(Betrag="9.000 €")
    other = bot.submit(Titel="Hausaufgabenhilfe", Betrag="2.000 €")
    bot.session(SESSION)
    bot.decide(SESSION, f"{number} bewilligt 8.000 €\n{other} bewilligt 2.000 €")
    bot.refused("sek-ade", f"/korrektur {number} bewilligt 9.000 € Grund: falsch übertragen",
                "R3", today=date(2026, 3, 20))
    bot.refused("sek-ade", f"/korrektur {number} bewilligt 9.500 € Grund: falsch übertragen",
                "R11", today=date(2026, 3, 20))


def test_only_the_secretary_of_the_conference_corrects(bot: Bot) -> None:
    number = approved_too_much(bot)
    bot.refused("sek-ble", f"/korrektur {number} abgelehnt Grund: falsch gemeldet", None,
                today=date(2026, 3, 20))
    bot.refused(APPLICANT, f"/korrektur {number} abgelehnt Grund: falsch gemeldet", None,
                today=date(2026, 3, 20))


def close(bot: Bot, year: int) -> None:
    bot.must("verwaltung", f"/jahresabschluss {year}", today=date(year + 1, 1, 4))


def test_money_freed_in_a_closed_year_goes_where_the_close_sent_it(bot: Bot) -> None:
    number = approved_too_much(bot)
    close(bot, 2026)  # 8.500,00 € carried into 2027
    assert bot.balance("ADE", 2027)["carried_in_cents"] == 850000
    preview = bot.must("sek-ade", f"/korrektur {number} bewilligt 1.000 € Grund: {REASON}",
                       today=date(2027, 1, 20))
    assert "verfallen 0,00 €, übertragen nach 2027 500,00 €" in reply_text(preview)
    bot.must("sek-ade", booking_command(preview), today=date(2027, 1, 20))
    old, new = bot.balance("ADE", 2026), bot.balance("ADE", 2027)
    assert (old["bound_cents"], old["carried_out_cents"], old["available_cents"]) == (
        100000, 900000, 0)
    assert new["carried_in_cents"] == 900000
    bot.refused("sek-ade", f"/korrektur {number} bewilligt 1.200 € Grund: doch mehr", "R2",
                today=date(2027, 1, 21))


def test_freed_carry_in_of_a_closed_year_lapses(bot: Bot) -> None:
    """2026 spends nothing, so 2027 starts with 10.000 € carried in; 1.500 € of 2027 come out
    of that carry-in first, the rest of it lapses at the close. Corrected to 1.000 €, the
    500 € freed would have been carry-in too: they lapse as well."""
    bot.must("sek-ade", "/saldo", today=date(2026, 6, 1))
    close(bot, 2026)
    number = bot.submit(today=date(2027, 2, 2))
    bot.session(date(2027, 3, 11), today=date(2027, 2, 3))
    bot.decide(date(2027, 3, 11), f"{number} bewilligt 1.500 €")
    close(bot, 2027)
    before = bot.balance("ADE", 2027)
    assert before["lapsed_cents"] == 850000
    preview = bot.must("sek-ade", f"/korrektur {number} bewilligt 1.000 € Grund: {REASON}",
                       today=date(2028, 1, 20))
    bot.must("sek-ade", booking_command(preview), today=date(2028, 1, 20))
    after = bot.balance("ADE", 2027)
    assert after["lapsed_cents"] == 900000
    assert after["carried_out_cents"] == before[
        "carried_out_cents"]
    assert bot.balance("ADE", 2028)["carried_in_cents"] == before["carried_out_cents"]


def test_an_applicant_withdraws_in_her_own_words_and_it_cannot_be_decided(bot: Bot) -> None:
    number = bot.submit()
    bot.session(SESSION)
    outcome = bot.must(APPLICANT, f"Hallo, wir ziehen unseren Antrag {number} zurück, das "
                       "Projekt findet nicht statt.", today=date(2026, 3, 1))
    assert "zurückgezogen" in reply_text(outcome)
    [told] = [n for n in outcome.notifications if n.recipient == "sek-ade"]
    assert number in told.text
    assert "zurückgezogen" in told.text
    assert bot.application(number)["status"] == "withdrawn"
    refused = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", None,
                          today=SESSION)
    assert f"{number} ist zurückgezogen" in reply_text(refused)
    assert "zurückgezogen" in reply_text(bot.must(APPLICANT, "/antraege",
                                                  today=date(2026, 3, 2)))


def test_a_preview_listing_a_withdrawn_application_books_nothing(bot: Bot) -> None:
    number = bot.submit()
    bot.session(SESSION)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=SESSION)
    bot.must(APPLICANT, f"/zurueckziehen {number}", today=SESSION)
    bot.refused("sek-ade", booking_command(preview), None, today=SESSION)
    assert bot.balance()["bound_cents"] == 0


def test_a_secretary_marks_an_application_withdrawn_and_the_applicant_is_told(bot: Bot) -> None:
    number = bot.submit()
    outcome = bot.must("sek-ade", f"/zurückziehen {number} Träger hat telefonisch abgesagt",
                       today=date(2026, 2, 10))
    [told] = [n for n in outcome.notifications if n.recipient == f"email:{APPLICANT}"]
    assert "telefonisch abgesagt" in told.text
    assert bot.application(number)["withdrawn"]["by"] == "sek-ade"
    report = bot.must("kreis-1", "/bericht 2026 csv", today=date(2026, 2, 11))
    csv = report.replies[0].documents[0].data.decode("utf-8-sig")
    row = next(line for line in csv.splitlines() if f";{number};" in line)
    assert "zurückgezogen" in row
    assert "Zurückgezogen am 10.02.2026: Träger hat telefonisch abgesagt" in row


def test_only_open_applications_of_ones_own_can_be_withdrawn(bot: Bot) -> None:
    number = approved_too_much(bot)
    given_back = bot.say(APPLICANT, f"/zurueckziehen {number}", today=date(2026, 3, 20))
    assert reply_text(given_back).startswith("R11: "), reply_text(given_back)
    assert bot.application(number)["status"] == "approved"  # only passed on to the secretaries
    other = bot.submit(Titel="Ferienfreizeit")
    bot.refused("someone@example.org", f"/zurueckziehen {other}", None, today=date(2026, 3, 20))
    bot.refused("sek-ble", f"/zurueckziehen {other}", None, today=date(2026, 3, 20))
    asked = bot.refused(APPLICANT, "Bitte streichen Sie unseren Antrag.", None,
                        today=date(2026, 3, 20))
    assert f"/zurueckziehen {other}" in [a.command for a in asked.replies[0].actions]


def test_the_same_sketch_sent_twice_keeps_its_first_number(bot: Bot) -> None:
    first = bot.submit(today=date(2026, 2, 2))
    again = bot.say(APPLICANT, sketch(), today=date(2026, 2, 9))
    assert again.application_number == first
    assert f"Nummer {first}" in reply_text(again)
    assert not again.notifications
    assert len(bot.export()["applications"]) == 1
    other = bot.submit(today=date(2026, 2, 9), Titel="Ferienfreizeit am See")
    assert other != first
    someone_else = bot.submit(today=date(2026, 2, 9), applicant="hort@example.org")
    assert someone_else not in (first, other)


def test_an_incomplete_application_is_dropped_and_a_bare_antrag_gets_the_form(bot: Bot) -> None:
    incomplete = bot.must(APPLICANT, sketch(Betrag=None), today=date(2026, 2, 2))
    number = incomplete.application_number
    assert number is not None
    bot.must("sek-ade", f"/zurueckziehen {number} nie vervollständigt", today=date(2026, 5, 2))
    assert bot.application(number)["status"] == "withdrawn"
    form = bot.refused("sek-ade", "/antrag", None, today=date(2026, 5, 2))
    assert "Sozialraum: Adendorf" in reply_text(form)
    assert "Betrag:" in reply_text(form)
    assert len(bot.export()["applications"]) == 1


def test_no_correction_step_leaves_a_notification_unsent(bot: Bot) -> None:
    number = approved_too_much(bot)
    preview = bot.must("sek-ade", f"/korrektur {number} vertagt Grund: wurde vertagt, nicht "
                       "bewilligt", today=date(2026, 3, 20))
    bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 20))
    kinds = {n.kind for n in bot.outbox(at(date(2026, 3, 20), 13))}
    assert "correction" in kinds
    assert bot.application(number)["status"] == "deferred"


def test_zeige_tells_the_story_of_a_corrected_and_of_a_withdrawn_application(bot: Bot) -> None:
    number = approved_too_much(bot)
    preview = bot.must("sek-ade", f"/korrektur {number} bewilligt 1.000 € Grund: {REASON}",
                       today=date(2026, 3, 20))
    bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 20))
    shown = reply_text(bot.must(APPLICANT, f"/zeige {number}", today=date(2026, 3, 21)))
    assert "zurückgebucht: 1.500,00 €" in shown
    assert "gebucht: 1.000,00 €" in shown
    assert f"20.03.2026 Beschluss berichtigt (Korrektur): {REASON}" in shown
    other = bot.submit(Titel="Ferienfreizeit", today=date(2026, 3, 21))
    bot.must(APPLICANT, f"/zurueckziehen {other} Projekt entfällt", today=date(2026, 3, 22))
    shown = reply_text(bot.must(APPLICANT, f"/zeige {other}", today=date(2026, 3, 22)))
    assert "Stand: zurückgezogen" in shown
    assert "22.03.2026 zurückgezogen: Projekt entfällt" in shown


@pytest.mark.parametrize("typed", [str.strip, str.lower])
def test_a_withdrawal_by_an_unverified_e_mail_needs_the_code_sent_to_the_address(
        bot: Bot, typed: Callable[[str], str]) -> None:
    number = bot.submit()
    asked = bot.say(APPLICANT, f"Wir ziehen unseren Antrag {number} zurück.",
                    today=date(2026, 2, 10), verified=False)
    assert bot.application(number)["status"] == "submitted"
    assert f"/zurueckziehen {number} " in reply_text(asked)
    bot.say(APPLICANT, f"/zurueckziehen {number} ABCDEFGH", today=date(2026, 2, 10),
            verified=False)  # a guess: nothing, and a new code goes to the address
    assert bot.application(number)["status"] == "submitted"
    again = bot.say(APPLICANT, f"Wir ziehen unseren Antrag {number} zurück.",
                    today=date(2026, 2, 10), verified=False)
    asked_code = re.search(rf"/zurueckziehen {number} ([A-Z0-9]+)", reply_text(again))
    assert asked_code is not None, reply_text(again)
    code = asked_code.group(1)
    done = bot.must(APPLICANT, f"/zurueckziehen {number} {typed(code)}",
                    today=date(2026, 2, 11), verified=False)
    assert "ist zurückgezogen" in reply_text(done)
    assert bot.application(number)["status"] == "withdrawn"


def test_a_held_decision_is_corrected_before_the_county_confirms_it(bot: Bot) -> None:
    number = bot.submit()
    bot.session(SESSION, attend=None)
    bot.decide(SESSION, f"{number} bewilligt 1.500 €")  # held under R9
    preview = bot.must("sek-ade", f"/korrektur {number} bewilligt 1.000 € Grund: {REASON}",
                       today=date(2026, 3, 14))
    assert "wartet noch auf die Bestätigung des Landkreises" in reply_text(preview)
    bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 14))
    application = bot.application(number)
    assert (application["status"], application["approved_cents"]) == ("held", 100000)
    assert ledger_of(bot, number) == []
    assert bot.balance()["held_cents"] == 100000
    bot.must("kreis-1", "/bestaetigen ADE 12.03.2026", today=date(2026, 3, 15))
    assert ledger_of(bot, number) == [("commitment", 100000, None)]


def test_a_discarded_correction_books_nothing_and_its_code_is_spent(bot: Bot) -> None:
    number = approved_too_much(bot)
    preview = bot.must("sek-ade", f"/korrektur {number} abgelehnt Grund: {REASON}",
                       today=date(2026, 3, 20))
    code = booking_command(preview).split()[1]
    bot.must("sek-ade", f"/verwerfen {code}", today=date(2026, 3, 20))
    bot.refused("sek-ade", f"/buchen {code}", None, today=date(2026, 3, 20))
    assert ledger_of(bot, number) == [("commitment", 150000, None)]
    assert bot.application(number)["corrections"] == []
