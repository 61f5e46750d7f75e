"""Regular expressions compiled when first used, not when their module is imported.

The readers of rules/ compile some hundred patterns; most of them read messages that a given
start never sees (decisions, answers to invitations, corrections), and compiling them all cost
`sozialbot run` about a tenth of its import time (docs/PERFORMANCE.md, section 2). A lazy
pattern is written and used like a compiled one: `_VETO = lazy(r"\\bveto\\b", re.IGNORECASE)`,
then `_VETO.search(text)`. It cannot be handed to `re.sub(pattern, …)` and the like: call its
own methods.
"""

from __future__ import annotations

import re
from typing import Any, cast


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only for what is not yet set: the first use compiles and keeps the compiled
        # pattern's attribute, so later uses find it at once.
        value = getattr(re.compile(self.pattern, self._flags), name)
        setattr(self, name, value)
        return value


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, done at the first use."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
