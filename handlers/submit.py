"""/antrag: an applicant hands in a project sketch (R4, R6, R12) or completes one."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, timedelta

from handlers import codes, drafts
from handlers.applications import APPLICANT_STATUS, STATUS
from handlers.context import Context, reply
from handlers.decisions import open_previews_listing
from handlers.messages import Action, Outcome
from handlers.show import shorten, sketch_lines
from rules.amount_change import AmountChange, one_amount_in
from rules.checks import youth_work_warning
from rules.conferences import (
    Conference,
    conference_list,
    conference_named_in,
    find_conference,
)
from rules.dates import format_date
from rules.decisions import already_decided, own_preview_invalidated, preview_invalidated
from rules.money import format_cents
from rules.numbers import NUMBER, canonical_number
from rules.records import Application, ApplicationStatus, ConfirmationStatus, SessionStatus
from rules.refusal import Refused, refuse
from rules.sketch import (
    REQUIRED,
    SketchCheck,
    check_sketch,
    cofunding_entries,
    form_lines,
    message_too_long,
    missing_text,
    read_sketch_fields,
    social_space_missing,
)
from rules.sketch_changes import changed_lines, sketch_changes
from rules.withdrawal import same_project_open, same_sketch_again, says_new_version

OPEN_STATUSES = ("incomplete", "submitted", "deferred")
log = logging.getLogger(__name__)


def run(ctx: Context, args: str, body: str) -> Outcome:
    text = "\n".join(part for part in (args, body) if part) if args else body
    if not text.strip():
        text = ctx.message.text
    for attachment in ctx.message.attachments:
        text += "\n" + attachment.text
    if too_long := message_too_long(text):
        raise Refused(too_long)
    fields = read_sketch_fields(text)
    if "conference" not in fields:
        named = conference_named_in(text, ctx.config.conferences)
        if named is not None:
            fields["conference"] = named.name  # "wir beantragen für den Sozialraum Bleckede"
    number = _referenced_number(ctx, args, fields)
    # the sender's own applications of this year and the last, read once for the checks below
    own = [] if number else ctx.store.applications_from(ctx.identity.key,
                                                         (ctx.today.year - 1, ctx.today.year))
    number = number or _open_incomplete(ctx, fields, own)
    if number:
        return _complete(ctx, number, fields, args)
    fields, joined = _with_draft(ctx, fields)
    if not set(fields) - {"conference"}:
        return _form(ctx, fields)
    first = _sent_before(ctx, fields, text, own)
    if first is not None:
        return _same_again(first)
    earlier = (_sent_before(ctx, fields, text, own, changed=True)
               if says_new_version(text) else None)  # "anbei die korrigierte Fassung"
    if earlier is not None:
        return _changed_version(earlier, fields)
    return _submit(ctx, fields, own, joined)


def _with_draft(ctx: Context, fields: dict[str, str]) -> tuple[dict[str, str], date | None]:
    """The lines of this message joined to the sender's last sketch without a social space
    (handlers.drafts), unless this one names another project; with the day of that sketch."""
    if not set(fields) & set(REQUIRED):
        return fields, None
    draft = drafts.last(ctx)
    if draft is None:
        return fields, None
    sent, before = draft
    titles = {" ".join(f.get("title", "").casefold().split()) for f in (before, fields)}
    if len(titles - {""}) > 1:
        return fields, None  # another project: a sketch of its own
    return {**before, **fields}, sent.date()


def _form(ctx: Context, fields: dict[str, str]) -> Outcome:
    """/antrag without a sketch (a tap on the menu): the form to fill in, nothing stored."""
    if "conference" not in fields and ctx.person and ctx.person.conference:
        fields = {**fields, "conference": ctx.conference(ctx.person.conference).name}
    outcome = reply("Bitte füllen Sie die Projektskizze aus und senden Sie sie mir:\n\n/antrag\n"
                    f"{form_lines(REQUIRED, fields)}\n\nBeim Betrag genügt die beantragte Summe "
                    "in Euro; eine Zeile „Kofinanzierung:“ mit Geldgeber und Betrag ist "
                    "freiwillig (R12).")
    return Outcome(False, outcome.replies)


def _sent_before(ctx: Context, fields: dict[str, str], text: str,
                 own: list[Application], *, changed: bool = False) -> Application | None:
    """The application this same sketch was already handed in as, by the same sender, lately,
    for the same social space (named in its line, or else in its words); of this year first.
    `changed`: the open one of the same title, the text or amount changed."""
    conference = (find_conference(fields.get("conference", ""), ctx.config.conferences)
                  or conference_named_in(text, ctx.config.conferences))
    if conference is None:
        return None
    find = same_project_open if changed else same_sketch_again
    return find(
        (a for year in (ctx.today.year, ctx.today.year - 1) for a in own
         if a.year == year and a.conference == conference.code), fields,
        ctx.identity.key, ctx.today)


def _changed_version(first: Application, fields: dict[str, str]) -> Outcome:
    """The same project again with other lines ("anbei die korrigierte Fassung"): not a second
    application on a guess (both could be approved); the lines that change the first one, or
    a title of its own for another project."""
    number = first.number
    on = format_date(date.fromisoformat(first.submitted_on))
    lines = "\n".join(changed_lines(first.fields, fields)) or "<die geänderten Zeilen>"
    outcome = reply(f"Eine Skizze „{shorten(first.title or '', 60)}“ haben Sie am {on} schon "
                    f"eingereicht: {number} ({STATUS[first.status]}). Ist dies eine geänderte "
                    f"Fassung, senden Sie bitte diese Zeilen:\n/antrag {number}\n{lines}\n"
                    "Ist es ein weiteres Projekt, geben Sie ihm bitte einen eigenen Titel. Es "
                    "wurde nichts angelegt.", application_number=number)
    return Outcome(False, outcome.replies, application_number=number)


def _same_again(first: Application) -> Outcome:
    """The same sketch twice is one application: the sender gets its number back."""
    number = first.number
    state = STATUS[first.status]
    on = format_date(date.fromisoformat(first.submitted_on))
    outcome = reply(f"Diese Projektskizze haben Sie am {on} schon eingereicht; sie hat die Nummer "
                    f"{number} (Stand: {state}). Ein zweiter Antrag wurde nicht angelegt. "
                    f"Ergänzungen senden Sie mit /antrag {number} und den geänderten Zeilen.",
                    application_number=number)
    return outcome


def _referenced_number(ctx: Context, args: str, fields: dict[str, str]) -> str | None:
    for candidate in (args.split("\n", 1)[0], fields.get("number", ""), *ctx.message.refers_to):
        match = NUMBER.search(candidate or "")
        if match:
            return canonical_number(match.group(1))
    return None


def _open_incomplete(ctx: Context, fields: dict[str, str],
                     own_applications: list[Application]) -> str | None:
    """The sender's one incomplete application of the same project, if a sketch is sent again
    without its number: it is completed, not left behind for a new one each time."""
    year = ctx.today.year
    own = [a for a in own_applications if a.year == year and a.status == "incomplete"]
    if len(own) != 1:
        return None
    record = own[0]
    title = " ".join(fields.get("title", "").casefold().split())
    if title and record.title and " ".join(record.title.casefold().split()) != title:
        return None  # another project
    named = check_sketch({"conference": fields["conference"]}, ctx.config.conferences).values \
        if "conference" in fields else {}
    conference = named.get("conference")
    if isinstance(conference, Conference) and conference.code != record.conference:
        return None
    return str(record.number)


def _submit(ctx: Context, fields: dict[str, str], own: list[Application],
            joined: date | None = None) -> Outcome:
    check = check_sketch(fields, ctx.config.conferences)
    conference = check.values.get("conference")
    if conference is None and ctx.person and ctx.person.conference:
        conference = ctx.conference(ctx.person.conference)
    if not isinstance(conference, Conference):
        corrected = dict(check.corrected)
        if "conference" not in fields and set(fields) & set(REQUIRED):
            # kept for the lines she sends next (in the store); a social space named but
            # unknown or misspelt gets the whole form back to send, as before
            drafts.keep(ctx, fields)
        raise Refused(social_space_missing(
            check.problems, form_lines(_sent_keys(fields), {**fields, **corrected}),
            corrected=bool(corrected.get("conference")), named="conference" in fields,
            sketch_given=bool(set(fields) & set(REQUIRED)),
            choices=conference_list(ctx.config.conferences)))
    year = ctx.today.year
    _within_quota(ctx, own)
    ctx.store.year_table(year, "applications")  # make sure the year partition exists
    record = Application(
        number=ctx.store.next_number(conference.code, year),
        conference=conference.code,
        year=year,
        contact=ctx.identity.key,
        fields={k: v for k, v in fields.items() if k not in ("conference", "number")},
        status=ApplicationStatus.SUBMITTED,  # or incomplete: set by _store_and_answer
        submitted_on=ctx.today.isoformat(),
        submitted_at=ctx.now.isoformat(timespec="seconds"),
        source_id=ctx.message.source_id,
    )
    drafts.drop(ctx)
    outcome = _store_and_answer(ctx, record, check, conference, new=True)
    if joined is None:
        return outcome
    note = (f"Ihre Angaben vom {format_date(joined)} habe ich mit dieser Nachricht "
            "zusammengeführt.\n")
    first, *rest = outcome.replies
    return replace(outcome, replies=(replace(first, text=note + first.text), *rest))


def _sent_keys(fields: dict[str, str]) -> tuple[str, ...]:
    """The form's lines, with the optional co-funding kept when the sketch had it: a form sent
    back as it is must not lose "3.000 € Aktion Mensch (beantragt)"."""
    return (*REQUIRED, "cofunding") if fields.get("cofunding") else REQUIRED


def _within_quota(ctx: Context, own: list[Application]) -> None:
    """An applicant (not a configured person) may have at most `[security]
    max_open_applications` (100) undecided applications and hand in at most
    `max_sketches_per_hour` (60) new ones an hour: a stranger cannot file thousands."""
    if ctx.person is not None:
        return
    most_open = ctx.config.security.max_open_applications
    per_hour = ctx.config.security.max_sketches_per_hour
    hour_ago = (ctx.now - timedelta(hours=1)).isoformat(timespec="seconds")
    open_ = sum(a.status in OPEN_STATUSES for a in own)
    recent = sum((a.submitted_at or "") >= hour_ago for a in own)
    if open_ >= most_open:
        log.warning("Kontingent: %s hat %d offene Anträge", ctx.identity.key, open_)
        raise refuse("", f"Von Ihrer Adresse sind schon {open_} Anträge offen; mehr als "
                         f"{most_open} nehme ich nicht an. Bitte warten Sie die Entscheidungen ab "
                         "oder ergänzen Sie einen offenen Antrag mit seiner Nummer. Bei Fragen "
                         "hilft die Kreisverwaltung. Es wurde nichts gespeichert.")
    if recent >= per_hour:
        log.warning("Kontingent: %s hat %d Skizzen in einer Stunde gesendet", ctx.identity.key,
                    recent)
        raise refuse("", f"Sie haben in der letzten Stunde schon {recent} Projektskizzen "
                         f"eingereicht; mehr als {per_hour} je Stunde nehme ich nicht an. Bitte "
                         "senden Sie weitere später. Es wurde nichts gespeichert.")


def editable(ctx: Context, number: str) -> Application:
    """The stored application `number` if the sender may still change it; else the refusal that
    says why and what to do instead (a decided one: only the conference can change it)."""
    record = ctx.store.application(number)
    may_edit = record is not None and (
        record.contact == ctx.identity.key
        or (ctx.person is not None and ctx.person.conference == record.conference))
    if record is None or not may_edit:
        raise refuse("", f"Einen Antrag {number} finde ich unter Ihrer Adresse nicht. Bitte "
                         "prüfen Sie die Nummer, oder reichen Sie die Skizze neu ein.")
    if record.status == "withdrawn":
        raise refuse("", f"{number} ist zurückgezogen und kann nicht mehr geändert werden. Für "
                         "ein neues Vorhaben reichen Sie bitte eine neue Skizze ein.")
    if record.status not in OPEN_STATUSES:
        raise _decided(ctx, record)
    return record


def _decided(ctx: Context, record: Application) -> Refused:
    """R11 for a decided (or held, R9) application, in words for who asks: a secretary can
    correct a wrongly reported result; anyone else is told that only the conference can change
    it now, through its Geschäftsführung."""
    status = record.status
    secretary = ctx.identity.role == "secretary"
    return Refused(already_decided(record.number,
                                   (STATUS if secretary else APPLICANT_STATUS)[status],
                                   secretary=secretary,
                                   conference_name=ctx.conference(record.conference).name))


def amount_change_answer(ctx: Context, change: AmountChange) -> Outcome | None:
    """A change of amount asked in words is not made from the words: the answer is the line
    that makes it, and what it will do; a decided application gets R11 (`editable`). Without a
    number, her one open application is meant; with several, she is asked which (None: she
    has none, the words mean something else)."""
    if change.number is None:
        own = [a for a in ctx.store.applications_from(ctx.identity.key, ctx.store.years()[-2:])
               if a.status in OPEN_STATUSES]
        if not own:
            return None
        if len(own) > 1:
            new = format_cents(change.cents) if change.cents is not None else "<neuer Betrag>"
            listed = "\n".join(f"{a.number} „{shorten(a.title or 'ohne Titel', 40)}“"
                               for a in own[:10])
            return Outcome(False, reply(
                f"Welchen Antrag meinen Sie?\n{listed}\nSenden Sie bitte die Nummer mit dem "
                f"neuen Betrag, z. B.:\n/antrag {own[0].number}\nBetrag: {new}\n"
                "Noch ist nichts geändert.").replies)
        change = AmountChange(own[0].number, change.cents)
    assert change.number is not None
    record = editable(ctx, change.number)
    number, old = record.number, record.requested_cents
    new = format_cents(change.cents) if change.cents is not None else "<neuer Betrag>"
    if change.cents is not None and change.cents == old:
        text = (f"{number} ist schon mit {new} beantragt; es ist nichts zu ändern. Einen anderen "
                f"Betrag senden Sie so:\n/antrag {number}\nBetrag: <neuer Betrag>")
        return Outcome(False, reply(text).replies)
    before = f" (bisher {format_cents(old)})" if old is not None else ""
    then = (f"Dann gilt {new} als beantragter Betrag{before}" if change.cents is not None else
            f"Setzen Sie Ihren neuen Betrag ein. Dann gilt er als beantragter Betrag{before}")
    told = (" Die Geschäftsführung der Sozialkonferenz wird über die Änderung informiert."
            if record.status == "deferred" else "")
    text = (f"Den Betrag von {number} „{shorten(record.title, 60)}“ ändern Sie, indem Sie "
            f"diese Zeilen senden:\n/antrag {number}\nBetrag: {new}\n{then}; alles andere "
            f"bleibt, wie es ist.{told} Noch ist nichts geändert.")
    return Outcome(False, reply(text).replies)


def _complete(ctx: Context, number: str, fields: dict[str, str], args: str = "") -> Outcome:
    record = editable(ctx, number)
    given = {k: v for k, v in fields.items() if k not in ("conference", "number")}
    kept = _kept_change(ctx, record, args)
    if kept is not None:
        given = {**kept, **given}
    elif _unconfirmed(ctx, record) and sketch_changes(record.fields, {**record.fields, **given}):
        return _confirm_change_first(ctx, record, given)
    if record.change_request is not None and (kept is not None or ctx.message.sender.verified):
        record = replace(record, change_request=None)  # made, or she changed it herself
    merged = {**record.fields, **given}
    conference = ctx.conference(record.conference)
    check = check_sketch({**merged, "conference": conference.code}, ctx.config.conferences)
    changes = sketch_changes(record.fields, merged)
    was_deferred = record.status == "deferred"
    record = replace(record, fields=merged)
    if changes:
        record = replace(record, changed_on=ctx.today.isoformat())
    outcome = _store_and_answer(ctx, record, check, conference, new=False)
    if not changes:
        return outcome
    notes = _changed_after_preview(ctx, record, changes)
    if was_deferred:
        _tell_secretaries_of_change(ctx, record, conference, changes)
        notes.append("Die Änderung Ihres vertagten Antrags ist der Geschäftsführung mitgeteilt.")
    if not notes:
        return outcome
    first, *others = outcome.replies
    return replace(outcome, replies=(replace(first, text=first.text + "\n" + "\n".join(notes)),
                                     *others))


def _unconfirmed(ctx: Context, record: Application) -> bool:
    """An applicant's e-mail whose sender the channel could not vouch for, changing a complete
    application: the From can be forged, and such a change reaches the conference (a preview
    of its vote no longer books). Completing an incomplete sketch is not held (its missing
    lines are what the bot asked her for)."""
    return (ctx.person is None and not ctx.message.sender.verified
            and record.status != ApplicationStatus.INCOMPLETE)


def _kept_change(ctx: Context, record: Application, args: str) -> dict[str, str] | None:
    """The lines of the change kept for `record` when this message carries its code in time;
    None when it carries none. A wrong or old code is refused: nothing changes."""
    pending = record.change_request
    tried = [w for w in args.upper().split() if re.fullmatch(codes.CODE_PATTERN, w)]
    if not pending or not tried:
        return None
    if ctx.message.sender.verified and (
            pending["code"] not in tried
            or codes.expired(pending["at"], ctx.now, ctx.config.security)):
        return None  # her own word counts without a code
    if pending["code"] not in tried:
        raise refuse("", f"Den Code „{tried[0][:12]}“ finde ich zu {record.number} nicht. Es "
                         "wurde nichts geändert. Bitte senden Sie genau die Zeile aus meiner "
                         "Antwort, oder die geänderten Zeilen noch einmal.")
    if codes.expired(pending["at"], ctx.now, ctx.config.security):
        raise refuse("", f"Der Code {pending['code']} ist abgelaufen (gültig "
                         f"{ctx.config.security.code_days} Tage). Es wurde nichts geändert. "
                         "Bitte senden Sie die geänderten Zeilen noch einmal.")
    return dict(pending.get("fields", {}))


def _confirm_change_first(ctx: Context, record: Application, given: dict[str, str]) -> Outcome:
    """Keep the change and answer with a code; the answer goes to the sending address, which
    is the applicant's: a forger never reads the code, and nothing changes without it."""
    code = codes.new_code()
    ctx.store.save_application(replace(record, change_request={
        "code": code, "at": ctx.now.isoformat(timespec="seconds"), "fields": given}))
    number = record.number
    command = f"/antrag {number} {code}"
    changes = sketch_changes(record.fields, {**record.fields, **given})
    shown = "\n".join(changes[:8])
    until = format_date(codes.valid_until(ctx.now, ctx.config.security).date())
    return reply(f"Ihre Nachricht kam per E-Mail, aber der Absender ist nicht bestätigt; er kann "
                 f"gefälscht sein. {number} ist darum noch nicht geändert. Die Änderung:\n"
                 f"{shown}\nWenn sie von Ihnen ist, senden Sie (bis {until}): {command}\n"
                 "Wenn nicht, tun Sie nichts; der Antrag bleibt, wie er ist.",
                 actions=(Action("Ändern", command),), application_number=number)


def _changed_after_preview(ctx: Context, record: Application, changes: list[str]) -> list[str]:
    """A sketch is frozen once a /beschluss preview lists it: the conference voted on what the
    preview showed. A change makes that preview's code invalid, and its secretary is told."""
    number = record.number
    previews = open_previews_listing(ctx, number)
    for confirmation in previews:
        ctx.store.save_confirmation(replace(
            confirmation, status=ConfirmationStatus.INVALIDATED, invalidated_by=number,
            invalidated_at=ctx.now.isoformat(timespec="seconds")))
        ctx.notify(confirmation.by,
                   preview_invalidated(number, shorten(record.title, 60),
                                       date.fromisoformat(confirmation.session_date), changes,
                                       confirmation.code), "preview_invalidated",
                   f"invalidated:{confirmation.code}:{ctx.message.source_id}",
                   application_number=number)
    own = [c.code for c in previews if c.by == ctx.identity.key]
    if own:  # the secretary who made the preview changed the sketch herself
        return [own_preview_invalidated(own)]
    if not previews:
        return []
    return ["Hinweis: Über Ihren Antrag hat die Sozialkonferenz schon abgestimmt, über die "
            "frühere Fassung. Der Beschluss wird darum noch nicht gebucht; die Geschäftsführung "
            "ist informiert und meldet sich, ob er neu beraten wird."]


def _tell_secretaries_of_change(ctx: Context, record: Application, conference: Conference,
                                changes: list[str]) -> None:
    number = record.number
    for secretary in ctx.secretaries(conference.code):
        ctx.notify(secretary.id, f"Der vertagte Antrag {number} "
                   f"„{shorten(record.title, 60)}“ wurde geändert:\n" + "\n".join(changes),
                   "application_changed",
                   f"changed:{number}:{ctx.message.source_id}:{secretary.id}",
                   application_number=number)


def _store_and_answer(ctx: Context, record: Application, check: SketchCheck,
                      conference: Conference, *, new: bool) -> Outcome:
    values = check.values
    amount = values.get("amount")
    before = None if new else record.status
    record = replace(
        record,
        applicant=str(values.get("applicant", record.fields.get("applicant", ""))),
        title=str(values.get("title", record.fields.get("title", ""))),
        requested_cents=amount if isinstance(amount, int) else None,
        cofunding=_cofunding_record(values.get("cofunding")),
        missing=tuple(check.missing),
        status=(ApplicationStatus.INCOMPLETE if not check.complete else
                ApplicationStatus.DEFERRED if before == ApplicationStatus.DEFERRED else
                ApplicationStatus.SUBMITTED))
    number = record.number
    if not check.complete:
        ctx.store.save_application(record)
        lines = [f"Ihr Antrag hat die Nummer {number}, ist aber noch nicht vollständig (R4)."]
        if check.missing:
            lines.append(f"Es fehlt noch: {missing_text(check.missing)}.")
        lines += list(check.problems)
        lines.append(f"Bitte antworten Sie mit:\n/antrag {number}\n{form_lines(check.to_send)}")
        outcome = reply("\n".join(lines), application_number=number)
        return type(outcome)(True, outcome.replies, rule="R4", application_number=number)
    was_open = before == ApplicationStatus.SUBMITTED
    was_complete = before in (ApplicationStatus.SUBMITTED, ApplicationStatus.DEFERRED)
    warning = youth_work_warning(*(str(values.get(k, "")) for k in
                                   ("title", "situation", "objective", "measure")))
    if warning and "R6" not in record.flags:
        record = replace(record, flags=(*record.flags, "R6"))
        ctx.warn_county(warning, f"R6:{number}",
                        # quoted: a notice's mail subject stops before „ (no stranger's words
                        # in a subject for staff)
                        f"Antrag {number} ({conference.name}): „{record.title}“")
    ctx.store.save_application(record)
    summary = _summary(record, conference)
    if not was_open:
        for secretary in ctx.secretaries(conference.code):
            ctx.notify(secretary.id, f"Neuer Antrag für {conference.name}:\n{summary}\n"
                       + "\n".join(sketch_lines(record)),
                       "application", f"application:{number}:{secretary.id}",
                       application_number=number)
    verb = ("ist eingegangen" if new else "ist geändert" if was_complete
            else "ist jetzt vollständig")
    text = (f"Vielen Dank! Ihr Antrag {verb}.\n{summary}\n"
            f"Die Sozialkonferenz {conference.name} entscheidet in ihrer nächsten "
            f"Budget-II-Sitzung{_next_session(ctx, conference)}. Sie erhalten dann Nachricht.")
    if new and ctx.identity.role == "secretary":  # a sketch she forwards for a Träger
        text += ("\nSie haben die Skizze selbst eingereicht: die Nachrichten zu diesem Antrag, "
                 "auch der Beschluss, gehen an Sie. Bitte geben Sie sie an den Träger weiter.")
    return reply(text, application_number=number)


def _cofunding_record(value: object) -> dict | list[dict] | None:
    """R12 as stored: None, one funder (a dict), or several kept apart (a list of dicts)."""
    if not isinstance(value, tuple) or not value:
        return None
    entries = [{"funder": c.funder, "amount_cents": c.amount_cents} for c in value]
    return entries[0] if len(entries) == 1 else entries


def _summary(record: Application, conference: Conference) -> str:
    lines = [f"Nr. {record.number}: „{record.title}“",
             f"Träger: {record.applicant}",
             f"Sozialraum: {conference.name}",
             f"Beantragt: {format_cents(record.requested_cents or 0)}"]
    for entry in cofunding_entries(record.cofunding):
        amount = entry["amount_cents"]
        extra = f", {format_cents(amount)}" if amount is not None else ""
        lines.append(f"Kofinanzierung (R12): {entry['funder']}{extra}")
    return "\n".join(lines)


def _next_session(ctx: Context, conference: Conference) -> str:
    upcoming = [s for s in ctx.store.sessions(ctx.today.year, conference.code)
                if s.budget_ii and s.status == SessionStatus.SCHEDULED
                and s.date >= ctx.today.isoformat()]
    if not upcoming:
        return ""
    return f" (voraussichtlich am {format_date(upcoming[0].day)})"


def completion_hint(ctx: Context) -> Outcome | None:
    """An applicant's words answering the question about her incomplete sketch, without its
    labels ("dann eben genau: 1.180 Euro"): the lines still to send for that application, the
    amount filled in when her message names exactly one. Nothing is changed on a guess."""
    for number in ctx.message.refers_to:
        record = ctx.store.application(number) if NUMBER.fullmatch(number) else None
        if (record is None or record.contact != ctx.identity.key
                or record.status != ApplicationStatus.INCOMPLETE):
            continue
        wanted = check_sketch({**record.fields, "conference": record.conference},
                              ctx.config.conferences).to_send
        if not wanted:
            continue
        cents = one_amount_in(ctx.message.text) if "amount" in wanted else None
        filled = {"amount": format_cents(cents)} if cents else {}
        taken = ", den Betrag aus Ihrer Nachricht habe ich eingesetzt" if filled else ""
        text = (f"Ihr Antrag {number} „{shorten(record.title, 60)}“ ist noch nicht vollständig "
                f"(R4): es fehlt noch {missing_text(wanted)}. Bitte antworten Sie mit diesen "
                f"Zeilen{taken}:\n/antrag {number}\n{form_lines(wanted, filled)}")
        return Outcome(False, reply(text).replies)
    return None
