"""Every rule R1–R12 as a person meets it: what they type, what the bot answers, and that a
refusal leaves the store as it was. Real Core, real TinyDB files in a temporary directory."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tests.support.core import APPLICANT, Bot, at, booking_command, reply_text, sketch

MARCH_12 = date(2026, 3, 12)


def ready(bot: Bot, *amounts: str) -> list[str]:
    """Adendorf with a concept, one sketch per amount and an attended Budget II session."""
    bot.concept()
    numbers = [bot.submit(Betrag=amount, Titel=f"Projekt {i}") for i, amount in
               enumerate(amounts, 1)]
    bot.session(MARCH_12)
    return numbers


# -- R1 -------------------------------------------------------------------------------------
def test_r1_every_conference_starts_the_year_with_ten_thousand_euro(bot: Bot) -> None:
    overview = reply_text(bot.must("kreis-1", "/saldo", today=date(2026, 1, 5)))
    assert overview.count("10.000,00 €") == 10
    assert "Zusammen gebunden: 0,00 €, verfügbar: 100.000,00 €." in overview
    own = reply_text(bot.must("sek-ade", "/saldo", today=date(2026, 1, 5)))
    assert "Zuweisung: 10.000,00 €" in own


def test_r1_the_allotment_per_year_and_conference_comes_from_the_toml(tmp_path: Path) -> None:
    bot = Bot(tmp_path, '[budget.allotments.2027]\nADE = "12.000,00 €"\nBLE = 8000')
    try:
        assert "Zuweisung: 12.000,00 €" in reply_text(
            bot.must("kreis-1", "/saldo ADE 2027", today=date(2027, 1, 5)))
        assert "Zuweisung: 8.000,00 €" in reply_text(
            bot.must("kreis-1", "/saldo BLE 2027", today=date(2027, 1, 5)))
        assert "Zuweisung: 10.000,00 €" in reply_text(
            bot.must("kreis-1", "/saldo ADE 2026", today=date(2027, 1, 5)))
        bot.concept(today=date(2027, 1, 10))
        number = bot.submit(Betrag="11.000 €", today=date(2027, 1, 11))
        bot.session(date(2027, 3, 4), today=date(2027, 1, 12))
        booked = bot.decide(date(2027, 3, 4), f"{number} bewilligt")
        assert "Verfügbar für Adendorf 2027: 1.000,00 €." in reply_text(booked)
        allotment = [e for e in bot.export()["ledger"]
                     if e["kind"] == "allotment" and e["conference"] == "ADE"]
        assert [(e["year"], e["amount_cents"]) for e in allotment] == [(2027, 1_200_000)]
        assert "R1" in allotment[0]["note"]
    finally:
        bot.close()


def with_allotment(bot: Bot, toml: str) -> Bot:
    """The county edits its TOML and restarts the bot."""
    bot.close()
    bot.config_path.write_text(bot.config_path.read_text(encoding="utf-8") + toml,
                               encoding="utf-8")
    return Bot(bot.directory)


def test_r1_an_allotment_raised_in_the_toml_counts_at_once(bot: Bot) -> None:
    (number,) = ready(bot, "1.000 €")
    bot.decide(MARCH_12, f"{number} bewilligt")
    bot = with_allotment(bot, '\n[budget.allotments.2026]\nADE = "15.000,00 €"\n')
    try:
        saldo = reply_text(bot.must("sek-ade", "/saldo", today=date(2026, 4, 1)))
        assert "Zuweisung: 15.000,00 €" in saldo
        assert "Verfügbar: 14.000,00 €" in saldo
        later = bot.submit(Betrag="14.000 €", today=date(2026, 4, 1))
        bot.session(date(2026, 9, 10), today=date(2026, 4, 2))
        bot.decide(date(2026, 9, 10), f"{later} bewilligt")
        allotments = [e["amount_cents"] for e in bot.export()["ledger"]
                      if e["kind"] == "allotment" and e["conference"] == "ADE"]
        assert allotments == [1_000_000, 500_000]
        assert bot.balance()["available_cents"] == 0
    finally:
        bot.close()


def test_r1_an_allotment_lowered_below_what_is_bound_shows_the_shortfall_and_warns(
        bot: Bot) -> None:
    (number,) = ready(bot, "9.000 €")
    bot.decide(MARCH_12, f"{number} bewilligt")
    bot = with_allotment(bot, '\n[budget.allotments.2026]\nADE = "5.000,00 €"\n')
    try:
        outcome = bot.must("sek-ade", "/saldo", today=date(2026, 4, 1))
        saldo = reply_text(outcome)
        assert "Zuweisung: 5.000,00 €" in saldo  # what the administration set, nothing else
        assert "Fehlbetrag: 4.000,00 €" in saldo
        assert "Verfügbar: 0,00 €" in saldo
        told = [n for n in outcome.notifications if n.recipient == "verwaltung"]
        assert len(told) == 1
        assert told[0].text.startswith("Achtung R3: Die Zuweisung Adendorf 2026 steht in der "
                                       "Konfiguration auf 5.000,00 €, gebunden sind aber schon "
                                       "9.000,00 €. Fehlbetrag: 4.000,00 €.")
        again = bot.must("kreis-1", "/saldo ADE", today=date(2026, 4, 2))
        assert not again.notifications  # warned once for this allotment
        made = bot.run_due_reminders(at(date(2027, 1, 1), 0, 5))  # the close by itself
        assert "übertragen nach 2027: 0,00 €" in next(n.text for n in made
                                                     if n.recipient == "sek-ade")
        assert bot.balance("ADE", 2027)["carried_in_cents"] == 0
        closed = bot.balance("ADE", 2026)
        assert (closed["allotment_cents"], closed["shortfall_cents"]) == (500_000, 400_000)
        assert closed["available_cents"] == 0
    finally:
        bot.close()


# -- R2 -------------------------------------------------------------------------------------
def test_r2_what_is_not_bound_moves_into_the_next_year_once_and_then_lapses(bot: Bot) -> None:
    (number,) = ready(bot, "1.200 €")
    bot.decide(MARCH_12, f"{number} bewilligt")
    close = bot.must("verwaltung", "/jahresabschluss 2026", today=date(2027, 1, 4))
    assert "Jahresabschluss 2026 (R2):" in reply_text(close)
    assert "Adendorf: übertragen nach 2027: 8.800,00 €; verfallen: 0,00 €" in reply_text(close)
    saldo = reply_text(bot.must("sek-ade", "/saldo", today=date(2027, 1, 5)))
    assert "Übertrag aus 2026: 8.800,00 €" in saldo
    assert "Davon verfallen am 31.12.2027, wenn nicht gebunden: 8.800,00 € (R2)." in saldo

    later = bot.submit(Betrag="3.000 €", today=date(2027, 1, 20))
    bot.session(date(2027, 3, 11), today=date(2027, 1, 21))
    bot.decide(date(2027, 3, 11), f"{later} bewilligt")  # spends carried money first
    close = bot.must("verwaltung", "/jahresabschluss 2027", today=date(2028, 1, 3))
    assert "Adendorf: übertragen nach 2028: 10.000,00 €; verfallen: 5.800,00 €" in reply_text(
        close)
    balance_2027 = bot.balance("ADE", 2027)
    assert (balance_2027["lapsed_cents"], balance_2027["carried_out_cents"]) == (580_000,
                                                                                 1_000_000)
    assert bot.balance("ADE", 2028)["carried_in_cents"] == 1_000_000  # nothing of 2026 in it


def test_r2_a_closed_year_takes_no_booking_and_no_veto(bot: Bot) -> None:
    approved, waiting = ready(bot, "1.000 €", "2.000 €")
    bot.decide(MARCH_12, f"{approved} bewilligt\n{waiting} vertagt")
    bot.must("verwaltung", "/jahresabschluss 2026", today=date(2027, 1, 4))
    refusal = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{waiting} bewilligt", "R2",
                          today=date(2027, 1, 5))
    assert "2026 ist abgeschlossen" in reply_text(refusal)
    bot.refused("kreis-1", f"/veto {approved} passt nicht zum Konzept", "R2",
                today=date(2027, 1, 5))


def test_r2_a_year_is_closed_only_once_and_only_when_it_is_over(bot: Bot) -> None:
    bot.submit(today=date(2026, 2, 2))
    bot.refused("verwaltung", "/jahresabschluss 2026", "R2", today=date(2026, 12, 30))
    bot.must("verwaltung", "/jahresabschluss 2026", today=date(2027, 1, 4))
    again = bot.refused("verwaltung", "/jahresabschluss 2026", "R2", today=date(2027, 1, 5))
    assert "schon abgeschlossen" in reply_text(again)


def test_r2_a_year_the_bot_never_kept_cannot_be_closed_into_a_phantom_carry_over(
        bot: Bot) -> None:
    bot.submit(today=date(2026, 2, 2))
    refusal = bot.refused("verwaltung", "/jahresabschluss 2025", "R2", today=date(2026, 3, 1))
    assert "nichts verwaltet" in reply_text(refusal)
    bot.refused("verwaltung", "/jahresabschluss 2019", "R2", today=date(2026, 3, 1))
    assert bot.balance("ADE", 2026)["carried_in_cents"] == 0


# -- R3 -------------------------------------------------------------------------------------
def test_r3_approving_more_than_is_available_is_refused(bot: Bot) -> None:
    first, second = ready(bot, "6.000 €", "6.000 €")
    refusal = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{first} bewilligt\n"
                          f"{second} bewilligt", "R3", today=MARCH_12)
    assert "Bewilligt sind zusammen 12.000,00 €" in reply_text(refusal)
    assert "nur 10.000,00 €" in reply_text(refusal)
    assert bot.balance()["bound_cents"] == 0


def test_r3_a_code_is_checked_again_when_it_is_sent_back(bot: Bot) -> None:
    first, second = ready(bot, "6.000 €", "6.000 €")
    # one open preview per session and secretary: the second is of another session
    bot.must("sek-ade", "/sitzung 05.03.2026 17:00 Ort Schule, Budget II",
             today=date(2026, 2, 3))
    bot.must("kreis-1", "/anwesend ADE 05.03.2026", today=date(2026, 2, 3))
    one = bot.must("sek-ade", f"/beschluss 12.03.2026\n{first} bewilligt", today=MARCH_12)
    two = bot.must("sek-ade", f"/beschluss 05.03.2026\n{second} bewilligt", today=MARCH_12)
    bot.must("sek-ade", booking_command(one), today=MARCH_12)
    bot.refused("sek-ade", booking_command(two), "R3", today=MARCH_12)
    assert bot.balance()["bound_cents"] == 600_000


# -- R4 -------------------------------------------------------------------------------------
def test_r4_a_sketch_without_ausgangslage_lists_exactly_that_and_a_reply_completes_it(
        bot: Bot) -> None:
    first = bot.say(APPLICANT, sketch(Ausgangslage=None), today=date(2026, 2, 2))
    assert first.accepted
    assert first.rule == "R4"
    assert first.application_number == "ADE-2026-001"
    text = reply_text(first)
    assert "(R4)" in text
    assert "Es fehlt noch: Ausgangslage.\n" in text
    assert text.endswith("/antrag ADE-2026-001\nAusgangslage: …")
    assert bot.application("ADE-2026-001")["status"] == "incomplete"

    done = bot.must(APPLICANT, "/antrag ADE-2026-001\nAusgangslage: Viele Kinder sprechen "
                    "zu Hause kaum Deutsch.", today=date(2026, 2, 3))
    assert "ist jetzt vollständig" in reply_text(done)
    assert bot.application("ADE-2026-001")["status"] == "submitted"


def test_r4_a_message_far_too_long_is_refused_with_the_count_in_german_and_the_sentence_intact(
        bot: Bot) -> None:
    long = sketch(Ausgangslage="Viele Kinder sprechen zu Hause kaum Deutsch. " * 600)
    refusal = bot.refused(APPLICANT, long, "R4", today=date(2026, 2, 2))
    counted = re.fullmatch(
        r"R4: Ihre Nachricht ist mit (\d\d\.\d\d\d) Zeichen viel zu lang für eine Projektskizze\. "
        r"Bitte beschreiben Sie Ausgangslage, Zielsetzung und Maßnahme kurz, je in wenigen "
        r"Sätzen\.", reply_text(refusal))
    assert counted, reply_text(refusal)
    assert int(counted.group(1).replace(".", "")) > 20_000


def test_r4_a_sketch_without_social_space_is_refused_with_her_sketch_to_send_back(
        bot: Bot) -> None:
    refusal = bot.refused(APPLICANT, sketch(Sozialraum=None), "R4", today=date(2026, 2, 2))
    text = reply_text(refusal)
    assert "„Sozialraum: Adendorf“" in text
    form = text.split("mit dem Sozialraum ergänzt:\n", 1)[1]
    assert form.startswith("Sozialraum: …\nTräger: Kita Sonnenschein\n")
    assert "Ausgangslage: Viele Kinder sprechen zu Hause kaum Deutsch.\n" in form
    sent_back = form.replace("Sozialraum: …", "Sozialraum: Bleckede")
    assert bot.must(APPLICANT, sent_back, today=date(2026, 2, 2)).application_number == (
        "BLE-2026-001")


def test_r4_a_social_space_named_in_running_words_is_taken_if_it_is_the_only_one(
        bot: Bot) -> None:
    text = ("Guten Tag, wir beantragen für den Sozialraum Amt Neuhaus Mittel aus Budget II.\n"
            + sketch(Sozialraum=None).removeprefix("/antrag\n"))
    assert bot.must(APPLICANT, text, today=date(2026, 2, 2)).application_number == (
        "NEU-2026-001")
    two = "Wie im Sozialraum Adendorf möchten wir auch im Sozialraum Bleckede ...\n" + (
        sketch(Sozialraum=None).removeprefix("/antrag\n"))
    bot.refused(APPLICANT, two, "R4", today=date(2026, 2, 2))


def test_r4_an_applicant_writing_in_her_own_words_gets_the_form_she_can_send_back(
        bot: Bot) -> None:
    asked = bot.refused(APPLICANT, "Guten Tag, wir möchten 1.500 € für eine Sprachgruppe "
                        "beantragen. Wie geht das?", None, today=date(2026, 2, 2))
    answer = reply_text(asked)
    assert "keine Projektskizze für Budget II erkannt" in answer
    form = ("Sozialraum: …\nTräger: …\nTitel: …\nAusgangslage: …\nZielsetzung: …\n"
            "Maßnahme: …\nBetrag: …")
    assert form in answer
    filled = {"Sozialraum": "Adendorf", "Träger": "Kita Sonnenschein", "Titel": "Sprachgruppe",
              "Ausgangslage": "Viele Kinder sprechen kaum Deutsch.",
              "Zielsetzung": "Bessere Sprache vor der Schule.",
              "Maßnahme": "Eine Gruppe pro Woche.", "Betrag": "1.500 €"}
    # Sent back whole, as one copies a chat message: the rest of the answer is not read.
    for label, value in filled.items():
        answer = answer.replace(f"{label}: …", f"{label}: {value}", 1)
    sketch_sent = bot.must(APPLICANT, answer, today=date(2026, 2, 2))
    assert sketch_sent.application_number == "ADE-2026-001"
    assert bot.application("ADE-2026-001")["status"] == "submitted"
    stored = bot.core.store.application("ADE-2026-001")
    assert stored is not None
    assert stored.fields == {"applicant": "Kita Sonnenschein", "title": "Sprachgruppe",
                                "situation": "Viele Kinder sprechen kaum Deutsch.",
                                "objective": "Bessere Sprache vor der Schule.",
                                "measure": "Eine Gruppe pro Woche.", "amount": "1.500 €"}


def test_r4_lines_of_the_form_left_as_they_were_count_as_missing(bot: Bot) -> None:
    outcome = bot.say(APPLICANT, sketch(Ausgangslage="…", Zielsetzung="...", Massnahme="-"),
                      today=date(2026, 2, 2))
    assert outcome.rule == "R4"
    assert "Es fehlt noch: Ausgangslage, Zielsetzung, Maßnahme.\n" in reply_text(outcome)
    assert bot.application("ADE-2026-001")["status"] == "incomplete"


def test_r4_an_incomplete_sketch_cannot_be_decided(bot: Bot) -> None:
    bot.concept()
    incomplete = bot.say(APPLICANT, sketch(Massnahme=None), today=date(2026, 2, 2))
    bot.session(MARCH_12)
    refusal = bot.refused("sek-ade", f"/beschluss 12.03.2026\n"
                          f"{incomplete.application_number} bewilligt", "R4", today=MARCH_12)
    assert "unvollständig (R4)" in reply_text(refusal)


# -- R5 -------------------------------------------------------------------------------------
def test_r5_no_money_is_bound_before_the_conference_has_a_concept(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH_12)
    refusal = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", "R5",
                          today=MARCH_12)
    assert "/konzept" in reply_text(refusal)
    bot.concept(today=MARCH_12)
    bot.decide(MARCH_12, f"{number} bewilligt")
    assert bot.balance()["bound_cents"] == 150_000


def test_r5_a_concept_without_problemlagen_is_refused_and_says_so(bot: Bot) -> None:
    refusal = bot.refused("sek-ade", "/konzept\nZielgruppen: Kinder\nZiele: Schulstart", "R5",
                          today=date(2026, 1, 10))
    assert "fehlt noch: Problemlagen." in reply_text(refusal)


# -- R6 -------------------------------------------------------------------------------------
def test_r6_a_jugendtreff_sketch_warns_both_county_representatives(bot: Bot) -> None:
    outcome = bot.must(APPLICANT, sketch(Titel="Jugendtreff am Samstag",
                                         Massnahme="Offener Treff mit Kicker und Musik"),
                       today=date(2026, 2, 2))
    warnings = [n for n in outcome.notifications if n.kind == "warning"]
    assert sorted(n.recipient for n in warnings) == ["kreis-1", "kreis-2"]
    for warning in warnings:
        assert "Hinweis R6:" in warning.text
        assert "„jugendtreff“" in warning.text
        assert "ADE-2026-001" in warning.text
    assert "R6" not in reply_text(outcome)  # a warning for the county, not a refusal
    assert bot.application("ADE-2026-001")["flags"] == ["R6"]


def test_r6_an_ordinary_sketch_warns_nobody(bot: Bot) -> None:
    outcome = bot.must(APPLICANT, sketch(), today=date(2026, 2, 2))
    assert not [n for n in outcome.notifications if n.kind == "warning"]
    assert bot.application("ADE-2026-001")["flags"] == []


# -- R7 -------------------------------------------------------------------------------------
def test_r7_four_equal_approvals_that_spend_the_budget_warn_but_are_booked(bot: Bot) -> None:
    numbers = ready(bot, "2.500 €", "2.500 €", "2.500 €", "2.500 €")
    preview = bot.must("sek-ade", "/beschluss 12.03.2026\n" +
                       "\n".join(f"{n} bewilligt" for n in numbers), today=MARCH_12)
    assert "Hinweis R7: 4 Bewilligungen zu je etwa 2.500,00 €" in reply_text(preview)
    booked = bot.must("sek-ade", booking_command(preview), today=MARCH_12)
    warnings = [n for n in booked.notifications if n.kind == "warning"]
    assert sorted(n.recipient for n in warnings) == ["kreis-1", "kreis-2"]
    assert all("Hinweis R7:" in n.text for n in warnings)
    assert bot.balance()["available_cents"] == 0


def test_r7_different_amounts_are_not_a_watering_can(bot: Bot) -> None:
    numbers = ready(bot, "5.000 €", "2.500 €", "2.000 €")
    booked = bot.decide(MARCH_12, "\n".join(f"{n} bewilligt" for n in numbers))
    assert not [n for n in booked.notifications if n.kind == "warning"]


# -- R8 -------------------------------------------------------------------------------------
def test_r8_a_third_budget_ii_session_in_a_year_is_refused(bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II", today=date(2026, 2, 3))
    bot.must("sek-ade", "/sitzung 10.06.2026 18:30 Budget 2", today=date(2026, 2, 3))
    refusal = bot.refused("sek-ade", "/sitzung 15.10.2026 19:00 Gemeindesaal, Budget II", "R8",
                          today=date(2026, 2, 3))
    assert "12.03.2026 und 10.06.2026" in reply_text(refusal)
    assert "ohne „Budget II“" in reply_text(refusal)
    # a new date is never taken for a move (only "verschoben" moves), but the line is offered
    assert "/sitzung 10.06.2026 verschoben auf 15.10.2026" in reply_text(refusal)
    bot.must("sek-ade", "/sitzung 15.10.2026 19:00 Gemeindesaal", today=date(2026, 2, 3))
    bot.must("sek-ade", "/sitzung 10.06.2026 abgesagt", today=date(2026, 2, 4))
    bot.must("sek-ade", "/sitzung 15.10.2026 19:00 Gemeindesaal, Budget II", today=date(2026, 2, 4))
    bot.refused("sek-ade", "/sitzung 10.06.2026 18:30 Budget II", "R8", today=date(2026, 2, 5))
    revived = bot.must("sek-ade", "/sitzung 10.06.2026 18:30", today=date(2026, 2, 5))
    assert "nicht als Budget-II-Sitzung markiert" in reply_text(revived)
    budget_sessions = [s["date"] for s in bot.export()["sessions"]
                       if s["budget_ii"] and s["status"] == "scheduled"]
    assert budget_sessions == ["2026-03-12", "2026-10-15"]


def test_r8_a_session_with_decisions_cannot_be_cancelled_to_make_room(bot: Bot) -> None:
    (number,) = ready(bot, "1.000 €")
    bot.session(date(2026, 6, 11), today=date(2026, 2, 3))
    bot.decide(MARCH_12, f"{number} bewilligt")
    refusal = bot.refused("sek-ade", "/sitzung 12.03.2026 abgesagt", "R8", today=MARCH_12)
    assert "hat schon Beschlüsse" in reply_text(refusal)
    bot.refused("sek-ade", "/sitzung 12.03.2026 abgesagt", "R8", today=date(2026, 3, 20))
    bot.refused("sek-ade", "/sitzung 15.10.2026 Budget II", "R8", today=date(2026, 3, 20))


def test_r8_decisions_belong_to_a_budget_ii_session(bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Rathaus", today=date(2026, 2, 3))
    bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", "R8", today=MARCH_12)


# -- R9 -------------------------------------------------------------------------------------
def test_r9_a_budget_ii_session_alerts_both_county_representatives(bot: Bot) -> None:
    outcome = bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II",
                       today=date(2026, 2, 3))
    alerts = [n for n in outcome.notifications if n.kind == "session_alert"]
    assert sorted(n.recipient for n in alerts) == ["kreis-1", "kreis-2"]
    assert all("R9" in n.text for n in alerts)
    assert alerts[0].actions[0].command == "/anwesend ADE 12.03.2026"
    assert "R9" in reply_text(outcome)


def test_r9_booking_without_the_county_present_holds_until_the_county_confirms(
        bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.session(MARCH_12, attend=None)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12)
    assert "Achtung R9" in reply_text(preview)
    held = bot.must("sek-ade", booking_command(preview), today=MARCH_12)
    assert held.rule == "R9"
    assert reply_text(held).startswith("R9: ")
    assert sorted(n.recipient for n in held.notifications) == ["kreis-1", "kreis-2"]
    balance = bot.balance()
    assert (balance["bound_cents"], balance["held_cents"]) == (0, 150_000)
    assert bot.application(number)["status"] == "held"
    assert "Zurückgehalten (R9): 1.500,00 €" in reply_text(
        bot.must("sek-ade", "/saldo", today=MARCH_12))

    released = bot.must("kreis-2", "/bestaetigen ADE 12.03.2026", today=date(2026, 3, 13))
    assert "Bestätigt und gebucht: ein Beschluss (1.500,00 €)" in reply_text(released)
    balance = bot.balance()
    assert (balance["bound_cents"], balance["held_cents"]) == (150_000, 0)
    assert bot.application(number)["status"] == "approved"
    bot.refused("kreis-2", "/bestaetigen ADE 12.03.2026", "R9", today=date(2026, 3, 13))


def test_r9_held_money_is_not_free_for_other_decisions(bot: Bot) -> None:
    bot.concept()
    first = bot.submit(Betrag="6.000 €")
    second = bot.submit(Betrag="6.000 €", Titel="Elterncafé")
    bot.session(MARCH_12, attend=None)
    bot.decide(MARCH_12, f"{first} bewilligt")
    bot.refused("sek-ade", f"/beschluss 12.03.2026\n{second} bewilligt", "R3", today=MARCH_12)


def test_r9_a_december_sketch_held_in_march_reserves_money_of_the_session_year(
        bot: Bot) -> None:
    bot.concept(today=date(2026, 11, 2))
    december = bot.submit(Betrag="6.000 €", today=date(2026, 12, 1))
    january = bot.submit(Betrag="6.000 €", Titel="Elterncafé", today=date(2027, 1, 20))
    bot.session(date(2027, 3, 4), attend=None, today=date(2027, 1, 21))
    bot.decide(date(2027, 3, 4), f"{december} bewilligt")
    assert bot.balance("ADE", 2027)["held_cents"] == 600_000
    bot.refused("sek-ade", f"/beschluss 04.03.2027\n{january} bewilligt 4.000,01 €", "R3",
                today=date(2027, 3, 4))
    bot.must("kreis-1", "/bestaetigen ADE 04.03.2027", today=date(2027, 3, 5))
    balance = bot.balance("ADE", 2027)
    assert (balance["bound_cents"], balance["held_cents"], balance["available_cents"]) == (
        600_000, 0, 400_000)


def test_r9_the_county_releases_a_held_sketch_handed_in_two_years_earlier(bot: Bot) -> None:
    bot.concept()
    old = bot.submit(Betrag="500 €", today=date(2026, 2, 2))
    new = bot.submit(Betrag="700 €", today=date(2028, 2, 2))
    bot.session(date(2028, 9, 7), attend=None, today=date(2028, 2, 3))
    bot.decide(date(2028, 9, 7), f"{old} bewilligt\n{new} bewilligt")
    assert bot.balance("ADE", 2028)["held_cents"] == 120_000
    released = bot.must("kreis-1", "/bestaetigen ADE 07.09.2028", today=date(2028, 9, 8))
    assert "2 Beschlüsse (1.200,00 €)" in reply_text(released)
    assert {bot.application(n)["status"] for n in (old, new)} == {"approved"}
    balance = bot.balance("ADE", 2028)
    assert (balance["bound_cents"], balance["held_cents"]) == (120_000, 0)


def test_r9_what_was_still_held_at_the_year_end_is_not_booked_and_open_again(bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.session(MARCH_12, attend=None)
    bot.decide(MARCH_12, f"{number} bewilligt")
    close = bot.must("verwaltung", "/jahresabschluss 2026", today=date(2027, 1, 4))
    assert f"daher nicht gebucht und wieder offen (vertagt, R9): {number}" in reply_text(close)
    application = bot.application(number)
    assert (application["status"], application["approved_cents"]) == ("deferred", None)
    overview = reply_text(bot.must("kreis-1", "/saldo 2026", today=date(2027, 1, 5)))
    assert "ADE Adendorf: 0,00 € (gebunden 0,00 €)" in overview
    assert "-" not in overview.replace("Budget II", "")
    bot.refused("kreis-1", "/bestaetigen ADE 12.03.2026", "R9", today=date(2027, 1, 5))


# -- R10 ------------------------------------------------------------------------------------
def test_r10_a_veto_returns_the_money_and_tells_secretary_and_applicant(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    bot.decide(MARCH_12, f"{number} bewilligt 1.200 €")
    assert bot.balance()["available_cents"] == 880_000
    veto = bot.must("kreis-1", f"/veto {number} passt nicht zum Sozialraumkonzept",
                    today=date(2026, 3, 20))
    assert "Zurück im Budget: 1.200,00 €" in reply_text(veto)
    assert "Verfügbar für Adendorf 2026: 10.000,00 €" in reply_text(veto)
    assert sorted(n.recipient for n in veto.notifications) == [f"email:{APPLICANT}", "sek-ade"]
    told = {n.recipient: n.text for n in veto.notifications}
    assert "Der Betrag von 1.200,00 € steht wieder zur Verfügung (R10)." in told["sek-ade"]
    assert "Die Bewilligung ist damit aufgehoben (R10)." in told[f"email:{APPLICANT}"]
    assert "Verfügbar" not in told[f"email:{APPLICANT}"]  # the budget is not the applicant's
    assert bot.balance()["available_cents"] == 1_000_000
    application = bot.application(number)
    assert application["status"] == "vetoed"
    assert application["veto"]["by"] == "kreis-1"


def test_r10_a_veto_needs_a_reason_and_an_approval(bot: Bot) -> None:
    approved, rejected = ready(bot, "1.500 €", "900 €")
    bot.decide(MARCH_12, f"{approved} bewilligt\n{rejected} abgelehnt")
    refusal = bot.refused("kreis-1", f"/veto {approved}", "R10", today=date(2026, 3, 20))
    assert f"/veto {approved} <Begründung>" in reply_text(refusal)
    refusal = bot.refused("kreis-1", f"/veto {rejected} passt nicht", "R10",
                          today=date(2026, 3, 20))
    assert "(Stand: abgelehnt)" in reply_text(refusal)


# -- R11 ------------------------------------------------------------------------------------
def test_r11_an_approval_outvoted_two_to_five_is_refused(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    refusal = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt (ja 2, nein 5)",
                          "R11", today=MARCH_12)
    assert "Mit 2 Ja- und 5 Nein-Stimmen ist der Antrag nicht angenommen" in reply_text(refusal)


def test_r11_more_than_requested_is_refused(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    refusal = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt 1.800 €", "R11",
                          today=MARCH_12)
    assert "höchstens die beantragten 1.500,00 €, nicht 1.800,00 €" in reply_text(refusal)


def test_r11_a_rejection_with_a_yes_majority_is_refused(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} abgelehnt (ja 6, nein 1)", "R11",
                today=MARCH_12)


def test_r11_approved_in_part_rejected_and_deferred_are_booked_as_voted(bot: Bot) -> None:
    part, no, later = ready(bot, "1.500 €", "900 €", "700 €")
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{part} bewilligt 1.000 € (ja 7, "
                       f"nein 1, enthaltung 2)\n{no} abgelehnt (ja 1, nein 8)\n{later} vertagt",
                       today=MARCH_12)
    assert "bewilligt 1.000,00 € (von 1.500,00 €) (ja 7, nein 1, Enthaltung 2)" in reply_text(
        preview)
    bot.must("sek-ade", booking_command(preview), today=MARCH_12)
    statuses = {n: bot.application(n)["status"] for n in (part, no, later)}
    assert statuses == {part: "approved", no: "rejected", later: "deferred"}
    assert bot.application(part)["votes"] == {"yes": 7, "no": 1, "abstain": 2}
    assert bot.balance()["bound_cents"] == 100_000


def test_r11_results_typed_without_the_command_belong_to_the_session_just_held(bot: Bot) -> None:
    yes, no = ready(bot, "1.500 €", "900 €")
    preview = bot.must("sek-ade", f"Beschlüsse von heute Abend:\n{yes} bewilligt 1.500\n"
                       f"{no} abgelehnt\nViele Grüße, Anja", today=date(2026, 3, 13))
    text = reply_text(preview)
    assert text.startswith("Beschlüsse der Sitzung Adendorf am 12.03.2026:\n")
    assert f"{yes} „Projekt 1“: bewilligt 1.500,00 €" in text
    assert bot.balance()["bound_cents"] == 0  # a preview, nothing booked yet
    bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 13))
    assert bot.balance()["bound_cents"] == 150_000
    assert bot.application(no)["status"] == "rejected"


def test_r11_a_heading_with_a_date_names_the_session(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    preview = bot.must("sek-ade", f"Beschlüsse vom 12.03.:\n{number} bewilligt",
                       today=date(2026, 4, 20))
    assert reply_text(preview).startswith("Beschlüsse der Sitzung Adendorf am 12.03.2026:")


def test_r11_without_a_date_a_session_weeks_ago_is_not_guessed(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    refusal = bot.refused("sek-ade", f"/beschluss\n{number} bewilligt", None,
                          today=date(2026, 3, 27))
    assert "Bitte nennen Sie das Sitzungsdatum" in reply_text(refusal)


def test_r11_a_line_with_a_number_that_cannot_be_read_is_never_skipped(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    refusal = bot.refused("sek-ade", f"Beschlüsse:\n{number} bewilligt\n3 ok", "R11",
                          today=MARCH_12)
    assert "Die Zeile „3 ok“ verstehe ich nicht: es fehlt das Ergebnis" in reply_text(refusal)


def test_r11_only_a_secretary_reports_results_without_the_command(bot: Bot) -> None:
    (number,) = ready(bot, "1.500 €")
    for sender in ("kreis-1", APPLICANT):
        bot.refused(sender, f"{number} bewilligt", None, today=MARCH_12)


# -- R12 ------------------------------------------------------------------------------------
def test_r12_a_cofunding_line_is_stored_and_shown(bot: Bot) -> None:
    outcome = bot.must(APPLICANT, sketch(Kofinanzierung="Aktion Mensch, 5.000 €"),
                       today=date(2026, 2, 2))
    assert "Kofinanzierung (R12): Aktion Mensch, 5.000,00 €" in reply_text(outcome)
    assert bot.application("ADE-2026-001")["cofunding"] == {"funder": "Aktion Mensch",
                                                            "amount_cents": 500_000}
    secretary = [n for n in outcome.notifications if n.recipient == "sek-ade"]
    assert "Kofinanzierung (R12): Aktion Mensch, 5.000,00 €" in secretary[0].text


def test_r12_a_funder_without_amount_is_kept_too(bot: Bot) -> None:
    outcome = bot.must(APPLICANT, sketch(Kofinanzierung="Bürgerstiftung Lüneburg"),
                       today=date(2026, 2, 2))
    assert "Kofinanzierung (R12): Bürgerstiftung Lüneburg\n" in reply_text(outcome)
    assert bot.application("ADE-2026-001")["cofunding"] == {
        "funder": "Bürgerstiftung Lüneburg", "amount_cents": None}
