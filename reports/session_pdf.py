"""A session's agenda and its minutes as short A4 portrait PDFs, set like the overview.

Both take plain dicts (handlers/agenda.py `agenda_data`, handlers/minutes.py `minutes_data`);
the sketch texts are printed whole: the county checks them against the concept (R5).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reports.pdf import FONT, FONT_BOLD, GRID, HEADER_FILL, _numbered_canvas, register_fonts
from rules.checks import YOUTH_WORK_NOTE
from rules.dates import format_date
from rules.decisions import Votes
from rules.money import format_cents
from rules.records import Application
from rules.sketch import cofunding_text

TEXT_FIELDS = (("situation", "Ausgangslage"), ("objective", "Zielsetzung"),
               ("measure", "Maßnahme"))


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=13, embeddedHyphenation=1)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=16,
                                leading=20, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14,
                                   spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=15,
                             spaceBefore=10, spaceAfter=3),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD, spaceBefore=3),
        "text": base,
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=12, spaceBefore=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=FONT_BOLD, fontSize=9,
                                    leading=11.5),
    }


def _build(story: list[Any], title: str, author: str, footer: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=18 * mm, title=title, author=author,
                            creator="sozialbot", initialFontName=FONT)
    doc.build(story, canvasmaker=_numbered_canvas(footer))
    return out.getvalue()


def _p(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def sketch_story(record: Application, s: dict[str, Any], heading: str) -> list[Any]:
    """One application: heading, facts, and the three texts of the sketch."""
    from reportlab.platypus import KeepTogether

    facts = [f"Träger: {record.applicant or '(fehlt)'}",
             "Beantragt: " + (format_cents(record.requested_cents)
                              if record.requested_cents is not None else "(fehlt)")]
    if record.cofunding:
        facts.append(f"Kofinanzierung (R12): {cofunding_text(record.cofunding)}")
    if "R6" in record.flags:
        facts.append(YOUTH_WORK_NOTE.removesuffix("."))  # the facts are joined by " · "
    head = [_p(heading, s["h2"]), _p(" · ".join(facts), s["text"])]
    story: list[Any] = [KeepTogether(head)]
    fields = record.fields or {}
    for key, label in TEXT_FIELDS:
        story.append(_p(label, s["label"]))
        story.append(_p(str(fields.get(key) or "(fehlt)"), s["text"]))
    return story


def agenda_pdf(data: dict, today: date) -> bytes:
    register_fonts()
    s = _styles()
    title = f"Tagesordnung Budget II – Sozialkonferenz {data['conference']}"
    when = data["when"] or "keine Budget-II-Sitzung angesetzt"
    story: list[Any] = [_p(title, s["title"]), _p(f"Sitzung: {when}", s["subtitle"])]
    if data["session"] is not None:
        story.append(_p("Vom Landkreis zugesagt: " + (", ".join(data["attending"]) or
                        "noch niemand (R9: Teilnahme verpflichtend)"), s["text"]))
    story.append(_p(f"Offene Anträge: {len(data['applications'])} · beantragt zusammen "
                    f"{format_cents(data['requested_cents'])} · verfügbar {data['year']}: "
                    f"{format_cents(data['free_cents'])}", s["text"]))
    if not data["applications"]:
        story.append(_p("Es liegen keine offenen Anträge vor.", s["note"]))
    for index, record in enumerate(data["applications"], 1):
        state = {"deferred": " (vertagt)",
                 "incomplete": " (unvollständig, kann noch nicht beschlossen werden, R4)"}.get(
            record.status, "")
        story += sketch_story(
            record, s, f"{index}. {record.number} – {record.title or '(ohne Titel)'}"
            f"{state}")
    footer = f"Tagesordnung {data['conference']} · Stand: {format_date(today)}"
    return _build(story, title, data["county"], footer)


def minutes_pdf(data: dict, today: date) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    register_fonts()
    s = _styles()
    day = format_date(date.fromisoformat(data["date"]))
    title = f"Protokoll der Budget-II-Sitzung {data['conference']} am {day}"
    story: list[Any] = [
        _p(title, s["title"]),
        _p(f"Sitzung: {data['when']}", s["subtitle"]),
        _p("Vertretung des Landkreises anwesend: "
           + (", ".join(data["attending"]) or "niemand bestätigt (R9)"), s["text"]),
    ]
    if data["excused"]:
        story.append(_p("Verhindert: " + ", ".join(data["excused"]), s["text"]))
    story.append(_p("Beschlüsse", s["h2"]))
    rows: list[list[Any]] = [[_p(h, s["cell_bold"]) for h in
                              ("Nr.", "Antrag", "Beschluss", "Betrag", "Stimmen")]]
    words = {"approved": "bewilligt", "rejected": "abgelehnt", "deferred": "vertagt"}
    for row in data["decisions"]:
        outcome = words.get(row["outcome"], row["outcome"])
        if row["held"]:
            outcome += " (wartet auf Bestätigung, R9)"
        if row["vetoed"]:
            outcome += " (später Veto, R10)"
        votes = row.get("votes")
        amount = (format_cents(row["amount_cents"])
                  if row["outcome"] == "approved" and row["amount_cents"] is not None else "–")
        rows.append([
            _p(row["number"], s["cell"]),
            _p(f"{row['title']} ({row['applicant']})", s["cell"]),
            _p(outcome, s["cell"]),
            _p(amount.replace(" €", "\u00a0€"), s["cell"]),
            _p(Votes(**votes).render() if votes else "–", s["cell"]),
        ])
    table = Table(rows, colWidths=[31 * mm, 57 * mm, 30 * mm, 26 * mm, 30 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_FILL)),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor(GRID)),
    ]))
    story.append(table)
    story.append(_p(f"Bewilligt zusammen: {format_cents(data['approved_cents'])}. Danach "
                    f"verfügbar {data['year']}: {format_cents(data['free_cents'])}.", s["note"]))
    footer = f"Protokoll {data['conference']} {day} · Stand: {format_date(today)}"
    return _build(story, title, data["county"], footer)
