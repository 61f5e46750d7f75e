"""Build realistic history for benchmarks: one real year through the core, then copies of it.

One budget year is produced by the real handlers (ten conferences, 60 applications each, two
Budget II sessions, decisions booked); the other years are that year's file with the year
changed, so ten years of history cost seconds to make, not minutes.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from bot.config import default_config_text, load_config
from handlers.messages import IncomingMessage, Outcome, Sender
from handlers.service import Core
from rules.conferences import LUENEBURG

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = 2026
PER_CONFERENCE = 60

SKETCH = """/antrag
Sozialraum: {code}
Träger: Träger {i} e.V.
Titel: Projekt {i} für Kinder und Familien im Sozialraum
Ausgangslage: Im Ortsteil fehlen Angebote am Nachmittag; viele Familien sind belastet.
Zielsetzung: Kinder erhalten verlässliche Förderung, Eltern werden entlastet.
Maßnahme: Wöchentliche Gruppe mit einer Fachkraft, Material, Ausflüge.
Betrag: {amount} €"""


def _send(core: Core, sender: str, text: str, when: datetime) -> Outcome:
    return core.handle(IncomingMessage(Sender("console", sender, verified=True), text,
                                       f"bench:{uuid.uuid4()}", when))


def make_county(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    config = directory / "sozialbot.toml"
    config.write_text(default_config_text(), encoding="utf-8")
    return config


def one_real_year(config_path: Path, *, leave_open: int = 5) -> None:
    """Fill YEAR through the handlers; `leave_open` applications per conference stay undecided."""
    core = Core.open(load_config(config_path))
    try:
        feb = datetime(YEAR, 2, 1, 12, tzinfo=BERLIN)
        for code, _ in LUENEBURG:
            secretary = f"sek-{code.lower()}"
            _send(core, secretary, "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\n"
                  "Ziele: Teilhabe", feb)
            for i in range(1, PER_CONFERENCE + 1):
                _send(core, f"traeger{i}@example.org",
                      SKETCH.format(code=code, i=i, amount=100 + i), feb)
            for day in ("12.03.2026", "10.09.2026"):
                _send(core, secretary, f"/sitzung {day} 18:00 Budget II", feb)
                _send(core, "kreis-1", f"/anwesend {code} {day}", feb)
            decided = PER_CONFERENCE - leave_open
            for half, day in ((range(1, decided // 2 + 1), "12.03.2026"),
                              (range(decided // 2 + 1, decided + 1), "10.09.2026")):
                when = datetime(YEAR, 3 if day.startswith("12") else 9, 20, 12, tzinfo=BERLIN)
                lines = "\n".join(f"{code}-{YEAR}-{i:03d} bewilligt" if i % 4 else
                                  f"{code}-{YEAR}-{i:03d} abgelehnt" for i in half)
                preview = _send(core, secretary, f"/beschluss {day}\n{lines}", when)
                code_word = preview.replies[0].text.split("/buchen ")[1].split()[0]
                _send(core, secretary, f"/buchen {code_word}", when)
    finally:
        core.close()


def copy_year(data_dir: Path, years: range, template_file: Path | None = None) -> None:
    """Earlier years as copies of the real one, closed and decided (nothing is booked into them,
    nothing of them waits any more)."""
    template = (template_file or data_dir / f"{YEAR}.json").read_text(encoding="utf-8")
    for status in ("submitted", "incomplete", "deferred", "held"):
        template = template.replace(f'"status":"{status}"', '"status":"rejected"')
    for year in years:
        text = template.replace(f"{YEAR}-", f"{year}-").replace(f'"year":{YEAR}',
                                                                 f'"year":{year}')
        closed = f'"meta":{{"1":{{"key":"closed","at":"{year + 1}-01-01T00:05:00+01:00"}}}}'
        text = text[:-1] + "," + closed + "}"
        (data_dir / f"{year}.json").write_text(text, encoding="utf-8")


def _real_year(cache: Path) -> Path:
    if not cache.exists():
        one_real_year(make_county(cache))
    return cache


def add_history(data_dir: Path, years: int, cache: Path) -> None:
    """Put `years - 1` closed years before YEAR into a county made otherwise (bench.telegram)."""
    template = _real_year(cache) / "data" / f"{YEAR}.json"
    copy_year(data_dir, range(YEAR - years + 1, YEAR), template)
    _forget_lists(data_dir)


def county_with_history(directory: Path, years: int) -> Path:
    """A county whose data holds `years` budget years ending with YEAR."""
    cache = _real_year(directory.parent / "_one_year")
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(cache, directory)
    copy_year(directory / "data", range(YEAR - years + 1, YEAR))
    _forget_lists(directory / "data")
    return directory / "sozialbot.toml"


def _forget_lists(data_dir: Path) -> None:
    """The copies were made behind the bot's back: drop the lists it keeps in global.json
    (closed years), so it makes them afresh from the year files, as after an update."""
    path = data_dir / "global.json"
    data = orjson.loads(path.read_bytes())
    data.pop("closed_years", None)
    data["meta"] = {k: v for k, v in data.get("meta", {}).items()
                    if v.get("key") != "closed_index"}
    path.write_bytes(orjson.dumps(data))
