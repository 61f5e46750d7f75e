"""The Telegram channel put together: one core, one PTB Application, polling or the webhook.

`run_telegram` is what `sozialbot run` starts (see the package's docstring for setting up)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

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
from bot.telegram.buttons import ButtonCommands
from bot.telegram.delivery import Outbox
from bot.telegram.menus import Menus
from bot.telegram.receive import Receiver
from bot.telegram.request import AiohttpRequest
from bot.telegram.send import Replies
from bot.telegram.settings import (
    CHANNEL,
    TOKEN_ENV,
    Clock,
    TelegramSettings,
    telegram_status,
)
from bot.telegram.updates import Backoff, Updates, sleep_or_stop

if TYPE_CHECKING:
    from handlers.service import Core
    from rules.county import Config

log = logging.getLogger(__name__)


class TelegramChannel:
    """Wires one core to one PTB Application: who receives, who sends, who delivers."""

    def __init__(
        self,
        core: Core,
        settings: TelegramSettings,
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
        self.outbox = Outbox(core, settings, self.replies, self.attempts, now)
        self.receiver = Receiver(core, settings, now, self.replies, self.menus, self.outbox,
                                 data_dir)
        self.updates = Updates(core, settings, now, self.receiver, self.replies, self.attempts,
                               self.health)

    def build_application(self, token: str) -> Application:
        """The PTB Application: handlers, rate limiter, error handler, the two jobs."""
        builder = (
            ApplicationBuilder()
            .token(token)
            .updater(None)
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
        jobs = application.job_queue
        assert jobs is not None, "python-telegram-bot[job-queue] is required"
        jobs.run_repeating(self.outbox.deliver_job, interval=self.settings.delivery_interval,
                           first=0.5, name="telegram-delivery")
        jobs.run_repeating(self.outbox.reminder_job, interval=self.settings.reminder_interval,
                           first=1, name="telegram-reminders")
        return application


async def run_telegram(
    core: Core,
    config: Config,
    stop: asyncio.Event,
    *,
    now: Clock | None = None,
) -> None:
    """Run the Telegram channel until `stop` is set; never takes the other channels down."""
    enabled, reason = telegram_status(config)
    if not enabled:
        log.warning("Telegram ist aus: %s", reason)
        return
    for noisy in ("httpx", "apscheduler"):
        # httpx logs every request URL, and the URL holds the token.
        if logging.getLogger(noisy).level == logging.NOTSET:
            logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = TelegramSettings.from_config(config)
    zone = ZoneInfo(getattr(config, "timezone", "Europe/Berlin"))
    channel = TelegramChannel(core, settings, now=now or (lambda: datetime.now(zone)),
                              data_dir=getattr(config, "data_dir", None), stopping=stop)
    application = channel.build_application(os.environ[TOKEN_ENV].strip())
    pause = Backoff()
    while not stop.is_set():
        try:
            await application.initialize()
            break
        except InvalidToken:
            channel.health.down("Telegram lehnt den Token ab")
            log.error("Telegram lehnt den Token ab (%s): Telegram bleibt aus.", TOKEN_ENV)
            return
        except TelegramError as error:
            channel.health.down(f"nicht erreichbar: {error}")
            log.warning("Telegram nicht erreichbar (%s), neuer Versuch", error)
            await sleep_or_stop(pause.next(), stop)
    if stop.is_set():
        with contextlib.suppress(Exception):
            await application.shutdown()
        return
    log.info("Telegram-Bot @%s läuft (%s).", application.bot.username, settings.mode)
    try:
        await application.start()
        await channel.menus.setup(application.bot)
        if settings.mode == "webhook":
            channel.health.up()
            await channel.updates.serve_webhook(application, stop)
        else:
            with contextlib.suppress(TelegramError):
                await channel.replies.retrying(lambda: application.bot.delete_webhook())
            await channel.updates.poll(application, stop)
    except InvalidToken:
        channel.health.down("Telegram lehnt den Token ab")
        log.error("Telegram lehnt den Token ab (%s): Telegram bleibt aus.", TOKEN_ENV)
    finally:
        if application.running:
            await application.stop()
        await application.shutdown()
