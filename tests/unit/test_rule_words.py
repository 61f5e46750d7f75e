"""Rules own their words: no handler or report writes the text of a rule's refusal or warning.

A refusal that names a rule (R1–R12) is built by a function in rules/ and only raised or
returned by a handler; read from the source with `ast`, so a new handler or report that words
one itself fails here. They may still mention a rule in passing ("… ist vermerkt (R9).").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from rules.budget import Balance, over_balance
from rules.dates import DateError
from rules.decisions import DecisionLineError
from rules.money import format_cents, format_number
from rules.refusal import Refusal

ROOT = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"R(?:[1-9]|1[0-2])")
RULE_TEXT = re.compile(r"(?:Achtung |Hinweis )?R(?:[1-9]|1[0-2]): ")


def _first_text(node: ast.expr) -> str | None:
    """The literal text a string expression starts with (also of an f-string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _first_text(node.values[0])
    if isinstance(node, ast.BinOp):
        return _first_text(node.left)
    return None


def rule_words_in(source: str) -> list[str]:
    """Calls refuse("R…", …) or Refusal("R…", …), and texts that start "R…: " or
    "Achtung R…: ", in a module's source."""
    found: list[str] = []
    tree = ast.parse(source)
    parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for part in node.values}  # an f-string's pieces are read with it
    parts |= {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}  # docstrings
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            rule = _first_text(node.args[0])
            if name in ("refuse", "Refusal") and rule and RULE_ID.fullmatch(rule):
                found.append(f"line {node.lineno}: {name}({rule!r}, …)")
        elif isinstance(node, (ast.Constant, ast.JoinedStr)) and id(node) not in parts:
            text = _first_text(node)
            if text and RULE_TEXT.match(text):
                found.append(f"line {node.lineno}: {text[:40]!r}")
    return found


def test_no_handler_or_report_words_a_rule_refusal_or_warning() -> None:
    found = [f"{path.relative_to(ROOT)} {where}"
             for package in ("handlers", "reports")
             for path in sorted((ROOT / package).rglob("*.py"))
             for where in rule_words_in(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_check_finds_a_refusal_worded_in_a_handler() -> None:
    source = ('def run(ctx):\n'
              '    raise refuse("R8", "Budget II steht höchstens zweimal im Jahr an.")\n'
              'def warn(name):\n'
              '    return f"Achtung R9: Für {name} hat niemand zugesagt."\n'
              'def fine(name):\n'
              '    return refuse("", f"Die Konferenz {name} kenne ich nicht.")\n')
    assert rule_words_in(source) == ["line 2: refuse('R8', …)",
                                     "line 4: 'Achtung R9: Für '"]


def test_numbers_and_money_are_written_as_germans_read_them() -> None:
    assert [format_number(n) for n in (0, 999, 1_000, 25_000, 1_234_567)] == [
        "0", "999", "1.000", "25.000", "1.234.567"]
    assert format_cents(123_456_789) == "1.234.567,89 €"


def test_a_refusal_says_its_rule_what_is_wrong_and_what_to_do_in_one_line() -> None:
    assert Refusal("R3", "Es ist zu wenig da.", "Bitte kürzen Sie.").render() == (
        "R3: Es ist zu wenig da. Bitte kürzen Sie.")
    assert Refusal("", "Das verstehe ich nicht.").render() == "Das verstehe ich nicht."
    refusal = over_balance(200_000, Balance(allotment=100_000, carried_in=0, bound=0),
                           "Adendorf", 2026)
    assert refusal is not None
    assert (refusal.rule, refusal.todo) == ("R3", "Bitte kürzen Sie Beträge oder vertagen Sie "
                                                  "Anträge.")
    assert refusal.render() == ("R3: Bewilligt sind zusammen 2.000,00 €, verfügbar sind für "
                                "Adendorf 2026 nur 1.000,00 €. Bitte kürzen Sie Beträge oder "
                                "vertagen Sie Anträge.")


def test_unreadable_input_carries_its_refusal() -> None:
    assert DecisionLineError("Die Zeile verstehe ich nicht.").refusal() == Refusal(
        "R11", "Die Zeile verstehe ich nicht.")
    assert DateError("Den Tag gibt es nicht.").refusal() == Refusal("", "Den Tag gibt es nicht.")
