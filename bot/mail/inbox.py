"""Reading the mailbox: connect, work through the inbox oldest first, wait for more (IDLE, or
every poll_seconds), and move what is handled: to "Verarbeitet", or to "Nicht verarbeitet" with a
note beside it. Each mail is handled by `bot.mail.handling`; a dropped connection is made again
after growing pauses."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

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
AHEAD_MAILS = 100  # mails fetched and not yet handled, at most (the next group waits)
MOVE_SECONDS = 1.0  # mails handled meanwhile are moved this often, not after the slowest one


class _Pass:
    """One pass through the inbox: the mails in hand, each sender's latest, what is ready to be
    moved."""

    def __init__(self) -> None:
        self.handling: set[asyncio.Task[None]] = set()  # mails not yet handled by the core
        self.settling: set[asyncio.Task[None]] = set()  # answers and records being written
        # each sender's latest mail: done once the core has it in turn, or it is finished
        self.last: dict[str, asyncio.Future[None]] = {}
        self.ready: list[Ready] = []
        self.moved = 0
        self.moved_at = time.monotonic()

    def keep(self, tasks: set[asyncio.Task[None]], task: asyncio.Task[None]) -> None:
        """Hold `task` in `tasks` until it is done; an error of ours is logged."""
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(_log_error)


def _log_error(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("E-Mail-Eingang: %r", task.exception())


class Inbox:
    """The reading loop; `notify_now` is set when the core has notifications, once the inbox is
    worked through."""

    def __init__(self, settings: MailSettings, handler: MailHandler, stats: Stats,
                 health: ChannelHealth, stopping: threading.Event,
                 notify_now: asyncio.Event,
                 mail_coming: Callable[[int], None] = lambda mails: None) -> None:
        self.settings = settings
        self.mail_coming = mail_coming  # told how many new mails a listing found
        self.handler = handler
        self.stats = stats
        self.health = health
        self.notify_now = notify_now
        self._stopping = stopping
        self._parallel = asyncio.Semaphore(PARALLEL_MAILS)
        self.worked_through = asyncio.Event()  # no pass through the inbox is under way

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

        The inbox is listed once per pass, and again after what was in hand is handled and moved,
        until a listing finds nothing new with nothing in hand: the last command before IDLE is a
        listing, so no mail that came meanwhile waits for the next round. Mails come a batch at a
        time: small ones whole in one command, larger ones headers (with sizes) first, then whole
        in groups of at most FETCH_BYTES; the next group is fetched while the ones before are
        handled (at most AHEAD_MAILS waiting or in hand), so a pile of large mails never sits in
        memory at once. Each sender's mails are handled in order, senders side by side, across
        groups. What is on disk is moved a batch at a time, or every MOVE_SECONDS, by the same loop
        (one IMAP command at a time). A mail that failed (or waits for its next attempt) stays in
        the inbox and is not read again in this pass."""
        work = _Pass()
        tried: set[str] = set()
        self.handler.retry_at = None
        self.worked_through.clear()
        try:
            while not self._stopping.is_set():
                uidvalidity, uids, large = await asyncio.to_thread(
                    imap.uids, box, self.settings.folder, self._small)
                uids = [uid for uid in uids if uid not in tried]
                if uids:
                    self.mail_coming(len(uids))  # the sender connects while they are read
                if not uids:
                    if not (work.handling or work.settling or work.ready):
                        break
                    # Finish and move what is in hand, then list once more: a mail that came
                    # meanwhile was announced in the answer to those commands, and IDLE would
                    # not announce it again.
                    await self._finish(work, box)
                    continue
                tried.update(uids)
                for start in range(0, len(uids), self.settings.batch):
                    if self._stopping.is_set():
                        break
                    chunk = uids[start: start + self.settings.batch]
                    # consecutive runs of small and of large mails: each sender's in order
                    for is_large, run in itertools.groupby(chunk, large.__contains__):
                        if self._stopping.is_set():
                            break
                        if is_large:
                            await self._fetch_large(work, box, list(run), uidvalidity)
                        else:
                            await self._room(work, box)
                            mails = await asyncio.to_thread(imap.fetch, box, list(run), False)
                            self._start(work, mails, {m.uid: m for m in mails if m.uid},
                                        uidvalidity)
                        await self._move_due(work, box)
            await self._finish(work, box)  # when stopping
        except Exception:
            # the connection is gone: what is in hand is finished before the next pass reads
            # the inbox again (it is moved then)
            if work.handling or work.settling:
                await asyncio.wait(work.handling | work.settling)
            raise
        finally:
            self.worked_through.set()
        return work.moved

    @property
    def _small(self) -> int:
        """Mails at most this large are fetched whole at once, a batch of them (their sizes
        come with them): together they stay within FETCH_BYTES."""
        return min(self.settings.max_mail_bytes, imap.FETCH_BYTES // self.settings.batch)

    async def _fetch_large(self, work: _Pass, box: BaseMailBox, uids: list[str],
                           uidvalidity: int) -> None:
        """Larger mails: headers (with sizes) first, then whole in groups of at most
        FETCH_BYTES; one over the size limit only with its headers."""
        heads = await asyncio.to_thread(imap.fetch, box, uids, True)
        for group in imap.groups(heads, self.settings.max_mail_bytes):
            if self._stopping.is_set():
                break
            await self._room(work, box)
            wanted = [h.uid for h in group
                      if h.uid and h.size_rfc822 <= self.settings.max_mail_bytes]
            bodies = ({m.uid: m for m in await asyncio.to_thread(
                imap.fetch, box, wanted, False) if m.uid} if wanted else {})
            self._start(work, group, bodies, uidvalidity)
            await self._move_due(work, box)

    async def _finish(self, work: _Pass, box: BaseMailBox) -> None:
        """Until every mail in hand is handled and on disk; moving meanwhile, then the rest."""
        while work.handling or work.settling:
            await asyncio.wait(work.handling | work.settling, timeout=MOVE_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            await self._move_due(work, box)
        await self._move_due(work, box, now=True)

    async def _room(self, work: _Pass, box: BaseMailBox) -> None:
        """Until fewer than AHEAD_MAILS mails wait or are in hand; moving meanwhile."""
        while len(work.handling) >= AHEAD_MAILS:
            await asyncio.wait(work.handling, timeout=MOVE_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
            await self._move_due(work, box)

    def _start(self, work: _Pass, group: list[RawMailMessage],
               bodies: dict[str, RawMailMessage], uidvalidity: int) -> None:
        """A task for each mail of the group, after the sender's mail before it."""
        loop = asyncio.get_running_loop()
        for head in group:
            fetched_whole = head.uid and head.size_rfc822 <= self.settings.max_mail_bytes
            if fetched_whole and head.uid not in bodies:
                continue  # expunged meanwhile by someone else
            sender = head.sender
            turn: asyncio.Future[None] = loop.create_future()
            task = asyncio.create_task(self._one(work, head, bodies.get(head.uid or ""),
                                                 work.last.get(sender), turn, uidvalidity))
            work.last[sender] = turn
            work.keep(work.handling, task)

    async def _one(self, work: _Pass, head: RawMailMessage, mail: RawMailMessage | None,
                   before: asyncio.Future[None] | None, turn: asyncio.Future[None],
                   uidvalidity: int) -> None:
        """One mail, once the core has the sender's mail before it in turn (its outcome,
        answer and record come meanwhile, `settle`): each sender's mails are read by the core
        in order, while the next one is read and the last one's outcome written. `turn` is
        done once the core has this one in turn, or it is finished."""
        def handed() -> None:
            if not turn.done():
                turn.set_result(None)

        try:
            if before is not None:
                await before
            if self._stopping.is_set():
                return
            await self._handle(work, head, mail, uidvalidity, handed)
        finally:
            handed()

    async def _handle(self, work: _Pass, head: RawMailMessage, mail: RawMailMessage | None,
                      uidvalidity: int, handed: Callable[[], None]) -> None:
        uid = head.uid or ""
        raw = (mail or head).raw
        async with self._parallel:
            key = source_id_of(raw, mail is not None)
            try:
                async with asyncio.timeout(self.settings.mail_seconds):  # no task of its own
                    handled = await self.handler.handle_mail(
                        mail or head, uidvalidity, uid, whole=mail is not None, handed=handed)
            except Exception as error:  # a bug of ours, or a mail that takes too long
                handled = await self.handler.failed(key, error, raw, uidvalidity, uid)
        if handled is not None:
            work.keep(work.settling, asyncio.create_task(
                self.handler.settle(handled, raw, uidvalidity, uid, work.ready)))

    async def _move_due(self, work: _Pass, box: BaseMailBox, *, now: bool = False) -> None:
        """Move what is on disk: a batch's worth, or what there is once MOVE_SECONDS have passed
        since the last move (or `now`)."""
        if work.ready and (now or len(work.ready) >= self.settings.batch
                           or time.monotonic() - work.moved_at >= MOVE_SECONDS):
            batch, work.ready[:] = list(work.ready), []
            work.moved_at = time.monotonic()
            work.moved += await self._move(box, batch)

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
