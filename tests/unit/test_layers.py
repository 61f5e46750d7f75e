"""The layers keep to their contract: each package imports only from the layers below it.

rules/ is pure and imports none of the others; storage/ knows nothing of use cases or channels;
handlers/ and reports/ know nothing of the channels in bot/. Read from the source with `ast`, so
an import inside a function or under TYPE_CHECKING counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "rules": {"storage", "handlers", "reports", "bot"},
    "storage": {"handlers", "bot"},
    "handlers": {"bot"},
    "reports": {"bot"},
}


def imported_packages(source: str) -> set[str]:
    """The top-level packages a module's source imports (relative imports stay in the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(package: str) -> list[str]:
    forbidden = FORBIDDEN[package]
    return [f"{path.relative_to(ROOT)} imports {name}"
            for path in sorted((ROOT / package).rglob("*.py"))
            for name in sorted(imported_packages(path.read_text(encoding="utf-8")) & forbidden)]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_reaches_up_a_layer(package: str) -> None:
    assert list((ROOT / package).rglob("*.py")), f"{package}/ has no modules to check"
    assert violations(package) == []


@pytest.mark.parametrize("line", [
    "from bot.config import Config",
    "from bot import faults",
    "import bot.health",
    "if TYPE_CHECKING:\n    from bot.config import load_config",
    "def late():\n    import bot.mail.channel",
])
def test_the_check_sees_an_upward_import(line: str) -> None:
    assert "bot" in imported_packages(line)


def test_a_stdlib_or_same_layer_import_is_not_flagged() -> None:
    source = "import os\nfrom rules.money import parse_amount\nfrom . import money\n"
    assert imported_packages(source) & FORBIDDEN["rules"] == set()
