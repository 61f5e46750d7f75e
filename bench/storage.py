"""Benchmark 3: the time to commit one booking, with one and with ten years of history, against
the disk's own limit (writing the same bytes to a temporary file, fsync, rename).

Run: python -m bench.storage
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from bench.history import BERLIN, YEAR, county_with_history
from bot.config import load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core

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


def _bookings(config: Path) -> tuple[list[float], int]:
    """Time /buchen for single approvals of the applications left open."""
    core = Core.open(load_config(config))
    times: list[float] = []
    when = datetime(YEAR, 9, 21, 12, tzinfo=BERLIN)
    try:
        open_numbers = [a["number"] for a in core.export(when)["applications"]
                        if a["status"] == "submitted" and a["year"] == YEAR][:ROUNDS]
        for number in open_numbers:
            secretary = "sek-" + number[:3].lower()
            preview = core.handle(IncomingMessage(Sender("console", secretary),
                                                  f"/beschluss 10.09.2026\n{number} bewilligt 1 €",
                                                  f"b:{uuid.uuid4()}", when))
            code = preview.replies[0].text.split("/buchen ")[1].split()[0]
            message = IncomingMessage(Sender("console", secretary), f"/buchen {code}",
                                      f"b:{uuid.uuid4()}", when)
            start = time.perf_counter()
            outcome = core.handle(message)
            times.append(time.perf_counter() - start)
            assert outcome.accepted, outcome.replies[0].text
    finally:
        core.close()
    size = (Path(load_config(config).data_dir) / f"{YEAR}.json").stat().st_size
    return times, size


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        one, size_one = _bookings(county_with_history(base / "one", 1))
        ten, size_ten = _bookings(county_with_history(base / "ten", 10))
        data = os.urandom(size_ten)
        bare = [_bare_write(base, data) for _ in range(ROUNDS)]
    med_one, med_ten, med_bare = (statistics.median(x) for x in (one, ten, bare))
    print(f"booking, 1 year of history:   median {med_one * 1000:.2f} ms "
          f"(year file {size_one / 1e6:.2f} MB)")
    print(f"booking, 10 years of history: median {med_ten * 1000:.2f} ms")
    print(f"bare write+fsync+rename of {size_ten / 1e6:.2f} MB: median {med_bare * 1000:.2f} ms")
    ratio_years = med_ten / med_one
    ratio_disk = med_ten / med_bare
    ok_years, ok_disk = ratio_years <= 1.5, ratio_disk <= 3.0
    print(f"ten years / one year: {ratio_years:.2f}x (target <= 1.5x) "
          f"{'OK' if ok_years else 'MISSED'}")
    print(f"booking / bare write: {ratio_disk:.2f}x (target <= 3x) {'OK' if ok_disk else 'MISSED'}")
    return 0 if ok_years and ok_disk else 1


if __name__ == "__main__":
    sys.exit(main())
