"""The county's overview produced from a year that went through the real core: ten conferences,
approvals, a rejection, a deferral, a veto, co-funding; every format agrees with the ledger."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from reports import render
from rules.conferences import LUENEBURG
from rules.money import format_cents
from tests.support.core import Bot
from tests.support.sheets import euros

MARCH_12 = date(2026, 3, 12)
TODAY = date(2026, 11, 25)


def _seeded_year(bot: Bot) -> None:
    for index, (code, name) in enumerate(LUENEBURG):
        secretary = f"sek-{code.lower()}"
        if code in ("ILM", "BAR"):  # like the seed: no concept yet, nothing bound
            continue
        bot.concept(secretary)
        numbers = [bot.submit(Sozialraum=name, Titel=f"Projekt {i} in {name}",
                              Betrag=f"{1000 + 250 * i + index} €",
                              Kofinanzierung="Aktion Mensch, 2.000 €" if i == 0 else None)
                   for i in range(4)]
        bot.session(MARCH_12, secretary=secretary)
        bot.decide(MARCH_12, f"{numbers[0]} bewilligt\n{numbers[1]} bewilligt 900 €\n"
                             f"{numbers[2]} abgelehnt\n{numbers[3]} vertagt",
                   secretary=secretary, today=date(2026, 3, 13))
    bot.must("kreis-1", "/veto ADE-2026-002 passt nicht zum Sozialraumkonzept",
             today=date(2026, 3, 20))


def test_every_format_agrees_with_the_ledger_of_a_real_year(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    _seeded_year(bot)
    export = bot.export()
    bound = {code: 0 for code, _ in LUENEBURG}
    for entry in export["ledger"]:
        if entry["kind"] == "commitment":
            bound[entry["conference"]] += entry["amount_cents"]
        elif entry["kind"] == "release":
            bound[entry["conference"]] -= entry["amount_cents"]
    total = sum(bound.values())
    assert bound["ILM"] == bound["BAR"] == 0
    assert total > 0

    _, _, xlsx = render(export, "xlsx", year=2026, conference=None, today=TODAY)
    sheet = load_workbook(io.BytesIO(xlsx))["Übersicht"]
    header_row = next(row for row in sheet.iter_rows() if "Gebunden" in [c.value for c in row])
    column = [c.value for c in header_row].index("Gebunden")
    header_at = header_row[0].row
    assert header_at is not None
    cells = {row[0].value: row[column] for row in sheet.iter_rows(min_row=header_at + 1)}
    for code, cents in bound.items():
        assert round(euros(cells[code].value) * 100) == cents, code
        assert "€" in cells[code].number_format

    _, _, raw_csv = render(export, "csv", year=2026, conference=None, today=TODAY)
    assert raw_csv.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig")), delimiter=";"))
    numbers = {a["number"] for a in export["applications"]}
    assert numbers <= {row[2] for row in rows if len(row) > 2}

    _, _, pdf = render(export, "pdf", year=2026, conference=None, today=TODAY)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert format_cents(total) in text
    assert "Stand: 25.11.2026" in text
    assert "Seite 1 von" in text

    _, content_type, png = render(export, "png", year=2026, conference=None, today=TODAY)
    assert content_type == "image/png"
    assert png.startswith(b"\x89PNG")
    bot.close()
