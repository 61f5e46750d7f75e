"""The e-mail channel through the channel interface (bot.channel.Channel): `sozialbot run`
starts and stops it like any channel, and a notification handed to `deliver` goes into the
durable mail queue and out over the real SMTP server, once however often it is handed over."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from bot.channel import Unavailable
from bot.config import load_config
from bot.mail import Mail
from bot.run import run_channels
from handlers.messages import Notification
from handlers.service import Core
from tests.support.mailservers import BERLIN, MailWorld, write_mail_config

NOW = datetime(2026, 2, 2, 12, 0, tzinfo=BERLIN)


async def test_a_notification_handed_to_the_channel_is_mailed_once(
        tmp_path: Path, mail_world: MailWorld) -> None:
    config = load_config(write_mail_config(tmp_path, mail_world))
    core = Core.open(config)
    mail = Mail(core, config, lambda: NOW)
    notification = Notification("email:" + mail_world.address("kita"),
                                "Ihr Antrag ADE-2026-001 ist bewilligt.", "decision",
                                "decision:ADE-2026-001", application_number="ADE-2026-001")
    assert (mail.name, mail.label) == ("email", "E-Mail")
    on, why = mail.status()
    assert on, why
    assert mail_world.bot in why
    with pytest.raises(Unavailable):  # not running: the outbox tries again later
        await mail.deliver(notification, mail_world.address("kita"))
    stop = asyncio.Event()
    running = asyncio.create_task(run_channels(core, [mail], stop, now=lambda: NOW))
    try:
        async with asyncio.timeout(30):
            while True:
                try:
                    await mail.deliver(notification, mail_world.address("kita"))
                    break
                except Unavailable:
                    await asyncio.sleep(0.05)
        await mail.deliver(notification, mail_world.address("kita"))  # the same key again
        [received] = await mail_world.await_for("kita", 1)
        await asyncio.sleep(1.5)  # a second mail would have gone out by now
        assert len(await asyncio.to_thread(mail_world.messages, "kita")) == 1
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
        core.close()
    assert "Ihr Antrag ADE-2026-001 ist bewilligt." in received.text
    assert "ADE-2026-001" in received.subject
    assert received.from_ == mail_world.bot
