"""The e-mail channel over encrypted connections, as a county's mail server wants it: IMAP with
TLS or STARTTLS, SMTP with STARTTLS or TLS and a login; certificates are checked, a county's own
CA can be named in the configuration."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.mailservers import (
    Dovecot,
    MailWorld,
    RunningMailBot,
    SmtpRelay,
    write_mail_config,
)

SMTP_PASSWORD_ENV = "SOZIALBOT_TEST_SMTP_PASSWORD"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # TLS from byte 1
@pytest.mark.parametrize(("imap_security", "smtp_security"),
                         [("tls", "starttls"), ("starttls", "tls")])
async def test_encrypted_connections_with_the_countys_own_ca(
        tmp_path: Path, dovecot: Dovecot, mail_world: MailWorld,
        monkeypatch: pytest.MonkeyPatch, imap_security: str, smtp_security: str) -> None:
    dovecot.require_tls()
    monkeypatch.setenv(SMTP_PASSWORD_ENV, "smtp-geheim")
    relay = SmtpRelay(dovecot, smtp_security, login=("budget2", "smtp-geheim")).start()
    config = write_mail_config(
        tmp_path, mail_world, imap__security=imap_security, imap__ca_file=str(dovecot.cert),
        imap__port=dovecot.imaps_port if imap_security == "tls" else dovecot.imap_port,
        smtp__port=relay.port, smtp__security=smtp_security, smtp__ca_file=str(dovecot.cert),
        smtp__user="budget2", smtp__password_env=SMTP_PASSWORD_ENV)
    bot = await RunningMailBot(config, mail_world).start()
    try:
        mail_world.send("kita", "Hilfe", "/hilfe")
        [answer] = await mail_world.await_for("kita", 1)
        assert "/antrag" in answer.text
        assert relay.logins == ["budget2"]
        assert mail_world.relay.deliveries == []  # the plain relay of the fixture saw nothing
    finally:
        await bot.stop()
        relay.stop()


async def test_a_certificate_nobody_vouches_for_is_refused_and_the_mail_waits(
        tmp_path: Path, dovecot: Dovecot, mail_world: MailWorld) -> None:
    dovecot.require_tls()
    config = write_mail_config(tmp_path, mail_world, imap__security="tls",
                               imap__port=dovecot.imaps_port)
    mail_world.send("kita", "Hilfe", "/hilfe")
    bot = await RunningMailBot(config, mail_world).start()
    try:
        deadline = time.monotonic() + 30
        while bot.channel.stats.imap_errors < 2:
            assert time.monotonic() < deadline, "no connection attempt"
            await asyncio.sleep(0.05)
        assert bot.channel.stats.imap_connects == 0
        assert await mail_world.count("bot") == 1
    finally:
        await bot.stop()
