"""Benchmark 1: `sozialbot run` on Telegram against a bare python-telegram-bot echo bot.

Both bots run as their own processes against the same loopback Bot API emulator (this process),
one after the other in the same run, with the same rate-limiter settings (no overall limit).
Twenty users each go through 25 rounds of /saldo, /antraege, /beschluss and a tap on the
preview's "Buchen" button: 2,000 updates, each user waiting for the answer before the next step,
as people do. Latency is measured in the emulator, from the getUpdates response that delivers an
update to the first sendMessage to that chat. sozialbot runs twice: on a county with one year and on
one with ten years of history. Targets for both: throughput at least 0.9x the echo bot's,
p99 latency at most 1.2x the echo bot's.

Run: python -m bench.telegram    (the echo bot alone: python -m bench.telegram --echo BASE_URL)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.history import add_history
from bot.config import default_config_text, load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core
from rules.conferences import LUENEBURG
from tests.support.botapi_emulator import BotApiEmulator

BERLIN = ZoneInfo("Europe/Berlin")
USERS = 20
ROUNDS = 25  # four updates each: 20 x 25 x 4 = 2,000
FIRST_CHAT = 10_001
THROUGHPUT_TARGET = 0.9
P99_TARGET = 1.2
LIMITER = {"overall_max_rate": 0, "group_max_rate": 20, "max_retries": 3}


@dataclass(frozen=True)
class Measured:
    """One bot's run: how many updates, how long, and each update's latency in seconds."""

    name: str
    updates: int
    seconds: float
    latencies: list[float]
    by_kind: dict[str, list[float]]
    cpu_seconds: float
    calls: int

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def kinds(self) -> str:
        per_update = (f"{self.cpu_seconds / self.updates * 1000:.2f} ms CPU and "
                      f"{self.calls / self.updates:.2f} Bot API calls per update; ")
        return per_update + ", ".join(f"{kind} p50 {statistics.median(values) * 1000:.1f} ms"
                         for kind, values in sorted(self.by_kind.items()))

    def line(self) -> str:
        return (f"{self.name:<14} {self.updates} updates in {self.seconds:5.1f} s: "
                f"{self.rate:6.1f} updates/s, latency p50 {self.percentile(50) * 1000:6.1f} ms, "
                f"p99 {self.percentile(99) * 1000:6.1f} ms")


@dataclass(frozen=True)
class Step:
    """What a user does next: type `text`, or tap the button labelled `button` of the answer."""

    text: str = ""
    button: str = ""


class MeasuringEmulator(BotApiEmulator):
    """The test emulator, plus users who act as soon as they see an answer, and timestamps.

    Each chat has one update outstanding at a time; its answer is the first sendMessage to that
    chat after the update was delivered (later chunks of a long answer arrive before the next
    update of the chat is delivered, so they never count)."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered_at: dict[int, float] = {}
        self.latency: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self.scripts: dict[int, list[Step]] = {}
        self.waiting: dict[int, int] = {}
        self.finished = asyncio.Event()
        self.started_at = 0.0
        self.last_answer_at = 0.0
        self.button_of = lambda message, label: message.button(label).data

    def begin(self, scripts: dict[int, list[Step]]) -> None:
        self.scripts = {chat: list(steps) for chat, steps in scripts.items()}
        self.latency.clear()
        self.finished.clear()
        self.started_at = time.perf_counter()
        for chat in self.scripts:
            self._next(chat, None)

    def _next(self, chat: int, answer: Any) -> None:
        steps = self.scripts[chat]
        if not steps:
            self.waiting.pop(chat, None)
            if not any(self.scripts.values()) and not self.waiting:
                self.finished.set()
            return
        step = steps.pop(0)
        if step.button:
            query = self.press_button(chat, answer.message_id, self.button_of(answer, step.button))
            update_id = self._pending[-1]["update_id"]
            assert self._pending[-1]["callback_query"]["id"] == query
        else:
            update_id = self.send_text(chat, step.text)
        self.waiting[chat] = update_id
        self.kind[update_id] = step.button or step.text.split()[0]

    async def _api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        ready = await super()._api_getupdates(params)
        now = time.perf_counter()
        for update in ready:
            self.delivered_at.setdefault(update["update_id"], now)
        return ready

    async def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        received = time.perf_counter()
        result = await super()._api_sendmessage(params)
        chat = int(params["chat_id"])
        update_id = self.waiting.get(chat)
        if update_id is not None and update_id in self.delivered_at:
            self.latency[update_id] = received - self.delivered_at[update_id]
            self.last_answer_at = received
            del self.waiting[chat]
            self._next(chat, self._chats[chat].messages[-1])
        return result


# -- the county the benchmark runs in ------------------------------------------------------------


def _people_toml() -> str:
    """A second secretary for every conference (Geschäftsführung and Schriftführung)."""
    return "".join(
        f'\n[[people]]\nid = "sek2-{code.lower()}"\nname = "Schriftführung {name}"\n'
        f'role = "secretary"\nconference = "{code}"\nemail = "sek2-{code.lower()}@example.org"\n'
        for code, name in LUENEBURG)


def _telegram_toml(emulator: BotApiEmulator) -> str:
    return (f'\n[telegram]\nbase_url = "{emulator.base_url}"\n'
            f'base_file_url = "{emulator.base_file_url}"\n'
            + "".join(f"{key} = {value}\n" for key, value in LIMITER.items()))


def user_ids() -> list[str]:
    return [f"{prefix}-{code.lower()}" for code, _ in LUENEBURG for prefix in ("sek", "sek2")]


def session_day() -> datetime:
    """Yesterday: the benchmark's Budget II session, decided on today."""
    now = datetime.now(BERLIN)
    if (now - timedelta(days=3)).year != now.year:
        raise SystemExit("The Telegram benchmark needs a date after 4 January (its session "
                         "lies in the current year, before today).")
    return now - timedelta(days=1)


def user_scripts() -> dict[int, list[Step]]:
    """Each chat's 100 steps: 25 times /saldo, /antraege, /beschluss of one sketch, Buchen."""
    day = session_day()
    result: dict[int, list[Step]] = {}
    for index, person in enumerate(user_ids()):
        code = person.split("-", 1)[1].upper()
        first = 1 if person.startswith("sek-") else ROUNDS + 1
        steps: list[Step] = []
        for n in range(first, first + ROUNDS):
            steps += [Step("/saldo"), Step("/antraege"),
                      Step(f"/beschluss {day:%d.%m.%Y}\n{code}-{day.year}-{n:03d} bewilligt "
                           f"{100 + n},00 € (ja 5, nein 1, enthaltung 0)"),
                      Step(button="Buchen")]
        result[FIRST_CHAT + index] = steps
    return result


def make_county(directory: Path, emulator: BotApiEmulator, years: int = 1) -> Path:
    """Ten conferences with a concept, 60 sketches each and a Budget II session yesterday
    attended by the county; the 20 secretaries linked to their Telegram chats. With `years`
    above 1, that many years of history before (bench/history.py)."""
    (directory / "data").mkdir(parents=True, exist_ok=True)
    config_path = directory / "sozialbot.toml"
    config_path.write_text(default_config_text() + _people_toml() + _telegram_toml(emulator),
                           encoding="utf-8")
    day = f"{session_day():%d.%m.%Y}"
    now = datetime.now(BERLIN)
    setup = now - timedelta(days=3)
    core = Core.open(load_config(config_path))

    def send(sender: str, text: str, channel: str = "console") -> None:
        outcome = core.handle(IncomingMessage(Sender(channel, sender, verified=True), text,
                                              f"bench:{uuid.uuid4()}", setup))
        assert outcome.accepted, outcome.replies[0].text

    try:
        for code, name in LUENEBURG:
            send(f"sek-{code.lower()}", "/konzept\nZielgruppen: Kinder und Familien\n"
                 "Problemlagen: Armut, wenig Angebote\nZiele: Teilhabe")
            for i in range(1, 2 * ROUNDS + 11):
                send(f"traeger{i}@example.org", f"/antrag\nSozialraum: {name}\nTräger: Verein "
                     f"{i} e.V.\nTitel: Projekt {i}\nAusgangslage: Es fehlt ein Angebot.\n"
                     f"Zielsetzung: Ein Angebot am Nachmittag.\nMaßnahme: Wöchentliche Gruppe."
                     f"\nBetrag: {300 + i} €")
            send(f"sek-{code.lower()}", f"/sitzung {day} 18:00 Rathaus, Budget II")
            send("kreis-1", f"/anwesend {code} {day}")
        for index, person in enumerate(user_ids()):
            invite = core.create_invite(person, setup)
            send(str(FIRST_CHAT + index), f"/start {invite}", channel="telegram")
        pending = core.pending_notifications("telegram", now)  # the set-up's alerts: not measured
        core.mark_delivered([p.outbox_id for p in pending], "telegram", now)
    finally:
        core.close()
    if years > 1:
        add_history(directory / "data", years, directory.parent / "_one_year")
    return config_path


# -- running a bot process against the emulator ---------------------------------------------------


async def _measure(name: str, command: list[str], emulator: MeasuringEmulator,
                   scripts: dict[int, list[Step]]) -> Measured:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": emulator.token, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as log:
        return await _measure_logged(name, command, emulator, scripts, env, log)


async def _measure_logged(name: str, command: list[str], emulator: MeasuringEmulator,
                          scripts: dict[int, list[Step]], env: dict[str, str],
                          log: Any) -> Measured:
    polls = emulator.polls_started
    process = await asyncio.create_subprocess_exec(*command, env=env, stdout=log,
                                                   stderr=asyncio.subprocess.STDOUT)
    try:
        async with asyncio.timeout(60):
            while emulator.polls_started == polls:
                if process.returncode is not None:
                    break
                await asyncio.sleep(0.05)
        emulator.begin({chat: [Step("/hilfe")] for chat in scripts})  # warm-up, not counted
        async with asyncio.timeout(120):
            await emulator.finished.wait()
        profiler = await _profiler(process.pid) if name != "echo bot" else None
        cpu_before, calls_before = _cpu_seconds(process.pid), len(emulator.calls)
        emulator.begin(scripts)
        async with asyncio.timeout(900):
            await emulator.finished.wait()
        cpu = _cpu_seconds(process.pid) - cpu_before
        calls = len(emulator.calls) - calls_before
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            await profiler.wait()
    except TimeoutError:
        log.seek(0)
        raise SystemExit(f"{name} did not answer in time:\n"
                         f"{log.read().decode(errors='replace')[-3000:]}") from None
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
    updates = sum(len(steps) for steps in scripts.values())
    assert len(emulator.latency) == updates, (len(emulator.latency), updates)
    by_kind: dict[str, list[float]] = {}
    for update_id, seconds in emulator.latency.items():
        by_kind.setdefault(emulator.kind[update_id], []).append(seconds)
    return Measured(name, updates, emulator.last_answer_at - emulator.started_at,
                    list(emulator.latency.values()), by_kind, cpu, calls)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure_all(workdir: Path) -> tuple[Measured, Measured, Measured]:
    """The echo bot, then sozialbot on a county with one year and on one with ten years of
    history, each on a fresh emulator with the same users."""
    async with MeasuringEmulator() as emulator:
        emulator.button_of = lambda message, label: label  # the echo bot sends no buttons
        echo = await _measure("echo bot", [sys.executable, "-m", "bench.telegram", "--echo",
                                           emulator.base_url], emulator, user_scripts())
    ours = []
    for years in (1, 10):
        async with MeasuringEmulator() as emulator:
            config = await asyncio.to_thread(make_county, workdir / f"sozialbot{years}",
                                             emulator, years)
            ours.append(await _measure(f"sozialbot {years:>2}y", [
                sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
                emulator, user_scripts()))
        assert _bookings(config) == USERS * ROUNDS, "every Buchen tap was a booking"
    return echo, ours[0], ours[1]


def _bookings(config: Path) -> int:
    """How many approvals the bot booked (after it stopped)."""
    core = Core.open(load_config(config))
    try:
        now = datetime.now(BERLIN)
        return sum(entry["kind"] == "commitment" and entry["year"] == now.year
                   for entry in core.export(now)["ledger"])
    finally:
        core.close()


async def _profiler(pid: int) -> asyncio.subprocess.Process | None:
    """py-spy on the bot while it is measured, if BENCH_PROFILE names an output file (raw,
    collapsed stacks of the thread holding the GIL); py-spy is installed by hand
    (`pip install py-spy`), not a dependency."""
    output = os.environ.get("BENCH_PROFILE")
    if not output:
        return None
    profiler = await asyncio.create_subprocess_exec(
        "py-spy", "record", "--pid", str(pid), "--rate", "200", "--format", "raw",
        "--gil",  # only the thread holding the GIL: where the one core's time goes
        "--output", output, stdout=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(1)
    return profiler


def verdicts(echo: Measured, one: Measured,
             ten: Measured) -> list[tuple[str, float, float, bool]]:
    """(what, ratio, target, met) for throughput and p99 latency, with one and ten years."""
    found = []
    for label, ours in (("1 year", one), ("10 years", ten)):
        throughput = ours.rate / echo.rate
        p99 = ours.percentile(99) / echo.percentile(99)
        found += [(f"Telegram throughput vs echo bot, {label}", throughput, THROUGHPUT_TARGET,
                   throughput >= THROUGHPUT_TARGET),
                  (f"Telegram p99 latency vs echo bot, {label}", p99, P99_TARGET,
                   p99 <= P99_TARGET)]
    return found


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        echo, one, ten = asyncio.run(measure_all(Path(tmp)))
    print(echo.line())
    for ours in (one, ten):
        print(ours.line())
    for measured in (echo, one, ten):
        print(f"{measured.name:<14} {measured.kinds()}")
    print(f"{'':<14} ten years / one year: throughput {ten.rate / one.rate:.2f}x, "
          f"p99 {ten.percentile(99) / one.percentile(99):.2f}x, "
          f"p50 {ten.percentile(50) / one.percentile(50):.2f}x")
    ok = True
    for what, ratio, target, met in verdicts(echo, one, ten):
        bound = ">=" if "throughput" in what else "<="
        print(f"{what}: {ratio:.2f}x (target {bound} {target}x) {'OK' if met else 'MISSED'}")
        ok = ok and met
    return 0 if ok else 1


# -- the echo bot ---------------------------------------------------------------------------------


def echo_bot(base_url: str) -> None:
    """A bare python-telegram-bot Application: echoes every text, answers and echoes every tap.

    Same rate limiter settings as sozialbot's `[telegram]` table in this benchmark."""
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        Application,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "?")

    async def tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await context.bot.send_message(query.from_user.id, query.data or "?")

    application = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
                   .base_url(base_url).rate_limiter(AIORateLimiter(**LIMITER)).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(tap))
    application.run_polling(poll_interval=0, timeout=10, stop_signals=(signal.SIGTERM,))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--echo", metavar="BASE_URL", help="run only the echo bot")
    arguments = parser.parse_args()
    if arguments.echo:
        echo_bot(arguments.echo)
        sys.exit(0)
    sys.exit(main())
