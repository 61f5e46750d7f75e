"""A test-only hook that makes one stage fail for one message, to prove the others go on.

Off unless the environment variable SOZIALBOT_FAULT is set. Its value is a comma-separated list
of `stage:marker` pairs, e.g. `SOZIALBOT_FAULT="parse:GIFT-PARSE,record:GIFT-RECORD"`: at that
stage, a message whose text (for mail: its raw bytes) contains the marker raises
`InjectedFault`, as a bug of that stage would. Stages: parse, core, compose, queue, record,
move (e-mail), parse, core, compose, send, record (Telegram), core (Matrix). The stage "hang"
makes the handling of such a message wait an hour before it is parsed, as a stuck parser would. The
paths that set a message aside after its last attempt never check the hook: they are what the
tests watch.

Used by tests/e2e/test_poison_mail.py, test_poison_telegram.py and test_matrix_bot.py; never
set it in production.
"""

from __future__ import annotations

import asyncio
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


def _named(stage: str, content: str | bytes) -> bool:
    setting = os.environ.get(ENV)
    if not setting:
        return False
    markers = _markers(setting).get(stage, ())
    if not markers:
        return False
    data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
    return any(marker in data for marker in markers)


def check(stage: str, content: str | bytes) -> None:
    """Raise InjectedFault when SOZIALBOT_FAULT names `stage` with a marker in `content`."""
    if _named(stage, content):
        raise InjectedFault(f"{stage} (SOZIALBOT_FAULT)")


async def hang(content: str | bytes) -> None:
    """Wait an hour when SOZIALBOT_FAULT names "hang" with a marker in `content`."""
    if _named("hang", content):
        await asyncio.sleep(3600)
