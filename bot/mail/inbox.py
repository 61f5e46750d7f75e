"""Reading the mailbox: connect, work through the inbox oldest first, wait for more (IDLE, or
every poll_seconds), and move what is handled: to "Verarbeitet", or to "Nicht verarbeitet" with a
note beside it. Each mail is handled by `bot.mail.handling`; a dropped connection is made again
after growing pauses."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict

from imap_tools import BaseMailBox

from bot.backoff import Backoff, sleep_or_stop
from bot.health import ChannelHealth
from bot.mail import imap
from bot.mail.handling import MailHandler, Ready, set_aside_written, source_id_of
from bot.mail.imap import IMAP_ERRORS, RawMailMessage
from bot.mail.settings import MailSettings
from bot.mail.stats import Stats
from handlers import faults

log = logging.getLogger(__name__)

PARALLEL_MAILS = 32  # mails of different senders handled at once (their commits are grouped)
MOVE_SECONDS = 1.0  # mails handled meanwhile are moved this often, not after the slowest one


class Inbox:
    """The reading loop; `notify_now` is set when the core has notifications, once the inbox is
    worked through."""

    def __init__(self, settings: MailSettings, handler: MailHandler, stats: Stats,
                 health: ChannelHealth, stopping: threading.Event,
                 notify_now: asyncio.Event) -> None:
        self.settings = settings
        self.handler = handler
        self.stats = stats
        self.health = health
        self.notify_now = notify_now
        self._stopping = stopping
        self._parallel = asyncio.Semaphore(PARALLEL_MAILS)

    async def read_loop(self, stop: asyncio.Event) -> None:
        """Connect, work through the inbox, wait for more; on a dropped connection reconnect
        with growing pauses."""
        pause = Backoff(self.settings.retry_seconds, self.settings.retry_max_seconds)
        while not stop.is_set():
            box: BaseMailBox | None = None
            try:
                box = await asyncio.to_thread(imap.connect, self.settings)
                self.stats.imap_connects += 1
                self.health.up()
                pause.reset()
                while not stop.is_set():
                    await self.process_inbox(box)
                    if self.handler.notices_waiting:
                        # Answers first: notifications are read once the inbox is worked
                        # through (or when notify_seconds have passed), not after each mail.
                        self.handler.notices_waiting = False
                        self.notify_now.set()
                    if stop.is_set():
                        break
                    await self._wait_for_mail(box, stop)
            except IMAP_ERRORS as error:
                self.stats.imap_errors += 1
                self.health.down(f"IMAP: {error}")
                delay = pause.next()
                log.warning("IMAP %s:%s: %s – neuer Versuch in %.0f s", self.settings.imap.host,
                            self.settings.imap.port, error, delay)
                await sleep_or_stop(delay, stop)
            except Exception:
                self.stats.imap_errors += 1
                self.health.down("IMAP: unerwarteter Fehler (siehe Log)")
                log.exception("E-Mail-Eingang: unerwarteter Fehler")
                await sleep_or_stop(pause.next(), stop)
            finally:
                if box is not None:
                    await asyncio.to_thread(imap.logout, box)

    async def _wait_for_mail(self, box: BaseMailBox, stop: asyncio.Event) -> None:
        """Until new mail comes, or a mail that failed is due to be tried again."""
        idle = self.settings.idle and "IDLE" in box.client.capabilities
        seconds = self.settings.idle_seconds if idle else self.settings.poll_seconds
        if self.handler.retry_at is not None:
            seconds = max(0.05, min(seconds, self.handler.retry_at - time.time()))
        if idle:
            self.stats.idle_rounds += 1
            await asyncio.to_thread(imap.idle, box, seconds, self._stopping)
        else:
            await sleep_or_stop(seconds, stop)

    async def process_inbox(self, box: BaseMailBox) -> int:
        """Handle every mail now in the inbox, oldest first; returns how many were moved.

        Headers (with sizes) come first, a batch at a time; the whole mails follow in groups of
        at most FETCH_BYTES, so a pile of large mails never sits in memory at once. A mail that
        failed (or waits for its next attempt) stays in the inbox and is not read again in this
        pass."""
        count = 0
        tried: set[str] = set()
        self.handler.retry_at = None
        while not self._stopping.is_set():
            uidvalidity, uids = await asyncio.to_thread(imap.uids, box, self.settings.folder)
            uids = [uid for uid in uids if uid not in tried]
            if not uids:
                break
            heads = await asyncio.to_thread(imap.fetch, box, uids[: self.settings.batch], True)
            tried.update(uids[: self.settings.batch])
            for group in imap.groups(heads, self.settings.max_mail_bytes):
                if self._stopping.is_set():
                    break
                wanted = [h.uid for h in group
                          if h.uid and h.size_rfc822 <= self.settings.max_mail_bytes]
                bodies = ({m.uid: m for m in await asyncio.to_thread(imap.fetch, box, wanted,
                                                                      False) if m.uid}
                          if wanted else {})
                count += await self._handle_group(box, group, bodies, uidvalidity)
        return count

    async def _handle_group(self, box: BaseMailBox, group: list[RawMailMessage],
                            bodies: dict[str, RawMailMessage], uidvalidity: int) -> int:
        """Each sender's mails in order, senders side by side: one mail's fsyncs and parsing no
        longer hold up the others, and the core groups their commits. A sender's next mail goes
        to the core once the previous one is handled there; the answers and records are written
        meanwhile. Every MOVE_SECONDS the mails whose record is on disk are moved: a slow or
        failing mail holds up nobody. Returns how many were moved."""
        by_sender: dict[str, list[RawMailMessage]] = defaultdict(list)
        for head in group:
            fetched_whole = head.uid and head.size_rfc822 <= self.settings.max_mail_bytes
            if fetched_whole and head.uid not in bodies:
                continue  # expunged meanwhile by someone else
            by_sender[head.sender].append(head)
        ready: list[Ready] = []
        settling: set[asyncio.Task[None]] = set()

        async def in_order(heads: list[RawMailMessage]) -> None:
            for head in heads:
                if self._stopping.is_set():
                    return
                uid = head.uid or ""
                mail = bodies.get(uid)
                async with self._parallel:
                    key = source_id_of((mail or head).raw, mail is not None)
                    try:
                        handled = await asyncio.wait_for(
                            self.handler.handle_mail(mail or head, uidvalidity, uid,
                                             whole=mail is not None),
                            self.settings.mail_seconds)
                    except Exception as error:  # a bug of ours, or a mail that takes too long
                        handled = await self.handler.failed(key, error, (mail or head).raw,
                                                     uidvalidity, uid)
                if handled is not None:
                    task = asyncio.create_task(self.handler.settle(handled, (mail or head).raw,
                                                            uidvalidity, uid, ready))
                    settling.add(task)

        waiting: set[asyncio.Task[None]] = {asyncio.create_task(in_order(heads))
                                            for heads in by_sender.values()}
        moved = 0
        while waiting or settling:
            done, _ = await asyncio.wait(waiting | settling, timeout=MOVE_SECONDS,
                                         return_when=asyncio.ALL_COMPLETED)
            waiting -= done
            settling -= done
            for task in done:
                if task.exception() is not None:
                    log.error("E-Mail-Eingang: %r", task.exception())
            if ready:
                batch, ready[:] = list(ready), []
                moved += await self._move(box, batch)
        return moved

    async def _move(self, box: BaseMailBox, ready: list[Ready]) -> int:
        """Move mails whose records are on disk, one IMAP command per folder (one by one when
        that fails); a mail that cannot be moved has failed an attempt. Returns how many."""
        by_folder: dict[str, list[Ready]] = defaultdict(list)
        for item in ready:
            by_folder[item.folder].append(item)
        moved: list[Ready] = []
        failed: list[tuple[Ready, BaseException]] = []
        for folder, items in by_folder.items():
            movable = []
            for item in items:
                try:
                    if folder == self.settings.done_folder:
                        faults.check("move", item.key)
                    movable.append(item)
                except faults.InjectedFault as error:
                    failed.append((item, error))
            await self._append_notes(box, movable)  # the note is there when the mail is
            try:
                if movable:
                    await asyncio.to_thread(box.move, [i.uid for i in movable], folder)
                moved += movable
                continue
            except IMAP_ERRORS:
                pass
            for item in movable:
                try:
                    await asyncio.to_thread(box.move, [item.uid], folder)
                    moved.append(item)
                except IMAP_ERRORS as error:
                    failed.append((item, error))
        if failed:
            await asyncio.to_thread(box.client.noop)  # the server is there: the mails failed
        for item, cause in failed:
            handled = await self.handler.failed(item.key, cause, item.raw, item.uidvalidity,
                                                item.uid, answered=True)
            if handled is None:
                continue
            _, note, written, key = handled
            if not await set_aside_written(key, written):
                continue
            self.handler.attempts.forget(key)
            set_aside = Ready(self.settings.failed_folder, item.uid, key, note, item.raw,
                              item.uidvalidity)
            await self._append_notes(box, [set_aside])
            await asyncio.to_thread(box.move, [item.uid], self.settings.failed_folder)
            moved.append(set_aside)
        return len(moved)

    async def _append_notes(self, box: BaseMailBox, items: list[Ready]) -> None:
        for item in items:
            if item.note is not None:
                await asyncio.to_thread(box.append, item.note, self.settings.failed_folder,
                                        dt=None, flag_set=())
