"""Waiting for mail in IMAP IDLE (bot.mail.imap.idle) against the real Dovecot: a mail that
arrives between the inbox's last listing and the start of IDLE is announced together with the
server's "+ idling", which imaplib reads into its buffer at once; the wait must end on it, not
after the whole IDLE round (5 minutes in production)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bot.config import load_config
from bot.mail import imap
from bot.mail.settings import MailSettings
from tests.support.mailservers import MailWorld, write_mail_config


def test_a_mail_that_came_just_before_idle_ends_the_wait(tmp_path: Path,
                                                         mail_world: MailWorld) -> None:
    settings = MailSettings.from_config(load_config(write_mail_config(tmp_path, mail_world)))
    box = imap.connect(settings)
    try:
        for round_ in range(3):
            _, found, _ = imap.uids(box, settings.folder, 1 << 20)  # the listing before IDLE
            assert len(found) == round_
            mail_world.send("kita", f"Projektskizze {round_}", "Sozialraum: Adendorf")
            time.sleep(0.1)  # delivered before IDLE begins
            started = time.monotonic()
            imap.idle(box, 10.0, threading.Event())
            assert time.monotonic() - started < 5.0  # not the whole round
    finally:
        imap.logout(box)


def test_without_news_idle_waits_its_time(tmp_path: Path, mail_world: MailWorld) -> None:
    settings = MailSettings.from_config(load_config(write_mail_config(tmp_path, mail_world)))
    box = imap.connect(settings)
    try:
        imap.uids(box, settings.folder, 1 << 20)
        started = time.monotonic()
        imap.idle(box, 1.0, threading.Event())
        assert time.monotonic() - started >= 0.9
    finally:
        imap.logout(box)
