"""Documents are read in a child process with a time and memory budget.

A hostile attachment can cost far more than its size: two small PDFs kept pypdf busy for 20 s, a
312 KB .docx made the process grow by 328 MB. The readers (`bot.documents.READERS`) therefore run
in a fresh `python -m bot.sandbox` that first limits its own address space and CPU time, reads
all the documents of one message, and answers with their texts as JSON. The bot waits for it at
most the budget's seconds (in a thread: everyone else is served meanwhile) and kills it then. A
message over budget gets a polite note instead of its documents' text; the bot itself never
grows by what a document unpacks to.

    budget = Budget(seconds=15, memory_bytes=768 * 1024 * 1024)   # per message, all documents
    results = read_documents([(".pdf", data, "skizze.pdf")], budget)   # [(text, note)]
"""

from __future__ import annotations

import base64
import json
import resource
import subprocess
import sys
from dataclasses import dataclass

DEFAULT_SECONDS = 15.0
DEFAULT_MEMORY_MB = 768
OVER_BUDGET = ("Ihre Anlagen konnte ich nicht in der vorgesehenen Zeit und mit dem vorgesehenen "
               "Speicher lesen ({what}). Bitte senden Sie die Skizze als Text in der Nachricht "
               "oder als kleinere, einfache Datei (.docx, .odt, .pdf oder .txt).")


@dataclass(frozen=True)
class Budget:
    """What reading the documents of one message may cost, all together."""

    seconds: float = DEFAULT_SECONDS
    memory_bytes: int = DEFAULT_MEMORY_MB * 1024 * 1024

    @classmethod
    def from_section(cls, section: object) -> Budget:
        """From the `[security]` keys `attachment_seconds` and `attachment_memory_mb`."""
        values = section if isinstance(section, dict) else {}
        return cls(float(values.get("attachment_seconds", DEFAULT_SECONDS)),
                   int(float(values.get("attachment_memory_mb", DEFAULT_MEMORY_MB)) * 1024 * 1024))


Job = tuple[str, bytes, str]  # (kind ".docx"/".odt"/".pdf", data, filename)
Result = tuple[str | None, str | None]  # (text, note for the sender)


def read_documents(jobs: list[Job], budget: Budget) -> list[Result]:
    """The text (or a note) of each document; over budget, a note for each."""
    if not jobs:
        return []
    payload = json.dumps({
        "memory": budget.memory_bytes, "seconds": budget.seconds,
        "jobs": [[kind, base64.b64encode(data).decode("ascii"), name] for kind, data, name in jobs],
    }).encode()
    try:
        done = subprocess.run([sys.executable, "-m", "bot.sandbox"], input=payload,
                              capture_output=True, timeout=budget.seconds, check=False)
    except subprocess.TimeoutExpired:
        note = OVER_BUDGET.format(what=f"mehr als {budget.seconds:.0f} Sekunden")
        return [(None, note)] * len(jobs)
    try:
        results = json.loads(done.stdout)
        if done.returncode != 0 or len(results) != len(jobs):
            raise ValueError(done.returncode)
        return [(text, note) for text, note in results]
    except (ValueError, TypeError):
        mb = budget.memory_bytes // (1024 * 1024)
        return [(None, OVER_BUDGET.format(what=f"mehr als {mb} MB Speicher"))] * len(jobs)


def _child() -> None:
    request = json.loads(sys.stdin.buffer.read())
    memory, seconds = int(request["memory"]), float(request["seconds"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    from bot.documents import READERS, AttachmentError

    results: list[Result] = []
    for kind, data, filename in request["jobs"]:
        try:
            results.append((READERS[kind](base64.b64decode(data), filename), None))
        except AttachmentError as error:
            results.append((None, str(error)))
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    _child()
