"""/bericht [Jahr] [Format]: the county overview as a file (secretaries: their own conference)."""

from __future__ import annotations

from handlers.context import Context, reply
from handlers.messages import Document, Outcome
from handlers.scope import conference_and_year
from rules.refusal import refuse

FORMATS = ("pdf", "xlsx", "csv", "png", "json")


def run(ctx: Context, args: str, body: str) -> Outcome:
    words = args.split()
    fmt = next((w.lower() for w in words if w.lower() in FORMATS), "pdf")
    rest = " ".join(w for w in words if w.lower() not in FORMATS)
    conference, year, _ = conference_and_year(ctx, rest)
    from handlers.export import build_export  # not at import: `sozialbot run` starts faster
    from reports import ReportError, render

    try:
        filename, content_type, data = render(
            build_export(ctx, ctx.now), fmt, year=year,
            conference=conference.code if conference else None, today=ctx.today)
    except ReportError as error:
        raise refuse("", str(error)) from None
    where = conference.name if conference else "alle Sozialräume"
    return reply(f"Antragsübersicht Budget II {year}, {where} ({fmt.upper()}).",
                 documents=(Document(filename, content_type, data),))
