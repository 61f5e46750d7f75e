"""How the mail channel logs in: a password, or an OAuth2 access token (XOAUTH2).

Exchange Online refuses passwords for IMAP and, from the end of 2026, for SMTP submission; a
county on Microsoft 365 registers the bot as an application and lets it fetch tokens itself
(client-credentials flow, no person involved). `[email.imap]` and `[email.smtp]` each say

    auth = "password"        # the default: password_env names the variable with the password
    auth = "oauth2"
    provider = "microsoft365"                 # MSAL, scope https://outlook.office365.com/.default
    tenant_id = "0f1e…"                       # Verzeichnis-ID (Mandanten-ID) in Entra
    client_id = "6a2b…"                       # Anwendungs-ID (Client-ID) of the app registration
    client_secret_env = "SOZIALBOT_OAUTH_SECRET"      # or:
    certificate_env = "SOZIALBOT_OAUTH_CERTIFICATE"   # a PEM (key + certificate) or its path

    provider = "generic"                      # any OAuth2 server, without MSAL
    token_url = "https://login.example.org/oauth2/token"
    client_id = "sozialbot"                   # or client_id_env
    client_secret_env = "SOZIALBOT_OAUTH_SECRET"
    scope = "…"                               # optional
    token_auth = "basic"                      # or "post": client secret in the form body

    provider = "generic"                      # Google Workspace: a service account with
    service_account_env = "SOZIALBOT_GOOGLE_KEY"  # domain-wide delegation; its JSON key (or
    scope = "https://mail.google.com/"        # its path); token_url from the key

The service account signs a JWT for the mailbox (`user`) and trades it at the token endpoint
(RFC 7523, as Google requires); the client-credentials grant is used otherwise.

Keys the two sections share may stand once under `[email.oauth2]`. A token is fetched when first
needed, kept, and fetched anew before it expires (at a quarter of its lifetime left, at most five
minutes before). A server that refuses a token gets one freshly fetched token more; refused again,
the login fails with a German explanation for the administrator, and the channel backs off.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.error

    import aiosmtplib
    from imap_tools import BaseMailBox

log = logging.getLogger(__name__)

M365_SCOPE = "https://outlook.office365.com/.default"
M365_AUTHORITY_HOST = "login.microsoftonline.com"
PROVIDERS = ("microsoft365", "generic")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
HINT_M365 = ("Prüfen Sie in Entra die Berechtigung IMAP.AccessAsApp bzw. SMTP.SendAsApp mit "
             "Administratorzustimmung, den Exchange-Dienstprinzipal (New-ServicePrincipal) und "
             "die Postfachberechtigung (Add-MailboxPermission); siehe README „Microsoft 365“.")
HINT_GENERIC = ("Prüfen Sie, ob der Client beim OAuth2-Server für dieses Postfach und diesen "
                "Dienst freigegeben ist (scope, Benutzer).")


class SettingsError(ValueError):
    """An [email.*] login setting is missing or wrong (German, names the key)."""


class LoginRefused(ConnectionError):
    """The token endpoint or the mail server refused the bot; the message says why (German).

    A ConnectionError, so the channel treats it like a server that is away: it logs the
    message and tries again after a growing pause."""


@dataclass(frozen=True)
class OAuthSettings:
    provider: str
    client_id: str
    secret: str = field(default="", repr=False)
    certificate: str = field(default="", repr=False)  # PEM: private key and certificate
    tenant: str = ""
    authority_host: str = M365_AUTHORITY_HOST
    token_url: str = ""
    scope: str = ""
    token_auth: str = "basic"
    service_account: str = field(default="", repr=False)  # a Google key (jwt-bearer grant)
    subject: str = ""  # the mailbox the service account acts for

    @property
    def hint(self) -> str:
        return HINT_M365 if self.provider == "microsoft365" else HINT_GENERIC

    @property
    def endpoint(self) -> str:
        if self.provider == "microsoft365":
            return f"https://{self.authority_host}/{self.tenant}"
        return self.token_url


def _env(section: dict[str, Any], key: str, kind: str, what: str) -> str:
    name = section.get(key)
    if not name:
        return ""
    value = os.environ.get(str(name), "")
    if not value:
        raise SettingsError(f"die Umgebungsvariable {name} ({what} für {kind.upper()}) ist "
                            "nicht gesetzt")
    return value


def _certificate(value: str, kind: str) -> str:
    """The PEM text itself, or read from the path the variable holds."""
    if value.lstrip().startswith("-----BEGIN"):
        return value
    try:
        return Path(value).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"[email.{kind}] das Zertifikat {value} ist nicht lesbar: "
                            f"{error}") from None


def _is_loopback(url: str) -> bool:
    return (urllib.parse.urlsplit(url).hostname or "") in LOOPBACK


def credentials(section: dict[str, Any], shared: dict[str, Any], kind: str,
                user: str) -> tuple[str, OAuthSettings | None]:
    """The password (for auth = "password") or the OAuth2 settings of one server section;
    `shared` is [email.oauth2], whose keys the section may override."""
    auth = str(section.get("auth", "password")).lower()
    if auth == "password":
        password = _env(section, "password_env", kind, "Passwort")
        if user and not section.get("password_env"):
            raise SettingsError(f"[email.{kind}] password_env fehlt (der Name der "
                                "Umgebungsvariablen mit dem Passwort)")
        return password, None
    if auth != "oauth2":
        raise SettingsError(f"[email.{kind}] auth muss „password“ oder „oauth2“ sein")
    if not user:
        raise SettingsError(f"[email.{kind}] user fehlt (das Postfach, für das der Token gilt)")
    merged = {**shared, **{k: v for k, v in section.items() if k != "password_env"}}
    provider = str(merged.get("provider", "")).lower()
    if provider not in PROVIDERS:
        raise SettingsError(f"[email.{kind}] provider muss „microsoft365“ oder „generic“ sein")
    client_id = str(merged.get("client_id") or _env(merged, "client_id_env", kind, "Client-ID"))
    if not client_id and not (provider == "generic" and merged.get("service_account_env")):
        raise SettingsError(f"[email.{kind}] client_id fehlt")
    secret = _env(merged, "client_secret_env", kind, "Client-Secret")
    if provider == "microsoft365":
        tenant = str(merged.get("tenant_id", ""))
        if not re.fullmatch(r"[A-Za-z0-9.-]+", tenant):
            raise SettingsError(f"[email.{kind}] tenant_id fehlt (die Verzeichnis-ID aus Entra)")
        certificate = _env(merged, "certificate_env", kind, "Zertifikat")
        if not (secret or certificate):
            raise SettingsError(f"[email.{kind}] client_secret_env oder certificate_env fehlt")
        return "", OAuthSettings(
            provider, client_id, secret,
            _certificate(certificate, kind) if certificate and not secret else "", tenant,
            str(merged.get("authority_host", M365_AUTHORITY_HOST)),
            scope=str(merged.get("scope", M365_SCOPE)))
    account = _env(merged, "service_account_env", kind, "Schlüssel des Dienstkontos")
    key: dict[str, Any] = {}
    if account:
        key = _service_account(account, kind)
        client_id = client_id or str(key["client_email"])
    token_url = str(merged.get("token_url") or key.get("token_uri", ""))
    if not (token_url.startswith("https://") or
            (token_url.startswith("http://") and _is_loopback(token_url))):
        raise SettingsError(f"[email.{kind}] token_url muss eine https://-Adresse sein")
    token_auth = str(merged.get("token_auth", "basic")).lower()
    if token_auth not in ("basic", "post"):
        raise SettingsError(f"[email.{kind}] token_auth muss „basic“ oder „post“ sein")
    if not (secret or account):
        raise SettingsError(f"[email.{kind}] client_secret_env (oder service_account_env) fehlt")
    return "", OAuthSettings(provider, client_id, secret, token_url=token_url,
                             scope=str(merged.get("scope", "")), token_auth=token_auth,
                             service_account=json.dumps(key) if key else "",
                             subject=user if key else "")


def _service_account(value: str, kind: str) -> dict[str, Any]:
    """A service account's JSON key: the variable holds it, or the path to it."""
    try:
        text = value if value.lstrip().startswith("{") else Path(value).read_text("utf-8")
        key = json.loads(text)
    except (OSError, ValueError) as error:
        raise SettingsError(f"[email.{kind}] der Schlüssel des Dienstkontos ist nicht lesbar: "
                            f"{error}") from None
    if not isinstance(key, dict) or not all(isinstance(key.get(k), str) and key[k]
                                            for k in ("client_email", "private_key")):
        raise SettingsError(f"[email.{kind}] im Schlüssel des Dienstkontos fehlen client_email "
                            "oder private_key")
    return key


# -- tokens -------------------------------------------------------------------------------------


class TokenSource:
    """One access token, kept until shortly before it expires; safe to share between threads
    (IMAP runs in a worker thread, SMTP in the event loop)."""

    def __init__(self, settings: OAuthSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.fetched = 0
        self._token = ""
        self._renew_at = 0.0
        self._lock = threading.Lock()
        self._msal: Any = None

    def token(self, *, fresh: bool = False, refused: str = "") -> str:
        """The current token; a new one when it is due, or when `refused` is the token a server
        just refused (another thread may have fetched a new one meanwhile)."""
        with self._lock:
            stale = fresh or (refused and refused == self._token)
            if stale or not self._token or self.clock() >= self._renew_at:
                token, lifetime = self._fetch()
                self.fetched += 1
                self._token = token
                self._renew_at = self.clock() + lifetime - min(300.0, lifetime / 4)
                log.info("OAuth2: neues Zugriffstoken von %s geholt (gültig %.0f s)",
                         self.settings.endpoint, lifetime)
            return self._token

    def _fetch(self) -> tuple[str, float]:
        if self.settings.provider == "microsoft365":
            return self._fetch_msal()
        return self._fetch_generic()

    def _fetch_generic(self) -> tuple[str, float]:
        import urllib.error  # only OAuth needs them (a tenth of the mail channel's imports)
        import urllib.request

        s = self.settings
        form = {"grant_type": "client_credentials"}
        if s.scope:
            form["scope"] = s.scope
        headers = {"Accept": "application/json"}
        if s.service_account:
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": _assertion(s)}
        elif s.token_auth == "basic":
            pair = f"{urllib.parse.quote(s.client_id)}:{urllib.parse.quote(s.secret)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form.update(client_id=s.client_id, client_secret=s.secret)
        request = urllib.request.Request(s.token_url, urllib.parse.urlencode(form).encode(),
                                         headers)
        try:
            with urllib.request.urlopen(request, timeout=30,
                                        context=ssl.create_default_context()) as response:
                answer = json.loads(response.read(1024 * 1024))
        except urllib.error.HTTPError as error:
            raise LoginRefused(f"Der Token-Endpunkt {s.token_url} lehnt die Anmeldung ab "
                               f"(HTTP {error.code}: {_oauth_error(error)}). Prüfen Sie "
                               "client_id und das Client-Secret.") from None
        except (OSError, ValueError) as error:
            raise LoginRefused(f"Der Token-Endpunkt {s.token_url} ist nicht erreichbar oder "
                               f"antwortet unverständlich: {error}") from None
        return _token_of(answer, s.token_url)

    def _fetch_msal(self) -> tuple[str, float]:
        import msal  # only the microsoft365 provider needs it

        s = self.settings
        if self._msal is None:
            credential: Any = s.secret or _certificate_credential(s.certificate)
            self._msal = msal.ConfidentialClientApplication(
                s.client_id, authority=s.endpoint, client_credential=credential,
                instance_discovery=s.authority_host == M365_AUTHORITY_HOST, token_cache=None)
        self._msal.remove_tokens_for_client()  # our own cache decides when a token is due
        try:
            answer = self._msal.acquire_token_for_client(scopes=[s.scope])
        except (OSError, ValueError) as error:  # requests' errors are OSErrors
            self._msal = None
            raise LoginRefused(f"Microsoft Entra ({s.endpoint}) ist nicht erreichbar: "
                               f"{error}") from None
        if "access_token" not in answer:
            raise LoginRefused(
                f"Microsoft Entra lehnt die Anmeldung der App {s.client_id} ab: "
                f"{answer.get('error', '?')}: {_first_line(answer.get('error_description'))}. "
                "Prüfen Sie tenant_id, client_id und Secret bzw. Zertifikat.")
        return _token_of(answer, s.endpoint)


def _assertion(settings: OAuthSettings) -> str:
    """The service account's signed request for a token for the mailbox (RFC 7523)."""
    import jwt  # PyJWT with cryptography (a dependency of MSAL as well)

    key = json.loads(settings.service_account)
    now = int(time.time())
    claims = {"iss": key["client_email"], "sub": settings.subject, "aud": settings.token_url,
              "iat": now, "exp": now + 3600}
    if settings.scope:
        claims["scope"] = settings.scope
    try:
        return jwt.encode(claims, key["private_key"], algorithm="RS256",
                          headers={"kid": key["private_key_id"]} if key.get("private_key_id")
                          else None)
    except (ValueError, TypeError, jwt.PyJWTError) as error:
        raise LoginRefused(f"Der Schlüssel des Dienstkontos {key['client_email']} taugt nicht "
                           f"zum Signieren: {error}") from None


def _first_line(text: object) -> str:
    return str(text or "").strip().splitlines()[0][:300] if str(text or "").strip() else ""


def _oauth_error(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read(64 * 1024))
        return f"{body.get('error', '?')}: {_first_line(body.get('error_description'))}"
    except (OSError, ValueError, AttributeError):
        return str(error.reason)


def _token_of(answer: object, where: str) -> tuple[str, float]:
    if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
        raise LoginRefused(f"Der Token-Endpunkt {where} gab kein access_token zurück.")
    try:
        lifetime = float(answer.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600.0
    return answer["access_token"], max(lifetime, 1.0)


def _certificate_credential(pem: str) -> dict[str, str]:
    """MSAL's certificate credential: the key and the certificate (MSAL derives the thumbprint
    Entra knows the uploaded certificate by)."""
    found = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.S)
    if found is None:
        raise LoginRefused("Im Zertifikat für Microsoft 365 fehlt der Teil "
                           "„BEGIN CERTIFICATE“ (Schlüssel und Zertifikat in einer PEM-Datei).")
    return {"private_key": pem, "public_certificate": found.group(0)}


_SOURCES: dict[OAuthSettings, TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def token_source(settings: OAuthSettings) -> TokenSource:
    """The one token source for these settings: IMAP and SMTP of one app share their tokens."""
    with _SOURCES_LOCK:
        return _SOURCES.setdefault(settings, TokenSource(settings))


# -- logging in ---------------------------------------------------------------------------------


def imap_login(box: BaseMailBox, user: str, password: str,
               oauth: OAuthSettings | None) -> None:
    """Log in with the password or with XOAUTH2 (a refused token is replaced once)."""
    import imaplib

    from imap_tools.errors import MailboxLoginError

    if oauth is None:
        box.login(user, password, initial_folder=None)
        return
    source = token_source(oauth)
    token = source.token()
    for attempt in (1, 2):
        try:
            box.xoauth2(user, token, initial_folder=None)
            return
        except (imaplib.IMAP4.error, MailboxLoginError) as error:
            if attempt == 2:
                raise LoginRefused(
                    f"Der IMAP-Server lehnt die OAuth2-Anmeldung von {user} ab, auch mit einem "
                    f"frisch geholten Token ({_short(error)}). {oauth.hint}") from None
            log.warning("IMAP lehnt das Zugriffstoken für %s ab (%s); ein neues wird geholt",
                        user, _short(error))
            token = source.token(refused=token)


async def smtp_login(client: aiosmtplib.SMTP, user: str, password: str,
                     oauth: OAuthSettings | None) -> None:
    """Log in with the password or with XOAUTH2 (a refused token is replaced once)."""
    import asyncio

    import aiosmtplib

    if oauth is None:
        await client.login(user, password)
        return
    source = token_source(oauth)
    token = await asyncio.to_thread(source.token)
    for attempt in (1, 2):
        try:
            await client.auth_xoauth2(user, token)
            return
        except aiosmtplib.SMTPAuthenticationError as error:
            if attempt == 2:
                raise LoginRefused(
                    f"Der SMTP-Server lehnt die OAuth2-Anmeldung von {user} ab, auch mit einem "
                    f"frisch geholten Token ({error.code} {_short(error.message)}). "
                    f"{oauth.hint}") from None
            log.warning("SMTP lehnt das Zugriffstoken für %s ab (%s); ein neues wird geholt",
                        user, error.code)
            token = await asyncio.to_thread(functools.partial(source.token, refused=token))


def _short(error: object) -> str:
    return " ".join(str(error).split())[:200]
