"""The process that parses mails beside the bot (bot.mail.reader): the same ParsedMail as
in-process for every corpus mail; a worker that hangs or dies is replaced, and what it was
asked is parsed in-process meanwhile; stopping it leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from bot.mail.parse import parse_mail
from bot.mail.reader import Reader
from bot.sandbox import Budget

CORPORA = Path(__file__).parent.parent / "corpus"
SETTINGS: dict[str, Any] = {
    "own_addresses": {"budget2@landkreis.example"},
    "max_attachment_bytes": 5 * 1024 * 1024,
    "trusted_authserv_id": "mx.landkreis.example",
    "budget": Budget(),
}
SKETCH = (b"From: Anna Muster <anna@example.org>\r\nTo: budget2@landkreis.example\r\n"
          b"Subject: Projektskizze\r\nMessage-ID: <1@example.org>\r\n"
          b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
          b"Sozialraum: Adendorf\r\nTitel: Lesepaten\r\nBetrag: 1.500 \xe2\x82\xac\r\n")


async def _ready(reader: Reader) -> None:
    for _ in range(1000):
        if reader.ready:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the worker never became ready")


def _gone(pid: int) -> bool:
    """Ended and reaped (or at least ended: a zombie of a parent that is not us)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z" and os.getppid() != pid


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


async def test_the_worker_reads_every_corpus_mail_as_the_bot_would() -> None:
    mails = sorted(CORPORA.glob("*mail/*.eml"))
    assert len(mails) > 70
    raws = [path.read_bytes() for path in mails]
    reader = Reader.start(SETTINGS)
    await reader.attach()
    try:
        await _ready(reader)
        futures = [reader.read(raw) for raw in raws]
        assert all(future is not None for future in futures)
        read = await asyncio.gather(*(f for f in futures if f is not None))
    finally:
        await reader.stop()
    for path, raw, parsed in zip(mails, raws, read, strict=True):
        assert parsed == parse_mail(raw, **SETTINGS), path.name
    assert reader.answered == len(raws)


async def test_the_first_mails_are_read_in_process_until_the_worker_is_ready() -> None:
    reader = Reader(SETTINGS)
    await reader.attach()
    try:
        assert reader.read(SKETCH) is None  # still importing: the bot parses it itself
        await _ready(reader)
        future = reader.read(SKETCH)
        assert future is not None
        assert await future == parse_mail(SKETCH, **SETTINGS)
    finally:
        await reader.stop()


async def test_a_hanging_worker_is_killed_and_replaced() -> None:
    reader = Reader(SETTINGS, hang_seconds=0.5, restart_seconds=0.0)
    await reader.attach()
    try:
        await _ready(reader)
        hung = reader.pid
        assert hung is not None
        os.kill(hung, signal.SIGSTOP)
        asked = [reader.read(SKETCH) for _ in range(3)]
        assert all(future is not None for future in asked)
        # not answered within hang_seconds: parsed in-process instead
        assert await asyncio.wait_for(asyncio.gather(*asked), 5) == [None, None, None]  # type: ignore[arg-type]
        assert reader.read(SKETCH) is None  # a new worker is starting
        await _ready(reader)
        assert reader.pid != hung
        assert reader.started == 2
        again = reader.read(SKETCH)
        assert again is not None
        assert await again == parse_mail(SKETCH, **SETTINGS)
        for _ in range(200):
            if _gone(hung):
                break
            await asyncio.sleep(0.01)
        assert _gone(hung)
    finally:
        await reader.stop()


async def test_a_killed_worker_is_started_again_not_before_its_pause() -> None:
    reader = Reader(SETTINGS, restart_seconds=0.5)
    await reader.attach()
    try:
        await _ready(reader)
        killed = reader.pid
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        for _ in range(200):
            if not reader.ready:
                break
            await asyncio.sleep(0.01)
        assert reader.read(SKETCH) is None
        assert reader.started == 1  # within its pause: no new worker yet
        await asyncio.sleep(0.5)
        assert reader.read(SKETCH) is None  # this one starts it
        await _ready(reader)
        assert reader.started == 2
        future = reader.read(SKETCH)
        assert future is not None
        assert await future == parse_mail(SKETCH, **SETTINGS)
    finally:
        await reader.stop()
    assert _gone(killed)


async def test_stopping_leaves_no_process() -> None:
    reader = Reader.start(SETTINGS)
    await reader.attach()
    await _ready(reader)
    pid = reader.pid
    assert pid is not None
    future = reader.read(SKETCH)
    await reader.stop()
    assert future is not None
    assert future.done()  # answered, or handed back to be parsed in-process
    assert _gone(pid)
    assert not _exists(pid)  # reaped by us, not a zombie
    assert reader.pid is None
