"""Benchmark 5: sozialbot's Matrix channel against a bare matrix-nio echo bot on the same Synapse.

One Synapse (SQLite, from PyPI, on 127.0.0.1) for both. Each bot runs as its own process, one
after the other, with encryption on; eight people (matrix-nio clients with encryption on, as
Element) each open an encrypted direct room with it: four linked secretaries send /saldo, four
applicants send sketches (/antrag, stored and numbered). After one warm-up message each (the
room keys are shared then), each person sends ROUNDS messages, each waiting for the answer, as
people do. Throughput: messages answered per second; target at least 0.8x the echo bot's.

Run: python -m bench.matrix
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from bot.config import default_config_text
from rules.conferences import LUENEBURG
from tests.support.core import sketch
from tests.support.synapse import MatrixPerson, MatrixUser, Synapse

SECRETARIES = [code.lower() for code, _ in LUENEBURG if code != "ADE"][:4]  # not notified
APPLICANTS = 4
ROUNDS = 15
TARGET = 0.8
ANSWER_SECONDS = 120.0


async def _answered(person: MatrixPerson, mark: int) -> None:
    deadline = time.monotonic() + ANSWER_SECONDS
    while len(person.received) <= mark:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{person.user.user_id}: no answer in {ANSWER_SECONDS:.0f} s")
        await asyncio.sleep(0.005)


async def _converse(person: MatrixPerson, room: str, texts: list[str]) -> None:
    for text in texts:
        mark = len(person.received)
        await person.send(room, text)
        await _answered(person, mark)


async def measure(name: str, synapse: Synapse, bot: MatrixUser, command: list[str],
                  people: list[tuple[MatrixUser, str]], workdir: Path) -> float:
    """Start the bot, open the rooms, warm up, then time ROUNDS messages from everyone."""
    environment = {**os.environ, "MATRIX_ACCESS_TOKEN": bot.access_token}
    process = await asyncio.create_subprocess_exec(*command, env=environment,
                                                   cwd=Path(__file__).parent.parent)
    persons = []
    try:
        for user, _ in people:
            person = MatrixPerson(synapse, user, workdir / f"{name}-{user.user_id[1:8]}")
            await person.start()
            persons.append(person)
        rooms = [await person.open_dm(bot.user_id) for person in persons]
        pairs = list(zip(persons, rooms, strict=True))
        await asyncio.gather(*(_converse(p, r, ["/hilfe"]) for p, r in pairs))
        scripts = [[kind if kind == "/saldo" else sketch(Titel=f"Gruppe {n}")
                    for n in range(ROUNDS)] for _, kind in people]
        began = time.monotonic()
        await asyncio.gather(*(_converse(p, r, s) for p, r, s in zip(persons, rooms, scripts,
                                                                         strict=True)))
        seconds = time.monotonic() - began
    finally:
        for person in persons:
            await person.stop()
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
    rate = len(people) * ROUNDS / seconds
    print(f"{name:<10} {len(people) * ROUNDS} messages in {seconds:5.1f} s: "
          f"{rate:5.1f} answered/s")
    return rate


def _config(directory: Path, synapse: Synapse, bot: MatrixUser,
            linked: dict[str, str]) -> Path:
    text = default_config_text()
    for code, user_id in linked.items():
        text = text.replace(f'id = "sek-{code}"', f'id = "sek-{code}"\nmatrix = "{user_id}"')
    text += (f'\n[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{bot.user_id}"\n'
             f'device_id = "{bot.device_id}"\n')
    (directory / "data").mkdir()
    path = directory / "sozialbot.toml"
    path.write_text(text)
    return path


async def measure_both(workdir: Path) -> tuple[float, float]:
    synapse = Synapse(workdir / "synapse")
    synapse.directory.mkdir()
    synapse.configure()
    synapse.start()
    try:
        rates = []
        for name in ("echo", "sozialbot"):
            bot = synapse.register(name)
            secretaries = {code: synapse.register(f"sek-{code}") for code in SECRETARIES}
            people = [(user, "/saldo") for user in secretaries.values()] + [
                (synapse.register("kita"), "/antrag") for _ in range(APPLICANTS)]
            directory = workdir / name
            directory.mkdir()
            if name == "echo":
                command = [sys.executable, "-m", "bench.matrix", "--echo", synapse.url,
                           bot.user_id, bot.device_id, str(directory / "store")]
            else:
                config = _config(directory, synapse, bot,
                                 {code: user.user_id for code, user in secretaries.items()})
                command = [sys.executable, "-m", "bench.matrix", "--bot", str(config)]
            rates.append(await measure(name, synapse, bot, command, people, directory))
        return rates[0], rates[1]
    finally:
        synapse.stop()


def main() -> int:
    logging.getLogger("nio").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        echo, ours = asyncio.run(measure_both(Path(tmp)))
    ratio = ours / echo
    met = ratio >= TARGET
    print(f"Matrix throughput vs echo bot: {ratio:.2f}x (target >= {TARGET}x) "
          f"{'OK' if met else 'MISSED'}")
    return 0 if met else 1


# -- the two bots, each in a process of its own ----------------------------------------------------


def _until_sigterm() -> asyncio.Event:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    return stop


async def run_bot(config_path: str) -> None:
    from bot.config import load_config
    from bot.matrix import run_matrix
    from handlers.service import Core

    config = load_config(Path(config_path))
    core = Core.open(config)
    try:
        await run_matrix(core, config, _until_sigterm())
    finally:
        core.close()


async def run_echo(homeserver: str, user_id: str, device_id: str, store: str) -> None:
    """A bare matrix-nio bot with encryption: joins what it is invited to, echoes every text
    that is not its own, shares keys as matrix-nio needs it."""
    from nio import (
        AsyncClient,
        AsyncClientConfig,
        InviteMemberEvent,
        RoomMessageText,
        SyncResponse,
    )

    stop = _until_sigterm()
    os.makedirs(store, exist_ok=True)
    client = AsyncClient(homeserver, user_id, device_id=device_id, store_path=store,
                         config=AsyncClientConfig(encryption_enabled=True,
                                                  store_sync_tokens=False))
    client.restore_login(user_id, device_id, os.environ["MATRIX_ACCESS_TOKEN"])
    await client.keys_upload()
    since = None
    while not stop.is_set():
        response = await client.sync(timeout=30_000, since=since, full_state=since is None)
        if not isinstance(response, SyncResponse):
            await asyncio.sleep(0.2)
            continue
        since = response.next_batch
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        for room_id, info in response.rooms.invite.items():
            if any(isinstance(e, InviteMemberEvent) and e.state_key == user_id
                   for e in info.invite_state):
                await client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, RoomMessageText) and event.sender != user_id:
                    await client.room_send(room_id, "m.room.message",
                                           {"msgtype": "m.text", "body": event.body},
                                           ignore_unverified_devices=True)
    await client.close()


if __name__ == "__main__":
    logging.getLogger("nio").setLevel(logging.ERROR)  # "Missing session" until keys are shared
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--echo", nargs=4, metavar=("HOMESERVER", "USER", "DEVICE", "STORE"))
    parser.add_argument("--bot", metavar="CONFIG")
    arguments = parser.parse_args()
    if arguments.echo:
        asyncio.run(run_echo(*arguments.echo))
    elif arguments.bot:
        asyncio.run(run_bot(arguments.bot))
    else:
        sys.exit(main())
