"""Waiting for a server that is away: growing pauses between attempts, and a pause that ends
early when the bot stops. Shared by the channels."""

from __future__ import annotations

import asyncio
import contextlib


class Backoff:
    """Exponential pauses: retry_seconds, twice that, … up to retry_max_seconds."""

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
