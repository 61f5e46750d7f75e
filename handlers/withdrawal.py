"""/zurueckziehen: an applicant withdraws her own open application, or a secretary marks one of
her conference withdrawn (also an incomplete one nobody completes). A withdrawn application is
on the record and can no longer be decided. An applicant who wants to give back an approved
grant is told that her conference does that with /korrektur; her words go to its secretaries
with the line to send, and nothing is booked by her message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from handlers import codes
from handlers.applications import APPLICANT_STATUS, STATUS
from handlers.context import Context, reply
from handlers.messages import Action, Outcome, Reply
from rules.dates import format_date
from rules.decisions import approval_given_back, withdraw_decided
from rules.money import format_cents
from rules.records import Application, ApplicationStatus
from rules.refusal import Refused, refuse
from rules.withdrawal import NUMBER

WITHDRAWABLE = ("incomplete", "submitted", "deferred")
MAX_REASON = 300


def run(ctx: Context, args: str, body: str) -> Outcome:
    """/zurueckziehen <Nr> [Grund]"""
    found = NUMBER.search(args) or next(
        (m for m in map(NUMBER.search, ctx.message.refers_to) if m), None)
    if found is None:
        return _which(ctx)
    number = found.group().upper()
    application = ctx.store.application(number)
    is_own = application is not None and application.contact == ctx.identity.key
    is_secretary = (application is not None and ctx.person is not None
                    and ctx.person.role == "secretary"
                    and ctx.person.conference == application.conference)
    if application is None or not (is_own or is_secretary):
        raise refuse("", f"Einen Antrag {number[:20]} finde ich unter Ihrer Adresse nicht. "
                         "/antraege zeigt Ihre Anträge.")
    status = application.status
    if status == "withdrawn":
        when = format_date(date.fromisoformat((application.withdrawn or {})["on"]))
        raise refuse("", f"{number} ist schon seit dem {when} zurückgezogen.")
    if is_own and not is_secretary and _approved(application):
        return _give_back(ctx, application, f"{args} {body}")
    if status not in WITHDRAWABLE:
        shown = (STATUS if is_secretary else APPLICANT_STATUS)[status]
        raise Refused(withdraw_decided(number, shown, secretary=is_secretary))
    rest = args[found.end():] if NUMBER.search(args) else args
    if is_own and not is_secretary and not ctx.message.sender.verified:
        pending = application.withdrawal_code or {}
        words = rest.split()  # the code as typed on a phone: "kq7m…" is "KQ7M…"
        given = pending.get("code") in {w.upper() for w in words} and not codes.expired(
            pending["at"], ctx.now, ctx.config.security)
        if not given:
            return _confirm_first(ctx, application)
        rest = " ".join(w for w in words if w.upper() != pending["code"])
    reason = " ".join(f"{rest} {body}".split()).strip(" ,.:;-–")[:MAX_REASON]
    application = replace(application, status=ApplicationStatus.WITHDRAWN, withdrawal_code=None,
                          withdrawn={"on": ctx.today.isoformat(), "by": ctx.identity.key,
                                     "reason": reason, "status_before": status})
    ctx.store.save_application(application)
    conference = ctx.conference(application.conference)
    title = application.title or "ohne Titel"
    why = f"\nGrund: {reason}" if reason else ""
    who = "vom Antragsteller" if is_own else "von der Geschäftsführung"
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id, f"Antrag {number} „{title[:80]}“ ({conference.name}) ist "
                   f"{who} zurückgezogen worden und kommt nicht mehr zur Entscheidung.{why}",
                   "withdrawal", f"withdrawal:{number}:{secretary.id}", application_number=number)
    if not is_own:
        ctx.notify(application.contact, f"Ihr Antrag {number} „{title[:80]}“ ist von der "
                   f"Geschäftsführung der Sozialkonferenz {conference.name} als zurückgezogen "
                   f"eingetragen worden.{why}\nFragen dazu beantwortet die Geschäftsführung.",
                   "withdrawal", f"withdrawal:{number}:applicant", application_number=number)
    told = ("Die Geschäftsführung der Sozialkonferenz ist informiert." if is_own
            else "Der Antragsteller ist informiert.")
    return reply(f"{number} „{title[:80]}“ ist zurückgezogen und wird nicht mehr entschieden. "
                 f"{told}", application_number=number)


def _approved(application: Application) -> bool:
    """Booked as approved: money the conference has granted (one held for the county under R9
    is not booked yet and keeps the plain refusal)."""
    return application.status == "approved"


def _give_back(ctx: Context, application: Application, words: str) -> Outcome:
    """R11: an approved grant goes back through the conference. The secretaries get her words
    and the /korrektur line that books the return; nothing is booked by her message."""
    number, title = application.number, (application.title or "ohne Titel")[:80]
    conference = ctx.conference(application.conference)
    cents = application.approved_cents or 0
    shown = f"{APPLICANT_STATUS[application.status]}, {format_cents(cents)}" if cents else (
        APPLICANT_STATUS[application.status])
    said = " ".join((ctx.message.text if ctx.message.text.strip() else words).split())
    said = said[:MAX_REASON] + ("…" if len(said) > MAX_REASON else "")
    command = (f"/korrektur {number} abgelehnt Grund: Der Träger gibt die Bewilligung zurück, "
               "das Projekt findet nicht statt.")
    unsure = ("" if ctx.message.sender.verified else "\nDer Absender der E-Mail ist nicht "
              "bestätigt: fragen Sie bitte beim Antragsteller nach, bevor Sie buchen.")
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id, f"Antrag {number} „{title}“ ({conference.name}, {shown}): Der "
                   f"Antragsteller möchte die Bewilligung zurückgeben und schreibt:\n„{said}“\n"
                   "Gebucht ist dadurch nichts. Gibt die Konferenz das Geld frei, senden Sie "
                   f"(den Grund können Sie anpassen):\n{command}\nDer Betrag ist danach wieder "
                   f"verfügbar (R3), der Antragsteller wird informiert.{unsure}", "withdrawal",
                   f"give-back:{number}:{ctx.message.source_id}:{secretary.id}",
                   actions=(Action("Rückgabe eintragen", command),), application_number=number)
    text = approval_given_back(number, shown, conference.name).render()
    return Outcome(True, (Reply(text),), application_number=number, rule="R11")


def _confirm_first(ctx: Context, application: Application) -> Outcome:
    """An e-mail whose sender the channel could not vouch for (the From can be forged): the
    answer goes to the address on record with a code, and only that code withdraws."""
    code = codes.new_code()
    ctx.store.save_application(replace(application, withdrawal_code={
        "code": code, "at": ctx.now.isoformat(timespec="seconds")}))
    number = application.number
    command = f"/zurueckziehen {number} {code}"
    return reply(f"Ihre Nachricht kam per E-Mail, aber der Absender ist nicht bestätigt; er kann "
                 f"gefälscht sein. {number} ist darum noch nicht zurückgezogen. Wenn Sie ihn "
                 f"zurückziehen möchten, senden Sie: {command}\nWenn nicht, tun Sie nichts.",
                 actions=(Action("Zurückziehen", command),), application_number=number)


def _which(ctx: Context) -> Outcome:
    """Without a number: name the open applications, nothing is withdrawn on a guess."""
    own = [a for year in ctx.store.years()[-2:] for a in ctx.store.applications(year)
           if a.status in WITHDRAWABLE and (
               a.contact == ctx.identity.key
               or (ctx.person is not None and ctx.person.conference == a.conference))]
    if not own:
        granted = [a for a in ctx.store.applications_from(ctx.identity.key,
                                                          ctx.store.years()[-2:])
                   if _approved(a)]
        if len(granted) == 1 and ctx.person is None:  # her one grant: passed on, not booked
            return _give_back(ctx, granted[0], "")
        raise refuse("", "Welchen Antrag möchten Sie zurückziehen? Bitte nennen Sie die Nummer, "
                         "z. B. /zurueckziehen ADE-2026-001. /antraege zeigt Ihre Anträge.")
    if len(own) == 1:  # the one she means: the exact line to send, still nothing on a guess
        number, title = own[0].number, (own[0].title or "ohne Titel")[:60]
        outcome = reply(f"Möchten Sie den Antrag {number} „{title}“ zurückziehen? Dann senden "
                        f"Sie bitte: /zurueckziehen {number}",
                        actions=(Action(f"{number} zurückziehen", f"/zurueckziehen {number}"),))
        return Outcome(False, outcome.replies)
    lines = [f"• {a.number} „{(a.title or 'ohne Titel')[:60]}“ – {STATUS[a.status]}"
             for a in own[:10]]
    outcome = reply("Welchen Antrag möchten Sie zurückziehen? Bitte senden Sie "
                    "/zurueckziehen mit der Nummer. Offen sind:\n" + "\n".join(lines),
                    actions=tuple(Action(f"{a.number} zurückziehen",
                                         f"/zurueckziehen {a.number}") for a in own[:3]))
    return Outcome(False, outcome.replies)


def offer_own(ctx: Context) -> Outcome | None:
    """An applicant giving up a project in words that name no application ("Das Projekt findet
    leider nicht statt", "Wir verzichten auf die Förderung"): the line for her one open
    application, or her open ones to choose from; with none open, the line that offers her
    approved grants back to the conference (R11); None when she has neither. Nothing is passed
    on to anyone on such words."""
    applications = ctx.store.applications_from(ctx.identity.key, ctx.store.years()[-2:])
    own = [a for a in applications if a.status in WITHDRAWABLE]
    if not own:
        return _offer_back([a for a in applications if _approved(a)])
    if len(own) == 1:
        return offer(ctx, own[0].number)
    lines = [f"• {a.number} „{(a.title or 'ohne Titel')[:60]}“" for a in own[:10]]
    outcome = reply("Möchten Sie einen Antrag zurückziehen? Dann senden Sie bitte /zurueckziehen "
                    "mit seiner Nummer. Offen sind:\n" + "\n".join(lines) + "\nNoch ist nichts "
                    "geändert.", actions=tuple(Action(f"{a.number} zurückziehen",
                                                      f"/zurueckziehen {a.number}")
                                               for a in own[:3]))
    return Outcome(False, outcome.replies)


def _offer_back(granted: list[Application]) -> Outcome | None:
    """Her approved grants, each with the line that offers it back to the conference (R11: the
    secretaries are told, the conference decides); None without any."""
    if not granted:
        return None
    lines = [f"• {a.number} „{(a.title or 'ohne Titel')[:60]}“, bewilligt "
             f"{format_cents(a.approved_cents or 0)}: /zurueckziehen {a.number}"
             for a in granted[:10]]
    outcome = reply("Möchten Sie eine Bewilligung zurückgeben? Dann senden Sie bitte die Zeile "
                    "des Antrags:\n" + "\n".join(lines) + "\nDie Sozialkonferenz entscheidet "
                    "dann über die Rückgabe (R11). Noch ist nichts geändert.",
                    actions=tuple(Action(f"{a.number} zurückgeben", f"/zurueckziehen {a.number}")
                                  for a in granted[:3]))
    return Outcome(False, outcome.replies)


def offer(ctx: Context, number: str) -> Outcome | None:
    """A withdrawal spoken of but not for sure ("Können wir ADE-2026-001 zurückziehen?",
    "Falls es regnet, ziehen wir ihn zurück", "… nicht zurück"): the line to send if she means
    it; nothing changes. None when the application is not one she may withdraw."""
    application = ctx.store.application(number) if number else None
    if application is None or application.status not in WITHDRAWABLE or not (
            application.contact == ctx.identity.key
            or (ctx.person is not None and ctx.person.conference == application.conference)):
        return None
    command = f"/zurueckziehen {number}"
    title = (application.title or "ohne Titel")[:60]
    outcome = reply(f"Möchten Sie den Antrag {number} „{title}“ zurückziehen? Dann senden "
                    f"Sie bitte: {command}\nNoch ist nichts geändert; solange Sie ihn nicht "
                    "zurückziehen, bleibt er auf der Tagesordnung.",
                    actions=(Action(f"{number} zurückziehen", command),),
                    application_number=number)
    return Outcome(False, outcome.replies)
