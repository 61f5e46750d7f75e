"""Real mail servers on 127.0.0.1 for the e-mail tests: Dovecot (IMAP + LMTP) and an aiosmtpd
SMTP server that delivers everything it accepts into Dovecot, so a test reads the bot's answers
over IMAP as a person's mail client would.

tests/conftest.py registers the fixtures for every test; a test asks for them by name:

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
import email.policy
import getpass
import io
import itertools
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imap_tools import MailBoxUnencrypted, MailMessage

from rules.conferences import LUENEBURG

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
PASSWORD = "geheim"
WAIT_SECONDS = 30.0
BERLIN = ZoneInfo("Europe/Berlin")
CORPUS_DIR = Path(__file__).parent.parent / "corpus" / "mail"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificate(cert: Path, key: Path) -> None:
    """A self-signed certificate for 127.0.0.1 (openssl, as on any Debian machine)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)


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
        self.imap_port = free_port()  # plain, and STARTTLS
        self.imaps_port = free_port()  # TLS from the first byte
        self.lmtp_port = free_port()
        self.cert = directory / "cert.pem"  # self-signed for 127.0.0.1: the bot's ca_file
        self.tls = False
        self.process: subprocess.Popen[bytes] | None = None
        # Logins are checked by local part only ("kita" for kita@t7.example.org): every test
        # has its own domain, and the mail lives under DIR/mail/<domain>/<local part>.
        self._users: set[str] = set(KNOWN_LOCAL_PARTS)
        self._lock = threading.Lock()

    @property
    def config_path(self) -> Path:
        return self.directory / "dovecot.conf"

    def _write_config(self) -> None:
        d = self.directory
        for sub in ("run", "state", "mail"):
            (d / sub).mkdir(exist_ok=True)
        (d / "passwd").write_text("".join(f"{local}:{{PLAIN}}{PASSWORD}::::::\n"
                                          for local in sorted(self._users)), encoding="utf-8")
        if os.getuid() == 0:
            # Dovecot never gives mail access to uid 0: the mail belongs to nobody.
            internal, login = "dovecot", "dovenull"
            mail_uid, mail_gid = 65534, 65534
            os.chown(d / "mail", mail_uid, mail_gid)
        else:
            internal = login = getpass.getuser()
            mail_uid, mail_gid = os.getuid(), os.getgid()
        tls = (f"ssl = yes\nssl_cert = <{self.cert}\nssl_key = <{d}/key.pem" if self.tls
               else "ssl = no")
        imaps = f"address = 127.0.0.1\n    port = {self.imaps_port if self.tls else 0}"
        self.config_path.write_text(f"""\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
{tls}
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
  args = scheme=PLAIN username_format=%n {d}/passwd
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
    {imaps}
    ssl = yes
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

    def start(self) -> Self:
        try:
            make_certificate(self.cert, self.directory / "key.pem")
            self.tls = True
        except FileNotFoundError:  # no openssl: plain IMAP only, the TLS tests say what to do
            self.tls = False
        self._write_config()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for port in (self.imap_port, self.lmtp_port, *([self.imaps_port] * self.tls)):
                _wait_listening(port)
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

    def require_tls(self) -> None:
        if not self.tls:
            pytest.fail("openssl is missing (it makes the test certificate): run "
                        "scripts/test.sh, or apt-get install openssl")

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def add_user(self, address: str) -> str:
        """A mailbox for `address` (the IMAP login is the address, the password PASSWORD)."""
        local = address.split("@", 1)[0]
        with self._lock:
            if local not in self._users:
                with open(self.directory / "passwd", "a", encoding="utf-8") as passwd:
                    passwd.write(f"{local}:{{PLAIN}}{PASSWORD}::::::\n")
                self._users.add(local)
                time.sleep(1.1)  # Dovecot looks at the passwd-file at most once a second
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
    "urlaub": "urlaub",
}
KNOWN_LOCAL_PARTS = {*PEOPLE.values(), *(f"sek-{code.lower()}" for code, _ in LUENEBURG),
                     *(f"absender{i}" for i in range(20))}


def subject(message: MailMessage) -> str:
    """The decoded subject, as mail programs show it (imap-tools drops the space after an
    encoded word that was folded: "Förderverein[ADE-…]")."""
    raw = message.obj.get("Subject", "")
    return " ".join(str(make_header(decode_header(str(raw)))).split())


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
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(data)
        message_id = " ".join(str(headers.get("Message-ID", "")).split())
        self.deliveries.append(Delivery(envelope.mail_from or "", list(envelope.rcpt_tos),
                                        message_id))
        return "250 OK: queued"


class SmtpRelay:
    """An SMTP server (aiosmtpd in its own thread) on a free port of 127.0.0.1.

    `security` "none", "starttls" (required before anything else) or "tls" (from the first
    byte), with Dovecot's certificate; `login` (user, password) makes it demand AUTH."""

    def __init__(self, dovecot: Dovecot, security: str = "none",
                 login: tuple[str, str] | None = None) -> None:
        self.handler = RelayHandler(dovecot)
        self.port = free_port()
        self.security = security
        self.login = login
        self.logins: list[str] = []
        self._controller: Controller | None = None
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if security != "none":
            self._tls.load_cert_chain(dovecot.cert, dovecot.directory / "key.pem")

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, data: Any) -> AuthResult:
        user = data.login.decode() if isinstance(data, LoginPassword) else ""
        ok = isinstance(data, LoginPassword) and self.login == (user, data.password.decode())
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpRelay:
        options: dict[str, Any] = {}
        if self.security == "tls":
            options["ssl_context"] = self._tls
        elif self.security == "starttls":
            options.update(tls_context=self._tls, require_starttls=True)
        if self.login:
            options.update(authenticator=self._authenticate, auth_required=True)
            if self.security == "tls":
                options["auth_require_tls"] = False  # aiosmtpd cannot tell it is TLS already
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                      ready_timeout=10, **options)
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

    @property
    def authserv_id(self) -> str:
        """The name this world's receiving server writes into Authentication-Results."""
        return f"mx.{self.domain}"

    def send(self, who: str, subject: str, body: str | None = None, *,
             mail_from: str | None = None, **kwargs: object) -> EmailMessage:
        """`who` writes to the bot; the mail lands in the bot's INBOX. Returns the mail.

        Like the county's receiving server, this puts its DMARC verdict on top of the mail
        (RFC 8601): pass when `who` sent from her own address, fail when the From is another's
        (`from_header`) or the envelope is not hers."""
        message = self.compose(who, subject, body, **kwargs)  # type: ignore[arg-type]
        own = self.address(who)
        authentic = kwargs.get("from_header") is None and mail_from in (None, own)
        domain = str(message["From"]).rpartition("@")[2].rstrip(">").lower()
        verdict = (f"Authentication-Results: {self.authserv_id};\r\n"
                   f"\tdmarc={'pass' if authentic else 'fail'} header.from={domain}\r\n")
        self.deliver(verdict.encode() + message.as_bytes(policy=email.policy.SMTP),
                     mail_from=own if mail_from is None else mail_from)
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
def mail_world(dovecot: Dovecot, smtp_relay: SmtpRelay,
               monkeypatch: pytest.MonkeyPatch) -> MailWorld:
    monkeypatch.setenv(IMAP_PASSWORD_ENV, PASSWORD)
    return MailWorld(dovecot, smtp_relay)


# -- office documents, built the way Word and LibreOffice store them -----------------------------

_DOCX_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_DOCX_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="word/document.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""


def _xml(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def make_docx(paragraphs: list[str], table: Sequence[tuple[str, str]] = (),
              *, bold_labels: bool = True) -> bytes:
    """A .docx with paragraphs (a label before ":" set in bold, in its own run, as Word does)
    and an optional two-column table."""
    def run(text: str, bold: bool = False) -> str:
        props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return f'<w:r>{props}<w:t xml:space="preserve">{_xml(text)}</w:t></w:r>'

    def paragraph(text: str) -> str:
        label, colon, rest = text.partition(":")
        if colon and bold_labels and len(label) < 40:
            return f"<w:p>{run(label + ':', True)}{run(rest)}</w:p>"
        return f"<w:p>{run(text)}</w:p>"

    rows = "".join(
        f"<w:tr><w:tc><w:p>{run(a, True)}</w:p></w:tc><w:tc><w:p>{run(b)}</w:p></w:tc></w:tr>"
        for a, b in table)
    body = "".join(paragraph(p) for p in paragraphs)
    if rows:
        body += f"<w:tbl>{rows}</w:tbl>"
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                f'main"><w:body>{body}<w:sectPr/></w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("_rels/.rels", _DOCX_RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def make_odt(lines: list[str], headings: tuple[str, ...] = ()) -> bytes:
    """An .odt: lines in `headings` become text:h headings, the others paragraphs."""
    parts = []
    for line in lines:
        tag = "text:h" if line in headings else "text:p"
        parts.append(f"<{tag}>{_xml(line).replace('  ', ' <text:s/>')}</{tag}>")
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'office:version="1.2"><office:body><office:text>'
               + "".join(parts) + "</office:text></office:body></office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A PDF with a text layer (reportlab, as a word processor's export has)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    y = 800
    for line in lines:
        page.drawString(60, y, line)
        y -= 16
    page.save()
    return buffer.getvalue()


# -- the bot's e-mail channel against these servers ---------------------------------------------

IMAP_PASSWORD_ENV = "SOZIALBOT_TEST_IMAP_PASSWORD"


def email_table(world: MailWorld, **overrides: object) -> str:
    """The `[email]` config tables pointing at the test servers, with quick retry intervals."""
    main: dict[str, object] = {"address": world.bot, "name": "Budget II Testkreis",
                               "trusted_authserv_id": world.authserv_id,
                               "retry_seconds": 0.05, "retry_max_seconds": 0.4,
                               "notify_seconds": 0.2, "timeout_seconds": 10}
    imap: dict[str, object] = {"host": "127.0.0.1", "port": world.dovecot.imap_port,
                               "security": "none", "user": world.bot,
                               "password_env": IMAP_PASSWORD_ENV, "poll_seconds": 0.2}
    smtp: dict[str, object] = {"host": "127.0.0.1", "port": world.relay.port,
                               "security": "none"}
    for key, value in overrides.items():
        section, _, name = key.partition("__")
        {"imap": imap, "smtp": smtp}.get(section, main)[name or section] = value

    def table(title: str, values: dict[str, object]) -> str:
        lines = [f"[{title}]"]
        for key, value in values.items():
            rendered = (f'"{value}"' if isinstance(value, str)
                        else str(value).lower() if isinstance(value, bool) else str(value))
            lines.append(f"{key} = {rendered}")
        return "\n".join(lines)

    return "\n\n".join(["", table("email", main), table("email.imap", imap),
                        table("email.smtp", smtp), ""])


def write_mail_config(directory: Path, world: MailWorld, **overrides: object) -> Path:
    """The shipped Lüneburg default with everyone's address in this world's mail domain."""
    from bot.config import default_config_text

    (directory / "data").mkdir(parents=True, exist_ok=True)
    text = default_config_text().replace("@example.org", f"@{world.domain}")
    path = directory / "sozialbot.toml"
    path.write_text(text + email_table(world, **overrides), encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("email = "):
            world.address(line.split('"')[1])
    return path


class Clock:
    """The bot's clock in a test: fixed, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.value = start

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


class RunningMailBot:
    """The real core and the real e-mail channel in a task of the test's event loop."""

    def __init__(self, config_path: Path, world: MailWorld, clock: Clock | None = None) -> None:
        from bot.config import load_config

        self.config_path = config_path
        self.world = world
        self.clock = clock or Clock(datetime(2026, 2, 2, 12, 0, tzinfo=BERLIN))
        self.config = load_config(config_path)
        self.core: Any = None
        self.channel: Any = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> RunningMailBot:
        from bot.config import load_config
        from bot.mail.channel import MailChannel
        from bot.mail.settings import MailSettings
        from handlers.service import Core

        self.config = load_config(self.config_path)
        self.core = Core.open(self.config)
        self.channel = MailChannel(self.core, self.config, MailSettings.from_config(self.config),
                                   now=self.clock)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.channel.run(self._stop))
        return self

    async def stop(self) -> None:
        if self._task is None or self._stop is None:
            return
        self._stop.set()
        async with asyncio.timeout(WAIT_SECONDS):
            await self._task
        self._task = None
        self.core.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def say(self, sender: str, text: str) -> Any:
        """A message straight to the core (console or person id), to set the scene."""
        from handlers.messages import IncomingMessage, Sender

        channel = "email" if "@" in sender else "console"
        outcome = self.core.handle(IncomingMessage(
            Sender(channel, sender, verified=True), text, f"test:{uuid.uuid4().hex}",
            self.clock()))
        assert outcome.accepted, "\n".join(r.text for r in outcome.replies)
        return outcome

    async def settled(self, *, sent: bool = True, timeout: float = WAIT_SECONDS) -> None:  # noqa: ASYNC109
        """Until the inbox is empty, every notification queued and (if `sent`) every mail sent."""
        deadline = time.monotonic() + timeout
        while True:
            if self._task is not None and self._task.done():
                self._task.result()
                raise AssertionError("the mail channel stopped")
            inbox = await self.world.count("bot")
            queue = await asyncio.to_thread(self.channel.state.pending)
            waiting = await asyncio.to_thread(self.core.pending_notifications, "email",
                                              self.clock())
            if inbox == 0 and not waiting and (not sent or not queue):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled: inbox {inbox}, queue {len(queue)}, "
                                     f"notifications {len(waiting)}, {self.channel.stats}")
            await asyncio.sleep(0.05)
