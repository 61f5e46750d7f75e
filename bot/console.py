"""The console channel: type messages as one sender; a message ends with an empty line."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TextIO

from handlers.messages import IncomingMessage, Sender
from handlers.service import Core


def run_console(core: Core, sender: Sender, stdin: TextIO, stdout: TextIO) -> None:
    from bot.cli import print_outcome

    print(f"sozialbot-Konsole als {sender.address}. Nachricht eingeben, mit einer Leerzeile "
          "abschicken; Strg-D beendet.", file=stdout)
    lines: list[str] = []
    for raw in stdin:
        line = raw.rstrip("\n")
        if line.strip():
            lines.append(line)
            continue
        if lines:
            outcome = core.handle(IncomingMessage(sender, "\n".join(lines),
                                                  f"console:{uuid.uuid4()}",
                                                  datetime.now(core.tz)))
            print_outcome(outcome, stdout)
            print("", file=stdout, flush=True)
            lines = []
    if lines:
        outcome = core.handle(IncomingMessage(sender, "\n".join(lines),
                                              f"console:{uuid.uuid4()}", datetime.now(core.tz)))
        print_outcome(outcome, stdout)
