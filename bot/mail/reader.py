"""Mails parsed in a worker process beside the bot, on the machine's other core.

The bot's own process is bound by its CPU under one GIL (the core, the channel's loop, the SMTP
sender); reading a mail with email's parser was about a fifth of it (docs/PERFORMANCE.md,
section 2). The worker, `python -m bot.mail.reader`, reads the mails the channel would otherwise
parse at once on its event loop (small ones without parts, `bot.mail.handling`), and answers
each with the same `ParsedMail` that `parse_mail` gives in-process (pickled).

It holds nothing that matters: a mail stays in the inbox until it is handled, and whatever the
worker was asked and has not answered is parsed in-process instead (the future's result is
None) when it dies, hangs longer than HANG_SECONDS (it is killed), or is not ready yet (the
first mails of a cold start). A dead worker is started again at the next mail, at most once
every RESTART_SECONDS (the pause doubles while workers die before they are ready). It ignores
Ctrl-C (the bot stops it) and ends when its input closes, so it never outlives the bot, even
one killed with SIGKILL.

The pipe carries frames: a length (4 bytes), a request number (8 bytes), then the raw mail one
way and the pickled ParsedMail the other; the first frame to the worker holds `parse_mail`'s
settings (pickled), the first from it (number 0) says it is ready.

    reader = Reader.start({"own_addresses": ..., ...})   # early, beside the bot's own start
    await reader.attach()                               # on the channel's event loop
    future = reader.read(raw)                           # None: parse in-process
    parsed = await future                               # None: parse in-process
    await reader.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import time
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # the bot imports the parser later; the worker's launch should not wait
    from bot.mail.parse import ParsedMail
    from bot.mail.settings import MailSettings

log = logging.getLogger(__name__)

HANG_SECONDS = 10.0  # a request not answered this long: the worker is killed (a mail: < 10 ms)
RESTART_SECONDS = 5.0  # a worker that died is started again at most this often
RESTART_MAX_SECONDS = 300.0  # the pause after workers that died before they were ready
_LENGTH = 4
_NUMBER = 8


def own_addresses(settings: MailSettings) -> set[str]:
    """The bot's own addresses: a mail from one of them is never answered."""
    return {settings.address, settings.imap.user.lower(), settings.smtp.user.lower()} - {""}


def parse_settings(settings: MailSettings) -> dict[str, Any]:
    """`parse_mail`'s keyword arguments for these settings, in-process as in the worker."""
    return {"own_addresses": own_addresses(settings),
            "max_attachment_bytes": settings.max_attachment_bytes,
            "trusted_authserv_id": settings.trusted_authserv_id, "budget": settings.budget}


# Readers launched at the start (`start_early`), for the channel with the same settings.
_early: list[tuple[MailSettings, Reader]] = []


def start_early(settings: MailSettings) -> None:
    """Launch the worker now, so that its imports overlap the bot's own start."""
    _early.append((settings, Reader.start(parse_settings(settings))))


def take(settings: MailSettings) -> Reader:
    """The reader launched early with these settings, or a new one (launched by `attach`)."""
    while _early:
        early, reader = _early.pop()
        if early == settings:
            return reader
        reader.kill()  # launched with other settings: not wanted
    return Reader(parse_settings(settings))


class Reader:
    """The worker process and the requests it has not answered yet."""

    def __init__(self, settings: dict[str, Any], *, hang_seconds: float = HANG_SECONDS,
                 restart_seconds: float = RESTART_SECONDS) -> None:
        self.settings = settings
        self.hang_seconds = hang_seconds
        self.restart_seconds = restart_seconds
        self.ready = False
        self._process: subprocess.Popen[bytes] | None = None
        self._started_at = -restart_seconds
        self._pause = restart_seconds  # grows while workers die before they are ready
        self._write: asyncio.WriteTransport | None = None
        self._read: asyncio.ReadTransport | None = None
        self._pending: dict[int, tuple[float, asyncio.Future[ParsedMail | None]]] = {}
        self._numbers = iter(range(1, 1 << 62))
        self._watch: asyncio.TimerHandle | None = None
        self._reaping: set[asyncio.Task[int]] = set()
        self._restart: asyncio.Task[None] | None = None
        self.started = 0  # workers launched
        self.answered = 0  # mails parsed by them

    @classmethod
    def start(cls, settings: dict[str, Any], **timing: float) -> Reader:
        """Launch the worker now (its imports run meanwhile on the other core)."""
        reader = cls(settings, **timing)
        reader._launch()
        return reader

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _launch(self) -> None:
        """Start a worker and send it its settings; logged when that fails (the mails are
        parsed in-process, a new worker is tried after the pause)."""
        self._started_at = time.monotonic()
        self.started += 1
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot.mail.reader"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE)
            assert self._process.stdin is not None
            settings = pickle.dumps(self.settings, pickle.HIGHEST_PROTOCOL)
            self._process.stdin.write(_frame(0, settings))  # a few hundred bytes: never blocks
            self._process.stdin.flush()
        except OSError as error:
            log.error("Der Leseprozess für E-Mails startet nicht (%s); sie werden im Bot "
                      "gelesen", error)
            if self._process is not None:
                self._process.kill()
                self._process.wait()
            self._process = None

    async def attach(self) -> None:
        """Read the worker's answers on the running event loop (started first if it is not
        running)."""
        if self._process is None or self._process.poll() is not None:
            self._reap()
            self._launch()
        process = self._process
        if process is None:
            return
        assert process.stdin is not None
        assert process.stdout is not None
        loop = asyncio.get_running_loop()
        self._read, _ = await loop.connect_read_pipe(lambda: _Answers(self, process),
                                                     process.stdout)
        self._write, _ = await loop.connect_write_pipe(asyncio.Protocol, process.stdin)

    def read(self, raw: bytes) -> asyncio.Future[ParsedMail | None] | None:
        """Ask the worker to parse `raw`; None when it is not there (parse in-process)."""
        if not self.ready or self._write is None:
            if (self._process is None and self._restart is None
                    and time.monotonic() - self._started_at >= self._pause):
                self._restart = asyncio.get_running_loop().create_task(self._again())
            return None
        loop = asyncio.get_running_loop()
        number = next(self._numbers)
        future: asyncio.Future[ParsedMail | None] = loop.create_future()
        self._pending[number] = (time.monotonic(), future)
        self._write.write(_frame(number, raw))
        if self._watch is None:
            self._watch = loop.call_later(self.hang_seconds, self._check)
        return future

    async def _again(self) -> None:
        try:
            await self.attach()
        finally:
            self._restart = None

    def _answered(self, number: int, data: bytes) -> None:
        if number == 0:
            self.ready = True
            return
        _, future = self._pending.pop(number, (0.0, None))
        self.answered += 1
        if future is not None and not future.done():
            future.set_result(pickle.loads(data))

    def _check(self) -> None:
        """Kill the worker when its oldest request has waited `hang_seconds`."""
        self._watch = None
        if not self._pending:
            return
        asked, _ = next(iter(self._pending.values()))
        waited = time.monotonic() - asked
        if waited >= self.hang_seconds and self._process is not None:
            log.error("Der Leseprozess für E-Mails antwortet seit %.0f s nicht; er wird neu "
                      "gestartet, die E-Mails werden im Bot gelesen", waited)
            self._process.kill()  # its pipe closes: `_gone`
        else:
            self._watch = asyncio.get_running_loop().call_later(
                self.hang_seconds - waited, self._check)

    def _gone(self, process: subprocess.Popen[bytes]) -> None:
        """The worker's output closed: it died or was stopped. What it was asked is parsed
        in-process; a later mail starts a new one (after the pause)."""
        if process is not self._process:
            return
        self._pause = (self.restart_seconds if self.ready
                       else min(RESTART_MAX_SECONDS, 2 * self._pause))
        self.ready = False
        for _, future in self._pending.values():
            if not future.done():
                future.set_result(None)
        self._pending.clear()
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self._write is not None:
            self._write.close()
        self._write = self._read = None
        self._reap()

    def _reap(self) -> None:
        """Wait for the ended worker in a thread, so that it leaves no zombie."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(process.wait))
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)

    def kill(self) -> None:
        """End a worker never attached to a loop, and wait for it."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    async def stop(self) -> None:
        """Close the worker's input (it ends), wait for it; kill it if it does not end."""
        if self._restart is not None:
            self._restart.cancel()
        process = self._process
        if process is not None:
            if self._write is not None:
                self._write.close()
            elif process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.to_thread(process.wait, 2.0)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
            self._gone(process)
        if self._reaping:
            await asyncio.gather(*self._reaping)


class _Answers(asyncio.Protocol):
    """The worker's frames, as they arrive."""

    def __init__(self, reader: Reader, process: subprocess.Popen[bytes]) -> None:
        self.reader = reader
        self.process = process
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        start = 0
        while len(self.buffer) - start >= _LENGTH:
            size = int.from_bytes(self.buffer[start:start + _LENGTH], "big")
            end = start + _LENGTH + size
            if len(self.buffer) < end:
                break
            number = int.from_bytes(self.buffer[start + _LENGTH:start + _LENGTH + _NUMBER],
                                    "big")
            try:
                self.reader._answered(number, bytes(self.buffer[start + _LENGTH + _NUMBER:end]))
            except Exception:
                log.exception("Antwort des Leseprozesses unlesbar")
            start = end
        del self.buffer[:start]

    def connection_lost(self, exc: Exception | None) -> None:
        self.reader._gone(self.process)


def _frame(number: int, data: bytes) -> bytes:
    return ((_NUMBER + len(data)).to_bytes(_LENGTH, "big") + number.to_bytes(_NUMBER, "big")
            + data)


def _read_frame(source: IO[bytes]) -> tuple[int, bytes] | None:
    head = source.read(_LENGTH)
    if len(head) < _LENGTH:
        return None
    body = source.read(int.from_bytes(head, "big"))
    return int.from_bytes(body[:_NUMBER], "big"), body[_NUMBER:]


def _worker() -> None:
    """The worker: parse each mail it is sent until its input closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the bot, which stops us
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not break the frames
    requests = sys.stdin.buffer
    from bot.mail.parse import parse_mail

    first = _read_frame(requests)
    if first is None:
        return
    settings = pickle.loads(first[1])
    answers.write(_frame(0, b""))
    answers.flush()
    while (request := _read_frame(requests)) is not None:
        number, raw = request
        parsed = parse_mail(raw, **settings)
        answers.write(_frame(number, pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL)))
        answers.flush()


if __name__ == "__main__":
    _worker()
