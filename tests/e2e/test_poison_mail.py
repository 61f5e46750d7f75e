"""One mail cannot stop the others: the real `sozialbot run`, Dovecot, the SMTP relay.

Six mails each make one stage of the e-mail channel fail every time (parse, core, composing the
answer, queueing it, recording the mail, moving it), through the documented test-only hook
SOZIALBOT_FAULT (handlers/faults.py): their Message-IDs carry the marker. A seventh is a real input
that used to stop the inbox: a From address in raw UTF-8, a Cyrillic look-alike of a
secretary's address (issue 18). Around them, 50 ordinary sketches from ten senders. The bot is
killed (SIGKILL) after every poisoned mail has failed once, and started again.

Asserted: every ordinary mail is answered once and stored once; each poisoned mail failed
exactly three times in all (the count survived the kill) and was then set aside in "Nicht
verarbeitet" beside a note naming the error class; its sender got a polite answer (the one
whose move failed had its answer already); the administration got one notice per poisoned
mail; the inbox is empty.

A second test makes one mail hang (the hook's stage "hang"): the other mails of its batch are
answered and moved while it hangs, and it is set aside after its attempts (TimeoutError).
"""

from __future__ import annotations

import json
import os
import re
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
    RunningMailBot,
    write_mail_config,
)
from tests.support.patterns import search

STAGES = ("parse", "core", "compose", "queue", "record", "move")
ORDINARY = 50
SENDERS = 10
ATTEMPTS = 3


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, IMAP_PASSWORD_ENV: PASSWORD, "PYTHONUNBUFFERED": "1",
           "SOZIALBOT_FAULT": ",".join(f"{s}:GIFT-{s.upper()}" for s in STAGES)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)


def wait(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes],
         log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"sozialbot ended ({process.returncode}):\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"waited in vain for {what}:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)


def failed_once(attempts: Path) -> set[str]:
    """The stages whose poisoned mail has a failed attempt on disk."""
    if not attempts.exists():
        return set()
    keys = {json.loads(line)["key"] for line in attempts.read_text().splitlines() if line}
    return {s for s in STAGES if any(f"GIFT-{s.upper()}" in k for k in keys)}


def sketch(i: int) -> str:
    return (f"Sozialraum: Adendorf\nTräger: Verein {i}\nTitel: Vorhaben {i}\nAusgangslage: A\n"
            f"Zielsetzung: Z\nMaßnahme: M\nBetrag: {100 + i} €")


@pytest.mark.slow
def test_poisoned_mails_are_set_aside_after_three_attempts_the_others_are_answered_once(
        tmp_path: Path, mail_world: MailWorld) -> None:
    config = write_mail_config(tmp_path, mail_world, retry_seconds=1.0, retry_max_seconds=2.0,
                               max_attempts=ATTEMPTS, notify_seconds=0.2)
    log = tmp_path / "sozialbot.log"
    domain = mail_world.domain
    senders = [f"absender{i}@{domain}" for i in range(SENDERS)]
    ordinary = []

    def send_ordinary(numbers: range) -> None:
        for i in numbers:
            ordinary.append(mail_world.send(senders[i % SENDERS], f"Projektskizze {i}",
                                            sketch(i)))

    send_ordinary(range(0, ORDINARY // 2))
    poisoned = {}
    for number, stage in enumerate(STAGES):
        who = f"absender{10 + number}@{domain}"
        message = mail_world.compose(who, f"Skizze {stage}", sketch(1000 + number))
        del message["Message-ID"]
        message["Message-ID"] = f"<GIFT-{stage.upper()}-1@{domain}>"
        mail_world.deliver(message, mail_from=who)
        poisoned[stage] = who
    lookalike = (f"From: Sekretariat Adendorf <sek-\u0430de@{domain}>\r\n"
                 f"To: {mail_world.bot}\r\nSubject: Saldo\r\n"
                 f"Message-ID: <lookalike-1@{domain}>\r\n"
                 "Date: Wed, 25 Nov 2026 10:00:00 +0100\r\n\r\n/saldo\r\n").encode()
    mail_world.deliver(lookalike, mail_from=f"absender19@{domain}")
    attempts = tmp_path / "data" / "mail" / "attempts.jsonl"
    folder = lambda name: mail_world.dovecot.count(mail_world.bot, name)  # noqa: E731

    # 1. every poisoned mail fails once; the bot is killed without warning
    bot = start(config, log)
    wait(lambda: failed_once(attempts) == set(STAGES), "a failed attempt of each", bot, log)
    bot.send_signal(signal.SIGKILL)
    bot.wait(timeout=WAIT_SECONDS)
    assert folder("Nicht verarbeitet") == 0, "set aside before the restart"

    # 2. more ordinary mail comes; started again, it finishes
    send_ordinary(range(ORDINARY // 2, ORDINARY))
    bot = start(config, log)
    try:
        wait(lambda: folder("INBOX") == 0 and folder("Nicht verarbeitet") == 2 * len(STAGES)
             and mail_world.dovecot.count(mail_world.address("verwaltung")) >= len(STAGES)
             and len(mail_world.dovecot.messages(mail_world.address("sek-ade"))) >= ORDINARY,
             "everything handled", bot, log)
        time.sleep(1.5)  # anything that would come twice comes now
    finally:
        bot.send_signal(signal.SIGTERM)
        assert bot.wait(timeout=WAIT_SECONDS) == 0
    output = log.read_text(errors="replace")

    # The ordinary mails: each answered in its thread, once (a second delivery of the same
    # answer after the kill would carry the same Message-ID), and stored once.
    threads: dict[str, set[str]] = {}
    for sender in senders:
        for answer in mail_world.dovecot.messages(sender):
            parent = answer.headers["in-reply-to"][0].strip()
            threads.setdefault(parent, set()).add(answer.headers["message-id"][0].strip())
    assert {m["Message-ID"]: len(threads.get(str(m["Message-ID"]), ())) for m in ordinary} == {
        m["Message-ID"]: 1 for m in ordinary}
    core = Core.open(load_config(config))
    try:
        titles = Counter(a["title"] for a in core.export()["applications"])
    finally:
        core.close()
    for i in range(ORDINARY):
        assert titles[f"Vorhaben {i}"] == 1

    # The poisoned mails: three attempts in all, across the kill; then set aside with a note.
    for stage in STAGES:
        assert output.count(f"InjectedFault: {stage} (SOZIALBOT_FAULT)") == ATTEMPTS, stage
    set_aside = mail_world.dovecot.messages(mail_world.bot, "Nicht verarbeitet")
    notes = [m for m in set_aside if m.subject.startswith("Nicht verarbeitet")]
    originals = {m.headers["message-id"][0].strip() for m in set_aside if m not in notes}
    assert originals == {f"<GIFT-{s.upper()}-1@{domain}>" for s in STAGES}
    for note in notes:
        assert re.search(rf"Grund: nicht verarbeitet nach {ATTEMPTS} Versuchen "
                         r"\(InjectedFault\)", note.text), note.text
    for stage, who in poisoned.items():
        received = mail_world.dovecot.messages(who)
        answers = [m.text for m in received]
        polite = [t for t in answers if "nicht vollständig verarbeitet" in t]
        if stage == "move":  # answered before the move failed; no second answer. The kill may
            # deliver that one answer again (docs/RELIABILITY.md): then with its Message-ID.
            assert len({m.headers["message-id"][0].strip() for m in received}) == 1, answers
            assert polite == [], answers
        else:
            assert len(polite) == 1, (stage, answers)
    notices = [m.text for m in mail_world.dovecot.messages(mail_world.address("verwaltung"))]
    told = [t for t in notices if "nicht verarbeitet werden" in t]
    assert sorted(search(r"Absender: (\S+)", t).group(1) for t in told) == sorted(
        poisoned.values())
    assert all("InjectedFault" in t for t in told)

    # The raw UTF-8 look-alike was handled like any stranger's mail, and stopped nothing.
    assert folder("Verarbeitet") == ORDINARY + 1
    assert "surrogates not allowed" not in output


@pytest.mark.slow
async def test_a_mail_that_hangs_holds_up_nobody_and_is_set_aside_after_its_attempts(
        tmp_path: Path, mail_world: MailWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOZIALBOT_FAULT", "hang:GIFT-HANG")
    config = write_mail_config(tmp_path, mail_world, mail_seconds=10, max_attempts=2,
                               retry_seconds=0.5, retry_max_seconds=1.0)
    domain = mail_world.domain
    slow = mail_world.compose("kita", "Skizze", sketch(2000))
    del slow["Message-ID"]
    slow["Message-ID"] = f"<GIFT-HANG-1@{domain}>"
    mail_world.deliver(slow, mail_from=mail_world.address("kita"))
    ordinary = [mail_world.send(f"absender{i % 5}@{domain}", f"Projektskizze {i}", sketch(i))
                for i in range(20)]
    later = mail_world.send("kita", "Noch eine Skizze", sketch(21))  # the same sender's next
    bot = await RunningMailBot(config, mail_world).start()  # all in one fetched batch
    try:
        await mail_world.await_for("bot", len(ordinary), "Verarbeitet", timeout=60)
        # moved while the hanging mail is still in its first attempt
        assert await mail_world.count("bot", "Nicht verarbeitet") == 0
        assert await mail_world.count("bot") >= 1
        await mail_world.await_for("bot", 2, "Nicht verarbeitet", timeout=60)
        await bot.settled()
    finally:
        await bot.stop()
    [note] = [m for m in mail_world.messages("bot", "Nicht verarbeitet")
              if m.subject.startswith("Nicht verarbeitet")]
    assert "nicht verarbeitet nach 2 Versuchen (TimeoutError)" in note.text
    threads = Counter(m.headers["in-reply-to"][0].strip()
                      for who in [*(f"absender{i}@{domain}" for i in range(5)), "kita"]
                      for m in mail_world.messages(who))
    assert all(threads[str(m["Message-ID"])] == 1 for m in [*ordinary, later])
    [polite] = [m for m in mail_world.messages("kita") if "nicht vollständig" in m.text]
    assert polite.headers["in-reply-to"][0].strip() == f"<GIFT-HANG-1@{domain}>"


async def test_a_notification_that_cannot_be_written_holds_up_no_other(
        tmp_path: Path, mail_world: MailWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOZIALBOT_FAULT", "compose:GIFT-NOTICE")
    config = write_mail_config(tmp_path, mail_world, notify_seconds=0.2, max_attempts=ATTEMPTS)
    bot = await RunningMailBot(config, mail_world).start()
    try:
        # The secretary's notice of a new sketch carries its title: that one cannot be written.
        mail_world.send("kita", "Skizze", sketch(3000).replace("Vorhaben 3000", "GIFT-NOTICE"))
        titles = [f"Vorhaben {i}" for i in range(5)]
        for i in range(5):
            mail_world.send(f"absender{i}@{mail_world.domain}", f"Skizze {i}", sketch(i))
        notices = await mail_world.await_for("sek-ade", 5, timeout=60)
        await bot.settled()  # the poisoned notice was given up: nothing waits any more
    finally:
        await bot.stop()
    assert sorted(t for n in notices for t in titles if f"„{t}“" in n.text or t in n.text) == \
        sorted(titles)
    assert not any("GIFT-NOTICE" in n.text for n in mail_world.messages("sek-ade"))
    assert len(mail_world.messages("kita")) == 1  # the applicant got the answer
