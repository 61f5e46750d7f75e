"""Renderers of the county overview ("Antragsübersicht Budget II") from an export dict.

`render` is the one entry point for the CLI, the chat and e-mail: it takes the dict of
`core.export()` and returns a file. The heavy libraries (openpyxl, reportlab, matplotlib) are
imported only inside the format that needs them, so the CLI starts fast.
"""

from __future__ import annotations

from datetime import date

from reports.overview import Overview, ReportError, build_overview

__all__ = ["FORMATS", "Overview", "ReportError", "build_overview", "render", "report_filename"]

FORMATS: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
    "png": "image/png",
    "json": "application/json",
}


def report_filename(overview: Overview, fmt: str) -> str:
    """E.g. "antragsuebersicht-2026.pdf" or "antragsuebersicht-2026-ADE.pdf" for one conference."""
    suffix = f"-{overview.conferences[0].code}" if len(overview.conferences) == 1 else ""
    return f"antragsuebersicht-{overview.year}{suffix}.{fmt}"


def render(
    export: dict, fmt: str, *, year: int, conference: str | None, today: date
) -> tuple[str, str, bytes]:
    """Render the overview of `year` as (filename, content_type, data).

    `fmt` is one of xlsx, csv, pdf, png, json (any case). `conference` is a code or name, or None
    for all conferences. `today` is the date printed as "Stand:". Raises `ReportError` with a
    German message for an unknown format, year or conference.
    """
    key = (fmt or "").strip().lower().lstrip(".")
    if key not in FORMATS:
        raise ReportError(
            f"Das Format „{fmt}“ kenne ich nicht. Möglich sind: {', '.join(FORMATS)}."
        )
    overview = build_overview(export, year, conference)
    if key == "xlsx":
        from reports.xlsx import render_xlsx as renderer
    elif key == "csv":
        from reports.csv_export import render_csv as renderer
    elif key == "pdf":
        from reports.pdf import render_pdf as renderer
    elif key == "png":
        from reports.png import render_png as renderer
    else:
        from reports.json_export import render_json as renderer
    return report_filename(overview, key), FORMATS[key], renderer(overview, today)
