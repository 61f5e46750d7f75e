"""The Matrix channel against a real Synapse, with people whose clients encrypt (as Element does):
linking by invite code and by the configuration, a sketch, a session alert answered with a
reaction, /beschluss and /buchen, and a restart that repeats nothing, even with a sync token from
before the answer; an event that fails every time is set aside without holding up the others."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import default_config_text, load_config
from bot.matrix import run_matrix
from handlers.service import Core
from tests.support.core import BERLIN, sketch
from tests.support.mailservers import Clock
from tests.support.synapse import MatrixPerson, MatrixUser, Synapse

pytestmark = pytest.mark.slow


class World:
    def __init__(self, synapse: Synapse, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.synapse = synapse
        self.directory = directory
        self.bot_user = synapse.register("sozialbot")
        self.kreis_user = synapse.register("kreis")
        text = default_config_text().replace(
            'id = "kreis-1"', f'id = "kreis-1"\nmatrix = "{self.kreis_user.user_id}"')
        text += (f'\n[matrix]\nhomeserver = "{synapse.url}"\n'
                 f'user_id = "{self.bot_user.user_id}"\n'
                 f'device_id = "{self.bot_user.device_id}"\nsync_timeout_ms = 500\n'
                 'attempt_seconds = 0.2\n')
        (directory / "sozialbot.toml").write_text(text)
        monkeypatch.setenv("MATRIX_ACCESS_TOKEN", self.bot_user.access_token)
        self.config = load_config(directory / "sozialbot.toml")
        self.clock = Clock(datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN))
        self.people: list[MatrixPerson] = []
        self.core: Core | None = None
        self.stop: asyncio.Event | None = None
        self.task: asyncio.Task[None] | None = None

    async def start_bot(self) -> None:
        self.core = Core.open(self.config)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(run_matrix(self.core, self.config, self.stop, self.clock))

    async def stop_bot(self) -> None:
        assert self.stop is not None
        assert self.task is not None
        assert self.core is not None
        self.stop.set()
        await asyncio.wait_for(self.task, 60)
        self.core.close()

    async def person(self, name: str, user: MatrixUser | None = None) -> MatrixPerson:
        user = user or self.synapse.register(name)
        person = MatrixPerson(self.synapse, user, self.directory / f"client-{name}")
        await person.start()
        self.people.append(person)
        return person

    def commitments(self) -> list[int]:
        assert self.core
        return [e["amount_cents"] for e in self.core.export()["ledger"]
                if e["kind"] == "commitment"]


@pytest.fixture
async def world(synapse: Synapse, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    (tmp_path / "data").mkdir()
    world = World(synapse, tmp_path, monkeypatch)
    await world.start_bot()
    yield world
    for person in world.people:
        await person.stop()
    if world.task and not world.task.done():
        await world.stop_bot()


def command_line(body: str, label: str) -> str:
    match = re.search(rf"• {label}: (/\S+(?: \S+)*)", body)
    assert match, body
    return match.group(1)


async def test_a_budget_ii_cycle_in_encrypted_direct_messages(world: World) -> None:
    bot = world.bot_user.user_id
    secretary = await world.person("sek")
    applicant = await world.person("kita")
    county = await world.person("kreis", world.kreis_user)
    assert world.core is not None
    code = world.core.create_invite("sek-ade", world.clock())

    sek_room = await secretary.open_dm(bot)
    assert secretary.client.rooms[sek_room].encrypted
    welcome = await secretary.say(sek_room, f"/start {code}", "Willkommen")
    assert "Matrix-Zugang" in welcome.body
    kita_room = await applicant.open_dm(bot)
    submitted = await applicant.say(kita_room, sketch(), "ADE-2026-001")
    await secretary.say(sek_room, "/konzept\nZielgruppen: Kinder\nProblemlagen: wenig Angebote\n"
                                  "Ziele: Teilhabe", "Sozialraumkonzept")
    await secretary.say(sek_room, "/sitzung 12.03.2026 18:30 Rathaus Adendorf, Budget II",
                        "eingetragen")

    alert = await county.wait_for("Budget-II-Sitzung angesetzt")  # linked by the TOML
    assert "Ich nehme teil" in alert.body
    assert "<li>" in alert.source["content"]["formatted_body"]
    alert_room = next(room for room, event in county.received if event is alert)
    assert county.client.rooms[alert_room].encrypted
    await county.react(alert_room, alert.event_id, "👍")
    await county.wait_for("vermerkt")
    await secretary.wait_for("nimmt an der Budget-II-Sitzung")

    world.clock.value = world.clock.value.replace(day=13)
    decision = await secretary.say(
        sek_room, "/beschluss 12.03.2026\n"
                  "ADE-2026-001 bewilligt 1.200 € (ja 7, nein 1, enthaltung 0)",
        "Noch ist nichts gebucht")
    assert world.commitments() == []
    booked = await secretary.say(sek_room, command_line(decision.body, "Buchen"), "8.800,00 €")
    await applicant.wait_for("bewilligt")

    # a restart: nothing is answered or booked again, and the bot goes on
    answered = len(secretary.received)
    await world.stop_bot()
    await world.start_bot()
    balance = await secretary.say(sek_room, "/saldo", "Budget II Adendorf")
    assert len(secretary.received) == answered + 1, [e.body for _, e in secretary.received]
    assert "ADE-2026-001" in submitted.body
    assert "1.200,00 €" in booked.body
    assert "Gebunden: 1.200,00 €" in balance.body
    assert world.commitments() == [120000]


async def test_a_report_arrives_as_an_encrypted_file(
        world: World) -> None:
    from nio import RoomEncryptedFile

    bot = world.bot_user.user_id
    county = await world.person("kreis", world.kreis_user)  # linked by the TOML
    room = await county.open_dm(bot)
    mark = len(county.received)
    await county.send(room, "/bericht 2026 pdf")
    for _ in range(300):
        files = [e for _, e in county.received[mark:] if isinstance(e, RoomEncryptedFile)]
        if files:
            break
        await asyncio.sleep(0.1)
    assert files, [getattr(e, "body", e) for _, e in county.received]
    assert files[0].body.endswith(".pdf")
    assert files[0].key, "the file is encrypted for the room"


async def test_a_sync_delivered_again_after_a_crash_is_not_answered_twice(world: World) -> None:
    county = await world.person("kreis", world.kreis_user)  # linked by the TOML
    room = await county.open_dm(world.bot_user.user_id)
    await county.say(room, "/hilfe", "/")
    token_path = world.config.data_dir / "matrix" / "sync_token"
    before = token_path.read_text()  # the bot has seen everything up to here
    mark = len(county.received)
    await county.say(room, "/saldo", "verfügbar je Konferenz")
    # a crash between answering and saving the token: the next start syncs from `before`
    await world.stop_bot()
    token_path.write_text(before)
    await world.start_bot()
    for _ in range(30):
        if token_path.read_text() != before:
            break
        await asyncio.sleep(0.1)
    await county.say(room, "/hilfe", "/")
    bodies = [e.body for _, e in county.received[mark:]]
    assert sum("verfügbar je Konferenz" in b for b in bodies) == 1, bodies
    assert len(bodies) == 2, bodies


async def test_an_event_that_always_fails_is_set_aside_and_holds_up_nothing(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOZIALBOT_FAULT", "core:GIFT-MATRIX")
    county = await world.person("kreis", world.kreis_user)
    room = await county.open_dm(world.bot_user.user_id)
    mark = len(county.received)
    await county.send(room, "/saldo GIFT-MATRIX")
    await county.say(room, "/saldo", "verfügbar je Konferenz")  # while the other is retried
    await county.wait_for("nicht vollständig verarbeitet", after=mark, seconds=60)
    await county.say(room, "/saldo", "verfügbar je Konferenz")
    bodies = [e.body for _, e in county.received[mark:]]
    assert sum("nicht vollständig verarbeitet" in b for b in bodies) == 1, bodies
    attempts = (world.config.data_dir / "matrix" / "attempts.jsonl").read_text()
    assert attempts.count('"n": 3') == 1, attempts
    assert '"n": 4' not in attempts
    assert world.core is not None
    notices = [p.notification.text for p in world.core.pending_notifications("email",
                                                                            world.clock())]
    assert sum("Kanal: Matrix" in text for text in notices) == 1, notices


async def test_the_homeservers_rate_limit_is_waited_out(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    admin = world.synapse.register("admin", admin=True)
    bot = world.bot_user.user_id
    world.synapse.request("POST", f"/_synapse/admin/v1/users/{bot}/override_ratelimit",
                          {"messages_per_second": 1, "burst_count": 1}, token=admin.access_token)
    county = await world.person("kreis", world.kreis_user)
    room = await county.open_dm(bot)
    mark = len(county.received)
    began = time.monotonic()
    for _ in range(4):
        await county.send(room, "/saldo")
    for _ in range(300):
        if len(county.received) >= mark + 4:
            break
        await asyncio.sleep(0.1)
    bodies = [e.body for _, e in county.received[mark:]]
    assert sum("verfügbar je Konferenz" in b for b in bodies) == 4, bodies
    assert time.monotonic() - began >= 2.5, "the four answers were not held back"
    assert "answer not sent" not in caplog.text  # matrix-nio waited, nothing failed


async def test_notices_never_go_to_an_unencrypted_room_a_stranger_set_up_with_the_person(
        world: World) -> None:
    # A stranger opens a public, unencrypted room, invites the bot and the county
    # representative (whose client joins), and leaves: two members, like a direct chat. The
    # bot's notices for her (with the session and, later, booking codes) must not go there,
    # where the stranger could join again and read them.
    from nio import RoomPreset

    bot = world.bot_user.user_id
    county = await world.person("kreis", world.kreis_user)
    stranger = await world.person("fremd")
    answer = await stranger.client.room_create(preset=RoomPreset.public_chat,
                                               invite=[bot, world.kreis_user.user_id])
    trap = answer.room_id
    for _ in range(300):
        room = stranger.client.rooms.get(trap)
        if room is not None and {bot, world.kreis_user.user_id} <= set(room.users) and not (
                room.invited_users):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the bot and the representative did not join")
    await stranger.client.room_leave(trap)
    await asyncio.sleep(2)  # the bot's next syncs see the room with two members
    secretary = await world.person("sek")
    assert world.core is not None
    code = world.core.create_invite("sek-ade", world.clock())
    sek_room = await secretary.open_dm(bot)
    await secretary.say(sek_room, f"/start {code}", "Willkommen")
    await secretary.say(sek_room, "/sitzung 12.03.2026 18:30 Rathaus Adendorf, Budget II",
                        "eingetragen")
    alert = await county.wait_for("Budget-II-Sitzung angesetzt")
    alert_room = next(room for room, event in county.received if event is alert)
    assert alert_room != trap
    assert county.client.rooms[alert_room].encrypted
    assert [e.body for room, e in county.received if room == trap] == []
