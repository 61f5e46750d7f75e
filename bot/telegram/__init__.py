"""The Telegram channel: secretaries and county representatives work from their phones.

It only translates. A Telegram message or button press becomes an `IncomingMessage` for the core
(`core.handle_async`); the core's plain-text replies go back HTML-escaped, split below Telegram's
length limit, with the core's `Action`s as inline buttons. Notifications wait in the core's outbox
until the shared outbox loop (bot.outbox) has delivered them; R9 reminders come from the
scheduler of `sozialbot run` (bot/run.py), which wakes that loop. Nothing here knows a rule or a
booking.

`Telegram` is what `sozialbot run` sees (bot.channel.Channel); python-telegram-bot is imported
only when the channel runs. One job per module: `settings` (the [telegram] table, status, token),
`render` (escaping and splitting), `buttons` (inline buttons and their callback data), `menus`
(the command menu), `receive` (messages and button presses to the core), `send` (replies to the
Bot API, with retries), `delivery` (one notification of the outbox; bot.outbox runs the loop),
`updates` (polling, the webhook, attempts), `channel` (the PTB Application, put together),
`request` (the aiohttp client under PTB).

Delivery is at least once, never lost: in polling mode an update is confirmed to Telegram (the
next `getUpdates` offset) only after it was handled and every reply was sent; if sending failed
it is fetched again, and the core, seeing its source id a second time, returns the stored replies
without booking anything twice. The webhook answers 200 only after the same.

Setting up (for the README): in Telegram, talk to @BotFather, send /newbot, choose a name and a
username ending in "bot"; BotFather answers with the token. Start the bot with the token in the
environment, `TELEGRAM_BOT_TOKEN=123456:ABC… sozialbot run --config sozialbot.toml`, and put
`username = "<the bot's username>"` under [telegram]. For each person,
`sozialbot invite <person id>` prints a one-time code and the link `https://t.me/<bot>?start=<code>`
(valid 7 days); the person opens the link on the phone and taps Start. `sozialbot revoke <id>`
unlinks. Anyone not linked is treated as an applicant.

Run by `sozialbot run` when TELEGRAM_BOT_TOKEN is set; settings in the config:

    [telegram]
    mode = "polling"            # or "webhook"
    base_url = "http://127.0.0.1:8081/bot"   # a self-hosted Bot API server (optional)
    webhook_listen = "127.0.0.1"
    webhook_port = 8443
    webhook_url = "https://bot.example.org/telegram"   # public URL the reverse proxy forwards
    username = "lk_sozial_bot"  # for invite links; otherwise asked with getMe
    # the webhook's secret token comes from TELEGRAM_WEBHOOK_SECRET
    max_attempts = 3            # an update failing this often (Telegram reachable) is confirmed,
    attempt_seconds = 2         # logged, its sender told, the administration notified
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime
from typing import TYPE_CHECKING

from bot.channel import LABELS, Clock, LazyChannel
from bot.telegram.settings import (
    CHANNEL,
    TOKEN_ENV,
    TelegramSettings,
    telegram_status,
)

if TYPE_CHECKING:
    from handlers.service import Core
    from rules.county import Config

__all__ = ["Telegram", "run_telegram", "telegram_status"]

log = logging.getLogger(__name__)


class Telegram(LazyChannel):
    """The Telegram channel as `sozialbot run` sees it: cheap to build, the work in `run`."""

    name = CHANNEL
    label = LABELS[CHANNEL]

    def status(self) -> tuple[bool, str]:
        return telegram_status(self.config)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; never takes the other channels down."""
        enabled, reason = self.status()
        if not enabled:
            log.warning("Telegram ist aus: %s", reason)
            return
        from bot.telegram.channel import TelegramChannel

        core = self.core
        session = TelegramChannel(
            core, TelegramSettings.from_config(self.config), self,
            now=self.now or (lambda: datetime.now(core.tz)),  # the county's time, as the core's
            data_dir=self.config.data_dir, stopping=stop)
        self.session = session
        try:
            await session.run(os.environ[TOKEN_ENV].strip(), stop)
        finally:
            self.session = None


async def run_telegram(core: Core, config: Config, stop: asyncio.Event, *,
                       now: Clock | None = None) -> None:
    """`Telegram(core, config, now).run(stop)`, for the tests and benchmarks."""
    await Telegram(core, config, now).run(stop)
