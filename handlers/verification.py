"""A configured person's command from a channel that could not vouch for the sender.

An e-mail's From can be forged. When the channel says a mail is not verified (no trusted DMARC
pass, see `bot.mail.sender`), a configured person's command is not run: it is kept, and the answer,
which the channel sends only to the address on record, shows it with a one-time code. Nothing
changes until that code comes back (/freigeben CODE). The code is the proof: only the real
person reads the mailbox on record. This is decided here, for every command in the registry,
so a command added later is covered without knowing about it (`Command.unverified_ok` lists the
few that need no proof: /hilfe, and those that take a code sent to the address on record).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from email.utils import getaddresses

from handlers import codes
from handlers.context import Context, reply
from handlers.messages import Action, Attachment, Outcome
from rules.answers import MAX_WORDS_CHARS
from rules.dates import format_date
from rules.numbers import NUMBER
from rules.refusal import refuse

MAX_OPEN = 5  # open requests per person; a newer one voids the oldest (a flood of forged mails)
MAX_PER_HOUR = 20  # requests per person an hour; more are refused (the store stays small)
SHOWN_LINES = 12


def needs_confirmation(ctx: Context, unverified_ok: bool) -> bool:
    return ctx.person is not None and not ctx.message.sender.verified and not unverified_ok


def hold(ctx: Context, command: str) -> Outcome:
    """Keep the command; answer with what it would do and the code that runs it."""
    assert ctx.person is not None
    now_iso = ctx.now.isoformat(timespec="seconds")
    requests = sorted(ctx.store.requests(ctx.person.id), key=lambda r: r["created_at"])
    hour_ago = (ctx.now - timedelta(hours=1)).isoformat(timespec="seconds")
    if sum(r["created_at"] >= hour_ago for r in requests) >= MAX_PER_HOUR:
        raise refuse("", f"In der letzten Stunde kamen schon {MAX_PER_HOUR} unbestätigte "
                         "Anfragen per E-Mail in Ihrem Namen; weitere nehme ich erst in einer "
                         "Stunde an. Es wurde nichts geändert. Falls Sie sie nicht gesendet "
                         "haben, informieren Sie bitte die Kreisverwaltung.")
    open_ = [r for r in requests if r["status"] == "open"
             and not codes.expired(r["created_at"], ctx.now, ctx.config.security)]
    # At most MAX_OPEN wait; the newest request always gets its code. Refusing it instead let
    # five forged mails block the person's own mail commands for the codes' days (14).
    voided = open_[:max(0, len(open_) - MAX_OPEN + 1)]
    for record in voided:
        ctx.store.save_request({**record, "status": "replaced", "replaced_at": now_iso,
                                "text": "", "attachments": []})
    code = codes.new_code()
    message = ctx.message
    ctx.store.save_request({
        "code": code, "person": ctx.person.id, "command": command, "text": message.text,
        "attachments": [[a.filename, a.content_type, a.text] for a in message.attachments],
        "refers_to": list(message.refers_to), "from": message.sender.address,
        "reply_to": message.sender.reply_to, "created_at": now_iso, "status": "open",
        "source_id": message.source_id,
    })
    lines = message.text.strip().splitlines() or [f"/{command}"]
    shown = "\n".join(f"> {line[:200]}" for line in lines[:SHOWN_LINES])
    if len(lines) > SHOWN_LINES:
        shown += f"\n> … ({len(lines) - SHOWN_LINES} weitere Zeilen)"
    if message.attachments:  # what runs with it must be seen before it is released
        shown += "\nMit Anlagen: " + ", ".join(
            f"„{a.filename[:60]}“ ({len(a.text)} Zeichen)" for a in message.attachments)
    until = format_date(codes.valid_until(ctx.now, ctx.config.security).date())
    text = (
        f"Achtung: Diese Anfrage kam per E-Mail in Ihrem Namen, aber der Absender ist nicht "
        "bestätigt. Vielleicht haben Sie sie nicht selbst gesendet: der Absender einer E-Mail "
        "kann gefälscht sein.\n"
        f"Absender: {message.sender.address}\n"
        f"Antwort an (Reply-To): {reply_to_addresses(message.sender.reply_to)}\n"
        f"Anfrage (/{command}):\n{shown}\n\n"
        "Es wurde nichts geändert. Wenn die Anfrage von Ihnen ist, senden Sie "
        f"/freigeben {code} (gültig bis {until}). Wenn nicht, tun Sie nichts und informieren Sie "
        "bitte die Kreisverwaltung.")
    if voided:
        text += (f"\nEs warteten schon {len(open_)} solche Anfragen; die älteste gilt nicht mehr "
                 f"(höchstens {MAX_OPEN} warten). Haben Sie sie gesendet, senden Sie sie bitte "
                 "neu.")
    return reply(text, actions=(Action("Ausführen", f"/freigeben {code}"),))


def reply_to_addresses(reply_to: str) -> str:
    """The addresses of a Reply-To, without their display names: the forger writes those, and
    "Code bitte an die IT weiterleiten" must not read like the bot's own words to staff."""
    addresses = [a for _, a in getaddresses([reply_to[:320]]) if "@" in a]
    if addresses:
        return ", ".join(addresses)
    return "(keine Adresse)" if reply_to.strip() else "(keine Angabe)"


def release(ctx: Context, args: str, body: str) -> Outcome:
    """/freigeben CODE: run the kept command as if the person had sent it herself."""
    from handlers import commands

    who = ctx.identity.key
    guesser = codes.guesser(who, ctx.message.sender.verified)
    blocked = codes.check_attempts(ctx.wrong_codes, guesser, ctx.config.security)
    if blocked:
        raise refuse("", blocked)
    code = args.strip().split(" ")[0].upper()
    if not code:  # tapped in the menu: not a wrong code, nothing to count
        raise refuse("", "Bitte senden Sie /freigeben und dahinter den Code aus der Nachricht, "
                         "die Sie zu Ihrer Anfrage per E-Mail erhalten haben.")
    record = ctx.store.request(code)
    if record is None or record["person"] != who:
        more = codes.note_wrong(ctx.wrong_codes, guesser, ctx.config.security)
        raise refuse("", f"Den Code „{code[:12]}“ finde ich nicht. Bitte senden Sie genau den "
                         f"Code aus der Nachricht, die Sie erhalten haben.{more}")
    if record["status"] == "replaced":
        raise refuse("", f"Die Anfrage mit dem Code {code} gilt nicht mehr: danach kamen "
                         f"{MAX_OPEN} weitere unbestätigte Anfragen in Ihrem Namen. Es wurde "
                         "nichts geändert. Bitte senden Sie die Anfrage neu.")
    if record["status"] == "declined":
        raise refuse("", f"Die Anfrage mit dem Code {code} haben Sie als nicht Ihre abgelehnt; "
                         "es wurde nichts geändert. Wenn Sie sie doch möchten, senden Sie sie "
                         "bitte neu.")
    if record["status"] != "open":
        raise refuse("", f"Die Anfrage mit dem Code {code} ist schon ausgeführt.")
    if codes.expired(record["created_at"], ctx.now, ctx.config.security):
        raise refuse("", f"Der Code {code} ist abgelaufen (gültig {ctx.config.security.code_days}"
                         " Tage). Bitte senden Sie die Anfrage neu.")
    record["status"] = "done"
    record["done_at"] = ctx.now.isoformat(timespec="seconds")
    ctx.store.save_request(record)
    ctx.message = replace(
        ctx.message, text=record["text"],
        attachments=tuple(Attachment(*a) for a in record["attachments"]),
        refers_to=tuple(record["refers_to"]),
        sender=replace(ctx.message.sender, verified=True))
    return commands.dispatch(ctx)


_RELEASE_CODE = re.compile(rf"(?:/freigeben\s+)?({codes.CODE_PATTERN})")


def answered(ctx: Context, denial: bool) -> Outcome | None:
    """A short reply to the warning about a request in the person's name (its code is in what
    the reply answers): it is about that request, never read as anything else. Before, her
    "Nein" (it was not me) to the warning about a forged /veto was read as "verhindert" and
    excused her from the next Budget II session (R9), and "ok" as her attendance.

    `denial` ("Nein", "Das war ich nicht"): the request is voided and the administration is
    told who sent it; anything else gets the line that runs it. Nothing runs on a guess: "Ja"
    may as well mean "yes, it is forged"."""
    if ctx.person is None or not (denial or len(ctx.message.text) <= MAX_WORDS_CHARS):
        return None  # a longer text in the thread is a new message, unless it starts with no
    record = next((r for ref in ctx.message.refers_to
                   if (found := _RELEASE_CODE.fullmatch(ref))
                   and (r := ctx.store.request(found.group(1))) is not None
                   and r["person"] == ctx.person.id), None)
    if record is None:
        return None
    code, command = record["code"], record["command"]
    status = record["status"]
    if status == "open" and codes.expired(record["created_at"], ctx.now, ctx.config.security):
        status = "expired"
    about = f"Die Anfrage (/{command}) per E-Mail in Ihrem Namen mit dem Code {code}"
    if status == "declined":
        return Outcome(False, reply(f"{about} haben Sie schon verworfen; es wurde nichts "
                                    "geändert.").replies)
    if not denial:
        if status != "open":
            return Outcome(False, reply(f"{about} gilt nicht mehr. Es wurde nichts geändert."
                                        ).replies)
        return Outcome(False, reply(
            f"Ihre Antwort betrifft die Anfrage (/{command}) per E-Mail in Ihrem Namen. Es wurde "
            f"nichts geändert. Ist die Anfrage von Ihnen, senden Sie: /freigeben {code}\n"
            "Ist sie nicht von Ihnen, antworten Sie „Nein“: dann verwerfe ich sie und sage es "
            "der Kreisverwaltung.", actions=(Action("Ausführen", f"/freigeben {code}"),)).replies)
    if status == "open":
        ctx.store.save_request({**record, "status": "declined", "text": "", "attachments": [],
                                "declined_at": ctx.now.isoformat(timespec="seconds")})
    state = {"open": "Sie ist verworfen; es wurde nichts geändert.",
             "done": "Sie war mit dem Code schon freigegeben und ausgeführt."}.get(
                 status, "Sie galt schon nicht mehr; durch sie wurde nichts geändert.")
    when = format_date(ctx.now.fromisoformat(record["created_at"]).date())
    for admin in ctx.config.people_with_role("administration"):
        ctx.notify(admin.id, f"{ctx.person.name} sagt, eine Anfrage per E-Mail in ihrem Namen "
                             f"sei nicht von ihr: /{command} vom {when}, Absender "
                             f"{record['from']}, Antwort an (Reply-To) "
                             f"{reply_to_addresses(record.get('reply_to', ''))}. {state}",
                   "warning", f"request-denied:{code}:{admin.id}")
    told = "Die Kreisverwaltung ist informiert."
    if status == "open":
        return reply(f"Danke. {about} ist verworfen; es wurde nichts geändert. {told}")
    if status == "done":
        return reply(f"{about} wurde schon mit diesem Code freigegeben und ausgeführt. {told} "
                     "Bitte prüfen Sie mit ihr, was sich geändert hat.")
    return reply(f"{about} gilt nicht mehr; es wurde nichts geändert. {told}")


def applicant_answered(ctx: Context, denial: bool, yes: bool) -> Outcome | None:
    """An applicant's "Nein, das war ich nicht" or "Ja" in the thread of the bot's question
    about an unconfirmed change or withdrawal of her application (mail in her name the server
    did not verify; its number is in what the reply answers). Before, both got the empty sketch
    form. "Nein" drops the kept change and the withdrawal code: nothing changes; "Ja" gets the
    line that does it, as the question said (a reply is no code, and may be forged too)."""
    if ctx.person is not None or not (denial or yes):
        return None
    for ref in ctx.message.refers_to:
        if not NUMBER.fullmatch(ref):
            continue
        record = ctx.store.application(ref)
        if record is None or record.contact != ctx.identity.key:
            continue
        waiting = [(kind, pending) for kind, pending in (
            ("antrag", record.change_request), ("zurueckziehen", record.withdrawal_code))
            if pending and not codes.expired(pending["at"], ctx.now, ctx.config.security)]
        if not waiting:
            continue
        number = record.number
        if denial:
            ctx.store.save_application(replace(record, change_request=None,
                                               withdrawal_code=None))
            return reply(f"Danke. {number} bleibt, wie er ist: die Änderung oder der Rückzug "
                         "aus der E-Mail in Ihrem Namen gilt nicht mehr. Es wurde nichts "
                         "geändert.")
        lines = "\n".join(f"/{kind} {number} {pending['code']}" for kind, pending in waiting)
        return Outcome(False, reply(
            f"Es wurde noch nichts geändert. Wenn die Anfrage zu {number} von Ihnen ist, "
            f"senden Sie genau diese Zeile:\n{lines}\nWenn nicht, antworten Sie „Nein“.").replies)
    return None
