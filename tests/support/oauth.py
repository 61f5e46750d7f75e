"""OAuth2 without a cloud: a token endpoint and an RFC 7662 introspection endpoint (aiohttp, in
its own thread), a Dovecot whose oauth2 passdb asks that endpoint, and an SMTP server that
accepts nothing but XOAUTH2 with a token the endpoint issued.

The token endpoint speaks the client-credentials grant (client secret by HTTP Basic or in the
form), and, over HTTPS with Dovecot's certificate, the OpenID discovery document MSAL reads for an
authority `https://127.0.0.1:PORT/<tenant>`, so the Microsoft 365 provider runs through MSAL.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import BasicAuth, web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from cryptography import x509

from tests.support.mailservers import Dovecot, RelayHandler, free_port


@dataclass
class Issued:
    token: str
    user: str
    expires: float
    revoked: bool = False


@dataclass
class TokenServer:
    """Issues tokens for `user` to `client_id`/`secret`, each valid `lifetime` seconds."""

    user: str
    client_id: str = "sozialbot"
    secret: str = "client-geheimnis"
    lifetime: float = 3600.0
    cert: tuple[str, str] | None = None  # (certificate, key) for the HTTPS listener
    tokens: list[Issued] = field(default_factory=list)
    refuse_all: bool = False  # introspection says "inactive" for every token
    service_account: tuple[str, str] | None = None  # (client_email, public key PEM)
    uploaded: str | None = None  # the app's certificate (PEM) "uploaded" to Entra
    assertions: list[dict[str, Any]] = field(default_factory=list)  # verified jwt-bearer claims
    introspections: int = 0
    port: int = 0
    tls_port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def valid(self, token: str, user: str | None = None) -> bool:
        now = time.time()
        return not self.refuse_all and any(
            i.token == token and not i.revoked and i.expires > now and user in (None, i.user)
            for i in self.tokens)

    def revoke_all(self) -> None:
        for issued in self.tokens:
            issued.revoked = True

    # -- HTTP -------------------------------------------------------------------------------
    def _client(self, request: web.Request, form: dict[str, str]) -> tuple[str, str]:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            auth = BasicAuth.decode(header)
            return auth.login, auth.password
        return form.get("client_id", ""), form.get("client_secret", "")

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._jwt_bearer(str(form.get("assertion", "")), str(request.url))
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        client, secret = self._client(request, form)  # type: ignore[arg-type]
        assertion = str(form.get("client_assertion", ""))
        if assertion:  # a certificate credential: signed by the key of the uploaded certificate
            client = self._client_of_assertion(assertion, str(request.url))
            secret = self.secret if client else ""
        if client != self.client_id or secret != self.secret:
            return web.json_response({"error": "invalid_client",
                                      "error_description": "Client unbekannt oder Secret falsch"},
                                     status=401)
        issued = Issued(secrets.token_urlsafe(24), self.user, time.time() + self.lifetime)
        self.tokens.append(issued)
        return web.json_response({"access_token": issued.token, "token_type": "Bearer",
                                  "expires_in": int(self.lifetime)})

    def _client_of_assertion(self, assertion: str, url: str) -> str:
        """The client a certificate assertion comes from ("" if its signature or certificate
        is not the uploaded one), as Entra checks it."""
        if self.uploaded is None:
            return ""
        public_key = x509.load_pem_x509_certificate(self.uploaded.encode()).public_key()
        try:
            claims = jwt.decode(assertion, public_key,  # type: ignore[arg-type]
                                algorithms=["PS256", "RS256"], audience=url,
                                options={"require": ["exp", "iss", "sub"]})
        except jwt.PyJWTError:
            return ""
        self.assertions.append(claims)
        return str(claims["iss"]) if claims["iss"] == claims["sub"] else ""

    def _jwt_bearer(self, assertion: str, url: str) -> web.Response:
        """A service account's signed request (RFC 7523), checked as Google checks it."""
        try:
            assert self.service_account is not None
            email, public_key = self.service_account
            claims = jwt.decode(assertion, public_key, algorithms=["RS256"], audience=url,
                                issuer=email, options={"require": ["exp", "iat", "sub"]})
        except (AssertionError, jwt.PyJWTError) as error:
            return web.json_response({"error": "invalid_grant",
                                      "error_description": str(error)}, status=400)
        self.assertions.append(claims)
        issued = Issued(secrets.token_urlsafe(24), claims["sub"], time.time() + self.lifetime)
        self.tokens.append(issued)
        return web.json_response({"access_token": issued.token, "token_type": "Bearer",
                                  "expires_in": int(self.lifetime)})

    async def _introspect(self, request: web.Request) -> web.Response:
        self.introspections += 1
        form = await request.post()
        token = str(form.get("token", ""))
        if not token:  # Dovecot may send the token as a bearer header
            token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        found = next((i for i in self.tokens if i.token == token), None)
        if found is None or not self.valid(token):
            return web.json_response({"active": False})
        return web.json_response({"active": True, "username": found.user})

    async def _discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        base = f"https://127.0.0.1:{self.tls_port}/{tenant}"
        return web.json_response({
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "issuer": f"{base}/v2.0",
        })

    # -- running ----------------------------------------------------------------------------
    def start(self) -> TokenServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/token", self._token)
            app.router.add_post("/introspect", self._introspect)
            app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
            app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
            self._runner = web.AppRunner(app, handler_cancellation=True)
            await self._runner.setup()
            self.port = free_port()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            if self.cert is not None:
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(*self.cert)
                self.tls_port = free_port()
                await web.TCPSite(self._runner, "127.0.0.1", self.tls_port,
                                  ssl_context=context).start()
            ready.set()

        def run() -> None:
            assert self._loop is not None
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True, name="token-server").start()
        if not ready.wait(10):
            raise RuntimeError("token server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop = None


class OAuthDovecot(Dovecot):
    """Dovecot with XOAUTH2/OAUTHBEARER checked by the token server's introspection endpoint,
    beside the usual passwords."""

    def __init__(self, directory: Any, introspection_url: str) -> None:
        super().__init__(directory)
        self.introspection_url = introspection_url

    def _write_config(self) -> None:
        super()._write_config()
        oauth = self.directory / "oauth2.conf"
        oauth.write_text(f"introspection_mode = post\n"
                         f"introspection_url = {self.introspection_url}\n"
                         "username_attribute = username\nactive_attribute = active\n"
                         "active_value = true\n", encoding="utf-8")
        text = self.config_path.read_text(encoding="utf-8")
        text = text.replace("auth_mechanisms = plain login",
                            "auth_mechanisms = plain login xoauth2 oauthbearer\n"
                            "auth_failure_delay = 0\n"
                            "login_trusted_networks = 127.0.0.0/8")  # no penalty for failures
        text += (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                 f"  args = {oauth}\n}}\n")
        self.config_path.write_text(text, encoding="utf-8")


class XOAuth2Handler(RelayHandler):
    """Relays into Dovecot; AUTH only by XOAUTH2 with a token the server issued for the user."""

    tokens: TokenServer
    logins: list[str]

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        blob = args[1] if len(args) > 1 else ""
        try:
            fields = dict(part.split("=", 1) for part in
                          base64.b64decode(blob).decode().split("\x01") if "=" in part)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            fields = {}
        user = fields.get("user", "")
        token = fields.get("auth", "").removeprefix("Bearer ")
        if self.tokens.valid(token, user):
            self.logins.append(user)
            return AuthResult(success=True, auth_data=user)
        problem = json.dumps({"status": "401", "schemes": "bearer", "scope": "smtp"})
        await server.challenge_auth(problem)  # the client answers with an empty line
        return AuthResult(success=False, handled=False)


class XOAuth2Smtp:
    """An SMTP server on 127.0.0.1 that refuses every login but XOAUTH2."""

    def __init__(self, dovecot: Dovecot, tokens: TokenServer) -> None:
        self.handler = XOAuth2Handler(dovecot)
        self.handler.tokens = tokens
        self.handler.logins = []
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> XOAuth2Smtp:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10,
            auth_required=True, auth_require_tls=False,
            auth_exclude_mechanism=["LOGIN", "PLAIN"])
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def deliveries(self) -> list[Any]:
        return self.handler.deliveries

    @property
    def logins(self) -> list[str]:
        return self.handler.logins
