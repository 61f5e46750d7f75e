"""The Telegram channel: secretaries and county representatives work from their phones.

It only translates. A Telegram message or button press becomes an `IncomingMessage` for the core
(`core.handle_async`); the core's plain-text replies go back HTML-escaped, split below Telegram's
length limit, with the core's `Action`s as inline buttons. Notifications wait in the core's outbox
until a repeating job has delivered them; R9 reminders are due when the core says so, a job asks
it every minute. Nothing here knows a rule or a booking.

Delivery is at least once, never lost: in polling mode an update is confirmed to Telegram (the
next `getUpdates` offset) only after it was handled and every reply was sent; if sending failed
it is fetched again, and the core, seeing its source id a second time, returns the stored replies
without booking anything twice. The webhook answers 200 only after the same.

Setting up (for the README): in Telegram, talk to @BotFather, send /newbot, choose a name and a
username ending in "bot"; BotFather answers with the token. Start the bot with the token in the
environment, `TELEGRAM_BOT_TOKEN=123456:ABC… sozialbot run --config sozialbot.toml`, and put
`username = "<the bot's username>"` under [telegram]. For each person,
`sozialbot invite <person id>` prints a one-time code and the link `https://t.me/<bot>?start=<code>`
(valid 7 days); the person opens the link on the phone and taps Start. `sozialbot revoke <id>`
unlinks. Anyone not linked is treated as an applicant.

Run by `sozialbot run` when TELEGRAM_BOT_TOKEN is set (`run_telegram`); settings in the config:

    [telegram]
    mode = "polling"            # or "webhook"
    base_url = "http://127.0.0.1:8081/bot"   # a self-hosted Bot API server (optional)
    webhook_listen = "127.0.0.1"
    webhook_port = 8443
    webhook_url = "https://bot.example.org/telegram"   # public URL the reverse proxy forwards
    username = "lk_sozial_bot"  # for invite links; otherwise asked with getMe
    # the webhook's secret token comes from TELEGRAM_WEBHOOK_SECRET
    max_attempts = 3            # an update failing this often (Telegram reachable) is confirmed,
    attempt_seconds = 2         # logged, its sender told, the administration notified
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import health
from bot.attempts import Attempts
from bot.chunks import split_text as split_chunks
from bot.documents import UNREADABLE, document_kind
from bot.mail_parse import MAX_ATTACHMENT_BYTES, attachment_text, decode_bytes, format_size
from bot.sandbox import Budget, read_documents
from bot.telegram.request import AiohttpRequest
from handlers import faults
from handlers.messages import Action, Attachment, IncomingMessage, Outcome, Reply, Sender
from storage.atomic import write_atomic
from storage.text import storable

# python-telegram-bot 22 warns on every 429 it receives that `RetryAfter.retry_after` will become
# a timedelta, unless one opts in now. Only `_retry_seconds` reads it, and takes either type.
os.environ.setdefault("PTB_TIMEDELTA", "1")

if TYPE_CHECKING:
    from handlers.service import Core
    from rules.county import Config

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
WEBHOOK_WITHOUT_SECRET = (
    f"Webhook-Betrieb ohne Geheimnis: die Umgebungsvariable {WEBHOOK_SECRET_ENV} ist nicht "
    "gesetzt. Ohne sie könnte jeder, der die Webhook-Adresse kennt, dem Bot Nachrichten im Namen "
    "beliebiger Telegram-Nutzer unterschieben. Bitte setzen Sie sie (z. B. "
    "TELEGRAM_WEBHOOK_SECRET=$(openssl rand -hex 32)) oder nutzen Sie mode = \"polling\".")


def start_refusal(config: Config) -> str | None:
    """Why `sozialbot run` must not start at all (German), or None: a webhook without its
    secret is refused outright, not merely switched off."""
    settings = TelegramSettings.from_config(config)
    if (settings.enabled and settings.mode == "webhook" and os.environ.get(TOKEN_ENV, "").strip()
            and not settings.webhook_secret):
        return WEBHOOK_WITHOUT_SECRET
    return None
CHANNEL = "telegram"
TEXT_LIMIT = 4000  # Telegram allows 4096; a margin for clients that count differently
CAPTION_LIMIT = 1000  # Telegram allows 1024 for a file's caption
CALLBACK_DATA_LIMIT = 64
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
ANSWERED_KEEP = 10_000  # source ids of answered updates remembered across restarts

NOT_TEXT = (
    "Bitte schreiben Sie mir eine Textnachricht (oder schicken Sie eine Textdatei). "
    "Welche Befehle es gibt, zeigt /hilfe."
)
EXPIRED_BUTTON = "Diese Schaltfläche ist nicht mehr gültig. Bitte tippen Sie den Befehl."
NOT_PROCESSED = (
    "Entschuldigung, Ihre Nachricht konnte nicht vollständig verarbeitet werden. Die "
    "Kreisverwaltung ist informiert und kümmert sich darum; Sie müssen nichts weiter tun."
)

T = TypeVar("T")
Clock = Callable[[], datetime]


# -- settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TelegramSettings:
    """The `[telegram]` table of the config, with defaults that work against api.telegram.org."""

    enabled: bool = True
    mode: str = "polling"
    base_url: str | None = None
    base_file_url: str | None = None
    poll_timeout: float = 10.0
    delivery_interval: float = 3.0
    reminder_interval: float = 60.0
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_url: str | None = None
    webhook_secret: str | None = None
    overall_max_rate: float = 30.0
    group_max_rate: float = 20.0
    max_retries: int = 3
    send_attempts: int = 6
    retry_delay: float = 0.5
    username: str | None = None
    max_attempts: int = 3  # an update that fails this often is confirmed and set aside
    attempt_seconds: float = 2.0  # pause before its second attempt, doubling
    attempt_max_seconds: float = 60.0
    update_seconds: float = 60.0  # one update taking longer has failed an attempt
    budget: Budget = field(default_factory=Budget)  # to read one file (bot.sandbox)

    @classmethod
    def from_config(cls, config: Config) -> TelegramSettings:
        raw: dict[str, Any] = dict(config.raw.get("telegram", {}) or {})
        webhook = raw.get("webhook", {}) if isinstance(raw.get("webhook"), dict) else {}

        def pick(key: str, default: Any = None) -> Any:
            value = raw.get(key, webhook.get(key.removeprefix("webhook_"), default))
            return default if value in (None, "") else value

        base_url = pick("base_url")
        base_file_url = pick("base_file_url")
        if base_url and not base_file_url:
            parts = urlsplit(base_url)
            base_file_url = f"{parts.scheme}://{parts.netloc}/file/bot"
        return cls(
            budget=Budget.from_section(config.raw.get("security")),
            enabled=bool(raw.get("enabled", True)),
            mode=str(pick("mode", "polling")).lower(),
            base_url=base_url,
            base_file_url=base_file_url,
            poll_timeout=float(pick("poll_timeout", 10.0)),
            delivery_interval=float(pick("delivery_interval", 3.0)),
            reminder_interval=float(pick("reminder_interval", 60.0)),
            webhook_listen=str(pick("webhook_listen", "127.0.0.1")),
            webhook_port=int(pick("webhook_port", 8443)),
            webhook_url=pick("webhook_url"),
            webhook_secret=os.environ.get(WEBHOOK_SECRET_ENV) or None,  # secrets: env only
            overall_max_rate=float(pick("overall_max_rate", 30.0)),
            group_max_rate=float(pick("group_max_rate", 20.0)),
            max_retries=int(pick("max_retries", 3)),
            send_attempts=max(1, int(pick("send_attempts", 6))),
            retry_delay=float(pick("retry_delay", 0.5)),
            username=pick("username"),
            max_attempts=max(1, int(pick("max_attempts", 3))),
            attempt_seconds=float(pick("attempt_seconds", 2.0)),
            attempt_max_seconds=float(pick("attempt_max_seconds", 60.0)),
            update_seconds=float(pick("update_seconds", 60.0)),
        )


def telegram_status(config: Config) -> tuple[bool, str]:
    """Whether `sozialbot run` starts Telegram, and why, for the start-up log."""
    settings = TelegramSettings.from_config(config)
    if not settings.enabled:
        return False, "in der Konfiguration steht [telegram] enabled = false."
    if not os.environ.get(TOKEN_ENV, "").strip():
        return False, (
            f"die Umgebungsvariable {TOKEN_ENV} ist nicht gesetzt (den Token gibt @BotFather "
            "beim Anlegen des Bots; siehe README)."
        )
    if settings.mode not in ("polling", "webhook"):
        return False, f"[telegram] mode = {settings.mode!r} ist unbekannt (polling oder webhook)."
    if settings.mode == "webhook" and not settings.webhook_url:
        return False, "für mode = webhook fehlt [telegram] webhook_url."
    if settings.mode == "webhook" and not settings.webhook_secret:
        return False, WEBHOOK_WITHOUT_SECRET
    if settings.mode == "webhook":
        return True, (
            f"Webhook {settings.webhook_url} (lauscht auf "
            f"{settings.webhook_listen}:{settings.webhook_port})."
        )
    return True, f"Long Polling über {settings.base_url or 'api.telegram.org'}."


async def fetch_bot_username(config: Config) -> str:
    """The bot's @username from the config (`[telegram] username`) or asked with getMe."""
    settings = TelegramSettings.from_config(config)
    if settings.username:
        return settings.username.lstrip("@")
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise RuntimeError(f"{TOKEN_ENV} ist nicht gesetzt und [telegram] username fehlt.")
    from telegram import Bot

    bot = Bot(token, base_url=settings.base_url or "https://api.telegram.org/bot",
              base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot")
    async with bot:
        return bot.username


# -- rendering: core replies to Telegram --------------------------------------------------------


def _units(text: str) -> int:
    """Escaped length in UTF-16 code units, as Telegram counts."""
    escaped = html.escape(text, quote=False)
    return len(escaped) + sum(1 for char in escaped if ord(char) > 0xFFFF)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks whose escaped form fits `limit` (bot.chunks)."""
    return split_chunks(text, limit, _units)


def to_html(text: str) -> str:
    """The core's plain text as Telegram HTML: nothing a user typed ever becomes markup."""
    return html.escape(text, quote=False)


class ButtonCommands:
    """Callback data for buttons: the command itself if it fits 64 bytes, else a short key.

    Keys are a hash of the command, remembered in a small JSON file in the data directory so a
    button still works after a restart.
    """

    PREFIX = "#"

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._known: dict[str, str] = {}
        if path and path.exists():
            with contextlib.suppress(OSError, ValueError):
                self._known = dict(json.loads(path.read_text(encoding="utf-8")))

    def data_for(self, command: str) -> str:
        command = storable(command)  # the core reads it so anyway; it must encode
        if len(command.encode()) <= CALLBACK_DATA_LIMIT and not command.startswith(self.PREFIX):
            return command
        key = self.PREFIX + hashlib.sha256(command.encode()).hexdigest()[:20]
        if self._known.get(key) != command:
            self._known[key] = command
            self._save()
        return key

    def command_for(self, data: str) -> str | None:
        if data.startswith(self.PREFIX):
            return self._known.get(data)
        return data

    def _save(self) -> None:
        """Durably, before the button is sent (rare: only commands longer than 64 bytes)."""
        if self._path is None:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._path, json.dumps(self._known).encode("ascii"))
        except OSError as error:
            log.warning("could not save button commands to %s: %s", self._path, error)


def _typed(command: str) -> str:
    """A command as compared with a typed one: spaces and case do not matter."""
    return " ".join(command.split()).casefold()


def settled_text(question: str, answer: str) -> str:
    """A message whose button was answered: its last line (the question, "Noch ist nichts
    gebucht …", "Bitte sagen Sie zu oder ab.") becomes the answer; a one-line message keeps
    its line and gets the answer below."""
    lines = question.rstrip().splitlines()
    kept = lines[:-1] if len(lines) > 1 else lines
    return "\n".join([*kept, answer])


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


def keyboard(actions: Sequence[Action], buttons: ButtonCommands) -> InlineKeyboardMarkup | None:
    """The actions as inline buttons: two short ones side by side, longer ones one per row."""
    if not actions:
        return None
    cells = [InlineKeyboardButton(a.label, callback_data=buttons.data_for(a.command))
             for a in actions]
    short = all(len(a.label) <= 18 for a in actions)
    width = 2 if short else 1
    return InlineKeyboardMarkup([cells[i:i + width] for i in range(0, len(cells), width)])


# -- the command menu ---------------------------------------------------------------------------


def menu_for(role: str | None) -> list[BotCommand]:
    """The German command menu for a role (None: applicants and anyone not linked)."""
    from handlers.commands import registry

    wanted = role or "applicant"
    return [
        BotCommand(command.name, command.summary[:1].upper() + command.summary[1:])
        for command in registry().values()
        if wanted in command.roles and command.name != "start"
    ]


# -- the channel ------------------------------------------------------------------------------


def _update_text(update: Update) -> str:
    """What a person sent in an update: the text or caption, or the data of a button."""
    message = update.effective_message
    if update.callback_query is not None:
        return update.callback_query.data or ""
    return (message.text or message.caption or "") if message is not None else ""


class DeliveryFailed(NetworkError):
    """Telegram did not take a reply after several tries; the update is handled again later."""


def _is_transient(error: BaseException | None) -> bool:
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def _retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after  # a timedelta with PTB_TIMEDELTA set (above), else seconds
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    """Wires one core to one PTB Application and runs polling or the webhook."""

    def __init__(
        self,
        core: Core,
        settings: TelegramSettings,
        *,
        now: Clock,
        data_dir: Path | None = None,
    ) -> None:
        self.core = core
        self.settings = settings
        self.now = now
        # A folder of its own: the core's store treats every *.json in data_dir as a partition.
        self.buttons = ButtonCommands(data_dir / "telegram" / "buttons.json" if data_dir else None)
        self.stopping = asyncio.Event()
        self._errors: dict[int, BaseException] = {}  # what failed an update being processed
        self.attempts = Attempts(
            data_dir / "telegram" / "attempts.jsonl" if data_dir else None,
            limit=settings.max_attempts, first_pause=settings.attempt_seconds,
            max_pause=settings.attempt_max_seconds)
        self._done: OrderedDict[int, None] = OrderedDict()
        self._menus: dict[int, str | None] = {}
        self.answered = AnsweredUpdates(data_dir / "telegram" / "answered.log" if data_dir
                                        else None)
        # (chat, message id of a user's message) -> the bot's last answer to it, so that the
        # answer to an edited message replaces the old one
        self._answers: OrderedDict[tuple[int, int], int] = OrderedDict()
        # (chat, a button's command) -> (id, text) of the message that offered it, so that a
        # command typed instead of tapped settles that message too (this run only)
        self._questions: OrderedDict[tuple[int, str], tuple[int, str]] = OrderedDict()
        self._delivering = asyncio.Lock()
        self._deliver_again = False
        self.health = health.channel(CHANNEL)  # for `sozialbot status`
        self.health.queue = lambda: len(core.pending_notifications(CHANNEL))

    # -- wiring -----------------------------------------------------------------------------

    def build_application(self, token: str) -> Application:
        """The PTB Application: handlers, rate limiter, error handler, the two jobs."""
        builder = (
            ApplicationBuilder()
            .token(token)
            .updater(None)
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connections=1))
            .rate_limiter(AIORateLimiter(
                overall_max_rate=self.settings.overall_max_rate,
                group_max_rate=self.settings.group_max_rate,
                max_retries=self.settings.max_retries,
            ))
        )
        if self.settings.base_url:
            builder = builder.base_url(self.settings.base_url)
        if self.settings.base_file_url:
            builder = builder.base_file_url(self.settings.base_file_url)
        application = builder.build()
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        application.add_handler(MessageHandler(
            private & (filters.TEXT | filters.CAPTION | filters.Document.ALL), self.on_message))
        application.add_handler(MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE & filters.TEXT,
            self.on_message))
        application.add_handler(MessageHandler(private, self.on_other))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_error_handler(self.on_error)
        jobs = application.job_queue
        assert jobs is not None, "python-telegram-bot[job-queue] is required"
        jobs.run_repeating(self.deliver_job, interval=self.settings.delivery_interval, first=0.5,
                           name="telegram-delivery")
        jobs.run_repeating(self.reminder_job, interval=self.settings.reminder_interval, first=1,
                           name="telegram-reminders")
        return application

    # -- updates ----------------------------------------------------------------------------

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
            await self.send_reply(context.bot, chat_id, Reply(note))
        incoming = IncomingMessage(
            sender=sender,
            text=text,
            source_id=source_id,
            received_at=self.now(),
            attachments=attachments,
            refers_to=self._offered_in(message.reply_to_message),
        )
        outcome = await self._handle(incoming)
        faults.check("compose", text)
        question = self._questions.pop((chat_id, _typed(text)), None)
        if outcome.accepted and outcome.settles and question is not None:
            await self._settle(context.bot, chat_id, *question, outcome.settles)
        key = (chat_id, message.message_id)
        earlier = self._answers.pop(key, None) if update.edited_message else None
        last = None
        for index, reply in enumerate(outcome.replies):
            faults.check("send", text)
            if earlier is not None and index == 0 and await self._replace(
                    context.bot, chat_id, earlier, reply):
                last = earlier
                continue
            last = await self.send_reply(context.bot, chat_id, reply) or last
        if earlier is not None and last != earlier:
            await self._edit(context.bot, chat_id, earlier, None, remove_buttons=True)
        if last is not None:
            self._answers[key] = last
            while len(self._answers) > ANSWERED_KEEP:
                self._answers.popitem(last=False)
        self.answered.add(source_id)
        self._after(context, outcome)
        await self._menu_after(context.bot, sender, recheck=text.lstrip().startswith("/start"))

    async def _settle(self, bot: Any, chat_id: int, message_id: int, text: str,
                      answer: str) -> None:
        """The question is answered: it says so now, instead of "Noch ist nichts gebucht"; where
        Telegram refuses the edit, at least its buttons go."""
        settled = settled_text(text, answer)
        if not (len(split_text(settled)) == 1 and await self._edit(bot, chat_id, message_id,
                                                                   settled)):
            await self._edit(bot, chat_id, message_id, None, remove_buttons=True)

    async def _replace(self, bot: Any, chat_id: int, message_id: int, reply: Reply) -> bool:
        """Put a reply into an earlier message of the bot, if it fits one message and has no
        files; False if it could not be done (then it is sent as a new message)."""
        chunks = split_text(reply.text)
        if len(chunks) != 1 or reply.documents:
            return False
        return await self._edit(bot, chat_id, message_id, chunks[0],
                                markup=keyboard(reply.actions, self.buttons))

    async def _edit(self, bot: Any, chat_id: int, message_id: int, text: str | None,
                    markup: Any = None, *, remove_buttons: bool = False) -> bool:
        """editMessageText (or only the buttons away); False where Telegram refuses."""
        try:
            if text is None:
                await self._retrying(lambda: bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None))
            else:
                await self._retrying(lambda: bot.edit_message_text(
                    to_html(text), chat_id=chat_id, message_id=message_id,
                    parse_mode=ParseMode.HTML, reply_markup=markup))
        except BadRequest as error:
            log.info("could not edit message %s in chat %s: %s", message_id, chat_id, error)
            return False
        return True

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button tap is the same as the user typing the button's command."""
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message else query.from_user.id
        with contextlib.suppress(BadRequest):
            await self._retrying(lambda: query.answer())
        command = self.buttons.command_for(query.data or "")
        if not command:
            await self.send_reply(context.bot, chat_id, Reply(EXPIRED_BUTTON))
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
        outcome = await self._handle(incoming)
        question = query.message
        if outcome.accepted and outcome.settles and question is not None:
            text = getattr(question, "text", None) or getattr(question, "caption", None) or ""
            await self._settle(context.bot, chat_id, question.message_id, text, outcome.settles)
        for reply in outcome.replies:
            await self.send_reply(context.bot, chat_id, reply)
        self.answered.add(source_id)
        self._after(context, outcome)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice: say politely what the bot understands."""
        if update.effective_chat:
            await self.send_reply(context.bot, update.effective_chat.id, Reply(NOT_TEXT))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Note the error of an update: it is tried again (`handle_update`)."""
        error = context.error
        if isinstance(update, Update) and error is not None:
            self._errors[update.update_id] = error
            if _is_transient(error):
                log.warning("update %s not answered yet (%s); it will be handled again",
                            update.update_id, error)
            else:
                log.error("error while handling update %s", update.update_id, exc_info=error)
            return
        log.error("error outside an update (%s)", type(update).__name__, exc_info=error)

    async def _handle(self, message: IncomingMessage) -> Outcome:
        return await self.core.handle_async(message)

    def _after(self, context: ContextTypes.DEFAULT_TYPE, outcome: Outcome) -> None:
        if outcome.notifications and context.job_queue:
            context.job_queue.run_once(self.deliver_job, 0)

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
            return unread, (f"Die Datei „{filename}“ kann ich nicht lesen. Bitte senden Sie die "
                            "Skizze als Text oder als .docx, .odt, .pdf oder .txt.")
        if not kind:
            return unread, None
        if (document.file_size or 0) > MAX_ATTACHMENT_BYTES:
            return unread, (f"Die Datei „{filename}“ ist zu groß (höchstens "
                            f"{format_size(MAX_ATTACHMENT_BYTES)}); ich habe sie nicht gelesen.")
        file = await self._retrying(document.get_file)
        data = bytes(await self._retrying(file.download_as_bytearray))
        if kind == ".txt":  # made plain and cut like any document
            return (Attachment(filename, content_type, attachment_text(decode_bytes(data))),), None
        # in the sandbox, within the time and memory budget ([security], bot.sandbox)
        [(text, note)] = await asyncio.to_thread(read_documents, [(kind, data, filename)],
                                                 self.settings.budget)
        if text is None:
            return unread, note
        return (Attachment(filename, content_type, attachment_text(text)),), None

    # -- sending ----------------------------------------------------------------------------

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
        if len(reply.documents) == 1 and len(chunks) == 1 and _units(chunks[0]) <= CAPTION_LIMIT:
            caption, chunks = chunks[0], []
        sent_id = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1

            async def send(text: str = chunk, buttons: Any = markup if last else None) -> Any:
                return await bot.send_message(chat_id, to_html(text), parse_mode=ParseMode.HTML,
                                              reply_markup=buttons)

            sent = await (self._retrying(send) if retry else send())
            sent_id = getattr(sent, "message_id", None)
            if last and sent_id is not None:
                for action in reply.actions:
                    self._questions[(chat_id, _typed(action.command))] = (sent_id, chunk)
                while len(self._questions) > ANSWERED_KEEP:
                    self._questions.popitem(last=False)
        for document in reply.documents:

            async def upload(doc: Any = document) -> Any:
                return await bot.send_document(
                    chat_id, InputFile(doc.data, filename=doc.filename), filename=doc.filename,
                    caption=to_html(caption) if caption else None,
                    parse_mode=ParseMode.HTML if caption else None,
                    reply_markup=markup if caption else None)

            sent = await (self._retrying(upload) if retry else upload())
            if caption:
                sent_id = getattr(sent, "message_id", None)
        return sent_id

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Call the Bot API; wait out flood control and outages a few times, then give up."""
        delay = self.settings.retry_delay
        for _ in range(self.settings.send_attempts - 1):
            try:
                return await call()
            except RetryAfter as error:
                wait = _retry_seconds(error) + 0.1
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

    # -- notifications and reminders --------------------------------------------------------

    async def deliver_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send what waits in the core's outbox for Telegram; one runner at a time."""
        if self._delivering.locked():
            self._deliver_again = True
            return
        async with self._delivering:
            self._deliver_again = True
            while self._deliver_again:
                self._deliver_again = False
                await self.deliver_pending(context.bot)

    async def deliver_pending(self, bot: Any) -> int:
        """One pass over the outbox; returns how many notifications went out."""
        now = self.now()
        pending = await asyncio.to_thread(self.core.pending_notifications, CHANNEL, now)
        unreachable = [p.outbox_id for p in pending if p.address is None]
        if unreachable:
            await asyncio.to_thread(self.core.mark_delivered, unreachable, CHANNEL, now)
        sent = 0
        for outbox_id, notification, address in pending:
            if address is None:
                continue
            try:
                await self.send_reply(bot, int(address),
                                      Reply(notification.text, notification.actions), retry=False)
                sent += 1
            except (Forbidden, BadRequest, ValueError) as error:
                # blocked the bot, deleted the chat, or no chat id: retrying cannot help
                log.warning("notification %s to %s not deliverable on Telegram: %s",
                            outbox_id, notification.recipient, error)
            except (RetryAfter, NetworkError) as error:
                log.info("Bot API unavailable (%s); outbox retried in %.0f s", error,
                         self.settings.delivery_interval)
                return sent
            except Exception as error:  # one that cannot be sent holds up no other
                key = f"notification:{outbox_id}"
                failure = await asyncio.to_thread(self.attempts.failed, key, error)
                if failure.count < self.attempts.limit:
                    log.warning("%s: %s: %s (attempt %d)", key, type(error).__name__, error,
                                failure.count)
                    continue
                log.error("%s given up after %d attempts", key, failure.count, exc_info=error)
                self.attempts.forget(key)
            # One mark per message sent: a crash right after it repeats at most this one.
            await asyncio.to_thread(self.core.mark_delivered, [outbox_id], CHANNEL, now)
        return sent

    async def reminder_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Let the core post the R9 reminders due now; they leave through the outbox."""
        made = await asyncio.to_thread(self.core.run_due_reminders, self.now())
        if made and context.job_queue:
            context.job_queue.run_once(self.deliver_job, 0)

    # -- menus ------------------------------------------------------------------------------

    async def setup_menus(self, bot: Any) -> None:
        """The applicants' menu for everyone, and each linked person's menu in their chat."""
        try:
            await self._retrying(lambda: bot.set_my_commands(
                menu_for(None), scope=BotCommandScopeDefault()))
        except TelegramError as error:
            log.warning("could not set the command menu: %s", error)
        config = getattr(self.core, "config", None)
        for person in getattr(config, "people", ()):
            addresses = await asyncio.to_thread(self.core.recipient_addresses, person.id)
            chat = addresses.get(CHANNEL)
            if chat and chat.lstrip("-").isdigit():
                await self._set_menu(bot, int(chat), person.role)

    async def _menu_after(self, bot: Any, sender: Sender, *, recheck: bool) -> None:
        """Give a chat the menu of its role, the first time it writes and after /start."""
        chat_id = int(sender.address)
        if chat_id in self._menus and not recheck:
            return
        person = await asyncio.to_thread(self.core.person_for, sender)
        await self._set_menu(bot, chat_id, person.role if person else None)

    async def _set_menu(self, bot: Any, chat_id: int, role: str | None) -> None:
        """Set a chat's menu once per run; an unlinked chat loses a menu left from a revoked
        link (revoking happens while the bot is stopped, so this run cannot know)."""
        if chat_id in self._menus and self._menus[chat_id] == role:
            return
        self._menus[chat_id] = role
        try:
            if role is None:
                await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
            else:
                await bot.set_my_commands(menu_for(role), scope=BotCommandScopeChat(chat_id))
        except TelegramError as error:
            self._menus.pop(chat_id, None)
            log.warning("could not set the command menu of chat %s: %s", chat_id, error)

    # -- receiving: polling and webhook -----------------------------------------------------

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
        error: BaseException | None
        try:
            async with asyncio.timeout(self.settings.update_seconds):
                await application.process_update(update)
            error = self._errors.pop(update.update_id, None)
            if error is None:
                faults.check("record", _update_text(update))
        except Exception as raised:
            error = raised
        if error is None:
            self._done[update.update_id] = None
            while len(self._done) > 10_000:
                self._done.popitem(last=False)
            self.attempts.forget(key)
            self.health.handled()
            return True
        if _is_transient(error) and not await self._reachable(application.bot):
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
        return await self._give_up(application.bot, update, key)

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
                    await self.send_reply(bot, chat.id, Reply(NOT_PROCESSED), retry=False)
        self._done[update.update_id] = None
        self.attempts.forget(key)
        return True

    async def _handle_batch(self, application: Application, updates: Sequence[Update]) -> int:
        """Handle updates, each chat's in order and chats side by side; the offset to confirm
        (the first update not answered; later ones already answered are skipped next time).
        An update that failed does not hold up the later ones of its chat: they are handled
        meanwhile, as a mail that failed does not hold up its sender's next mail.

        Side by side, one chat's fsync or Bot API round trip no longer holds up the others, and
        their commits share one fsync (see storage/journal.py)."""
        by_chat: dict[int | None, list[Update]] = {}
        for update in updates:
            chat = update.effective_chat.id if update.effective_chat else None
            by_chat.setdefault(chat, []).append(update)

        async def in_order(chat_updates: list[Update]) -> list[int]:
            return [update.update_id for update in chat_updates
                    if not await self.handle_update(application, update)]

        failed = [u for ids in await asyncio.gather(*map(in_order, by_chat.values()))
                  for u in ids]
        return min(failed) if failed else updates[-1].update_id + 1

    async def poll(self, application: Application, stop: asyncio.Event) -> None:
        """Long polling that confirms an update only after it was handled and answered."""
        offset: int | None = None
        pause = _Backoff()
        bot = application.bot
        while not stop.is_set():
            fetch = asyncio.ensure_future(bot.get_updates(
                offset=offset, timeout=self.settings.poll_timeout,
                allowed_updates=list(ALLOWED_UPDATES)))
            if not await _first_or_stop(fetch, stop):
                break
            try:
                updates = fetch.result()
                self.health.up()
            except InvalidToken:
                raise
            except TelegramError as error:
                self.health.down(f"getUpdates: {error}")
                log.warning("getUpdates failed: %s", error)
                await _sleep_or_stop(pause.next(), stop)
                continue
            if not updates:
                pause.reset()
                continue
            next_offset = await self._handle_batch(application, updates)
            if next_offset <= updates[-1].update_id:
                await _sleep_or_stop(pause.next(), stop)
            else:
                pause.reset()
            offset = next_offset
        if offset is not None:
            with contextlib.suppress(TelegramError, TimeoutError):
                async with asyncio.timeout(5):
                    await bot.get_updates(offset=offset, timeout=0, limit=1)

    async def serve_webhook(self, application: Application, stop: asyncio.Event) -> None:
        """A small HTTP server for Telegram's webhook; 200 only once an update is answered."""
        import tornado.httpserver
        import tornado.web

        channel = self
        secret = self.settings.webhook_secret

        if not secret:  # run_telegram refuses this already; never serve an open webhook
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
        server = tornado.httpserver.HTTPServer(tornado.web.Application([(path, WebhookHandler)]))
        server.listen(self.settings.webhook_port, self.settings.webhook_listen)
        try:
            await self._retrying(lambda: application.bot.set_webhook(
                url, allowed_updates=list(ALLOWED_UPDATES), secret_token=secret))
            log.info("Telegram webhook at %s (listening on %s:%s)", url,
                     self.settings.webhook_listen, self.settings.webhook_port)
            await stop.wait()
        finally:
            server.stop()
            await server.close_all_connections()


class _Backoff:
    """0.5 s, 1 s, 2 s … up to 30 s between tries while Telegram is unavailable."""

    def __init__(self) -> None:
        self._delay = 0.0

    def next(self) -> float:
        self._delay = min(max(self._delay * 2, 0.5), 30.0)
        return self._delay

    def reset(self) -> None:
        self._delay = 0.0


async def _first_or_stop(task: asyncio.Future, stop: asyncio.Event) -> bool:
    """Wait for `task` or `stop`; False (and the task cancelled) if stop came first."""
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TelegramError):
        await task
    return False


async def _sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


# -- the entry point of `sozialbot run` ---------------------------------------------------------


async def run_telegram(
    core: Core,
    config: Config,
    stop: asyncio.Event,
    *,
    now: Clock | None = None,
) -> None:
    """Run the Telegram channel until `stop` is set; never takes the other channels down."""
    enabled, reason = telegram_status(config)
    if not enabled:
        log.warning("Telegram ist aus: %s", reason)
        return
    for noisy in ("httpx", "apscheduler"):
        # httpx logs every request URL, and the URL holds the token.
        if logging.getLogger(noisy).level == logging.NOTSET:
            logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = TelegramSettings.from_config(config)
    zone = ZoneInfo(getattr(config, "timezone", "Europe/Berlin"))
    channel = TelegramChannel(core, settings, now=now or (lambda: datetime.now(zone)),
                              data_dir=getattr(config, "data_dir", None))
    channel.stopping = stop
    application = channel.build_application(os.environ[TOKEN_ENV].strip())
    pause = _Backoff()
    while not stop.is_set():
        try:
            await application.initialize()
            break
        except InvalidToken:
            channel.health.down("Telegram lehnt den Token ab")
            log.error("Telegram lehnt den Token ab (%s): Telegram bleibt aus.", TOKEN_ENV)
            return
        except TelegramError as error:
            channel.health.down(f"nicht erreichbar: {error}")
            log.warning("Telegram nicht erreichbar (%s), neuer Versuch", error)
            await _sleep_or_stop(pause.next(), stop)
    if stop.is_set():
        with contextlib.suppress(Exception):
            await application.shutdown()
        return
    log.info("Telegram-Bot @%s läuft (%s).", application.bot.username, settings.mode)
    try:
        await application.start()
        await channel.setup_menus(application.bot)
        if settings.mode == "webhook":
            channel.health.up()
            await channel.serve_webhook(application, stop)
        else:
            with contextlib.suppress(TelegramError):
                await channel._retrying(lambda: application.bot.delete_webhook())
            await channel.poll(application, stop)
    except InvalidToken:
        channel.health.down("Telegram lehnt den Token ab")
        log.error("Telegram lehnt den Token ab (%s): Telegram bleibt aus.", TOKEN_ENV)
    finally:
        if application.running:
            await application.stop()
        await application.shutdown()
