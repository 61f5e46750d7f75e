"""A Telegram Bot API emulator on 127.0.0.1 for tests and benchmarks.

It speaks the HTTP interface python-telegram-bot uses (POST `/bot<token>/<method>`, form-encoded
or multipart, JSON answers `{"ok": ..., "result": ...}`), keeps updates until the bot confirms
them with a higher `offset` (as Telegram does, so an update fetched by a bot that then crashes is
delivered again), can deliver them to a webhook instead, and records everything the bot sends.

Tests play the users: `send_text(user_id, text)` and `press_button(user_id, message_id, data)`
queue updates; `await wait_for_message(chat_id, predicate)` returns what the bot answered.
`fail_next(method, times, status=429|500)` and `drop_next(method, times)` inject the errors the
real Bot API produces (flood control, server errors, dropped connections).

Checks are as strict as Telegram's where a bot can get them wrong: HTML must be well formed
(`<`, `>` and `&` escaped), a text at most 4096 characters, callback data at most 64 bytes,
command menus in Telegram's syntax.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import ClientSession, ClientTimeout, web

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def parse_telegram_html(text: str) -> str:
    """The visible text of a Telegram-HTML message; ApiError(400) where Telegram would refuse."""
    visible: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if not match or match.group(2).lower() not in _ALLOWED_TAGS:
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: unsupported start tag at byte offset "
                    f"{len(text[:pos].encode())}",
                )
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if not stack or stack[-1] != name:
                    raise ApiError(
                        400, f"Bad Request: can't parse entities: unexpected end tag {name}"
                    )
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if not match:
                raise ApiError(
                    400,
                    "Bad Request: can't parse entities: unsupported entity at byte offset "
                    f"{len(text[:pos].encode())}",
                )
            visible.append(html.unescape(match.group(0)))
            pos = match.end()
        elif char == ">":
            raise ApiError(400, "Bad Request: can't parse entities: unexpected '>'")
        else:
            visible.append(char)
            pos += 1
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed tag {stack[-1]}")
    return "".join(visible)


@dataclass(frozen=True)
class Button:
    """One inline keyboard button as the bot sent it."""

    label: str
    data: str | None
    url: str | None = None


@dataclass(frozen=True)
class SentDocument:
    """A file the bot uploaded with sendDocument."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class SentMessage:
    """A message the bot sent (and may have edited since)."""

    message_id: int
    chat_id: int
    method: str
    text: str
    raw_text: str
    parse_mode: str | None
    reply_markup: dict | None
    document: SentDocument | None = None
    edits: int = 0
    date: int = 0

    @property
    def buttons(self) -> list[Button]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            Button(b.get("text", ""), b.get("callback_data"), b.get("url"))
            for row in rows
            for b in row
        ]

    def button(self, label: str) -> Button:
        """The button with this label; AssertionError listing the labels if there is none."""
        for candidate in self.buttons:
            if candidate.label == label:
                return candidate
        raise AssertionError(f"no button {label!r} in {[b.label for b in self.buttons]}")


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, with the status the emulator answered."""

    method: str
    params: dict[str, Any]
    status: int
    at: float


@dataclass
class _Failure:
    status: int
    retry_after: int | None = None
    description: str | None = None
    drop: bool = False


@dataclass
class _Chat:
    messages: list[SentMessage] = field(default_factory=list)
    consumed: set[int] = field(default_factory=set)


MessagePredicate = Callable[[SentMessage], bool] | str | None


class BotApiEmulator:
    """The Bot API for one bot, on 127.0.0.1 at a random port."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        bot_username: str = "sozial_test_bot",
        bot_name: str = "Sozialbot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.clock = clock
        self.port = 0
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands_by_scope: dict[tuple[str, int | None, str], list[tuple[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self.webhook: dict[str, Any] = {}
        self.confirmed_offset = 0
        self.polls_started = 0
        self._pending: list[dict[str, Any]] = []
        self._queued: dict[int, dict[str, Any]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._changed = asyncio.Condition()
        self._poll_generation = 0
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task | None = None
        self._file_store: dict[str, tuple[str, str, bytes]] = {}

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.*}", self._handle_file)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What `ApplicationBuilder().base_url(...)` takes (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- what tests do as users -----------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, **extra: Any) -> dict[str, Any]:
        """The Telegram user object for this id (created on first use)."""
        known = self._users.get(user_id)
        if known is None or first_name:
            known = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or (known or {}).get("first_name") or f"User{user_id}",
                "language_code": "de",
                **extra,
            }
            self._users[user_id] = known
        return known

    def _private_chat(self, user_id: int) -> dict[str, Any]:
        user = self.user(user_id)
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def send_text(self, user_id: int, text: str, *, first_name: str | None = None,
                  reply_to: SentMessage | None = None) -> int:
        """A user writes `text` to the bot in their private chat (with `reply_to`: as a reply
        to one of the bot's messages); returns the update id."""
        user = self.user(user_id, first_name)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(self.clock()),
            "chat": self._private_chat(user_id),
            "from": user,
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(reply_to)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._queue({"message": message})

    def send_group_text(self, chat_id: int, user_id: int, text: str) -> int:
        """A user writes in a group the bot is a member of."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(self.clock()),
            "chat": {"id": chat_id, "type": "group", "title": "Gruppe"},
            "from": self.user(user_id),
            "text": text,
        }
        return self._queue({"message": message})

    def send_sticker(self, user_id: int) -> int:
        """A user sends something that is not text."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(self.clock()),
            "chat": self._private_chat(user_id),
            "from": self.user(user_id),
            "sticker": {
                "file_id": "sticker-1",
                "file_unique_id": "s1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        }
        return self._queue({"message": message})

    def send_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        content_type: str = "text/plain",
        caption: str = "",
    ) -> int:
        """A user sends a file; the bot can fetch it with getFile and the file URL."""
        file_id = f"doc-{len(self._file_store) + 1}"
        self._file_store[file_id] = (filename, content_type, data)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(self.clock()),
            "chat": self._private_chat(user_id),
            "from": self.user(user_id),
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": filename,
                "mime_type": content_type,
                "file_size": len(data),
            },
        }
        if caption:
            message["caption"] = caption
        return self._queue({"message": message})

    def press_button(self, user_id: int, message_id: int, data: str) -> str:
        """A user taps an inline button of a bot message; returns the callback query id."""
        message = self._find_message(user_id, message_id)
        query_id = f"cb{next(self._callback_ids)}"
        self._queue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "chat_instance": f"ci{user_id}",
                    "data": data,
                    "message": self._message_json(message),
                }
            }
        )
        return query_id

    def edit_text(self, update_id: int, text: str) -> int:
        """The user edits the message of an earlier update (an `edited_message` update, same
        message id, new text); returns the new update id."""
        original = self._queued[update_id]["message"]
        message = {**original, "text": text, "edit_date": int(self.clock())}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        else:
            message.pop("entities", None)
        return self._queue({"edited_message": message})

    def update_of_query(self, query_id: str) -> int:
        """The update id of a button press (`press` returns the callback query id)."""
        return next(u for u, update in self._queued.items()
                    if update.get("callback_query", {}).get("id") == query_id)

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again, as Telegram does when the bot stopped before confirming it
        (a crash after the answer was sent, before the next getUpdates)."""
        update = self._queued[update_id]
        if update not in self._pending:
            self._pending = sorted([*self._pending, update], key=lambda u: u["update_id"])
        self.confirmed_offset = min(self.confirmed_offset, update_id)
        self._notify()

    def press(self, user_id: int, message: SentMessage, label: str) -> str:
        """Tap the button with this label."""
        found = message.button(label)
        assert found.data is not None, f"button {label!r} has no callback data"
        return self.press_button(user_id, message.message_id, found.data)

    def _queue(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._queued[update_id] = {"update_id": update_id, **payload}
        self._pending.append(self._queued[update_id])
        self._notify()
        return update_id

    # -- what tests read ------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent to this chat, in order."""
        return list(self._chats.get(chat_id, _Chat()).messages)

    def all_messages(self) -> list[SentMessage]:
        return [m for chat in self._chats.values() for m in chat.messages]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def commands(
        self, scope: str = "default", chat_id: int | None = None, language_code: str = ""
    ) -> list[tuple[str, str]] | None:
        """The command menu set for a scope (None if none was set)."""
        return self.commands_by_scope.get((scope, chat_id, language_code))

    @property
    def pending_update_count(self) -> int:
        return len(self._pending)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: MessagePredicate = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> SentMessage:
        """The first message to this chat not returned before that matches `predicate`.

        `predicate` is a callable, a substring of the text, or None for any message.
        """
        if isinstance(predicate, str):
            needle = predicate
            matches: Callable[[SentMessage], bool] = lambda m: needle in m.text  # noqa: E731
        else:
            matches = predicate or (lambda m: True)

        def find() -> SentMessage | None:
            chat = self._chats.get(chat_id)
            if chat is None:
                return None
            for message in chat.messages:
                if message.message_id not in chat.consumed and matches(message):
                    chat.consumed.add(message.message_id)
                    return message
            return None

        try:
            return await self.wait_until(find, timeout)
        except TimeoutError:
            got = [m.text[:200] for m in self.messages(chat_id)]
            raise AssertionError(
                f"chat {chat_id} got no matching message within {timeout}s; it got {got}"
            ) from None

    async def wait_for_answer(
        self, callback_id: str, timeout: float = 10.0  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The answerCallbackQuery the bot gave to this button press."""
        return await self.wait_until(lambda: self.callback_answers.get(callback_id), timeout)

    async def wait_confirmed(self, update_id: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has confirmed this update (getUpdates with a higher offset)."""
        await self.wait_until(lambda: self.confirmed_offset > update_id or None, timeout)

    async def wait_until(
        self, probe: Callable[[], Any], timeout: float = 10.0  # noqa: ASYNC109
    ) -> Any:
        """Wait until `probe()` returns something truthy and return it; TimeoutError if not."""
        async with asyncio.timeout(timeout), self._changed:
            while True:
                result = probe()
                if result:
                    return result
                await self._changed.wait()

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(wake())

    # -- fault injection ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an error (429 takes retry_after)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._failures.setdefault(method.lower(), []).extend(
            _Failure(status, retry_after, description) for _ in range(times)
        )

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without an answer on the next `times` calls of `method`."""
        self._failures.setdefault(method.lower(), []).extend(
            _Failure(0, drop=True) for _ in range(times)
        )

    def clear_failures(self) -> None:
        """Telegram is healthy again: drop every injected failure not yet used."""
        self._failures.clear()

    # -- the HTTP side --------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        params = await _read_params(request)
        failures = self._failures.get(method.lower())
        if failures:
            failure = failures.pop(0)
            self.calls.append(ApiCall(method, params, failure.status, time.monotonic()))
            if failure.drop:
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=500)
            return _error_response(_failure_error(failure))
        handler = getattr(self, f"_api_{method.lower()}", None)
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as error:
            self.calls.append(ApiCall(method, params, error.status, time.monotonic()))
            return _error_response(error)
        self.calls.append(ApiCall(method, params, 200, time.monotonic()))
        self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        stored = self._file_store.get(path.rsplit("/", 1)[-1])
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored[2], content_type="application/octet-stream")

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_user()

    async def _api_logout(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise ApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )  # fmt: skip
        self.polls_started += 1
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(
                        409, "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )  # fmt: skip
                ready = [u for u in self._pending if u["update_id"] >= offset][:limit]
                remaining = deadline - asyncio.get_running_loop().time()
                if ready or remaining <= 0:
                    return ready
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self._changed.wait()

    def _confirm(self, offset: int) -> None:
        if offset > self.confirmed_offset:
            self.confirmed_offset = offset
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    async def _api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        if self._webhook_task:
            self._webhook_task.cancel()
            self._webhook_task = None
        if _bool(params.get("drop_pending_updates")):
            self._pending.clear()
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._api_deletewebhook(params)
        if _bool(params.get("drop_pending_updates")):
            self._pending.clear()
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        if self._webhook_task is None:
            self._webhook_task = asyncio.get_running_loop().create_task(self._push_webhook())
        return True

    async def _api_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _push_webhook(self) -> None:
        """Deliver pending updates to the webhook one by one, as Telegram does, until 2xx."""
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            while self.webhook.get("url"):
                async with self._changed:
                    await self._changed.wait_for(lambda: bool(self._pending))
                update = self._pending[0]
                headers = {}
                if self.webhook.get("secret_token"):
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
                try:
                    async with session.post(
                        self.webhook["url"], json=update, headers=headers
                    ) as response:
                        delivered = 200 <= response.status < 300
                except (TimeoutError, OSError):
                    delivered = False
                if delivered:
                    if self._pending and self._pending[0] is update:
                        self._pending.pop(0)
                        self.confirmed_offset = update["update_id"] + 1
                    self._notify()
                else:
                    await asyncio.sleep(0.2)

    async def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _chat_id(params)
        raw = str(params.get("text") or "")
        parse_mode = params.get("parse_mode")
        text = _visible(raw, parse_mode)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = _markup(params.get("reply_markup"))
        message = SentMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            method="sendMessage",
            text=text,
            raw_text=raw,
            parse_mode=parse_mode,
            reply_markup=markup,
            date=int(self.clock()),
        )
        self._store(message)
        return self._message_json(message)

    async def _api_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _chat_id(params)
        document = params.get("document")
        if not isinstance(document, SentDocument):
            raise ApiError(400, "Bad Request: there is no document in the request")
        raw = str(params.get("caption") or "")
        parse_mode = params.get("parse_mode")
        caption = _visible(raw, parse_mode)
        if utf16_len(caption) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        message = SentMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            method="sendDocument",
            text=caption,
            raw_text=raw,
            parse_mode=parse_mode,
            reply_markup=_markup(params.get("reply_markup")),
            document=document,
            date=int(self.clock()),
        )
        self._store(message)
        return self._message_json(message)

    async def _api_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        if file_id not in self._file_store:
            raise ApiError(400, "Bad Request: invalid file_id")
        data = self._file_store[file_id][2]
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(data),
            "file_path": f"documents/{file_id}",
        }

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if not query_id.startswith("cb") or query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query id is "
                "invalid",
            )
        self.callback_answers[query_id] = {
            "text": params.get("text"),
            "show_alert": _bool(params.get("show_alert")),
        }
        return True

    async def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(_chat_id(params), int(params.get("message_id") or 0))
        raw = str(params.get("text") or "")
        text = _visible(raw, params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = _markup(params.get("reply_markup"))
        if text == message.text and markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.text, message.raw_text, message.reply_markup = text, raw, markup
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        return self._message_json(message)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find_message(_chat_id(params), int(params.get("message_id") or 0))
        markup = _markup(params.get("reply_markup"))
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        return self._message_json(message)

    async def _api_sendchataction(self, params: dict[str, Any]) -> bool:
        _chat_id(params)
        return True

    async def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100")
        menu: list[tuple[str, str]] = []
        for entry in commands:
            name, description = entry.get("command", ""), entry.get("description", "")
            if not _COMMAND_NAME.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            menu.append((name, description))
        self.commands_by_scope[_scope_key(params)] = menu
        return True

    async def _api_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.commands_by_scope.pop(_scope_key(params), None)
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        menu = self.commands_by_scope.get(_scope_key(params), [])
        return [{"command": name, "description": text} for name, text in menu]

    async def _api_setchatmenubutton(self, params: dict[str, Any]) -> bool:
        chat = params.get("chat_id")
        button = params.get("menu_button") or {"type": "default"}
        if isinstance(button, str):
            button = json.loads(button)
        self.menu_buttons[int(chat) if chat not in (None, "") else None] = button
        return True

    async def _api_setmydescription(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_setmyshortdescription(self, params: dict[str, Any]) -> bool:
        return True

    # -- helpers --------------------------------------------------------------------------

    def _store(self, message: SentMessage) -> None:
        self._chats.setdefault(message.chat_id, _Chat()).messages.append(message)

    def _find_message(self, chat_id: int, message_id: int) -> SentMessage:
        for message in self._chats.get(chat_id, _Chat()).messages:
            if message.message_id == message_id:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _message_json(self, message: SentMessage) -> dict[str, Any]:
        if message.chat_id > 0:
            chat = self._private_chat(message.chat_id)
        else:
            chat = {"id": message.chat_id, "type": "group", "title": "Gruppe"}
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat,
            "from": self._bot_user(),
        }
        if message.document:
            result["document"] = {
                "file_id": f"sent-{message.message_id}",
                "file_unique_id": f"sent-{message.message_id}",
                "file_name": message.document.filename,
                "mime_type": message.document.content_type,
                "file_size": len(message.document.data),
            }
            if message.text:
                result["caption"] = message.text
        else:
            result["text"] = message.text
        if message.reply_markup and message.reply_markup.get("inline_keyboard"):
            result["reply_markup"] = message.reply_markup
        if message.edits:
            result["edit_date"] = int(self.clock())
        return result


async def _read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters from the query string, a form, multipart or a JSON body."""
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        params.update({k: v for k, v in body.items() if v is not None})
        return params
    form = await request.post()
    files: dict[str, SentDocument] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = SentDocument(
                value.filename, value.content_type, value.file.read()
            )
        else:
            params[key] = value
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = files.get(value.removeprefix("attach://"))
    for key, document in files.items():
        params.setdefault(key, document)
    return params


def _failure_error(failure: _Failure) -> ApiError:
    if failure.status == 429:
        return ApiError(
            429,
            failure.description or f"Too Many Requests: retry after {failure.retry_after}",
            {"retry_after": failure.retry_after},
        )
    return ApiError(failure.status, failure.description or "Internal Server Error")


def _error_response(error: ApiError) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.status,
        "description": error.description,
    }
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.status)


def _chat_id(params: dict[str, Any]) -> int:
    value = str(params.get("chat_id") or "")
    if not value.lstrip("-").isdigit():
        raise ApiError(400, "Bad Request: chat not found")
    return int(value)


def _visible(raw: str, parse_mode: str | None) -> str:
    if parse_mode and parse_mode.upper() == "HTML":
        return parse_telegram_html(raw)
    if parse_mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode} in the emulator")
    return raw


def _markup(value: Any) -> dict | None:
    if value in (None, ""):
        return None
    markup = json.loads(value) if isinstance(value, str) else value
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in inline keyboards")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _scope_key(params: dict[str, Any]) -> tuple[str, int | None, str]:
    scope = params.get("scope") or {"type": "default"}
    if isinstance(scope, str):
        scope = json.loads(scope)
    chat = scope.get("chat_id")
    return (scope.get("type", "default"), int(chat) if chat is not None else None,
            str(params.get("language_code") or ""))  # fmt: skip


def _bool(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)
