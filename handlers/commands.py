"""The command vocabulary: which word runs which use case, and who may use it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from handlers import answers, codes, scope, understand, verification
from handlers.context import Context, reply
from handlers.messages import IncomingMessage, Outcome
from rules.answers import not_for_sure, without_courtesy
from rules.decisions import looks_like_decision
from rules.numbers import NUMBER
from rules.people import ROLE_GROUPS_DATIVE
from rules.refusal import refuse
from rules.sessions import CANCEL, sitzung_in_words
from rules.sketch import REQUIRED, form_lines

ALL = ("applicant", "secretary", "county", "administration")
STAFF = ("secretary", "county", "administration")


@dataclass(frozen=True)
class Command:
    name: str
    roles: tuple[str, ...]
    run: Callable[[Context, str, str], Outcome]
    usage: str
    summary: str
    unverified_ok: bool = False  # runs for an unverified sender (see handlers.verification)


def _registry() -> dict[str, Command]:
    from handlers import (
        agenda,
        applications,
        balance,
        concept,
        corrections,
        decisions,
        help,
        minutes,
        onboarding,
        report,
        sessions,
        show,
        submit,
        veto,
        withdrawal,
        year_close,
    )

    commands = [
        Command("hilfe", ALL, help.run, "/hilfe", "zeigt, was Sie tun können",
                unverified_ok=True),
        Command("start", ALL, onboarding.run, "/start <Code>",
                "verbindet Telegram mit Ihrem Zugang", unverified_ok=True),
        Command("antrag", ("applicant", "secretary"), submit.run,
                "/antrag + Zeilen Sozialraum:, Träger:, Titel:, Ausgangslage:, Zielsetzung:, "
                "Maßnahme:, Betrag:", "reicht eine Projektskizze ein"),
        Command("konzept", STAFF, concept.run,
                "/konzept + Zeilen Zielgruppen:, Problemlagen:, Ziele:",
                "hinterlegt das Sozialraumkonzept oder zeigt es"),
        Command("sitzung", ("secretary",), sessions.register,
                "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II", "meldet eine Sitzung an"),
        Command("anwesend", ("county",), sessions.attend, "/anwesend ADE 12.03.2026",
                "sagt die Teilnahme an einer Sitzung zu"),
        Command("verhindert", ("county",), sessions.excuse, "/verhindert ADE 12.03.2026",
                "sagt ab, wenn Sie nicht teilnehmen können"),
        Command("beschluss", ("secretary",), decisions.record,
                "/beschluss 12.03.2026 + Zeilen wie „ADE-2026-003 bewilligt 1.200 € "
                "(ja 7, nein 1, enthaltung 0)“; bis 14 Tage nach der Sitzung genügen die "
                "Zeilen allein", "meldet die Beschlüsse einer Sitzung"),
        Command("buchen", ("secretary",), decisions.confirm, "/buchen K7F3QX2M",
                "bucht gemeldete Beschlüsse", unverified_ok=True),
        Command("verwerfen", ("secretary",), decisions.discard, "/verwerfen K7F3QX2M",
                "verwirft gemeldete Beschlüsse", unverified_ok=True),
        Command("freigeben", STAFF, verification.release, "/freigeben K7F3QX2M",
                "führt eine per E-Mail gesendete Anfrage nach Prüfung aus", unverified_ok=True),
        Command("bestaetigen", ("county",), decisions.release_held,
                "/bestaetigen ADE 12.03.2026", "gibt zurückgehaltene Beschlüsse frei (R9)"),
        # corrections and withdrawals (issue 11)
        Command("korrektur", ("secretary",), corrections.preview,
                "/korrektur ADE-2026-001 bewilligt 1.000 € Grund: gemeldet waren 1.500 €",
                "berichtigt einen falsch gemeldeten Beschluss (mit /buchen)"),
        Command("zurueckziehen", ("applicant", "secretary"), withdrawal.run,
                "/zurueckziehen ADE-2026-002", "zieht einen offenen Antrag zurück"),
        Command("veto", ("county",), veto.run, "/veto ADE-2026-003 passt nicht zum Konzept",
                "legt ein Veto ein (R10)"),
        Command("saldo", STAFF, balance.run, "/saldo ADE 2026", "zeigt den Stand des Budgets"),
        Command("antraege", ALL, applications.run, "/antraege ADE 2026",
                "listet die Anträge"),
        Command("bericht", STAFF, report.run, "/bericht 2026 pdf",
                "schickt die Antragsübersicht als Datei"),
        # reading: a sketch in full, the agenda, the sessions ahead, the minutes
        Command("zeige", ALL, show.run, "/zeige ADE-2026-001",
                "zeigt einen Antrag ganz, mit Skizze und Verlauf"),
        Command("tagesordnung", STAFF, agenda.run, "/tagesordnung ADE 12.03.2026",
                "zeigt die Tagesordnung einer Budget-II-Sitzung (auch als PDF)"),
        Command("sitzungen", STAFF, agenda.upcoming, "/sitzungen",
                "zeigt die angesetzten Sitzungen"),
        Command("protokoll", STAFF, minutes.run, "/protokoll ADE 12.03.2026",
                "schickt das Protokoll einer Sitzung als PDF"),
        Command("einladen", ("administration",), onboarding.invite, "/einladen sek-ade",
                "erstellt einen Telegram-Einladungscode für eine Person"),
        Command("trennen", ("administration",), onboarding.unlink, "/trennen sek-ade",
                "trennt die Telegram-Verbindung einer Person"),
        Command("jahresabschluss", ("administration",), year_close.run,
                "/jahresabschluss 2026", "schließt ein Haushaltsjahr ab (R2)"),
    ]
    return {c.name: c for c in commands}


_COMMANDS: dict[str, Command] | None = None


def registry() -> dict[str, Command]:
    global _COMMANDS
    if _COMMANDS is None:
        _COMMANDS = _registry()
    return _COMMANDS


def command_word(token: str) -> str:
    word = token.lstrip("/").split("@", 1)[0].lower()
    for umlaut, spelt in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(umlaut, spelt)
    return word


def split_command(text: str) -> tuple[str | None, str, str]:
    """(command word or None, the rest of the first line, the following lines)."""
    lines = text.strip().splitlines()
    if not lines:
        return None, "", ""
    first, body = lines[0].strip(), "\n".join(lines[1:])
    if not first.startswith("/"):
        return None, first, "\n".join(lines)
    token, _, args = first.partition(" ")
    return command_word(token), args.strip(), body


CODE_COMMANDS = frozenset({"buchen", "verwerfen", "freigeben"})
# commands that only read, whose arguments are never a polite word ("Protokoll bitte")
COURTEOUS = frozenset({"saldo", "antraege", "sitzungen", "tagesordnung", "protokoll", "bericht",
                       "hilfe", "zeige"})
# commands that change something at once (no preview, no form to fill in): their word without
# its slash counts only in a message that says it for sure, without "nicht", "?" or "falls"
ACTS_AT_ONCE = frozenset({"sitzung", "anwesend", "verhindert", "buchen", "verwerfen", "freigeben",
                          "bestaetigen", "zurueckziehen", "veto", "einladen", "trennen",
                          "jahresabschluss"})
MAX_COMMAND_LINE = 120  # a first line longer than this is a text, not a command


# "Die Sitzung am 5. März fällt aus", "Neue Sitzung: 12.03.", "Nächste Sitzung ist am 12.03."
_SESSION_IN_WORDS = re.compile(
    r"^\s*(?:(?:die|unsere|eine|neue|nächste|naechste|weitere|zusätzliche)\s+){1,2}"
    r"(?P<word>sitzung)\b\s*:?\s*(?:(?:ist|wird|findet)\s+)?", re.IGNORECASE)


def _without_slash(text: str) -> tuple[str | None, str, str]:
    """A configured person's command word without its slash ("Saldo 2026", "beschluss"); a
    session in words ("Neue Sitzung: 12.03. …", "Die Sitzung am 5. März fällt aus") is
    /sitzung."""
    said = _SESSION_IN_WORDS.sub(lambda m: m["word"] + " ", text, count=1)
    if said != text and not_for_sure(CANCEL.sub(" ", text)):  # "findet nicht statt" cancels
        return None, "", ""  # "Die Sitzung am 19.3. fällt nicht aus": no change to make
    text = said
    first = text.strip().split("\n", 1)[0].strip()
    if not first or len(first) > MAX_COMMAND_LINE:
        return None, "", ""
    if command_word(first.split()[0].strip(".,:;!?")) not in registry():
        return None, "", ""
    word, args, body = split_command("/" + text.strip())
    word = word.strip(".,:;!?") if word else word
    if word != "beschluss" and any(looks_like_decision(line) for line in body.splitlines()):
        return None, "", ""  # "Sitzung am 12.03.:" heading the results, not a /sitzung
    if word == "antrag" and looks_like_decision(first):
        return None, "", ""  # "Antrag 2 abgelehnt": a result typed on a phone, not a sketch
    if word in ACTS_AT_ONCE and not_for_sure(CANCEL.sub(" ", text)):
        return None, "", ""  # "Jahresabschluss 2026 – wann machen wir den?": a question
    return word, args, body


@dataclass(frozen=True)
class Parsed:
    """A message's text read into what it can mean, before the core takes its lock; dispatch
    only chooses among these by the sender's role and the state."""

    command: tuple[str | None, str, str]  # split_command of the text
    without_slash: tuple[str | None, str, str]  # a command word without its slash
    words: understand.Reading  # everything else the words can mean


def parse(message: IncomingMessage) -> Parsed:
    """Read the untrusted text; pure, so the core calls it outside its lock. A command line
    alone ("/antraege", "/saldo ADE 2026") is read for nothing else: `dispatch` looks at the
    other readings only for a message without a command."""
    command = split_command(message.text)
    if command[0] is not None and not command[2].strip() and not message.attachments \
            and len(message.text) <= MAX_COMMAND_LINE:
        return Parsed(command, (None, "", ""), understand.NOTHING)
    return Parsed(command, _without_slash(message.text), understand.read(message, registry()))


def dispatch(ctx: Context, parsed: Parsed | None = None) -> Outcome:
    """Run the command a message stands for; `parsed`: parse(ctx.message), done before."""
    parsed = parsed or parse(ctx.message)
    word, args, body = parsed.command
    if word is None and parsed.words.absence and not parsed.words.copied \
            and parsed.words.calendar is None:
        return Outcome(False, ())  # an out-of-office notice: nothing to read, nothing to answer
    if word is None and (not parsed.words.copied or not parsed.words.copied_alone):
        # "Nein, das war ich nicht" to the warning about a request in her name
        about_request = (verification.answered(ctx, parsed.words.denial)
                         or verification.applicant_answered(ctx, parsed.words.denial,
                                                            parsed.words.yes))
        if about_request is not None:
            return about_request
    if word is None and parsed.words.copied and not parsed.words.copied_alone:
        return answers.copied_with_words(parsed.words.copied)
    if word is None:
        # a line the bot offered copied back, "Zusage", a calendar's answer (handlers/answers)
        understood = answers.understand(ctx, parsed.words)
        if isinstance(understood, Outcome):
            return understood
        if understood is not None:
            word, args, body = split_command(understood)
    if word is None and ctx.person is not None:
        word, args, body = parsed.without_slash
    if word is None:
        meant = understand.meaning(ctx, parsed.words)  # words, a sketch, results, a question
        if isinstance(meant, Outcome):
            return meant
        if meant is None:
            return reply_unknown(ctx)
        word, args, body = meant
    if word in CODE_COMMANDS or word in COURTEOUS:
        args = without_courtesy(args)  # "Buchen bitte", "Tagesordnung bitte": no code, no place
    if word in CODE_COMMANDS and not args:
        # "/buchen" alone, answering the preview: the code is in what it answers
        args = next((r for r in ctx.message.refers_to if re.fullmatch(codes.CODE_PATTERN, r)), "")
    if word == "antrag" and not body.strip() and not ctx.message.attachments and \
            NUMBER.fullmatch(args):
        word = "zeige"  # "/antrag ADE-2026-001" alone: read it, not complete it
    command = registry().get(word)
    if command is None:
        return reply_unknown(ctx, word)
    if ctx.identity.role not in command.roles:
        groups = [ROLE_GROUPS_DATIVE[r] for r in command.roles]
        allowed = ", ".join(groups[:-1]) + " und " + groups[-1] if len(groups) > 1 else groups[0]
        hint = (" Wenn Sie zu einer Sozialkonferenz oder zum Landkreis gehören, bitten Sie die "
                "Kreisverwaltung um einen Zugang." if ctx.person is None else "")
        raise refuse("", f"/{command.name} darf nur von {allowed} genutzt werden.{hint} "
                         "/hilfe zeigt, "
                         "was Sie tun können.")
    scope.refuse_other_conference(ctx, command.name, args)  # "/konzept ADE" from Bleckede
    if verification.needs_confirmation(ctx, command.unverified_ok):
        return verification.hold(ctx, command.name)  # nothing runs before the code comes back
    return command.run(ctx, args, body)


def reply_unknown(ctx: Context, word: str | None = None) -> Outcome:
    """An applicant who writes in her own words most likely wants to apply: she gets the form to
    fill in, not a pointer to a command she does not know. No other line of the answer starts
    with a label: one copied back with the form would be read as part of the sketch."""
    if word is None and ctx.identity.role == "applicant":
        from handlers.submit import completion_hint

        hint = completion_hint(ctx)  # her answer to the question about an incomplete sketch
        if hint is not None:
            return hint
        outcome = reply(
            "In Ihrer Nachricht habe ich keine Projektskizze für Budget II erkannt. Eine Skizze "
            "braucht diese Zeilen. Bitte füllen Sie sie aus und senden Sie sie mir:\n\n"
            f"{form_lines(REQUIRED)}\n\n"
            "Beim Sozialraum genügt sein Name (z. B. Adendorf), beim Betrag die beantragte Summe "
            "in Euro. Gibt es eine Kofinanzierung, fügen Sie eine Zeile „Kofinanzierung:“ mit "
            "Geldgeber und Betrag hinzu. /hilfe zeigt, was Sie sonst tun können.")
        return Outcome(False, outcome.replies)
    if word is None:
        offered = answers.unclear(ctx)  # a county representative's unclear answer to an alert
        if offered is not None:
            return offered
    what = f"Den Befehl /{word[:30]} kenne ich nicht." if word else (
        "Ihre Nachricht habe ich nicht verstanden.")
    meant = None if word else _meant(ctx)
    outcome = reply(f"{what} {meant}" if meant else f"{what} /hilfe zeigt, was Sie tun können.")
    return Outcome(False, outcome.replies)


_WORD = re.compile(r"[^\W\d_]+")
MAX_MEANT_CHARS = 200  # a short message; a longer one is a letter, not a command


def _meant(ctx: Context) -> str | None:
    """A configured person's short message that names a command of hers without its slash
    ("ok buchen", "bitte den saldo") or a session ("wir treffen uns am 19. März um 18 Uhr"):
    the line she probably meant, to send herself. Nothing is run on a guess."""
    text = ctx.message.text
    if ctx.person is None or len(text) > MAX_MEANT_CHARS:
        return None
    words = [command_word(w) for w in _WORD.findall(text)]
    session = (sitzung_in_words(text, ctx.today)
               if ctx.identity.role == "secretary" and not not_for_sure(text) else None)
    if session:
        return ("Meinten Sie eine Sitzung? Dann senden Sie bitte, mit dem Ort ergänzt:\n"
                f"{session}")
    mine = [c for w in words if (c := registry().get(w)) and ctx.identity.role in c.roles
            and c.name not in ("start", "hilfe")]
    if len(mine) == 1 and mine[0].name in CODE_COMMANDS:  # its example code is no real one
        return (f"Meinten Sie /{mine[0].name}? Senden Sie /{mine[0].name} allein, dann nenne "
                "ich die Codes, die darauf warten.")
    if len(mine) == 1:
        from handlers.help import SENTENCES, examples  # examples valid for her, today

        example = mine[0].usage
        if mine[0].name in SENTENCES:
            example = SENTENCES[mine[0].name][1].format_map(examples(ctx)).replace(
                "  ", " ").rstrip()
        return f"Meinten Sie /{mine[0].name}? Zum Beispiel: {example}"
    return None
