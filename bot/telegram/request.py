"""The HTTP client under python-telegram-bot: aiohttp instead of PTB's default httpx.

Measured with benchmark 1, most of the bot's CPU time went into httpx, httpcore and anyio for
each Bot API call (about 1 ms of the one core per call). PTB lets the request class be swapped
(`ApplicationBuilder().request(...)`); everything above it — rate limiter, retries, turning HTTP
statuses into RetryAfter, BadRequest, Forbidden — stays PTB's own. A call without files goes as
a JSON body (orjson), which the Bot API takes as well as a form: form-encoding each message's
text (urllib's quoting) took a tenth of the bot's time in benchmark 1. Answers are read with
orjson too.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import orjson
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 10.0
JSON = {"Content-Type": "application/json"}


def _seconds(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of keep-alive connections."""

    def __init__(self, *, connections: int = 64, read_timeout: float = DEFAULT_TIMEOUT,
                 media_write_timeout: float = 30.0) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer, read with orjson (PTB: the standard library's json, slower).
        orjson refuses a lone surrogate ("\\ud800"), which a stranger's message may carry and
        the standard library reads: refused, that update would stop getUpdates for everyone."""
        try:
            found = orjson.loads(payload)
        except orjson.JSONDecodeError:
            try:
                found = json.loads(payload)
            except ValueError as error:
                raise TelegramError("Invalid server response") from error
        if not isinstance(found, dict):
            raise TelegramError("Invalid server response")
        return found

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        data: Any = None
        headers = None
        if files:
            assert request_data is not None
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        elif request_data is not None and request_data.parameters:
            data = json_body(request_data.parameters)
            headers = JSON
        read = _seconds(read_timeout, self._read_timeout)
        write = _seconds(write_timeout, self._media_write_timeout if files else None)
        total = None if read is None else read + (write or 0) + 5
        timeout = aiohttp.ClientTimeout(total=total,
                                        connect=_seconds(connect_timeout, 5.0),
                                        sock_read=read)
        try:
            async with self._session.request(method, url, data=data, headers=headers,
                                             timeout=timeout) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


async def post(bot: Any, method: str, data: dict[str, Any], **timeouts: Any) -> Any:
    """A Bot API call through PTB (its rate limiter, request pool, error mapping) whose answer
    stays JSON: `bot.send_message` and `bot.get_updates` make PTB objects of every message and
    update Telegram returns (0.15 to 0.3 ms each), a tenth of the bot's time in benchmark 1,
    though the bot needs only a message's id, and only the updates it has not seen yet.
    `Bot._post` is what those methods call (PTB 20 to 22); `do_api_request`, its public twin,
    warns on every call of a method PTB has its own function for."""
    return await bot._post(method, data, **timeouts)


def json_body(parameters: dict[str, Any]) -> bytes:
    """A request's parameters as JSON, by orjson; a text with a lone surrogate, which orjson
    refuses to write, as the standard library writes it (escaped), so that no text stops a
    call with a TypeError that PTB would not map to a Telegram error."""
    try:
        return orjson.dumps(parameters)
    except TypeError:
        return json.dumps(parameters).encode()
