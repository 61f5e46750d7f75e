"""An application's life across the year and around the vote, through the real Core.

Open applications survive the turn of the year; a decision is taken only where it could have
been taken; a sketch is frozen once a preview lists it; an allotment lowered below what is bound
shows as a shortfall.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import orjson
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import render
from tests.support.core import APPLICANT, Bot, at, booking_command, reply_text
from tests.support.sheets import euros

SEPT_10 = date(2026, 9, 10)
MARCH_11 = date(2027, 3, 11)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


def _deferred_in_september(bot: Bot) -> str:
    number = bot.submit(Betrag="2.000 €", Titel="Lesepaten im Ortskern",
                        today=date(2026, 8, 20))
    bot.session(SEPT_10, today=date(2026, 8, 1))
    bot.decide(SEPT_10, f"{number} vertagt")
    return number


# -- open applications survive the turn of the year -------------------------------------------
def test_deferred_in_september_is_on_the_list_and_agenda_of_the_new_year(bot: Bot) -> None:
    number = _deferred_in_september(bot)
    closed = bot.run_due_reminders(at(date(2027, 1, 1), 0, 30))  # 2026 closes by itself
    (to_secretary,) = [n for n in closed if n.recipient == "sek-ade"]
    assert f"sie bleiben 2027 auf der Tagesordnung: {number}." in to_secretary.text

    listed = reply_text(bot.must("sek-ade", "/antraege", today=date(2027, 1, 5)))
    assert f"{number} Kita Sonnenschein: „Lesepaten im Ortskern“" in listed
    assert "vertagt" in listed
    registered = bot.must("sek-ade", f"/sitzung {MARCH_11:%d.%m.%Y} 18:30 Rathaus, Budget II",
                          today=date(2027, 1, 5))
    assert "Offene Anträge auf der Tagesordnung: 1." in reply_text(registered)
    alerts = [n for n in registered.notifications if n.kind == "session_alert"]
    assert alerts
    assert all(n.event and n.event.agenda == (f"{number} Lesepaten im Ortskern",)
                          for n in alerts)
    assert all(f"• {number} Lesepaten im Ortskern" in n.text for n in alerts)
    # ... and on the reminder a week before the session
    bot.must("kreis-1", f"/anwesend ADE {MARCH_11:%d.%m.%Y}", today=date(2027, 1, 6))
    reminders = bot.run_due_reminders(at(date(2027, 3, 4), 9))
    assert [n.event.agenda for n in reminders if n.event] == [
        (f"{number} Lesepaten im Ortskern",)]


def test_deferred_in_september_approved_in_march_shows_in_2027_in_every_format(
        bot: Bot) -> None:
    number = _deferred_in_september(bot)
    december = bot.submit(Betrag="700 €", Titel="Adventsbasteln", today=date(2026, 12, 10))
    bot.run_due_reminders(at(date(2027, 1, 1), 0, 30))
    bot.session(MARCH_11, today=date(2027, 1, 5))
    booked = bot.decide(MARCH_11, f"{number} bewilligt 1.800 €\n{december} abgelehnt")
    assert "gebunden 1.800,00 €" in reply_text(booked)
    assert "Verfügbar für Adendorf 2027: 18.200,00 €." in reply_text(booked)  # with 2026's carry

    listed = reply_text(bot.must("kreis-1", "/antraege ADE 2027", today=date(2027, 4, 1)))
    assert f"{number} Kita Sonnenschein: „Lesepaten im Ortskern“, 2.000,00 €, bewilligt " \
           "1.800,00 € – bewilligt" in listed  # decided in 2027, whatever year it came in
    export = bot.export(at(date(2027, 4, 1)))
    row = next(a for a in export["applications"] if a["number"] == number)
    assert (row["year"], row["budget_year"], row["status"]) == (2026, 2027, "approved")
    assert bot.balance("ADE", 2026)["bound_cents"] == 0
    assert bot.balance("ADE", 2027)["bound_cents"] == 180_000

    def overview(fmt: str, year: int) -> bytes:
        return render(export, fmt, year=year, conference="ADE", today=date(2027, 4, 1))[2]

    # 2026 lists it as deferred in September, with nothing bound; 2027 as approved
    for year, bound, numbers in ((2026, 0, {number}), (2027, 180_000, {number, december})):
        data = json.loads(overview("json", year))
        (conf,) = data["conferences"]
        rows = {a["number"]: a for a in conf["applications"]}
        assert numbers <= set(rows), year
        assert rows[number]["status"] == ("approved" if bound else "deferred"), year
        assert conf["bound_cents"] == bound == conf["approved_cents"], year
        assert sum(a["approved_cents"] or 0 for a in conf["applications"]
                   if a["status"] == "approved") == bound

        table = list(csv.reader(io.StringIO(overview("csv", year).decode("utf-8-sig")),
                               delimiter=";"))
        header = table[0]
        approved = [r for r in table[1:] if len(r) == len(header) and r[0] == "ADE"
                    and r[header.index("Status")] == "bewilligt"]
        assert [r[2] for r in approved] == ([number] if bound else [])
        column = header.index("Bewilligt")
        assert sum(_cents(r[column]) for r in approved) == bound

        sheet = load_workbook(io.BytesIO(overview("xlsx", year)))
        cells = [[c.value for c in r] for ws in sheet.worksheets[1:]
                 if ws.title != "Projektskizzen" for r in ws.iter_rows()]
        header_row = next(r for r in cells if "Bewilligt" in r)
        rows_of_numbers = [r for r in cells if str(r[0]).startswith("ADE-")]
        assert number in {r[0] for r in rows_of_numbers}
        bewilligt = header_row.index("Bewilligt")
        assert round(sum(euros(r[bewilligt] or 0) for r in rows_of_numbers) * 100) == bound
        pages = PdfReader(io.BytesIO(overview("pdf", year))).pages
        pdf = "\n".join(page.extract_text() for page in pages)
        assert number in pdf
        assert f"Gebunden {_euros(bound)}" in pdf
        assert overview("png", year).startswith(b"\x89PNG")


def _cents(text: str) -> int:
    return int(text.replace(".", "").replace(",", "").replace("€", "").strip() or 0)


def _euros(cents: int) -> str:
    from rules.money import format_cents

    return format_cents(cents)


def test_an_older_data_directory_gets_its_index_of_open_applications(bot: Bot) -> None:
    number = _deferred_in_september(bot)
    bot.close()
    path = bot.config.data_dir / "global.json"
    data = orjson.loads(path.read_bytes())
    data.pop("undecided", None)
    data.pop("meta", None)
    path.write_bytes(orjson.dumps(data))
    bot.core = type(bot.core).open(bot.config)
    listed = reply_text(bot.must("kreis-1", "/antraege ADE", today=date(2027, 1, 5)))
    assert number in listed


def test_a_held_decision_reopened_at_the_close_is_told_to_the_applicant(bot: Bot) -> None:
    number = bot.submit(Betrag="1.000 €", today=date(2026, 8, 20))
    bot.session(SEPT_10, today=date(2026, 8, 1), attend=None)
    held = bot.decide(SEPT_10, f"{number} bewilligt")
    assert reply_text(held).startswith("R9:")
    made = bot.run_due_reminders(at(date(2027, 1, 1), 0, 30))
    told = [n for n in made if n.recipient == f"email:{APPLICANT}"]
    assert len(told) == 1
    assert told[0].application_number == number
    assert "vom Landkreis bis zum Jahresabschluss 2026 nicht bestätigt (R9)" in told[0].text
    assert "wieder offen (vertagt)" in told[0].text
    assert bot.application(number)["status"] == "deferred"
    listed = reply_text(bot.must("sek-ade", "/antraege", today=date(2027, 1, 5)))
    assert f"{number} Kita Sonnenschein" in listed


# -- a decision is taken only where it could have been taken ---------------------------------
def test_a_decision_for_an_application_handed_in_after_the_session_is_refused_r8(
        bot: Bot) -> None:
    bot.session(SEPT_10, today=date(2026, 8, 1))
    early = bot.submit(today=date(2026, 9, 1))
    late = bot.submit(today=date(2026, 10, 1), Titel="Herbstferienprogramm")
    refusal = bot.refused("sek-ade", f"/beschluss 10.09.2026\n{early} bewilligt\n{late} bewilligt",
                          "R8", today=date(2026, 10, 2))
    text = reply_text(refusal)
    assert f"{late} ist erst am 01.10.2026 eingegangen, nach der Sitzung am 10.09.2026" in text
    assert "nächste Budget-II-Sitzung" in text
    assert early not in text
    assert bot.application(late)["status"] == "submitted"


def test_a_sketch_changed_after_the_preview_is_not_booked_and_the_secretary_is_told(
        bot: Bot) -> None:
    number = bot.submit(Betrag="1.500 €", today=date(2026, 9, 1))
    bot.session(SEPT_10, today=date(2026, 8, 1))
    preview = bot.must("sek-ade", f"/beschluss 10.09.2026\n{number} bewilligt", today=SEPT_10)
    changed = bot.must(APPLICANT, f"/antrag {number}\nBetrag: 2.500 €\nMaßnahme: Zwei Gruppen",
                       today=date(2026, 9, 11))
    assert "schon abgestimmt, über die frühere Fassung" in reply_text(changed)
    (told,) = [n for n in changed.notifications if n.recipient == "sek-ade"]
    assert "Betrag: 1.500,00 € → 2.500,00 €" in told.text
    assert "Maßnahme: Wöchentliche Sprachgruppe mit einer Fachkraft. → Zwei Gruppen" in told.text
    assert f"Der Code {booking_command(preview).split()[1]} gilt nicht mehr" in told.text

    refusal = bot.refused("sek-ade", booking_command(preview), "R11", today=date(2026, 9, 11))
    assert "nach Ihrer Vorschau geändert" in reply_text(refusal)
    assert bot.balance()["bound_cents"] == 0
    # the secretary sends the vote again, on the sketch as it is now
    again = bot.decide(SEPT_10, f"{number} bewilligt 1.500 €", today=date(2026, 9, 12))
    assert "gebunden 1.500,00 €" in reply_text(again)


def test_a_secretary_who_changes_a_previewed_sketch_herself_is_told_the_code_is_void(
        bot: Bot) -> None:
    number = bot.submit(Betrag="1.500 €", today=date(2026, 9, 1))
    bot.session(SEPT_10, today=date(2026, 8, 1))
    preview = bot.must("sek-ade", f"/beschluss 10.09.2026\n{number} bewilligt", today=SEPT_10)
    code = booking_command(preview).split()[1]
    changed = bot.must("sek-ade", f"/antrag {number}\nTitel: Sprachgruppe am Nachmittag",
                       today=SEPT_10)
    assert f"R11: Der Code {code} gilt damit nicht mehr" in reply_text(changed)
    bot.refused("sek-ade", f"/buchen {code}", "R11", today=SEPT_10)


def test_a_change_to_a_deferred_sketch_is_shown_to_the_secretary(bot: Bot) -> None:
    number = _deferred_in_september(bot)
    changed = bot.must(APPLICANT, f"/antrag {number}\nBetrag: 1.200 €", today=date(2026, 9, 20))
    (told,) = [n for n in changed.notifications if n.recipient == "sek-ade"]
    assert told.kind == "application_changed"
    assert f"Der vertagte Antrag {number}" in told.text
    assert "Betrag: 2.000,00 € → 1.200,00 €" in told.text
    assert "Geschäftsführung mitgeteilt" in reply_text(changed)
    same = bot.must(APPLICANT, f"/antrag {number}\nBetrag: 1.200 €", today=date(2026, 9, 21))
    assert not same.notifications  # nothing changed, nothing to tell
    # a session after the change decides on the new version; one before it is warned of it
    preview = bot.must("sek-ade", f"/beschluss 10.09.2026\n{number} bewilligt",
                       today=date(2026, 9, 22))
    assert (f"Achtung: {number} wurde am 20.09.2026 geändert, nach der Sitzung"
            in reply_text(preview))


# -- an allotment lowered below what is bound ---------------------------------------------------
def test_a_lowered_allotment_shows_in_every_report_with_its_shortfall(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    bot.concept()
    number = bot.submit(Betrag="9.000 €")
    bot.session(date(2026, 3, 12))
    bot.decide(date(2026, 3, 12), f"{number} bewilligt")
    bot.close()
    bot.config_path.write_text(bot.config_path.read_text(encoding="utf-8")
                               + '\n[budget.allotments.2026]\nADE = "5.000,00 €"\n',
                               encoding="utf-8")
    bot = Bot(tmp_path)
    try:
        made = bot.run_due_reminders(at(date(2026, 4, 1), 9))  # the scheduler after the restart
        assert [(n.recipient, n.text[:50]) for n in made] == [
            ("verwaltung", "Achtung R3: Die Zuweisung Adendorf 2026 steht in d")]
        assert not bot.run_due_reminders(at(date(2026, 4, 2), 9))  # once
        report = bot.must("verwaltung", "/bericht 2026 json", today=date(2026, 4, 1))
        data = json.loads(report.replies[0].documents[0].data)
        (ade,) = [c for c in data["conferences"] if c["code"] == "ADE"]
        assert (ade["allotment_cents"], ade["bound_cents"], ade["shortfall_cents"],
                ade["available_cents"]) == (500_000, 900_000, 400_000, 0)
        assert any("Fehlbetrag 4.000,00 €" in w for w in data["warnings"])
        export = bot.export(at(date(2026, 4, 1)))
        raw_csv = render(export, "csv", year=2026, conference=None, today=date(2026, 4, 1))[2]
        assert "Fehlbetrag (R3)" in raw_csv.decode("utf-8-sig")
        pdf = render(export, "pdf", year=2026, conference="ADE", today=date(2026, 4, 1))[2]
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Zuweisung 5.000,00 €" in text
        assert "Fehlbetrag 4.000,00 €" in text
        xlsx = render(export, "xlsx", year=2026, conference=None, today=date(2026, 4, 1))[2]
        values = [c.value for r in load_workbook(io.BytesIO(xlsx))["Übersicht"].iter_rows()
                  for c in r]
        assert "Fehlbetrag (R3)" in values
        assert any(isinstance(v, str) and v.startswith("Achtung R3: Adendorf") for v in values)
        # a new approval cannot bind what is not there (R3)
        other = bot.submit(Betrag="100 €", today=date(2026, 4, 1))
        bot.session(date(2026, 9, 10), today=date(2026, 4, 1))
        bot.refused("sek-ade", f"/beschluss 10.09.2026\n{other} bewilligt", "R3",
                    today=date(2026, 9, 10))
    finally:
        bot.close()


def test_open_applications_are_found_without_opening_every_years_file(tmp_path: Path) -> None:
    """Five years of history; one sketch of 2023 still deferred. Setting a session in 2026
    reads this year's file and the light copies of last year and 2023 (for the deferred
    sketch), not 2021, 2022 or 2024, nor the whole file of 2025 or 2023."""
    bot = Bot(tmp_path)
    bot.concept(today=date(2021, 1, 10))
    for year in range(2021, 2026):
        number = bot.submit(today=date(year, 2, 1), Titel=f"Projekt {year}")
        bot.session(date(year, 3, 11), today=date(year, 2, 3))
        bot.decide(date(year, 3, 11), f"{number} {'vertagt' if year == 2023 else 'abgelehnt'}")
        bot.run_due_reminders(at(date(year + 1, 1, 1), 0, 30))
    bot.reopen()
    try:
        registered = bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Rathaus, Budget II",
                              today=date(2026, 2, 3))
        agendas = {n.event.agenda for n in registered.notifications if n.event}
        assert agendas == {("ADE-2023-001 Projekt 2023",)}
        opened = set(bot.core.store.partitions.opened)  # the files read since the restart
        assert opened == {"global", "2026"}
    finally:
        bot.close()
