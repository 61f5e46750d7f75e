"""Benchmark 5: what the bot does every day, with 1, 2, 10 and 30 years of history.

An applicant's /antraege, a secretary's /antraege and /saldo, a /beschluss preview, its booking
(/buchen), and a scheduler tick (what `sozialbot run` does every minute), each timed in the real
core on four counties side by side: the same year of work (bench/history.py) with no, one, nine
and 29 earlier years. The counties take turns, operation by operation, so a busy machine slows
all of them alike. Also the start: opening the store and its first tick. Target: every operation
costs the same with ten (and thirty) years as with one (median ratio at most 1.1x). Two years
are printed too: from its second year on a county has a last year, which messages may refer to
(an applicant's /antraege reads last year's applications as well: those decided more than
twelve months ago are counted in one line, not listed).

Each operation is timed twice: wall time, and the CPU time of the thread doing it. The verdict
is on CPU time: the wall time of a /beschluss preview or a booking is mostly the journal's fsync
(the same bytes with one year or thirty), which on a shared disk varies tenfold between
minutes and would decide the ratio by chance.

Run: python -m bench.years
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from bench.history import BERLIN, PER_CONFERENCE, YEAR, county_with_history
from bot.config import load_config
from handlers.messages import IncomingMessage, Outcome, Sender
from handlers.service import Core
from rules.conferences import LUENEBURG

HISTORIES = (1, 2, 10, 30)
BASE = 1  # the base of the target (see above)
STARTS = 12  # samples of the start, per county
ROUNDS = 40  # 10 conferences x 4 of the applications each left open
TARGET = 1.1
WHEN = datetime(YEAR, 9, 21, 12, tzinfo=BERLIN)
T = TypeVar("T")
OPERATIONS = ("applicant /antraege", "secretary /antraege", "/saldo", "/beschluss preview",
              "booking (/buchen)", "scheduler tick", "start + first tick")


def _say(core: Core, sender: str, text: str) -> Outcome:
    outcome = core.handle(IncomingMessage(Sender("console", sender, verified=True), text,
                                          f"bench:{uuid.uuid4()}", WHEN))
    assert outcome.accepted, outcome.replies[0].text
    return outcome


Sample = tuple[float, float]  # seconds: wall time, CPU time of the thread


def _timed(times: list[Sample], work: Callable[[], T]) -> T:
    wall, cpu = time.perf_counter(), time.thread_time()
    result = work()
    times.append((time.perf_counter() - wall, time.thread_time() - cpu))
    return result


def _start(config: Path) -> tuple[Core, Sample]:
    wall, cpu = time.perf_counter(), time.thread_time()
    core = Core.open(load_config(config))
    core.run_due_reminders(WHEN)
    return core, (time.perf_counter() - wall, time.thread_time() - cpu)


def _round(core: Core, i: int, t: dict[str, list[Sample]]) -> None:
    code = LUENEBURG[i % len(LUENEBURG)][0]
    number = f"{code}-{YEAR}-{PER_CONFERENCE - 4 + i // len(LUENEBURG):03d}"
    secretary = f"sek-{code.lower()}"
    _timed(t["applicant /antraege"],
           lambda: _say(core, f"traeger{1 + i % 10}@example.org", "/antraege"))
    _timed(t["secretary /antraege"], lambda: _say(core, secretary, "/antraege"))
    _timed(t["/saldo"], lambda: _say(core, secretary, "/saldo"))
    preview = _timed(t["/beschluss preview"], lambda: _say(
        core, secretary, f"/beschluss 10.09.{YEAR}\n{number} bewilligt 1 €"))
    word = preview.replies[0].text.split("/buchen ")[1].split()[0]
    _timed(t["booking (/buchen)"], lambda: _say(core, secretary, f"/buchen {word}"))
    _timed(t["scheduler tick"], lambda: core.run_due_reminders(WHEN))


def measure(base: Path) -> dict[int, dict[str, list[Sample]]]:
    """Seconds per operation and history, the counties taking turns."""
    configs = {n: county_with_history(base / f"y{n}", n) for n in HISTORIES}
    for config in configs.values():  # once after the update: the bot lists what it needs
        core, _ = _start(config)
        core.close()
    times: dict[int, dict[str, list[Sample]]] = {n: {op: [] for op in OPERATIONS}
                                                  for n in HISTORIES}
    cores = {}
    for n, config in configs.items():
        cores[n], seconds = _start(config)
        times[n]["start + first tick"].append(seconds)
    try:
        for i in range(ROUNDS):
            for n, core in cores.items():
                _round(core, i, times[n])
    finally:
        for core in cores.values():
            core.close()
    for _ in range(STARTS - 1):  # the start again, now that each has checkpointed, in turns
        for n, config in configs.items():
            core, seconds = _start(config)
            times[n]["start + first tick"].append(seconds)
            core.close()
    return times


def _table(times: dict[int, dict[str, list[Sample]]], which: int, title: str) -> float:
    """Print the medians of wall (0) or CPU (1) time; the worst ratio to the base."""
    print(f"{title:<22}" + "".join(f"{f'{n} years':>10}" for n in HISTORIES)
          + f"{'10y/1y':>9}{'30y/1y':>9}{'2y/1y':>9}")
    worst = 0.0
    for op in OPERATIONS:
        med = {n: statistics.median(sample[which] for sample in times[n][op])
               for n in HISTORIES}
        ten, thirty = med[10] / med[BASE], med[30] / med[BASE]
        print(f"{op:<22}" + "".join(f"{med[n] * 1000:10.2f}" for n in HISTORIES)
              + f"{ten:8.2f}x{thirty:8.2f}x{med[2] / med[BASE]:8.2f}x")
        worst = max(worst, ten, thirty)
    return worst


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        times = measure(Path(tmp))
    wall = _table(times, 0, "median wall ms")
    print()
    cpu = _table(times, 1, "median CPU ms")
    print(f"worst ten or thirty years / one year, wall time: {wall:.2f}x (for comparison)")
    print(f"worst ten or thirty years / one year, CPU time: {cpu:.2f}x (target <= {TARGET}x) "
          f"{'OK' if cpu <= TARGET else 'MISSED'}")
    return 0 if cpu <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
