"""`sozialbot run` starts the e-mail channel only with a usable [email] section, and says why
not otherwise; the example in the channel's documentation is a working configuration."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import bot.mail.settings
from bot.mail.settings import MailSettings, mail_status
from rules.county import Config


def config(raw: dict) -> Config:
    return Config(path=Path("sozialbot.toml"), county="Testkreis", data_dir=Path("data"),
                  conferences=(), people=(), raw=raw)


def documented_example() -> dict:
    doc = bot.mail.settings.__doc__ or ""
    block = re.search(r"\n    \[email\]\n(.*?)\n\n(?! )", doc, re.DOTALL)
    assert block, "the [email] example is missing from the docstring"
    text = "\n".join(line[4:] for line in ("    [email]\n" + block.group(1)).splitlines())
    return tomllib.loads(text)


def test_the_documented_example_is_a_working_configuration(
        monkeypatch: pytest.MonkeyPatch) -> None:
    raw = documented_example()
    monkeypatch.setenv("SOZIALBOT_IMAP_PASSWORD", "x")
    monkeypatch.setenv("SOZIALBOT_SMTP_PASSWORD", "y")
    on, why = mail_status(config(raw))
    assert on, why
    settings = MailSettings.from_config(config(raw))
    assert (settings.imap.port, settings.imap.security, settings.imap.password) == (993, "tls", "x")
    assert (settings.smtp.port, settings.smtp.security, settings.smtp.password) == (
        587, "starttls", "y")
    assert (settings.done_folder, settings.failed_folder) == ("Verarbeitet", "Nicht verarbeitet")
    assert settings.address == "budget2@landkreis-lueneburg.de"


@pytest.mark.parametrize(("raw", "reason"), [
    ({}, "kein Abschnitt [email]"),
    ({"email": {"address": "a@b.de", "imap": {"host": "imap.b.de"}}}, "[email.smtp] host"),
    ({"email": {"imap": {"host": "i"}, "smtp": {"host": "s"}}}, "[email] address fehlt"),
    ({"email": {"address": "a@b.de", "imap": {"host": "i", "user": "a@b.de"},
                "smtp": {"host": "s"}}}, "[email.imap] password_env fehlt"),
    ({"email": {"address": "a@b.de", "imap": {"host": "i", "password_env": "NICHT_GESETZT_X"},
                "smtp": {"host": "s"}}}, "NICHT_GESETZT_X"),
    ({"email": {"address": "a@b.de", "imap": {"host": "i", "security": "ssl"},
                "smtp": {"host": "s"}}}, "security muss"),
    ({"email": {"address": "a@b.de", "imap": {"host": "i", "port": "993"},
                "smtp": {"host": "s"}}}, "port muss"),
    ({"email": {"address": "a@b.de", "retry_seconds": "schnell",
                "imap": {"host": "i", "password_env": "HOME"}, "smtp": {"host": "s"}}},
     "retry_seconds"),
])
def test_an_incomplete_section_leaves_the_channel_off_and_says_why(raw: dict,
                                                                   reason: str) -> None:
    on, why = mail_status(config(raw))
    assert not on
    assert reason in why


def test_imap_logs_in_as_the_address_and_smtp_may_go_without_a_login(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAP_PW", "geheim")
    raw: dict[str, dict[str, Any]] = {
        "email": {"address": "A@b.de", "imap": {"host": "i", "security": "none",
                                                "password_env": "IMAP_PW"},
                  "smtp": {"host": "s", "security": "none"}}}
    assert mail_status(config(raw))[0]
    settings = MailSettings.from_config(config(raw))
    assert (settings.imap.user, settings.imap.password, settings.smtp.user) == (
        "a@b.de", "geheim", "")
    assert (settings.imap.port, settings.smtp.port) == (143, 25)
    raw["email"]["imap"].pop("password_env")
    assert "password_env fehlt" in mail_status(config(raw))[1]
