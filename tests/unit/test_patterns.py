"""rules/patterns.py: a lazy pattern reads like the compiled one, and importing the core compiles
none of them (they are compiled when a message first needs them)."""

from __future__ import annotations

import re
import subprocess
import sys

from rules.patterns import lazy


def test_a_lazy_pattern_matches_as_the_compiled_one() -> None:
    source = r"\b(?P<word>veto|einspruch)\b"
    pattern, compiled = lazy(source, re.IGNORECASE), re.compile(source, re.IGNORECASE)
    assert pattern.pattern == source
    for text in ("Ich lege VETO ein.", "kein Einspruch", "vetorecht", ""):
        found, expected = pattern.search(text), compiled.search(text)
        assert (found and found.group("word")) == (expected and expected.group("word"))
    assert pattern.sub("X", "Veto! veto.") == "X! X."
    assert [m.span() for m in pattern.finditer("veto veto")] == [(0, 4), (5, 9)]


def test_starting_the_core_compiles_none_of_them() -> None:
    probe = ("import bot.run, handlers.commands, rules.answers, rules.decisions\n"
             "from rules.patterns import _LazyPattern\n"
             "import gc\n"
             "lazies = [o for o in gc.get_objects() if isinstance(o, _LazyPattern)]\n"
             "print(len(lazies), sum(len(vars(o)) > 2 for o in lazies))\n")
    made, compiled = subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                    text=True, check=True).stdout.split()
    assert int(made) >= 40
    assert compiled == "0"
