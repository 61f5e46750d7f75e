"""The Matrix sync loop: invites joined, messages handed to the core, replies and the outbox sent.

Nothing lost, nothing twice: the sync token (`next_batch`) is written to disk only after every
event of that sync was handled by the core and answered; if an answer could not be sent, the
same sync is asked for again and the core, seeing the event id (the source id) a second time,
books nothing twice. The ids of answered events are fsynced (answered.log), so a sync delivered
again after a crash between answering and saving the token is not answered twice either. An event
whose handling fails is tried again with a later sync while the others are handled; after
`max_attempts` failures it is set aside (bot/attempts.py): its sender gets a polite answer and the
administration is told. Rate limits (M_LIMIT_EXCEEDED with retry_after_ms) are waited out by
matrix-nio itself (`max_limit_exceeded=None`). Encryption: matrix-nio with vodozemac; the
device's keys live in the crypto store in the data directory and are kept across restarts.
Direct messages only: in a room with more than two members the bot reads nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    MatrixRoom,
    MegolmEvent,
    ReactionEvent,
    RoomCreateResponse,
    RoomMessageMedia,
    RoomMessageText,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
    WhoamiResponse,
)

from bot import health
from bot.attempts import Attempts
from bot.backoff import Backoff, first_or_stop, sleep_or_stop
from bot.channel import Channel, Unavailable
from bot.matrix.answered import AnsweredEvents
from bot.matrix.render import contents, reaction_command
from bot.matrix.settings import MatrixSettings
from bot.outbox import Outbox
from handlers import faults
from handlers.messages import Action, IncomingMessage, Notification, Reply, Sender
from handlers.service import Core
from storage.atomic import write_atomic

log = logging.getLogger(__name__)
CHANNEL = "matrix"
SENT_KEEP = 2_000  # bot messages with actions remembered for reactions and replies
NOT_TEXT = ("Ich kann hier nur Text lesen. Bitte schreiben Sie Ihr Anliegen als Nachricht; "
            "/hilfe zeigt die Befehle.")
NOT_DECRYPTED = ("Ihre Nachricht konnte nicht entschlüsselt werden (dem Bot fehlt der Schlüssel). "
                 "Bitte senden Sie sie noch einmal.")
NOT_PROCESSED = ("Entschuldigung, Ihre Nachricht konnte nicht vollständig verarbeitet werden. Die "
                 "Kreisverwaltung ist informiert und kümmert sich darum; Sie müssen nichts weiter "
                 "tun.")


class DeliveryFailed(Exception):
    """The homeserver did not take a message; the sync is handled again later."""


class MatrixChannel:
    """The running Matrix channel: one client, its sync loop and its outbox delivery (for
    `channel`, the `bot.channel.Channel` that `sozialbot run` sees: `bot.matrix.Matrix`)."""

    def __init__(self, core: Core, settings: MatrixSettings, channel: Channel,
                 now: Callable[[], datetime] | None = None) -> None:
        self.core = core
        self.settings = settings
        self.now = now
        settings.store_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.client = AsyncClient(
            settings.homeserver, settings.user_id, device_id=settings.device_id,
            store_path=str(settings.store_dir),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False,
                                     max_limit_exceeded=None, request_timeout=60))
        self.token_path = settings.store_dir / "sync_token"
        self.sent_path = settings.store_dir / "sent_actions.json"
        self.sent: dict[str, dict[str, Any]] = self._load_sent()
        self.answered = AnsweredEvents(settings.store_dir / "answered.log")
        self.attempts = Attempts(settings.store_dir / "attempts.jsonl",
                                 limit=settings.max_attempts, first_pause=settings.attempt_seconds,
                                 max_pause=settings.attempt_max_seconds)
        self.outbox = Outbox(core, channel, interval=settings.delivery_interval,
                             attempts=self.attempts, now=self._now)
        # events to be tried again, as decrypted: the same sync delivered again may no longer
        # decrypt (its room key's to-device message is delivered again, and rejected as replayed)
        self._retrying: dict[str, Any] = {}
        self.created: dict[str, str] = {}  # direct rooms this run created, by user id
        self.health = health.channel(CHANNEL)  # for `sozialbot status`
        self.health.queue = lambda: len(core.pending_notifications(CHANNEL))

    def _now(self) -> datetime:
        return self.now() if self.now else datetime.now(self.core.tz)

    # -- login and state ----------------------------------------------------------------------
    async def login(self) -> None:
        if self.settings.access_token:
            self.client.restore_login(self.settings.user_id, self.settings.device_id,
                                      self.settings.access_token)
        else:
            answer = await self.client.login(self.settings.password, device_name="sozialbot")
            if not hasattr(answer, "access_token"):
                raise RuntimeError(f"Matrix-Anmeldung fehlgeschlagen: {answer}")
        if self.client.should_upload_keys:
            await self.client.keys_upload()

    def sync_token(self) -> str | None:
        try:
            return self.token_path.read_text().strip() or None
        except FileNotFoundError:
            return None

    def _load_sent(self) -> dict[str, dict[str, Any]]:
        try:
            return json.loads(self.sent_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def _remember(self, event_id: str, actions: tuple[Action, ...],
                  refers: tuple[str, ...]) -> None:
        if not actions and not refers:
            return
        self.sent[event_id] = {"actions": [[a.label, a.command] for a in actions],
                               "refers": list(refers)}
        while len(self.sent) > SENT_KEEP:
            self.sent.pop(next(iter(self.sent)))
        write_atomic(self.sent_path, json.dumps(self.sent).encode())

    # -- the loop -----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        await self.login()
        delivery = asyncio.create_task(self.outbox.run(stop))
        pause = Backoff(1.0, 60.0)
        try:
            while not stop.is_set():
                since = self.sync_token()
                sync = asyncio.ensure_future(self.client.sync(
                    timeout=self.settings.sync_timeout_ms, since=since,
                    full_state=since is None))
                if not await first_or_stop(sync, stop):
                    break
                response = sync.result()
                if not isinstance(response, SyncResponse):
                    self.health.down(f"sync: {response}")
                    delay = pause.next()
                    log.warning("Matrix sync failed: %s; again in %.0f s", response, delay)
                    await sleep_or_stop(delay, stop)
                    continue
                try:
                    await self.handle_sync(response)
                except DeliveryFailed as error:
                    self.health.error(f"Antwort nicht gesendet: {error}")
                    log.warning("Matrix answer not sent (%s); the sync is handled again", error)
                    await sleep_or_stop(pause.next(), stop)
                    continue
                pause.reset()
                self.health.up()
                write_atomic(self.token_path, response.next_batch.encode())
                self.outbox.wake()
        finally:
            delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await delivery
            await self.client.close()

    async def handle_sync(self, response: SyncResponse) -> None:
        await self._keys()
        for room_id, info in response.rooms.invite.items():
            if any(isinstance(e, InviteMemberEvent) and e.state_key == self.client.user_id
                   and e.membership == "invite" for e in info.invite_state):
                await self.client.join(room_id)

        async def in_order(room: MatrixRoom, events: list[Any]) -> int:
            return sum([not await self._attempt(room, event) for event in events
                        if event.sender != self.client.user_id
                        and event.event_id not in self.answered])

        rooms = [(room, info.timeline.events) for room_id, info in response.rooms.join.items()
                 if (room := self.client.rooms.get(room_id)) is not None
                 and room.member_count <= 2]  # groups: the bot answers direct messages only
        # each room's events in order, rooms side by side (one person's answer waits for no one)
        later = sum(await asyncio.gather(*(in_order(room, events) for room, events in rooms)))
        if later:
            raise DeliveryFailed(f"{later} event(s) to be tried again")

    async def _attempt(self, room: MatrixRoom, event: Any) -> bool:
        """Handle one event; False: try it again with a later sync (it failed, or its next
        attempt is not due yet). The events after it are handled meanwhile."""
        key = f"matrix:{event.event_id}"
        if isinstance(event, MegolmEvent):
            event = self._retrying.get(event.event_id, event)
        if self.attempts.get(key) is not None:
            if self.attempts.exhausted(key):
                return await self._give_up(room, event, key)
            if time.time() < self.attempts.due_at(key):
                return False
        try:
            await self.handle_event(room, event)
        except Exception as error:
            if isinstance(error, DeliveryFailed) and not await self._reachable():
                return False  # the homeserver is away: no fault of this event's, not counted
            failure = await asyncio.to_thread(self.attempts.failed, key, error)
            log.warning("Matrix event %s failed (attempt %d of %d): %s: %s", event.event_id,
                        failure.count, self.attempts.limit, type(error).__name__, error)
            if failure.count < self.attempts.limit:
                self._retrying[event.event_id] = event
                return False
            return await self._give_up(room, event, key)
        await asyncio.to_thread(self.answered.add, event.event_id)
        self.attempts.forget(key)
        self._retrying.pop(event.event_id, None)
        return True

    async def _reachable(self) -> bool:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                return isinstance(await self.client.whoami(), WhoamiResponse)
        return False

    async def _give_up(self, room: MatrixRoom, event: Any, key: str) -> bool:
        """After the last attempt: logged with the error class, the administration told once
        (core outbox), the sender answered politely if the homeserver takes it."""
        failure = self.attempts.get(key)
        error = failure.error if failure else "unbekannt"
        log.error("Matrix event %s set aside after %d attempts (%s)", event.event_id,
                  failure.count if failure else 0, error)
        now = self._now()
        try:
            await asyncio.to_thread(
                self.core.report_unprocessed, CHANNEL, key, sender=f"Matrix {event.sender}",
                error=error, where="im Matrix-Raum (übergangen, im Protokoll vermerkt)", now=now)
        except Exception:
            log.exception("the administration could not be told about %s", key)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(30):
                await self.send_reply(room.room_id, Reply(NOT_PROCESSED))
        await asyncio.to_thread(self.answered.add, event.event_id)
        self.attempts.forget(key)
        self._retrying.pop(event.event_id, None)
        return True

    async def _keys(self) -> None:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())

    # -- receiving ----------------------------------------------------------------------------
    async def handle_event(self, room: MatrixRoom, event: Any) -> None:
        relates = (event.source.get("content") or {}).get("m.relates_to") or {}
        if relates.get("rel_type") == "m.replace":
            return  # an edit: the first version was handled
        refers: tuple[str, ...] = ()
        if isinstance(event, ReactionEvent):
            sent = self.sent.get(event.reacts_to)
            actions = [Action(*a) for a in sent["actions"]] if sent else []
            command = reaction_command(event.key, actions)
            if command is None:
                return
            text, refers = command, tuple(sent["refers"]) if sent else ()
        elif isinstance(event, RoomMessageText) and event.source["content"].get(
                "msgtype") != "m.notice":
            text = _without_reply_fallback(event.body)
            quoted = self.sent.get((relates.get("m.in_reply_to") or {}).get("event_id", ""))
            refers = tuple(quoted["refers"]) if quoted else ()
        elif isinstance(event, MegolmEvent):
            log.warning("Matrix event %s from %s not decrypted", event.event_id, event.sender)
            with contextlib.suppress(Exception):
                await self.client.request_room_key(event)
            await self.send_reply(room.room_id, Reply(NOT_DECRYPTED))
            return
        elif isinstance(event, RoomMessageMedia):
            await self.send_reply(room.room_id, Reply(NOT_TEXT))
            return
        else:
            return
        faults.check("core", text)
        message = IncomingMessage(
            Sender(CHANNEL, event.sender, room.user_name(event.sender) or "", verified=True),
            text, f"matrix:{event.event_id}", self._received_at(event), refers_to=refers)
        outcome = await self.core.handle_async(message)
        self.health.handled()
        for reply in outcome.replies:
            await self.send_reply(room.room_id, reply)
        if outcome.notifications:
            self.outbox.wake()

    def _received_at(self, event: Any) -> datetime:
        if self.now is not None:
            return self.now()
        return datetime.fromtimestamp(event.server_timestamp / 1000, self.core.tz)

    # -- sending ------------------------------------------------------------------------------
    async def send_reply(self, room_id: str, reply: Reply, refers: tuple[str, ...] = ()) -> None:
        event_id = ""
        for content in contents(reply.text, reply.actions):
            event_id = await self._send(room_id, content)
        self._remember(event_id, reply.actions, refers)
        for document in reply.documents:
            await self._upload(room_id, document.filename, document.content_type, document.data)

    async def _send(self, room_id: str, content: dict[str, Any]) -> str:
        if room_id not in self.client.rooms:
            raise DeliveryFailed(f"room {room_id} not synced yet")
        answer = await self.client.room_send(room_id, "m.room.message", content,
                                             ignore_unverified_devices=True)
        if not isinstance(answer, RoomSendResponse):
            raise DeliveryFailed(str(answer))
        return answer.event_id

    async def _upload(self, room_id: str, filename: str, content_type: str, data: bytes) -> None:
        room = self.client.rooms.get(room_id)
        encrypt = bool(room and room.encrypted)
        answer, keys = await self.client.upload(io.BytesIO(data), content_type, filename,
                                                encrypt=encrypt, filesize=len(data))
        if not isinstance(answer, UploadResponse):
            raise DeliveryFailed(str(answer))
        content: dict[str, Any] = {"msgtype": "m.file", "body": filename, "filename": filename,
                                   "info": {"mimetype": content_type, "size": len(data)}}
        if keys:
            content["file"] = {"url": answer.content_uri, **keys}
        else:
            content["url"] = answer.content_uri
        await self._send(room_id, content)

    async def direct_room(self, user_id: str) -> str:
        """The direct-message room with `user_id`; a new encrypted one if there is none. Only an
        encrypted room counts: anyone can set up an unencrypted room with the bot and a person,
        leave it (two members, like a direct chat) and join it again to read what was sent."""
        if user_id in self.created:
            return self.created[user_id]
        for room in self.client.rooms.values():
            members = set(room.users) | set(room.invited_users)
            if user_id in members and room.member_count <= 2 and room.encrypted:
                return room.room_id
        answer = await self.client.room_create(
            is_direct=True, invite=[user_id], preset=RoomPreset.trusted_private_chat,
            initial_state=[{"type": "m.room.encryption", "state_key": "",
                            "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        if not isinstance(answer, RoomCreateResponse):
            raise DeliveryFailed(str(answer))
        self.created[user_id] = answer.room_id  # known to the client from the next sync on
        return answer.room_id

    # -- the outbox ---------------------------------------------------------------------------
    def wake(self) -> None:
        self.outbox.wake()

    async def deliver(self, notification: Notification, address: str) -> None:
        """One notification of the core's outbox, in the direct room with `address` (a user
        id); the homeserver not taking it is `Unavailable` (the outbox tries again later)."""
        try:
            room_id = await self.direct_room(address)
            room = self.client.rooms.get(room_id)
            # the room key goes only to members the bot has seen: sent before her invite is
            # synced, the message is one she can never read
            if room is not None and address not in room.users:
                raise DeliveryFailed(f"{address} not yet seen in room {room_id}")
            await self.send_reply(room_id, Reply(notification.text, notification.actions),
                                  _refers(notification))
        except DeliveryFailed as error:
            raise Unavailable(str(error)) from error


def _refers(notification: Notification) -> tuple[str, ...]:
    """What a reply to this notification is about (IncomingMessage.refers_to)."""
    refers = []
    if notification.event is not None:
        refers.append(f"session:{notification.event.conference_code}:"
                      f"{notification.event.day.isoformat()}")
    if notification.application_number:
        refers.append(notification.application_number)
    return tuple(refers)


def _without_reply_fallback(body: str) -> str:
    """A reply's body starts with the quoted message ("> …" lines, a blank line): drop it."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:]).lstrip("\n")
