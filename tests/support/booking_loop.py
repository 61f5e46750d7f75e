"""Books the open applications of Adendorf one by one and prints "BOOKED <number>" after each
reply; killed at random by tests/e2e/test_crash.py."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import load_config
from handlers import commands
from handlers.messages import IncomingMessage, Outcome, Sender
from handlers.service import Core

NOW = datetime(2026, 3, 13, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def send(core: Core, text: str) -> Outcome:
    return core.handle(IncomingMessage(Sender("console", "sek-ade", verified=True), text,
                                       f"loop:{uuid.uuid4()}", NOW))


def main() -> None:
    core = Core.open(load_config(sys.argv[1]))
    numbers = [a["number"] for a in core.export(NOW)["applications"]
               if a["status"] == "submitted"]
    commands.registry()  # imports every use case now, not inside the first timed booking
    print("READY", flush=True)  # the kills are timed from here: only the booking loop follows
    for number in numbers:
        preview = send(core, f"/beschluss 12.03.2026\n{number} bewilligt 10 €")
        code = preview.replies[0].text.split("/buchen ")[1].split()[0]
        booked = send(core, f"/buchen {code}")
        if booked.accepted:
            print(f"BOOKED {number}", flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
