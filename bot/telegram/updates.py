"""Updates from Telegram: long polling or the webhook, each update handled with attempts.

Delivery is at least once, never lost: in polling mode an update is confirmed to Telegram (the
next `getUpdates` offset) only after it was handled and every reply was sent; if sending failed
it is fetched again, and the core, seeing its source id a second time, returns the stored replies
without booking anything twice. The webhook answers 200 only after the same."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Container
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.attempts import Attempts
from bot.backoff import Backoff, first_or_stop, sleep_or_stop
from bot.channel import Clock
from bot.health import ChannelHealth
from bot.telegram.receive import Receiver
from bot.telegram.request import DEFAULT_TIMEOUT, post
from bot.telegram.send import Replies, is_transient
from bot.telegram.settings import CHANNEL, WEBHOOK_WITHOUT_SECRET, TelegramSettings
from handlers import faults
from handlers.messages import Reply

if TYPE_CHECKING:
    from handlers.service import Core

log = logging.getLogger(__name__)
MAX_WEBHOOK_BODY = 1024 * 1024  # bytes of one POST; Telegram's updates are far smaller
WEBHOOK_BODY_SECONDS = 30.0  # to send a body, and to keep an idle connection

ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
PAUSE_FIRST, PAUSE_MAX = 0.5, 30.0  # seconds between tries while Telegram is unavailable
# While updates are being handled, getUpdates again when one is answered, else after HOLD
# seconds, twice that after a wait in vain, … up to HOLD_MAX (a slow answer does not make the
# bot ask Telegram twenty times a second); HOLD_MAX too while only failed updates wait.
HOLD, HOLD_MAX = 0.05, 1.0
JSONDict = dict[str, Any]
NOT_PROCESSED = (
    "Entschuldigung, Ihre Nachricht konnte nicht vollständig verarbeitet werden. Die "
    "Kreisverwaltung ist informiert und kümmert sich darum; Sie müssen nichts weiter tun."
)


def update_text(update: Update) -> str:
    """What a person sent in an update: the text or caption, or the data of a button."""
    message = update.effective_message
    if update.callback_query is not None:
        return update.callback_query.data or ""
    return (message.text or message.caption or "") if message is not None else ""


class Updates:
    """Takes updates from Telegram (polling or webhook) and hands each to PTB's handlers
    (`receive.Receiver`); confirms it only once answered, or once set aside."""

    def __init__(self, core: Core, settings: TelegramSettings, now: Clock, receiver: Receiver,
                 replies: Replies, attempts: Attempts, health: ChannelHealth) -> None:
        self.core = core
        self.settings = settings
        self.now = now
        self.receiver = receiver
        self.replies = replies
        self.attempts = attempts
        self.health = health
        self._done: OrderedDict[int, None] = OrderedDict()

    async def handle_update(self, application: Application, update: Update) -> bool:
        """Process one update; False: try it again later (it failed, or its next attempt is not
        due yet). An update that fails `max_attempts` times while Telegram is reachable is
        confirmed and set aside (`_give_up`): it cannot hold up the updates after it."""
        if update.update_id in self._done:
            return True
        key = f"telegram:{update.update_id}"
        if self.attempts.get(key) is not None:
            if self.attempts.exhausted(key):
                return await self._give_up(application.bot, update, key)
            if time.time() < self.attempts.due_at(key):
                return False
        error = await self._process(application, update)
        if error is None:
            self._done[update.update_id] = None
            while len(self._done) > 10_000:
                self._done.popitem(last=False)
            self.attempts.forget(key)
            self.health.handled()
            return True
        return await self._failed(application.bot, update, key, error)

    async def _process(self, application: Application, update: Update) -> BaseException | None:
        """Hand the update to PTB's handlers (`receive.Receiver`); what failed it, or None."""
        try:
            async with asyncio.timeout(self.settings.update_seconds):
                await application.process_update(update)
            error = self.receiver.errors.pop(update.update_id, None)
            if error is None:
                faults.check("record", update_text(update))
        except Exception as raised:
            return raised
        return error

    async def _failed(self, bot: Any, update: Update, key: str, error: BaseException) -> bool:
        """Count a failed attempt (not while Telegram is away); set the update aside after the
        last one."""
        if is_transient(error) and not await self._reachable(bot):
            return False  # Telegram is away: no fault of this update's, not counted
        try:
            failure = await asyncio.to_thread(self.attempts.failed, key, error)
        except OSError as disk:
            log.error("attempt at %s not counted: %s", key, disk)
            return False
        log.warning("update %s failed (attempt %d of %d): %s: %s", update.update_id,
                    failure.count, self.attempts.limit, type(error).__name__, error)
        if failure.count < self.attempts.limit:
            return False
        return await self._give_up(bot, update, key)

    async def _reachable(self, bot: Any) -> bool:
        with contextlib.suppress(TelegramError, TimeoutError):
            async with asyncio.timeout(10):
                await bot.get_me()
                return True
        return False

    async def _give_up(self, bot: Any, update: Update, key: str) -> bool:
        """After the last attempt: confirmed and logged with the error class, the sender gets a
        polite answer if Telegram takes it, the administration is told once (core outbox)."""
        failure = self.attempts.get(key)
        error = failure.error if failure else "unbekannt"
        chat = update.effective_chat
        user = update.effective_user
        log.error("update %s set aside after %d attempts (%s); confirmed", update.update_id,
                  failure.count if failure else 0, error)
        sender = f"Telegram-Chat {chat.id if chat else '?'}" + (
            f" ({user.full_name})" if user else "")
        try:
            await asyncio.to_thread(
                self.core.report_unprocessed, CHANNEL, key, sender=sender, error=error,
                where="nicht mehr in Telegram (bestätigt, im Protokoll vermerkt)", now=self.now())
        except Exception:
            log.exception("the administration could not be told about %s", key)
        if chat is not None:
            with contextlib.suppress(TelegramError, TimeoutError):
                async with asyncio.timeout(10):
                    await self.replies.send_reply(bot, chat.id, Reply(NOT_PROCESSED), retry=False)
        self._done[update.update_id] = None
        self.attempts.forget(key)
        return True

    async def poll(self, application: Application, stop: asyncio.Event) -> None:
        """Long polling that confirms an update only after it was handled and answered.

        Each chat's updates are handled in order, the chats side by side (`Lanes`), and the
        next getUpdates does not wait for them: while updates are being handled it asks again
        as soon as one is answered (else after HOLD to HOLD_MAX seconds), so a chat that
        floods the bot or waits for a slow answer holds up no other chat. The offset confirms only
        what lies below the first update not yet answered; Telegram therefore sends the
        updates still in hand again, and they are skipped (at most 100 from that first one
        are seen, Telegram's limit of one getUpdates)."""
        lanes = Lanes(lambda update: self.handle_update(application, update))
        pause = Backoff(PAUSE_FIRST, PAUSE_MAX)
        bot = application.bot
        try:
            while not stop.is_set():
                lanes.progress.clear()
                fetch = asyncio.ensure_future(self._fetch(bot, lanes.offset(), 0 if lanes.busy
                                                          else self.settings.poll_timeout))
                if not await first_or_stop(fetch, stop):
                    break
                try:
                    found = fetch.result()
                    self.health.up()
                except InvalidToken:
                    raise
                except TelegramError as error:
                    self.health.down(f"getUpdates: {error}")
                    log.warning("getUpdates failed: %s", error)
                    await sleep_or_stop(pause.next(), stop)
                    continue
                pause.reset()
                lanes.take([u for u in map(partial(_decoded, bot), lanes.new(found, self._done))
                            if u is not None])
                await lanes.wait(stop)
        finally:
            await lanes.close()
        offset = lanes.offset()
        if offset is not None:
            with contextlib.suppress(TelegramError, TimeoutError):
                async with asyncio.timeout(5):
                    await bot.get_updates(offset=offset, timeout=0, limit=1)

    async def _fetch(self, bot: Any, offset: int | None, long_poll: float) -> list[JSONDict]:
        """getUpdates as JSON (`request.post`): only the updates not seen before are made into
        PTB objects, not the ones in hand that Telegram sends again."""
        arguments: JSONDict = {"timeout": long_poll, "allowed_updates": list(ALLOWED_UPDATES)}
        if offset is not None:
            arguments["offset"] = offset
        found = await post(bot, "getUpdates", arguments, read_timeout=DEFAULT_TIMEOUT + long_poll)
        return found if isinstance(found, list) else []

    async def serve_webhook(self, application: Application, stop: asyncio.Event) -> None:
        """A small HTTP server for Telegram's webhook; 200 only once an update is answered."""
        import tornado.httpserver
        import tornado.web

        channel = self
        secret = self.settings.webhook_secret

        if not secret:  # telegram_status refuses this already; never serve an open webhook
            raise RuntimeError(WEBHOOK_WITHOUT_SECRET)
        expected = secret.encode()

        class WebhookHandler(tornado.web.RequestHandler):
            async def post(self) -> None:
                given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
                if not hmac.compare_digest(given.encode(), expected):  # constant time
                    self.set_status(403)
                    return
                try:
                    update = Update.de_json(json.loads(self.request.body), application.bot)
                except (ValueError, TypeError, KeyError):
                    self.set_status(400)
                    return
                if update is None or await channel.handle_update(application, update):
                    self.set_status(200)
                else:
                    self.set_status(503)

        url = self.settings.webhook_url or ""
        path = urlsplit(url).path or "/"
        # Anyone may POST to the webhook, and tornado reads a body whole before the handler
        # checks the secret: by default up to 100 MB per connection. An update is a few KB.
        server = tornado.httpserver.HTTPServer(
            tornado.web.Application([(path, WebhookHandler)]),
            max_body_size=MAX_WEBHOOK_BODY, max_buffer_size=MAX_WEBHOOK_BODY,
            body_timeout=WEBHOOK_BODY_SECONDS, idle_connection_timeout=WEBHOOK_BODY_SECONDS)
        server.listen(self.settings.webhook_port, self.settings.webhook_listen)
        try:
            await self.replies.retrying(lambda: application.bot.set_webhook(
                url, allowed_updates=list(ALLOWED_UPDATES), secret_token=secret))
            log.info("Telegram webhook at %s (listening on %s:%s)", url,
                     self.settings.webhook_listen, self.settings.webhook_port)
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()


def _decoded(bot: Any, data: JSONDict) -> Update | None:
    """The PTB object of an update; None (and logged) if it cannot be read: it is confirmed
    with the next offset instead of coming back forever."""
    try:
        return Update.de_json(data, bot)
    except Exception:
        log.exception("update %s could not be read; confirmed unanswered", data.get("update_id"))
        return None


class Lanes:
    """The updates in hand while polling, one lane per chat: each chat's updates in the order
    Telegram numbered them, the chats side by side. An update that failed does not hold up the
    later ones of its chat (as a mail that failed does not hold up its sender's next mail); it
    is taken again when Telegram sends it again after a growing pause. The offset to confirm is
    the first update not yet answered."""

    def __init__(self, handle: Callable[[Update], Awaitable[bool]]) -> None:
        self._handle = handle
        self._queues: dict[int | None, deque[Update]] = {}
        self._workers: dict[int | None, asyncio.Task[None]] = {}
        self._open: set[int] = set()  # handed to a lane, not answered yet
        self._retry: dict[int, float] = {}  # failed: update id -> when to take it again
        self._pause = Backoff(PAUSE_FIRST, PAUSE_MAX)
        self._highest: int | None = None
        self._stopping = False
        self._hold = HOLD
        self.progress = asyncio.Event()  # set when an update was answered or failed

    @property
    def busy(self) -> bool:
        return bool(self._open or self._retry)

    def offset(self) -> int | None:
        """The getUpdates offset: everything below the first update not answered yet."""
        waiting = self._open.union(self._retry)
        if waiting:
            return min(waiting)
        return None if self._highest is None else self._highest + 1

    def new(self, found: list[JSONDict], done: Container[int]) -> list[JSONDict]:
        """The updates of a getUpdates answer to take now: not in hand, not answered, not a
        failed one whose pause has not passed."""
        now = time.monotonic()
        fresh = []
        for data in found:
            update_id = data["update_id"]
            self._highest = max(update_id, self._highest or update_id)
            if update_id in self._open or update_id in done:
                continue
            due = self._retry.get(update_id)
            if due is not None:
                if now < due:
                    continue
                del self._retry[update_id]
            fresh.append(data)
        return fresh

    def take(self, updates: list[Update]) -> None:
        if updates:
            self._hold = HOLD
        for update in updates:
            chat = update.effective_chat.id if update.effective_chat else None
            self._open.add(update.update_id)
            self._queues.setdefault(chat, deque()).append(update)
            if chat not in self._workers:
                self._workers[chat] = asyncio.create_task(self._work(chat))

    async def _work(self, chat: int | None) -> None:
        queue = self._queues[chat]
        try:
            while queue and not self._stopping:
                update = queue[0]
                try:
                    answered = await self._handle(update)
                except Exception:
                    log.exception("update %s failed unexpectedly", update.update_id)
                    answered = False
                queue.popleft()
                self._open.discard(update.update_id)
                if not answered:
                    self._retry[update.update_id] = time.monotonic() + self._pause.next()
                elif not self._retry:
                    self._pause.reset()
                self.progress.set()
        finally:
            del self._workers[chat]
            if not queue:
                del self._queues[chat]

    async def wait(self, stop: asyncio.Event) -> None:
        """Until the next getUpdates: while updates are being handled, until one is answered
        (or failed), the hold at the latest (see HOLD); while only failed ones wait, until the
        first is due, HOLD_MAX at the latest; else at once (a long poll follows)."""
        if self._open:
            try:
                async with asyncio.timeout(self._hold):
                    await self.progress.wait()
                self._hold = HOLD
            except TimeoutError:
                self._hold = min(2 * self._hold, HOLD_MAX)
        elif self._retry:
            due = min(self._retry.values()) - time.monotonic()
            await sleep_or_stop(min(HOLD_MAX, max(due, 0.0)), stop)

    async def close(self) -> None:
        """Each lane finishes the update in its hands; the rest stays unconfirmed, so Telegram
        sends it again after the restart."""
        self._stopping = True
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
