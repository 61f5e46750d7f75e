"""OAuth2 (XOAUTH2) for the mail channel, for real: Dovecot's oauth2 passdb checks every IMAP
token at the test's introspection endpoint, the SMTP server takes nothing but XOAUTH2 with a
token the test's token endpoint issued, and the bot fetches its tokens from that endpoint, with
the generic provider (plain HTTP client) and the Microsoft 365 provider (MSAL)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import load_config
from bot.mail.auth import LoginRefused, token_source
from bot.mail.settings import MailSettings, OAuthSettings
from tests.support.mailservers import (
    IMAP_PASSWORD_ENV,
    MailWorld,
    RunningMailBot,
    write_mail_config,
)
from tests.support.oauth import OAuthDovecot, TokenServer, XOAuth2Smtp

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SECRET_ENV = "SOZIALBOT_TEST_OAUTH_SECRET"
SECRET = "client-geheimnis"


@pytest.fixture(scope="module")
def tokens() -> Iterator[TokenServer]:
    directory = Path(tempfile.mkdtemp(prefix="sozialbot-oauth-"))
    directory.chmod(0o755)
    server = TokenServer(user="", secret=SECRET)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    server.cert = (str(cert), str(key))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def oauth_dovecot(tokens: TokenServer) -> Iterator[OAuthDovecot]:
    directory = Path(tempfile.mkdtemp(prefix="sozialbot-dovecot-oauth-"))
    directory.chmod(0o755)
    server = OAuthDovecot(directory, f"{tokens.url}/introspect").start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def world(oauth_dovecot: OAuthDovecot, tokens: TokenServer,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[MailWorld]:
    smtp = XOAuth2Smtp(oauth_dovecot, tokens).start()
    world = MailWorld(oauth_dovecot, smtp)  # type: ignore[arg-type]  # stands in for SmtpRelay
    # Each test is its own client (the bot keeps one token per client), for its own mailbox.
    tokens.user, tokens.client_id = world.bot, f"sozialbot-{world.domain}"
    tokens.lifetime, tokens.refuse_all = 3600.0, False
    tokens.tokens.clear()
    monkeypatch.setenv(SECRET_ENV, SECRET)
    try:
        yield world
    finally:
        smtp.stop()


def oauth_config(tmp_path: Path, world: MailWorld, tokens: TokenServer, *,
                 client: bool = True, **provider: object) -> Path:
    settings = provider or {"provider": "generic", "token_url": f"{tokens.url}/token"}
    keys = {"auth": "oauth2", **settings}
    if client:
        keys.update(client_id=tokens.client_id, client_secret_env=SECRET_ENV)
    overrides = {f"{section}__{k}": v for section in ("imap", "smtp") for k, v in keys.items()}
    return write_mail_config(tmp_path, world, retry_max_seconds=0.5, **overrides)


@pytest.fixture
async def mail_bot(tmp_path: Path, world: MailWorld,
              tokens: TokenServer) -> AsyncIterator[RunningMailBot]:
    running = await RunningMailBot(oauth_config(tmp_path, world, tokens), world).start()
    try:
        yield running
    finally:
        await running.stop()


def answered(world: MailWorld, who: str) -> int:
    return len(world.messages(who))


def imap_oauth(settings: MailSettings) -> OAuthSettings:
    """The IMAP login's OAuth2 settings; fails the test when the configuration has none."""
    assert settings.imap.oauth is not None, settings.imap
    return settings.imap.oauth


async def test_the_bot_reads_and_answers_with_tokens_only(
        mail_bot: RunningMailBot, world: MailWorld, tokens: TokenServer) -> None:
    world.send("kita", "Frage", "/hilfe")
    [answer] = await world.await_for("kita", 1)
    assert answer.from_ == world.bot
    assert world.relay.logins == [world.bot]
    assert tokens.introspections >= 1  # Dovecot checked the IMAP token
    assert f"user=<{world.bot}>, method=XOAUTH2" in world.dovecot.log()
    assert len(tokens.tokens) == 1  # one token served IMAP and SMTP


async def test_a_token_expiring_mid_run_is_replaced_and_no_mail_is_lost_or_doubled(
        tmp_path: Path, world: MailWorld, tokens: TokenServer) -> None:
    tokens.lifetime = 3.0
    bot = await RunningMailBot(oauth_config(tmp_path, world, tokens), world).start()
    try:
        world.send("kita", "Erste", "/hilfe")
        await world.await_for("kita", 1)
        await asyncio.sleep(max(0.0, tokens.tokens[0].expires - time.time()) + 0.3)
        assert not tokens.valid(tokens.tokens[0].token)  # the first token is dead now
        # The server drops the connection (as Exchange does after a token's lifetime).
        await asyncio.to_thread(world.dovecot.kick, world.bot)
        world.send("verein", "Zweite", "/hilfe")
        world.send("schule", "Dritte", "/hilfe")
        await world.await_for("verein", 1)
        await world.await_for("schule", 1)
        await bot.settled()
    finally:
        await bot.stop()
    assert len(tokens.tokens) >= 2
    assert [answered(world, who) for who in ("kita", "verein", "schule")] == [1, 1, 1]
    ids = [d.message_id for d in world.relay.deliveries]
    assert len(ids) == len(set(ids)) == 3
    assert world.dovecot.count(world.bot) == 0  # every mail moved out of the inbox, once


async def test_a_refused_token_is_replaced_once_and_the_mail_goes_through(
        mail_bot: RunningMailBot, world: MailWorld, tokens: TokenServer,
        caplog: pytest.LogCaptureFixture) -> None:
    world.send("kita", "Erste", "/hilfe")
    await world.await_for("kita", 1)
    await mail_bot.settled()
    before = len(tokens.tokens)
    tokens.revoke_all()  # valid by its time, but the server no longer takes it
    await asyncio.to_thread(world.dovecot.kick, world.bot)
    with caplog.at_level(logging.WARNING, logger="bot.mail.auth"):
        world.send("verein", "Zweite", "/hilfe")
        await world.await_for("verein", 1)
        await mail_bot.settled()
    assert len(tokens.tokens) == before + 1  # IMAP fetched a new one, SMTP used it too
    assert "lehnt das Zugriffstoken" in caplog.text
    assert [answered(world, who) for who in ("kita", "verein")] == [1, 1]


@pytest.mark.slow
async def test_refused_for_good_the_channel_backs_off_says_why_in_german_and_recovers(
        mail_bot: RunningMailBot, world: MailWorld, tokens: TokenServer,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        tokens.refuse_all = True
        await asyncio.to_thread(world.dovecot.kick, world.bot)
        world.send("kita", "Frage", "/hilfe")
        deadline = time.monotonic() + 20
        while "auch mit einem frisch geholten Token" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            await asyncio.sleep(0.1)
        errors = mail_bot.channel.stats.imap_errors
        fetched = len(tokens.tokens)
        await asyncio.sleep(1.0)
    assert "Der IMAP-Server lehnt die OAuth2-Anmeldung" in caplog.text
    assert "neuer Versuch in" in caplog.text
    # Backing off: a few attempts a second at most, each with one new token at most.
    assert mail_bot.channel.stats.imap_errors - errors <= 5
    assert len(tokens.tokens) - fetched <= mail_bot.channel.stats.imap_errors - errors + 1
    assert await world.count("bot") == 1  # the mail waits, untouched
    tokens.refuse_all = False
    await world.await_for("kita", 1)


def test_a_wrong_client_secret_is_named_in_german(
        tmp_path: Path, world: MailWorld, tokens: TokenServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "falsch")
    settings = MailSettings.from_config(load_config(oauth_config(tmp_path, world, tokens)))
    with pytest.raises(LoginRefused, match=r"lehnt die Anmeldung ab \(HTTP 401: invalid_client"):
        token_source(imap_oauth(settings)).token()


async def test_microsoft365_tokens_come_through_msal(
        tmp_path: Path, world: MailWorld, tokens: TokenServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The Microsoft 365 provider against a local authority (Entra's discovery document and
    token endpoint over HTTPS), as a national cloud's authority_host would be set."""
    assert tokens.cert is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tokens.cert[0])
    config = oauth_config(tmp_path, world, tokens, provider="microsoft365",
                          tenant_id="landkreis-test",
                          authority_host=f"127.0.0.1:{tokens.tls_port}")
    bot = await RunningMailBot(config, world).start()
    try:
        world.send("kita", "Frage", "/hilfe")
        await world.await_for("kita", 1)
    finally:
        await bot.stop()
    assert len(tokens.tokens) == 1
    assert world.relay.logins == [world.bot]


def test_passwords_and_oauth2_settings_are_checked_when_read(
        tmp_path: Path, world: MailWorld, tokens: TokenServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.mail.settings import MailConfigError

    def settings(**keys: object) -> MailSettings:
        path = write_mail_config(tmp_path, world, **{f"imap__{k}": v for k, v in keys.items()})
        return MailSettings.from_config(load_config(path))

    monkeypatch.setenv(IMAP_PASSWORD_ENV, "geheim")
    assert settings().imap.oauth is None  # today's password login stays the default
    with pytest.raises(MailConfigError, match="provider muss"):
        settings(auth="oauth2", client_id="x", client_secret_env=SECRET_ENV)
    with pytest.raises(MailConfigError, match="tenant_id fehlt"):
        settings(auth="oauth2", provider="microsoft365", client_id="x",
                 client_secret_env=SECRET_ENV)
    with pytest.raises(MailConfigError, match="https://"):
        settings(auth="oauth2", provider="generic", client_id="x", client_secret_env=SECRET_ENV,
                 token_url="http://login.example.org/token")
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(MailConfigError, match=f"{SECRET_ENV}.*nicht gesetzt"):
        settings(auth="oauth2", provider="generic", client_id="x", client_secret_env=SECRET_ENV,
                 token_url="https://login.example.org/token")
    assert os.environ.get(SECRET_ENV) is None


async def test_a_google_workspace_service_account_signs_its_token_requests(
        tmp_path: Path, world: MailWorld, tokens: TokenServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """provider "generic" with a service account's JSON key: a JWT signed with its key, for the
    bot's mailbox (domain-wide delegation), traded for a token (RFC 7523), no client secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    email = "sozialbot@landkreis-projekt.iam.gserviceaccount.com"
    key_file = tmp_path / "dienstkonto.json"
    key_file.write_text(json.dumps({"type": "service_account", "client_email": email,
                                    "private_key_id": "k1", "private_key": private,
                                    "token_uri": f"{tokens.url}/token"}), encoding="utf-8")
    monkeypatch.setenv("SOZIALBOT_TEST_GOOGLE_KEY", str(key_file))
    tokens.service_account = (email, public.decode())
    config = oauth_config(tmp_path, world, tokens, client=False, provider="generic",
                          service_account_env="SOZIALBOT_TEST_GOOGLE_KEY",
                          scope="https://mail.google.com/")
    bot = await RunningMailBot(config, world).start()
    try:
        world.send("kita", "Frage", "/hilfe")
        await world.await_for("kita", 1)
    finally:
        await bot.stop()
    [claims] = tokens.assertions
    assert claims["sub"] == world.bot
    assert claims["scope"] == "https://mail.google.com/"
    assert world.relay.logins == [world.bot]


def app_certificate(directory: Path, other: Path) -> tuple[str, str]:
    """DIR/app.pem (key and certificate, as the bot reads it); the certificate, and another."""
    directory.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=sozialbot", "-keyout", str(directory / "key.pem"),
                    "-out", str(directory / "cert.pem")], check=True, capture_output=True,
                   timeout=60)
    certificate = (directory / "cert.pem").read_text()
    (directory / "app.pem").write_text((directory / "key.pem").read_text() + certificate)
    return certificate, other.read_text()


async def test_microsoft365_with_a_certificate_instead_of_a_secret(
        tmp_path: Path, world: MailWorld, tokens: TokenServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """certificate_env: the app proves itself with a JWT signed by the key of the certificate
    uploaded in Entra (MSAL builds it); a key that does not match gets no token."""
    assert tokens.cert is not None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tokens.cert[0])
    app = tmp_path / "app"
    uploaded, other = await asyncio.to_thread(app_certificate, app, Path(tokens.cert[0]))
    tokens.uploaded = uploaded
    monkeypatch.setenv("SOZIALBOT_TEST_CERT", str(app / "app.pem"))
    config = oauth_config(tmp_path, world, tokens, client=False, provider="microsoft365",
                          client_id=tokens.client_id, certificate_env="SOZIALBOT_TEST_CERT",
                          tenant_id="landkreis-test",
                          authority_host=f"127.0.0.1:{tokens.tls_port}")
    bot = await RunningMailBot(config, world).start()
    try:
        world.send("kita", "Frage", "/hilfe")
        await world.await_for("kita", 1)
    finally:
        await bot.stop()
    assert tokens.assertions  # the token came for a verified assertion, not a secret
    assert world.relay.logins == [world.bot]

    tokens.uploaded = other  # Entra knows another certificate now: the key does not match
    settings = MailSettings.from_config(load_config(config))
    with pytest.raises(LoginRefused, match="Microsoft Entra lehnt die Anmeldung"):
        token_source(imap_oauth(settings)).token(fresh=True)
