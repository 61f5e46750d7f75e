"""Benchmark 4: peak RSS of `sozialbot run` with 1, 2, 10 and 30 years of history, while a
console reads the balance and the applications of every year (as the export for /bericht does).
Targets: under 100 MB with ten years, and not growing with the years: ten and thirty years at
most 1.1x two years' peak. Two years, not one, is the like-for-like base: every message may refer
to this year and the last, so from the second year on both files are in memory; one year's peak
(no last year to hold) is printed too.

Each county is started twice: the first start after the update lists the closed years and the
undecided applications once, reading every year's file one at a time (`Store`); the targets are
for every later start, the first is printed beside it.

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
BASE = 2  # the like-for-like base of the growth target (see above)


def peak_mb(config: Path, years: int) -> tuple[float, int]:
    """Peak RSS of one `sozialbot run` reading every year, and how many balances it answered."""
    messages = "".join(f"/saldo ADE {year}\n\n/antraege ADE {year}\n\n"
                       for year in range(YEAR - years + 1, YEAR + 1))
    env = {**os.environ}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", "import resource, sys\nfrom bot.cli import main\n"
         "code = main(sys.argv[1:])\n"
         "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)\n"
         "sys.exit(code)",
         "run", "--config", str(config), "--as", "kreis-1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    out, err = proc.communicate(messages, timeout=600)
    peak = [line.split()[1] for line in out.splitlines() if line.startswith("PEAK_KB")]
    if not peak:
        raise SystemExit(f"sozialbot run failed:\n{err[-2000:]}")
    return int(peak[0]) / 1024, out.count("Budget II Adendorf")


def main() -> int:
    first: dict[int, float] = {}
    peaks: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for years in HISTORIES:
            config = county_with_history(Path(tmp) / f"y{years}", years)
            size = sum(p.stat().st_size for p in (config.parent / "data").glob("*.json"))
            first[years], _ = peak_mb(config, years)
            peaks[years], answered = peak_mb(config, years)
            print(f"{years:>2} years, {size / 1e6:5.1f} MB of TinyDB files: peak RSS "
                  f"{peaks[years]:.1f} MB (first start after the update: {first[years]:.1f} MB)"
                  f"; balances answered: {answered} of {years}")
    ok_limit = peaks[10] < LIMIT_MB
    growth = max(peaks[10], peaks[30]) / peaks[BASE]
    ok_growth = growth <= GROWTH
    print(f"peak RSS of sozialbot run, ten years: {peaks[10]:.1f} MB (target < {LIMIT_MB} MB) "
          f"{'OK' if ok_limit else 'MISSED'}")
    print(f"ten years / one year: {peaks[10] / peaks[1]:.2f}x, thirty years / one year: "
          f"{peaks[30] / peaks[1]:.2f}x (for comparison)")
    print(f"peak RSS ten years / two years: {peaks[10] / peaks[BASE]:.2f}x, thirty years / two "
          f"years: {peaks[30] / peaks[BASE]:.2f}x (target <= {GROWTH}x) "
          f"{'OK' if ok_growth else 'MISSED'}")
    return 0 if ok_limit and ok_growth else 1


if __name__ == "__main__":
    sys.exit(main())
