"""What a county's year played with people's own wording found: a December session's results
reported in January, projects named by their title on a phone, a remark after "vertagt",
the county asking what is left in plain words."""

from datetime import date

import pytest

from tests.support.core import Bot, application_number, at, booking_command, reply_text


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


DECEMBER = date(2026, 12, 10)
JANUARY = date(2027, 1, 11)


@pytest.mark.parametrize("text", [
    "Beschlüsse vom 10.12.:\n{number} bewilligt mit 1.200 € (5:0:1)",
    "/beschluss 10.12.\n{number} bewilligt mit 1.200 € (5:0:1)",
    "/beschluss 10. Dezember\n{number} bewilligt mit 1.200 € (5:0:1)",
])
def test_december_results_reported_in_january_without_a_year_are_last_decembers(
        bot: Bot, text: str) -> None:
    number = bot.submit(today=date(2026, 11, 2))
    bot.session(DECEMBER, today=date(2026, 10, 1))
    preview = bot.must("sek-ade", text.format(number=number), today=JANUARY)
    assert "Sitzung Adendorf am 10.12.2026" in reply_text(preview), reply_text(preview)
    bot.must("sek-ade", booking_command(preview), today=JANUARY)
    assert bot.application(number)["approved_cents"] == 120_000
    assert bot.balance("ADE", 2026)["bound_cents"] == 120_000


MARCH = date(2026, 3, 19)


def test_projects_named_by_title_on_a_phone_get_the_lines_with_numbers_nothing_booked(
        bot: Bot) -> None:
    fest = bot.submit(applicant="tsv@example.org", Titel="Spielplatzfest Moorweg",
                      Betrag="1.200 €")
    baustelle = bot.submit(applicant="kita@example.org", Titel="Bewegungsbaustelle",
                           Traeger="Ev. Kita Regenbogen", Betrag="2.450 €")
    bot.session(MARCH)
    typed_on_phone = ("TOP 3 Spielplatzfest: bewilligt mit 1200 €, 7 ja 0 nein\n"
                      "Kita Regenbogen abgelehnt")
    outcome = bot.refused("sek-ade", typed_on_phone, "R11", today=MARCH)
    answer = reply_text(outcome)
    assert f"gemeint ist wohl {fest} „Spielplatzfest Moorweg“" in answer, answer
    assert f"gemeint ist wohl {baustelle}" in answer, answer
    lines = answer.split("z. B. so:\n", 1)[1]
    assert lines == (f"/beschluss 19.03.2026\n{fest} bewilligt 1.200,00 € "
                     f"(ja 7, nein 0, enthaltung 0)\n{baustelle} abgelehnt"), answer
    preview = bot.must("sek-ade", lines, today=MARCH)  # sent back as offered, it reads
    bot.must("sek-ade", booking_command(preview), today=MARCH)
    assert bot.application(fest)["approved_cents"] == 120_000
    assert bot.application(baustelle)["status"] == "rejected"


def test_top_and_a_bare_number_is_an_agenda_item_never_application_number_three(bot: Bot) -> None:
    for i in range(3):
        bot.submit(applicant=f"a{i}@example.org", Titel=f"Projekt {i}")
    bot.session(MARCH)
    outcome = bot.refused("sek-ade", "TOP 3 bewilligt mit 1200 €, 7 ja 0 nein", "R11",
                          today=MARCH)
    assert "Projekt 2" not in reply_text(outcome), reply_text(outcome)  # no preview of it
    assert "Nummer eines Antrags" in reply_text(outcome)


@pytest.mark.parametrize(("name", "says"), [
    ("Zirkusprojekt", "keinen offenen Antrag von Adendorf"),
    ("Sprach", "mehrere offene Anträge"),
])
def test_a_name_that_fits_no_or_several_applications_asks_for_the_number(
        bot: Bot, name: str, says: str) -> None:
    bot.submit(applicant="a@example.org", Titel="Sprachcafé für Eltern")
    bot.submit(applicant="b@example.org", Titel="Sprachförderung Kita")
    bot.session(MARCH)
    outcome = bot.refused("sek-ade", f"{name} bewilligt 500 €", "R11", today=MARCH)
    assert says in reply_text(outcome), reply_text(outcome)
    assert "z. B. so:" not in reply_text(outcome)


@pytest.mark.parametrize("remark", [
    "vertagt, Träger soll Kosten aufschlüsseln",
    "vertagt (Kostenplan fehlt)",
    "abgelehnt – passt nicht zum Konzept",
    "vertagt auf die Juni-Sitzung",
])
def test_a_remark_after_a_deferral_or_rejection_is_not_taken_for_an_amount(
        bot: Bot, remark: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    preview = bot.must("sek-ade", f"{number} {remark}", today=MARCH)
    bot.must("sek-ade", booking_command(preview), today=MARCH)
    assert bot.application(number)["status"] == remark.split()[0].rstrip(",").replace(
        "vertagt", "deferred").replace("abgelehnt", "rejected")
    assert bot.balance()["bound_cents"] == 0


@pytest.mark.parametrize("line", [
    "{number} abgelehnt 500", "{number} vertagt, eintausend Euro",
    "{number} nicht in voller Höhe bewilligt",  # partly approved: how much? never "rejected"
])
def test_money_after_a_rejection_or_a_loose_nicht_is_still_refused(bot: Bot, line: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.refused("sek-ade", line.format(number=number), "R11", today=MARCH)


@pytest.mark.parametrize(("who", "question"), [
    ("kreis-1", "Was ist noch übrig in Adendorf?"),
    ("kreis-2", "wieviel hat adendorf noch"),
    ("sek-ade", "was haben wir noch"),
    ("sek-ade", "Wie viel ist schon gebunden?"),
])
def test_staff_asking_what_is_left_without_saying_money_get_the_balance(
        bot: Bot, who: str, question: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.decide(MARCH, f"{number} bewilligt 1.000 €")
    outcome = bot.must(who, question, today=date(2026, 3, 20))
    answer = reply_text(outcome)
    assert "Budget II Adendorf 2026" in answer, answer
    assert "Verfügbar: 9.000,00 €" in answer, answer


def test_was_ist_noch_offen_lists_the_open_applications_not_the_money(bot: Bot) -> None:
    number = bot.submit()
    answer = reply_text(bot.must("sek-ade", "Was ist noch offen?", today=MARCH))
    assert number in answer, answer
    assert "Verfügbar" not in answer, answer


def test_a_session_in_a_secretarys_own_words_gets_the_line_to_send_nothing_set(bot: Bot) -> None:
    text = ("Hallo, wir treffen uns am 19. März um 18 Uhr im Rathaus, Budget II steht auf "
            "der TO")
    outcome = bot.say("sek-ade", text, today=date(2026, 1, 15))
    assert not outcome.accepted
    assert not outcome.notifications  # the county is not alerted on a guess
    assert reply_text(outcome).endswith("\n/sitzung 19.03.2026 18:00 Ort …, Budget II")
    assert bot.export()["sessions"] == []


@pytest.mark.parametrize(("who", "text", "meant"), [
    ("sek-ade", "kann ich jetzt buchen?", "Meinten Sie /buchen? Senden Sie /buchen allein"),
    ("verwaltung", "bitte die verbindung von sek-ade trennen", "Meinten Sie /trennen?"),
])
def test_a_command_word_inside_a_short_message_is_offered_not_run(
        bot: Bot, who: str, text: str, meant: str) -> None:
    outcome = bot.say(who, text, today=MARCH)
    assert not outcome.accepted
    assert meant in reply_text(outcome), reply_text(outcome)


@pytest.mark.parametrize("pasted", [
    "ADE\u20112026\u2011001 abgelehnt",  # Word's non-breaking hyphens
    "\u200bADE-2026-001 abgelehnt",  # a zero-width space copied from a web page
    "ADE-2026-0\u00ad01 abgelehnt",  # a soft hyphen from a PDF
])
def test_a_number_pasted_with_invisible_characters_reads_as_typed(bot: Bot, pasted: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    preview = bot.must("sek-ade", pasted, today=MARCH)
    assert f"• {number} „" in reply_text(preview), reply_text(preview)


def test_a_correction_with_too_short_a_reason_says_so_not_that_it_has_none(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.decide(MARCH, f"{number} bewilligt 1.000 €")
    outcome = bot.refused("sek-ade", f"/korrektur {number} abgelehnt Grund: test", "R11",
                          today=date(2026, 4, 1))
    assert "Der Grund „test“ ist zu kurz" in reply_text(outcome), reply_text(outcome)


@pytest.mark.parametrize(("answer", "line"), [
    ("Hallo, dann eben genau: 1.180 Euro. Gruß M. Schulz", "Betrag: 1.180,00 €"),
    ("Sorry, das weiß ich noch nicht genau.", "Betrag: …"),
    ("Entweder 1.000 € oder 1.180 €", "Betrag: …"),  # two amounts: not chosen for her
])
def test_an_answer_in_words_to_the_question_about_an_incomplete_sketch_gets_its_lines(
        bot: Bot, answer: str, line: str) -> None:
    first = bot.say("tsv@example.org", "/antrag\nSozialraum: Adendorf\nTräger: TSV\n"
                    "Titel: Spielplatzfest\nAusgangslage: a\nZielsetzung: b\nMaßnahme: c\n"
                    "Betrag: ca. 1.200 Euro")
    number = first.application_number
    assert number
    outcome = bot.say("tsv@example.org", answer, refers_to=(number,))
    assert not outcome.accepted
    text = reply_text(outcome)
    assert f"{number} „Spielplatzfest“ ist noch nicht vollständig (R4): es fehlt noch Betrag." \
        in text, text
    assert text.endswith(f"\n/antrag {number}\n{line}"), text
    assert bot.application(number)["status"] == "incomplete"  # nothing changed on a guess


@pytest.mark.parametrize("answer", ["Ja, bitte buchen.", "ok buchen, danke", "Passt, buchen!"])
def test_a_secretary_answering_the_preview_with_please_book_books_it(bot: Bot, answer: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    preview = bot.must("sek-ade", f"{number} bewilligt 1.000 €", today=MARCH)
    code = booking_command(preview).split()[1]
    bot.must("sek-ade", answer, today=MARCH, refers_to=(code,))
    assert bot.application(number)["approved_cents"] == 100_000


@pytest.mark.parametrize("answer", ["Bitte noch nicht buchen", "buchen oder verwerfen?",
                                    "Buchen Sie bitte erst nach Rücksprache",
                                    "Kann man das buchen?", "Können Sie das buchen?", "buchen?"])
def test_an_answer_to_the_preview_that_does_not_only_say_book_books_nothing(
        bot: Bot, answer: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    preview = bot.must("sek-ade", f"{number} bewilligt 1.000 €", today=MARCH)
    code = booking_command(preview).split()[1]
    bot.say("sek-ade", answer, today=MARCH, refers_to=(code,))
    assert bot.application(number)["status"] == "submitted"


@pytest.mark.parametrize(("line", "cents", "unanimous"), [
    ("{number} bewilligt 1200 statt 1500", 120_000, False),
    ("{number} bewilligt mit 1.200 von 1.500 €", 120_000, False),
    ("{number} bewilligt 1.200 € (beantragt waren 1.500 €)", 120_000, False),
    ("{number}: 1.200 € bewilligt (einstimmig)", 120_000, True),
    ("{number} unter Auflagen bewilligt 900 €", 90_000, False),
    ("{number} zugestimmt 1.200", 120_000, False),
])
def test_approvals_as_minutes_write_them(bot: Bot, line: str, cents: int, unanimous: bool) -> None:
    number = bot.submit()  # 1.500,00 € requested
    bot.session(MARCH)
    preview = bot.must("sek-ade", line.format(number=number), today=MARCH)
    bot.must("sek-ade", booking_command(preview), today=MARCH)
    assert bot.application(number)["approved_cents"] == cents
    assert bool((bot.application(number)["votes"] or {}).get("unanimous")) is unanimous


def test_the_county_asks_when_a_conference_meets_in_plain_words(bot: Bot) -> None:
    bot.concept("sek-ost")
    bot.session(date(2026, 3, 24), secretary="sek-ost")
    bot.session(MARCH)
    answer = reply_text(bot.must("kreis-1", "Wann tagt Ostheide?", today=date(2026, 3, 1)))
    assert answer.startswith("Angesetzte Sitzungen (Ostheide):"), answer
    assert "24.03.2026" in answer
    assert "19.03.2026" not in answer
    answer = reply_text(bot.must("kreis-1", "Welche Sitzungen gibt es 2026?",
                                 today=date(2026, 3, 1)))
    assert "alle Sozialkonferenzen" in answer, answer


@pytest.mark.parametrize(("text", "filename"), [
    ("Bitte schicken Sie mir die Übersicht als Excel", "antragsuebersicht-2026.xlsx"),
    ("Kann ich den Bericht als PDF bekommen?", "antragsuebersicht-2026.pdf"),
])
def test_the_county_asks_for_the_overview_in_words_and_gets_the_file(
        bot: Bot, text: str, filename: str) -> None:
    bot.submit()
    outcome = bot.must("kreis-1", text, today=MARCH)
    files = [d.filename for r in outcome.replies for d in r.documents]
    assert files == [filename], reply_text(outcome)


def test_an_applicant_asking_for_the_overview_gets_no_file(bot: Bot) -> None:
    outcome = bot.say("a@example.org", "Bitte schicken Sie mir die Übersicht als Excel",
                      today=MARCH)
    assert not [d for r in outcome.replies for d in r.documents]


@pytest.mark.parametrize(("lines", "cents"), [
    ("Gesamtkosten: 3.000 €\nBeantragte Fördersumme: 1.200 €\nEigenanteil: 1.800 €", 120_000),
    ("Projektkosten: 3.000 €\nBeantragter Zuschuss: 1.200 €", 120_000),
    ("Beantragt: 1.200 €\nProjektkosten: 3.000 €", 120_000),
    ("Gesamtkosten: 900 €", 90_000),  # the one amount named is the one asked for
])
def test_the_amount_asked_for_is_not_taken_from_the_total_cost(
        bot: Bot, lines: str, cents: int) -> None:
    text = ("Sozialraum: Adendorf\nTräger: Heimatverein\nTitel: Dorfchronik\nAusgangslage: a\n"
            f"Zielsetzung: b\nMaßnahme: c\n{lines}")
    number = application_number(bot.must("verein@example.org", text))
    assert bot.application(number)["requested_cents"] == cents


def test_the_close_waits_for_a_december_sessions_results_booked_in_january(bot: Bot) -> None:
    number = bot.submit(today=date(2026, 11, 2))
    bot.session(DECEMBER, today=date(2026, 10, 1))
    told = bot.run_due_reminders(at(date(2027, 1, 1), 0, 30))
    waits = [n for n in told if n.recipient == "verwaltung"]
    assert len(waits) == 1, told
    assert "wartet bis zum 31.01.2027" in waits[0].text
    assert "Adendorf am 10.12.2026" in waits[0].text
    assert not bot.run_due_reminders(at(date(2027, 1, 2), 0, 30))  # told once, still waiting
    preview = bot.must("sek-ade", f"/beschluss 10.12.2026\n{number} bewilligt 1.200 €",
                       today=JANUARY)
    bot.must("sek-ade", booking_command(preview), today=JANUARY)
    closed = bot.run_due_reminders(at(date(2027, 1, 12), 0, 30))
    assert any(n.text.startswith("Jahresabschluss 2026 (R2)") for n in closed), closed
    assert bot.balance("ADE", 2026)["bound_cents"] == 120_000
    assert bot.balance("ADE", 2026)["closed"]
    assert bot.balance("ADE", 2027)["carried_in_cents"] == 1_000_000 - 120_000


def test_the_close_waits_no_longer_than_january(bot: Bot) -> None:
    bot.submit(today=date(2026, 11, 2))
    bot.session(DECEMBER, today=date(2026, 10, 1))
    assert bot.run_due_reminders(at(date(2027, 1, 1), 0, 30))
    closed = bot.run_due_reminders(at(date(2027, 2, 1), 0, 30))
    assert any(n.text.startswith("Jahresabschluss 2026 (R2)") for n in closed), closed


def test_a_december_session_with_its_results_booked_does_not_hold_up_the_close(bot: Bot) -> None:
    number = bot.submit(today=date(2026, 11, 2))
    bot.session(DECEMBER, today=date(2026, 10, 1))
    bot.decide(DECEMBER, f"{number} vertagt")
    closed = bot.run_due_reminders(at(date(2027, 1, 1), 0, 30))
    assert any(n.text.startswith("Jahresabschluss 2026 (R2)") for n in closed), closed


def test_december_decisions_held_for_the_county_are_awaited_too(bot: Bot) -> None:
    number = bot.submit(today=date(2026, 11, 2))
    bot.session(DECEMBER, today=date(2026, 10, 1), attend=None)
    bot.decide(DECEMBER, f"{number} bewilligt 1.000 €")  # held: nobody of the county was there
    assert bot.application(number)["status"] == "held"
    told = bot.run_due_reminders(at(date(2027, 1, 1), 0, 30))
    assert any("wartet bis zum 31.01.2027" in n.text for n in told), told
    bot.must("kreis-1", "/bestaetigen ADE 10.12.2026", today=date(2027, 1, 7))
    assert bot.application(number)["status"] == "approved"
    bot.run_due_reminders(at(date(2027, 1, 8), 0, 30))
    assert bot.balance("ADE", 2026)["closed"]
    assert bot.balance("ADE", 2026)["bound_cents"] == 100_000


def test_the_new_years_balance_says_the_carry_over_is_still_to_come_before_the_close(
        bot: Bot) -> None:
    bot.submit(today=date(2026, 11, 2))
    answer = reply_text(bot.must("sek-ade", "/saldo", today=date(2027, 1, 5)))
    assert ("Übertrag aus 2026: 0,00 € (noch offen: der Übertrag kommt mit dem "
            "Jahresabschluss 2026)") in answer, answer
    bot.run_due_reminders(at(date(2027, 1, 6), 0, 30))
    answer = reply_text(bot.must("sek-ade", "/saldo", today=date(2027, 1, 6)))
    assert "Übertrag aus 2026: 10.000,00 €\n" in answer, answer


@pytest.mark.parametrize(("typed", "meant"), [
    ("bewiligt 1200", "bewilligt"), ("abgelent", "abgelehnt"), ("vertagd", "vertagt")])
def test_a_misspelt_outcome_is_named_and_asked_about_never_booked(
        bot: Bot, typed: str, meant: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    outcome = bot.refused("sek-ade", f"{number.lower()} {typed}", "R11", today=MARCH)
    assert f"„{typed.split()[0]}“ – meinten Sie „{meant}“? Beispiel" in reply_text(outcome)


@pytest.mark.parametrize("question", [
    "Haben Sie meinen Antrag erhalten?", "Ist unser Antrag angekommen?",
    "Ich wollte fragen, ob es schon eine Entscheidung gibt.",
])
def test_an_applicant_asking_whether_her_sketch_arrived_gets_her_applications(
        bot: Bot, question: str) -> None:
    number = bot.submit()
    answer = reply_text(bot.must("kita@example.org", question))
    assert answer.startswith("Ihre Anträge:"), answer
    assert number in answer


@pytest.mark.parametrize("text", [
    "Wir ziehen {number} nicht zurück, sondern ändern das Programm.",
    "Falls das Wetter schlecht ist, ziehen wir {number} zurück.",
    "Können wir {number} noch zurückziehen, falls das Fest ausfällt?",
    "Wir möchten den Antrag {number} nicht zurückziehen.",
])
def test_a_withdrawal_not_said_for_sure_withdraws_nothing_and_offers_the_line(
        bot: Bot, text: str) -> None:
    number = bot.submit()
    outcome = bot.say("kita@example.org", text.format(number=number))
    assert not outcome.accepted
    assert f"Dann senden Sie bitte: /zurueckziehen {number}" in reply_text(outcome)
    assert bot.application(number)["status"] == "submitted"
    assert not outcome.notifications


@pytest.mark.parametrize("text", [
    "Wir ziehen unseren Antrag {number} zurück, das Fest findet nicht statt.",
    "Leider müssen wir unseren Antrag ({number}) zurückziehen, da der Träger schließt.",
])
def test_a_withdrawal_said_for_sure_withdraws_even_with_a_nicht_in_its_reason(
        bot: Bot, text: str) -> None:
    number = bot.submit()
    bot.must("kita@example.org", text.format(number=number))
    assert bot.application(number)["status"] == "withdrawn"


@pytest.mark.parametrize("text", [
    "Wir legen kein Veto gegen {number} ein.",
    "Gegen {number} legen wir kein Veto ein.",
    "Sollen wir ein Veto gegen {number} einlegen?",
    "Falls nötig, Veto gegen {number}",
])
def test_a_veto_not_said_for_sure_changes_nothing(bot: Bot, text: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.decide(MARCH, f"{number} bewilligt 1.000 €")
    outcome = bot.say("kreis-1", text.format(number=number), today=date(2026, 3, 20))
    assert not outcome.accepted
    assert not outcome.notifications
    assert f"Ein Veto zu {number} ist nicht eingetragen" in reply_text(outcome)
    assert bot.application(number)["status"] == "approved"


def test_a_veto_said_for_sure_with_nicht_in_its_reason_is_a_veto(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.decide(MARCH, f"{number} bewilligt 1.000 €")
    bot.must("kreis-1", f"Veto gegen {number}: passt nicht zum Konzept", today=date(2026, 3, 20))
    assert bot.application(number)["status"] == "vetoed"


@pytest.mark.parametrize("text", [
    "Die Sitzung am 19.3. fällt nicht aus, wir treffen uns wie geplant.",
    "Falls nötig wird die Sitzung am 19.3. auf den 26.3. verschoben",
    "Wird die Sitzung am 19.3. auf den 26.3. verschoben?",
])
def test_a_session_in_words_not_said_for_sure_changes_nothing(bot: Bot, text: str) -> None:
    bot.session(MARCH, today=date(2026, 1, 10))
    before = bot.export()["sessions"]
    outcome = bot.say("sek-ade", text, today=date(2026, 1, 12))
    assert not outcome.notifications, reply_text(outcome)  # the county is not alerted
    assert bot.export()["sessions"] == before


def test_a_move_with_nicht_in_its_reason_still_moves(bot: Bot) -> None:
    bot.session(MARCH, today=date(2026, 1, 10))
    bot.must("sek-ade", "Die Sitzung am 19.3. wird auf den 26.3. verschoben, da der Saal nicht "
             "frei ist.", today=date(2026, 1, 12))
    assert [s["date"] for s in bot.export()["sessions"] if s["status"] == "scheduled"] == [
        "2026-03-26"]


def test_ohne_budget_ii_as_the_r8_refusal_says_registers_a_session_without_it(bot: Bot) -> None:
    bot.session(date(2026, 3, 5), today=date(2026, 1, 10))
    bot.session(date(2026, 9, 10), today=date(2026, 1, 10))
    refused = bot.refused("sek-ade", "/sitzung 14.05.2026 18:00 Ort Rathaus, Budget II", "R8",
                          today=date(2026, 1, 12))
    assert "ohne „Budget II“" in reply_text(refused)
    outcome = bot.must("sek-ade", "/sitzung 14.05.2026 18:00 Ort Rathaus, ohne Budget II",
                       today=date(2026, 1, 12))
    assert "nicht als Budget-II-Sitzung markiert" in reply_text(outcome)
    [may] = [s for s in bot.export()["sessions"] if s["date"] == "2026-05-14"]
    assert may["budget_ii"] is False
    assert may["place"] == "Rathaus"


@pytest.mark.parametrize(("who", "text", "today"), [
    ("verwaltung", "Jahresabschluss 2026 – wann machen wir den?", date(2027, 1, 2)),
    ("sek-ade", "Sitzung am 19.3. fällt nicht aus", date(2026, 1, 12)),
    ("sek-ade", "Zurückziehen? ADE-2026-001 bleibt doch, oder?", date(2026, 2, 3)),
])
def test_a_command_word_in_a_question_or_with_nicht_changes_nothing(
        bot: Bot, who: str, text: str, today: date) -> None:
    bot.submit()
    bot.session(MARCH, today=date(2026, 1, 10))
    before = bot.state()
    outcome = bot.say(who, text, today=today)
    assert not outcome.accepted, reply_text(outcome)
    assert not outcome.notifications
    assert bot.state() == before


def test_the_same_command_word_said_for_sure_still_runs(bot: Bot) -> None:
    bot.submit()
    outcome = bot.must("verwaltung", "Jahresabschluss 2026", today=date(2027, 1, 2))
    assert reply_text(outcome).startswith("Jahresabschluss 2026 (R2):")


def test_the_county_reads_in_plain_words_agenda_application_minutes_and_approvals(bot: Bot) -> None:
    bot.concept("sek-ost")
    approved = bot.submit(Titel="Spielplatzfest")
    bot.session(MARCH)
    bot.decide(MARCH, f"{approved} bewilligt 1.000 €")
    bot.must("sek-ost", "/sitzung 24.09.2026 19:00 Ort DGH, Budget II", today=date(2026, 6, 1))
    later = date(2026, 6, 2)
    answer = reply_text(bot.must("kreis-1", "Was steht auf der Tagesordnung für Ostheide?",
                                 today=later))
    assert answer.startswith("Tagesordnung Budget II, Sozialkonferenz Ostheide"), answer
    answer = reply_text(bot.must("kreis-1", f"Zeig mir bitte {approved}", today=later))
    assert answer.startswith(f"Antrag {approved}: „Spielplatzfest“"), answer
    answer = reply_text(bot.must("kreis-1", "Was wurde 2026 in Adendorf bewilligt?", today=later))
    assert answer.startswith("Anträge (bewilligt) Adendorf 2026 (1):"), answer
    outcome = bot.must("sek-ade", "Bitte das Protokoll vom 19.3. schicken", today=later)
    assert reply_text(outcome).startswith("Protokoll der Budget-II-Sitzung Adendorf am 19.03.2026")


def test_an_applicant_cannot_read_anothers_application_in_words(bot: Bot) -> None:
    number = bot.submit()
    outcome = bot.say("fremd@example.org", f"Zeig mir bitte {number}")
    assert not outcome.accepted
    assert "finde ich für Sie nicht" in reply_text(outcome)


@pytest.mark.parametrize(("line", "shown"), [
    ("{number} bei 1 Gegenstimme bewilligt", "(nein 1, Enthaltung 0)"),
    ("{number} mehrheitlich bewilligt, 2 Enthaltungen", "(nein 0, Enthaltung 2)"),
])
def test_votes_without_the_yes_count_are_no_missing_majority(
        bot: Bot, line: str, shown: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    preview = bot.must("sek-ade", line.format(number=number), today=MARCH)
    assert f"bewilligt 1.500,00 € {shown}" in reply_text(preview), reply_text(preview)
    bot.must("sek-ade", booking_command(preview), today=MARCH)
    assert bot.application(number)["votes"]["yes_unknown"] is True
    answer = reply_text(bot.must("sek-ade", f"/zeige {number}", today=MARCH))
    assert "ja 0" not in answer, answer


def test_a_stated_minority_is_still_refused(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.refused("sek-ade", f"{number} bewilligt (ja 1, nein 5)", "R11", today=MARCH)
    bot.refused("sek-ade", f"{number} einstimmig bewilligt bei 1 Gegenstimme", "R11", today=MARCH)


def test_a_secretary_forwarding_a_sketch_is_told_the_messages_come_to_her(bot: Bot) -> None:
    outcome = bot.must("sek-ade", "WG: Projektskizze\n\n" + "\n".join(
        f"{k}: {v}" for k, v in {"Sozialraum": "Adendorf", "Träger": "Förderverein",
                                 "Titel": "Elterncafé", "Ausgangslage": "a",
                                 "Zielsetzung": "b", "Maßnahme": "c",
                                 "Betrag": "800 €"}.items()))
    assert "Bitte geben Sie sie an den Träger weiter." in reply_text(outcome)
    assert "weiter" not in reply_text(bot.must("kita@example.org", "/antrag\nSozialraum: "
                                               "Adendorf\nTräger: Kita\nTitel: Garten\n"
                                               "Ausgangslage: a\nZielsetzung: b\nMaßnahme: c\n"
                                               "Betrag: 500 €"))


def test_results_for_a_closed_year_say_where_the_application_can_still_be_decided(bot: Bot) -> None:
    number = bot.submit(today=date(2026, 11, 2))
    bot.session(DECEMBER, today=date(2026, 10, 1))
    bot.must("verwaltung", "/jahresabschluss 2026", today=date(2027, 1, 2))  # closed by hand
    outcome = bot.refused("sek-ade", f"/beschluss 10.12.2026\n{number} bewilligt 1.000 €", "R2",
                          today=JANUARY)
    assert "in einer Budget-II-Sitzung von 2027" in reply_text(outcome), reply_text(outcome)


def test_a_secretary_mails_the_concept_without_the_command(bot: Bot) -> None:
    text = ("Hallo, hier unser aktualisiertes Sozialraumkonzept:\n"
            "Zielgruppen: Kinder und Jugendliche, Familien mit wenig Einkommen\n"
            "Problemlagen: Armut, fehlende Freizeitangebote\nZiele: Teilhabe und Begegnung")
    outcome = bot.must("sek-ost", text)
    assert "Sozialraumkonzept für Ostheide ist hinterlegt" in reply_text(outcome), \
        reply_text(outcome)
    assert "Zielgruppen: Kinder und Jugendliche" in reply_text(
        bot.must("kreis-1", "/konzept OST"))
    assert not bot.say("kita@example.org", text).accepted  # an applicant sets no concept


@pytest.mark.parametrize("line", [
    "{number}: Spielplatzfest bewilligt 1.200 €",
    "{number} Spielplatzfest Moorweg – bewilligt mit 1.200 € (7:0:0)",
    "{number} TSV: bewilligt 1.200",  # the Träger
])
def test_a_line_copied_from_the_agenda_with_the_projects_title_reads(bot: Bot, line: str) -> None:
    number = bot.submit(applicant="tsv@example.org", Titel="Spielplatzfest Moorweg",
                        Traeger="TSV Adendorf")
    bot.session(MARCH)
    preview = bot.must("sek-ade", line.format(number=number), today=MARCH)
    bot.must("sek-ade", booking_command(preview), today=MARCH)
    assert bot.application(number)["approved_cents"] == 120_000


def test_another_projects_title_after_a_number_is_not_dropped_but_refused(bot: Bot) -> None:
    number = bot.submit(applicant="tsv@example.org", Titel="Spielplatzfest Moorweg")
    bot.submit(applicant="kita@example.org", Titel="Elterncafé")
    bot.session(MARCH)
    bot.refused("sek-ade", f"{number}: Elterncafé bewilligt 1.200 €", "R11", today=MARCH)


@pytest.mark.parametrize("result", ["bewilligt 800 €", "abgelehnt"])
def test_a_number_and_another_projects_title_are_refused_as_mixed_up(bot: Bot, result: str) -> None:
    fest = bot.submit(applicant="tsv@example.org", Titel="Spielplatzfest Moorweg")
    cafe = bot.submit(applicant="kita@example.org", Titel="Elterncafé")
    bot.session(MARCH)
    outcome = bot.refused("sek-ade", f"{fest}: Elterncafé {result}", "R11", today=MARCH)
    assert f"{fest} ist „Spielplatzfest Moorweg“, der Name passt aber zu {cafe}" in \
        reply_text(outcome), reply_text(outcome)


@pytest.mark.parametrize("question", [
    "Vielen Dank für die Bewilligung! Wann wird das Geld überwiesen?",
    "Wie bekommen wir das Geld? Brauchen Sie eine Rechnung?",
    "Bis wann müssen wir den Verwendungsnachweis schicken?",
])
def test_an_applicant_asking_about_the_payout_is_told_whom_to_ask_not_sent_the_form(
        bot: Bot, question: str) -> None:
    bot.submit()
    outcome = bot.say("kita@example.org", question)
    assert not outcome.accepted
    answer = reply_text(outcome)
    assert "Geschäftsführung der Sozialkonferenz Adendorf oder an den Landkreis" in answer
    assert "Ausgangslage: …" not in answer


def test_the_offered_example_is_the_persons_own_not_adendorfs(bot: Bot) -> None:
    bot.concept("sek-ost")
    outcome = bot.say("sek-ost", "wie geht eine korrektur", today=date(2026, 6, 2))
    assert "Meinten Sie /korrektur? Zum Beispiel: /korrektur OST-2026-001" in \
        reply_text(outcome), reply_text(outcome)


@pytest.mark.parametrize("text", [
    "Die Sitzung am 19.3. muss leider ausfallen.",
    "Die Sitzung am 19.3. findet nicht statt.",
    "Die Sitzung am 19.3. fällt diesmal leider aus",
])
def test_a_session_called_off_in_words_is_cancelled_not_given_that_place(
        bot: Bot, text: str) -> None:
    bot.session(MARCH, today=date(2026, 1, 10))
    outcome = bot.must("sek-ade", text, today=date(2026, 1, 12))
    assert "ist abgesagt" in reply_text(outcome), reply_text(outcome)
    [session] = [s for s in bot.export()["sessions"] if s["date"] == "2026-03-19"]
    assert session["status"] == "cancelled"
    assert session["place"] == "Rathaus"


@pytest.mark.parametrize(("who", "text", "starts"), [
    ("kreis-1", "bitte den saldo von adendorf", "Budget II Adendorf 2026"),
    ("kreis-2", "alle Anträge von Adendorf bitte", "Anträge Adendorf 2026"),
])
def test_a_reading_command_named_anywhere_in_a_short_message_is_answered(
        bot: Bot, who: str, text: str, starts: str) -> None:
    bot.submit()
    answer = reply_text(bot.must(who, text, today=MARCH))
    assert answer.startswith(starts), answer


@pytest.mark.parametrize("text", [
    "Wir können das Projekt leider nicht durchführen und ziehen unseren Antrag zurück.",
    "Wir ziehen unseren Antrag {number} zurück, der Kurs kommt nicht zustande.",
    "/zurueckziehen {number}",
])
def test_an_approved_grant_given_back_goes_to_the_secretaries_with_the_correction_line(
        bot: Bot, text: str) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.decide(MARCH, f"{number} bewilligt mit 1.200 € (5:0:1)")
    said = text.format(number=number)
    outcome = bot.must("kita@example.org", said, today=date(2026, 4, 2))
    answer = reply_text(outcome)
    assert answer.startswith("R11: "), answer
    assert "Geschäftsführung weitergegeben" in answer, answer
    assert "Korrektur" in answer, answer
    assert bot.application(number)["status"] == "approved"  # nothing booked by her message
    assert bot.balance()["bound_cents"] == 120_000
    notices = [n for n in outcome.notifications if n.recipient == "sek-ade"]
    assert len(notices) == 1, outcome.notifications
    assert number in notices[0].text, notices[0].text
    assert said in notices[0].text, notices[0].text
    command = next(line for line in notices[0].text.splitlines()
                   if line.startswith(f"/korrektur {number} "))
    preview = bot.must("sek-ade", command, today=date(2026, 4, 3))  # the line works as given
    bot.must("sek-ade", booking_command(preview), today=date(2026, 4, 3))
    assert bot.application(number)["status"] == "rejected"
    assert bot.balance()["bound_cents"] == 0


@pytest.mark.parametrize("text", [
    "Ich komme, wenn ich es zeitlich schaffe.",
    "Ich komme, falls der Kreistag nicht länger dauert.",
    "Ich komme wahrscheinlich.",
    "Ja, ich nehme teil, sofern nichts dazwischenkommt.",
])
def test_a_county_yes_with_a_condition_is_asked_back_not_counted(bot: Bot, text: str) -> None:
    bot.session(MARCH, attend=None)
    outcome = bot.refused("kreis-1", text, "R9", today=date(2026, 3, 2))
    assert "feste Zu- oder Absage" in reply_text(outcome), reply_text(outcome)
    assert "/anwesend ADE 19.03.2026" in [a.command for a in outcome.replies[0].actions]


@pytest.mark.parametrize("text", ["Ich komme.", "Ich nehme teil", "Ich komme gerne. Wenn Sie "
                                  "Unterlagen haben, schicken Sie sie mir bitte vorher."])
def test_a_county_yes_for_sure_is_still_counted(bot: Bot, text: str) -> None:
    bot.session(MARCH, attend=None)
    outcome = bot.must("kreis-1", text, today=date(2026, 3, 2))
    assert "Teilnahme an der Sitzung Adendorf am 19.03.2026" in reply_text(outcome)


@pytest.mark.parametrize("text", ["Wann tagt Ostheide?", "Welche Sitzungen hat Ostheide?",
                                  "/sitzungen OST"])
def test_a_secretary_asking_for_another_conferences_sessions_is_told_whose_she_sees(
        bot: Bot, text: str) -> None:
    bot.concept("sek-ost")
    bot.session(date(2026, 3, 24), secretary="sek-ost")
    bot.session(MARCH)
    answer = reply_text(bot.say("sek-ade", text, today=date(2026, 3, 1)))
    assert "Sie sehen nur die Sitzungen von Adendorf" in answer, answer
    assert "24.03.2026" not in answer
    own = reply_text(bot.must("sek-ade", "Wann tagt Adendorf?", today=date(2026, 3, 1)))
    assert own.startswith("Angesetzte Sitzungen (Adendorf):"), own
