"""One Telegram message cannot stop the others: the real `sozialbot run` and the Bot API
emulator.

Five messages each make one stage of the Telegram channel fail every time (reading the
message, the core, composing the answer, sending it, recording the update as handled), through
the documented test-only hook SOZIALBOT_FAULT (handlers/faults.py): their text carries the marker.
Around them, 50 ordinary sketches from ten chats. The bot is killed (SIGKILL) once every
poisoned message has failed once, and started again.

Asserted: every ordinary sketch is answered exactly once and stored once; each poisoned message
failed exactly three times in all (the count survived the kill), was then confirmed to Telegram,
logged with its error class, and its sender got a polite answer; the administration got one
notice per poisoned message; every update is confirmed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_config
from bot.telegram.settings import TOKEN_ENV
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.telegram_fixtures import ADMINISTRATION, Clock, RunningBot, write_config

BERLIN = ZoneInfo("Europe/Berlin")
STAGES = ("parse", "core", "compose", "send", "record")
ORDINARY = 50
CHATS = [4001 + i for i in range(10)]
POISONED = {stage: 6001 + i for i, stage in enumerate(STAGES)}
ATTEMPTS = 3


def sketch(title: str) -> str:
    return (f"/antrag\nSozialraum: Adendorf\nTräger: Verein {title}\nTitel: {title}\n"
            "Ausgangslage: Es fehlt ein Angebot.\nZielsetzung: Ein Angebot.\n"
            "Maßnahme: Wöchentliche Gruppe.\nBetrag: 10 €")


def link_administration(config: Path) -> None:
    core = Core.open(load_config(config))
    try:
        now = datetime.now(BERLIN)
        code = core.create_invite("verwaltung", now)
        outcome = core.handle(IncomingMessage(Sender("telegram", str(ADMINISTRATION)),
                                              f"/start {code}", f"seed:{uuid.uuid4()}", now))
        assert outcome.accepted
    finally:
        core.close()


def failed_once(attempts: Path, update_ids: dict[str, int]) -> set[str]:
    if not attempts.exists():
        return set()
    keys = {json.loads(line)["key"] for line in attempts.read_text().splitlines() if line}
    return {stage for stage, update in update_ids.items() if f"telegram:{update}" in keys}


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def eventually(probe: Callable[[], bool], what: str, process: asyncio.subprocess.Process,
                     log: Path, timeout: float = 120) -> None:  # noqa: ASYNC109
    for _ in range(int(timeout / 0.05)):
        if process.returncode is not None:
            raise AssertionError(f"sozialbot ended:\n{tail(log)}")
        if probe():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"waited in vain for {what}:\n{tail(log)}")


@pytest.mark.slow
async def test_poisoned_updates_are_confirmed_after_three_attempts_the_others_answered_once(
        tmp_path: Path, emulator: BotApiEmulator) -> None:
    config = write_config(tmp_path, emulator, attempt_seconds=1.0, attempt_max_seconds=2.0,
                          max_attempts=ATTEMPTS)
    link_administration(config)
    log = tmp_path / "sozialbot.log"
    env = {**os.environ, TOKEN_ENV: emulator.token, "PYTHONUNBUFFERED": "1",
           "SOZIALBOT_FAULT": ",".join(f"{s}:GIFT-{s.upper()}" for s in STAGES)}

    out = log.open("ab")

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--config", str(config),
            stdout=out, stderr=asyncio.subprocess.STDOUT, env=env)

    titles = [f"Vorhaben {i}" for i in range(ORDINARY)]
    for i in range(ORDINARY // 2):
        emulator.send_text(CHATS[i % len(CHATS)], sketch(titles[i]))
    poisoned = {stage: emulator.send_text(chat, sketch(f"GIFT-{stage.upper()} {stage}"))
                for stage, chat in POISONED.items()}
    attempts = tmp_path / "data" / "telegram" / "attempts.jsonl"

    # 1. every poisoned message fails once (the ones before them are confirmed); killed
    bot = await start()
    await eventually(lambda: failed_once(attempts, poisoned) == set(STAGES)
                     and emulator.confirmed_offset >= min(poisoned.values()),
                     "a failed attempt of each", bot, log)
    bot.send_signal(signal.SIGKILL)
    await bot.wait()

    # 2. more ordinary messages come; started again, it finishes
    for i in range(ORDINARY // 2, ORDINARY):
        emulator.send_text(CHATS[i % len(CHATS)], sketch(titles[i]))
    last = emulator.send_text(CHATS[0], "/hilfe")
    bot = await start()
    try:
        await eventually(lambda: emulator.confirmed_offset > last and all(
            any("nicht vollständig verarbeitet" in m.text for m in emulator.messages(chat))
            for chat in POISONED.values()) and sum(
            "nicht verarbeitet werden" in m.text
            for m in emulator.messages(ADMINISTRATION)) >= len(STAGES),
            "everything handled", bot, log)
        await asyncio.sleep(1.5)  # anything that would come twice comes now
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await bot.wait() == 0
        out.close()
    output = log.read_text(errors="replace")

    answered: Counter[str] = Counter()
    for chat in CHATS:
        for message in emulator.messages(chat):
            for title in titles:
                if f"„{title}“" in message.text:
                    answered[title] += 1
    assert answered == Counter({title: 1 for title in titles})
    core = Core.open(load_config(config))
    try:
        stored = Counter(a["title"] for a in core.export()["applications"])
    finally:
        core.close()
    assert all(stored[title] == 1 for title in titles)

    for stage, chat in POISONED.items():
        tries = re.findall(rf"update {poisoned[stage]} failed \(attempt (\d) of {ATTEMPTS}\): "
                           rf"InjectedFault: {stage} \(SOZIALBOT_FAULT\)", output)
        assert tries == ["1", "2", "3"], stage
        assert f"update {poisoned[stage]} set aside after {ATTEMPTS} attempts " \
               f"(InjectedFault); confirmed" in output
        polite = [m for m in emulator.messages(chat) if "nicht vollständig verarbeitet" in m.text]
        assert len(polite) == 1, stage
    notices = [m.text for m in emulator.messages(ADMINISTRATION)
               if "nicht verarbeitet werden" in m.text]
    assert sorted(n.split("Absender: Telegram-Chat ")[1][:4] for n in notices) == sorted(
        str(chat) for chat in POISONED.values())
    assert all("Fehler: InjectedFault" in n for n in notices)


@pytest.mark.slow
async def test_an_update_that_hangs_holds_up_no_other_chat_and_is_set_aside(
        tmp_path: Path, emulator: BotApiEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOZIALBOT_FAULT", "hang:GIFT-HANG")
    monkeypatch.setenv(TOKEN_ENV, emulator.token)
    config = write_config(tmp_path, emulator, update_seconds=10, max_attempts=2,
                          attempt_seconds=0.5, attempt_max_seconds=1.0)
    hanging = POISONED["parse"]
    emulator.send_text(hanging, sketch("GIFT-HANG"))
    for i, chat in enumerate(CHATS):
        emulator.send_text(chat, sketch(f"Vorhaben {i}"))
    bot = await RunningBot(config, emulator, Clock(datetime.now(BERLIN))).start()  # one batch
    try:
        for i, chat in enumerate(CHATS):
            await emulator.wait_for_message(chat, f"„Vorhaben {i}“", timeout=30)
        # answered while the hanging update is still in its first attempt
        assert emulator.messages(hanging) == []
        await emulator.wait_for_message(hanging, "nicht vollständig verarbeitet", timeout=60)
        assert bot.core is not None
        waiting = bot.core.pending_notifications("email")  # the administration's address
    finally:
        await bot.stop()
    [notice] = [p.notification for p in waiting if p.notification.kind == "unprocessed"]
    assert notice.recipient == "verwaltung"
    assert "Fehler: TimeoutError" in notice.text
