"""Everything as JSON with a stable schema (`sozialbot-export/1`, see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.context import Context
from rules.records import ConfirmationStatus
from storage.records import application_to_row

SCHEMA = "sozialbot-export/1"
APPLICATION_KEYS = ("number", "conference", "year", "applicant", "contact", "title",
                    "requested_cents", "approved_cents", "status", "submitted_on", "session_date",
                    "votes", "cofunding", "veto", "flags", "withdrawn")


def budget_year(application: dict[str, Any]) -> int:
    """The year whose overview lists an application: that of the session which last decided
    on it (an approval binds that year's money), else the year it was handed in."""
    session = application.get("session_date")
    return int(session[:4]) if session else int(application["year"])


def sketch_of(application: dict[str, Any]) -> dict[str, str]:
    """The sketch's own words (R4), for the county to check against the concept (R5)."""
    fields = application.get("fields") or {}
    return {key: str(fields.get(key) or "") for key in ("situation", "objective", "measure")}


def deferrals(ctx: Context, years: list[int]) -> dict[str, list[str]]:
    """The sessions (ISO dates) that deferred each application, from the booked decisions:
    the record keeps only the last decision, the overview of a deferral's year lists it too."""
    found: dict[str, set[str]] = {}
    for year in years:
        for confirmation in ctx.store.confirmations(year, ConfirmationStatus.BOOKED):
            if confirmation.is_correction:
                continue
            for line in confirmation.lines:
                if line.get("outcome") == "deferred":
                    found.setdefault(str(line["number"]), set()).add(confirmation.session_date)
    return {number: sorted(days) for number, days in found.items()}


def build_export(ctx: Context, now: datetime) -> dict[str, Any]:
    store, config = ctx.store, ctx.config
    years = store.years()
    conferences = []
    for conference in config.conferences:
        concept = store.concept(conference.code)
        conferences.append({
            "code": conference.code, "name": conference.name,
            "concept": {k: concept[k] for k in ("target_groups", "problems", "goals",
                                                "registered_on")} if concept else None,
        })
    # the export shows an application as it is stored (storage/records.py), schema unchanged
    deferred = deferrals(ctx, years)
    applications = [{**{k: row.get(k) for k in APPLICATION_KEYS},
                     "budget_year": budget_year(row), "sketch": sketch_of(row),
                     "corrections": row.get("corrections", []),
                     "deferred_in": deferred.get(row["number"], [])}
                    for year in years for row in map(application_to_row,
                                                     store.applications(year))]
    sessions = [{"conference": s.conference, "date": s.date, "time": s.time,
                 "place": s.place, "budget_ii": s.budget_ii,
                 "attended_by": list(s.attended_by), "status": str(s.status),
                 "moved_to": s.moved_to}
                for year in years for s in store.sessions(year)]
    ledger = [{"id": e.id, "year": e.year, "conference": e.conference, "kind": str(e.kind),
               "amount_cents": e.amount_cents, "application": e.application,
               "source_id": e.source_id, "booked_at": e.booked_at, "note": e.note,
               "correction": e.correction}
              for year in years for e in store.ledger(year)]
    balances = []
    for year in years or [now.year]:
        for conference in config.conferences:
            b = ctx.balance(conference, year)
            balances.append({
                "conference": conference.code, "year": year, "allotment_cents": b.allotment,
                "carried_in_cents": b.carried_in, "bound_cents": b.bound,
                "held_cents": b.held, "available_cents": b.available,
                "lapsed_cents": b.lapsed, "carried_out_cents": b.carried_out,
                "shortfall_cents": b.shortfall,
                "closed": store.year_closed(year),
            })
    return {
        "schema": SCHEMA,
        "generated_at": now.isoformat(timespec="seconds"),
        "county": config.county,
        "conferences": conferences,
        "applications": applications,
        "sessions": sessions,
        "ledger": ledger,
        "balances": balances,
    }
