"""The overview as a PDF for the committee paper: A4 landscape, title, "Stand", page numbers.

First the summary of all conferences with the county total, then each conference with its
balance and its applications. Text is set in DejaVu Sans (shipped with matplotlib) so that
ä, ö, ü, ß and € print; table cells are paragraphs, so long titles wrap instead of overflowing.
"""

from __future__ import annotations

import importlib.util
import io
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reports.overview import (
    FIGURE_COLUMNS,
    SHORTFALL_COLUMN,
    ApplicationRow,
    ConferenceOverview,
    Overview,
    report_title,
)
from rules.dates import format_date
from rules.money import format_cents

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
HEADER_FILL = "#DDE4EE"
GRID = "#9AA5B1"
APPLICATION_COLUMNS = (
    "Nr.",
    "Antragsteller",
    "Titel",
    "Beantragt",
    "Bewilligt",
    "Status",
    "Sitzung",
    "Bemerkung",
)
TEXT_SHARES = {"Antragsteller": 0.28, "Titel": 0.42, "Bemerkung": 0.30}
"""How the columns of free text share what the measured columns leave."""
FONT_SIZE = 8
CELL_PADDING = 3
NUMERIC_HEADINGS = {"Anträge", "Beantragt", "Bewilligt", SHORTFALL_COLUMN[1],
                    *(label for _, label in FIGURE_COLUMNS)}


def _font_dirs() -> list[Path]:
    """matplotlib's own font folder first (found without importing matplotlib), then Debian's."""
    dirs = []
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            dirs.append(Path(location) / "mpl-data" / "fonts" / "ttf")
    return dirs + [Path(d) for d in _FONT_DIRS]


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab once per process."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for folder in _font_dirs():
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            addMapping(FONT, 0, 0, FONT)
            addMapping(FONT, 1, 0, FONT_BOLD)
            addMapping(FONT, 0, 1, FONT)
            addMapping(FONT, 1, 1, FONT_BOLD)
            return
    raise RuntimeError("DejaVuSans.ttf not found (it ships with matplotlib)")


def render_pdf(overview: Overview, today: date) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    register_fonts()
    out = io.BytesIO()
    footer = f"{report_title(overview)} · {overview.scope} · Stand: {format_date(today)}"
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"{report_title(overview)} – {overview.scope}",
        author=overview.county,
        creator="sozialbot",
        initialFontName=FONT,  # no page references an unembedded Helvetica
    )
    # The frame keeps 6 pt padding on each side; tables use exactly what is left.
    story = _story(overview, today, doc.width - 12, doc.height - 12)
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return out.getvalue()


def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    # embeddedHyphenation: a long compound breaks at its own hyphen ("Biosphärenreservat-").
    base = ParagraphStyle(
        "base", fontName=FONT, fontSize=FONT_SIZE, leading=10, embeddedHyphenation=1
    )
    return {
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10
        ),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11),
        "annex": ParagraphStyle("annex", parent=base, fontSize=9.5, leading=12.5, spaceBefore=3),
        "cell": base,
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=FONT_BOLD),
        "num": ParagraphStyle("num", parent=base, alignment=TA_RIGHT),
        "num_bold": ParagraphStyle("num_bold", parent=base, fontName=FONT_BOLD, alignment=TA_RIGHT),
    }


def _story(overview: Overview, today: date, width: float, frame_height: float) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    s = _styles()
    story: list[Any] = [
        Paragraph(escape(report_title(overview)), s["title"]),
        Paragraph(f"{escape(overview.scope)} · Stand: {format_date(today)}", s["subtitle"]),
        Spacer(1, 4 * mm),
        Paragraph("Übersicht der Sozialräume", s["h2"]),
        Spacer(1, 2 * mm),
        _summary_table(overview, s, width),
        Spacer(1, 2 * mm),
        Paragraph(
            "Gebunden: bewilligte Mittel abzüglich Rückbuchungen (z. B. nach Veto). "
            "Übertragene Mittel werden zuerst verbraucht; was davon am Jahresende übrig ist, "
            "verfällt (R2).",
            s["note"],
        ),
        *(Paragraph(f"<b>{escape(warning)}</b>", s["note"]) for warning in overview.warnings),
    ]
    for conf in overview.conferences:
        story += [Spacer(1, 5 * mm), _conference_table(overview, conf, s, width, frame_height)]
    return story + _annex(overview, s)


def _annex(overview: Overview, s: dict[str, Any]) -> list[Any]:
    """"Anlage: Projektskizzen": each application's own words, to check against the concept
    (R5). Long texts flow over pages; nothing is clipped here."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer

    apps = [(conf, app) for conf in overview.conferences for app in conf.applications
            if app.sketch]
    if not apps:
        return []
    story: list[Any] = [PageBreak(), Paragraph("Anlage: Projektskizzen", s["title"]),
                        Paragraph("Ausgangslage, Zielsetzung und Maßnahme, wie eingereicht (R4), "
                                  "zur Prüfung gegen das Sozialraumkonzept (R5).", s["subtitle"])]
    for conf, app in apps:
        facts = [f"{escape(conf.name)}", f"Träger: {escape(app.applicant or '–')}",
                 f"beantragt {format_cents(app.requested_cents)}", escape(app.status_label)]
        head = [Paragraph(f"{escape(app.number)} – {escape(app.title or '(ohne Titel)')}",
                          s["h2"]),
                Paragraph(_keep_amounts(" · ".join(facts)), s["note"])]
        first, *rest = [Paragraph(f"<b>{escape(label)}:</b> {escape(text) or '–'}", s["annex"])
                        for label, text in app.sketch]
        story += [Spacer(1, 2 * mm), KeepTogether([*head, first]), *rest]
    return story


def _summary_table(overview: Overview, s: dict[str, Any], width: float) -> Any:
    from reportlab.platypus import Paragraph

    columns = overview.figure_columns
    header = ["Kürzel", "Sozialraum", "Anträge", *(label for _, label in columns)]
    rows: list[list[Any]] = [[_heading(h, s) for h in header]]
    for conf in overview.conferences:
        rows.append(
            [
                Paragraph(escape(conf.code), s["cell"]),
                Paragraph(escape(conf.name), s["cell"]),
                Paragraph(str(len(conf.applications)), s["num"]),
                *(
                    Paragraph(format_cents(getattr(conf.figures, key)), s["num"])
                    for key, _ in columns
                ),
            ]
        )
    rows.append(
        [
            Paragraph("", s["cell_bold"]),
            Paragraph(overview.total_label, s["cell_bold"]),
            Paragraph(str(len(overview.applications)), s["num_bold"]),
            *(
                Paragraph(format_cents(getattr(overview.total, key)), s["num_bold"])
                for key, _ in columns
            ),
        ]
    )
    fractions = [0.06, 0.16, 0.06, *([0.72 / len(columns)] * len(columns))]
    return _table(rows, [f * width for f in fractions], total_row=True)


def _conference_table(
    overview: Overview, conf: ConferenceOverview, s: dict[str, Any], width: float, frame: float
) -> Any:
    """One table per conference whose first row is its heading and balance, repeated with the
    column headings on every page the table continues on."""
    from reportlab.platypus import Paragraph

    figures = conf.figures
    parts = [
        f"Zuweisung {format_cents(figures.allotment_cents)}",
        f"Übertrag aus Vorjahr {format_cents(figures.carried_in_cents)}",
        f"<b>Gebunden {format_cents(figures.bound_cents)}</b>",
        f"Verfügbar {format_cents(figures.available_cents)}",
    ]
    if conf.closed or figures.lapsed_cents or figures.carried_out_cents:
        parts += [
            f"Verfallen {format_cents(figures.lapsed_cents)}",
            f"Übertrag ins Folgejahr {format_cents(figures.carried_out_cents)}",
        ]
    if figures.shortfall_cents:
        parts.append(f"<b>Fehlbetrag {format_cents(figures.shortfall_cents)} (R3)</b>")
    if conf.closed:
        parts.append("Jahr abgeschlossen")
    title = [
        Paragraph(f"{escape(conf.code)} – {escape(conf.name)}", s["h2"]),
        Paragraph(_keep_amounts(" · ".join(parts)), s["note"]),
    ]
    widths = _application_widths(overview, width)
    blank = [""] * (len(APPLICATION_COLUMNS) - 1)
    rows: list[list[Any]] = [[title, *blank]]
    if not conf.applications:
        rows.append([Paragraph(f"Keine Anträge im Jahr {overview.year}.", s["note"]), *blank])
        return _table(rows, widths, frame, heading=True)
    rows.append([_heading(h, s) for h in APPLICATION_COLUMNS])
    rows += [_application_cells(app, s) for app in conf.applications]
    rows.append(
        [
            Paragraph("Summe", s["cell_bold"]),
            Paragraph(f"{len(conf.applications)} Anträge", s["cell_bold"]),
            Paragraph("", s["cell"]),
            Paragraph(format_cents(conf.requested_cents), s["num_bold"]),
            Paragraph(format_cents(conf.approved_cents), s["num_bold"]),
            Paragraph("", s["cell"]),
            Paragraph("", s["cell"]),
            Paragraph("", s["cell"]),
        ]
    )
    return _table(rows, widths, frame, heading=True, total_row=True)


def _application_widths(overview: Overview, width: float) -> list[float]:
    """Numbers, amounts, statuses and dates get the width of their widest text (never broken);
    the free-text columns share the rest. The same widths for every conference's table."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    texts: dict[str, list[tuple[str, str]]] = {h: [(h, FONT_BOLD)] for h in APPLICATION_COLUMNS}
    texts["Nr."].append(("Summe", FONT_BOLD))
    for conf in overview.conferences:
        texts["Beantragt"].append((format_cents(conf.requested_cents), FONT_BOLD))
        texts["Bewilligt"].append((format_cents(conf.approved_cents), FONT_BOLD))
        for app in conf.applications:
            texts["Nr."].append((app.number, FONT))
            texts["Beantragt"].append((format_cents(app.requested_cents), FONT))
            if app.bound_cents is not None:
                texts["Bewilligt"].append((format_cents(app.bound_cents), FONT))
            texts["Status"].append((app.status_label, FONT))
            texts["Sitzung"].append(("00.00.0000", FONT))
    measured = {
        heading: max(stringWidth(text, font, FONT_SIZE) for text, font in entries)
        + 2 * CELL_PADDING
        + 1
        for heading, entries in texts.items()
        if heading not in TEXT_SHARES
    }
    rest = max(width - sum(measured.values()), width * 0.4)
    return [measured.get(h) or rest * TEXT_SHARES[h] for h in APPLICATION_COLUMNS]


def _keep_amounts(text: str) -> str:
    """Never break a line between an amount and its euro sign."""
    return text.replace(" €", "\u00a0€")


def _clip(text: str, limit: int) -> str:
    """A table row cannot span pages: a pasted essay is shortened, the full text is in XLSX."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _heading(text: str, s: dict[str, Any]) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(text, s["num_bold"] if text in NUMERIC_HEADINGS else s["cell_bold"])


def _application_cells(app: ApplicationRow, s: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import Paragraph

    notes = []
    if app.cofunding_funder or app.cofunding_cents:
        amount = f" {format_cents(app.cofunding_cents)}" if app.cofunding_cents else ""
        notes.append(f"Kofinanzierung (R12): {escape(app.cofunding_funder or '')}{amount}")
    if app.remark:
        notes.append(escape(_clip(app.remark, 700)))
    return [
        Paragraph(escape(app.number), s["cell"]),
        Paragraph(escape(_clip(app.applicant, 200)), s["cell"]),
        Paragraph(escape(_clip(app.title, 500)), s["cell"]),
        Paragraph(format_cents(app.requested_cents), s["num"]),
        Paragraph(format_cents(app.bound_cents) if app.bound_cents is not None else "–", s["num"]),
        Paragraph(escape(app.status_label), s["cell"]),
        Paragraph(format_date(app.session_date) if app.session_date else "–", s["cell"]),
        Paragraph(_keep_amounts("<br/>".join(notes)), s["cell"]),
    ]


MIN_ROWS_PER_PAGE = 3
"""A table split across pages keeps at least this many data rows on each side."""


def _table(
    rows: list[list[Any]],
    widths: list[float],
    frame_height: float | None = None,
    *,
    heading: bool = False,
    total_row: bool = False,
) -> Any:
    """A table with a header row (after an optional spanned heading row) that repeats on every
    page, and no split leaving fewer than MIN_ROWS_PER_PAGE rows alone on a page."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    # _cellvalues (here) and the canvas's _startPage, _pagesize, _pageNumber (below) are
    # reportlab's private API, which its stubs leave out: hence the attr-defined ignores.
    class KeepRowsTable(Table):
        def split(self, availWidth: float, availHeight: float) -> list[Any]:
            parts = super().split(availWidth, availHeight)
            if len(parts) != 2 or frame_height is None or availHeight >= frame_height - 1:
                return parts
            repeated = self.repeatRows
            before = len(parts[0]._cellvalues) - repeated  # type: ignore[attr-defined]
            after = len(parts[1]._cellvalues) - repeated  # type: ignore[attr-defined]
            return [] if min(before, after) < MIN_ROWS_PER_PAGE else parts

    top = 1 if heading else 0
    table = KeepRowsTable(rows, colWidths=widths, repeatRows=top + 1)
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if heading:
        style += [("SPAN", (0, 0), (-1, 0)), ("LEFTPADDING", (0, 0), (-1, 0), 0)]
        style += [("BOTTOMPADDING", (0, 0), (-1, 0), 5)]
    if len(rows) > top + 1 or not heading:
        style += [
            ("BACKGROUND", (0, top), (-1, top), colors.HexColor(HEADER_FILL)),
            ("LINEBELOW", (0, top), (-1, top), 0.8, colors.HexColor(GRID)),
            ("LINEBELOW", (0, top + 1), (-1, -2), 0.25, colors.HexColor(GRID)),
        ]
    if heading and len(rows) == 2 and not total_row:
        style.append(("SPAN", (0, 1), (-1, 1)))
    if total_row:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black))
    for index in range(top + 2, len(rows) - (1 if total_row else 0), 2):
        style.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#F5F7FA")))
    table.setStyle(TableStyle(style))
    return table


def _numbered_canvas(footer: str) -> Any:
    """A canvas class that writes "Seite X von Y" once all pages are known."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _ = self._pagesize  # type: ignore[attr-defined]
            self.setFont(FONT, 8)
            self.setFillGray(0.35)
            self.drawString(15 * mm, 8 * mm, footer)
            page = self._pageNumber  # type: ignore[attr-defined]
            self.drawRightString(width - 15 * mm, 8 * mm, f"Seite {page} von {total}")

    return NumberedCanvas
