"""Finding a code or a field in a reply: `re.search` that fails the test when nothing matches."""

from __future__ import annotations

import re


def search(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """The first match of `pattern` in `text`; fails the test, showing the text, if none."""
    match = re.search(pattern, text, flags)
    assert match, f"{pattern!r} not found in {text!r}"
    return match
