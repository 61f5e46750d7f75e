"""The Telegram channel put together: one core, one PTB Application, polling or the webhook, and
the core's outbox delivered by the shared loop (bot.outbox). Started by `bot.telegram.Telegram`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot import health
from bot.attempts import Attempts
from bot.backoff import Backoff, sleep_or_stop
from bot.channel import Clock, Unavailable
from bot.outbox import Outbox
from bot.telegram.buttons import ButtonCommands
from bot.telegram.delivery import deliver
from bot.telegram.menus import Menus
from bot.telegram.receive import Receiver
from bot.telegram.request import AiohttpRequest
from bot.telegram.send import Replies
from bot.telegram.settings import CHANNEL, TOKEN_ENV, TelegramSettings
from bot.telegram.updates import PAUSE_FIRST, PAUSE_MAX, Updates

if TYPE_CHECKING:
    from bot.channel import Channel
    from handlers.messages import Notification
    from handlers.service import Core

log = logging.getLogger(__name__)


class TelegramChannel:
    """Wires one core to one PTB Application: who receives, who sends, who delivers.

    `channel` is the `Channel` the outbox loop hands each notification to (bot.telegram.Telegram,
    which passes it on to `deliver`)."""

    def __init__(
        self,
        core: Core,
        settings: TelegramSettings,
        channel: Channel,
        *,
        now: Clock,
        data_dir: Path | None = None,
        stopping: asyncio.Event | None = None,
    ) -> None:
        self.core = core
        self.settings = settings
        self.now = now
        self.stopping = stopping or asyncio.Event()
        # A folder of its own: the core's store treats every *.json in data_dir as a partition.
        buttons = ButtonCommands(data_dir / "telegram" / "buttons.json" if data_dir else None)
        self.attempts = Attempts(
            data_dir / "telegram" / "attempts.jsonl" if data_dir else None,
            limit=settings.max_attempts, first_pause=settings.attempt_seconds,
            max_pause=settings.attempt_max_seconds)
        self.health = health.channel(CHANNEL)  # for `sozialbot status`
        self.health.queue = lambda: len(core.pending_notifications(CHANNEL))
        self.replies = Replies(settings, buttons, self.stopping)
        self.menus = Menus(core, self.replies)
        self.outbox = Outbox(core, channel, interval=settings.delivery_interval,
                             attempts=self.attempts, now=now)
        self.receiver = Receiver(core, settings, now, self.replies, self.menus, self.outbox.wake,
                                 data_dir)
        self.updates = Updates(core, settings, now, self.receiver, self.replies, self.attempts,
                               self.health)
        self.application: Application | None = None

    def build_application(self, token: str) -> Application:
        """The PTB Application: handlers, rate limiter, error handler. (R9 reminders come from
        the scheduler in bot/run.py, which wakes `outbox` when it made some.)"""
        builder = (
            ApplicationBuilder()
            .token(token)
            .updater(None)
            .job_queue(None)  # delivery is bot.outbox's loop, reminders the scheduler's
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connections=1))
            .rate_limiter(AIORateLimiter(
                overall_max_rate=self.settings.overall_max_rate,
                group_max_rate=self.settings.group_max_rate,
                max_retries=self.settings.max_retries,
            ))
        )
        if self.settings.base_url:
            builder = builder.base_url(self.settings.base_url)
        if self.settings.base_file_url:
            builder = builder.base_file_url(self.settings.base_file_url)
        application = builder.build()
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(
            private & (filters.TEXT | filters.CAPTION | filters.Document.ALL),
            self.receiver.on_message))
        application.add_handler(MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE & filters.TEXT,
            self.receiver.on_message))
        application.add_handler(MessageHandler(private, self.receiver.on_other))
        application.add_handler(CallbackQueryHandler(self.receiver.on_button))
        application.add_error_handler(self.receiver.on_error)
        self.application = application
        return application

    def wake(self) -> None:
        self.outbox.wake()

    async def deliver(self, notification: Notification, address: str) -> None:
        """One notification of the outbox (bot.telegram.delivery)."""
        if self.application is None:
            raise Unavailable("Telegram ist noch nicht verbunden")
        await deliver(self.replies, self.application.bot, notification, address)

    async def _deliver(self, stop: asyncio.Event) -> None:
        """The outbox loop (bot.outbox), its first pass half a second after the start as with
        PTB's job before: the first moments after a restart belong to the updates."""
        await sleep_or_stop(0.5, stop)
        await self.outbox.run(stop)

    async def _connect(self, application: Application, stop: asyncio.Event) -> bool:
        """initialize() (getMe), trying again while Telegram is away; False: the token was
        refused, or `stop` came first (then the Application is shut down again)."""
        pause = Backoff(PAUSE_FIRST, PAUSE_MAX)
        while not stop.is_set():
            try:
                await application.initialize()
                break
            except InvalidToken:
                self._token_refused()
                return False
            except TelegramError as error:
                self.health.down(f"nicht erreichbar: {error}")
                log.warning("Telegram nicht erreichbar (%s), neuer Versuch", error)
                await sleep_or_stop(pause.next(), stop)
        if not stop.is_set():
            return True
        with contextlib.suppress(Exception):
            await application.shutdown()
        return False

    def _token_refused(self) -> None:
        self.health.down("Telegram lehnt den Token ab")
        log.error("Telegram lehnt den Token ab (%s): Telegram bleibt aus.", TOKEN_ENV)

    async def run(self, token: str, stop: asyncio.Event) -> None:
        """Connect, then poll or serve the webhook and deliver the outbox until `stop` is set."""
        # httpx logs every request URL, and the URL holds the token.
        if logging.getLogger("httpx").level == logging.NOTSET:
            logging.getLogger("httpx").setLevel(logging.WARNING)
        application = self.build_application(token)
        if not await self._connect(application, stop):
            return
        log.info("Telegram-Bot @%s läuft (%s).", application.bot.username, self.settings.mode)
        delivering: asyncio.Task | None = None
        try:
            await application.start()
            delivering = asyncio.create_task(self._deliver(stop), name="telegram-delivery")
            await self.menus.setup(application.bot)
            if self.settings.mode == "webhook":
                self.health.up()
                await self.updates.serve_webhook(application, stop)
            else:
                with contextlib.suppress(TelegramError):
                    await self.replies.retrying(lambda: application.bot.delete_webhook())
                await self.updates.poll(application, stop)
        except InvalidToken:
            self._token_refused()
        finally:
            if delivering is not None:
                if not stop.is_set():  # the token was refused: no pass to finish
                    delivering.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await delivering
            if application.running:
                await application.stop()
            await application.shutdown()
