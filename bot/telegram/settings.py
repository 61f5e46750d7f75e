"""The `[telegram]` table of the config, whether `sozialbot run` starts Telegram, and the token."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.sandbox import Budget

if TYPE_CHECKING:
    from rules.county import Config

CHANNEL = "telegram"  # the core's name for this channel (senders, outbox, links)
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
WEBHOOK_WITHOUT_SECRET = (
    f"Webhook-Betrieb ohne Geheimnis: die Umgebungsvariable {WEBHOOK_SECRET_ENV} ist nicht "
    "gesetzt. Ohne sie könnte jeder, der die Webhook-Adresse kennt, dem Bot Nachrichten im Namen "
    "beliebiger Telegram-Nutzer unterschieben. Bitte setzen Sie sie (z. B. "
    "TELEGRAM_WEBHOOK_SECRET=$(openssl rand -hex 32)) oder nutzen Sie mode = \"polling\".")


def start_refusal(config: Config) -> str | None:
    """Why `sozialbot run` must not start at all (German), or None: a webhook without its
    secret is refused outright, not merely switched off."""
    settings = TelegramSettings.from_config(config)
    if (settings.enabled and settings.mode == "webhook" and os.environ.get(TOKEN_ENV, "").strip()
            and not settings.webhook_secret):
        return WEBHOOK_WITHOUT_SECRET
    return None
@dataclass(frozen=True)
class TelegramSettings:
    """The `[telegram]` table of the config, with defaults that work against api.telegram.org."""

    enabled: bool = True
    mode: str = "polling"
    base_url: str | None = None
    base_file_url: str | None = None
    poll_timeout: float = 10.0
    delivery_interval: float = 3.0
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_url: str | None = None
    webhook_secret: str | None = None
    overall_max_rate: float = 30.0
    group_max_rate: float = 20.0
    max_retries: int = 3
    send_attempts: int = 6
    retry_delay: float = 0.5
    username: str | None = None
    max_attempts: int = 3  # an update that fails this often is confirmed and set aside
    attempt_seconds: float = 2.0  # pause before its second attempt, doubling
    attempt_max_seconds: float = 60.0
    update_seconds: float = 60.0  # one update taking longer has failed an attempt
    budget: Budget = field(default_factory=Budget)  # to read one file (bot.sandbox)

    @classmethod
    def from_config(cls, config: Config) -> TelegramSettings:
        raw: dict[str, Any] = dict(config.raw.get("telegram", {}) or {})
        webhook = raw.get("webhook", {}) if isinstance(raw.get("webhook"), dict) else {}

        def pick(key: str, default: Any = None) -> Any:
            value = raw.get(key, webhook.get(key.removeprefix("webhook_"), default))
            return default if value in (None, "") else value

        base_url = pick("base_url")
        base_file_url = pick("base_file_url")
        if base_url and not base_file_url:
            parts = urlsplit(base_url)
            base_file_url = f"{parts.scheme}://{parts.netloc}/file/bot"
        return cls(
            budget=Budget.from_section(config.raw.get("security")),
            enabled=bool(raw.get("enabled", True)),
            mode=str(pick("mode", "polling")).lower(),
            base_url=base_url,
            base_file_url=base_file_url,
            poll_timeout=float(pick("poll_timeout", 10.0)),
            delivery_interval=float(pick("delivery_interval", 3.0)),
            webhook_listen=str(pick("webhook_listen", "127.0.0.1")),
            webhook_port=int(pick("webhook_port", 8443)),
            webhook_url=pick("webhook_url"),
            webhook_secret=os.environ.get(WEBHOOK_SECRET_ENV) or None,  # secrets: env only
            overall_max_rate=float(pick("overall_max_rate", 30.0)),
            group_max_rate=float(pick("group_max_rate", 20.0)),
            max_retries=int(pick("max_retries", 3)),
            send_attempts=max(1, int(pick("send_attempts", 6))),
            retry_delay=float(pick("retry_delay", 0.5)),
            username=pick("username"),
            max_attempts=max(1, int(pick("max_attempts", 3))),
            attempt_seconds=float(pick("attempt_seconds", 2.0)),
            attempt_max_seconds=float(pick("attempt_max_seconds", 60.0)),
            update_seconds=float(pick("update_seconds", 60.0)),
        )


def telegram_status(config: Config) -> tuple[bool, str]:
    """Whether `sozialbot run` starts Telegram, and why, for the start-up log."""
    settings = TelegramSettings.from_config(config)
    if not settings.enabled:
        return False, "in der Konfiguration steht [telegram] enabled = false."
    if not os.environ.get(TOKEN_ENV, "").strip():
        return False, (
            f"die Umgebungsvariable {TOKEN_ENV} ist nicht gesetzt (den Token gibt @BotFather "
            "beim Anlegen des Bots; siehe README)."
        )
    if settings.mode not in ("polling", "webhook"):
        return False, f"[telegram] mode = {settings.mode!r} ist unbekannt (polling oder webhook)."
    if settings.mode == "webhook" and not settings.webhook_url:
        return False, "für mode = webhook fehlt [telegram] webhook_url."
    if settings.mode == "webhook" and not settings.webhook_secret:
        return False, WEBHOOK_WITHOUT_SECRET
    if settings.mode == "webhook":
        return True, (
            f"Webhook {settings.webhook_url} (lauscht auf "
            f"{settings.webhook_listen}:{settings.webhook_port})."
        )
    return True, f"Long Polling über {settings.base_url or 'api.telegram.org'}."


async def fetch_bot_username(config: Config) -> str:
    """The bot's @username from the config (`[telegram] username`) or asked with getMe."""
    settings = TelegramSettings.from_config(config)
    if settings.username:
        return settings.username.lstrip("@")
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise RuntimeError(f"{TOKEN_ENV} ist nicht gesetzt und [telegram] username fehlt.")
    from telegram import Bot

    bot = Bot(token, base_url=settings.base_url or "https://api.telegram.org/bot",
              base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot")
    async with bot:
        return bot.username

