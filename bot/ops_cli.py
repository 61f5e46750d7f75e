"""The administrator's commands: `sozialbot backup`, `restore`, `status`, and for data
protection `auskunft` (Art. 15 DSGVO) and `loeschen` (Art. 17).

`backup` asks the running bot for a snapshot over its control socket (bot.control); without a
running bot it opens the data directory itself (the directory lock keeps a bot from starting
meanwhile). Either way nothing commits while the files are read, and the archive is written to
a temporary file and renamed, so FILE is a whole backup or the previous one.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from rules.county import Config

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NOT_RUNNING = 0, 1, 2, 3


def add_commands(sub: Any, with_config: Any) -> None:
    backup = with_config("backup", "Sicherung der Daten in eine Datei (auch bei laufendem Bot)")
    backup.add_argument("file", type=Path)
    restore = with_config("restore", "Sicherung in ein leeres Verzeichnis zurückspielen, prüfen")
    restore.add_argument("file", type=Path)
    restore.add_argument("directory", type=Path)
    status = with_config("status", "Zustand des laufenden Bots (Kanäle, Warteschlange, Fehler)")
    status.add_argument("--json", action="store_true", help="maschinenlesbar")
    auskunft = with_config("auskunft", "alles Gespeicherte über eine Person (Art. 15 DSGVO)")
    auskunft.add_argument("who", help="E-Mail-Adresse oder Telegram-ID")
    auskunft.add_argument("--json", action="store_true", help="maschinenlesbar")
    loeschen = with_config("loeschen", "Daten einer Person löschen, soweit keine "
                                       "Aufbewahrungspflicht entgegensteht (Art. 17 DSGVO)")
    loeschen.add_argument("who", help="E-Mail-Adresse oder Telegram-ID")


def backup(config: Config, args: argparse.Namespace) -> int:
    from bot.control import NotRunning, request
    from storage.backup import BackupError, write_archive

    try:
        _, data = request(config.data_dir, "backup")
        how = "vom laufenden Bot"
    except NotRunning:
        data, how = _snapshot_without_bot(config), "aus dem Datenverzeichnis"
    except (OSError, ValueError) as error:
        print(f"Fehler: Sicherung fehlgeschlagen: {error}. {args.file} wurde nicht geändert.",
              file=sys.stderr)
        return EXIT_REFUSED
    try:
        write_archive(args.file, data)
    except (BackupError, OSError) as error:
        print(f"Fehler: {args.file} nicht geschrieben: {error}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"Gesichert {how}: {args.file} ({len(data)} Bytes)")
    return EXIT_OK


def _snapshot_without_bot(config: Config) -> bytes:
    core = _open(config)  # StoreLocked: a bot runs, but without a control socket
    try:
        return core.snapshot()
    finally:
        core.close()


def restore(config: Config, args: argparse.Namespace) -> int:
    from handlers.service import Core
    from storage.backup import BackupError, restore_files, unpack
    from storage.journal import parse_lines

    try:
        manifest, files = unpack(args.file.read_bytes())
        restore_files(files, args.directory)
    except (BackupError, OSError) as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return EXIT_REFUSED
    commits = len(parse_lines(files.get("journal.log", b""), args.file)[0])
    core = Core.open(replace(config, data_dir=args.directory))  # replays the journal
    try:
        export = core.export(datetime.fromisoformat(manifest["created_at"]))
    finally:
        core.close()
    differing = [key for key in manifest["export"] if export.get(key) != manifest["export"][key]]
    print(f"Zurückgespielt nach {args.directory}: {len(files)} Dateien, {commits} Einträge des "
          f"Journals nachgespielt, Stand {manifest['created_at']}.")
    if differing:
        print(f"Fehler: nach dem Zurückspielen weicht ab: {', '.join(differing)}. Wurde die "
              "Konfiguration (Konferenzen, Zuweisungen) seit der Sicherung geändert?",
              file=sys.stderr)
        return EXIT_REFUSED
    print(f"Geprüft: {len(export['applications'])} Anträge, {len(export['ledger'])} Buchungen; "
          "alle Salden stimmen mit dem Hauptbuch und dem Stand der Sicherung überein.")
    print("Zum Benutzen: in der Konfiguration [storage] data_dir = "
          f"\"{args.directory.resolve()}\".")
    return EXIT_OK


def status(config: Config, args: argparse.Namespace) -> int:
    """Exit 0: every channel connected; 1: a channel is not; 3: the bot does not run."""
    import json

    from bot.control import NotRunning, request

    try:
        report, _ = request(config.data_dir, "status", timeout=10)
    except NotRunning:
        if _locked(config):  # a bot holds the data, but answers on no socket
            print(json.dumps({"running": True, "healthy": False, "channels": {}}) if args.json
                  else "sozialbot läuft, antwortet aber nicht auf control.sock (siehe Log).")
            return EXIT_REFUSED
        print(json.dumps({"running": False}) if args.json else
              f"sozialbot läuft nicht (kein Bot an {config.data_dir}).")
        return EXIT_NOT_RUNNING
    except (OSError, ValueError) as error:
        print(f"Fehler: keine Antwort vom Bot: {error}", file=sys.stderr)
        return EXIT_REFUSED
    report.pop("ok", None)
    channels: dict[str, dict[str, Any]] = report.get("channels", {})
    healthy = all(c["connected"] for c in channels.values())
    if args.json:
        print(json.dumps({"running": True, "healthy": healthy, **report}, ensure_ascii=False))
        return EXIT_OK if healthy else EXIT_REFUSED
    print(f"sozialbot läuft (PID {report.get('pid')}, seit {report.get('started_at')}).")
    if not channels:
        print("Kein Kanal eingeschaltet.")
    for name, c in channels.items():
        state = (f"verbunden seit {c['connected_since']}" if c["connected"]
                 else "NICHT verbunden")
        print(f"{name}: {state}; letzte Nachricht: {c['last_message_at'] or '–'} "
              f"({c['messages']} seit dem Start); Warteschlange: {c['queue']}")
        if c["last_error"]:
            print(f"  letzter Fehler {c['last_error_at']}: {c['last_error']}")
    return EXIT_OK if healthy else EXIT_REFUSED


def _privacy(config: Config, command: str, who: str) -> dict[str, Any]:
    """Through the running bot, or on the data directory when none runs."""
    from bot.control import NotRunning, privacy, request

    try:
        answer, _ = request(config.data_dir, command, who=who)
        return answer
    except NotRunning:
        core = _open(config)
        try:
            return privacy(core, command, who)
        finally:
            core.close()


def auskunft(config: Config, args: argparse.Namespace) -> int:
    import json

    report = _privacy(config, "auskunft", args.who)["report"]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"Auskunft nach Art. 15 DSGVO über „{args.who}“ (gespeichert als {report['key']}):")
    person = report["person"]
    if person:
        print(f"\nIn der Konfiguration (dienstlich): {person['name']}, Rolle {person['role']}"
              f"{', Konferenz ' + person['conference'] if person['conference'] else ''}"
              f"{', E-Mail ' + person['email'] if person['email'] else ''}; Telegram-Chat: "
              f"{report['telegram_chat'] or 'nicht verbunden'}")
    print(f"\nAnträge ({len(report['applications'])}):")
    for a in report["applications"]:
        print(f"- {a['number']} ({a['status']}), eingegangen {a.get('submitted_on', '?')}: "
              f"Träger {a.get('applicant', '')!r}, Titel {a.get('title', '')!r}")
        for key, value in a.get("fields", {}).items():
            print(f"    {key}: {value}")
    print(f"\nVerarbeitete Nachrichten ({len(report['messages'])}), mit den Antworten:")
    for m in report["messages"]:
        print(f"- {m['source_id']}: " + " | ".join(" ".join(t.split())[:300]
                                                   for t in m["replies"]))
    print(f"\nBenachrichtigungen an diese Person ({len(report['notifications'])}):")
    for n in report["notifications"]:
        print(f"- {n['created_at']} ({n['kind']}): {' '.join(str(n['text']).split())[:300]}")
    mail = report.get("mail", {})
    print(f"\nBearbeitete E-Mails (DATA/mail/handled.jsonl, 120 Tage; "
          f"{len(mail.get('handled', []))}):")
    for line in mail.get("handled", []):
        print(f"- {line}")
    if mail.get("failed"):
        print("\nVom Mailserver abgelehnte E-Mails an diese Adresse:")
        for path in mail["failed"]:
            print(f"- {path}")
    print("\nAußerdem: Einträge im Systemprotokoll (journald) mit der Absenderadresse; die "
          "E-Mails selbst im Postfach des Bots; Sicherungen enthalten den Stand ihres Tages "
          "(siehe docs/PRIVACY.md).")
    return EXIT_OK


def loeschen(config: Config, args: argparse.Namespace) -> int:
    """Exit 0: all erased; 1: something kept because a duty stands against it."""
    answer = _privacy(config, "loeschen", args.who)
    if answer["person"]:
        print(f"Nicht gelöscht: {answer['person']} ist in der Konfiguration als Mitarbeiterin "
              "oder Mitarbeiter eingetragen (dienstliche Daten). Tragen Sie die Person dort "
              f"aus und trennen Sie Telegram mit „sozialbot revoke {answer['person']}“.",
              file=sys.stderr)
        return EXIT_REFUSED
    print(f"Gelöscht: {answer['summary']}.")
    for refused in answer["refused"]:
        print(f"Nicht gelöscht: {refused['application']}: {refused['duty']}", file=sys.stderr)
    return EXIT_REFUSED if answer["refused"] else EXIT_OK


def _locked(config: Config) -> bool:
    """Whether a process holds the data directory's lock."""
    from storage.lock import DirectoryLock, StoreLocked

    if not (config.data_dir / ".lock").exists():  # never create it (as root it would stay)
        return False
    lock = DirectoryLock(config.data_dir)
    try:
        lock.acquire()
    except StoreLocked:
        return True
    except OSError:
        return False
    lock.release()
    return False


def _open(config: Config) -> Any:
    """The core on the data directory, when no bot runs. Refused for root on a directory of the
    service user: files root writes there (mode 0600) the bot could no longer read."""
    import os

    from bot.config import ConfigError
    from handlers.service import Core

    directory = config.data_dir
    if os.geteuid() == 0 and directory.is_dir() and directory.stat().st_uid != 0:
        import pwd

        try:
            owner = pwd.getpwuid(directory.stat().st_uid).pw_name
        except KeyError:
            owner = str(directory.stat().st_uid)
        raise ConfigError(f"Der Bot läuft nicht; {directory} gehört {owner}. Bitte als dieser "
                          f"Benutzer ausführen: sudo -u {owner} SOZIALBOT_CONFIG={config.path} "
                          "sozialbot …")
    return Core.open(config)
