"""The overview as an Excel workbook: a summary sheet plus one sheet per conference.

Amounts are real number cells in euros with a euro format, so people can add and filter in
Excel; dates are real date cells. Totals are written as values computed from the integer cents,
not as formulas: phone previews (mail, Telegram) show formula cells without a cached value as
empty, and the figures must read the same everywhere.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reports.overview import (
    APPLICATION_HEADERS,
    FIGURE_COLUMNS,
    SHORTFALL_COLUMN,
    ConferenceOverview,
    Figures,
    Overview,
    report_title,
)
from rules.dates import format_date

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD.MM.YYYY"
HEADER_ROW = 4
MAX_WIDTH = {"Titel": 48, "Bemerkung": 48, "Antragsteller": 32, "Ausgangslage": 60,
             "Zielsetzung": 60, "Maßnahme": 60}
SUMMARY_SHEET = "Übersicht"
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def euros(cents: int) -> Decimal:
    """Exact euro value for a cell; openpyxl writes a Decimal as a plain number."""
    return Decimal(cents) / 100


def render_xlsx(overview: Overview, today: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    summary = book.active
    assert isinstance(summary, Worksheet)  # a new workbook starts with one plain sheet
    summary.title = SUMMARY_SHEET
    _write_summary(summary, overview, today)
    for conf in overview.conferences:
        _write_conference(book.create_sheet(sheet_title(conf)), overview, conf, today)
    if any(app.sketch for conf in overview.conferences for app in conf.applications):
        _write_sketches(book.create_sheet(SKETCH_SHEET), overview, today)
    book.properties.title = f"{report_title(overview)} – {overview.scope}"
    book.properties.creator = "sozialbot"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SKETCH_SHEET = "Projektskizzen"
SKETCH_HEADERS = ("Nr.", "Sozialraum", "Titel", "Ausgangslage", "Zielsetzung", "Maßnahme")


def _write_sketches(ws: Worksheet, overview: Overview, today: date) -> None:
    """Each application's own words, last: the county checks them against the concept (R5)."""
    _title(ws, "Projektskizzen", f"{overview.scope} · Stand: {format_date(today)}")
    _header(ws, SKETCH_HEADERS)
    row = HEADER_ROW
    for conf in overview.conferences:
        for app in conf.applications:
            if app.sketch:
                row += 1
                _put_row(ws, row, [app.number, conf.name, app.title,
                                   *(text for _, text in app.sketch)],
                         wrap_columns=(3, 4, 5, 6))
    _finish(ws, SKETCH_HEADERS, last_table_row=row)


def sheet_title(conf: ConferenceOverview) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name."""
    return _SHEET_FORBIDDEN.sub("-", f"{conf.code} {conf.name}")[:31]


def _write_summary(ws: Worksheet, overview: Overview, today: date) -> None:
    columns = overview.figure_columns
    headers = ("Kürzel", "Sozialraum", "Anträge", *(label for _, label in columns))
    _title(ws, report_title(overview), f"{overview.scope} · Stand: {format_date(today)}")
    _header(ws, headers)
    row = HEADER_ROW
    for conf in overview.conferences:
        row += 1
        values: list[Any] = [conf.code, conf.name, len(conf.applications)]
        values += [euros(getattr(conf.figures, key)) for key, _ in columns]
        _put_row(ws, row, values, euro_columns=range(4, 4 + len(columns)))
    row += 1
    values = ["", overview.total_label, len(overview.applications)]
    values += [euros(getattr(overview.total, key)) for key, _ in columns]
    _put_row(ws, row, values, euro_columns=range(4, 4 + len(columns)), total=True)
    _finish(ws, headers, last_table_row=row - 1)
    for warning in overview.warnings:
        row += 2
        ws.cell(row=row, column=1, value=warning)


def _write_conference(
    ws: Worksheet, overview: Overview, conf: ConferenceOverview, today: date
) -> None:
    _title(
        ws,
        f"{conf.code} – {conf.name}: Anträge {overview.year}",
        f"{overview.county} · Stand: {format_date(today)}",
    )
    _header(ws, APPLICATION_HEADERS)
    euro_columns = (4, 5, 9)
    row = HEADER_ROW
    for app in conf.applications:
        row += 1
        _put_row(
            ws,
            row,
            [
                app.number,
                app.applicant,
                app.title,
                euros(app.requested_cents),
                None if app.bound_cents is None else euros(app.bound_cents),
                app.status_label,
                app.session_date,
                app.cofunding_funder or "",
                None if app.cofunding_cents is None else euros(app.cofunding_cents),
                app.remark,
            ],
            euro_columns=euro_columns,
            wrap_columns=(3, 10),
        )
    last_table_row = row
    row += 1
    _put_row(
        ws,
        row,
        [
            "Summe",
            f"{len(conf.applications)} Anträge",
            "",
            euros(conf.requested_cents),
            euros(conf.approved_cents),
            "",
            None,
            "",
            euros(conf.cofunding_cents),
            "",
        ],
        euro_columns=euro_columns,
        total=True,
    )
    row += 2
    _balance_block(ws, row, conf.figures, closed=conf.closed)
    _finish(ws, APPLICATION_HEADERS, last_table_row=last_table_row)


def _balance_block(ws: Worksheet, row: int, figures: Figures, *, closed: bool) -> None:
    """The conference's balance under its table, labels in column B and amounts in column D."""
    from openpyxl.styles import Font

    state = "abgeschlossen" if closed else "laufend"
    ws.cell(row=row, column=2, value=f"Budget ({state})").font = Font(bold=True)
    columns = (*FIGURE_COLUMNS, SHORTFALL_COLUMN) if figures.shortfall_cents else FIGURE_COLUMNS
    for key, label in columns:
        row += 1
        ws.cell(row=row, column=2, value=label)
        cell = ws.cell(row=row, column=4, value=euros(getattr(figures, key)))
        cell.number_format = EURO_FORMAT


def _title(ws: Worksheet, title: str, subtitle: str) -> None:
    from openpyxl.styles import Font

    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=subtitle)


def _header(ws: Worksheet, headers: tuple[str, ...]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    for column, text in enumerate(headers, 1):
        cell = ws.cell(row=HEADER_ROW, column=column, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE4EE")
        cell.border = Border(bottom=Side(style="thin"))
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _put_row(
    ws: Worksheet,
    row: int,
    values: list[Any],
    *,
    euro_columns: Any = (),
    wrap_columns: tuple[int, ...] = (),
    total: bool = False,
) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    for column, value in enumerate(values, 1):
        cell = ws.cell(row=row, column=column)
        if isinstance(value, str):
            cell.value = _ILLEGAL.sub("", value)[:MAX_CELL_TEXT]
            # An applicant's "=..." is text, never a formula Excel would run.
            cell.data_type = "s"
        else:
            cell.value = value
        if column in euro_columns:
            cell.number_format = EURO_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
        cell.alignment = Alignment(vertical="top", wrap_text=column in wrap_columns)
        if total:
            cell.font = Font(bold=True)
            cell.border = Border(top=Side(style="thin"))


def _finish(ws: Worksheet, headers: tuple[str, ...], *, last_table_row: int) -> None:
    """Freeze the header, filter, fit the columns, and print landscape on A4 width."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1).coordinate
    last_column = get_column_letter(len(headers))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{max(last_table_row, HEADER_ROW)}"
    for column, header in enumerate(headers, 1):
        width = len(header)
        for (cell,) in ws.iter_rows(
            min_row=HEADER_ROW + 1, min_col=column, max_col=column, values_only=False
        ):
            width = max(width, _display_width(cell.value, cell.number_format))
        limit = MAX_WIDTH.get(header, 40)
        ws.column_dimensions[get_column_letter(column)].width = min(width, limit) + 2
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _display_width(value: Any, number_format: str) -> int:
    """Roughly the characters Excel shows for a cell."""
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    if isinstance(value, Decimal | int | float) and number_format == EURO_FORMAT:
        return len(f"{value:,.2f}") + 2
    return len(str(value))
