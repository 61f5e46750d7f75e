"""Telegram's settings and status as `sozialbot run` and `sozialbot invite` see them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.telegram.settings import (
    TOKEN_ENV,
    WEBHOOK_SECRET_ENV,
    TelegramSettings,
    fetch_bot_username,
    telegram_status,
)
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.telegram_fixtures import write_config


def test_without_a_token_telegram_is_off_and_the_reason_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    config = load_config(write_config(tmp_path, BotApiEmulator()))

    on, why = telegram_status(config)

    assert not on
    assert TOKEN_ENV in why


def test_with_a_token_polling_against_the_configured_bot_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "1:abc")
    emulator = BotApiEmulator()
    config = load_config(write_config(tmp_path, emulator))

    on, why = telegram_status(config)

    assert on
    assert "Long Polling" in why
    assert "1:abc" not in why


def test_webhook_settings_and_the_secret_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "1:abc")
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, "s3cret")
    path = write_config(tmp_path, BotApiEmulator(), mode="webhook",
                        webhook_url="https://bot.example.org/tg", webhook_port=8444)

    settings = TelegramSettings.from_config(load_config(path))
    on, why = telegram_status(load_config(path))

    assert (settings.mode, settings.webhook_port, settings.webhook_secret) == (
        "webhook", 8444, "s3cret")
    assert on
    assert "https://bot.example.org/tg" in why


def test_webhook_without_url_stays_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "1:abc")
    config = load_config(write_config(tmp_path, BotApiEmulator(), mode="webhook"))

    on, why = telegram_status(config)

    assert not on
    assert "webhook_url" in why


async def test_the_invite_link_needs_the_bot_name_from_get_me(
    tmp_path: Path, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, emulator.token)
    config = load_config(write_config(tmp_path, emulator))

    assert await fetch_bot_username(config) == emulator.bot_username


async def test_a_configured_bot_name_needs_no_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    config = load_config(write_config(tmp_path, BotApiEmulator(), username="@lk_sozial_bot"))

    assert await fetch_bot_username(config) == "lk_sozial_bot"
