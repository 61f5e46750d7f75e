"""The e-mail channel's durable state under DATA/mail, and its queue of mails to send.

- `queue/*.mails`: mails waiting to be sent. The mails queued together (the answers to the mails
  handled side by side, or the notifications of one pass) go into one file, written once and
  fsynced before any of them can be sent: one new file and one fsync per group, not per mail.
  Each mail has a key ("reply:<source id>", "notification:<outbox id>"); a key is never queued
  twice.
- `sent.log`: the keys (hashed) of the mails the SMTP server accepted, with the time. A file in
  queue/ is deleted once all its mails are in it, after an fsync of the log. The log is fsynced
  every few mails, not after each: a crash of the bot loses nothing (the line was written), a
  power failure may send the last few mails once more, with the same Message-ID.
- `failed/`: a mail the SMTP server refused for good, as .eml, with a .reason.txt.
- `handled.jsonl`: one line per handled mail (source id, where it was moved, its IMAP UID).
  The records of mails answered together are written into their answers' queue file, in its
  fsync, and appended to the journal without one; the journal is fsynced before such a queue
  file is deleted, and a start appends (fsynced) what a power failure took from it.

Mails handled side by side share their fsyncs (`GroupCommit`): whatever arrives while one group
is being written waits for the next write.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from handlers import faults
from storage.atomic import fsync_dir, write_atomic

JOURNAL_DAYS = 120
SENT_DAYS = 30
KEEP_IN_MEMORY = 256 * 1024  # larger queued mails are read from their file when sent
SYNC_SENT_EVERY = 50  # lines in sent.log between two fsyncs
SET_ASIDE = "unprocessed:"  # key of the polite answer to a mail set aside after its attempts
RECORD = "record"  # a queue file's line holding a handled mail's record


@dataclass(frozen=True)
class Outgoing:
    """A mail to queue: `key` is unique for what it answers or announces; `urgent` mails
    (answers someone waits for) are sent before notifications."""

    key: str
    recipient: str
    data: bytes
    urgent: bool = False


@dataclass(frozen=True)
class Queued:
    """A mail in a file of queue/, at `offset`; `data` is None when it is read from there."""

    digest: str
    file: Path
    recipient: str
    urgent: bool
    offset: int
    size: int
    data: bytes | None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        with open(self.file, "rb") as handle:
            handle.seek(self.offset)
            return handle.read(self.size)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _pack(path: Path, mails: Iterable[tuple[str, Outgoing]],
          records: list[dict[str, Any]]) -> tuple[bytes, list[Queued]]:
    """A queue file: for each mail a JSON line (key, recipient, size), then its bytes; then a
    JSON line for each record of a handled mail."""
    parts: list[bytes] = []
    queued: list[Queued] = []
    position = 0
    for digest, mail in mails:
        head = json.dumps({"key": digest, "to": mail.recipient, "urgent": mail.urgent,
                           "size": len(mail.data)}).encode("utf-8") + b"\n"
        start = position + len(head)
        parts += [head, mail.data, b"\n"]
        position = start + len(mail.data) + 1
        queued.append(Queued(digest, path, mail.recipient, mail.urgent, start, len(mail.data),
                             mail.data if len(mail.data) <= KEEP_IN_MEMORY else None))
    parts += [json.dumps({RECORD: entry}).encode("ascii") + b"\n" for entry in records]
    return b"".join(parts), queued


def _unpack(path: Path, data: bytes) -> tuple[list[Queued], list[dict[str, Any]]]:
    mails: list[Queued] = []
    records: list[dict[str, Any]] = []
    position = 0
    while position < len(data):
        end = data.index(b"\n", position)
        head = json.loads(data[position:end])
        if RECORD in head:
            records.append(head[RECORD])
            position = end + 1
            continue
        start = end + 1
        size = int(head["size"])
        body = data[start:start + size]
        mails.append(Queued(head["key"], path, head["to"], bool(head["urgent"]), start, size,
                            body if size <= KEEP_IN_MEMORY else None))
        position = start + size + 1
    return mails, records


def _read_lines(path: Path) -> list[str]:
    """The lines of an append-only file; a torn last line (a power failure) is ended, or the
    next line written would join it."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("\n")
    return text.splitlines()


class MailState:
    """The files under DATA/mail, in the data directory the core has locked for this process."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.queue, self.failed = directory / "queue", directory / "failed"
        for folder in (self.queue, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        for stale in self.queue.glob(".*.tmp"):
            stale.unlink()
        self.journal_path = directory / "handled.jsonl"
        self.sent_path = directory / "sent.log"
        self._lock = threading.Lock()
        self._sent: dict[str, int] = {}  # key hash → when sent (or set aside), Unix time
        for line in _read_lines(self.sent_path):
            digest, _, when = line.partition(" ")
            if when.isdigit():
                self._sent[digest] = int(when)
        self._keys = set(self._sent) | {p.stem.split("-", 1)[1] for p in self.failed.glob("*.eml")}
        self._open: dict[Path, dict[str, Queued]] = {}  # queue file → its mails not yet sent
        self._finished: list[Path] = []  # queue files all sent, deleted at the next sync
        self._unsynced = 0
        self._journal_unsynced = False  # records appended that are only in queue files' fsyncs
        self._sent_log: int | None = None
        self.left_over: list[Queued] = []  # queued by an earlier run, oldest first
        records: list[dict[str, Any]] = []
        spent: list[Path] = []
        for path in sorted(self.queue.glob("*.mails")):
            mails, file_records = _unpack(path, path.read_bytes())
            records += file_records
            self._keys.update(m.digest for m in mails)
            waiting = {m.digest: m for m in mails if m.digest not in self._sent}
            if waiting:
                self._open[path] = waiting
                self.left_over += waiting.values()
            else:
                spent.append(path)
        self.handled: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, tuple[str, str]] = {}  # application number → (Message-ID, subject)
        for line in _read_lines(self.journal_path):
            try:
                self._remember(json.loads(line))
            except json.JSONDecodeError:
                continue  # the last line of a power failure
        lost = [r for r in records if r["sid"] not in self.handled]  # by a power failure
        if lost:
            self._append_journal(lost, sync=True)
        for path in spent:
            path.unlink()

    @staticmethod
    def key_hash(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def close(self) -> None:
        if self._sent_log is not None:
            os.close(self._sent_log)
            self._sent_log = None

    # -- outgoing ---------------------------------------------------------------------------
    def enqueue(self, mails: Iterable[Outgoing],
                records: list[dict[str, Any]] | None = None) -> list[Queued]:
        """Write the mails whose keys are new into one file of queue/ (fsynced, then the folder)
        and return them; on an error none of them is queued. `records` (of handled mails) are
        written into the same file and its fsync, then appended to the journal without one
        (`sync_sent` fsyncs it before the file is deleted); on an error none is recorded."""
        records = records or []
        if records:
            self._check_records(records)
        with self._lock:
            fresh: dict[str, Outgoing] = {}
            for mail in mails:
                if not mail.key.startswith(SET_ASIDE):
                    faults.check("queue", mail.key)
                digest = self.key_hash(mail.key)
                if digest not in self._keys:
                    fresh.setdefault(digest, mail)
            self._keys.update(fresh)  # taken while written: a second writer skips them
        if not fresh:
            if records:
                self.record(records)
            return []
        path = self.queue / f"{time.time_ns():020d}.mails"
        temp = self.queue / f".{path.name}.tmp"
        data, queued = _pack(path, fresh.items(), records)
        try:
            _write_synced(temp, data)
            os.replace(temp, path)
            fsync_dir(self.queue)
        except OSError:
            temp.unlink(missing_ok=True)  # a full disk: nothing half-queued stays behind
            path.unlink(missing_ok=True)
            with self._lock:
                self._keys.difference_update(fresh)
            raise
        if records:
            self._append_journal(records, sync=False)
        with self._lock:
            self._open[path] = {mail.digest: mail for mail in queued}
        return queued

    def pending(self) -> list[Queued]:
        """The mails not yet sent, in the order they were queued."""
        with self._lock:
            return [mail for mails in self._open.values() for mail in mails.values()]

    def mark_sent(self, mail: Queued) -> bool:
        """Note a mail as sent; True when sent.log is due to be fsynced (`sync_sent`)."""
        when = int(time.time())
        if self._sent_log is None:
            self._sent_log = os.open(self.sent_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                                     0o600)
        os.write(self._sent_log, f"{mail.digest} {when}\n".encode("ascii"))
        with self._lock:
            self._sent[mail.digest] = when
            waiting = self._open.get(mail.file, {})
            waiting.pop(mail.digest, None)
            if not waiting:
                self._open.pop(mail.file, None)
                self._finished.append(mail.file)
            self._unsynced += 1
            return self._unsynced >= SYNC_SENT_EVERY

    def sync_sent(self) -> None:
        """fsync sent.log, then delete the queue files whose mails are all in it."""
        with self._lock:
            finished, self._finished = self._finished, []
            unsynced, self._unsynced = self._unsynced, 0
            journal = bool(finished) and self._journal_unsynced
            if journal:
                self._journal_unsynced = False
        if unsynced and self._sent_log is not None:
            os.fsync(self._sent_log)
        if journal:  # the records of the files deleted now are only in the journal then
            with open(self.journal_path, "a", encoding="utf-8") as handle:
                os.fsync(handle.fileno())
        for path in finished:
            path.unlink(missing_ok=True)

    def mark_failed(self, mail: Queued, reason: str) -> None:
        """Keep a mail the server refused for good in failed/, with the reason."""
        name = f"{time.time_ns():020d}-{mail.digest}"
        write_atomic(self.failed / f"{name}.reason.txt",
                     (reason + "\n").encode("utf-8", "backslashreplace"))
        write_atomic(self.failed / f"{name}.eml", mail.read())
        self.mark_sent(mail)
        self.sync_sent()

    # -- the journal of handled mails --------------------------------------------------------
    def _remember(self, entry: dict[str, Any]) -> None:
        self.handled[entry["sid"]] = entry
        if entry.get("number") and entry.get("reply_id"):
            self.threads[entry["number"]] = (entry["reply_id"], entry.get("subject", ""))

    def record(self, entries: list[dict[str, Any]]) -> None:
        """Append handled mails to the journal, with one fsync."""
        self._check_records(entries)
        self._append_journal(entries, sync=True)

    @staticmethod
    def _check_records(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if not entry.get("set_aside"):
                faults.check("record", str(entry.get("sid", "")))

    def _append_journal(self, entries: list[dict[str, Any]], *, sync: bool) -> None:
        # ASCII JSON: any text a sender sent (lone surrogates, raw 8-bit headers, NUL) is
        # escaped and reads back as itself.
        lines = "".join(json.dumps(entry) + "\n" for entry in entries)
        with open(self.journal_path, "a", encoding="utf-8") as journal:
            journal.write(lines)
            journal.flush()
            if sync:
                os.fsync(journal.fileno())
            else:
                with self._lock:
                    self._journal_unsynced = True
        for entry in entries:
            self._remember(entry)

    def trim(self, now: datetime) -> None:
        """Forget handled mails and sent keys older than needed (files rewritten atomically)."""
        cutoff = (now - timedelta(days=JOURNAL_DAYS)).isoformat()
        kept = [e for e in self.handled.values() if e.get("at", "") >= cutoff]
        if len(kept) < len(self.handled):
            data = "".join(json.dumps(e) + "\n" for e in kept)
            write_atomic(self.journal_path, data.encode("utf-8"))
            self.handled = {}
            self.threads = {}
            for entry in kept:
                self._remember(entry)
        limit = time.time() - SENT_DAYS * 86400
        old = {digest for digest, when in self._sent.items() if when < limit}
        if old:
            with self._lock:
                for digest in old:
                    del self._sent[digest]
                self._keys -= old
                data = "".join(f"{d} {w}\n" for d, w in self._sent.items())
            self.close()
            write_atomic(self.sent_path, data.encode("ascii"))


class Outbox:
    """The queued mails in memory, in the order they go out: answers first, then notifications,
    each oldest first. Several connections take from it side by side (`take`), never two mails
    to the same recipient at once, so each recipient gets hers in the order they were queued."""

    LOOK_AHEAD = 8  # mails looked at past those whose recipient has one on its way

    def __init__(self) -> None:
        self._urgent: deque[Queued] = deque()
        self._later: deque[Queued] = deque()
        self._flying: dict[str, Queued] = {}  # recipient → her mail on its way
        self._urgent_flying = 0

    def __len__(self) -> int:
        return len(self._urgent) + len(self._later) + len(self._flying)

    @property
    def urgent(self) -> int:
        """How many answers wait or are on their way (the sender reads it under its lock, from
        the channel's thread too)."""
        return len(self._urgent) + self._urgent_flying

    def add(self, mails: Iterable[Queued]) -> None:
        for mail in mails:
            (self._urgent if mail.urgent else self._later).append(mail)

    def take(self) -> Queued | None:
        """The next mail to send, now on its way (`done` or `put_back` ends that); None when
        nothing waits but mails to recipients with one on its way. Notifications only once no
        answer waits."""
        line = self._urgent or self._later
        for index, mail in enumerate(itertools.islice(line, self.LOOK_AHEAD)):
            if mail.recipient not in self._flying:
                del line[index]
                self._flying[mail.recipient] = mail
                self._urgent_flying += mail.urgent
                return mail
        return None

    def done(self, mail: Queued) -> None:
        """`mail` (one `take` gave) is sent or set aside."""
        if self._flying.get(mail.recipient) is mail:
            del self._flying[mail.recipient]
            self._urgent_flying -= mail.urgent

    def put_back(self, mail: Queued) -> None:
        """`mail` could not be sent now: it goes first again."""
        if self._flying.get(mail.recipient) is mail:
            del self._flying[mail.recipient]
            self._urgent_flying -= mail.urgent
            (self._urgent if mail.urgent else self._later).appendleft(mail)


class GroupCommit:
    """Queues mails and records handled ones for callers working side by side: whatever arrives
    while one group is written waits for the next write and shares its fsyncs.

    A write is done when its mails are queued and its records written, both in one file and
    one fsync (`MailState.enqueue`); then the mails are handed to `queued` (the sender).
    Writes are done in the order they were submitted."""

    def __init__(self, state: MailState, queued: Callable[[list[Queued]], None]) -> None:
        self._state = state
        self._queued = queued
        self._waiting: list[tuple[list[Outgoing], list[dict[str, Any]], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    def submit(self, mails: list[Outgoing], entries: list[dict[str, Any]]) -> asyncio.Future[None]:
        """Write these with the next group; the future is done when they are on disk."""
        done = asyncio.get_running_loop().create_future()
        if not mails and not entries:
            done.set_result(None)
            return done
        self._waiting.append((mails, entries, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="mail-commit")
        return done

    async def __call__(self, mails: list[Outgoing], entries: list[dict[str, Any]]) -> None:
        await self.submit(mails, entries)

    async def _write(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            if not await self._write_group(group) and len(group) > 1:
                # One member's mail or record cannot be written: each is written alone, so
                # that only its own caller sees the error.
                for member in group:
                    await self._write_group([member])

    async def _write_group(self, group: list[tuple[list[Outgoing], list[dict[str, Any]],
                                                   asyncio.Future[None]]]) -> bool:
        """Write the group at once; on an error, fail its futures only when it is one member."""
        mails = [mail for member, _, _ in group for mail in member]
        entries = [entry for _, member, _ in group for entry in member]
        try:
            # The records are written into the answers' queue file, in its fsync.
            if mails:
                self._queued(await asyncio.to_thread(self._state.enqueue, mails, entries))
            elif entries:
                await asyncio.to_thread(self._state.record, entries)
        except Exception as error:
            if len(group) > 1:
                return False
            for _, _, done in group:
                if not done.done():
                    done.set_exception(error)
            return False
        for _, _, done in group:
            if not done.done():
                done.set_result(None)
        return True
