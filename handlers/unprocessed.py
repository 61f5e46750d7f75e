"""A message a channel set aside after its last failed attempt: the administration is told once.

The channel calls this through `Core.report_unprocessed`; the notification goes through the
outbox like any other, keyed by the message's source id, so a second report (after a restart,
or from a second attempt at setting it aside) adds nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from storage.text import storable

if TYPE_CHECKING:
    from handlers.service import Core

def report(core: Core, channel: str, source_id: str, sender: str, error: str,
           where: str, now: datetime) -> bool:
    """Notify every person with the administration role; True when this was news."""
    ctx = core.system_context(now, storable(f"unprocessed:{source_id}"))
    text = storable(
        f"Eine Nachricht konnte nach mehreren Versuchen nicht verarbeitet werden.\n"
        f"Kanal: {ctx.config.channel_labels.get(channel, channel)}\n"
        f"Absender: {sender or '(unbekannt)'}\n"
        f"Fehler: {error}\n"
        f"Sie liegt {where}. Die anderen Nachrichten wurden weiter bearbeitet.")
    for person in ctx.config.people_with_role("administration"):
        ctx.notify(person.id, text, "unprocessed", storable(f"unprocessed:{source_id}:{person.id}"))
    if not ctx.notifications:
        return False
    return core.commit_system(ctx).accepted
