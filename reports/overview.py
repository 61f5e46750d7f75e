"""The county overview ("Antragsübersicht Budget II") of one year, built from an export dict.

Every renderer works from this one structure, so the formats cannot disagree about figures.
The balances come from the export's `balances` (the ledger's word), the application rows from its
`applications`; amounts stay integer cents until a renderer formats them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from rules.budget import shortfall_note
from rules.dates import format_date
from rules.money import format_cents
from rules.sketch import cofunding_entries


class ReportError(ValueError):
    """A report cannot be made as asked; the message is German and meant for the person asking."""


TOTAL_LABEL = "Landkreis gesamt"

STATUS_LABELS: dict[str, str] = {
    "submitted": "eingereicht",
    "incomplete": "unvollständig",
    "approved": "bewilligt",
    "rejected": "abgelehnt",
    "deferred": "vertagt",
    "held": "zurückgehalten",
    "vetoed": "Veto",
    "withdrawn": "zurückgezogen",
    "erased": "gelöscht (Datenschutz)",
}


SKETCH_LABELS = (("situation", "Ausgangslage"), ("objective", "Zielsetzung"),
                 ("measure", "Maßnahme"))


@dataclass(frozen=True)
class ApplicationRow:
    """One application as the overview lists it."""

    number: str
    applicant: str
    title: str
    requested_cents: int
    approved_cents: int | None
    status: str
    status_label: str
    session_date: date | None
    cofunding_funder: str | None
    cofunding_cents: int | None
    veto_reason: str | None
    sketch: tuple[tuple[str, str], ...] = ()
    """Ausgangslage, Zielsetzung, Maßnahme as (label, text), where the export has them."""
    note: str = ""
    """A correction of the decision, or the withdrawal, in words (from the export)."""

    @property
    def binds_money(self) -> bool:
        """Only approved applications hold money: held ones wait for the county (R9), vetoed
        ones gave it back (R10).
        """
        return self.status == "approved"

    @property
    def bound_cents(self) -> int | None:
        """The approved amount where it holds money, else None: the "Bewilligt" column.

        Showing only these keeps every column sum equal to the conference's bound balance; the
        decided amount of a held or vetoed application is named in the remark instead.
        """
        return self.approved_cents if self.binds_money else None

    @property
    def remark(self) -> str:
        """German note for held and vetoed decisions (R9, R10), corrections and withdrawals."""
        decided = format_cents(self.approved_cents) if self.approved_cents is not None else ""
        state = ""
        if self.status == "held":
            amount = f"über {decided} " if decided else ""
            state = f"Beschluss {amount}wartet auf Bestätigung durch den Landkreis (R9)."
        if self.status == "vetoed":
            reason = (self.veto_reason or "").strip()
            if reason and reason[-1] not in ".!?":
                reason += "."
            returned = f" {decided} zurückgebucht." if decided else ""
            state = f"Veto (R10): {reason}{returned}".strip()
        return " ".join(part for part in (state, self.note) if part)


@dataclass(frozen=True)
class Figures:
    """The money of a conference (or of the county) in a year, in cents.

    allotment + carried_in = bound + available + lapsed + carried_out.
    """

    allotment_cents: int
    carried_in_cents: int
    bound_cents: int
    available_cents: int
    lapsed_cents: int
    carried_out_cents: int
    shortfall_cents: int = 0
    """Bound beyond the year's money, after the allotment was lowered below it (R1, R3):
    allotment + carried_in + shortfall = bound + available + lapsed + carried_out."""

    @property
    def total_cents(self) -> int:
        """All money the year had: allotment plus what came in from the year before."""
        return self.allotment_cents + self.carried_in_cents


@dataclass(frozen=True)
class ConferenceOverview:
    """One conference: its balance in the year and its applications of that year."""

    code: str
    name: str
    figures: Figures
    closed: bool
    applications: tuple[ApplicationRow, ...]

    @property
    def requested_cents(self) -> int:
        return sum(row.requested_cents for row in self.applications)

    @property
    def approved_cents(self) -> int:
        """Approved money of applications that hold it (equals bound unless money was released)."""
        return sum(row.bound_cents or 0 for row in self.applications)

    @property
    def cofunding_cents(self) -> int:
        return sum(row.cofunding_cents or 0 for row in self.applications)


@dataclass(frozen=True)
class Overview:
    """The whole report: county, year, conferences in the export's order, and the county total."""

    county: str
    year: int
    generated_at: str
    conferences: tuple[ConferenceOverview, ...]
    total: Figures
    conference: str | None = None
    """The code asked for when the report is one conference's (a secretary's), else None."""

    @property
    def total_label(self) -> str:
        return TOTAL_LABEL if self.conference is None else "Summe"

    @property
    def scope(self) -> str:
        """Whose figures: "Landkreis Lüneburg" or "Landkreis Lüneburg · Sozialraum Bleckede"."""
        if self.conference is None or not self.conferences:
            return self.county
        return f"{self.county} · Sozialraum {self.conferences[0].name}"

    @property
    def applications(self) -> tuple[ApplicationRow, ...]:
        return tuple(row for conf in self.conferences for row in conf.applications)

    @property
    def figure_columns(self) -> tuple[tuple[str, str], ...]:
        """FIGURE_COLUMNS, and the shortfall where there is one."""
        if self.total.shortfall_cents:
            return (*FIGURE_COLUMNS, SHORTFALL_COLUMN)
        return FIGURE_COLUMNS

    @property
    def warnings(self) -> tuple[str, ...]:
        """German warnings every format prints: allotments lowered below what is bound."""
        return tuple(
            shortfall_note(f"{conf.name} ({conf.code})", conf.figures.allotment_cents,
                           conf.figures.bound_cents, conf.figures.shortfall_cents)
            for conf in self.conferences if conf.figures.shortfall_cents)

    @property
    def requested_cents(self) -> int:
        return sum(conf.requested_cents for conf in self.conferences)

    @property
    def approved_cents(self) -> int:
        return sum(conf.approved_cents for conf in self.conferences)

    @property
    def cofunding_cents(self) -> int:
        return sum(conf.cofunding_cents for conf in self.conferences)


def available_years(export: dict) -> list[int]:
    """Years the export knows anything about, for an error message that helps."""
    years = {int(b["year"]) for b in export.get("balances", [])}
    years |= {_budget_year(a) for a in export.get("applications", [])}
    return sorted(years)


def resolve_conference(export: dict, conference: str) -> str:
    """Accept a code or a name in any case ("ade", "Adendorf"); return the code."""
    wanted = conference.strip().casefold()
    for conf in export.get("conferences", []):
        if wanted in (conf["code"].casefold(), conf["name"].casefold()):
            return conf["code"]
    known = ", ".join(c["code"] for c in export.get("conferences", []))
    raise ReportError(
        f"Den Sozialraum „{conference.strip()}“ kenne ich nicht. Bekannt sind: {known}."
    )


def build_overview(export: dict, year: int, conference: str | None = None) -> Overview:
    """Collect the overview of `year`, for all conferences or only `conference` (code or name)."""
    if year not in available_years(export):
        known = ", ".join(str(y) for y in available_years(export)) or "keine"
        raise ReportError(f"Für das Jahr {year} liegen keine Zahlen vor. Vorhanden sind: {known}.")
    only = resolve_conference(export, conference) if conference else None
    balances = {b["conference"]: b for b in export.get("balances", []) if b["year"] == year}
    rows: dict[str, list[ApplicationRow]] = {}
    for app in export.get("applications", []):
        if _budget_year(app) == year:
            rows.setdefault(app["conference"], []).append(_row(app))
        elif deferred := _deferred_in(app, year):
            rows.setdefault(app["conference"], []).append(_deferred_row(app, deferred))
    names = {conf["code"]: conf["name"] for conf in export.get("conferences", [])}
    # A code with money or applications but no longer configured still shows, under its code.
    for code in sorted((set(balances) | set(rows)) - set(names)):
        names[code] = code
    conferences = tuple(
        ConferenceOverview(
            code=code,
            name=name,
            figures=_figures(balances.get(code)),
            closed=bool(balances.get(code, {}).get("closed", False)),
            applications=tuple(sorted(rows.get(code, []), key=lambda r: r.number)),
        )
        for code, name in names.items()
        if only is None or code == only
    )
    return Overview(
        county=export.get("county", ""),
        year=year,
        generated_at=export.get("generated_at", ""),
        conferences=conferences,
        total=_sum_figures(conf.figures for conf in conferences),
        conference=only,
    )


def _budget_year(app: dict) -> int:
    """The year whose money an application's decision concerns (`budget_year`, added to
    `sozialbot-export/1` later: older exports have only the year it was handed in)."""
    return int(app.get("budget_year") or app["year"])


def _row(app: dict) -> ApplicationRow:
    funders = cofunding_entries(app.get("cofunding"))
    amounts = [int(f["amount_cents"]) for f in funders if f.get("amount_cents") is not None]
    veto = app.get("veto") or {}
    session = app.get("session_date")
    status = app["status"]
    return ApplicationRow(
        number=app["number"],
        applicant=app.get("applicant") or "",
        title=app.get("title") or "",
        requested_cents=int(app.get("requested_cents") or 0),
        approved_cents=None if app.get("approved_cents") is None else int(app["approved_cents"]),
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        session_date=date.fromisoformat(session) if session else None,
        cofunding_funder="; ".join(str(f.get("funder") or "") for f in funders) or None,
        cofunding_cents=sum(amounts) if amounts else None,
        veto_reason=veto.get("reason"),
        sketch=tuple((label, str((app.get("sketch") or {}).get(key) or ""))
                     for key, label in SKETCH_LABELS if app.get("sketch")),
        note=_note(app),
    )


def _deferred_in(app: dict, year: int) -> date | None:
    """The last session of `year` that deferred an application decided in a later year
    (`deferred_in`, added to `sozialbot-export/1` later: older exports have none)."""
    days = [d for d in app.get("deferred_in") or () if int(d[:4]) == year]
    return date.fromisoformat(max(days)) if days else None


def _deferred_row(app: dict, day: date) -> ApplicationRow:
    """An application on this year's agenda and deferred: listed here with nothing bound (the
    money counts in the year that decided it, named in the remark)."""
    later = _budget_year(app)
    status = app["status"]
    then = STATUS_LABELS.get(status, status) if app.get("session_date") else "offen"
    return replace(_row(app), approved_cents=None, status="deferred",
                   status_label=STATUS_LABELS["deferred"], session_date=day,
                   note=f"Vertagt; in {later}: {then}.")


def _note(app: dict) -> str:
    """German note for a corrected decision (when, what it was before, why) or a withdrawal."""
    withdrawn = app.get("withdrawn")
    if withdrawn:
        on = format_date(date.fromisoformat(withdrawn["on"]))
        reason = f": {withdrawn['reason']}" if withdrawn.get("reason") else ""
        return f"Zurückgezogen am {on}{reason}"
    corrections = app.get("corrections") or []
    if not corrections:
        return ""
    last = corrections[-1]
    before = last["before"]
    was = STATUS_LABELS.get(before["status"], before["status"])
    if before.get("approved_cents"):
        was += f" {format_cents(before['approved_cents'])}"
    on = format_date(date.fromisoformat(last["on"]))
    return f"Korrigiert am {on} (vorher {was}): {last['reason']}"


def _figures(balance: dict | None) -> Figures:
    """A conference without a balance row that year has no money: all zero."""
    b = balance or {}
    return Figures(
        allotment_cents=int(b.get("allotment_cents", 0)),
        carried_in_cents=int(b.get("carried_in_cents", 0)),
        bound_cents=int(b.get("bound_cents", 0)),
        available_cents=int(b.get("available_cents", 0)),
        lapsed_cents=int(b.get("lapsed_cents", 0)),
        carried_out_cents=int(b.get("carried_out_cents", 0)),
        shortfall_cents=int(b.get("shortfall_cents", 0)),
    )


def _sum_figures(items: Iterable[Figures]) -> Figures:
    items = list(items)
    return Figures(
        allotment_cents=sum(f.allotment_cents for f in items),
        carried_in_cents=sum(f.carried_in_cents for f in items),
        bound_cents=sum(f.bound_cents for f in items),
        available_cents=sum(f.available_cents for f in items),
        lapsed_cents=sum(f.lapsed_cents for f in items),
        carried_out_cents=sum(f.carried_out_cents for f in items),
        shortfall_cents=sum(f.shortfall_cents for f in items),
    )


APPLICATION_HEADERS = (
    "Nr.",
    "Antragsteller",
    "Titel",
    "Beantragt",
    "Bewilligt",
    "Status",
    "Sitzung",
    "Kofinanzierung: Geldgeber",
    "Kofinanzierung: Betrag",
    "Bemerkung",
)
"""The columns of an application row in the spreadsheet formats (xlsx, csv)."""

FIGURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("allotment_cents", "Zuweisung"),
    ("carried_in_cents", "Übertrag aus Vorjahr"),
    ("bound_cents", "Gebunden"),
    ("available_cents", "Verfügbar"),
    ("lapsed_cents", "Verfallen"),
    ("carried_out_cents", "Übertrag ins Folgejahr"),
)
"""The balance columns every format shows, in this order, with their German headings."""

SHORTFALL_COLUMN = ("shortfall_cents", "Fehlbetrag (R3)")
"""Shown after them only in a report where an allotment was lowered below what is bound."""


def report_title(overview: Overview) -> str:
    return f"Antragsübersicht Budget II {overview.year}"
