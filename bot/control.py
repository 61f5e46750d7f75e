"""The running bot's control socket, `DATA/control.sock`, for `sozialbot backup`, `status`,
`auskunft` and `loeschen` (which need the data the running bot holds locked).

Only the bot's own user (and root) can connect: the socket is 0600 in the 0700 data directory.
A request is one JSON line (`{"command": "backup"}`); the answer is one JSON line, for a backup
followed by the archive's bytes (`size` of them). A bot that dies mid-answer leaves the client
with fewer bytes than announced, and the client writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.channel import identity_key
from handlers.service import Core

log = logging.getLogger(__name__)

SOCKET = "control.sock"
CHUNK = 256 * 1024


class NotRunning(ConnectionError):
    """No bot listens on the data directory's control socket."""


async def serve(core: Core, directory: Path,
                status: Callable[[], dict[str, Any]]) -> asyncio.AbstractServer:
    """Listen on DATA/control.sock (a stale one from a killed bot is replaced: the caller holds
    the data directory's lock)."""
    path = directory / SOCKET
    path.unlink(missing_ok=True)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = json.loads(await reader.readline() or b"{}")
            command = request.get("command") if isinstance(request, dict) else None
            if command == "backup":
                data = await asyncio.to_thread(core.snapshot)
                writer.write(json.dumps({"ok": True, "size": len(data)}).encode() + b"\n")
                for start in range(0, len(data), CHUNK):
                    writer.write(data[start:start + CHUNK])
                    await writer.drain()
                log.info("Sicherung über control.sock ausgeliefert (%d Bytes)", len(data))
            elif command == "status":
                report = await asyncio.to_thread(status)
                writer.write(json.dumps({"ok": True, **report}).encode() + b"\n")
            elif command in ("auskunft", "loeschen"):
                answer_data = await asyncio.to_thread(privacy, core, command,
                                                      str(request.get("who", "")))
                writer.write(json.dumps({"ok": True, **answer_data}).encode() + b"\n")
            else:
                writer.write(b'{"ok": false, "error": "unbekannter Befehl"}\n')
            await writer.drain()
        except (OSError, ValueError) as error:
            log.warning("control.sock: Anfrage abgebrochen (%s)", error)
        except Exception as error:
            log.exception("control.sock: Fehler")
            with contextlib.suppress(OSError):
                writer.write(json.dumps({"ok": False, "error": str(error)}).encode() + b"\n")
        finally:
            writer.close()

    old = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(answer, path=str(path))
    finally:
        os.umask(old)
    return server


def privacy(core: Core, command: str, who: str) -> dict[str, Any]:
    """`sozialbot auskunft` and `loeschen`, in the process that holds the data."""
    who = identity_key(who)
    if command == "auskunft":
        report = core.privacy_report(who)
        return {"report": {**report, "mail": mail_records(core.config.data_dir, report["key"])}}
    person, erasure = core.erase_person(who)
    summary = erasure.summary()
    if person is None:  # mails to the address the server refused: no record of the procedure
        failed = mail_records(core.config.data_dir, _key(core, who))["failed"]
        for eml in map(Path, failed):
            eml.unlink(missing_ok=True)
            eml.with_name(eml.name.removesuffix(".eml") + ".reason.txt").unlink(missing_ok=True)
        if failed:
            summary = (f"{summary}; " if erasure.applications or erasure.messages or
                       erasure.notifications else "") + f"{len(failed)} abgelehnte E-Mails"
    return {"person": person.id if person else None, "erased": erasure.applications,
            "messages": erasure.messages, "notifications": erasure.notifications,
            "summary": summary,
            "refused": [{"application": d.number, "duty": d.reason} for d in erasure.refused]}


def _key(core: Core, who: str) -> str:
    from handlers.privacy import identity

    return identity(core.config, who)[0]


def mail_records(directory: Path, key: str) -> dict[str, list[str]]:
    """What the e-mail channel's own files hold about an address (DATA/mail): handled mails
    (kept 120 days) and mails the server refused for good (kept until deleted)."""
    address = key.removeprefix("email:") if key.startswith("email:") else ""
    found: dict[str, list[str]] = {"handled": [], "failed": []}
    if not address:
        return found
    journal = directory / "mail" / "handled.jsonl"
    with contextlib.suppress(OSError):
        for line in journal.read_text(encoding="ascii", errors="replace").splitlines():
            with contextlib.suppress(ValueError, AttributeError):
                entry = json.loads(line)
                if str(entry.get("from", "")).lower() == address:
                    found["handled"].append(f"{entry.get('at', '?')}: {entry.get('sid', '?')} "
                                            f"→ {entry.get('to', '?')}")
    for eml in sorted((directory / "mail" / "failed").glob("*.eml")):
        with contextlib.suppress(OSError):
            head = eml.read_bytes().split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
            if re.search(rf"^To:.*{re.escape(address)}", head, re.I | re.M):
                found["failed"].append(str(eml))
    return found


def request(directory: Path, command: str, timeout: float = 120.0,
            **fields: str) -> tuple[dict[str, Any], bytes]:
    """Ask the running bot; the answer's header and (for a backup) its payload."""
    path = directory / SOCKET
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        try:
            client.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise NotRunning(f"kein laufender Bot an {path}") from None
        # MSG_NOSIGNAL: a bot killed meanwhile is an error to report, not a SIGPIPE that ends
        # the command without a word (the CLI restores SIGPIPE's default for `… | head`)
        client.sendall(json.dumps({"command": command, **fields}).encode() + b"\n",
                       socket.MSG_NOSIGNAL)
        stream = client.makefile("rb")
        line = stream.readline()
        if not line:
            raise ConnectionError("der Bot hat die Verbindung ohne Antwort beendet")
        header = json.loads(line)
        if not header.get("ok"):
            raise ConnectionError(f"der Bot meldet: {header.get('error', '?')}")
        size = int(header.get("size", 0))
        payload = stream.read(size) if size else b""
        if len(payload) != size:
            raise ConnectionError(f"die Verbindung brach nach {len(payload)} von {size} Bytes "
                                  "ab (wurde der Bot beendet?)")
        return header, payload
