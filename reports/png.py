"""The overview as a bar chart (PNG): one bar per conference, where its money stands.

Each conference gets a stacked bar of all money the year had (allotment + carry-in), split into
bound, available, lapsed and carried out; a thin bar under it shows the carry-in from the year
before. Carried money is spent first (R2), so the thin bar lines up with the part of the bound
money that came from last year. Drawn with matplotlib's object API on the Agg canvas: no display,
no pyplot global state.
"""

from __future__ import annotations

import io
from datetime import date

from reports.overview import Overview
from rules.dates import format_date
from rules.money import format_cents

SEGMENTS = (
    ("bound_cents", "Gebunden", "#2F5D8A"),
    ("available_cents", "Verfügbar", "#8CC7A1"),
    ("lapsed_cents", "Verfallen", "#C8553D"),
    ("carried_out_cents", "Übertrag ins Folgejahr", "#9C89B8"),
)
CARRY_IN = ("carried_in_cents", "Übertrag aus Vorjahr", "#F2A65A")


def euro_tick(value: float) -> str:
    """Axis label in German: "12.000 €" (whole euros, the cents would only clutter)."""
    text = format_cents(round(value * 100))
    return text.replace(",00", "")


def render_png(overview: Overview, today: date) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    confs = overview.conferences
    fig = Figure(figsize=(11, 2.6 + 0.62 * len(confs)), dpi=130)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(confs)))
    main_height, thin_height = 0.5, 0.16
    for key, label, colour in SEGMENTS:
        widths = [getattr(c.figures, key) / 100 for c in confs]
        lefts = [_left_of(c.figures, key) / 100 for c in confs]
        if any(widths) or key != "carried_out_cents":
            ax.barh(
                positions,
                widths,
                left=lefts,
                height=main_height,
                color=colour,
                label=label,
                edgecolor="white",
                linewidth=0.6,
            )
    key, label, colour = CARRY_IN
    ax.barh(
        [p + main_height / 2 + thin_height / 2 + 0.03 for p in positions],
        [getattr(c.figures, key) / 100 for c in confs],
        height=thin_height,
        color=colour,
        label=label,
    )
    largest = max((c.figures.total_cents for c in confs), default=0) / 100
    for position, conf in zip(positions, confs, strict=True):
        total = conf.figures.total_cents
        ax.text(
            total / 100 + largest * 0.01,
            position,
            f"{format_cents(conf.figures.bound_cents)} von {format_cents(total)} gebunden"
            + (f", Fehlbetrag {format_cents(conf.figures.shortfall_cents)} (R3)"
               if conf.figures.shortfall_cents else ""),
            va="center",
            ha="left",
            fontsize=8.5,
            color="#333333",
        )
    ax.set_yticks(positions, [f"{c.name} ({c.code})" for c in confs], fontsize=10)
    ax.set_ylim(len(confs) - 0.4, -0.45)  # top to bottom, same bar thickness for any count
    ax.set_xlim(0, max(largest * 1.32, 1))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: euro_tick(value)))
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        f"Budget II {overview.year} – {overview.county}: Mittel je Sozialraum\n"
        f"Gebunden insgesamt {format_cents(overview.total.bound_cents)} "
        f"von {format_cents(overview.total.total_cents)} · Stand: {format_date(today)}",
        fontsize=13,
        loc="left",
        pad=12,
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=5, frameon=False, fontsize=9.5)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", facecolor="white")
    return out.getvalue()


def _left_of(figures: object, key: str) -> int:
    """Where a segment starts: the sum of the segments before it in the stack."""
    left = 0
    for other, _, _ in SEGMENTS:
        if other == key:
            return left
        left += getattr(figures, other)
    return left
