"""One county year as its people live it, through the real core: Adendorf from the concept in
January 2026 to a deferred autumn application decided in March 2027, in the people's own words
(Word forms, "Kosten", a misspelt social space, results typed on a phone, "Zusage", "Wieviel
Geld ist noch da?"), with the money checked to the cent at every step and in the reports of
both years. A second, shorter story: Ostheide's session without the county, held and released.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from handlers.messages import Outcome
from reports import render
from tests.support.core import CONCEPT, Bot, application_number, at, booking_command, reply_text
from tests.support.sheets import cents as cents_of

D = date
WORD_FORM = """Sehr geehrte Damen und Herren,

anbei unsere Projektskizze.

1. Antragsteller / Träger
Jugendförderverein Adendorf e.V.

2. Titel des Projekts
Ferienwerkstatt Holz

3. Ausgangslage
Viele Jugendliche verbringen die Sommerferien ohne Angebot.

4. Ziele des Projekts
Handwerkliche Fähigkeiten und Gemeinschaft.

5. Beschreibung der Maßnahme
Zwei Wochen Werkstatt in den Sommerferien mit Anleitung.

6. Kosten
2.400 €

7. Kofinanzierung
3.000 € Aktion Mensch (beantragt)

8. Sozialraum
Adendorff

Mit freundlichen Grüßen
Peter Müller"""


def sketch(title: str, applicant: str, amount: str, extra: str = "") -> str:
    return (f"/antrag\nSozialraum: Adendorf\nTräger: {applicant}\nTitel: {title}\n"
            "Ausgangslage: Es fehlt ein Angebot im Ortskern.\nZielsetzung: Teilhabe.\n"
            f"Maßnahme: Ein wöchentliches Angebot.\nKosten: {amount}{extra}")


def text(outcome: Outcome) -> str:
    return reply_text(outcome)


def available(bot: Bot, year: int = 2026) -> int:
    return bot.balance("ADE", year)["available_cents"]


def test_adendorf_from_concept_to_a_deferred_application_decided_next_march(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    bot.must("sek-ade", CONCEPT, today=D(2026, 1, 15))
    assert available(bot) == 1_000_000

    # February: a Word form with a misspelt social space comes back corrected, co-funding kept
    answer = text(bot.say("verein@example.org", WORD_FORM, today=D(2026, 2, 10)))
    assert "Meinten Sie Adendorf?" in answer
    form = answer.split("zum Zurückschicken:\n", 1)[1]
    assert "Kofinanzierung: 3.000 € Aktion Mensch (beantragt)" in form
    werkstatt = application_number(bot.must("verein@example.org", form, today=D(2026, 2, 11)))
    assert werkstatt == "ADE-2026-001"
    assert bot.application(werkstatt)["requested_cents"] == 240_000

    # the seniors write in words, then send only the lines the form asked for: both mails are
    # one sketch
    bot.refused("senioren@example.org", "Hallo, wir möchten einen Seniorentreff einrichten.\n"
                "Titel: Seniorentreff Mittagstisch\nTräger: Seniorenbeirat Adendorf\n"
                "Kosten: 1.800 €", "R4", today=D(2026, 2, 12))
    joined = bot.must("senioren@example.org", "Ausgangslage: Viele Ältere leben allein.\n"
                      "Zielsetzung: Begegnung.\nMaßnahme: Mittagstisch jeden Mittwoch.\n"
                      "Sozialraum: Adendorf", today=D(2026, 2, 13))
    assert "Ihre Angaben vom 12.02.2026 habe ich mit dieser Nachricht zusammengeführt." in (
        text(joined))
    treff = application_number(joined)
    stand = text(bot.must("senioren@example.org", "Wie ist der Stand unseres Antrags?",
                          today=D(2026, 2, 20)))
    assert f"{treff} Seniorenbeirat Adendorf: „Seniorentreff Mittagstisch“, 1.800,00 € – " \
        "eingereicht" in stand

    # the day-care centre sends its sketch twice: one application
    kita = sketch("Sprachförderung", "Kita Sonnenschein", "1.500,00 €", "\nKofinanzierung: keine")
    sprache = application_number(bot.must("kita@example.org", kita, today=D(2026, 3, 1)))
    again = bot.must("kita@example.org", kita, today=D(2026, 3, 2))
    assert again.application_number == sprache
    assert "schon eingereicht" in text(again)
    trommel = application_number(bot.must(
        "musik@example.org", sketch("Trommelgruppe", "Musikschule Nord", "900 €"),
        today=D(2026, 3, 3)))
    lesen = application_number(bot.must(
        "lesen@example.org", sketch("Lesepaten", "Bücherei Adendorf", "700 €"),
        today=D(2026, 3, 4)))

    # sessions as the secretary writes them; the county answers in words
    plain = text(bot.must("sek-ade", "Sitzung am Do, 5.11. um 19 Uhr im Rathaus",
                          today=D(2026, 3, 5)))
    assert "05.11.2026, 19:00 Uhr" in plain
    assert "Budget II" in plain
    bot.must("sek-ade", "/sitzung 23.04.2026 19:00 Uhr Ort Rathaus Adendorf, Budget II",
             today=D(2026, 3, 5))
    assert "Teilnahme" in text(bot.must("kreis-1", "Ich nehme teil", today=D(2026, 3, 6)))
    assert "verhindert" in text(bot.must("kreis-2", "bin leider verhindert", today=D(2026, 3, 6)))

    # the music school withdraws in its own words, then with the line it is given
    asked = text(bot.say("musik@example.org", "Wir ziehen unseren Antrag zurück, die "
                         "Musikschule hat keine Zeit.", today=D(2026, 4, 17)))
    assert f"/zurueckziehen {trommel}" in asked
    bot.must("musik@example.org", f"/zurueckziehen {trommel}", today=D(2026, 4, 17))
    assert bot.application(trommel)["status"] == "withdrawn"
    agenda = text(bot.must("sek-ade", "/tagesordnung", today=D(2026, 4, 16)))
    assert werkstatt in agenda
    assert trommel not in agenda

    # the evening of the session: results typed on the phone, one message at a time
    bot.must("sek-ade", "ADE-2026-001 einstimmig angenommen 1.200", today=D(2026, 4, 23))
    bot.must("sek-ade", "005 abgelehnt", today=D(2026, 4, 23))
    preview = bot.must("sek-ade", "ADE-2026-003 zurückgestellt", today=D(2026, 4, 23))
    assert "Zu binden: 1.200,00 €. Danach verfügbar: 8.800,00 €." in text(preview)
    booked = bot.must("sek-ade", booking_command(preview), today=D(2026, 4, 23))
    assert "Verfügbar für Adendorf 2026: 8.800,00 €." in text(booked)
    assert [bot.application(n)["status"] for n in (werkstatt, sprache, lesen)] == \
        ["approved", "deferred", "rejected"]
    assert available(bot) == 880_000
    assert bot.say("lesen@example.org", "Vielen Dank für die Rückmeldung!",
                   today=D(2026, 4, 24)).replies[0].text.startswith("Gern geschehen!")

    assert bot.application(treff)["status"] == "submitted"  # still waiting for its session

    # autumn: the Budget II session is set on the date noted in March, then moved
    sport = application_number(bot.must(
        "sport@example.org", sketch("Bewegung für Kinder", "TSV Adendorf", "3.000 €"),
        today=D(2026, 9, 1)))
    bot.must("sek-ade", "/sitzung 05.11.2026 19 Uhr Ort Rathaus Budget II", today=D(2026, 9, 10))
    moved = text(bot.must("sek-ade", "Sitzung verschoben auf 19.11.", today=D(2026, 9, 20)))
    assert "vom 05.11.2026, 19:00 Uhr auf den 19.11.2026, 19:00 Uhr" in moved
    bot.must("kreis-1", "Zusage", today=D(2026, 9, 21))
    bot.must("kreis-2", "Ich nehme teil", today=D(2026, 9, 21))
    preview = bot.must("sek-ade", f"{treff} bewilligt 1.800 (6 ja, 0 nein, 1 Enthaltung)\n"
                       f"{sprache} einstimmig bewilligt 1.500\n{sport} zurückgestellt",
                       today=D(2026, 11, 19))
    assert "am 19.11.2026" in text(preview)
    bot.must("sek-ade", booking_command(preview), today=D(2026, 11, 19))
    saldo = text(bot.must("sek-ade", "Wieviel Geld ist noch da?", today=D(2026, 11, 20)))
    assert "Gebunden: 4.500,00 €" in saldo
    assert "Verfügbar: 5.500,00 €" in saldo

    # the minutes say 1.300 €: a correction with its reason, booked with its code
    bot.refused("sek-ade", f"/korrektur {sprache} bewilligt 1.300 €", "R11",
                today=D(2026, 11, 23))
    fix = bot.must("sek-ade", f"/korrektur {sprache} bewilligt 1.300 € Grund: Laut Protokoll "
                   "wurden 1.300 € beschlossen", today=D(2026, 11, 23))
    bot.must("sek-ade", booking_command(fix), today=D(2026, 11, 23))
    assert bot.application(sprache)["approved_cents"] == 130_000
    assert available(bot) == 570_000

    # the county vetoes the lunch table: the money returns
    bot.must("kreis-1", f"/veto {treff} Der Mittagstisch wird schon von der Gemeinde bezahlt",
             today=D(2026, 11, 25))
    assert bot.application(treff)["status"] == "vetoed"
    assert available(bot) == 750_000
    assert bot.balance("ADE", 2026)["bound_cents"] == 250_000

    # the turn of the year: 7.500 € move once; the deferred sketch stays on the list
    bot.must("verwaltung", "/jahresabschluss 2026", today=D(2027, 1, 4))
    closed = bot.balance("ADE", 2026)
    assert (closed["carried_out_cents"], closed["lapsed_cents"]) == (750_000, 0)
    assert available(bot, 2027) == 1_750_000
    assert sport in text(bot.must("sek-ade", "/antraege", today=D(2027, 1, 5)))

    # March 2027: the deferred application is decided, its money bound in 2027
    bot.must("sek-ade", "/sitzung 11.03.2027 18:30 Ort Rathaus, Budget II", today=D(2027, 1, 10))
    bot.must("kreis-1", "Zusage", today=D(2027, 1, 11))
    assert sport in text(bot.must("sek-ade", "/tagesordnung", today=D(2027, 3, 4)))
    preview = bot.must("sek-ade", f"{sport} bewilligt 2.500 (5 ja, 2 nein, 0 Enthaltungen)",
                       today=D(2027, 3, 11))
    bot.must("sek-ade", booking_command(preview), today=D(2027, 3, 11))
    saldo = text(bot.must("sek-ade", "Wieviel Geld ist noch da?", today=D(2027, 3, 12)))
    assert "Verfügbar: 15.000,00 €" in saldo
    assert "verfallen am 31.12.2027, wenn nicht gebunden: 5.000,00 €" in saldo
    assert "bewilligt 2.500,00 €" in text(bot.must("sport@example.org",
                                                   "Wie ist der Stand unseres Antrags?",
                                                   today=D(2027, 3, 12)))

    # the reports: each approval in the year whose money it bound; rows add up to the totals
    export = bot.core.export(at(D(2027, 3, 20)))
    # the deferred one is also on 2026's list, as deferred with nothing bound there
    expected = {2026: ({werkstatt: 120_000, sprache: 130_000}, {treff, lesen, sport}, 250_000),
                2027: ({sport: 250_000}, set(), 250_000)}
    withdrawn = {2026: {trommel}, 2027: set()}
    for year, (approved, others, bound) in expected.items():
        _, _, raw = render(export, "json", year=year, conference="ADE", today=D(2027, 3, 20))
        assert json.loads(raw)  # readable
        _, _, raw_csv = render(export, "csv", year=year, conference="ADE", today=D(2027, 3, 20))
        rows = [r for r in csv.reader(io.StringIO(raw_csv.decode("utf-8-sig")), delimiter=";")
                if len(r) > 6 and r[2].startswith("ADE-")]
        shown = {r[2]: r[6] for r in rows}
        assert ("vertagt" in next(r for r in rows if r[2] == sport)) == (year == 2026)
        assert set(shown) == set(approved) | others | withdrawn[year], shown
        cents = {n: round(float(v.replace(".", "").replace(",", ".")) * 100)
                 for n, v in shown.items() if v}
        assert cents == approved
        assert sum(cents.values()) == bound == bot.balance("ADE", year)["bound_cents"]
        _, _, xlsx = render(export, "xlsx", year=year, conference=None, today=D(2027, 3, 20))
        sheet = load_workbook(io.BytesIO(xlsx))["Übersicht"]
        header = next(r for r in sheet.iter_rows() if "Gebunden" in [c.value for c in r])
        column = [c.value for c in header].index("Gebunden")
        header_at = header[0].row
        assert header_at is not None
        ade = next(r for r in sheet.iter_rows(min_row=header_at + 1) if r[0].value == "ADE")
        assert cents_of(ade[column].value) == bound
        _, _, pdf = render(export, "pdf", year=year, conference="ADE", today=D(2027, 3, 20))
        pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert sport in pdf_text
        assert "2.500,00 €" in pdf_text
    bot.close()


def test_ostheide_without_the_county_is_held_and_released_by_words_and_command(
        tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    warned = text(bot.must("sek-ost", "/sitzung 15.10.2026 18 Uhr Ort Dorfgemeinschaftshaus, "
                           "Budget II", today=D(2026, 9, 1)))
    assert "Achtung R5" in warned
    bot.must("sek-ost", CONCEPT, today=D(2026, 9, 2))
    asked = text(bot.say("familie@example.org", sketch("Eltern-Kind-Frühstück",
                                                       "Familienzentrum", "600 €")
                         .replace("Adendorf", "Osthiede"), today=D(2026, 9, 3)))
    assert "Meinten Sie Ostheide?" in asked
    number = application_number(bot.must(
        "familie@example.org", asked.split("zum Zurückschicken:\n", 1)[1], today=D(2026, 9, 3)))
    bot.must("kreis-1", "Absage, bin im Urlaub", today=D(2026, 9, 5))
    both = bot.must("kreis-2", "Ich kann leider nicht", today=D(2026, 9, 5))
    assert any("verschoben auf" in n.text for n in both.notifications)
    preview = bot.must("sek-ost", f"{number} einstimmig bewilligt", today=D(2026, 10, 15))
    held = bot.say("sek-ost", booking_command(preview), today=D(2026, 10, 15))
    assert held.rule == "R9"
    assert bot.balance("OST")["available_cents"] == 1_000_000
    late = bot.say("kreis-1", "Ich nehme teil", today=D(2026, 10, 16))
    assert "/bestaetigen OST 15.10.2026" in text(late)
    bot.must("kreis-1", "/bestaetigen OST 15.10.2026", today=D(2026, 10, 16))
    assert bot.balance("OST")["available_cents"] == 940_000
    assert bot.application(number)["approved_cents"] == 60_000
    bot.close()
