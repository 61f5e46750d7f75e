"""Benchmark 3: the time to commit one booking, with one and with ten years of history, against
the disk's own limit (writing the same bytes to a temporary file, fsync, rename).

A booking's bytes are its journal line (storage/journal.py). Every 2 MB of journal a checkpoint
writes the changed year files whole; its cost, spread over the bookings between two checkpoints,
is printed too, and so is the old way's cost: rewriting the whole year file per booking.

Run: python -m bench.storage
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.history import BERLIN, YEAR, county_with_history
from bot.config import load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core
from storage.partitions import CHECKPOINT_BYTES

ROUNDS = 30


def _bare_write(directory: Path, data: bytes) -> float:
    target = directory / "bare.json"
    start = time.perf_counter()
    tmp = directory / "bare.json.tmp"
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    fd = os.open(directory, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return time.perf_counter() - start


@dataclass
class Bookings:
    times: list[float]
    line_bytes: list[int]
    year_file_bytes: int
    checkpoint_seconds: float


def _bookings(config: Path) -> Bookings:
    """Time /buchen for single approvals of the applications left open, then one checkpoint."""
    core = Core.open(load_config(config))
    times: list[float] = []
    lines: list[int] = []
    when = datetime(YEAR, 9, 21, 12, tzinfo=BERLIN)
    try:
        open_numbers = [a["number"] for a in core.export(when)["applications"]
                        if a["status"] == "submitted" and a["year"] == YEAR][:ROUNDS]
        for number in open_numbers:
            secretary = "sek-" + number[:3].lower()
            preview = core.handle(IncomingMessage(Sender("console", secretary, verified=True),
                                                  f"/beschluss 10.09.2026\n{number} bewilligt 1 €",
                                                  f"b:{uuid.uuid4()}", when))
            code = preview.replies[0].text.split("/buchen ")[1].split()[0]
            message = IncomingMessage(Sender("console", secretary, verified=True),
                                      f"/buchen {code}", f"b:{uuid.uuid4()}", when)
            before = core.store.position
            start = time.perf_counter()
            outcome = core.handle(message)
            times.append(time.perf_counter() - start)
            lines.append(core.store.position - before)
            assert outcome.accepted, outcome.replies[0].text
        start = time.perf_counter()
        core.store.partitions.checkpoint()
        checkpoint = time.perf_counter() - start
    finally:
        core.close()
    size = (Path(load_config(config).data_dir) / f"{YEAR}.json").stat().st_size
    return Bookings(times, lines, size, checkpoint)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        one = _bookings(county_with_history(base / "one", 1))
        ten = _bookings(county_with_history(base / "ten", 10))
        line = os.urandom(round(statistics.median(ten.line_bytes)))
        bare = [_bare_write(base, line) for _ in range(ROUNDS)]
        year_file = os.urandom(ten.year_file_bytes)
        whole = [_bare_write(base, year_file) for _ in range(ROUNDS)]
    med_one, med_ten, med_bare = (statistics.median(x) for x in (one.times, ten.times, bare))
    per_checkpoint = CHECKPOINT_BYTES / statistics.mean(ten.line_bytes)
    amortized = ten.checkpoint_seconds / per_checkpoint
    print(f"booking, 1 year of history:   median {med_one * 1000:.2f} ms, "
          f"mean {statistics.mean(one.times) * 1000:.2f} ms")
    print(f"booking, 10 years of history: median {med_ten * 1000:.2f} ms, "
          f"mean {statistics.mean(ten.times) * 1000:.2f} ms, journal line "
          f"{statistics.median(ten.line_bytes) / 1000:.1f} kB")
    print(f"bare write+fsync+rename of the same {len(line) / 1000:.1f} kB: "
          f"median {med_bare * 1000:.2f} ms")
    print(f"checkpoint (year file {ten.year_file_bytes / 1e6:.2f} MB written whole): "
          f"{ten.checkpoint_seconds * 1000:.1f} ms, once per {per_checkpoint:.0f} bookings = "
          f"{amortized * 1000:.3f} ms a booking")
    print(f"for comparison, a bare rewrite of the whole year file per booking: "
          f"median {statistics.median(whole) * 1000:.2f} ms")
    ratio_years = med_ten / med_one
    ratio_disk = (med_ten + amortized) / med_bare
    ok_years, ok_disk = ratio_years <= 1.1, ratio_disk <= 3.0
    print(f"ten years / one year: {ratio_years:.2f}x (target <= 1.1x) "
          f"{'OK' if ok_years else 'MISSED'}")
    print(f"booking (with its share of a checkpoint) / bare write: {ratio_disk:.2f}x "
          f"(target <= 3x) {'OK' if ok_disk else 'MISSED'}")
    return 0 if ok_years and ok_disk else 1


if __name__ == "__main__":
    sys.exit(main())
