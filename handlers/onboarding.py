"""Telegram onboarding: /einladen and /trennen for the administration, /start <code> for the
person invited. Codes are single-use and expire after seven days."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from handlers.context import Context, reply
from handlers.messages import Outcome
from rules.people import ROLE_NAMES
from rules.refusal import refuse
from storage.store import Store

INVITE_DAYS = 7


def new_invite(store: Store, person_id: str, now: datetime) -> str:
    code = secrets.token_urlsafe(12)
    store.save_invite({"code": code, "person": person_id, "used": False,
                       "expires_at": (now + timedelta(days=INVITE_DAYS)).isoformat(
                           timespec="seconds")})
    return code


def invite_text(username: str | None, person_name: str, code: str) -> str:
    lines = [f"Einladung für {person_name} (einmal nutzbar, {INVITE_DAYS} Tage gültig):"]
    if username:
        lines.append(f"https://t.me/{username.lstrip('@')}?start={code}")
    lines.append(f"oder im Chat mit dem Bot senden: /start {code}")
    return "\n".join(lines)


def invite(ctx: Context, args: str, body: str) -> Outcome:
    person = ctx.config.person(args.strip())
    if person is None:
        raise refuse("", "Bitte nennen Sie eine Person aus der Konfiguration, z. B. "
                         "/einladen sek-ade")
    code = new_invite(ctx.store, person.id, ctx.now)
    username = ctx.config.raw.get("telegram", {}).get("username")
    return reply(invite_text(username, person.name, code))


def unlink(ctx: Context, args: str, body: str) -> Outcome:
    person = ctx.config.person(args.strip())
    if person is None:
        raise refuse("", "Bitte nennen Sie eine Person aus der Konfiguration, z. B. "
                         "/trennen sek-ade")
    if not ctx.store.unlink(person.id):
        return reply(f"{person.name} war nicht mit Telegram verbunden.")
    return reply(f"Die Telegram-Verbindung von {person.name} ist getrennt.")


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
