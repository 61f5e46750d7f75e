"""Benchmark 4: peak RSS of `sozialbot run` with 1, 2, 10 and 30 years of history.

Two runs per county, each a console session of the county's representative:
- the daily work: the overview and a conference's balance and applications of this year, an
  application of last year (`/zeige`), so last year is read as messages do (through its light
  copy, see storage/partitions.py);
- every year asked for: a conference's balance and applications of every year (as the export
  for /bericht does), each old year read for its message and dropped after it.
Targets, for both: under 100 MB with ten years, and not growing with the years: ten and thirty
years at most 1.1x one year's peak. Two years are printed too.

Each run is made twice: the first start after the update lists the closed years and the
undecided applications once, reading every year's file one at a time, and makes the light copies
of the years it reads (`Store`); the targets are for every later start, the first is printed
beside it.

Run: python -m bench.memory
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.history import YEAR, county_with_history

LIMIT_MB = 100
GROWTH = 1.1
HISTORIES = (1, 2, 10, 30)
BASE = 1  # the base of the growth target


def daily(years: int) -> str:
    """The messages of a day's work: this year, and an application of last year if any."""
    last = f"/zeige ADE-{YEAR - 1}-001\n\n" if years > 1 else ""
    return (f"/saldo\n\n/saldo ADE {YEAR}\n\n/antraege ADE {YEAR}\n\n{last}") * 3


def every_year(years: int) -> str:
    return "".join(f"/saldo ADE {year}\n\n/antraege ADE {year}\n\n"
                   for year in range(YEAR - years + 1, YEAR + 1))


def peak_mb(config: Path, messages: str) -> tuple[float, int]:
    """Peak RSS of one `sozialbot run` answering `messages`, and how many balances it gave.
    The peak is the process's own (VmHWM, set anew by exec), not getrusage's ru_maxrss, which
    Linux carries over from the parent through fork and exec: it showed this benchmark's own
    size while it made the counties (up to 84 MB), not the bot's."""
    env = {**os.environ}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom bot.cli import main\n"
         "code = main(sys.argv[1:])\n"
         "print('PEAK_KB', next(line.split()[1] for line in open('/proc/self/status')\n"
         "                      if line.startswith('VmHWM')), flush=True)\n"
         "sys.exit(code)",
         "run", "--config", str(config), "--as", "kreis-1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    out, err = proc.communicate(messages, timeout=600)
    peak = [line.split()[1] for line in out.splitlines() if line.startswith("PEAK_KB")]
    if not peak:
        raise SystemExit(f"sozialbot run failed:\n{err[-2000:]}")
    return int(peak[0]) / 1024, out.count("Budget II Adendorf")


def _verdict(name: str, peaks: dict[int, float]) -> bool:
    ok_limit = peaks[10] < LIMIT_MB
    growth = max(peaks[10], peaks[30]) / peaks[BASE]
    ok_growth = growth <= GROWTH
    print(f"{name}: peak RSS with ten years {peaks[10]:.1f} MB (target < {LIMIT_MB} MB) "
          f"{'OK' if ok_limit else 'MISSED'}")
    print(f"{name}: peak RSS ten years / one year: {peaks[10] / peaks[BASE]:.2f}x, thirty years "
          f"/ one year: {peaks[30] / peaks[BASE]:.2f}x (target <= {GROWTH}x) "
          f"{'OK' if ok_growth else 'MISSED'}")
    print(f"{name}: two years / one year: {peaks[2] / peaks[BASE]:.2f}x (for comparison)")
    return ok_limit and ok_growth


def main() -> int:
    runs = {"daily work": daily, "every year asked for": every_year}
    peaks: dict[str, dict[int, float]] = {name: {} for name in runs}
    with tempfile.TemporaryDirectory() as tmp:
        for years in HISTORIES:
            config = county_with_history(Path(tmp) / f"y{years}", years)
            size = sum(p.stat().st_size for p in (config.parent / "data").glob("*.json"))
            print(f"{years:>2} years, {size / 1e6:5.1f} MB of TinyDB files:")
            for name, messages in runs.items():
                first, _ = peak_mb(config, messages(years))
                peaks[name][years], answered = peak_mb(config, messages(years))
                print(f"   {name:<21} peak RSS {peaks[name][years]:5.1f} MB (first start after "
                      f"the update: {first:5.1f} MB); balances answered: {answered}")
    ok = [_verdict(name, peaks[name]) for name in runs]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
