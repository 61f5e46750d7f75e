"""What a trial year through the core found, as the people met it: a secretary typing results
one message at a time on her phone, an applicant asking about an incomplete sketch, one who
withdraws in words with one open application, one whose misspelt social space came back
without her co-funding."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.core import Bot, application_number, booking_command, reply_text, sketch

SESSION = date(2026, 4, 23)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


@pytest.mark.parametrize("messages", [
    ("ADE-2026-001 einstimmig angenommen 1.200", "002 abgelehnt", "ADE-2026-003 zurückgestellt"),
    ("001 bewilligt 1.200 € (7 ja, 1 nein, 0 Enthaltungen)", "2 nicht bewilligt", "3 vertagt"),
    ("ADE-2026-001 angenommen mit 7:1:0 1.200", "ADE-2026-002 abgelehnt\nADE-2026-003 vertagt"),
])
def test_results_typed_one_message_at_a_time_are_booked_together(
        bot: Bot, messages: tuple[str, ...]) -> None:
    numbers = [bot.submit(applicant=f"a{i}@example.org", Titel=f"Projekt {i}")
               for i in range(3)]
    bot.session(SESSION)
    outcome = None
    for text in messages:
        outcome = bot.must("sek-ade", text, today=SESSION)
    assert outcome is not None
    shown = reply_text(outcome)
    assert all(number in shown for number in numbers), shown
    assert "übernommen; es gilt nur noch dieser Code" in shown
    bot.must("sek-ade", booking_command(outcome), today=SESSION)
    statuses = [bot.application(n)["status"] for n in numbers]
    assert statuses == ["approved", "rejected", "deferred"]
    assert bot.balance()["available_cents"] == 1_000_000 - 120_000


def test_a_line_typed_again_replaces_only_its_own_decision(bot: Bot) -> None:
    first = bot.submit(applicant="a@example.org", Titel="Eins")
    second = bot.submit(applicant="b@example.org", Titel="Zwei")
    bot.session(SESSION)
    bot.must("sek-ade", f"{first} bewilligt 1.200", today=SESSION)
    bot.must("sek-ade", f"{second} abgelehnt", today=SESSION)
    outcome = bot.must("sek-ade", f"{first} bewilligt 1.000", today=SESSION)
    assert "1.200,00" not in reply_text(outcome)
    bot.must("sek-ade", booking_command(outcome), today=SESSION)
    assert bot.application(first)["approved_cents"] == 100_000
    assert bot.application(second)["status"] == "rejected"


def test_beschluss_with_a_date_is_still_the_whole_list(bot: Bot) -> None:
    first = bot.submit(applicant="a@example.org", Titel="Eins")
    second = bot.submit(applicant="b@example.org", Titel="Zwei")
    bot.session(SESSION)
    bot.must("sek-ade", f"/beschluss 23.04.2026\n{first} bewilligt 1.200", today=SESSION)
    outcome = bot.must("sek-ade", f"/beschluss 23.04.2026\n{second} abgelehnt", today=SESSION)
    assert first not in reply_text(outcome)
    assert "gilt nicht mehr" in reply_text(outcome)


@pytest.mark.parametrize("question", ["Wie ist der Stand unseres Antrags?",
                                      "Was ist mit unserem Antrag?"])
def test_an_incomplete_application_says_what_is_missing(bot: Bot, question: str) -> None:
    answer = bot.say("senioren@example.org", sketch(Traeger=None, Titel=None, Betrag=None))
    number = application_number(answer)
    text = reply_text(bot.must("senioren@example.org", question, today=date(2026, 2, 20)))
    assert f"{number} – unvollständig; es fehlt noch: Träger, Titel, Betrag." in text
    assert f"/antrag {number}" in text
    assert "–:" not in text
    assert "– –" not in text


@pytest.mark.parametrize("words", [
    "Wir ziehen unseren Antrag zurück, die Musikschule hat keine Zeit.",
    "Hiermit ziehen wir unseren Antrag zurück.",
])
def test_withdrawal_in_words_with_one_open_application_offers_its_line(
        bot: Bot, words: str) -> None:
    number = bot.submit(applicant="musik@example.org")
    outcome = bot.say("musik@example.org", words, today=date(2026, 4, 17))
    assert not outcome.accepted
    assert f"/zurueckziehen {number}" in reply_text(outcome)
    assert bot.application(number)["status"] == "submitted"
    bot.must("musik@example.org", f"/zurueckziehen {number}", today=date(2026, 4, 17))
    assert bot.application(number)["status"] == "withdrawn"


@pytest.mark.parametrize("cofunding", ["3.000 € Aktion Mensch (beantragt)",
                                       "Aktion Mensch 3.000 €; Gemeinde 500 €"])
def test_a_misspelt_social_space_gives_the_form_back_with_the_cofunding(
        bot: Bot, cofunding: str) -> None:
    text = sketch(Sozialraum="Adendorff") + f"\nKofinanzierung: {cofunding}"
    answer = reply_text(bot.say("verein@example.org", text))
    assert "Meinten Sie Adendorf?" in answer
    assert f"Kofinanzierung: {cofunding}" in answer
    form = answer.split("zum Zurückschicken:\n", 1)[1]
    number = application_number(bot.must("verein@example.org", form))
    assert bot.application(number)["cofunding"], bot.application(number)


@pytest.mark.parametrize(("sender", "text"), [
    ("familie@example.org", "Vielen Dank für die Bewilligung!"),
    ("familie@example.org", "Herzlichen Dank!\n\nMit freundlichen Grüßen\nMaria Schulz\n"
                            "Familienzentrum Ostheide"),
    ("sek-ade", "Danke"),
    ("kreis-1", "Super, danke für die Info"),
])
def test_a_thank_you_is_answered_politely(bot: Bot, sender: str, text: str) -> None:
    files = bot.snapshot()
    answer = reply_text(bot.say(sender, text, today=date(2026, 10, 20)))
    assert answer.startswith("Gern geschehen!")
    assert "nicht verstanden" not in answer
    assert "Sozialraum: …" not in answer
    assert bot.snapshot() == files


@pytest.mark.parametrize("text", [
    "Danke. Wir möchten einen Mittagstisch für Senioren in Adendorf anbieten und brauchen "
    "dafür Geld für Essen und Miete",
    "Danke, wir brauchen 500 € für ein Sommerfest",
    "Danke! Wie ist der Stand unseres Antrags?",
])
def test_thanks_with_a_request_is_not_taken_for_a_thank_you(bot: Bot, text: str) -> None:
    answer = reply_text(bot.say("familie@example.org", text, today=date(2026, 10, 20)))
    assert not answer.startswith("Gern geschehen!")


@pytest.mark.parametrize("text", [
    "/korrektur ADE-2026-001 bewilligt 1.000 €",
    "Korrektur: ADE-2026-001 wurde mit 1.000 € bewilligt, nicht 1.200 €",
])
def test_a_correction_without_reason_offers_her_own_line_to_complete(
        tmp_path: Path, text: str) -> None:
    bot = Bot(tmp_path)
    bot.concept(secretary="sek-ost")
    number = bot.submit(Sozialraum="Ostheide")
    bot.session(date(2026, 3, 12), secretary="sek-ost")
    bot.decide(date(2026, 3, 12), f"{number} bewilligt 1.200", secretary="sek-ost")
    text = text.replace("ADE-2026-001", number)
    answer = reply_text(bot.refused("sek-ost", text, "R11", today=date(2026, 3, 13)))
    assert f"/korrektur {number} bewilligt 1.000 € Grund: …" in answer
    assert "ADE-" not in answer
    bot.close()


def test_a_move_sent_again_is_named_as_done_and_changes_nothing(bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 05.11.2026 19 Uhr Ort Rathaus Budget II", today=date(2026, 9, 10))
    move = "/sitzung 05.11.2026 verschoben auf 19.11.2026"
    bot.must("sek-ade", move, today=date(2026, 9, 20))
    files = bot.snapshot()
    again = bot.must("sek-ade", move, today=date(2026, 9, 20))
    assert "ist schon verschoben auf den 19.11.2026, 19:00 Uhr, Rathaus" in reply_text(again)
    assert "Eine neue Sitzung melden" not in reply_text(again)
    assert not again.notifications
    assert bot.snapshot() == files


@pytest.mark.parametrize(("sender", "question", "expected"), [
    ("sek-ade", "Welche Sitzungen sind geplant?", "Angesetzte Sitzungen (Adendorf)"),
    ("sek-ade", "Wann ist die nächste Sitzung?", "Angesetzte Sitzungen (Adendorf)"),
    ("kreis-1", "Welche Termine gibt es?", "Angesetzte Sitzungen"),
    ("sek-ade", "Welche Anträge sind offen?", "Anträge (offen) Adendorf 2026"),
    ("kreis-1", "Welche Anträge sind noch offen?", "ADE-2026-002"),
    ("kreis-1", "Welche Anträge wurden bewilligt?", "ADE-2026-001"),
    ("kita@example.org", "Welche Anträge sind offen?", "Ihre Anträge"),
])
def test_which_sessions_and_which_applications_in_plain_words(
        bot: Bot, sender: str, question: str, expected: str) -> None:
    first = bot.submit(Titel="Eins")
    second = bot.submit(Titel="Zwei")
    bot.session(date(2026, 3, 12))
    bot.decide(date(2026, 3, 12), f"{first} bewilligt 1.000\n{second} vertagt")
    bot.must("sek-ade", "/sitzung 19.11.2026 19 Uhr Ort Rathaus Budget II", today=date(2026, 9, 1))
    answer = reply_text(bot.must(sender, question, today=date(2026, 9, 2)))
    assert expected in answer
    if "bewilligt" in question:
        assert second not in answer
    if "offen" in question:
        assert second in answer
        assert first not in answer


@pytest.mark.parametrize("again", ["Sitzung verschoben auf 19.11.",
                                   "/sitzung 19.11.2026 19 Uhr Ort Rathaus Budget II"])
def test_the_same_session_sent_again_alerts_nobody(bot: Bot, again: str) -> None:
    bot.must("sek-ade", "/sitzung 05.11.2026 19 Uhr Ort Rathaus Budget II", today=date(2026, 9, 10))
    bot.must("sek-ade", "/sitzung 05.11.2026 verschoben auf 19.11.2026", today=date(2026, 9, 20))
    files = bot.snapshot()
    outcome = bot.must("sek-ade", again, today=date(2026, 9, 21))
    assert "ist so schon eingetragen. Es wurde nichts geändert." in reply_text(outcome)
    assert not outcome.notifications
    assert bot.snapshot() == files


def test_a_moved_session_moved_again_from_its_first_date_follows_the_move(bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 05.11.2026 19 Uhr Ort Rathaus Budget II", today=date(2026, 9, 10))
    bot.must("sek-ade", "/sitzung 05.11.2026 verschoben auf 19.11.2026", today=date(2026, 9, 20))
    outcome = bot.must("sek-ade", "/sitzung 05.11.2026 verschoben auf 26.11.2026",
                       today=date(2026, 9, 22))
    assert "vom 19.11.2026, 19:00 Uhr auf den 26.11.2026" in reply_text(outcome)
    sessions = [s for s in bot.export()["sessions"] if s["status"] == "scheduled"]
    assert [s["date"] for s in sessions] == ["2026-11-26"]


@pytest.mark.parametrize("question", ["Wie ist der Stand?", "Gibt es schon etwas Neues?",
                                      "Gibt es schon eine Entscheidung?", "Status?"])
def test_an_applicant_asking_how_things_stand_gets_her_applications(
        bot: Bot, question: str) -> None:
    number = bot.submit(applicant="kita@example.org")
    answer = reply_text(bot.must("kita@example.org", question, today=date(2026, 2, 6)))
    assert answer.startswith("Ihre Anträge:")
    assert number in answer
    nothing = reply_text(bot.must("neu@example.org", question, today=date(2026, 2, 6)))
    assert nothing.startswith("Von Ihrer Adresse liegen keine Anträge vor.")


@pytest.mark.parametrize("person", ["kita@example.org", "sek-ade", "kreis-1", "verwaltung"])
def test_help_speaks_in_full_sentences_for_every_role(bot: Bot, person: str) -> None:
    bot.submit(applicant="kita@example.org")
    answer = reply_text(bot.must(person, "/hilfe", today=date(2026, 3, 1)))
    items = [line for line in answer.splitlines() if line.startswith("• ")]
    assert items
    assert all(line.startswith("• Sie können ") for line in items), items


@pytest.mark.parametrize(("words", "code", "attends"), [
    ("Zusage für Ostheide", "OST", True),
    ("Zusage Ostheide", "OST", True),
    ("Ich nehme teil (Ostheide, 19.03.)", "OST", True),
    ("Bin in Adendorf leider verhindert", "ADE", False),
])
def test_an_answer_naming_the_conference_finds_its_session_among_several(
        bot: Bot, words: str, code: str, attends: bool) -> None:
    bot.must("sek-ade", "/sitzung 12.03.2026 18 Uhr Ort Rathaus, Budget II", today=date(2026, 2, 1))
    bot.must("sek-ost", "/sitzung 19.03.2026 18 Uhr Ort Gemeindehaus, Budget II",
             today=date(2026, 2, 1))
    bot.refused("kreis-1", "Zusage", None, today=date(2026, 2, 2))  # which one? asked back
    answer = reply_text(bot.must("kreis-1", words, today=date(2026, 2, 2)))
    name = "Ostheide" if code == "OST" else "Adendorf"
    assert f"Sitzung {name} am" in answer
    [session] = [s for s in bot.export()["sessions"] if s["conference"] == code]
    assert ("kreis-1" in session["attended_by"]) == attends
    [other] = [s for s in bot.export()["sessions"] if s["conference"] != code]
    assert other["attended_by"] == []
    assert ("verhindert" in answer) == (not attends)


@pytest.mark.parametrize(("line", "outcome", "cents"), [
    ("ADE-2026-002 wurde einstimmig bewilligt (1.000 €)", "approved", 100_000),
    ("ADE-2026-002 bewilligt (1.000,00 Euro)", "approved", 100_000),
    ("ADE-2026-002 bewilligt (1000)", "approved", 100_000),
    ("ADE-2026-002 „Zwei“ bewilligt 1.000 € (teilweise)", "approved", 100_000),
    ("Antrag 2 abgelehnt", "rejected", None),
    ("Antrag Nr. 2 vertagt", "deferred", None),
    ("TOP 3: ADE-2026-002 angenommen 1.000 €", "approved", 100_000),
])
def test_results_typed_on_a_phone_as_people_write_them(
        bot: Bot, line: str, outcome: str, cents: int | None) -> None:
    bot.submit(applicant="a@example.org", Titel="Eins")
    number = bot.submit(applicant="b@example.org", Titel="Zwei")
    bot.session(date(2026, 3, 12))
    preview = bot.must("sek-ade", line, today=date(2026, 3, 12))
    bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 12))
    assert bot.application(number)["status"] == outcome
    assert bot.application(number)["approved_cents"] == cents


def test_a_deferred_sketch_changed_is_called_changed_and_a_closed_year_correction_names_where_the_money_is(bot: Bot) -> None:  # noqa: E501
    first = bot.submit(applicant="a@example.org", Titel="Eins")
    second = bot.submit(applicant="b@example.org", Titel="Zwei")
    bot.session(date(2026, 11, 12), today=date(2026, 10, 1))
    bot.decide(date(2026, 11, 12), f"{first} bewilligt 1.500\n{second} vertagt")
    changed = reply_text(bot.must("b@example.org", f"/antrag {second}\nBetrag: 2.000 €",
                                  today=date(2026, 11, 20)))
    assert changed.startswith("Vielen Dank! Ihr Antrag ist geändert.")
    bot.must("verwaltung", "/jahresabschluss 2026", today=date(2027, 1, 4))
    preview = bot.must("sek-ade", f"/korrektur {first} bewilligt 1.000 € Grund: Laut Protokoll",
                       today=date(2027, 1, 10))
    booked = bot.must("sek-ade", booking_command(preview), today=date(2027, 1, 10))
    assert "Das Haushaltsjahr 2026 ist abgeschlossen (R2). Verfügbar für Adendorf 2027: " \
           "19.000,00 €." in reply_text(booked)
    assert "Verfügbar für Adendorf 2026: 0,00 €" not in reply_text(booked)
    county = [n.text for n in booked.notifications if n.recipient.startswith("kreis")]
    assert county
    assert all("Verfügbar für Adendorf 2027: 19.000,00 €." in t for t in county)
    assert bot.balance("ADE", 2027)["available_cents"] == 1_900_000


DECIDED = date(2026, 3, 12)


@pytest.mark.parametrize(("attend", "status"), [
    ("kreis-1", "bewilligt"),
    (None, "beschlossen, die Buchung wartet auf den Landkreis"),  # held under R9
])
@pytest.mark.parametrize("text", [
    "/antrag {number}\nBetrag: 2.000 €",
    "Wir brauchen jetzt 2.000 € statt 1.500 € für {number}",
    "Können wir den Betrag von {number} auf 2.000 € ändern?",
])
def test_an_applicant_changing_a_decided_application_is_sent_to_her_conference(
        bot: Bot, attend: str | None, status: str, text: str) -> None:
    number = bot.submit()
    bot.session(DECIDED, attend=attend)
    bot.decide(DECIDED, f"{number} bewilligt 1.500")
    answer = reply_text(bot.refused("kita@example.org", text.format(number=number), "R11",
                                    today=date(2026, 3, 20)))
    assert f"Die Sozialkonferenz Adendorf hat über {number} schon entschieden" in answer
    assert f"(Stand: {status})" in answer
    assert "nur noch die Sozialkonferenz ändern" in answer
    assert "Geschäftsführung der Sozialkonferenz Adendorf" in answer
    assert "/korrektur" not in answer
    assert "(R9)" not in answer


def test_a_secretary_changing_a_decided_application_is_pointed_to_korrektur(bot: Bot) -> None:
    number = bot.submit()
    bot.session(DECIDED)
    bot.decide(DECIDED, f"{number} abgelehnt")
    answer = reply_text(bot.refused("sek-ade", f"/antrag {number}\nBetrag: 2.000 €", "R11",
                                    today=date(2026, 3, 20)))
    assert "schon entschieden (abgelehnt)" in answer
    assert f"/korrektur {number} <richtiges Ergebnis> Grund: …" in answer


@pytest.mark.parametrize(("text", "line"), [
    ("Wir brauchen jetzt 2.000 € statt 1.500 € für {number}", "Betrag: 2.000,00 €"),
    ("Können wir den Betrag von {number} auf 2.000 € ändern?", "Betrag: 2.000,00 €"),
    ("Für {number} bitte nicht 1.500 Euro, sondern 1.800 Euro.", "Betrag: 1.800,00 €"),
    ("Hallo, die Kosten für {number} sind gestiegen, wir möchten den Betrag erhöhen.",
     "Betrag: <neuer Betrag>"),
])
@pytest.mark.parametrize("deferred", [False, True])
def test_a_change_of_amount_in_words_offers_the_line_and_changes_nothing(
        bot: Bot, text: str, line: str, deferred: bool) -> None:
    number = bot.submit()
    if deferred:
        bot.session(DECIDED)
        bot.decide(DECIDED, f"{number} vertagt")
    files = bot.snapshot()
    outcome = bot.say("kita@example.org", text.format(number=number), today=date(2026, 3, 20))
    answer = reply_text(outcome)
    assert not outcome.accepted
    assert f"/antrag {number}\n{line}\n" in answer, answer
    assert "Noch ist nichts geändert." in answer
    assert "Sozialraum: …" not in answer
    assert ("Geschäftsführung" in answer) == deferred
    assert bot.snapshot() == files
    if "<" not in line:
        bot.must("kita@example.org", f"/antrag {number}\n{line}", today=date(2026, 3, 20))
        assert bot.application(number)["requested_cents"] == 200_000 if "2.000" in line \
            else bot.application(number)["requested_cents"] == 180_000


@pytest.mark.parametrize("text", [
    "Wie ist der Stand von {number}? Wir haben 1.500 € beantragt.",
    "Wir möchten die Maßnahme von {number} ändern, wir beginnen am 1.3.",
    "Wir brauchen 2.000 € statt 1.500 € für ein Sommerfest",
])
def test_words_that_do_not_ask_to_change_an_amount_are_not_taken_for_it(
        bot: Bot, text: str) -> None:
    number = bot.submit()
    answer = reply_text(bot.say("kita@example.org", text.format(number=number),
                                today=date(2026, 3, 20)))
    assert "Noch ist nichts geändert." not in answer


def test_a_change_of_amount_for_someone_elses_application_finds_nothing(bot: Bot) -> None:
    number = bot.submit()
    answer = reply_text(bot.refused("other@example.org", f"{number}: 2.000 € statt 1.500 €",
                                    None, today=date(2026, 3, 20)))
    assert "finde ich unter Ihrer Adresse nicht" in answer


def test_an_applicant_withdrawing_a_held_application_reads_no_rule_code_as_status(bot: Bot) -> None:
    number = bot.submit()
    bot.session(DECIDED, attend=None)
    bot.decide(DECIDED, f"{number} bewilligt 1.500")
    answer = reply_text(bot.refused("kita@example.org", f"/zurueckziehen {number}", "R11",
                                    today=date(2026, 3, 20)))
    assert "(beschlossen, die Buchung wartet auf den Landkreis)" in answer
    assert "(R9)" not in answer


FIRST_MAILS = [
    "Guten Tag,\nanbei unsere Skizze.\nTräger: Verein D\nTitel: Spielplatzfest\nBetrag: 500 €",
    "Titel: Spielplatzfest\nTräger: Verein D\nKosten: 500,- €\nZielsetzung: Begegnung.",
]
MISSING_LINES = [
    "Hier noch die fehlenden Angaben:\nSozialraum: Adendorf\nAusgangslage: Kein Fest im Ort.\n"
    "Zielsetzung: Begegnung.\nMaßnahme: Ein Fest im Juni.",
    "Sozialraum: Adendorf\nAusgangslage: Kein Fest im Ort.\nZielsetzung: Begegnung.\n"
    "Maßnahme: Ein Fest im Juni.\nViele Grüße",
]


@pytest.mark.parametrize("first", FIRST_MAILS)
@pytest.mark.parametrize("rest", MISSING_LINES)
def test_a_sketch_refused_for_its_social_space_is_joined_to_the_lines_sent_next(
        bot: Bot, first: str, rest: str) -> None:
    """R4 refuses a sketch without a social space (nothing stored); the lines she sends next
    are joined to it, across more than one mail, and the answer says so."""
    bot.refused("d@example.org", first, "R4", today=date(2026, 2, 1))
    partial = bot.refused("d@example.org", "Ausgangslage: Kein Fest im Ort.", "R4",
                          today=date(2026, 2, 2))
    assert "Titel: Spielplatzfest\nAusgangslage: Kein Fest im Ort." in reply_text(partial)
    outcome = bot.must("d@example.org", rest, today=date(2026, 2, 3))
    assert "Ihre Angaben vom 02.02.2026 habe ich mit dieser Nachricht zusammengeführt." in (
        reply_text(outcome))
    record = bot.application(application_number(outcome))
    assert (record["status"], record["title"], record["applicant"], record["requested_cents"]) \
        == ("submitted", "Spielplatzfest", "Verein D", 50_000)


def test_lines_are_not_joined_to_another_senders_or_an_old_or_another_projects_sketch(
        bot: Bot) -> None:
    bot.refused("d@example.org", FIRST_MAILS[0], "R4", today=date(2026, 2, 1))
    other = bot.must("e@example.org", MISSING_LINES[1], today=date(2026, 2, 2))
    assert bot.application(application_number(other))["status"] == "incomplete"
    late = bot.must("d@example.org", MISSING_LINES[1], today=date(2026, 3, 1))  # 4 weeks on
    assert "zusammengeführt" not in reply_text(late)
    assert bot.application(application_number(late))["status"] == "incomplete"
    bot.refused("f@example.org", FIRST_MAILS[0], "R4", today=date(2026, 3, 1))
    new = bot.must("f@example.org", sketch(Titel="Lesepaten"), today=date(2026, 3, 2))
    assert "zusammengeführt" not in reply_text(new)
    assert bot.application(application_number(new))["applicant"] == "Kita Sonnenschein"


@pytest.mark.parametrize(("who", "words", "verb", "day"), [
    ("kreis-1", "Ich kann am 5. März leider nicht teilnehmen", "excused_by", "2026-03-05"),
    ("kreis-1", "Am 10.3. kann ich leider nicht", "excused_by", "2026-03-10"),
    ("kreis-2", "Am 10.3. bin ich dabei", "attended_by", "2026-03-10"),
    ("kreis-2", "Zusage für den 05.03.2026", "attended_by", "2026-03-05"),
])
def test_an_answer_naming_the_date_finds_its_session_among_several(
        bot: Bot, who: str, words: str, verb: str, day: str) -> None:
    bot.must("sek-ost", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\nZiele: Teilhabe",
             today=date(2026, 1, 15))
    bot.must("sek-ade", "/sitzung 05.03.2026 18:00 Ort Rathaus, Budget II", today=date(2026, 2, 3))
    bot.must("sek-ost", "/sitzung 10.03.2026 19:00 Ort Dorfhaus, Budget II", today=date(2026, 2, 3))
    bot.must(who, words, today=date(2026, 2, 4))
    answered = {s.date for s in bot.core.store.sessions(2026) if who in getattr(s, verb)}
    assert answered == {day}


@pytest.mark.parametrize(("words", "reason"), [
    ("Veto gegen {n}: passt nicht zum Konzept", "passt nicht zum Konzept"),
    ("Ich lege Veto gegen {n} ein, weil es allgemeine Jugendpflege ist.",
     "weil es allgemeine Jugendpflege ist"),
    ("Wir legen gegen {n} ein Veto ein. Grund: Das ist Aufgabe der Gemeinde.",
     "Grund: Das ist Aufgabe der Gemeinde"),
])
def test_a_veto_in_words_is_a_veto_never_an_attendance_answer(
        bot: Bot, words: str, reason: str) -> None:
    number = bot.submit()
    bot.session(SESSION)
    bot.decide(SESSION, f"{number} bewilligt 1.000")
    outcome = bot.must("kreis-1", words.format(n=number), today=SESSION + timedelta(days=2))
    assert "Veto zu" in reply_text(outcome)
    record = bot.application(number)
    assert record["status"] == "vetoed"
    assert reason.removeprefix("Grund: ") in record["veto"]["reason"]
    assert bot.balance()["bound_cents"] == 0


@pytest.mark.parametrize("words", [
    "Ich bestätige die Beschlüsse der Sitzung Adendorf vom 23.04.",
    "Die Beschlüsse aus Adendorf sind in Ordnung, bitte buchen.",
])
def test_a_release_in_words_offers_the_line_for_the_held_session(bot: Bot, words: str) -> None:
    number = bot.submit()
    bot.session(SESSION, attend=None)
    preview = bot.must("sek-ade", f"/beschluss {SESSION:%d.%m.%Y}\n{number} bewilligt 1.000",
                       today=SESSION)
    bot.say("sek-ade", booking_command(preview), today=SESSION)  # held for the county (R9)
    asked = bot.refused("kreis-1", words, None, today=SESSION + timedelta(days=1))
    assert "/bestaetigen ADE 23.04.2026" in reply_text(asked)


@pytest.mark.parametrize(("question", "expected"), [
    ("Wie viel Geld hat Adendorf noch?", "Budget II Adendorf 2026"),
    ("Wie viel Geld hat Adendorf noch (2026)?", "Budget II Adendorf 2026"),
    ("Welche Anträge sind offen in Adendorf?", "Anträge (offen) Adendorf 2026 (1):"),
    ("Welche Anträge sind offen (Adendorf)?", "Anträge (offen) Adendorf 2026 (1):"),
    ("Welche Anträge hat Adendorf [offen]?", "Anträge (offen) Adendorf 2026 (1):"),
])
def test_the_countys_question_naming_a_conference_answers_for_it(
        bot: Bot, question: str, expected: str) -> None:
    """Words in brackets count, and a named conference narrows the answer to it."""
    bot.submit()
    answer = reply_text(bot.must("kreis-1", question, today=date(2026, 2, 20)))
    assert answer.startswith(expected), answer
    assert "Ostheide" not in answer


@pytest.mark.parametrize("question", [
    "Warum wurde unser Antrag {n} vertagt?",
    "Wieso ist {n} noch nicht entschieden?",
])
def test_an_applicants_question_about_her_application_shows_it_not_the_form(
        bot: Bot, question: str) -> None:
    number = bot.submit()
    bot.session(SESSION)
    bot.decide(SESSION, f"{number} vertagt")
    answer = reply_text(bot.must("kita@example.org", question.format(n=number),
                                 today=SESSION + timedelta(days=1)))
    assert f"Antrag {number}" in answer
    assert "vertagt" in answer
    stranger = reply_text(bot.say("other@example.org", question.format(n=number),
                                  today=SESSION + timedelta(days=1)))
    assert "Sprachförderung" not in stranger


def test_a_sketch_refused_for_its_social_space_is_joined_after_a_restart(bot: Bot) -> None:
    """The kept sketch is in the store, written with the refusal: a restart keeps it; joined,
    it is gone."""
    bot.refused("d@example.org", FIRST_MAILS[0], "R4", today=date(2026, 2, 1))
    bot.reopen()
    outcome = bot.must("d@example.org", MISSING_LINES[0], today=date(2026, 2, 3))
    assert "Ihre Angaben vom 01.02.2026 habe ich mit dieser Nachricht zusammengeführt." in (
        reply_text(outcome))
    assert bot.application(application_number(outcome))["title"] == "Spielplatzfest"
    bot.reopen()
    again = bot.must("d@example.org", MISSING_LINES[1], today=date(2026, 2, 4))
    assert "zusammengeführt" not in reply_text(again)  # joined once, then dropped
