"""/start <code>: link a Telegram chat to a configured person with a one-time invite code."""

from __future__ import annotations

from datetime import datetime

from handlers.context import Context, reply
from handlers.messages import Outcome
from rules.people import ROLE_NAMES
from rules.refusal import refuse


def run(ctx: Context, args: str, body: str) -> Outcome:
    code = args.strip()
    if not code:
        from handlers import help

        return help.run(ctx, "", "")
    if ctx.message.sender.channel != "telegram":
        raise refuse("", "Einladungscodes gelten nur für Telegram.")
    invite = ctx.store.invite(code)
    expired = invite is not None and datetime.fromisoformat(invite["expires_at"]) < ctx.now
    if invite is None or invite["used"] or expired:
        raise refuse("", "Dieser Einladungscode ist ungültig, schon benutzt oder abgelaufen "
                         "(Codes gelten 7 Tage). Bitte bitten Sie die Kreisverwaltung um einen "
                         "neuen.")
    person = ctx.config.person(invite["person"])
    if person is None:
        raise refuse("", "Zu diesem Code gibt es keine Person mehr. Bitte wenden Sie sich an die "
                         "Kreisverwaltung.")
    invite.update({"used": True, "used_at": ctx.now.isoformat(timespec="seconds"),
                   "chat_id": ctx.message.sender.address})
    ctx.store.save_invite(invite)
    ctx.store.link(person.id, ctx.message.sender.address)
    return reply(f"Willkommen, {person.name}! Dieser Telegram-Zugang ist jetzt als "
                 f"{ROLE_NAMES[person.role]} verbunden. /hilfe zeigt, was Sie tun können.")
