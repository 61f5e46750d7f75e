"""Receiving: a message, an edited message or a button press becomes an `IncomingMessage` for
the core (`core.handle_async`); its replies go back through `send.Replies`. A file sent with a
message is read as in e-mail (.txt, .docx, .odt, .pdf)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.channel import Clock
from bot.documents import (
    MAX_ATTACHMENT_BYTES,
    UNREADABLE,
    attachment_text,
    decode_bytes,
    document_kind,
    too_large_note,
    unreadable_note,
)
from bot.sandbox import read_documents
from bot.telegram.buttons import EXPIRED_BUTTON, ButtonCommands
from bot.telegram.menus import Menus
from bot.telegram.send import Replies, is_transient
from bot.telegram.settings import CHANNEL, TelegramSettings
from handlers import faults
from handlers.messages import Attachment, IncomingMessage, Reply, Sender
from storage.atomic import write_atomic

if TYPE_CHECKING:
    from handlers.service import Core

log = logging.getLogger(__name__)

ANSWERED_KEEP = 10_000  # source ids of answered updates remembered across restarts
NOT_TEXT = (
    "Bitte schreiben Sie mir eine Textnachricht (oder schicken Sie eine Textdatei). "
    "Welche Befehle es gibt, zeigt /hilfe."
)


class AnsweredUpdates:
    """Source ids of updates whose replies were all sent, kept in an append-only file so that an
    update Telegram delivers again after a restart (its offset was not confirmed yet) is not
    answered twice. Written without fsync: it survives a crash of the process; after a crash of
    the machine a reply may come twice, a booking never does (the core knows its source ids)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._known: OrderedDict[str, None] = OrderedDict()
        if path and path.exists():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                for line in path.read_text(encoding="utf-8").splitlines()[-ANSWERED_KEEP:]:
                    self._known[line] = None
        self._lines = len(self._known)

    def __contains__(self, source_id: str) -> bool:
        return source_id in self._known

    def add(self, source_id: str) -> None:
        self._known[source_id] = None
        while len(self._known) > ANSWERED_KEEP:
            self._known.popitem(last=False)
        if self._path is None:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            if self._lines >= 2 * ANSWERED_KEEP:
                write_atomic(self._path, "".join(f"{k}\n" for k in self._known).encode())
                self._lines = len(self._known)
                return
            with self._path.open("a", encoding="utf-8") as file:
                file.write(source_id.replace("\n", " ") + "\n")
            self._lines += 1
        except OSError as error:
            log.warning("could not note answered update %s: %s", source_id, error)


class Receiver:
    """The PTB handlers: messages and button presses to the core, its replies back."""

    def __init__(self, core: Core, settings: TelegramSettings, now: Clock, replies: Replies,
                 menus: Menus, wake: Callable[[], None], data_dir: Path | None = None) -> None:
        self.core = core
        self.settings = settings
        self.now = now
        self.replies = replies
        self.buttons: ButtonCommands = replies.buttons
        self.menus = menus
        self.wake = wake  # the outbox: deliver now what a message made
        self.answered = AnsweredUpdates(data_dir / "telegram" / "answered.log" if data_dir
                                        else None)
        self.errors: dict[int, BaseException] = {}  # what failed an update being processed
        # (chat, message id of a user's message) -> the bot's last answer to it and the
        # application it named, so that the answer to an edited message replaces the old one
        # and an edited sketch changes its application instead of making a second one
        self._answers: OrderedDict[tuple[int, int], tuple[int, str | None]] = OrderedDict()

    def _offered_in(self, answered: Message | None) -> tuple[str, ...]:
        """The commands of the buttons of the bot's message this one answers (a Telegram
        reply): the context the core reads an answer like "Zusage" in."""
        markup = answered.reply_markup if answered is not None else None
        if markup is None:
            return ()
        commands = (self.buttons.command_for(button.callback_data)
                    for row in markup.inline_keyboard for button in row
                    if isinstance(button.callback_data, str))
        return tuple(dict.fromkeys(c for c in commands if c))[:8]

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A user wrote: hand the text (and a file's text) to the core, send back its replies.

        An edited message (a typo corrected in /beschluss) is a new message for the core; its
        answer replaces the bot's answer to the first version, where the bot still knows it."""
        message = update.effective_message
        user = update.effective_user
        source_id = f"telegram:{update.update_id}"
        if message is None or user is None or source_id in self.answered:
            return
        chat_id = message.chat_id
        sender = Sender(CHANNEL, str(chat_id), user.full_name, verified=True)
        text = message.text or message.caption or ""
        await faults.hang(text)
        faults.check("parse", text)
        attachments, note = await self._attachments(message)
        if note:
            await self.replies.send_reply(context.bot, chat_id, Reply(note))
        key = (chat_id, message.message_id)
        earlier, number = (self._answers.get(key, (None, None)) if update.edited_message
                           else (None, None))
        incoming = IncomingMessage(
            sender=sender,
            text=text,
            source_id=source_id,
            received_at=self.now(),
            attachments=attachments,
            refers_to=self._offered_in(message.reply_to_message) + ((number,) if number else ()),
        )
        outcome = await self.core.handle_async(incoming)
        faults.check("compose", text)
        question = self.replies.question(chat_id, text)
        if outcome.accepted and outcome.settles and question is not None:
            await self.replies.settle(context.bot, chat_id, *question, outcome.settles)
        last = None
        for index, reply in enumerate(outcome.replies):
            faults.check("send", text)
            if earlier is not None and index == 0 and await self.replies.replace(
                    context.bot, chat_id, earlier, reply):
                last = earlier
                continue
            last = await self.replies.send_reply(context.bot, chat_id, reply) or last
        if earlier is not None and last != earlier:
            await self.replies.edit(context.bot, chat_id, earlier, None, remove_buttons=True)
        if last is not None:
            self._answers.pop(key, None)
            # the application a sketch made or changed; not one a command only named
            # ("/zurueckziehen ADE-2026-001" edited into a new sketch is a new application)
            command = text.lstrip()[:8].lower()
            made = outcome.application_number if (
                not command.startswith("/") or command.startswith("/antrag")) else None
            self._answers[key] = (last, made or number)
            while len(self._answers) > ANSWERED_KEEP:
                self._answers.popitem(last=False)
        self.answered.add(source_id)
        if outcome.notifications:
            self.wake()
        await self.menus.after(context.bot, sender, recheck=text.lstrip().startswith("/start"))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button tap is the same as the user typing the button's command."""
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message else query.from_user.id
        with contextlib.suppress(BadRequest):
            await self.replies.retrying(lambda: query.answer())
        command = self.buttons.command_for(query.data or "")
        if not command:
            await self.replies.send_reply(context.bot, chat_id, Reply(EXPIRED_BUTTON))
            return
        source_id = f"telegram:cb:{query.id}"
        if source_id in self.answered:
            return
        incoming = IncomingMessage(
            sender=Sender(CHANNEL, str(chat_id), query.from_user.full_name, verified=True),
            text=command,
            source_id=source_id,
            received_at=self.now(),
        )
        outcome = await self.core.handle_async(incoming)
        question = query.message
        if outcome.accepted and outcome.settles and question is not None:
            text = getattr(question, "text", None) or getattr(question, "caption", None) or ""
            await self.replies.settle(context.bot, chat_id, question.message_id, text,
                                      outcome.settles)
        for reply in outcome.replies:
            await self.replies.send_reply(context.bot, chat_id, reply)
        self.answered.add(source_id)
        if outcome.notifications:
            self.wake()

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice: say politely what the bot understands."""
        if update.effective_chat:
            await self.replies.send_reply(context.bot, update.effective_chat.id, Reply(NOT_TEXT))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Note the error of an update: it is tried again (`updates.Updates.handle_update`)."""
        error = context.error
        if isinstance(update, Update) and error is not None:
            self.errors[update.update_id] = error
            if is_transient(error):
                log.warning("update %s not answered yet (%s); it will be handled again",
                            update.update_id, error)
            else:
                log.error("error while handling update %s", update.update_id, exc_info=error)
            return
        log.error("error outside an update (%s)", type(update).__name__, exc_info=error)

    async def _attachments(self, message: Any) -> tuple[tuple[Attachment, ...], str | None]:
        """The file sent with a message, read as in e-mail (.txt, .docx, .odt, .pdf), and a
        note for the sender if it could not be read."""
        document = message.document
        if document is None:
            return (), None
        filename = document.file_name or "Datei"
        content_type = document.mime_type or "application/octet-stream"
        kind = document_kind(filename, content_type) or (
            ".txt" if content_type.startswith("text/") else "")
        unread = (Attachment(filename, content_type, ""),)
        if kind in UNREADABLE:
            return unread, unreadable_note(filename, "als Text")
        if not kind:
            return unread, None
        if (document.file_size or 0) > MAX_ATTACHMENT_BYTES:
            return unread, too_large_note(filename, document.file_size, MAX_ATTACHMENT_BYTES)
        file = await self.replies.retrying(document.get_file)
        data = bytes(await self.replies.retrying(file.download_as_bytearray))
        if kind == ".txt":  # made plain and cut like any document
            return (Attachment(filename, content_type, attachment_text(decode_bytes(data))),), None
        # in the sandbox, within the time and memory budget ([security], bot.sandbox)
        [(text, note)] = await asyncio.to_thread(read_documents, [(kind, data, filename)],
                                                 self.settings.budget)
        if text is None:
            return unread, note
        return (Attachment(filename, content_type, attachment_text(text)),), None
