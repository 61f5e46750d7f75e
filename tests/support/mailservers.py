"""Real mail servers on 127.0.0.1 for the e-mail tests: Dovecot (IMAP + LMTP) and an aiosmtpd
SMTP server that delivers everything it accepts into Dovecot, so a test reads the bot's answers
over IMAP as a person's mail client would.

A test module asks for the fixtures explicitly:

    pytest_plugins = ["tests.support.mailservers"]

    def test_x(mail_world):             # Dovecot (shared per session) + an SMTP relay + mailboxes
        mail_world.send("kita", "Hallo", "Sozialraum: Adendorf ...")   # a person writes to the bot
        [answer] = mail_world.wait_for("kita", 1)                     # what arrived in her inbox

Dovecot runs once per test session from a generated config in a 0755 temp dir (as root, pytest's
0700 `tmp_path` gives "Temporary authentication failure"); every test gets its own mail domain,
so its mailboxes start empty. Users live in a passwd-file that `add_user` extends while Dovecot
runs. The SMTP relay can refuse connections (`refuse()` … `accept()`) or answer 421 for a while
(`fail_with("421 …")` … `recover()`), as a provider's server does when it is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import itertools
import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from imap_tools import MailBoxUnencrypted, MailMessage

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
PASSWORD = "geheim"
WAIT_SECONDS = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


# -- Dovecot ------------------------------------------------------------------------------------


class Dovecot:
    """A Dovecot 2.3 in the foreground, IMAP and LMTP on free ports of 127.0.0.1."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._users: set[str] = set()
        self._lock = threading.Lock()

    @property
    def config_path(self) -> Path:
        return self.directory / "dovecot.conf"

    def _write_config(self) -> None:
        d = self.directory
        for sub in ("run", "state", "mail"):
            (d / sub).mkdir(exist_ok=True)
        (d / "passwd").touch()
        if os.getuid() == 0:
            # Dovecot never gives mail access to uid 0: the mail belongs to nobody.
            internal, login = "dovecot", "dovenull"
            mail_uid, mail_gid = 65534, 65534
            os.chown(d / "mail", mail_uid, mail_gid)
        else:
            internal = login = getpass.getuser()
            mail_uid, mail_gid = os.getuid(), os.getgid()
        self.config_path.write_text(f"""\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(mail_uid, 500)}
mail_location = maildir:{d}/mail/%d/%n
postmaster_address = postmaster@localhost
lmtp_save_to_detail_mailbox = no
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={d}/mail/%d/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service anvil {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
""", encoding="utf-8")

    def start(self) -> Dovecot:
        self._write_config()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_listening(self.imap_port)
            _wait_listening(self.lmtp_port)
        except OSError:
            self.stop()
            raise RuntimeError(f"Dovecot did not start: {self.log()[-2000:]}") from None
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def add_user(self, address: str, password: str = PASSWORD) -> str:
        """A mailbox for `address` (the IMAP login is the address)."""
        with self._lock:
            if address not in self._users:
                with open(self.directory / "passwd", "a", encoding="utf-8") as passwd:
                    passwd.write(f"{address}:{{PLAIN}}{password}::::::\n")
                self._users.add(address)
        return address

    def kick(self, address: str) -> None:
        """Cut every IMAP connection of `address`, as a server restart or a NAT timeout does."""
        done = subprocess.run([DOVEADM, "-c", str(self.config_path), "kick", address],
                              capture_output=True, text=True, timeout=20)
        if done.returncode not in (0, 68):  # 68: nobody of that name was connected
            raise RuntimeError(f"doveadm kick failed: {done.stderr}")

    # -- as a mail client ------------------------------------------------------------------
    @contextlib.contextmanager
    def mailbox(self, address: str, folder: str = "INBOX") -> Iterator[MailBoxUnencrypted]:
        box = MailBoxUnencrypted("127.0.0.1", self.imap_port, timeout=20)
        box.login(address, PASSWORD, initial_folder=None)
        try:
            if folder != "INBOX" and not box.folder.exists(folder):
                box.folder.create(folder)
            box.folder.set(folder)
            yield box
        finally:
            with contextlib.suppress(Exception):
                box.logout()

    def messages(self, address: str, folder: str = "INBOX") -> list[MailMessage]:
        """Every mail in a folder, oldest first, without marking anything read."""
        with self.mailbox(address, folder) as box:
            return list(box.fetch(mark_seen=False, bulk=100))

    def count(self, address: str, folder: str = "INBOX") -> int:
        with self.mailbox(address, folder) as box:
            return len(box.uids())

    def deliver(self, message: EmailMessage | bytes, to: list[str], mail_from: str) -> None:
        """Hand a mail to Dovecot as the recipient's provider does (LMTP); `mail_from` becomes
        the Return-Path ("" for a bounce)."""
        data = message if isinstance(message, bytes) else message.as_bytes()
        with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=20) as lmtp:
            lmtp.sendmail(mail_from, to, data)


# -- the SMTP relay -----------------------------------------------------------------------------


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    message_id: str


@dataclass
class RelayHandler:
    """aiosmtpd handler: passes every mail on to Dovecot via LMTP, or fails as told."""

    dovecot: Dovecot
    failure: str | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    attempts: int = 0

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        self.attempts += 1
        if self.failure:
            return self.failure
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,
                          envelope: Envelope) -> str:
        if self.failure:
            return self.failure
        data = envelope.original_content or b""
        try:
            await asyncio.to_thread(self.dovecot.deliver, data, list(envelope.rcpt_tos),
                                    envelope.mail_from or "")
        except smtplib.SMTPRecipientsRefused as error:
            return f"550 5.1.1 unknown recipient: {', '.join(error.recipients)}"
        message_id = ""
        for line in data.split(b"\r\n\r\n", 1)[0].splitlines():
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode("ascii", "replace")
        self.deliveries.append(Delivery(envelope.mail_from or "", list(envelope.rcpt_tos),
                                        message_id))
        return "250 OK: queued"


class SmtpRelay:
    """An SMTP server (aiosmtpd in its own thread) on a free port of 127.0.0.1."""

    def __init__(self, dovecot: Dovecot) -> None:
        self.handler = RelayHandler(dovecot)
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> SmtpRelay:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                      ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def deliveries(self) -> list[Delivery]:
        return self.handler.deliveries

    def refuse(self) -> None:
        """Stop listening: connections are refused until `accept()`."""
        self.stop()

    def accept(self) -> None:
        if self._controller is None:
            self.start()

    def fail_with(self, answer: str = "421 4.3.2 Dienst voruebergehend nicht verfuegbar") -> None:
        """Answer every MAIL FROM with `answer` (a 4xx: try later) until `recover()`."""
        self.handler.failure = answer

    def recover(self) -> None:
        self.handler.failure = None


# -- a small world of people with mailboxes -----------------------------------------------------

_DOMAINS = itertools.count(1)

PEOPLE = {
    "bot": "sozialbot",
    "kita": "kita",
    "verein": "verein",
    "schule": "schule",
    "sek-ade": "sek-ade",
    "sek-bar": "sek-bar",
    "kreis-1": "kreis-1",
    "kreis-2": "kreis-2",
    "verwaltung": "verwaltung",
    "faelscher": "faelscher",
}


class MailWorld:
    """One test's people, each with a mailbox on the shared Dovecot, and the relay."""

    def __init__(self, dovecot: Dovecot, relay: SmtpRelay) -> None:
        self.dovecot = dovecot
        self.relay = relay
        self.domain = f"t{os.getpid()}-{next(_DOMAINS)}.example.org"
        self.addresses = {key: dovecot.add_user(f"{local}@{self.domain}")
                          for key, local in PEOPLE.items()}

    def address(self, who: str) -> str:
        """The address of a person of this world, or `who` itself when it has an @."""
        if "@" in who:
            self.dovecot.add_user(who)
            return who
        return self.addresses[who]

    @property
    def bot(self) -> str:
        return self.addresses["bot"]

    def compose(self, who: str, subject: str, body: str | None = None, *,
                to: str | None = None, in_reply_to: MailMessage | None = None,
                headers: dict[str, str] | None = None,
                from_header: str | None = None) -> EmailMessage:
        """A plain-text mail as a person's mail program writes it."""
        message = EmailMessage()
        message["From"] = from_header or self.address(who)
        message["To"] = to or self.bot
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=self.domain)
        if in_reply_to is not None:
            parent = in_reply_to.headers.get("message-id", ("",))[0].strip()
            refs = in_reply_to.headers.get("references", ("",))[0].split()
            message["In-Reply-To"] = parent
            message["References"] = " ".join([*refs, parent])
        for name, value in (headers or {}).items():
            message[name] = value
        if body is not None:
            message.set_content(body)
        return message

    def send(self, who: str, subject: str, body: str | None = None, *,
             mail_from: str | None = None, **kwargs: object) -> EmailMessage:
        """`who` writes to the bot; the mail lands in the bot's INBOX. Returns the mail."""
        message = self.compose(who, subject, body, **kwargs)  # type: ignore[arg-type]
        self.deliver(message, mail_from=self.address(who) if mail_from is None else mail_from)
        return message

    def deliver(self, message: EmailMessage | bytes, *, mail_from: str,
                to: str | None = None) -> None:
        self.dovecot.deliver(message, [to or self.bot], mail_from)

    def messages(self, who: str, folder: str = "INBOX") -> list[MailMessage]:
        return self.dovecot.messages(self.address(who), folder)

    def wait_for(self, who: str, count: int, folder: str = "INBOX", *,
                 timeout: float = WAIT_SECONDS,
                 where: Callable[[MailMessage], bool] | None = None) -> list[MailMessage]:
        """Poll until at least `count` mails (matching `where`) are in the folder; return them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages(who, folder) if where is None or where(m)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{who}/{folder}: {len(found)} of {count} mails after {timeout:.0f} s: "
                    f"{[m.subject for m in found]}")
            time.sleep(0.1)

    async def await_for(self, who: str, count: int, folder: str = "INBOX", *,
                        timeout: float = WAIT_SECONDS,  # noqa: ASYNC109
                        where: Callable[[MailMessage], bool] | None = None) -> list[MailMessage]:
        """`wait_for` off the event loop, for tests whose bot runs in the same loop."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in await asyncio.to_thread(self.messages, who, folder)
                     if where is None or where(m)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{who}/{folder}: {len(found)} of {count} mails after {timeout:.0f} s: "
                    f"{[m.subject for m in found]}")
            await asyncio.sleep(0.1)

    async def count(self, who: str, folder: str = "INBOX") -> int:
        return await asyncio.to_thread(self.dovecot.count, self.address(who), folder)


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole session (stopping one takes a second)."""
    if not os.path.exists(DOVECOT):
        pytest.fail("Dovecot is not installed: run scripts/test.sh, it installs dovecot-imapd "
                    "and dovecot-lmtpd")
    directory = Path(tempfile.mkdtemp(prefix="sozialbot-dovecot-"))
    directory.chmod(0o755)
    server = Dovecot(directory).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def smtp_relay(dovecot: Dovecot) -> Iterator[SmtpRelay]:
    relay = SmtpRelay(dovecot).start()
    try:
        yield relay
    finally:
        relay.stop()


@pytest.fixture
def mail_world(dovecot: Dovecot, smtp_relay: SmtpRelay) -> MailWorld:
    return MailWorld(dovecot, smtp_relay)
