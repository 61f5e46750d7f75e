"""What a message without a command line means: the same on every channel.

The channels only decode their transport (MIME and charsets, HTML, Telegram entities and
files); every step from words to a command is taken here, so a sketch, a report of results or
a question means the same whether it came by e-mail, Telegram or the console:
- a sketch written as a form, with labels as people write them (rules/labelled.py);
- the results of a session typed without /beschluss; a line that starts like a decision but
  cannot be read gets the same precise hint as inside /beschluss;
- questions in plain words: "Wie ist der Stand meines Antrags OST-2026-001?", "Was ist mit
  unserem Antrag?" (the status the person may see), "Wieviel Geld ist noch da?" (the balance,
  for staff); "Welche Anträge sind offen?" (applicants: their own), "Welche Sitzungen sind
  geplant?" (staff);
- an applicant's change of amount in words ("2.000 € statt 1.500 € für ADE-2026-001"): the
  line to send, nothing changed (rules/amount_change.py);
- a short thank-you, answered politely.

The text is read once, by `read`, before the core takes its lock (handlers/service.py): every
interpretation the sender's role or the state may choose from is in the `Reading`; `meaning`
and handlers/answers.py only choose. No untrusted text is parsed while the lock is held.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from handlers import drafts, veto, withdrawal
from handlers.context import Context, reply
from handlers.corrections import spoken_command
from handlers.messages import IncomingMessage, Outcome
from handlers.submit import amount_change_answer
from rules.absence import absence_notice
from rules.amount_change import AmountChange, amount_change_in
from rules.answers import (
    MAX_WORDS_CHARS,
    CalendarReply,
    attendance_word,
    calendar_reply,
    conditional,
    copied_alone,
    copied_commands,
    denies_request,
    own_answer,
    preview_answer,
    says_yes,
    veto_doubted,
)
from rules.conferences import conferences_in
from rules.decisions import is_decision_line, looks_like_decision
from rules.labelled import concept_fields, count_known_labels
from rules.moves import Move, moved_in_words
from rules.questions import (
    asked_agenda,
    asked_balance,
    asked_concept,
    asked_list,
    asked_minutes,
    asked_own_status,
    asked_payout,
    asked_privacy,
    asked_report,
    asked_sessions,
    asked_show,
    asked_status,
    asked_to_stop,
    only_thanks,
)
from rules.withdrawal import gives_up, withdrawal_doubted

Meaning = tuple[str, str, str]  # command word, the rest of its line, the following lines


MAX_SCOPE_CHARS = 300  # a question naming its conference is short
BRACKETS = str.maketrans("()[]{}", "      ")
_YEAR = re.compile(r"\b20[0-9]{2}\b")
_DAY = re.compile(r"\b[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{4}|[0-9]{2}\b)?")


@dataclass(frozen=True)
class Reading:
    """What the words of a message can mean, read without the core's lock (pure: no state)."""

    copied: tuple[str, ...]  # command lines the bot offered, copied back
    calendar: CalendarReply | None  # a calendar's answer among the attachments
    labels: int  # known sketch labels in the text
    labels_everything: int  # … in the text and the attachments' texts
    concept: bool  # "Zielgruppen: …", "Problemlagen: …" (and "Ziele: …"): a concept's lines
    moved: tuple[str | None, Move] | None  # a session's move in words (short texts only)
    attendance: str | None  # "Zusage", "verhindert", "vielleicht"
    preview_answer: str | None  # "Ja, bitte buchen.": buchen or verwerfen
    spoken: dict[str, Meaning | None]  # a correction or a withdrawal in words, by role
    amount_change: AmountChange | None  # "2.000 € statt 1.500 € für ADE-2026-001"
    withdrawal_doubted: str | None  # "Können wir ADE-2026-001 zurückziehen?": its number
    gives_up: str | None  # "Das Projekt findet nicht statt": its number, "" for none named
    veto_doubted: str | None  # "Wir legen kein Veto gegen ADE-2026-001 ein": its number
    listed: str | None
    sessions: bool
    report: str | None  # "Bitte schicken Sie mir die Übersicht als Excel": its format
    show: str | None  # "Zeig mir bitte ADE-2026-004": the number
    agenda: bool  # "Was steht auf der Tagesordnung für Ostheide?"
    minutes: bool  # "Bitte das Protokoll vom 19.3. schicken"
    payout: bool  # "Wann wird das Geld überwiesen?": not the bot's, it says whose
    privacy: str | None  # "Bitte löschen Sie meine Daten": "loeschen" or "auskunft"
    reads: str | None  # the one reading command a short message names ("bitte den Saldo")
    status: str | None
    balance: bool
    own_status: bool
    results: bool  # decision lines, or lines that start like one
    thanks: bool
    denial: bool = False  # "Das war ich nicht": a request in her name was not hers
    absence: bool = False  # an out-of-office notice: read as nothing, answered by nothing
    concept_asked: bool = False  # "Welche Konferenzen haben noch kein Konzept?"
    stop: bool = False  # "Stopp", "Bitte keine Mails mehr"
    yes: bool = False  # a plain "Ja" / "Ok, das war ich"
    copied_alone: bool = True  # the offered lines come back without words against them


def _only(copied: tuple[str, ...], calendar: CalendarReply | None, labels: int,
          labels_everything: int) -> Reading:
    """A reading of these and nothing else."""
    return Reading(copied, calendar, labels, labels_everything, concept=False, moved=None,
                   attendance=None, preview_answer=None, spoken={}, amount_change=None,
                   withdrawal_doubted=None, gives_up=None, veto_doubted=None,
                   listed=None,
                   sessions=False, report=None, show=None, agenda=False,
                   minutes=False, payout=False, privacy=None, reads=None, status=None,
                   balance=False,
                   own_status=False,
                   results=False, thanks=False)


NOTHING = _only((), None, 0, 0)  # a command line's words are read for nothing else


def read(message: IncomingMessage, known: Collection[str]) -> Reading:
    """Every reading `meaning` and handlers/answers.py may choose from; `known`: the commands.

    A text with two known labels is a sketch before it is anything else (answers.understand
    and `meaning` look no further than its copied command lines and a calendar's answer), so
    its words are not read for what else they could mean."""
    text = message.text
    labels = count_known_labels(text)
    labels_everything = (count_known_labels("\n".join([text, *(a.text for a in
                                                               message.attachments)]))
                         if message.attachments else labels)
    copied = tuple(copied_commands(text, known))
    calendar = calendar_reply((a.content_type, a.text) for a in message.attachments)
    if labels >= 2:
        return _only(copied, calendar, labels, labels_everything)
    lines = text.splitlines()
    return Reading(
        copied=copied,
        calendar=calendar,
        labels=labels,
        labels_everything=labels_everything,
        concept="zielgrupp" in text.lower() and len(
            {"target_groups", "problems"} & set(concept_fields(text))) == 2,
        moved=(moved_in_words(text) if len(text) <= MAX_WORDS_CHARS
               and not conditional(text) else None),  # "Falls nötig … verschoben": no move
        attendance=attendance_word(text),
        preview_answer=preview_answer(text),
        spoken={role: spoken_command(role, text)
                for role in ("applicant", "secretary", "county")},
        amount_change=amount_change_in(text, message.refers_to),
        withdrawal_doubted=withdrawal_doubted(text),
        gives_up=gives_up(text),
        veto_doubted=veto_doubted(text),
        listed=asked_list(text),
        sessions=asked_sessions(text),
        report=asked_report(text),
        show=asked_show(text),
        agenda=asked_agenda(text),
        minutes=asked_minutes(text),
        payout=asked_payout(text),
        privacy=asked_privacy(text),
        reads=_reading_command(text),
        status=asked_status(text),
        balance=asked_balance(text),
        own_status=asked_own_status(text),
        results=any(is_decision_line(line) for line in lines)
        or any(looks_like_decision(line) for line in lines),
        thanks=only_thanks(text),
        denial=denies_request(own_answer(text)),
        absence=absence_notice(text),
        concept_asked=asked_concept(text),
        stop=asked_to_stop(text),
        yes=says_yes(own_answer(text)),
        copied_alone=copied_alone(text) if copied else True,
    )


def meaning(ctx: Context, reading: Reading) -> Meaning | Outcome | None:
    """The command a message without one stands for, an answer, or None (not understood)."""
    message, role = ctx.message, ctx.identity.role
    labels = reading.labels_everything
    if role == "secretary" and reading.concept and labels < 2:
        return "konzept", "", message.text  # the concept's lines without /konzept
    # first: a sketch's words are read for nothing else (`read`)
    if labels >= 2 or (labels >= 1 and (
            message.refers_to or drafts.last(ctx) is not None)):
        # a sketch without the command line, or a completion (of a sketch sent without a
        # social space, too: handlers/drafts.py)
        return "antrag", "", message.text
    if reading.privacy is not None and not message.attachments:
        from handlers.privacy import request_in_words  # the DSGVO: to the administration

        return request_in_words(ctx, reading.privacy)
    spoken = reading.spoken.get(role)
    if spoken is not None:
        return spoken  # a correction or a withdrawal in words (handlers/corrections.py)
    if role == "applicant" and reading.amount_change is not None:
        changed = amount_change_answer(ctx, reading.amount_change)  # the line to send; or R11
        if changed is not None:
            return changed
    if role == "county" and reading.veto_doubted:
        return veto.offer(ctx, reading.veto_doubted)  # nothing vetoed on "kein Veto"
    if role in ("applicant", "secretary") and reading.withdrawal_doubted:
        offered = withdrawal.offer(ctx, reading.withdrawal_doubted)  # the line, if she means it
        if offered is not None:
            return offered
    given_up = reading.withdrawal_doubted if reading.withdrawal_doubted == "" else (
        reading.gives_up)  # "Müssen wir den Antrag zurückziehen?", "Das Fest fällt aus"
    if role == "applicant" and given_up is not None:
        offered = (withdrawal.offer(ctx, given_up) if given_up
                   else withdrawal.offer_own(ctx))
        if offered is not None:
            return offered
    if reading.listed is not None:  # "Welche Anträge sind offen?" (an applicant: her own)
        return "antraege", " ".join(filter(None, (_scope(ctx), reading.listed))), ""
    if role != "applicant" and reading.sessions:  # "Welche Sitzungen sind geplant?"
        return "sitzungen", _conference_named(ctx), ""
    if role != "applicant" and reading.report is not None:  # "die Übersicht als Excel"
        year = _scope(ctx).split(" ")[-1]
        return "bericht", " ".join(filter(None, (year if year.isdigit() else "",
                                                 reading.report))), ""
    if reading.show:  # "Zeig mir bitte ADE-2026-004" (applicants: their own)
        return "zeige", reading.show, ""
    if role != "applicant" and reading.concept_asked:  # "Hat Ostheide schon ein Konzept?"
        return "konzept", "" if role == "secretary" else _conference_named(ctx), ""
    if role != "applicant" and reading.agenda:
        return "tagesordnung", _conference_named(ctx), ""
    if role != "applicant" and reading.minutes:
        day = _DAY.search(ctx.message.text[:MAX_SCOPE_CHARS])
        return "protokoll", " ".join(filter(None, (_conference_named(ctx),
                                                   day.group() if day else ""))), ""
    status = reading.status
    if status is not None:
        return ("zeige", status, "") if status else ("antraege", "", "")
    if reading.balance:
        if role == "applicant":
            outcome = reply("Den Stand des Budgets sehen die Sozialkonferenzen und der Landkreis. "
                            "Wie es um Ihren Antrag steht, fragen Sie z. B. so: „Wie ist der "
                            "Stand meines Antrags?“")
            return Outcome(False, outcome.replies)
        return "saldo", _scope(ctx), ""  # "Wie viel Geld hat Adendorf noch (2026)?"
    if role == "applicant" and reading.own_status:
        return "antraege", "", ""  # "Wie ist der Stand?": her own applications
    if role == "secretary" and reading.preview_answer is not None:
        return reading.preview_answer, "", ""  # the code: from the preview it answers, or asked
    if role == "secretary" and reading.results:
        return "beschluss", "", message.text  # the results of a session without /beschluss
    if reading.thanks and not message.attachments:
        return _welcome(ctx)
    if reading.payout and not message.attachments:
        return _payout(ctx)
    if role == "applicant" and reading.stop and not message.attachments:
        return _no_more_mail()
    if role != "applicant" and reading.reads is not None:  # "bitte den saldo von adendorf"
        named = (_conference_named(ctx) if reading.reads in ("sitzungen", "tagesordnung")
                 else _scope(ctx))
        return reading.reads, named, ""
    return None


def _scope(ctx: Context) -> str:
    """The one conference and the year a staff member's question names ("Welche Anträge sind
    offen in Adendorf?", "Wie viel Geld hat Adendorf 2026 noch?"), as /saldo and /antraege
    take them; "" for the applicant, who sees only her own."""
    if ctx.person is None:
        return ""
    text = ctx.message.text[:MAX_SCOPE_CHARS].translate(BRACKETS)  # "(Adendorf)" too
    named = conferences_in(text, ctx.config.conferences)
    year = _YEAR.search(text)
    return " ".join(filter(None, (named[0].code if len(named) == 1 else "",
                                  year.group() if year else "")))


def _conference_named(ctx: Context) -> str:
    """The code of the one conference a staff member's question names, else "" (a secretary
    naming another conference is told by the command that she sees only her own)."""
    named = _scope(ctx).split(" ")[0]
    return "" if named.isdigit() else named


def _welcome(ctx: Context) -> Outcome:
    """A thank-you gets a polite answer, not the sketch form nor "nicht verstanden"; like any
    answer that does nothing, it is not an accepted request (nor an answer to an alert)."""
    if ctx.identity.role == "applicant":
        text = ("Gern geschehen! Wie es um Ihren Antrag steht, erfahren Sie jederzeit mit „Wie "
                "ist der Stand meines Antrags?“. Eine neue Projektskizze können Sie mir einfach "
                "senden; /hilfe zeigt, wie.")
    else:
        text = "Gern geschehen! /hilfe zeigt, was Sie tun können."
    return Outcome(False, reply(text).replies)


def _no_more_mail() -> Outcome:
    """ "Stopp", "Abmelden": there is no list to leave; what she gets, and how to end it."""
    text = ("Sie erhalten von mir nur Antworten auf Ihre Nachrichten und Nachricht über Ihre "
            "eigenen Anträge. Ziehen Sie einen Antrag zurück (/zurueckziehen mit seiner Nummer), "
            "schreibe ich Ihnen dazu nichts mehr. Ihre Daten löschen lassen können Sie mit „Bitte "
            "löschen Sie meine Daten“.")
    return Outcome(False, reply(text).replies)


def _payout(ctx: Context) -> Outcome:
    """Paying out, invoices, the proof of use: the county's and the conference's, not the
    bot's; the answer says whom to ask instead of sending the sketch form."""
    own = ctx.store.applications_from(ctx.identity.key, ctx.store.years()[-2:])
    where = (f"die Geschäftsführung der Sozialkonferenz {ctx.conference(own[-1].conference).name}"
             if own else "die Geschäftsführung Ihrer Sozialkonferenz")
    text = ("Auszahlung, Rechnungen und Verwendungsnachweis laufen nicht über diesen Bot. Bitte "
            f"wenden Sie sich an {where} oder an den Landkreis (Fachdienst 51). Wie es um Ihre "
            "Anträge steht, zeigt /antraege.")
    return Outcome(False, reply(text).replies)


READING_COMMANDS = frozenset({"saldo", "antraege", "sitzungen", "tagesordnung"})
_WORD = re.compile(r"[^\W\d_]+")
MAX_READS_CHARS = 120


def _reading_command(text: str) -> str | None:
    """The one command that only reads which a short message names anywhere ("bitte den saldo
    von adendorf", "alle Anträge von Ostheide bitte"): staff get its answer, nothing changes."""
    if len(text) > MAX_READS_CHARS:
        return None
    spelt = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    found = {word for word in _WORD.findall(spelt) if word in READING_COMMANDS}
    return found.pop() if len(found) == 1 else None
