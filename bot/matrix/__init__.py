"""The Matrix channel: the same bot in Element and the public sector's Matrix messengers
(BundesMessenger and others), direct messages end-to-end encrypted (matrix-nio with vodozemac).

`Matrix` is what `sozialbot run` sees (bot.channel.Channel); settings in bot.matrix.settings, the
sync loop in bot.matrix.channel. matrix-nio is imported only when the channel runs: `sozialbot
run` asks every channel whether it is on, and with Matrix off its library would cost about 12 MB
of memory for nothing."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.channel import LABELS, Clock, LazyChannel
from bot.matrix.settings import MatrixSettings, matrix_status

if TYPE_CHECKING:
    from handlers.service import Core
    from rules.county import Config

__all__ = ["Matrix", "matrix_status", "run_matrix"]


class Matrix(LazyChannel):
    name = "matrix"
    label = LABELS[name]

    def status(self) -> tuple[bool, str]:
        return matrix_status(self.config)

    async def run(self, stop: asyncio.Event) -> None:
        from bot.matrix.channel import MatrixChannel

        session = MatrixChannel(self.core, MatrixSettings.from_config(self.config), self,
                                self.now)
        self.session = session
        try:
            await session.run(stop)
        finally:
            self.session = None


async def run_matrix(core: Core, config: Config, stop: asyncio.Event,
                     now: Clock | None = None) -> None:
    await Matrix(core, config, now).run(stop)
