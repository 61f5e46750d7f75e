"""The IMAP side of reading mail: connecting, waiting with IDLE, fetching (a batch of small
mails whole in one command; larger ones headers first, then whole in groups of at most
FETCH_BYTES), and the errors that mean the connection is gone. The loop that uses them is
`bot.mail.inbox`."""

from __future__ import annotations

import contextlib
import email
import functools
import imaplib
import io
import re
import threading
import time
from concurrent.futures import Future
from email.utils import parseaddr
from typing import cast

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError

from bot.mail.auth import imap_login
from bot.mail.settings import MailSettings

IMAP_ERRORS = (imaplib.IMAP4.error, ImapToolsError, OSError, EOFError)
FETCH_BYTES = 16 * 1024 * 1024  # whole mails fetched at once, at most
FROM = re.compile(rb"^from:[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)",
                  re.IGNORECASE | re.MULTILINE)
# The usual From ("Name <a@b>", "a@b"), without comments, quotes or control characters: read
# here as email.utils.parseaddr reads it (tests/unit/test_mail_speedups.py), any other by it.
_WORD = r'[^\x00-\x20\x7f"(),;:\\<>@\[\]]+'
_USUAL_FROM = re.compile(rf"[ \t]*(?:(?:{_WORD}(?: {_WORD})*[ \t]*)?<({_WORD}@{_WORD})>"
                         rf"|({_WORD}@{_WORD}))[ \t]*")


class RawMailMessage(MailMessage):
    """imap-tools' message that keeps the bytes as the server sent them, and parses them only
    when asked (the channel reads `raw`, `uid` and `size_rfc822`; imap-tools would parse each
    fetched mail, the headers and then the whole)."""

    def __init__(self, fetch_data: list) -> None:
        self.raw, self._raw_uid_data, self._raw_flag_data = self._get_message_data_parts(
            fetch_data)

    @functools.cached_property
    def obj(self) -> email.message.Message:  # type: ignore[override]
        return email.message_from_bytes(self.raw)

    @property
    def sender(self) -> str:
        """The From address as written, to keep each sender's mails in order."""
        head = self.raw.split(b"\r\n\r\n", 1)[0]
        match = FROM.search(head)
        value = re.sub(rb"\r\n[ \t]", b" ", match.group(1)) if match else b""
        text = value.decode("ascii", "replace")
        usual = _USUAL_FROM.fullmatch(text)  # "Name <a@b>" or "a@b": as parseaddr reads it
        if usual is not None:
            return (usual.group(1) or usual.group(2)).lower()
        return parseaddr(text)[1].lower()


# A login begun at the start (`connect_early`) for the first `connect` with the same settings.
_early: list[tuple[MailSettings, Future[BaseMailBox]]] = []


def connect_early(settings: MailSettings) -> None:
    """Begin `connect` now, in a thread of its own; the first `connect` with these settings
    takes its result (or its error). `sozialbot run` calls this before it opens the store and
    starts the channels, so that the server's round trips overlap that work instead of coming
    after it (docs/PERFORMANCE.md, section 2)."""
    future: Future[BaseMailBox] = Future()

    def log_in() -> None:
        try:
            future.set_result(_connect(settings))
        except BaseException as error:  # handed to the channel's connect, which logs it
            future.set_exception(error)

    _early.append((settings, future))
    threading.Thread(target=log_in, name="imap-login", daemon=True).start()


def connect(settings: MailSettings) -> BaseMailBox:
    """Log in, learn the capabilities, make sure the folders exist, select the inbox."""
    while _early:
        early, future = _early.pop()
        if early == settings:
            return future.result()
        future.add_done_callback(_log_out)  # begun with other settings: not wanted
    return _connect(settings)


def _log_out(done: Future[BaseMailBox]) -> None:
    if done.exception() is None:
        logout(done.result())


def _connect(settings: MailSettings) -> BaseMailBox:
    server = settings.imap
    timeout = settings.timeout
    if server.security == "tls":
        box: BaseMailBox = MailBox(server.host, server.port, timeout=timeout,
                                   ssl_context=server.tls_context())
    elif server.security == "starttls":
        box = MailBoxStartTls(server.host, server.port, timeout=timeout,
                              ssl_context=server.tls_context())
    else:
        box = MailBoxUnencrypted(server.host, server.port, timeout=timeout)
    box.email_message_class = RawMailMessage
    imap_login(box, server.user, server.password, server.oauth)
    # Many servers announce IDLE and MOVE only after the login; imaplib keeps the list it got
    # before (imap-tools falls back to COPY + EXPUNGE without MOVE).
    typ, data = box.client.capability()
    if typ == "OK" and data and data[0]:
        box.client.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
    for folder in (settings.done_folder, settings.failed_folder):
        if not box.folder.exists(folder):
            box.folder.create(folder)
    box.folder.set(settings.folder)
    return box


def idle(box: BaseMailBox, seconds: float, stopping: threading.Event) -> None:
    """IDLE until the server reports something, the time is up, or the bot stops."""
    deadline = time.monotonic() + seconds
    box.idle.start()
    try:
        if _buffered(box):
            return
        while not stopping.is_set() and time.monotonic() < deadline:
            if box.idle.poll(timeout=min(0.5, max(0.05, deadline - time.monotonic()))):
                return
    finally:
        box.idle.stop()


def _buffered(box: BaseMailBox) -> bool:
    """Whether imaplib holds news it has read but not handed on. A mail that arrived after the
    last listing is announced ("* 1 EXISTS") together with the server's "+ idling"; imaplib
    reads both at once into its buffer, where imap-tools' poll, which waits for the socket,
    never sees it: the mail waited a whole IDLE round (5 minutes)."""
    sock = box.client.sock
    timeout = sock.gettimeout()
    sock.settimeout(0)  # peek hands back what is buffered, and reads nothing that is not there
    try:
        return bool(cast(io.BufferedReader, box.client.file).peek(1))
    except OSError:  # nothing buffered (a TLS socket says so with an error)
        return False
    finally:
        sock.settimeout(timeout)


def uids(box: BaseMailBox, folder: str, small: int) -> tuple[int, list[str], set[str]]:
    """The folder's UIDVALIDITY, its mails' UIDs (oldest first) and those of its mails larger
    than `small` bytes (their headers are fetched first: a batch of them may not fit in
    memory, and one too large for the bot is not downloaded whole).

    A mail that arrives while the server searches is announced (EXISTS) in the answer to the
    search without being in its result, and IDLE does not announce it again: it would wait for
    the next IDLE round (5 minutes). So the search is made again while the server counts more
    mails than it found (three times at most: a mail expunged meanwhile leaves the count
    high)."""
    status = box.folder.status(folder, ["UIDVALIDITY"])
    box.folder.set(folder)  # SELECT: imaplib forgets the untagged answers before it
    for _ in range(3):
        found = sorted(box.uids("ALL"), key=int)
        if _announced(box) <= len(found):
            break
    # one more SEARCH per listing instead of a headers FETCH per batch; a mail arriving
    # meanwhile is not in `found`, and a mail never changes its size
    large = set(box.uids(f"LARGER {small}")) if found else set()
    return int(status.get("UIDVALIDITY", 0)), found, large


def _announced(box: BaseMailBox) -> int:
    """How many mails the server last said the selected folder holds (0: it did not say)."""
    exists = box.client.untagged_responses.get("EXISTS") or [b"0"]
    last = exists[-1]
    return int(last) if isinstance(last, bytes) and last.isdigit() else 0


def fetch(box: BaseMailBox, uids: list[str], headers_only: bool) -> list[RawMailMessage]:
    # box.email_message_class is RawMailMessage (see connect)
    return cast(list[RawMailMessage], list(box.fetch(
        uid_list=uids, mark_seen=False, bulk=True, headers_only=headers_only)))


def groups(heads: list[RawMailMessage], max_mail: int) -> list[list[RawMailMessage]]:
    """Consecutive mails whose full fetch stays below FETCH_BYTES together (one at least)."""
    result: list[list[RawMailMessage]] = [[]]
    size = 0
    for head in heads:
        weight = head.size_rfc822 if head.size_rfc822 <= max_mail else 0
        if result[-1] and size + weight > FETCH_BYTES:
            result.append([])
            size = 0
        result[-1].append(head)
        size += weight
    return [g for g in result if g]


def logout(box: BaseMailBox) -> None:
    with contextlib.suppress(Exception):
        box.logout()
    with contextlib.suppress(Exception):
        box.client.shutdown()
