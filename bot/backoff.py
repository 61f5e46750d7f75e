"""Waiting, for every channel: growing pauses between attempts at a server that is away, and
waits that end early when the bot stops."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


class Backoff:
    """Exponential pauses: `first`, twice that, … up to `limit`; `reset` after a success."""

    def __init__(self, first: float, limit: float) -> None:
        self.first, self.limit = first, max(first, limit)
        self.current = first

    def next(self) -> float:
        pause = self.current
        self.current = min(self.current * 2, self.limit)
        return pause

    def reset(self) -> None:
        self.current = self.first


async def sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    """Wait `seconds`, or less when `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def first_or_stop(task: asyncio.Future[Any], stop: asyncio.Event) -> bool:
    """Wait for `task` or `stop`; False (and the task cancelled) if stop came first."""
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task.done():
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return False
