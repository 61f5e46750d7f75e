"""A test-only hook that makes one stage fail for one message, to prove the others go on.

Off unless the environment variable SOZIALBOT_FAULT is set. Its value is a comma-separated list
of `stage:marker` pairs, e.g. `SOZIALBOT_FAULT="parse:GIFT-PARSE,record:GIFT-RECORD"`: at that
stage, a message whose text (for mail: its raw bytes) contains the marker raises
`InjectedFault`, as a bug of that stage would. Stages: parse, core, compose, queue, record,
move (e-mail), and parse, core, compose, send, record (Telegram). The paths that set a message
aside after its last attempt never check the hook: they are what the tests watch.

Used by tests/e2e/test_poison_mail.py and test_poison_telegram.py; never set it in production.
"""

from __future__ import annotations

import functools
import os

ENV = "SOZIALBOT_FAULT"


class InjectedFault(RuntimeError):
    """The failure SOZIALBOT_FAULT asked for."""


@functools.lru_cache(maxsize=4)
def _markers(setting: str) -> dict[str, tuple[bytes, ...]]:
    found: dict[str, list[bytes]] = {}
    for pair in setting.split(","):
        stage, _, marker = pair.strip().partition(":")
        if stage and marker:
            found.setdefault(stage, []).append(marker.encode("utf-8"))
    return {stage: tuple(markers) for stage, markers in found.items()}


def check(stage: str, content: str | bytes) -> None:
    """Raise InjectedFault when SOZIALBOT_FAULT names `stage` with a marker in `content`."""
    setting = os.environ.get(ENV)
    if not setting:
        return
    markers = _markers(setting).get(stage, ())
    if not markers:
        return
    data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    if any(marker in data for marker in markers):
        raise InjectedFault(f"{stage} (SOZIALBOT_FAULT)")
