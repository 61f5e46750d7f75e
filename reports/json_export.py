"""The overview as JSON, for other programs: amounts as integer cents, dates as ISO strings."""

from __future__ import annotations

import json
from datetime import date

from reports.overview import ApplicationRow, Figures, Overview

SCHEMA = "sozialbot-overview/1"


def overview_to_dict(overview: Overview, today: date) -> dict:
    """Plain data with the German status labels next to the status codes."""
    return {
        "schema": SCHEMA,
        "county": overview.county,
        "year": overview.year,
        "conference": overview.conference,
        "as_of": today.isoformat(),
        "generated_at": overview.generated_at,
        "warnings": list(overview.warnings),
        "conferences": [
            {
                "code": conf.code,
                "name": conf.name,
                "closed": conf.closed,
                **_figures(conf.figures),
                "requested_cents": conf.requested_cents,
                "approved_cents": conf.approved_cents,
                "cofunding_cents": conf.cofunding_cents,
                "applications": [_application(row) for row in conf.applications],
            }
            for conf in overview.conferences
        ],
        "total": {
            **_figures(overview.total),
            "requested_cents": overview.requested_cents,
            "approved_cents": overview.approved_cents,
            "cofunding_cents": overview.cofunding_cents,
            "applications": len(overview.applications),
        },
    }


def render_json(overview: Overview, today: date) -> bytes:
    return (
        json.dumps(overview_to_dict(overview, today), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")


def _figures(figures: Figures) -> dict[str, int]:
    return {
        "allotment_cents": figures.allotment_cents,
        "carried_in_cents": figures.carried_in_cents,
        "bound_cents": figures.bound_cents,
        "available_cents": figures.available_cents,
        "lapsed_cents": figures.lapsed_cents,
        "carried_out_cents": figures.carried_out_cents,
        "shortfall_cents": figures.shortfall_cents,
    }


def _application(row: ApplicationRow) -> dict:
    return {
        "number": row.number,
        "applicant": row.applicant,
        "title": row.title,
        "requested_cents": row.requested_cents,
        "approved_cents": row.approved_cents,
        "status": row.status,
        "status_label": row.status_label,
        "session_date": row.session_date.isoformat() if row.session_date else None,
        "cofunding": (
            {"funder": row.cofunding_funder, "amount_cents": row.cofunding_cents}
            if row.cofunding_funder or row.cofunding_cents
            else None
        ),
        "veto_reason": row.veto_reason,
    }
