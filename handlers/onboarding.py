"""Onboarding on the messengers (Config.invite_channels: Telegram, Matrix): /einladen and
/trennen for the administration, /start <code> for the person invited, which links her chat in
the address book. Codes are single-use and expire after seven days."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from handlers import codes
from handlers.context import Context, ask, reply
from handlers.messages import Action, Outcome
from rules.people import ROLE_NAMES, normal_address
from rules.refusal import refuse
from storage.store import Store

INVITE_DAYS = 7


def new_invite(store: Store, person_id: str, now: datetime) -> str:
    code = secrets.token_urlsafe(12)
    store.save_invite({"code": code, "person": person_id, "used": False,
                       "expires_at": (now + timedelta(days=INVITE_DAYS)).isoformat(
                           timespec="seconds")})
    return code


def invite_text(username: str | None, person_name: str, code: str,
                matrix_user: str | None = None) -> str:
    lines = [f"Einladung für {person_name} (einmal nutzbar, {INVITE_DAYS} Tage gültig):"]
    if username:
        lines.append(f"https://t.me/{username.lstrip('@')}?start={code}")
    lines.append(f"oder im Chat mit dem Bot senden: /start {code}")
    if matrix_user:
        lines.append(f"In Matrix (z. B. Element): dem Bot {matrix_user} eine Direktnachricht "
                     f"senden: /start {code}")
    return "\n".join(lines)


def _choose_person(ctx: Context, command: str) -> Outcome:
    """/einladen or /trennen alone: a button for each configured person."""
    people = ctx.config.people
    return ask(f"Für wen? Tippen Sie auf eine Person oder senden Sie z. B. {command} "
                 f"{people[0].id}" if people else "In der Konfiguration steht noch niemand.",
                 actions=tuple(Action(p.name[:40], f"{command} {p.id}") for p in people[:20]))


def invite(ctx: Context, args: str, body: str) -> Outcome:
    if not args.strip():
        return _choose_person(ctx, "/einladen")
    person = ctx.config.person(args.strip())
    if person is None:
        raise refuse("", "Bitte nennen Sie eine Person aus der Konfiguration, z. B. "
                         "/einladen sek-ade")
    code = new_invite(ctx.store, person.id, ctx.now)
    return reply(invite_text(ctx.config.telegram_username, person.name, code,
                             ctx.config.matrix_user_id))


def unlink(ctx: Context, args: str, body: str) -> Outcome:
    if not args.strip():
        return _choose_person(ctx, "/trennen")
    person = ctx.config.person(args.strip())
    if person is None:
        raise refuse("", "Bitte nennen Sie eine Person aus der Konfiguration, z. B. "
                         "/trennen sek-ade")
    voided = ctx.store.void_invites(person.id, ctx.now.isoformat(timespec="seconds"))
    note = (f" {voided} noch offene Einladung(en) gelten nicht mehr." if voided else "")
    if not ctx.store.unlink(person.id):
        return reply(f"{person.name} war mit keinem Messenger verbunden.{note}")
    return reply(f"Die Messenger-Verbindung ({', '.join(_labels(ctx))}) von {person.name} ist "
                 f"getrennt.{note}")


def _labels(ctx: Context) -> list[str]:
    return [ctx.config.channel_labels.get(c, c) for c in ctx.config.invite_channels]


def _report(ctx: Context, text: str, key: str) -> None:
    for admin in ctx.config.people_with_role("administration"):
        ctx.notify(admin.id, text, "warning", f"{key}:{admin.id}")


def _reused(ctx: Context, invite: dict) -> Outcome:
    """A used invite tried again from another chat: it was passed on. The administration hears
    of it (this is accepted, so the report is kept); the chat gets the usual refusal."""
    person = ctx.config.person(invite["person"])
    name = person.name if person else invite["person"]
    chat = normal_address(ctx.message.sender.address)
    label = ctx.config.channel_labels.get(ctx.message.sender.channel,
                                          ctx.message.sender.channel)
    _report(ctx, f"Die schon eingelöste Einladung für {name} wurde noch einmal "
                 f"benutzt, von einem anderen {label}-Konto (Chat {chat}, "
                 f"„{ctx.message.sender.display_name[:60]}“). Wahrscheinlich wurde sie "
                 "weitergeleitet. Es wurde nichts verbunden.",
            f"invite-reused:{invite['code'][:8]}:{chat}")
    return reply("Dieser Einladungscode ist ungültig, schon benutzt oder abgelaufen (Codes "
                 "gelten 7 Tage). Bitte bitten Sie die Kreisverwaltung um einen neuen.")


def run(ctx: Context, args: str, body: str) -> Outcome:
    code = args.strip()
    if not code:
        from handlers import help

        return help.run(ctx, "", "")
    channel = ctx.message.sender.channel
    if channel not in ctx.config.invite_channels:
        raise refuse("", f"Einladungscodes gelten nur für {' und '.join(_labels(ctx))}.")
    label = ctx.config.channel_labels.get(channel, channel)
    chat = normal_address(ctx.message.sender.address)
    blocked = codes.check_attempts(ctx.wrong_codes, f"{channel}:{chat}", ctx.config.security)
    if blocked:
        raise refuse("", blocked)
    invite = ctx.store.invite(code)
    expired = invite is not None and datetime.fromisoformat(invite["expires_at"]) < ctx.now
    if invite is not None and invite["used"] and (invite.get("chat_id"),
                                                  invite.get("channel")) != (chat, channel):
        return _reused(ctx, invite)
    if invite is None or invite["used"] or expired or invite.get("voided_at"):
        more = codes.note_wrong(ctx.wrong_codes, f"{channel}:{chat}", ctx.config.security)
        raise refuse("", "Dieser Einladungscode ist ungültig, schon benutzt oder abgelaufen "
                         "(Codes gelten 7 Tage). Bitte bitten Sie die Kreisverwaltung um einen "
                         f"neuen.{more}")
    person = ctx.config.person(invite["person"])
    if person is None:
        raise refuse("", "Zu diesem Code gibt es keine Person mehr. Bitte wenden Sie sich an die "
                         "Kreisverwaltung.")
    before = ctx.store.address_of(person.id, channel)
    invite.update({"used": True, "used_at": ctx.now.isoformat(timespec="seconds"),
                   "chat_id": chat, "channel": channel})
    ctx.store.save_invite(invite)
    ctx.store.link(person.id, channel, chat)
    if before is not None and before != chat:
        _report(ctx, f"Die {label}-Einladung für {person.name} ({person.id}) wurde von einem "
                     f"anderen {label}-Konto eingelöst (Chat {chat}, "
                     f"„{ctx.message.sender.display_name[:60]}“); bisher war {person.name} mit "
                     f"Chat {before} verbunden. War das nicht {person.name} selbst (eine "
                     f"weitergeleitete Einladung), trennen Sie es mit /trennen {person.id}.",
                f"invite-moved:{invite['code'][:8]}")
    return reply(f"Willkommen, {person.name}! Dieser {label}-Zugang ist jetzt als "
                 f"{ROLE_NAMES[person.role]} verbunden. /hilfe zeigt, was Sie tun können.")
