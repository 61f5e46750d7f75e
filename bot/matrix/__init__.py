"""The Matrix channel: the same bot in Element and the public sector's Matrix messengers
(BundesMessenger and others), direct messages end-to-end encrypted (matrix-nio with vodozemac).

`Matrix` is what `sozialbot run` sees (bot.channel.Channel); settings in bot.matrix.settings, the
sync loop in bot.matrix.channel. matrix-nio is imported only when the channel runs: `sozialbot
run` asks every channel whether it is on, and with Matrix off its library would cost about 12 MB
of memory for nothing."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.channel import LABELS, Clock, Unavailable
from bot.matrix.settings import MatrixSettings, matrix_status

if TYPE_CHECKING:
    from bot.matrix.channel import MatrixChannel
    from handlers.messages import Notification
    from handlers.service import Core
    from rules.county import Config

__all__ = ["Matrix", "matrix_status", "run_matrix"]


class Matrix:
    name = "matrix"
    label = LABELS[name]

    def __init__(self, core: Core, config: Config, now: Clock | None = None) -> None:
        self.core = core
        self.config = config
        self.now = now
        self._running: MatrixChannel | None = None

    def status(self) -> tuple[bool, str]:
        return matrix_status(self.config)

    async def run(self, stop: asyncio.Event) -> None:
        from bot.matrix.channel import MatrixChannel

        self._running = MatrixChannel(self.core, MatrixSettings.from_config(self.config), self,
                                      self.now)
        try:
            await self._running.run(stop)
        finally:
            self._running = None

    def wake(self) -> None:
        if self._running is not None:
            self._running.outbox.wake()

    async def deliver(self, notification: Notification, address: str) -> None:
        if self._running is None:
            raise Unavailable("der Matrix-Kanal läuft nicht")
        await self._running.deliver(notification, address)


async def run_matrix(core: Core, config: Config, stop: asyncio.Event,
                     now: Clock | None = None) -> None:
    await Matrix(core, config, now).run(stop)
