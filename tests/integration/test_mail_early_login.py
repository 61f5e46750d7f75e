"""`sozialbot run` begins the IMAP login before it opens the store (bot.mail.log_in_early), so
that the server's round trips overlap the start; the channel's first connect takes that
connection, or its error, and later connects log in as before."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from imap_tools.errors import MailboxLoginError

from bot.config import default_config_text, load_config
from bot.mail import imap, log_in_early
from bot.mail.settings import MailSettings
from tests.support.mailservers import IMAP_PASSWORD_ENV, MailWorld, write_mail_config


def _settings(tmp_path: Path, world: MailWorld, **overrides: object) -> MailSettings:
    return MailSettings.from_config(load_config(write_mail_config(tmp_path, world, **overrides)))


def test_the_first_connect_takes_the_login_begun_at_the_start(tmp_path: Path,
                                                              mail_world: MailWorld) -> None:
    config = load_config(write_mail_config(tmp_path, mail_world))
    settings = MailSettings.from_config(config)
    log_in_early(config)
    [(_, begun)] = imap._early
    early = imap.connect(settings)
    try:
        assert early is begun.result()
        assert early.client.state == "SELECTED"  # logged in, the inbox selected
        assert early.folder.exists(settings.done_folder)
        later = imap.connect(settings)  # a reconnect logs in anew
        assert later is not early
        assert later.client.state == "SELECTED"
        imap.logout(later)
    finally:
        imap.logout(early)


def test_an_early_login_that_fails_fails_the_channels_first_connect(
        tmp_path: Path, mail_world: MailWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, mail_world)
    monkeypatch.setenv(IMAP_PASSWORD_ENV, "falsch")
    wrong = MailSettings.from_config(load_config(tmp_path / "sozialbot.toml"))
    imap.connect_early(wrong)
    [(_, begun)] = imap._early
    with pytest.raises(MailboxLoginError) as raised:  # logged, tried again (bot/mail/inbox.py)
        imap.connect(wrong)
    assert raised.value is begun.exception()
    imap.logout(imap.connect(settings))


def test_no_login_without_e_mail(tmp_path: Path) -> None:
    path = tmp_path / "sozialbot.toml"
    path.write_text(default_config_text(), encoding="utf-8")
    assert "email" not in tomllib.loads(path.read_text(encoding="utf-8"))
    log_in_early(load_config(path))
    assert not imap._early
