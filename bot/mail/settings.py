"""The e-mail channel's settings: the mailbox, its IMAP and SMTP servers, and whether `sozialbot
run` starts the channel (`mail_status`).

Settings (`sozialbot run` starts the channel when `[email.imap]` and `[email.smtp]` name a host;
passwords come from the environment variables named here, never from the file):

    [email]
    address = "budget2@landkreis-lueneburg.de"   # From of every mail the bot sends
    name = "Budget II – Landkreis Lüneburg"      # display name (optional)

    [email.imap]
    host = "imap.landkreis-lueneburg.de"
    port = 993                    # 993 with security "tls", 143 with "starttls"
    security = "tls"              # "tls", "starttls", or "none" (only for 127.0.0.1)
    user = "budget2@landkreis-lueneburg.de"
    password_env = "SOZIALBOT_IMAP_PASSWORD"
    folder = "INBOX"
    done_folder = "Verarbeitet"
    failed_folder = "Nicht verarbeitet"
    idle = true                   # wait with IMAP IDLE where the server offers it
    poll_seconds = 60             # otherwise look every minute

    [email.smtp]
    host = "smtp.landkreis-lueneburg.de"
    port = 587                    # 587 with "starttls", 465 with "tls"
    security = "starttls"
    user = "budget2@landkreis-lueneburg.de"
    password_env = "SOZIALBOT_SMTP_PASSWORD"

Microsoft 365 and other OAuth2 servers: `auth = "oauth2"` with a provider under [email.imap] and
[email.smtp] instead of password_env (see `bot.mail.auth` and the README, "Microsoft 365").
Certificates are always checked; for a server certificate of the county's own CA add
`ca_file = "/etc/ssl/landkreis-ca.pem"` under [email.imap] or [email.smtp].
Optional under [email]: `max_mail_mb = 10`, `max_attachment_mb = 5`, `max_refusals_per_hour = 5`
(answers to mails the bot did not understand, per address; stops loops with auto-responders that
mark nothing), `retry_seconds = 5`, `retry_max_seconds = 300`, `notify_seconds = 30`,
`max_attempts = 3` (a mail that fails this often goes to "Nicht verarbeitet", its sender gets a
polite answer, the administration a notice; attempts are counted in DATA/mail/attempts.jsonl),
`mail_seconds = 300` (one mail taking longer has failed an attempt).

Sender check: `trusted_authserv_id = "mx.landkreis-lueneburg.de"` under [email] names the county's
receiving server whose Authentication-Results header (DMARC pass, or DKIM pass aligned with the
From domain) marks a mail as verified (`bot.mail.sender`). Without it, or when a mail is not
verified, a configured person's command waits for the code sent to her address on record
(`handlers.verification`). A From the strict parser doubts never speaks for a configured person.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.documents import MAX_ATTACHMENT_BYTES
from bot.mail.auth import OAuthSettings, SettingsError, credentials
from bot.sandbox import Budget
from rules.county import Config

MAX_MAIL_BYTES = 10 * 1024 * 1024  # a larger mail is fetched by its headers only


class MailConfigError(ValueError):
    """The [email] section is incomplete; the message says what is missing (German)."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str  # "tls", "starttls", "none"
    user: str
    password: str
    ca_file: str = ""  # a county's own CA (PEM) for a server certificate it issued itself
    oauth: OAuthSettings | None = None  # auth = "oauth2" (bot.mail.auth)

    def tls_context(self) -> ssl.SSLContext:
        """Certificates and host names are always checked; `ca_file` adds a trusted CA."""
        return ssl.create_default_context(cafile=self.ca_file or None)


@dataclass(frozen=True)
class MailSettings:
    address: str
    name: str
    imap: Server
    smtp: Server
    folder: str = "INBOX"
    done_folder: str = "Verarbeitet"
    failed_folder: str = "Nicht verarbeitet"
    idle: bool = True
    idle_seconds: float = 5 * 60
    poll_seconds: float = 60.0
    notify_seconds: float = 30.0
    retry_seconds: float = 5.0
    retry_max_seconds: float = 300.0
    max_mail_bytes: int = MAX_MAIL_BYTES
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    max_refusals_per_hour: int = 5
    max_attempts: int = 3
    mail_seconds: float = 300.0
    batch: int = 50
    timeout: float = 60.0
    trusted_authserv_id: str = ""  # whose Authentication-Results count (bot.mail.sender)
    budget: Budget = field(default_factory=Budget)  # for one mail's documents (bot.sandbox)

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1] or "localhost"

    @classmethod
    def from_config(cls, config: Config) -> MailSettings:
        raw = config.raw.get("email") or {}
        imap = raw.get("imap") if isinstance(raw, dict) else None
        smtp = raw.get("smtp") if isinstance(raw, dict) else None
        if not isinstance(imap, dict) or not isinstance(smtp, dict) or not (
                imap.get("host") and smtp.get("host")):
            raise MailConfigError("in der Konfiguration fehlen [email.imap] host und "
                                  "[email.smtp] host")
        address = str(raw.get("address") or imap.get("user") or "").strip().lower()
        if "@" not in address:
            raise MailConfigError("[email] address fehlt (die Absenderadresse des Bots)")
        mb = 1024 * 1024
        number = _number(raw)
        return cls(
            address=address,
            name=str(raw.get("name", "sozialbot")),
            imap=_server(imap, "imap", 993, address, raw.get("oauth2") or {}),
            smtp=_server(smtp, "smtp", 587, address, raw.get("oauth2") or {}),
            folder=str(imap.get("folder", "INBOX")),
            done_folder=str(imap.get("done_folder", "Verarbeitet")),
            failed_folder=str(imap.get("failed_folder", "Nicht verarbeitet")),
            idle=bool(imap.get("idle", True)),
            idle_seconds=min(float(imap.get("idle_seconds", 5 * 60)), 29 * 60),
            poll_seconds=float(imap.get("poll_seconds", 60)),
            notify_seconds=number("notify_seconds", 30.0),
            retry_seconds=number("retry_seconds", 5.0),
            retry_max_seconds=number("retry_max_seconds", 300.0),
            max_mail_bytes=int(number("max_mail_mb", 10) * mb),
            max_attachment_bytes=int(number("max_attachment_mb", 5) * mb),
            max_refusals_per_hour=int(number("max_refusals_per_hour", 5)),
            max_attempts=max(1, int(number("max_attempts", 3))),
            mail_seconds=number("mail_seconds", 300.0),
            timeout=number("timeout_seconds", 60.0),
            trusted_authserv_id=str(raw.get("trusted_authserv_id", "")).strip().lower(),
            budget=Budget.from_section(config.raw.get("security")),
        )


def _number(section: dict[str, Any]) -> Callable[[str, float], float]:
    def pick(key: str, default: float) -> float:
        value = section.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise MailConfigError(f"[email] {key} muss eine Zahl ≥ 0 sein")
        return float(value)
    return pick


def _server(section: dict[str, Any], kind: str, default_port: int, address: str,
            oauth2: dict[str, Any]) -> Server:
    """One server's settings; the password or OAuth2 secret is read from the environment."""
    security = str(section.get("security", "tls" if kind == "imap" else "starttls")).lower()
    if security not in ("tls", "starttls", "none"):
        raise MailConfigError(f"[email.{kind}] security muss „tls“, „starttls“ oder „none“ sein")
    defaults = ({"tls": 993, "starttls": 143, "none": 143} if kind == "imap"
                else {"tls": 465, "starttls": 587, "none": 25})
    port = section.get("port") or defaults.get(security, default_port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise MailConfigError(f"[email.{kind}] port muss eine Portnummer sein")
    user = str(section.get("user", ""))
    if kind == "imap" and not user:
        user = address  # IMAP always needs a login; mailbox logins are usually the address
    if kind == "smtp" and not user and section.get("auth") == "oauth2":
        user = address
    try:
        password, oauth = credentials(section, oauth2, kind, user)
    except SettingsError as error:
        raise MailConfigError(str(error)) from None
    ca_file = str(section.get("ca_file", ""))
    if ca_file and not Path(ca_file).is_file():
        raise MailConfigError(f"[email.{kind}] ca_file {ca_file} gibt es nicht")
    return Server(str(section["host"]), port, security, user, password, ca_file, oauth)


def mail_status(config: Config) -> tuple[bool, str]:
    """Whether `sozialbot run` starts the e-mail channel, and why (German, for the console)."""
    if not (config.raw.get("email") or {}):
        return False, "kein Abschnitt [email] in der Konfiguration"
    try:
        settings = MailSettings.from_config(config)
    except MailConfigError as error:
        return False, str(error)
    return True, (f"{settings.address} über IMAP {settings.imap.host}:{settings.imap.port} "
                  f"und SMTP {settings.smtp.host}:{settings.smtp.port}")
