"""Replies to the Bot API: text in chunks with buttons, files, edits of earlier messages; flood
control and outages waited out a few times (`retrying`), then `DeliveryFailed`."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.telegram.buttons import ButtonCommands, keyboard, typed
from bot.telegram.render import CAPTION_LIMIT, settled_text, split_text, to_html, units
from bot.telegram.request import post
from bot.telegram.settings import TelegramSettings
from handlers.messages import Reply

# python-telegram-bot 22 warns on every 429 it receives that `RetryAfter.retry_after` will become
# a timedelta, unless one opts in now. Only `retry_seconds` reads it, and takes either type.
os.environ.setdefault("PTB_TIMEDELTA", "1")

log = logging.getLogger(__name__)

QUESTIONS_KEEP = 10_000  # messages with buttons remembered (this run) to settle them
T = TypeVar("T")


class DeliveryFailed(NetworkError):
    """Telegram did not take a reply after several tries; the update is handled again later."""


def is_transient(error: BaseException | None) -> bool:
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after  # a timedelta with PTB_TIMEDELTA set (above), else seconds
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Replies:
    """Sends the core's replies to chats; remembers which message offered which command, so that
    a command typed instead of tapped settles that message too (`question`)."""

    def __init__(self, settings: TelegramSettings, buttons: ButtonCommands,
                 stopping: asyncio.Event) -> None:
        self.settings = settings
        self.buttons = buttons
        self.stopping = stopping
        # (chat, a button's command) -> (id, text) of the message that offered it
        self._questions: OrderedDict[tuple[int, str], tuple[int, str]] = OrderedDict()

    def question(self, chat_id: int, text: str) -> tuple[int, str] | None:
        """The message (id, text) whose button `text` is, forgotten once asked for."""
        return self._questions.pop((chat_id, typed(text)), None)

    async def send_reply(
        self, bot: Any, chat_id: int, reply: Reply, *, retry: bool = True
    ) -> int | None:
        """Text in chunks (buttons on the last one), then the documents; the id of the message
        with the buttons (or of the last one). A reply with one file and a short text is the
        file with the text as its caption."""
        chunks = split_text(reply.text)
        if not chunks and reply.actions:
            chunks = ["Bitte wählen Sie:"]
        markup = keyboard(reply.actions, self.buttons)
        caption = None
        if len(reply.documents) == 1 and len(chunks) == 1 and units(chunks[0]) <= CAPTION_LIMIT:
            caption, chunks = chunks[0], []
        sent_id = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1

            async def send(text: str = chunk, buttons: Any = markup if last else None) -> Any:
                return await post(bot, "sendMessage", {
                    "chat_id": chat_id, "text": to_html(text), "parse_mode": ParseMode.HTML,
                    "reply_markup": buttons})

            sent = await (self.retrying(send) if retry else send())
            sent_id = sent.get("message_id") if isinstance(sent, dict) else None
            if last and sent_id is not None:
                self._offered(chat_id, reply, sent_id, chunk)
        for document in reply.documents:

            async def upload(doc: Any = document) -> Any:
                return await bot.send_document(
                    chat_id, InputFile(doc.data, filename=doc.filename), filename=doc.filename,
                    caption=to_html(caption) if caption else None,
                    parse_mode=ParseMode.HTML if caption else None,
                    reply_markup=markup if caption else None)

            sent = await (self.retrying(upload) if retry else upload())
            if caption:
                sent_id = getattr(sent, "message_id", None)
        return sent_id

    def _offered(self, chat_id: int, reply: Reply, message_id: int, text: str) -> None:
        """Remember the message (id, text) that offers the reply's buttons (`question`)."""
        for action in reply.actions:
            self._questions[(chat_id, typed(action.command))] = (message_id, text)
        while len(self._questions) > QUESTIONS_KEEP:
            self._questions.popitem(last=False)

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Call the Bot API; wait out flood control and outages a few times, then give up."""
        delay = self.settings.retry_delay
        for _ in range(self.settings.send_attempts - 1):
            try:
                return await call()
            except RetryAfter as error:
                wait = retry_seconds(error) + 0.1
            except NetworkError as error:
                if isinstance(error, BadRequest):
                    raise
                wait, delay = delay, min(delay * 2, 16 * self.settings.retry_delay)
            if self.stopping.is_set():
                raise DeliveryFailed("stopping")
            log.info("Bot API busy or unreachable, retrying in %.1f s", wait)
            await asyncio.sleep(wait)
        try:
            return await call()
        except (RetryAfter, NetworkError) as error:
            if isinstance(error, BadRequest):
                raise
            raise DeliveryFailed(str(error)) from error

    async def settle(self, bot: Any, chat_id: int, message_id: int, text: str,
                      answer: str) -> None:
        """The question is answered: it says so now, instead of "Noch ist nichts gebucht"; where
        Telegram refuses the edit, at least its buttons go."""
        settled = settled_text(text, answer)
        if not (len(split_text(settled)) == 1 and await self.edit(bot, chat_id, message_id,
                                                                   settled)):
            await self.edit(bot, chat_id, message_id, None, remove_buttons=True)

    async def replace(self, bot: Any, chat_id: int, message_id: int, reply: Reply) -> bool:
        """Put a reply into an earlier message of the bot, if it fits one message and has no
        files; False if it could not be done (then it is sent as a new message)."""
        chunks = split_text(reply.text)
        if len(chunks) != 1 or reply.documents:
            return False
        return await self.edit(bot, chat_id, message_id, chunks[0],
                                markup=keyboard(reply.actions, self.buttons))

    async def edit(self, bot: Any, chat_id: int, message_id: int, text: str | None,
                    markup: Any = None, *, remove_buttons: bool = False) -> bool:
        """editMessageText (or only the buttons away); False where Telegram refuses."""
        try:
            if text is None:
                await self.retrying(lambda: post(bot, "editMessageReplyMarkup", {
                    "chat_id": chat_id, "message_id": message_id}))
            else:
                await self.retrying(lambda: post(bot, "editMessageText", {
                    "chat_id": chat_id, "message_id": message_id, "text": to_html(text),
                    "parse_mode": ParseMode.HTML, "reply_markup": markup}))
        except BadRequest as error:
            log.info("could not edit message %s in chat %s: %s", message_id, chat_id, error)
            return False
        return True
