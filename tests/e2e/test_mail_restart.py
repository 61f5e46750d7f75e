"""`sozialbot run` killed and restarted in the middle of a batch of 400 mails: every mail is
handled exactly once, every answer and notice arrives exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import load_config
from handlers.service import Core
from tests.support.mailservers import (
    IMAP_PASSWORD_ENV,
    PASSWORD,
    WAIT_SECONDS,
    MailWorld,
    write_mail_config,
)

MAILS = 400
SENDERS = 20


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, IMAP_PASSWORD_ENV: PASSWORD, "PYTHONUNBUFFERED": "1"}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)


def wait(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes] | None,
         log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"sozialbot ended ({process.returncode}):\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"waited in vain for {what}:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.02)


@pytest.mark.slow
def test_killed_and_restarted_mid_batch_each_mail_is_handled_and_answered_once(
        tmp_path: Path, mail_world: MailWorld) -> None:
    config = write_mail_config(tmp_path, mail_world, retry_max_seconds=0.2, notify_seconds=0.2)
    log = tmp_path / "sozialbot.log"
    senders = [f"absender{i}@{mail_world.domain}" for i in range(SENDERS)]
    sent = []
    for i in range(MAILS):
        sent.append(mail_world.send(senders[i % SENDERS], f"Projektskizze {i}",
                                    f"Sozialraum: Adendorf\nTräger: Verein {i}\nTitel: Vorhaben "
                                    f"{i}\nAusgangslage: A\nZielsetzung: Z\nMaßnahme: M\n"
                                    f"Betrag: {100 + i} €"))
    relay = mail_world.relay
    handled = lambda: mail_world.dovecot.count(mail_world.bot, "Verarbeitet")  # noqa: E731
    journal = tmp_path / "data" / "mail" / "handled.jsonl"
    # Mails are moved to "Verarbeitet" once a second: the journal tells sooner what was handled.
    recorded = lambda: len(journal.read_bytes().splitlines()) if journal.exists() else 0  # noqa: E731

    # 1. killed (SIGKILL) while handling, the SMTP server answering 421 meanwhile
    relay.fail_with()
    bot = start(config, log)
    wait(lambda: recorded() >= 40, "40 mails handled", bot, log)
    bot.send_signal(signal.SIGKILL)
    bot.wait(timeout=WAIT_SECONDS)
    assert handled() < MAILS, "the batch was over before the kill"

    # 2. restarted, SMTP back; stopped (SIGTERM) while handling and sending
    relay.recover()
    bot = start(config, log)
    # Mails are handled at hundreds a second: stop as soon as both have begun.
    wait(lambda: len(relay.deliveries) >= 1 and recorded() >= 60, "60 handled, one sent",
         bot, log)
    bot.send_signal(signal.SIGTERM)
    assert bot.wait(timeout=WAIT_SECONDS) == 0
    assert handled() < MAILS, "the batch was over before the restart"

    # 3. started again: it finishes
    bot = start(config, log)
    wait(lambda: handled() == MAILS and len(relay.deliveries) >= 2 * MAILS,
         "every mail handled, every answer and notice sent", bot, log)
    bot.send_signal(signal.SIGTERM)
    assert bot.wait(timeout=WAIT_SECONDS) == 0
    assert list((tmp_path / "data" / "mail" / "queue").iterdir()) == []  # nothing left to send

    assert mail_world.dovecot.count(mail_world.bot) == 0
    ids = [d.message_id for d in relay.deliveries]
    doubles = {i: [d for d in relay.deliveries if d.message_id == i]
               for i, n in Counter(ids).items() if n > 1}
    assert doubles == {}
    assert "" not in ids
    assert len(ids) == 2 * MAILS
    threads: Counter[str] = Counter()
    for sender in senders:
        for answer in mail_world.dovecot.messages(sender):
            threads[answer.headers["in-reply-to"][0].strip()] += 1
    assert threads == Counter({str(m["Message-ID"]): 1 for m in sent})
    notices = mail_world.dovecot.messages(mail_world.address("sek-ade"))
    assert len(notices) == MAILS
    core = Core.open(load_config(config))
    try:
        applications = core.export()["applications"]
    finally:
        core.close()
    assert sorted(a["title"] for a in applications) == sorted(f"Vorhaben {i}"
                                                              for i in range(MAILS))
    assert len({a["number"] for a in applications}) == MAILS
