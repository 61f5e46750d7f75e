"""The overview as CSV for Excel in Germany: semicolons, UTF-8 with BOM, "1.500,00" amounts.

One file, two sections, so a single download holds everything:

1. From the first line: a header and one row per application of the year, with the conference
   code and name in the first two columns (sort and filter by conference in Excel).
2. After one empty line: a title line ("Antragsübersicht Budget II <Jahr>;<Landkreis>;Stand: …"),
   a header, one row per conference with its balance, and the county total ("Landkreis gesamt").

A program reading the file takes the lines up to the first empty one as the application table.
Amounts carry no "€" so German Excel reads them as numbers; dates are DD.MM.YYYY. Text that
Excel would run as a formula (starting with =, +, -, @) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from reports import overview
from reports.overview import FIGURE_COLUMNS, Overview, report_title
from rules.dates import format_date
from rules.money import format_cents

APPLICATION_HEADERS = ("Kürzel", "Sozialraum", *overview.APPLICATION_HEADERS)
SUMMARY_HEADERS = ("Kürzel", "Sozialraum", "Anträge", *(label for _, label in FIGURE_COLUMNS))
"""The summary's headings; a report with a shortfall adds "Fehlbetrag (R3)"."""
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def amount(cents: int | None) -> str:
    """German amount without the currency sign ("1.500,00"), empty for None."""
    if cents is None:
        return ""
    return format_cents(cents).replace("€", "").strip()


def text(value: str) -> str:
    """Keep an applicant's text as text in Excel, on one line."""
    value = " ".join(value.split())
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def render_csv(overview: Overview, today: date) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(APPLICATION_HEADERS)
    for conf in overview.conferences:
        for app in conf.applications:
            writer.writerow(
                [
                    conf.code,
                    conf.name,
                    app.number,
                    text(app.applicant),
                    text(app.title),
                    amount(app.requested_cents),
                    amount(app.bound_cents),
                    app.status_label,
                    format_date(app.session_date) if app.session_date else "",
                    text(app.cofunding_funder or ""),
                    amount(app.cofunding_cents),
                    text(app.remark),
                ]
            )
    writer.writerow([])
    writer.writerow([report_title(overview), overview.scope, f"Stand: {format_date(today)}"])
    columns = overview.figure_columns
    writer.writerow([*SUMMARY_HEADERS[:3], *(label for _, label in columns)])
    for conf in overview.conferences:
        writer.writerow(
            [conf.code, conf.name, len(conf.applications)]
            + [amount(getattr(conf.figures, key)) for key, _ in columns]
        )
    writer.writerow(
        ["", overview.total_label, len(overview.applications)]
        + [amount(getattr(overview.total, key)) for key, _ in columns]
    )
    for warning in overview.warnings:
        writer.writerow([text(warning)])
    return out.getvalue().encode("utf-8-sig")
