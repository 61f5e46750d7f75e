"""The `sozialbot` command: init, say, console, run, export, report, invite, revoke, and the
administrator's backup, restore and status (bot.ops_cli).

`say` and `console` must start fast, so nothing here imports Telegram, mail or report code
until a command needs it.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from bot import ops_cli
from bot.config import ConfigError, config_path, default_config_text, load_config
from rules.county import Config
from storage.lock import StoreLocked
from storage.private import make_private, private_umask

if TYPE_CHECKING:
    from handlers.messages import Outcome, Sender
    from handlers.service import Core

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sozialbot", description=(
        "Budget II der Sozialraumkonferenzen: Anträge, Sitzungen, Beschlüsse, Salden."))
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="legt DIR/sozialbot.toml und DIR/data/ an")
    init.add_argument("directory", type=Path)

    def with_config(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", help="Konfigurationsdatei (sonst SOZIALBOT_CONFIG)")
        return p

    say = with_config("say", "verarbeitet eine Nachricht und druckt die Antwort")
    say.add_argument("--as", dest="sender", required=True,
                     help="Personen-ID (z. B. sek-ade) oder E-Mail-Adresse")
    say.add_argument("--today", help="Datum der Nachricht, JJJJ-MM-TT (für Nachträge)")
    say.add_argument("message")
    console = with_config("console", "interaktiv: eine Nachricht endet mit einer Leerzeile")
    console.add_argument("--as", dest="sender", required=True)
    run = with_config("run", "startet den Bot mit allen eingeschalteten Kanälen")
    run.add_argument("--as", dest="sender", help="zusätzlich eine Konsole für diese Person")
    export = with_config("export", "alle Daten als JSON")
    export.add_argument("--output", type=Path)
    report = with_config("report", "Antragsübersicht als Datei")
    report.add_argument("--year", type=int)
    report.add_argument("--conference")
    report.add_argument("--format", required=True, choices=("xlsx", "csv", "pdf", "png", "json"))
    report.add_argument("--output", type=Path)
    invite = with_config("invite", "Einladungscode für Telegram und Matrix")
    invite.add_argument("person")
    revoke = with_config("revoke", "trennt die Telegram-Verbindung einer Person")
    revoke.add_argument("person")
    ops_cli.add_commands(sub, with_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `sozialbot say … | head` ends quietly
        private_umask()  # data files 0600, folders 0700, whatever the shell's umask
    args = _parser().parse_args(argv)
    if args.command == "init":
        return _init(args.directory)
    try:
        config = load_config(config_path(args.config))
        return COMMANDS[args.command](config, args)
    except (ConfigError, StoreLocked) as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK


def _init(directory: Path) -> int:
    target = directory / "sozialbot.toml"
    if target.exists():
        print(f"{target} gibt es schon; nichts überschrieben.", file=sys.stderr)
        return EXIT_USAGE
    make_private(directory / "data")
    target.write_text(default_config_text(), encoding="utf-8")
    print(f"Angelegt: {target} (Landkreis Lüneburg, zehn Sozialräume) und {directory / 'data'}/")
    print(f"Weiter: sozialbot say --config {target} --as sek-ade \"/hilfe\"")
    return EXIT_OK


def _sender(config: Config, address: str) -> Sender | None:
    from handlers.messages import Sender

    if config.person(address) is not None:
        return Sender("console", address, verified=True)
    # an applicant writing by e-mail, as if the mail had come in
    return Sender("email", address, verified=True) if "@" in address else None


def _now(config: Config, today: str | None) -> datetime:
    tz = ZoneInfo(config.timezone)
    if today is None:
        return datetime.now(tz)
    return datetime.combine(date.fromisoformat(today), time(12, 0), tz)


def print_outcome(outcome: Outcome, out: TextIO = sys.stdout) -> None:
    for reply in outcome.replies:
        print(reply.text, file=out)
        for action in reply.actions:
            print(f"  [{action.label}] → {action.command}", file=out)
        for document in reply.documents:
            print(f"  (Datei: {document.filename}, {len(document.data)} Bytes)", file=out)
    for notification in outcome.notifications:
        print(f"\n→ an {notification.recipient}:", file=out)
        print(notification.text, file=out)


def _say(config: Config, args: argparse.Namespace) -> int:
    import uuid

    from handlers.messages import IncomingMessage
    from handlers.service import Core

    sender = _sender(config, args.sender)
    if sender is None:
        print(f"Unbekannter Absender „{args.sender}“: eine Personen-ID aus der Konfiguration "
              "oder eine E-Mail-Adresse angeben.", file=sys.stderr)
        return EXIT_USAGE
    try:
        now = _now(config, args.today)
    except ValueError:
        print("--today erwartet ein Datum wie 2026-03-12.", file=sys.stderr)
        return EXIT_USAGE
    core = Core.open(config)
    try:
        outcome = core.handle(IncomingMessage(sender, args.message, f"console:{uuid.uuid4()}",
                                              now))
    finally:
        core.close()
    print_outcome(outcome)
    return EXIT_OK if outcome.accepted else EXIT_REFUSED


def _console(config: Config, args: argparse.Namespace) -> int:
    from bot.console import run_console

    sender = _sender(config, args.sender)
    if sender is None:
        print(f"Unbekannter Absender „{args.sender}“.", file=sys.stderr)
        return EXIT_USAGE
    from handlers.service import Core

    core = Core.open(config)
    try:
        run_console(core, sender, sys.stdin, sys.stdout)
    finally:
        core.close()
    return EXIT_OK


def _run(config: Config, args: argparse.Namespace) -> int:
    from bot.run import run

    sender = _sender(config, args.sender) if args.sender else None
    if args.sender and sender is None:
        print(f"Unbekannter Absender „{args.sender}“.", file=sys.stderr)
        return EXIT_USAGE
    return run(config, console_sender=sender)


def _export(config: Config, args: argparse.Namespace) -> int:
    import json

    from handlers.service import Core

    core = Core.open(config)
    try:
        data = json.dumps(core.export(), ensure_ascii=False, indent=2)
    finally:
        core.close()
    if args.output:
        args.output.write_text(data + "\n", encoding="utf-8")
        print(f"Geschrieben: {args.output}")
    else:
        print(data)
    return EXIT_OK


def _report(config: Config, args: argparse.Namespace) -> int:
    from handlers.service import Core
    from reports import ReportError, render

    core = Core.open(config)
    try:
        now = datetime.now(core.tz)
        export = core.export(now)
    finally:
        core.close()
    try:
        filename, _, data = render(export, args.format, year=args.year or now.year,
                                   conference=args.conference, today=now.date())
    except ReportError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return EXIT_USAGE
    target = args.output or Path(filename)
    target.write_bytes(data)
    print(f"Geschrieben: {target} ({len(data)} Bytes)")
    return EXIT_OK


RUNNING_HINT = ("Läuft der Bot gerade? Dann senden Sie als Kreisverwaltung „/{command} {person}“ "
                "an den Bot (Telegram, E-Mail oder „sozialbot run --as verwaltung“).")


def _open_for_onboarding(config: Config, command: str, person: str) -> Core | None:
    from handlers.service import Core

    try:
        return Core.open(config)
    except StoreLocked as error:
        print(f"Fehler: {error}\n" + RUNNING_HINT.format(command=command, person=person),
              file=sys.stderr)
        return None


def _invite(config: Config, args: argparse.Namespace) -> int:
    import asyncio

    from handlers.onboarding import invite_text

    person = config.person(args.person)
    if person is None:
        print(f"Unbekannte Person „{args.person}“.", file=sys.stderr)
        return EXIT_USAGE
    core = _open_for_onboarding(config, "einladen", args.person)
    if core is None:
        return EXIT_USAGE
    try:
        code = core.create_invite(args.person, datetime.now(core.tz))
    finally:
        core.close()
    try:
        from bot.telegram.settings import fetch_bot_username

        username: str | None = asyncio.run(fetch_bot_username(config))
    except Exception:  # no token, no network: the /start line still works
        username = None
    print(invite_text(username, person.name, code, config.matrix_user_id))
    return EXIT_OK


def _revoke(config: Config, args: argparse.Namespace) -> int:
    core = _open_for_onboarding(config, "trennen", args.person)
    if core is None:
        return EXIT_USAGE
    try:
        removed = core.revoke(args.person)
    finally:
        core.close()
    print(f"Telegram-Verbindung von {args.person} getrennt." if removed else
          f"{args.person} war nicht mit Telegram verbunden.")
    return EXIT_OK


COMMANDS = {"say": _say, "console": _console, "run": _run, "export": _export,
            "report": _report, "invite": _invite, "revoke": _revoke,
            "backup": ops_cli.backup, "restore": ops_cli.restore, "status": ops_cli.status,
            "auskunft": ops_cli.auskunft, "loeschen": ops_cli.loeschen}

if __name__ == "__main__":
    raise SystemExit(main())
