"""A county's year played again with other people's wording (session 8): a sketch pasted from a
Word table, several results typed in one line on a phone, "1,5k", a county representative's
"Komme" or "Vertretung durch Frau Lange", corrections and withdrawals in an applicant's words."""

from datetime import date

import pytest

from tests.support.core import Bot, booking_command, reply_text


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
    ("1,5 T€", 150_000), ("1,5k €", 150_000), ("1200.-", 120_000), ("1.200.- €", 120_000),
])
def test_thousands_typed_on_a_phone_are_read(typed: str, cents: int) -> None:
    from rules.money import parse_amount

    assert parse_amount(typed) == cents


@pytest.mark.parametrize("typed", ["1,500k", "1,5kk", "k", "1,5 Mio"])
def test_thousands_that_could_be_read_two_ways_are_still_refused(typed: str) -> None:
    from rules.money import AmountError, parse_amount

    with pytest.raises(AmountError):
        parse_amount(typed)


ALERT = ("session:ADE:2026-03-12",)  # the mail or Telegram message the answer replies to


def _alerted(bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II",
             today=date(2026, 2, 3))


@pytest.mark.parametrize("text", ["Komme", "Komme gerne!", "Dabei.", "Bin dabei"])
def test_a_county_representatives_komme_answering_the_alert_is_a_yes(bot: Bot, text: str) -> None:
    _alerted(bot)
    outcome = bot.must("kreis-1", text, today=date(2026, 2, 4), refers_to=ALERT)
    assert "Ihre Teilnahme an der Sitzung Adendorf am 12.03.2026" in reply_text(outcome)


@pytest.mark.parametrize(("text", "says"), [
    ("Vertretung durch Frau Lange", "Eine Vertretung, die nicht als Vertretung des Landkreises"),
    ("Ich schicke Frau Lange als Vertretung.", "Eine Vertretung, die nicht"),
    ("👍", "nicht sicher verstanden"),
    ("Mal sehen", "nicht sicher verstanden"),
])
def test_an_unclear_answer_to_the_alert_gets_the_lines_and_records_nothing(
        bot: Bot, text: str, says: str) -> None:
    _alerted(bot)
    outcome = bot.refused("kreis-1", text, "R9", today=date(2026, 2, 4), refers_to=ALERT)
    assert says in reply_text(outcome), reply_text(outcome)
    assert [a.command for r in outcome.replies for a in r.actions] == [
        "/anwesend ADE 12.03.2026", "/verhindert ADE 12.03.2026"]


def test_a_deputy_named_without_an_alert_to_answer_gets_the_lines_too(bot: Bot) -> None:
    _alerted(bot)
    outcome = bot.refused("kreis-1", "Frau Lange vertritt mich am 12.03.", "R9",
                          today=date(2026, 2, 4))
    assert next(a.command for r in outcome.replies for a in r.actions) == "/anwesend ADE 12.03.2026"


def test_an_unclear_county_message_that_answers_no_alert_is_still_not_understood(bot: Bot) -> None:
    _alerted(bot)
    outcome = bot.say("kreis-1", "Mal sehen", today=date(2026, 2, 4))
    assert not outcome.accepted
    assert "nicht verstanden" in reply_text(outcome)


@pytest.mark.parametrize("text", [
    "Hallo,\n\nKorrektur: die Summe ist 1.800 €, wir hatten die Hüpfburg vergessen.",
    "Entschuldigung, der Betrag muss 1.800 Euro sein, nicht 1.500.",
    "Sorry, vertippt: 1.800 € sind richtig.",
])
def test_an_applicants_correction_of_her_amount_in_reply_gets_the_line_nothing_changed(
        bot: Bot, text: str) -> None:
    number = bot.submit(Betrag="1.500 €")
    outcome = bot.refused("kita@example.org", text, None, today=date(2026, 2, 3),
                          refers_to=(number,))  # her reply to the bot's confirmation
    answer = reply_text(outcome)
    assert f"/antrag {number}\nBetrag: 1.800,00 €" in answer, answer
    assert "Noch ist nichts geändert." in answer
    lines = answer.split("Zeilen senden:\n", 1)[1].split("\nDann gilt", 1)[0]
    bot.must("kita@example.org", lines, today=date(2026, 2, 3))  # sent back as offered
    assert bot.application(number)["requested_cents"] == 180_000


def test_a_correction_of_the_amount_outside_a_thread_means_her_one_open_application(
        bot: Bot) -> None:
    number = bot.submit(Betrag="1.500 €")
    answer = reply_text(bot.refused("kita@example.org", "Korrektur: die Summe ist 1.800 €",
                                    None, today=date(2026, 2, 3)))
    assert f"/antrag {number}\nBetrag: 1.800,00 €" in answer, answer


def test_a_correction_of_the_amount_with_two_open_applications_asks_which(bot: Bot) -> None:
    first = bot.submit(Betrag="1.500 €")
    second = bot.submit(Titel="Elterncafé", Betrag="600 €")
    answer = reply_text(bot.refused("kita@example.org", "Korrektur: die Summe ist 1.800 €",
                                    None, today=date(2026, 2, 3)))
    assert answer.startswith("Welchen Antrag meinen Sie?"), answer
    assert first in answer
    assert second in answer


@pytest.mark.parametrize("text", [
    "Müssen wir die Kosten noch genauer aufschlüsseln?",
    "Wir brauchen 2.000 € statt 1.500 € für ein Sommerfest",
])
def test_words_about_money_that_correct_nothing_are_not_taken_for_a_change(
        bot: Bot, text: str) -> None:
    bot.submit(Betrag="1.500 €")
    answer = reply_text(bot.say("kita@example.org", text, today=date(2026, 2, 3)))
    assert "Noch ist nichts geändert." not in answer


def test_a_correction_of_the_co_funding_is_not_taken_for_the_amount(bot: Bot) -> None:
    number = bot.submit(Betrag="1.500 €")
    answer = reply_text(bot.say("kita@example.org",
                                "Korrektur: die Kofinanzierung der Gemeinde ist 500 €",
                                today=date(2026, 2, 3), refers_to=(number,)))
    assert "Betrag: 500,00 €" not in answer, answer


@pytest.mark.parametrize("text", [
    "Das Projekt findet leider nicht statt. Der Antrag hat sich damit erledigt.",
    "Wir verzichten auf die Förderung.",
    "Unser Sommerfest fällt dieses Jahr leider aus.",
    "Müssen wir den Antrag zurückziehen, wenn das Fest ausfällt?",
    "Hallo, leider müssen wir das Sommerfest absagen, der Park ist gesperrt.",
    "Wir sagen den Workshop leider ab.",
    "Der Kurs muss ausfallen, die Kursleiterin ist krank.",
])
def test_a_project_given_up_in_words_gets_the_withdrawal_line_nothing_withdrawn(
        bot: Bot, text: str) -> None:
    number = bot.submit()
    outcome = bot.refused("kita@example.org", text, None, today=date(2026, 2, 5))
    answer = reply_text(outcome)
    assert f"Dann senden Sie bitte: /zurueckziehen {number}" in answer, answer
    assert bot.application(number)["status"] == "submitted"


def test_a_project_given_up_with_two_open_applications_lists_them(bot: Bot) -> None:
    first = bot.submit()
    second = bot.submit(Titel="Elterncafé")
    answer = reply_text(bot.refused("kita@example.org", "Wir verzichten auf die Förderung.",
                                    None, today=date(2026, 2, 5)))
    assert f"• {first}" in answer
    assert f"• {second}" in answer
    assert "Noch ist nichts geändert." in answer


def test_a_project_given_up_with_nothing_open_passes_nothing_on(bot: Bot) -> None:
    number = bot.submit()
    bot.session(date(2026, 3, 12))
    bot.decide(date(2026, 3, 12), f"{number} bewilligt 1.500 €")
    outcome = bot.say("kita@example.org", "Das Projekt findet leider nicht statt.",
                      today=date(2026, 4, 1))
    assert not outcome.notifications  # her approved grant is given back only when she says so
    assert not outcome.accepted
    answer = reply_text(outcome)
    assert f"bewilligt 1.500,00 €: /zurueckziehen {number}" in answer, answer  # the line to
    assert "Noch ist nichts geändert." in answer  # send for it, not the empty sketch form
    assert bot.application(number)["status"] == "approved"


@pytest.mark.parametrize("text", [
    "Wann entscheidet die Konferenz über unseren Antrag?",
    "Wann wird unser Antrag beraten?",
    "Wann kommt unser Projekt dran?",
    "Gibt es schon eine Rückmeldung zu unserer Skizze?",
    "Wie viel haben wir beantragt?",
])
def test_an_applicant_asking_when_it_is_decided_gets_her_applications(bot: Bot, text: str) -> None:
    number = bot.submit()
    answer = reply_text(bot.say("kita@example.org", text, today=date(2026, 2, 5)))
    assert answer.startswith("Ihre Anträge:"), answer
    assert number in answer


OUT_OF_OFFICE = [
    "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 20.03.2026 nicht im Büro und habe "
    "keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden Sie sich bitte an "
    "info@tsv-adendorf.de.",
    "Ich bin bis zum 10.02. im Urlaub und ab dem 11.02. wieder im Büro.",
    "Abwesenheitsnotiz: Ich bin ab Montag wieder da.",
    "Guten Tag, ich bin vom 1. bis 14. März in Elternzeit. Ihre E-Mail wird nicht weitergeleitet.",
]


@pytest.mark.parametrize("text", OUT_OF_OFFICE)
@pytest.mark.parametrize("sender", ["kita@example.org", "kreis-1", "sek-ade"])
def test_an_out_of_office_notice_is_read_as_nothing_and_answered_by_nothing(
        bot: Bot, text: str, sender: str) -> None:
    bot.submit()
    _alerted(bot)
    outcome = bot.refused(sender, text, None, today=date(2026, 2, 4), refers_to=ALERT)
    assert outcome.replies == ()  # the channel sends nothing; e-mail sets it aside


@pytest.mark.parametrize("text", [
    "Ich bin im Urlaub.",  # one sign only: answered as before (the loop guard counts it)
    "Wir sind ein Verein im Ortskern; die Familien sind nachmittags nicht erreichbar.",
])
def test_words_that_only_sound_absent_are_no_out_of_office_notice(text: str) -> None:
    from rules.absence import absence_notice

    assert not absence_notice(text)


def test_a_sketch_that_mentions_being_out_of_office_is_still_a_sketch(bot: Bot) -> None:
    outcome = bot.must("kita@example.org", "Sozialraum: Adendorf\nTräger: Kita\nTitel: Ferien\n"
                       "Ausgangslage: Ich bin bis 20.03. nicht im Büro, ab 23.03. wieder "
                       "erreichbar.\nZielsetzung: Betreuung.\nMaßnahme: Ferienprogramm.\n"
                       "Betrag: 800 €")
    assert outcome.application_number


def test_buchen_bitte_is_no_wrong_code_and_answering_the_preview_books(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH)
    preview = bot.must("sek-ade", f"{number} bewilligt 1.200 €", today=MARCH)
    code = booking_command(preview).split()[1]
    for _ in range(6):  # five wrong codes an hour would lock her out of /buchen
        answer = reply_text(bot.say("sek-ade", "Buchen bitte", today=MARCH))
        assert "finde ich nicht" not in answer, answer
    bot.must("sek-ade", "Jetzt buchen bitte, danke", today=MARCH, refers_to=(code,))
    assert bot.application(number)["approved_cents"] == 120_000


NEXT_MARCH = date(2027, 3, 11)


def _deferred_into_the_new_year(bot: Bot) -> str:
    numbers = [bot.submit(applicant=f"a{i}@example.org", Titel=f"Projekt {i}", Betrag="950 €")
               for i in range(3)]
    bot.session(MARCH)
    bot.decide(MARCH, f"{numbers[2]} vertagt")
    bot.session(NEXT_MARCH, today=date(2027, 2, 1))
    return numbers[2]


def test_a_short_number_of_last_years_deferred_sketch_is_named_not_booked(bot: Bot) -> None:
    deferred = _deferred_into_the_new_year(bot)
    outcome = bot.refused("sek-ade", "003 bewilligt 950", "R11", today=NEXT_MARCH)
    answer = reply_text(outcome)
    assert f"gemeint ist wohl {deferred} „Projekt 2“" in answer, answer
    lines = answer.split("z. B. so:\n", 1)[1]
    assert lines == f"/beschluss 11.03.2027\n{deferred} bewilligt 950,00 €", answer
    bot.must("sek-ade", booking_command(bot.must("sek-ade", lines, today=NEXT_MARCH)),
             today=NEXT_MARCH)
    assert bot.application(deferred)["approved_cents"] == 95_000


def test_a_short_number_open_in_two_years_is_asked_about(bot: Bot) -> None:
    deferred = _deferred_into_the_new_year(bot)
    new = [bot.submit(applicant=f"b{i}@example.org", today=date(2027, 2, 2)) for i in range(3)]
    answer = reply_text(bot.refused("sek-ade", "003 abgelehnt", "R11", today=NEXT_MARCH))
    assert "Dazu passen mehrere offene Anträge" in answer, answer
    assert deferred in answer
    assert new[2] in answer


@pytest.mark.parametrize(("text", "line"), [
    ("Korrektur: 001 wurde nur mit 1.000 € bewilligt, steht so im Protokoll",
     "/korrektur {a} bewilligt 1.000,00 € Grund: steht so im Protokoll"),
    ("/korrektur 1 bewilligt 1.000 € Grund: laut Protokoll",
     "/korrektur {a} bewilligt 1.000,00 € Grund: laut Protokoll"),
    ("Korrektur: Nr. 2 vertagt statt abgelehnt, Fehler im Protokoll",
     "/korrektur {b} vertagt Grund: Fehler im Protokoll"),
])
def test_a_correction_by_running_number_gets_the_whole_line_nothing_previewed(
        bot: Bot, text: str, line: str) -> None:
    a, b = (bot.submit(applicant=f"a{i}@example.org") for i in range(2))
    bot.session(MARCH)
    bot.decide(MARCH, f"{a} bewilligt 1.200 €\n{b} abgelehnt")
    answer = reply_text(bot.refused("sek-ade", text, None, today=date(2026, 3, 14)))
    offered = line.format(a=a, b=b)
    assert f"\n{offered}\n" in answer, answer
    preview = bot.must("sek-ade", offered, today=date(2026, 3, 14))  # sent back, it previews
    assert "Noch ist nichts gebucht" in reply_text(preview) or "/buchen" in reply_text(preview)


def test_results_with_agenda_sub_items_as_minutes_number_them_are_read(bot: Bot) -> None:
    a, b, c = (bot.submit(applicant=f"a{i}@example.org", Titel=t, Betrag="1.500 €")
               for i, t in enumerate(("Spielplatzfest", "Bewegungsbaustelle", "Trommeln")))
    bot.session(MARCH)
    mailed = ("Hallo zusammen,\n\nanbei die Ergebnisse von gestern Abend:\n\n"
              f"TOP 4.1 {a} Spielplatzfest: bewilligt 1.200 € (8/0/1)\n"
              f"TOP 4.2 {b} Bewegungsbaustelle: abgelehnt (2/6/1) – passt nicht zum Konzept\n"
              f"TOP 4.3 {c} Trommeln: vertagt, Kostenplan fehlt")
    answer = reply_text(bot.must("sek-ade", mailed, today=date(2026, 3, 13)))
    assert f"{a} „Spielplatzfest“: bewilligt 1.200,00 € (von 1.500,00 €) (ja 8" in answer, answer
    assert f"{b} „Bewegungsbaustelle“: abgelehnt" in answer
    assert f"{c} „Trommeln“: vertagt" in answer


PROSE = ("Sehr geehrte Damen und Herren,\n\nwir beantragen für den Sozialraum Adendorf Mittel "
         "aus dem Budget II.\n\nTräger: SV Adendorf\nTitel: Mitternachtssport\n"
         "Ausgangslage: Jugendliche treffen sich abends ohne Angebot am Bahnhof.\n"
         "Ziel: Ein sicherer Treffpunkt mit Sport.\n"
         "Maßnahme: Freitags 21-24 Uhr offene Halle mit Trainer.\n\n{amount}\n")


def test_the_amount_asked_for_in_a_sentence_is_read(bot: Bot) -> None:
    outcome = bot.must("verein@example.org",
                       PROSE.format(amount="Wir beantragen dafür 1.800 Euro."))
    number = outcome.application_number
    assert number, reply_text(outcome)
    assert bot.application(number)["requested_cents"] == 180_000
    assert "Beantragt: 1.800,00 €" in reply_text(outcome)


@pytest.mark.parametrize("amount", [
    "Die Gesamtkosten betragen 3.000 €, wir beantragen 1.800 €.",  # two amounts
    "Wir beantragen ca. 1.800 Euro.",  # not exact
    "Das Projekt kostet 1.800 Euro.",  # a cost, not asked for
])
def test_an_amount_in_words_that_is_not_surely_the_one_asked_for_is_asked_back(
        bot: Bot, amount: str) -> None:
    outcome = bot.say("verein@example.org", PROSE.format(amount=amount))
    assert "Betrag" in reply_text(outcome), reply_text(outcome)
    assert all(a["requested_cents"] in (None, 0) for a in bot.export()["applications"]), \
        bot.export()["applications"]


@pytest.mark.parametrize("text", [
    "Welche Anträge wurden abgelehnt?",
    "Wurde der Antrag von der Kita abgelehnt?",
    "Die Kita kann leider nicht kommen, sie stellt den Antrag später vor.",
    "Ich habe den Antrag abgelehnt, er passt nicht zum Konzept",
    "Kann ich leider nicht sagen – wer kommt denn sonst?",
])
def test_a_county_question_about_applications_is_never_taken_for_an_excuse(
        bot: Bot, text: str) -> None:
    bot.submit()
    _alerted(bot)
    files = bot.snapshot()
    outcome = bot.say("kreis-1", text, today=date(2026, 2, 4))
    assert "verhindert" not in reply_text(outcome), reply_text(outcome)  # before: recorded (R9)
    assert bot.snapshot() == files


def test_the_county_asking_which_applications_were_rejected_gets_that_list(bot: Bot) -> None:
    a, b = (bot.submit(applicant=f"a{i}@example.org") for i in range(2))
    bot.session(MARCH)
    bot.decide(MARCH, f"{a} bewilligt 1.200 €\n{b} abgelehnt")
    _alerted(bot)  # another session ahead: the question is still no excuse
    for text in ("Welche Anträge wurden abgelehnt?", "Bitte die Liste aller abgelehnten Anträge"):
        answer = reply_text(bot.say("kreis-1", text, today=date(2026, 3, 20)))
        assert answer.startswith("Anträge (abgelehnt)"), answer
        assert b in answer
        assert a not in answer


def test_the_county_asks_which_conferences_have_no_concept_yet(bot: Bot) -> None:
    answer = reply_text(bot.say("kreis-1", "Welche Konferenzen haben noch kein Konzept?",
                                today=date(2026, 2, 4)))
    assert answer.startswith("Noch ohne Sozialraumkonzept (R5"), answer
    assert "Adendorf" not in answer.split("\n", 1)[0]  # Adendorf has one (the fixture)
    assert "Ostheide" in answer.split("\n", 1)[0]
    answer = reply_text(bot.say("kreis-1", "Hat Ostheide schon ein Konzept?",
                                today=date(2026, 2, 4)))
    assert answer.startswith("Für Ostheide ist noch kein Sozialraumkonzept hinterlegt"), answer


def test_an_agenda_item_without_its_application_is_named_as_such(bot: Bot) -> None:
    bot.submit()
    bot.session(MARCH)
    answer = reply_text(bot.refused("sek-ade", "TOP 2 abgelehnt, TOP 3 vertagt", "R11",
                                    today=MARCH))
    said = "nennt einen Tagesordnungspunkt („TOP 2“), aber nicht die Nummer eines Antrags"
    assert said in answer, answer


def test_whole_euros_written_with_a_dot_and_dash_are_read_in_results(bot: Bot) -> None:
    number = bot.submit(Betrag="2.000 €")
    bot.session(MARCH)
    answer = reply_text(bot.must("sek-ade", f"{number[-3:]} bewilligt 1200.- (7 ja 1 nein 0 enth)",
                                 today=MARCH))
    assert "bewilligt 1.200,00 € (von 2.000,00 €) (ja 7, nein 1, Enthaltung 0)" in answer, answer


def test_a_corrected_version_of_an_open_sketch_is_asked_about_not_a_second_application(
        bot: Bot) -> None:
    first = bot.submit(Betrag="1.500 €")
    again = "Hallo, anbei die korrigierte Fassung, sorry!\n\n" + "\n".join(
        f"{label}: {value}" for label, value in (
            ("Sozialraum", "Adendorf"), ("Träger", "Kita Sonnenschein"),
            ("Titel", "Sprachförderung vor der Einschulung"),
            ("Ausgangslage", "Viele Kinder sprechen zu Hause kaum Deutsch."),
            ("Zielsetzung", "Bessere Sprachkenntnisse vor der Einschulung."),
            ("Maßnahme", "Wöchentliche Sprachgruppe mit einer Fachkraft."),
            ("Betrag", "1.800 €")))
    answer = reply_text(bot.refused("kita@example.org", again, None, today=date(2026, 2, 3)))
    assert f"schon eingereicht: {first}" in answer, answer
    lines = f"/antrag {first}\nBetrag: 1.800 €"
    assert lines in answer, answer
    assert len(bot.export()["applications"]) == 1  # before: a second application, both decidable
    bot.must("kita@example.org", lines, today=date(2026, 2, 3))  # sent back as offered
    assert bot.application(first)["requested_cents"] == 180_000


def test_a_polite_word_after_a_reading_command_is_no_argument(bot: Bot) -> None:
    bot.submit()
    bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II", today=date(2026, 2, 3))
    answer = reply_text(bot.say("sek-ade", "Tagesordnung bitte", today=date(2026, 2, 4)))
    assert answer.startswith("Tagesordnung") or "ADE-2026-001" in answer, answer
    assert "„bitte“" not in answer  # before: 'Die Konferenz „bitte“ kenne ich nicht'
    answer = reply_text(bot.say("sek-ade", "Protokoll bitte", today=date(2026, 2, 4)))
    assert "„bitte“" not in answer, answer
    assert "/tagesordnung" not in answer, answer


def test_a_veto_against_a_running_number_is_asked_for_the_whole_one(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH)
    bot.decide(MARCH, f"{number} bewilligt 1.200 €")
    answer = reply_text(bot.refused("kreis-1", "Veto gegen 001", "R10", today=date(2026, 3, 20)))
    assert "Einen Antrag gegen" not in answer, answer  # before: "gegen" taken for the number
    assert f"/veto {number}" in answer, answer


def test_the_county_asking_for_the_overview_in_one_word_gets_it(bot: Bot) -> None:
    outcome = bot.must("kreis-1", "Übersicht", today=date(2026, 3, 20))
    assert [d.filename for r in outcome.replies for d in r.documents], reply_text(outcome)


def test_a_withdrawal_naming_the_project_by_its_title_offers_the_lines(bot: Bot) -> None:
    first = bot.submit(Titel="Projekt 0")
    second = bot.submit(Titel="Projekt 1")
    answer = reply_text(bot.refused("kita@example.org", "Wir ziehen Projekt 1 zurück", None,
                                    today=date(2026, 2, 5)))
    assert f"• {second} „Projekt 1“" in answer, answer
    assert first in answer
    assert bot.application(second)["status"] == "submitted"


def test_an_applicant_asking_whether_her_application_is_complete_gets_it(bot: Bot) -> None:
    number = bot.submit()
    answer = reply_text(bot.say("kita@example.org", "Ist unser Antrag vollständig?",
                                today=date(2026, 2, 5)))
    assert answer.startswith("Ihre Anträge:"), answer
    assert number in answer


@pytest.mark.parametrize("typed", [
    "001 und 002 bewilligt, 003 abgelehnt",  # before: ADE-2026-001 "bewilligt 2,00 €"
    "001 und 002 bewilligt",
    "1, 2 bewilligt",
    "Nr. 1 bis 3 einstimmig angenommen",
    "001-003 bewilligt",
])
def test_several_applications_in_one_decision_are_never_read_as_an_amount(
        bot: Bot, typed: str) -> None:
    for i in range(3):
        bot.submit(applicant=f"a{i}@example.org")
    bot.session(MARCH)
    answer = reply_text(bot.refused("sek-ade", typed, "R11", today=MARCH))
    assert "nennt mehrere Anträge" in answer, answer


def test_striking_an_item_from_the_sketch_is_no_withdrawal(bot: Bot) -> None:
    bot.submit()
    answer = reply_text(bot.say("kita@example.org",
                                "Können wir im Antrag den Posten Hüpfburg streichen?",
                                today=date(2026, 2, 5)))
    assert "/zurueckziehen" not in answer, answer


def test_a_correction_in_reply_to_the_booking_gets_the_line_with_its_number(bot: Bot) -> None:
    number = bot.submit(Betrag="1.500 €")
    bot.session(MARCH)
    bot.decide(MARCH, f"{number} bewilligt 1.200 €")
    text = "Korrektur: das war 1.000 €, nicht 1.200 €, steht so im Protokoll"
    answer = reply_text(bot.refused("sek-ade", text, None, today=date(2026, 3, 14),
                                    refers_to=(number,)))
    offered = f"/korrektur {number} bewilligt 1.000,00 € Grund: steht so im Protokoll"
    assert f"\n{offered}\n" in answer, answer
    bot.must("sek-ade", offered, today=date(2026, 3, 14))  # sent back, it previews


@pytest.mark.parametrize("text", ["Stopp", "Abmelden", "Bitte keine Mails mehr!"])
def test_an_applicant_asking_for_no_more_mail_is_told_what_she_gets(bot: Bot, text: str) -> None:
    bot.submit()
    answer = reply_text(bot.refused("kita@example.org", text, None, today=date(2026, 2, 5)))
    assert answer.startswith("Sie erhalten von mir nur Antworten"), answer  # not the form
