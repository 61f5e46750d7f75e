"""All six benchmarks, one after the other, then a summary of each ratio and its verdict.

Run: python -m bench    (one of them: python -m bench telegram|mail|storage|memory|years|matrix)

Each benchmark measures sozialbot and its limit in the same run and prints the ratio, so a busy
machine changes both sides alike. Results and their discussion: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import mail, matrix, memory, storage, telegram, years

BENCHMARKS: dict[str, tuple[str, Callable[[], int]]] = {
    "telegram": ("1 Telegram", telegram.main),
    "mail": ("2 E-mail", mail.main),
    "storage": ("3 Storage", storage.main),
    "memory": ("4 Memory", memory.main),
    "years": ("5 Years", years.main),
    "matrix": ("6 Matrix", matrix.main),
}


class _Tee(io.StringIO):
    """Prints as it goes and keeps a copy, so the summary can quote the verdict lines."""

    def write(self, text: str) -> int:
        if sys.__stdout__ is not None:  # None only without a console at all
            sys.__stdout__.write(text)
            sys.__stdout__.flush()
        return super().write(text)


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info
                if line.startswith("model name")), "?")
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
        return 2
    print(f"machine: {machine()}\n")
    summary: list[tuple[str, str]] = []
    failed = False
    for name in chosen:
        title, run = BENCHMARKS[name]
        print(f"== Benchmark {title} ==")
        started = time.monotonic()
        output = _Tee()
        with contextlib.redirect_stdout(output):
            code = run()
        failed = failed or code != 0
        verdicts = [line.strip() for line in output.getvalue().splitlines()
                    if line.rstrip().endswith(("OK", "MISSED"))]
        summary += [(title, line) for line in verdicts or ["(no verdict printed)"]]
        print(f"({time.monotonic() - started:.0f} s)\n")
    print("== Summary ==")
    for title, line in summary:
        print(f"{title:<11} {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
