"""The core's own work for a sketch mail, without transports: CPU time a sketch.

The sketches of bench/mail.py (20 senders, the ten conferences, plain text without a command)
go through the real Core as the e-mail channel hands them in (`handle_unsynced` in groups of 32,
then `synced`), on a fresh county in a temporary directory. What it leaves out is what the mail
channel does around it (parsing, composing, SMTP, IMAP); what it measures is everything from
`Core.handle_async` on. Not one of the six benchmarks (no limit to compare with): a tool for
working on the core's cost, whose verdict is bench/mail.py.

Run: python -m bench.core_sketch [mails=1000] [--profile FILE]   (FILE: cProfile stats)
"""

from __future__ import annotations

import cProfile
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.history import make_county
from bot.config import load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import BATCH_MESSAGES, Core
from rules.conferences import LUENEBURG

SENDERS = 20  # as in bench/mail.py
START = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Europe/Berlin"))


def sketch_text(i: int) -> str:
    """The body of bench/mail.py's sketch mail number `i`."""
    name = LUENEBURG[i % len(LUENEBURG)][1]
    return (f"Guten Tag,\n\nanbei unsere Projektskizze.\n\nSozialraum: {name}\nTräger: Verein "
            f"{i} e.V.\nTitel: Nachmittagsangebot {i}\nAusgangslage: Im Ortsteil fehlen Angebote "
            "am Nachmittag; viele Familien sind belastet.\nZielsetzung: Kinder erhalten "
            "verlässliche Förderung.\nMaßnahme: Wöchentliche Gruppe mit einer Fachkraft.\n"
            f"Betrag: {200 + i % 300} €\n\nMit freundlichen Grüßen\nVerein {i} e.V.\n")


def sketch_messages(mails: int) -> list[IncomingMessage]:
    return [IncomingMessage(
        Sender("email", f"absender{i % SENDERS}@example.org", f"Träger {i}", verified=True),
        sketch_text(i), f"<skizze{i}@example.org>", START + timedelta(seconds=i))
        for i in range(mails)]


def run(core: Core, messages: list[IncomingMessage]) -> None:
    for start in range(0, len(messages), BATCH_MESSAGES):
        results, position = core.handle_unsynced(messages[start:start + BATCH_MESSAGES])
        for result in core.synced(results, position):
            if isinstance(result, Exception) or not result.accepted:
                raise SystemExit(f"a sketch was not accepted: {result}")


def main(args: list[str]) -> int:
    profile = args[args.index("--profile") + 1] if "--profile" in args else None
    numbers = [a for a in args if a.isdigit()]
    mails = int(numbers[0]) if numbers else 1000
    messages = sketch_messages(mails)
    with tempfile.TemporaryDirectory() as workdir:
        core = Core.open(load_config(make_county(Path(workdir))))
        try:
            profiler = cProfile.Profile()
            started = time.process_time()
            if profile:
                profiler.enable()
            run(core, messages)
            cpu = time.process_time() - started
            if profile:
                profiler.disable()
                profiler.dump_stats(profile)
        finally:
            core.close()
    print(f"core per sketch, {mails} sketch mails from {SENDERS} senders: "
          f"{cpu / mails * 1000:.3f} ms CPU a mail ({cpu:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
