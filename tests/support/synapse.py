"""A real Matrix homeserver (Synapse from PyPI) on 127.0.0.1 for the Matrix tests.

    # registered for every test by tests/conftest.py

    def test_x(synapse):                      # one Synapse per test session
        user = synapse.register("sek-ade")    # a fresh user: user id + access token

Synapse runs once per session from a generated configuration (SQLite, registration by shared
secret, rate limits relaxed, no federation); users are registered over its admin API with the
shared secret (the same HMAC `register_new_matrix_user` computes). Every test registers users of
its own (a counter in the name), so rooms and messages of other tests never reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.mailservers import free_port

SERVER_NAME = "localhost"
START_SECONDS = 60.0
RELAXED = {"per_second": 1000, "burst_count": 1000}


@dataclass(frozen=True)
class MatrixUser:
    user_id: str
    access_token: str
    device_id: str
    password: str


class Synapse:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = "test-secret"
        self._names = itertools.count(1)
        self.process: subprocess.Popen[bytes] | None = None
        self.started_seconds = 0.0

    def configure(self) -> None:
        config = self.directory / "hs.yaml"
        subprocess.run([sys.executable, "-m", "synapse.app.homeserver", "--server-name",
                        SERVER_NAME, "--config-path", str(config), "--generate-config",
                        "--report-stats=no"], cwd=self.directory, check=True,
                       capture_output=True, timeout=120)
        settings = yaml.safe_load(config.read_text())
        settings.update({
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                           "tls": False, "x_forwarded": False,
                           "resources": [{"names": ["client"], "compress": False}]}],
            "registration_shared_secret": self.secret,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "enable_metrics": False,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "max_upload_size": "10M",
            "rc_message": RELAXED, "rc_registration": RELAXED, "rc_joins": {
                "local": RELAXED, "remote": RELAXED},
            "rc_login": {"address": RELAXED, "account": RELAXED, "failed_attempts": RELAXED},
            "rc_invites": {"per_room": RELAXED, "per_user": RELAXED, "per_issuer": RELAXED},
            "rc_key_requests": RELAXED,
            "rc_3pid_validation": RELAXED,
            "rc_admin_redaction": RELAXED,
            "log_config": str(self._log_config()),
        })
        config.write_text(yaml.safe_dump(settings))

    def _log_config(self) -> Path:
        path = self.directory / "log.yaml"
        path.write_text(yaml.safe_dump({
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                                  "filename": str(self.directory / "synapse.log")}},
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }))
        return path

    def start(self) -> None:
        began = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "--config-path",
             str(self.directory / "hs.yaml")], cwd=self.directory,
            stdout=subprocess.DEVNULL, stderr=open(self.directory / "stderr.log", "wb"))  # noqa: SIM115
        while time.monotonic() - began < START_SECONDS:
            if self.process.poll() is not None:
                raise RuntimeError("Synapse stopped: "
                                   + (self.directory / "stderr.log").read_text()[-2000:])
            try:
                self.request("GET", "/_matrix/client/versions")
            except OSError:
                time.sleep(0.2)
                continue
            self.started_seconds = time.monotonic() - began
            return
        raise RuntimeError("Synapse did not start in time")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def request(self, method: str, path: str, body: dict | None = None,
                token: str | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def register(self, name: str, *, admin: bool = False) -> MatrixUser:
        """A new user `<name>-<n>` with a password and an access token."""
        local = f"{name}-{next(self._names)}"
        password = f"pw-{local}"
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac_hex = hmac.new(self.secret.encode(), mac_digest_input(nonce, local, password, admin),
                           hashlib.sha1).hexdigest()
        answer = self.request("POST", "/_synapse/admin/v1/register", {
            "nonce": nonce, "username": local, "password": password, "admin": admin,
            "mac": mac_hex})
        return MatrixUser(answer["user_id"], answer["access_token"], answer["device_id"],
                          password)


def mac_digest_input(nonce: str, user: str, password: str, admin: bool) -> bytes:
    return b"\x00".join(part.encode() for part in
                        (nonce, user, password, "admin" if admin else "notadmin"))


@pytest.fixture(scope="session")
def synapse() -> Iterator[Synapse]:
    directory = Path(tempfile.mkdtemp(prefix="synapse-"))
    os.chmod(directory, 0o755)
    server = Synapse(directory)
    server.configure()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class MatrixPerson:
    """A person's Matrix client with encryption on (matrix-nio, its own crypto store): joins
    what it is invited to, collects the messages it gets, decrypted."""

    def __init__(self, synapse: Synapse, user: MatrixUser, store: Path) -> None:
        from nio import AsyncClient, AsyncClientConfig

        store.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.client = AsyncClient(synapse.url, user.user_id, device_id=user.device_id,
                                  store_path=str(store),
                                  config=AsyncClientConfig(encryption_enabled=True))
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.received: list[Any] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.client.keys_upload()
        await self.client.sync(timeout=0, full_state=True)
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        from nio import InviteMemberEvent, RoomMessage, SyncResponse

        while True:
            response = await self.client.sync(timeout=300)
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())
            for room_id, info in response.rooms.invite.items():
                if any(isinstance(e, InviteMemberEvent) and e.membership == "invite"
                       for e in info.invite_state):
                    await self.client.join(room_id)
            for room_id, info in response.rooms.join.items():
                for event in info.timeline.events:
                    if isinstance(event, RoomMessage) and event.sender != self.user.user_id:
                        self.received.append((room_id, event))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def open_dm(self, other: str) -> str:
        """An encrypted direct-message room with `other`, as Element creates it."""
        from nio import RoomPreset

        answer = await self.client.room_create(
            is_direct=True, invite=[other], preset=RoomPreset.trusted_private_chat,
            initial_state=[{"type": "m.room.encryption", "state_key": "",
                            "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        room_id = answer.room_id
        for _ in range(200):
            room = self.client.rooms.get(room_id)
            if room is not None and other in room.users and other not in room.invited_users:
                return room_id
            await asyncio.sleep(0.1)
        raise AssertionError(f"{other} did not join {room_id}")

    async def send(self, room_id: str, text: str) -> str:
        answer = await self.client.room_send(room_id, "m.room.message",
                                             {"msgtype": "m.text", "body": text},
                                             ignore_unverified_devices=True)
        return answer.event_id

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        await self.client.room_send(room_id, "m.reaction", {"m.relates_to": {
            "rel_type": "m.annotation", "event_id": event_id, "key": key}},
            ignore_unverified_devices=True)

    async def wait_for(self, needle: str, *, after: int = 0, seconds: float = 30) -> Any:
        """The first message (from index `after`) whose body contains `needle`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for _, event in self.received[after:]:
                if needle in getattr(event, "body", ""):
                    return event
            await asyncio.sleep(0.1)
        bodies = [getattr(e, "body", type(e).__name__)[:120] for _, e in self.received]
        raise AssertionError(f"no message with {needle!r}; got {bodies}")

    async def say(self, room_id: str, text: str, expect: str) -> Any:
        mark = len(self.received)
        await self.send(room_id, text)
        return await self.wait_for(expect, after=mark)
