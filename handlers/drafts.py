"""Sketches sent without a social space, kept to join the lines their sender sends next (R4).

Such a sketch is refused (no social space, no number). An applicant who then sends only the
missing lines ("Hier noch die fehlenden Angaben: Ausgangslage: …") means the first mail as
well: her lines are joined to her last such sketch of the past `KEEP` days. The sketch is kept
in the store (one row per sender in the global file's "drafts" table), written in the same
commit as the refusal's answer, so a restart does not forget it; it is dropped when joined, and
an expired one when the next draft is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Context

KEEP = timedelta(days=14)
MOST = 1_000  # senders kept at once; the oldest goes first


def keep(ctx: Context, fields: dict[str, str]) -> None:
    """Keep the sender's sketch; the refusal that follows is committed with it."""
    ctx.store.save_draft({"sender": ctx.identity.key, "at": ctx.now.isoformat(timespec="seconds"),
                          "fields": dict(fields)},
                         expired_before=(ctx.now - KEEP).isoformat(timespec="seconds"), most=MOST)
    ctx.keep_refused = True


def last(ctx: Context) -> tuple[datetime, dict[str, str]] | None:
    """The sender's draft if it is recent (and not from the future of a replayed mail)."""
    row = ctx.store.draft(ctx.identity.key)
    if row is None:
        return None
    sent = datetime.fromisoformat(row["at"])
    if not ctx.now - KEEP <= sent <= ctx.now:
        return None
    return sent, dict(row["fields"])


def drop(ctx: Context) -> None:
    ctx.store.drop_draft(ctx.identity.key)
