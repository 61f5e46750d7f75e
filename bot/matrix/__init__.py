"""The Matrix channel: the same bot in Element and the public sector's Matrix messengers
(BundesMessenger and others), direct messages end-to-end encrypted (matrix-nio with vodozemac).

Run by `sozialbot run` when [matrix] is configured and its secret is in the environment
(`run_matrix`); settings in bot.matrix.settings, the sync loop in bot.matrix.channel. matrix-nio
is imported only when the channel runs: `sozialbot run` asks every channel whether it is on, and
with Matrix off its library would cost about 12 MB of memory for nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.matrix.settings import matrix_status

if TYPE_CHECKING:
    from handlers.service import Core
    from rules.county import Config

__all__ = ["matrix_status", "run_matrix"]


async def run_matrix(core: Core, config: Config, stop: asyncio.Event,
                     now: Callable[[], datetime] | None = None) -> None:
    from bot.matrix.channel import run_matrix as run

    await run(core, config, stop, now)
