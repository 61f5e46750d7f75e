"""The county overview in every format, from a seeded export of Landkreis Lüneburg.

The fixture (tests/fixtures/export_lueneburg.json) holds 2025, closed with carry-over and lapse,
and 2026, open, with 63 applications in ten conferences binding 100.031,00 € — the seed's figure;
Ilmenau and Bardowick bind nothing. Every figure a report shows is checked against the ledger.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reports import FORMATS, ReportError, build_overview, render
from reports.overview import STATUS_LABELS
from tests.support.sheets import cents, euros

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "export_lueneburg.json"
if TYPE_CHECKING:
    from openpyxl import Workbook
    from PIL.Image import Image

TODAY = date(2026, 11, 25)
CODES = ["ADE", "AML", "BAR", "BLE", "DAH", "GEL", "ILM", "NEU", "OST", "SCH"]
GERMAN_AMOUNT = re.compile(r"^\d{1,3}(\.\d{3})*,\d{2}$")


@pytest.fixture(scope="module")
def export() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def ledger_figures(export: dict, year: int) -> dict[str, dict[str, int]]:
    """Each conference's money in `year`, summed from the ledger alone."""
    sums: dict[str, Counter] = {code: Counter() for code in CODES}
    for entry in export["ledger"]:
        if entry["year"] == year:
            sums[entry["conference"]][entry["kind"]] += entry["amount_cents"]
    figures = {}
    for code, s in sums.items():
        bound = s["commitment"] - s["release"]
        figures[code] = {
            "allotment_cents": s["allotment"],
            "carried_in_cents": s["carry_in"],
            "bound_cents": bound,
            "lapsed_cents": s["lapse"],
            "carried_out_cents": s["carry_out"],
            "available_cents": s["allotment"] + s["carry_in"] - bound - s["lapse"] - s["carry_out"],
        }
    return figures


def county_total(figures: dict[str, dict[str, int]], key: str) -> int:
    return sum(f[key] for f in figures.values())


def euro_text(cents: int) -> str:
    """The German amount as the reports must show it, written out independently here."""
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", ".") + f",{rest:02d}"


def parse_german(text: str) -> int:
    """ "12.960,00" -> 1296000 cents."""
    assert GERMAN_AMOUNT.match(text), text
    euros, cents = text.replace(".", "").split(",")
    return int(euros) * 100 + int(cents)


# --- the seeded year itself -------------------------------------------------------------------


def test_seeded_year_is_consistent_with_its_ledger(export: dict) -> None:
    figures = ledger_figures(export, 2026)
    balances = {b["conference"]: b for b in export["balances"] if b["year"] == 2026}
    for code in CODES:
        for key, value in figures[code].items():
            assert balances[code][key] == value, (code, key)
    apps = [a for a in export["applications"] if a["year"] == 2026]
    assert len(apps) == 63
    assert {a["status"] for a in apps} == set(STATUS_LABELS) - {"withdrawn", "erased"}  # newer
    assert county_total(figures, "bound_cents") == 10_003_100
    assert figures["ILM"]["bound_cents"] == figures["BAR"]["bound_cents"] == 0


# --- the overview -----------------------------------------------------------------------------


def test_overview_lists_every_application_of_the_year_with_its_german_status(
    export: dict,
) -> None:
    overview = build_overview(export, 2026)
    numbers = [row.number for row in overview.applications]
    expected = sorted(a["number"] for a in export["applications"] if a["year"] == 2026)
    assert sorted(numbers) == expected
    assert [c.code for c in overview.conferences] == CODES
    labels = {row.status_label for row in overview.applications}
    assert labels == {
        "eingereicht",
        "unvollständig",
        "bewilligt",
        "abgelehnt",
        "vertagt",
        "zurückgehalten",
        "Veto",
    }


def test_overview_figures_and_county_total_equal_the_ledger(export: dict) -> None:
    for year in (2025, 2026):
        overview = build_overview(export, year)
        figures = ledger_figures(export, year)
        for conf in overview.conferences:
            for key, value in figures[conf.code].items():
                assert getattr(conf.figures, key) == value, (year, conf.code, key)
        for key in figures["ADE"]:
            assert getattr(overview.total, key) == county_total(figures, key)
        assert overview.total.total_cents == sum(
            f.allotment_cents + f.carried_in_cents
            for f in (c.figures for c in overview.conferences)
        )


def test_approved_column_adds_up_to_what_is_bound(export: dict) -> None:
    overview = build_overview(export, 2026)
    for conf in overview.conferences:
        assert conf.approved_cents == conf.figures.bound_cents, conf.code
    assert overview.approved_cents == 10_003_100


def test_vetoed_and_held_decisions_bind_nothing_and_say_why(export: dict) -> None:
    rows = {row.number: row for row in build_overview(export, 2026).applications}
    vetoed = rows["ADE-2026-004"]
    assert vetoed.status_label == "Veto"
    assert vetoed.bound_cents is None
    assert vetoed.remark.startswith("Veto (R10): Allgemeine Jugendpflege (R6)")
    assert "2.000,00 € zurückgebucht" in vetoed.remark
    held = rows["SCH-2026-005"]
    assert held.bound_cents is None
    assert (
        held.remark == "Beschluss über 1.000,00 € wartet auf Bestätigung durch den Landkreis (R9)."
    )
    cofunded = rows["BLE-2026-001"]
    assert (cofunded.cofunding_funder, cofunded.cofunding_cents) == ("Aktion Mensch", 1_500_000)
    assert rows["ADE-2026-001"].session_date == date(2026, 3, 12)


@pytest.mark.parametrize("asked", ["ADE", "ade", "Adendorf", " adendorf "])
def test_one_conference_by_code_or_name(export: dict, asked: str) -> None:
    overview = build_overview(export, 2026, asked)
    assert [c.code for c in overview.conferences] == ["ADE"]
    assert overview.total.bound_cents == 1_325_000
    assert len(overview.applications) == 9


def test_conference_without_a_balance_that_year_shows_zero(export: dict) -> None:
    trimmed = copy.deepcopy(export)
    trimmed["balances"] = [
        b for b in trimmed["balances"] if not (b["year"] == 2026 and b["conference"] == "ILM")
    ]
    overview = build_overview(trimmed, 2026)
    ilm = next(c for c in overview.conferences if c.code == "ILM")
    assert ilm.figures.total_cents == 0
    assert len(ilm.applications) == 4


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_unconfigured_conference_and_empty_year_still_render(export: dict, fmt: str) -> None:
    """Money booked under a code that is no longer configured is shown, never dropped."""
    odd = copy.deepcopy(export)
    odd["conferences"] = [c for c in odd["conferences"] if c["code"] != "SCH"]
    overview = build_overview(odd, 2026)
    assert overview.conferences[-1].code == overview.conferences[-1].name == "SCH"
    assert overview.total.bound_cents == 10_003_100
    assert len(overview.applications) == 63
    render(odd, fmt, year=2026, conference=None, today=TODAY)
    empty: dict[str, object] = {"county": "Landkreis Lüneburg", "conferences": [],
                                "applications": []}
    empty["balances"] = [{"conference": "ADE", "year": 2027, "allotment_cents": 0}]
    _, _, data = render(empty, fmt, year=2027, conference=None, today=TODAY)
    assert data


@pytest.mark.parametrize(
    ("fmt", "year", "conference", "message"),
    [
        ("docx", 2026, None, "Das Format „docx“ kenne ich nicht. Möglich sind: xlsx, csv, pdf"),
        ("pdf", 2031, None, "Für das Jahr 2031 liegen keine Zahlen vor. Vorhanden sind: 2025"),
        ("pdf", 2026, "Lüneburg", "Den Sozialraum „Lüneburg“ kenne ich nicht. Bekannt sind: ADE"),
    ],
)
def test_unknown_format_year_or_conference_is_refused_in_german(
    export: dict, fmt: str, year: int, conference: str | None, message: str
) -> None:
    with pytest.raises(ReportError, match=re.escape(message)) as refused:
        render(export, fmt, year=year, conference=conference, today=TODAY)
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_render_names_the_file_and_its_type(export: dict, fmt: str) -> None:
    name, content_type, data = render(export, fmt.upper(), year=2026, conference=None, today=TODAY)
    assert name == f"antragsuebersicht-2026.{fmt}"
    assert content_type == FORMATS[fmt]
    assert len(data) > 1000
    name, _, _ = render(export, fmt, year=2026, conference="neu", today=TODAY)
    assert name == f"antragsuebersicht-2026-NEU.{fmt}"


# --- JSON -------------------------------------------------------------------------------------


def test_json_keeps_cents_as_integers_and_totals_equal_the_ledger(export: dict) -> None:
    _, _, data = render(export, "json", year=2026, conference=None, today=TODAY)
    doc = json.loads(data)
    figures = ledger_figures(export, 2026)
    assert doc["schema"] == "sozialbot-overview/1"
    assert doc["as_of"] == "2026-11-25"
    for conf in doc["conferences"]:
        for key, value in figures[conf["code"]].items():
            assert conf[key] == value
    assert doc["total"]["bound_cents"] == 10_003_100
    assert doc["total"]["applications"] == 63
    apps = [a for conf in doc["conferences"] for a in conf["applications"]]
    assert all(isinstance(a["requested_cents"], int) for a in apps)
    veto = next(a for a in apps if a["status"] == "vetoed")
    assert veto["status_label"] == "Veto"
    assert veto["approved_cents"] == 200_000


def darkest(image: Image) -> float:
    """The darkest pixel of a greyscale ("L") image: 0 is black, 255 white."""
    low = image.getextrema()[0]
    assert isinstance(low, (int, float))
    return low


# --- XLSX -------------------------------------------------------------------------------------


def open_xlsx(export: dict, year: int = 2026, conference: str | None = None) -> Workbook:
    from openpyxl import load_workbook

    _, _, data = render(export, "xlsx", year=year, conference=conference, today=TODAY)
    return load_workbook(io.BytesIO(data))


def test_xlsx_has_a_summary_sheet_and_one_sheet_per_conference(export: dict) -> None:
    book = open_xlsx(export)
    assert book.sheetnames[0] == "Übersicht"
    assert [name.split()[0] for name in book.sheetnames[1:]] == CODES
    assert "NEU Amt Neuhaus" in book.sheetnames


def test_xlsx_summary_has_euro_number_cells_that_add_up_to_the_ledger(export: dict) -> None:
    sheet = open_xlsx(export)["Übersicht"]
    assert sheet["A1"].value == "Antragsübersicht Budget II 2026"
    assert sheet["A2"].value == "Landkreis Lüneburg · Stand: 25.11.2026"
    header = [c.value for c in sheet[4]]
    assert header[:6] == [
        "Kürzel",
        "Sozialraum",
        "Anträge",
        "Zuweisung",
        "Übertrag aus Vorjahr",
        "Gebunden",
    ]
    assert all(c.font.b for c in sheet[4])
    assert sheet.freeze_panes == "A5"
    figures = ledger_figures(export, 2026)
    keys = ["allotment_cents", "carried_in_cents", "bound_cents", "available_cents"]
    for row in sheet.iter_rows(min_row=5, max_row=14):
        code = row[0].value
        assert isinstance(code, str)
        for cell, key in zip(row[3:7], keys, strict=True):
            assert isinstance(cell.value, int | float)
            assert cell.number_format == '#,##0.00 "€"'
            assert cents(cell.value) == figures[code][key], (code, key)
    total = sheet[15]
    assert total[1].value == "Landkreis gesamt"
    assert total[1].font.b
    assert cents(total[5].value) == 10_003_100
    column_sum = sum(euros(sheet.cell(row=r, column=6).value) for r in range(5, 15))
    assert round(column_sum * 100) == 10_003_100


def test_xlsx_conference_sheet_lists_applications_with_dates_and_amounts(export: dict) -> None:
    sheet = open_xlsx(export)["BLE Bleckede"]
    assert sheet.freeze_panes == "A5"
    assert [c.value for c in sheet[4]][:7] == [
        "Nr.",
        "Antragsteller",
        "Titel",
        "Beantragt",
        "Bewilligt",
        "Status",
        "Sitzung",
    ]
    rows = list(sheet.iter_rows(min_row=5, max_row=12))
    assert [r[0].value for r in rows] == [f"BLE-2026-{i:03d}" for i in range(1, 9)]
    first = rows[0]
    assert cents(first[3].value) == 550_000
    assert cents(first[4].value) == 496_000
    assert first[4].number_format == '#,##0.00 "€"'
    assert first[5].value == "bewilligt"
    assert isinstance(first[6].value, datetime)
    assert first[6].value.date() == date(2026, 3, 5)
    assert first[6].number_format == "DD.MM.YYYY"
    assert first[7].value == "Aktion Mensch"
    assert cents(first[8].value) == 1_500_000
    held = rows[6]
    assert held[5].value == "zurückgehalten"
    assert held[4].value is None
    assert isinstance(held[9].value, str)
    assert "R9" in held[9].value
    total = sheet[13]
    assert total[0].value == "Summe"
    approved = sum(euros(r[4].value or 0) for r in rows)
    assert round(approved * 100) == cents(total[4].value) == 1_296_000
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths["A"] >= len("BLE-2026-001")
    assert 20 < widths["C"] <= 50
    assert sheet["C5"].alignment.wrap_text


def test_xlsx_every_application_appears_once_on_its_sheet(export: dict) -> None:
    book = open_xlsx(export)
    seen = []
    for name in book.sheetnames[1:]:
        for (value,) in book[name].iter_rows(min_row=5, max_col=1, values_only=True):
            if isinstance(value, str) and re.match(r"^[A-Z]{3}-2026-\d{3}$", value):
                assert value.startswith(name[:3])
                seen.append(value)
    assert sorted(seen) == sorted(a["number"] for a in export["applications"] if a["year"] == 2026)


def test_xlsx_keeps_formula_like_text_as_text(export: dict) -> None:
    sheet = open_xlsx(export)["GEL Gellersen"]
    row = next(r for r in sheet.iter_rows(min_row=5) if r[0].value == "GEL-2026-003")
    assert row[2].value == "=Chancengleich= Lernpaten für Grundschulkinder"
    assert row[2].data_type == "s"
    assert row[1].value == "@Home Jugendtreff e.V."


def test_xlsx_closed_year_shows_lapse_and_carry_over(export: dict) -> None:
    sheet = open_xlsx(export, year=2025)["Übersicht"]
    header = [c.value for c in sheet[4]]
    lapsed, carried_out = header.index("Verfallen"), header.index("Übertrag ins Folgejahr")
    total = sheet[15]
    figures = ledger_figures(export, 2025)
    assert cents(total[lapsed].value) == county_total(figures, "lapsed_cents") == 550_000
    assert cents(total[carried_out].value) == county_total(figures, "carried_out_cents")


# --- CSV --------------------------------------------------------------------------------------


def read_csv(export: dict, year: int = 2026, conference: str | None = None
             ) -> tuple[bytes, list[list[str]], list[list[str]]]:
    _, _, data = render(export, "csv", year=year, conference=conference, today=TODAY)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    gap = lines.index([])
    return data, lines[:gap], lines[gap + 1 :]


def test_csv_is_utf8_with_bom_semicolons_and_crlf(export: dict) -> None:
    data, applications, _ = read_csv(export)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert applications[0][:5] == ["Kürzel", "Sozialraum", "Nr.", "Antragsteller", "Titel"]
    assert "Lüneburger Heide".encode() in data


def test_csv_has_one_row_per_application_with_german_amounts_and_dates(export: dict) -> None:
    _, applications, _ = read_csv(export)
    header, rows = applications[0], applications[1:]
    col = {name: header.index(name) for name in header}
    assert sorted(r[col["Nr."]] for r in rows) == sorted(
        a["number"] for a in export["applications"] if a["year"] == 2026
    )
    assert all(len(r) == len(header) for r in rows)
    for r in rows:
        parse_german(r[col["Beantragt"]])
        assert r[col["Sitzung"]] == "" or re.match(r"^\d{2}\.\d{2}\.\d{4}$", r[col["Sitzung"]])
    approved = sum(parse_german(r[col["Bewilligt"]]) for r in rows if r[col["Bewilligt"]])
    assert approved == 10_003_100
    ble = next(r for r in rows if r[col["Nr."]] == "BLE-2026-001")
    assert ble[col["Kürzel"]] == "BLE"
    assert ble[col["Sozialraum"]] == "Bleckede"
    assert ble[col["Beantragt"]] == "5.500,00"
    assert ble[col["Bewilligt"]] == "4.960,00"
    assert ble[col["Sitzung"]] == "05.03.2026"
    assert ble[col["Kofinanzierung: Betrag"]] == "15.000,00"
    veto = next(r for r in rows if r[col["Status"]] == "Veto")
    assert veto[col["Bemerkung"]].startswith("Veto (R10): Allgemeine Jugendpflege")


def test_csv_summary_section_equals_the_ledger(export: dict) -> None:
    _, _, summary = read_csv(export)
    assert summary[0] == [
        "Antragsübersicht Budget II 2026",
        "Landkreis Lüneburg",
        "Stand: 25.11.2026",
    ]
    header = summary[1]
    figures = ledger_figures(export, 2026)
    for row in summary[2:12]:
        for key, label in [("bound_cents", "Gebunden"), ("available_cents", "Verfügbar")]:
            assert parse_german(row[header.index(label)]) == figures[row[0]][key]
    total = summary[12]
    assert total[1] == "Landkreis gesamt"
    assert total[2] == "63"
    assert total[header.index("Gebunden")] == "100.031,00"
    assert total[header.index("Zuweisung")] == euro_text(county_total(figures, "allotment_cents"))


def test_csv_defuses_text_excel_would_run_as_a_formula(export: dict) -> None:
    _, applications, _ = read_csv(export)
    gel = next(r for r in applications if r[2] == "GEL-2026-003")
    assert gel[3] == "'@Home Jugendtreff e.V."
    assert gel[4] == "'=Chancengleich= Lernpaten für Grundschulkinder"


# --- PDF --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_bytes(export: dict) -> bytes:
    return render(export, "pdf", year=2026, conference=None, today=TODAY)[2]


def pdf_pages_text(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_has_title_county_date_and_page_numbers(pdf_bytes: bytes) -> None:
    pages = pdf_pages_text(pdf_bytes)
    assert pdf_bytes.startswith(b"%PDF")
    first = pages[0]
    assert "Antragsübersicht Budget II 2026" in first
    assert "Landkreis Lüneburg" in first
    assert "Stand: 25.11.2026" in first
    assert "Übersicht der Sozialräume" in first
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, 1):
        assert f"Seite {number} von {total}" in text


def test_pdf_shows_every_conference_total_and_application(export: dict, pdf_bytes: bytes) -> None:
    text = "\n".join(pdf_pages_text(pdf_bytes))
    figures = ledger_figures(export, 2026)
    summary = pdf_pages_text(pdf_bytes)[0]
    assert "Landkreis gesamt" in summary
    assert "100.031,00 €" in summary
    assert f"{euro_text(county_total(figures, 'available_cents'))} €" in summary
    for code in CODES:
        assert f"Gebunden {euro_text(figures[code]['bound_cents'])} €" in text
    for app in export["applications"]:
        if app["year"] == 2026:
            assert app["number"] in text
    flowing = " ".join(text.split())  # wrapped cells come out as several lines
    for words in ("Veto (R10)", "unvollständig", "Kofinanzierung (R12): Aktion Mensch 15.000,00"):
        assert words in flowing


def test_pdf_is_a4_landscape_with_embedded_dejavu(pdf_bytes: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

    reader = PdfReader(io.BytesIO(pdf_bytes))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)
        font_dict = resources["/Font"]
        assert isinstance(font_dict, DictionaryObject)
        fonts = {str(f["/BaseFont"]) for f in font_dict.values()}
        assert fonts
        assert all("DejaVuSans" in name for name in fonts), fonts


def test_pdf_pages_print_nothing_into_the_right_margin(pdf_bytes: bytes, tmp_path: Path) -> None:
    """Long titles wrap: rendered at 40 dpi, the 15 mm right margin stays white on every page."""
    from PIL import Image

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(pdf_pages_text(pdf_bytes))
    for path in images:
        image = Image.open(path).convert("L")
        width, height = image.size
        margin_start = int(width * (297 - 14) / 297)
        strip = image.crop((margin_start, 0, width, height))
        assert darkest(strip) > 245, path.name
        content = image.crop((0, 0, margin_start, height))
        assert darkest(content) < 100, path.name


def test_pdf_wraps_very_long_words_and_texts_inside_the_page(export: dict, tmp_path: Path) -> None:
    from PIL import Image

    stressed = copy.deepcopy(export)
    app = next(a for a in stressed["applications"] if a["number"] == "ADE-2026-004")
    app["title"] = "Kinder- und Jugendhilfeangebotsweiterentwicklungsmaßnahmenplanung " * 6
    app["applicant"] = "Förderverein " + "Großgemeindeübergreifendejugendsozialarbeit" * 2
    app["veto"]["reason"] = "Nicht förderfähig nach Richtlinie, " * 12
    other = next(a for a in stressed["applications"] if a["number"] == "ADE-2026-005")
    other["title"] = "Ausgangslage: " + "Eine ganze eingefügte Projektskizze. " * 400
    _, _, data = render(stressed, "pdf", year=2026, conference="ADE", today=TODAY)
    text = " ".join("\n".join(pdf_pages_text(data)).split())
    assert "Kinder- und Jugendhilfeangebots" in text
    pdf = tmp_path / "ade.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "p")], check=True)
    for path in sorted(tmp_path.glob("p-*.png")):
        image = Image.open(path).convert("L")
        width, height = image.size
        strip = image.crop((int(width * (297 - 14) / 297), 0, width, height))
        assert darkest(strip) > 245, path.name


def test_importing_reports_loads_no_heavy_library() -> None:
    """The CLI imports `reports` on every start; openpyxl, reportlab and matplotlib wait."""
    code = (
        "import sys, reports; "
        "print(sorted(m for m in ('openpyxl', 'reportlab', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_pdf_of_one_conference(export: dict) -> None:
    _, _, data = render(export, "pdf", year=2026, conference="SCH", today=TODAY)
    text = "\n".join(pdf_pages_text(data))
    assert "SCH – Scharnebeck" in text
    assert "Landkreis Lüneburg · Sozialraum Scharnebeck · Stand: 25.11.2026" in text
    assert "ADE-2026-001" not in text
    assert "Landkreis gesamt" not in text
    assert "Seite 1 von" in text


def test_csv_of_one_conference_sums_only_its_own_money(export: dict) -> None:
    _, applications, summary = read_csv(export, conference="Bleckede")
    assert {r[0] for r in applications[1:]} == {"BLE"}
    assert summary[0][1] == "Landkreis Lüneburg · Sozialraum Bleckede"
    assert summary[-1][1] == "Summe"
    assert summary[-1][summary[1].index("Gebunden")] == "12.960,00"


# --- PNG --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "conference"), [(2026, None), (2025, None), (2026, "ADE")])
def test_png_is_a_real_image_of_sensible_size(export: dict, year: int, conference: str) -> None:
    from PIL import Image

    _, _, data = render(export, "png", year=year, conference=conference, today=TODAY)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    width, height = image.size
    assert 1000 <= width <= 2000
    assert 300 <= height <= 1600
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 50
    assert (0x2F, 0x5D, 0x8A) in {rgb for _, rgb in colours}  # the "Gebunden" bars are drawn


def test_chart_axis_speaks_german() -> None:
    from reports.png import euro_tick

    assert euro_tick(12_000) == "12.000 €"
    assert euro_tick(2_500) == "2.500 €"
    assert euro_tick(0) == "0 €"


def test_an_application_is_listed_in_its_budget_year_and_older_exports_use_its_year(
        export: dict) -> None:
    """The fixture predates `budget_year`: each row counts in the year it was handed in. A row
    with `budget_year` (a 2025 sketch approved at a 2026 session) counts in that year only."""
    moved = copy.deepcopy(export)
    row = next(a for a in moved["applications"] if a["year"] == 2025)
    row["budget_year"] = 2026
    in_2025 = {r.number for r in build_overview(moved, 2025).applications}
    in_2026 = {r.number for r in build_overview(moved, 2026).applications}
    assert row["number"] in in_2026
    assert row["number"] not in in_2025
    before = {r.number for r in build_overview(export, 2025).applications}
    assert in_2025 | {row["number"]} == before
