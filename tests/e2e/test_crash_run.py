"""The real `sozialbot run`, Telegram and e-mail on, killed with SIGKILL at 50 random moments
while people keep writing, and started again each time.

Two secretaries book decisions by button, three applicants hand in sketches on Telegram, mails
with sketches keep arriving. After every kill the store must open and hold every booking and
every sketch whose answer reached a person, each exactly once. After the last start nothing is
lost: every update and every mail is answered, and the store holds each booking and each sketch
once. (An answer may reach a person twice after a kill; it is then the stored answer, and the
booking behind it is still there once.)
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core
from tests.support.botapi_emulator import BotApiEmulator, SentMessage
from tests.support.core import WIDE_QUOTAS
from tests.support.mailservers import (
    IMAP_PASSWORD_ENV,
    PASSWORD,
    MailWorld,
    write_mail_config,
)
from tests.support.telegram_fixtures import telegram_table

ROUNDS = 50
BERLIN = ZoneInfo("Europe/Berlin")
SECRETARIES = {1001: "sek-ade", 1002: "sek-ble"}
APPLICANTS = (4001, 4002, 4003)
SEEDED = 250  # sketches per conference waiting for a decision (more than 50 rounds take)
MAILS_PER_ROUND = 3
WAIT = 120.0  # for one answer, across kills and restarts


@dataclass
class Told:
    """What reached people: the answers they saw, which the store must hold."""

    booked: set[str] = field(default_factory=set)  # application numbers
    sketches: set[str] = field(default_factory=set)  # titles
    enough: asyncio.Event = field(default_factory=asyncio.Event)  # start nothing new


def today_text() -> str:
    return f"{datetime.now(BERLIN):%d.%m.%Y}"


def seed(config: Path, emulator: BotApiEmulator) -> None:
    """Concepts, a Budget II session today attended by the county, sketches to decide; the
    secretaries linked to their Telegram chats."""
    core = Core.open(load_config(config))
    now = datetime.now(BERLIN)

    def send(sender: str, text: str, channel: str = "console") -> None:
        outcome = core.handle(IncomingMessage(Sender(channel, sender, verified=True), text,
                                              f"seed:{uuid.uuid4()}", now))
        assert outcome.accepted, outcome.replies[0].text

    try:
        for code, name in (("ADE", "Adendorf"), ("BLE", "Bleckede")):
            send(f"sek-{code.lower()}", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\n"
                 "Ziele: Teilhabe")
            send(f"sek-{code.lower()}", f"/sitzung {today_text()} 00:00 Rathaus, Budget II")
            send("kreis-1", f"/anwesend {code} {today_text()}")
            for i in range(SEEDED):
                send(f"traeger{i}@example.org", sketch_text(name, f"Seed {code} {i}"))
        for chat, person in SECRETARIES.items():
            send(str(chat), f"/start {core.create_invite(person, now)}", channel="telegram")
    finally:
        core.close()


def sketch_text(conference: str, title: str) -> str:
    return (f"/antrag\nSozialraum: {conference}\nTräger: Verein {title}\nTitel: {title}\n"
            "Ausgangslage: Es fehlt ein Angebot.\nZielsetzung: Ein Angebot am Nachmittag.\n"
            "Maßnahme: Wöchentliche Gruppe.\nBetrag: 10 €")


async def secretary(emulator: BotApiEmulator, chat: int, person: str, told: Told) -> None:
    """Decides the seeded sketches one by one: /beschluss, then the "Buchen" button."""
    code = person.split("-")[1].upper()
    year = datetime.now(BERLIN).year
    for i in range(1, SEEDED + 1):
        if told.enough.is_set():
            return
        number = f"{code}-{year}-{i:03d}"
        emulator.send_text(chat, f"/beschluss {today_text()}\n{number} bewilligt 10 € "
                                 "(ja 5, nein 0, enthaltung 0)")

        def is_preview(m: SentMessage, n: str = number) -> bool:
            return "/buchen" in m.text and n in m.text

        preview = await emulator.wait_for_message(chat, is_preview, timeout=WAIT)
        emulator.press(chat, preview, "Buchen")

        # the answer to this press comes after the preview (an older "Gebucht" may come again)
        def is_booked(m: SentMessage, p: SentMessage = preview) -> bool:
            return m.text.startswith("Gebucht") and m.message_id > p.message_id

        await emulator.wait_for_message(chat, is_booked, timeout=WAIT)
        told.booked.add(number)


async def applicant(emulator: BotApiEmulator, chat: int, told: Told) -> None:
    for i in range(10_000):
        if told.enough.is_set():
            return
        title = f"Telegram {chat} Nr {i}"
        emulator.send_text(chat, sketch_text("Adendorf", title))
        await emulator.wait_for_message(chat, f"„{title}“", timeout=WAIT)
        told.sketches.add(title)


def mail(world: MailWorld, i: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"absender{i % 20}@{world.domain}"
    message["To"] = world.bot
    message["Subject"] = f"Projektskizze {i}"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(f"crash{i}", domain=world.domain)
    message.set_content(sketch_text("Bleckede", f"Mail Nr {i}").removeprefix("/antrag\n"))
    return message


def check_store(config: Path, told: Told) -> dict:
    """The store opens; every booking and sketch someone was told of is in it, once."""
    core = Core.open(load_config(config))
    try:
        export = core.export()
    finally:
        core.close()
    commitments = Counter(e["application"] for e in export["ledger"]
                          if e["kind"] == "commitment")
    titles = Counter(a["title"] for a in export["applications"])
    assert [n for n, c in commitments.items() if c > 1] == [], "a booking was doubled"
    assert [t for t, c in titles.items() if c > 1] == [], "a sketch was stored twice"
    assert told.booked <= set(commitments), f"lost: {told.booked - set(commitments)}"
    assert told.sketches <= set(titles), f"lost: {told.sketches - set(titles)}"
    for balance in export["balances"]:
        assert (balance["allotment_cents"] + balance["carried_in_cents"]
                == balance["bound_cents"] + balance["available_cents"]
                + balance["lapsed_cents"] + balance["carried_out_cents"]), balance
    return export


async def start(config: Path, env: dict[str, str], log: BinaryIO) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--config", str(config),
        stdout=log, stderr=asyncio.subprocess.STDOUT, env=env)


def prepare(directory: Path, emulator: BotApiEmulator, world: MailWorld) -> Path:
    """The county's configuration with both channels on, and its seeded store."""
    config = write_mail_config(directory, world, retry_max_seconds=0.5, notify_seconds=0.5)
    config.write_text(config.read_text(encoding="utf-8") + telegram_table(emulator)
                      + WIDE_QUOTAS, encoding="utf-8")  # a chat files hundreds of sketches here
    seed(config, emulator)
    return config


async def eventually(probe: Callable[[], bool], what: str, timeout: float = 300) -> None:  # noqa: ASYNC109
    for _ in range(int(timeout / 0.1)):
        if probe():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"waited in vain for {what}")


@pytest.mark.slow
async def test_sigkill_at_50_random_moments_loses_nothing_and_doubles_nothing(
        tmp_path: Path, emulator: BotApiEmulator, mail_world: MailWorld) -> None:
    config = prepare(tmp_path, emulator, mail_world)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, IMAP_PASSWORD_ENV: PASSWORD,
           "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "sozialbot.log"
    log = log_path.open("ab")
    told = Told()
    users = [asyncio.create_task(secretary(emulator, chat, person, told))
             for chat, person in SECRETARIES.items()]
    users += [asyncio.create_task(applicant(emulator, chat, told)) for chat in APPLICANTS]
    rng = random.Random(20261125)
    mails: list[EmailMessage] = []
    try:
        for round_ in range(ROUNDS):
            for _ in range(MAILS_PER_ROUND):
                mails.append(mail(mail_world, len(mails)))
                mail_world.deliver(mails[-1], mail_from=str(mails[-1]["From"]))
            polls = emulator.polls_started
            process = await start(config, env, log)
            if round_ % 8 == 7:  # now and then while it is still starting
                await asyncio.sleep(rng.uniform(0.05, 1.0))
            else:
                def polling(p: int = polls) -> bool:
                    return emulator.polls_started > p

                await eventually(polling, "the bot polling Telegram", 60)
                await asyncio.sleep(rng.uniform(0.0, 0.6))
            assert process.returncode is None, log_path.read_text(errors="replace")[-3000:]
            process.send_signal(signal.SIGKILL)
            await process.wait()
            for user in users:
                if user.done():
                    user.result()  # a user who gave up shows why
            check_store(config, told)

        during = (len(told.booked), len(told.sketches))
        told.enough.set()  # what was asked is answered; nothing new is asked
        # the last start: everything gets done
        process = await start(config, env, log)
        try:
            async with asyncio.timeout(300):
                await asyncio.gather(*users)
                await mail_world.await_for("bot", len(mails), "Verarbeitet", timeout=300)
                await eventually(lambda: len({d.message_id for d in mail_world.relay.deliveries
                                              if d.rcpt_tos[0].startswith("absender")})
                                 >= len(mails), "an answer to every mail")
                await emulator.wait_until(lambda: emulator.pending_update_count == 0, 60)
        finally:
            process.send_signal(signal.SIGTERM)
            await process.wait()
    finally:
        for user in users:
            user.cancel()
        log.close()
    export = check_store(config, told)

    # every Telegram booking and sketch was answered and is stored once, and nothing else
    assert {e["application"] for e in export["ledger"] if e["kind"] == "commitment"} \
        == told.booked
    assert {a["title"] for a in export["applications"] if a["title"].startswith("Telegram")} \
        == told.sketches
    # every mail was handled once and answered in its thread once
    answers: dict[str, list[str]] = {}  # original Message-ID → the answers' Message-IDs
    numbers: dict[str, set[str]] = {}
    for i in range(20):
        for answer in mail_world.messages(f"absender{i}@{mail_world.domain}"):
            parent = answer.headers["in-reply-to"][0].strip()
            answers.setdefault(parent, []).append(answer.headers["message-id"][0].strip())
            numbers.setdefault(parent, set()).update(re.findall(r"BLE-\d{4}-\d{3}",
                                                                answer.subject))
    assert set(answers) == {str(m["Message-ID"]) for m in mails}
    assert [ids for ids in answers.values() if len(set(ids)) > 1] == [], \
        "a mail answered twice got the same answer again, never a second different one"
    resent = sum(len(ids) - 1 for ids in answers.values())
    stored = {a["number"]: a["title"] for a in export["applications"]}
    for index, message in enumerate(mails):
        [number] = numbers[str(message["Message-ID"])]
        assert stored[number] == f"Mail Nr {index}"
    again = (sum(m.text.startswith("Gebucht") for chat in SECRETARIES
                 for m in emulator.messages(chat)) - len(told.booked)
             + sum(m.text.startswith("Vielen Dank") for chat in APPLICANTS
                   for m in emulator.messages(chat)) - len(told.sketches))
    print(f"rounds survived: {ROUNDS}; bookings {len(told.booked)}, Telegram sketches "
          f"{len(told.sketches)}, mails {len(mails)}; answers that reached someone again after "
          f"a kill: {again} on Telegram, {resent} by mail; bookings doubled: 0, lost: 0; "
          f"answered while kills went on: {during[0]} bookings, {during[1]} sketches")
