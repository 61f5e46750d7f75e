"""The SMTP sender opens its connections when a pile of mail comes in, before the first answer
is queued (bot/mail/smtp.py `Sending.warm_up`): connect, EHLO and login need not wait for the
GIL the reading and the core hold. Nothing is sent for it, and a server away is not counted
as a failure until there is mail to send."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.config import load_config
from bot.health import ChannelHealth
from bot.mail.queue import MailState
from bot.mail.settings import MailSettings
from bot.mail.smtp import CONNECTIONS, Sending
from bot.mail.stats import Stats
from tests.support.mailservers import MailWorld, free_port, write_mail_config


class Greeted:
    """An SMTP server's handler that counts the clients greeting it and the mails given."""

    def __init__(self) -> None:
        self.greetings = 0
        self.mails = 0

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        self.greetings += 1
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.mails += 1
        return "250 OK"


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        await asyncio.sleep(0.02)


def _sending(tmp_path: Path, mail_world: MailWorld, port: int) -> Sending:
    config = write_mail_config(tmp_path, mail_world, smtp__port=port)
    settings = MailSettings.from_config(load_config(config))
    return Sending(settings, MailState(tmp_path / "mail"), Stats(), ChannelHealth("E-Mail"))


async def test_a_pile_of_mail_opens_every_connection_before_anything_is_queued(
        tmp_path: Path, mail_world: MailWorld) -> None:
    server = Greeted()
    controller = Controller(server, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    sending = _sending(tmp_path, mail_world, controller.port)
    stop = asyncio.Event()
    loop = asyncio.create_task(sending.send_loop(stop))
    try:
        await _until(lambda: sending._loop is not None)
        sending.warm_up(CONNECTIONS - 1)  # a mail or two: a connection when its answer is queued
        await asyncio.sleep(0.3)
        assert server.greetings == 0

        sending.warm_up(300)

        await _until(lambda: server.greetings == CONNECTIONS)
        assert (server.mails, sending.stats.sent, sending.stats.send_failures) == (0, 0, 0)
    finally:
        stop.set()
        await loop
        controller.stop()


async def test_warming_up_towards_a_server_away_counts_no_failure(
        tmp_path: Path, mail_world: MailWorld) -> None:
    sending = _sending(tmp_path, mail_world, free_port())  # nobody listens there
    stop = asyncio.Event()
    loop = asyncio.create_task(sending.send_loop(stop))
    try:
        await _until(lambda: sending._loop is not None)

        sending.warm_up(300)
        await asyncio.sleep(0.5)

        assert sending.stats.send_failures == 0
        assert sending.health.last_error is None
    finally:
        stop.set()
        await loop
