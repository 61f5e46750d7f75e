"""Benchmark 4: peak RSS of `sozialbot run` with ten years of history, while a console reads
balances and application lists across all ten years. Target: under 150 MB.

Run: python -m bench.memory
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.history import YEAR, county_with_history

LIMIT_MB = 150


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        config = county_with_history(Path(tmp) / "ten", 10)
        size = sum(p.stat().st_size for p in (config.parent / "data").glob("*.json"))
        messages = "".join(f"/saldo ADE {year}\n\n/antraege ADE {year}\n\n"
                           for year in range(YEAR - 9, YEAR + 1))
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
        out, err = proc.communicate(messages, timeout=300)
    peak_kb = int(next(line.split()[1] for line in out.splitlines() if line.startswith("PEAK_KB")))
    answered = out.count("Budget II Adendorf")
    print(f"data: 10 years, {size / 1e6:.1f} MB of TinyDB files; balances answered: {answered}")
    peak = peak_kb / 1024
    ok = peak < LIMIT_MB and answered == 10
    print(f"peak RSS of sozialbot run: {peak:.1f} MB (target < {LIMIT_MB} MB) "
          f"{'OK' if ok else 'MISSED'}")
    if not ok:
        print(err[-2000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
