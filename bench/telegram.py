"""Benchmark 1: `sozialbot run` on Telegram against a bare python-telegram-bot echo bot.

Both bots run as their own processes against the same loopback Bot API emulator (this process),
with the same rate-limiter settings (no overall limit). A county's people act as they do, each
waiting for the answer before the next step:
- 20 secretaries (two per conference), each round: /saldo, /antraege, /beschluss of one sketch
  and a tap on the preview's "Buchen" button (a real booking: its applicant is told);
- 20 applicants, not linked (anyone on Telegram), whose sketches came in by Telegram this year
  and in every year of the history: /antraege (their own), "Wie ist der Stand meines Antrags
  …?", and every other round a new sketch (its conference's secretaries are told);
- the county's two representatives: /saldo of every conference, /antraege of one, the status of
  an application, /sitzungen.
Latency is measured in the emulator, from the getUpdates response that delivers an update to
the first sendMessage to that chat that answers it (notifications of the outbox, such as "Neuer
Antrag für …" or a decision told to its applicant, are not answers). sozialbot runs as
`sozialbot run` does, scheduler included, with its tick every TICK seconds instead of 60, so
that a run of some seconds sees several ticks (each reads the reminders due and whether a year
must be closed).

The echo bot and sozialbot take turns: echo, one year, ten years, echo, … , echo (ROUNDS rounds);
each sozialbot run is compared with the mean of the echo runs just before and after it, and the
verdict uses the median of these ratios (the machine's speed drifts within a minute). Ten years:
the same county with nine earlier years (bench/history.py), closed and decided. Targets for both:
throughput at least 0.9x the echo bot's, p99 latency at most 1.2x the echo bot's.

Run: python -m bench.telegram [ROUNDS]   (the echo bot alone: python -m bench.telegram --echo URL)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
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

from bench.history import YEAR, add_history
from bot.config import default_config_text, load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core
from rules.conferences import LUENEBURG
from tests.support.botapi_emulator import BotApiEmulator

BERLIN = ZoneInfo("Europe/Berlin")
ROUNDS = 3  # sozialbot runs per county, each between two of the echo bot's
STEPS = 20  # rounds of each person's script in one run
SKETCHES = 60  # per conference at the start; those of the first APPLICANTS senders by Telegram
APPLICANTS = 20
FIRST_CHAT = 10_001  # secretaries
FIRST_APPLICANT = 20_001
FIRST_COUNTY = 30_001
TICK = 5.0  # seconds between the scheduler's runs (`sozialbot run`: 60)
CONTINUED = 3_000  # an answer this long may go on in a next message (Telegram's limit: 4,096)
THROUGHPUT_TARGET = 0.9
P99_TARGET = 1.2
LIMITER = {"overall_max_rate": 0, "group_max_rate": 20, "max_retries": 3}
# What the outbox sends on its own (not an answer to the update a person waits for)
NOTIFICATIONS = ("Neuer Antrag für ", "Erinnerung (R9)", "Zur Vorbereitung (R9)")


def is_notification(text: str) -> bool:
    if text.startswith(NOTIFICATIONS):
        return True
    first = text.split("\n", 1)[0]  # a decision told to its applicant
    return first.startswith("Ihr Antrag ") and " wurde in der Sitzung der Sozialkonferenz " in first


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
    notifications: int

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    def kinds(self) -> str:
        per_update = (f"{self.cpu_seconds / self.updates * 1000:.2f} ms CPU and "
                      f"{self.calls / self.updates:.2f} Bot API calls per update, "
                      f"{self.notifications} notifications; p50/p99 ms: ")
        return per_update + ", ".join(
            f"{kind} {statistics.median(values) * 1000:.0f}/{percentile(values, 99) * 1000:.0f}"
            for kind, values in sorted(self.by_kind.items()))

    def line(self) -> str:
        p50 = percentile(self.latencies, 50)
        return (f"{self.name:<14} {self.updates} updates in {self.seconds:5.1f} s: "
                f"{self.rate:6.1f} updates/s, latency p50 {p50 * 1000:6.1f} ms, "
                f"p99 {self.p99 * 1000:6.1f} ms, {self.cpu_seconds / self.updates * 1000:.2f}"
                " ms CPU per update")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Step:
    """What a person does next: type `text`, or tap the button labelled `button` of the answer;
    `kind` names it in the figures."""

    kind: str
    text: str = ""
    button: str = ""


class MeasuringEmulator(BotApiEmulator):
    """The test emulator, plus people who act as soon as they have read an answer, and
    timestamps.

    Each chat has one update outstanding at a time; its answer is the first sendMessage to that
    chat after the update was delivered that is not a notification. A long answer may come in
    several messages: the person acts on the first one shorter than CONTINUED."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered_at: dict[int, float] = {}
        self.latency: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self.scripts: dict[int, list[Step]] = {}
        self.waiting: dict[int, int] = {}
        self.reading: set[int] = set()  # chats whose answer goes on in a next message
        self.notifications = 0
        self.finished = asyncio.Event()
        self.started_at = 0.0
        self.last_answer_at = 0.0
        self.button_of = lambda message, label: message.button(label).data

    def begin(self, scripts: dict[int, list[Step]]) -> None:
        self.scripts = {chat: list(steps) for chat, steps in scripts.items()}
        self.latency.clear()
        self.waiting.clear()
        self.reading.clear()
        self.notifications = 0
        self.finished.clear()
        self.started_at = time.perf_counter()
        for chat in self.scripts:
            self._next(chat, None)

    def _next(self, chat: int, answer: Any) -> None:
        steps = self.scripts[chat]
        if not steps:
            self.waiting.pop(chat, None)
            if not any(self.scripts.values()) and not self.waiting and not self.reading:
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
        self.kind[update_id] = step.kind

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
        message = self._chats[chat].messages[-1]
        if is_notification(message.text):
            self.notifications += 1
            return result
        update_id = self.waiting.get(chat)
        if chat not in self.reading and update_id is not None and update_id in self.delivered_at:
            self.latency[update_id] = received - self.delivered_at[update_id]
            self.last_answer_at = received
            del self.waiting[chat]
            self.reading.add(chat)
        if chat in self.reading and len(message.text) < CONTINUED:
            self.reading.discard(chat)
            self._next(chat, message)
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


def secretaries() -> list[str]:
    return [f"{prefix}-{code.lower()}" for code, _ in LUENEBURG for prefix in ("sek", "sek2")]


COUNTY = ("kreis-1", "kreis-2")


def session_day() -> datetime:
    """Yesterday: the benchmark's Budget II session, decided on today."""
    now = datetime.now(BERLIN)
    if (now - timedelta(days=3)).year != now.year:
        raise SystemExit("The Telegram benchmark needs a date after 4 January (its session "
                         "lies in the current year, before today).")
    if now.year != YEAR:
        raise SystemExit(f"The Telegram benchmark's history (bench/history.py) ends with {YEAR}, "
                         f"this is {now.year}.")
    return now - timedelta(days=1)


def sketch(code: str, name: str, sender: str, n: int) -> str:
    return (f"/antrag\nSozialraum: {name}\nTräger: {sender}\nTitel: Projekt {n} für Familien\n"
            "Ausgangslage: Es fehlt ein Angebot am Nachmittag.\nZielsetzung: Kinder werden "
            "verlässlich gefördert.\nMaßnahme: Wöchentliche Gruppe mit einer Fachkraft.\n"
            f"Betrag: {300 + n % 700} €")


def user_scripts() -> dict[int, list[Step]]:
    """Each chat's steps, STEPS rounds of its person's script."""
    day = session_day()
    result: dict[int, list[Step]] = {}
    for index, person in enumerate(secretaries()):
        code = person.split("-", 1)[1].upper()
        first = 1 if person.startswith("sek-") else STEPS + 1
        steps: list[Step] = []
        for n in range(first, first + STEPS):
            steps += [Step("secretary /saldo", "/saldo"), Step("secretary /antraege", "/antraege"),
                      Step("secretary /beschluss",
                           f"/beschluss {day:%d.%m.%Y}\n{code}-{day.year}-{n:03d} bewilligt "
                           f"{100 + n},00 € (ja 5, nein 1, enthaltung 0)"),
                      Step("secretary Buchen", button="Buchen")]
        result[FIRST_CHAT + index] = steps
    for j in range(1, APPLICANTS + 1):
        steps = []
        for n in range(STEPS):
            code, name = LUENEBURG[(j + n) % len(LUENEBURG)]
            steps += [Step("applicant /antraege", "/antraege"),
                      Step("applicant status", f"Wie ist der Stand meines Antrags "
                                               f"{code}-{day.year}-{j:03d}?")]
            if n % 2:
                steps.append(Step("applicant sketch",
                                  sketch(code, name, f"Verein {j} e.V.", 1000 + 100 * j + n)))
        result[FIRST_APPLICANT + j - 1] = steps
    for index, _ in enumerate(COUNTY):
        steps = []
        for n in range(STEPS):
            code, _ = LUENEBURG[(index + n) % len(LUENEBURG)]
            steps += [Step("county /saldo", "/saldo"),
                      Step("county /antraege", f"/antraege {code}"),
                      Step("county status", f"Wie ist der Stand von {code}-{day.year}-"
                                            f"{SKETCHES - n:03d}?"),
                      Step("county /sitzungen", "/sitzungen")]
        result[FIRST_COUNTY + index] = steps
    return result


def make_county(directory: Path, emulator: BotApiEmulator, years: int = 1) -> Path:
    """Ten conferences with a concept, SKETCHES sketches each (those of the first APPLICANTS
    senders by Telegram, the others by e-mail) and a Budget II session yesterday attended by the
    county; the secretaries and the county's representatives linked to their Telegram chats. With
    `years` above 1, that many years of history before (bench/history.py), in which the same
    applicants wrote by Telegram too."""
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
            for i in range(1, SKETCHES + 1):
                if i <= APPLICANTS:
                    send(str(FIRST_APPLICANT + i - 1), sketch(code, name, f"Verein {i} e.V.", i),
                         channel="telegram")
                else:
                    send(f"traeger{i}@example.org", sketch(code, name, f"Verein {i} e.V.", i))
            send(f"sek-{code.lower()}", f"/sitzung {day} 18:00 Rathaus, Budget II")
            send("kreis-1", f"/anwesend {code} {day}")
        people = [(person, FIRST_CHAT + i) for i, person in enumerate(secretaries())]
        people += [(person, FIRST_COUNTY + i) for i, person in enumerate(COUNTY)]
        for person, chat in people:
            send(str(chat), f"/start {core.create_invite(person, setup)}", channel="telegram")
        pending = core.pending_notifications("telegram", now)  # the set-up's alerts: not measured
        core.mark_delivered([p.outbox_id for p in pending], "telegram", now)
    finally:
        core.close()
    if years > 1:
        data = directory / "data"
        add_history(data, years, directory.parent / "_one_year")
        for year in range(YEAR - years + 1, YEAR):  # the applicants wrote by Telegram then too
            path = data / f"{year}.json"
            text = path.read_text(encoding="utf-8")
            for i in range(1, APPLICANTS + 1):
                text = text.replace(f'"console:traeger{i}@example.org"',
                                    f'"telegram:{FIRST_APPLICANT + i - 1}"')
            path.write_text(text, encoding="utf-8")
        core = Core.open(load_config(config_path))  # a county that ran before: the lists of
        try:  # closed years made from the new files at a start and a tick (bench/history.py)
            core.run_due_reminders(now)
        finally:
            core.close()
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
    emulator._pending.clear()  # what a run before left is not this run's
    polls = emulator.polls_started
    process = await asyncio.create_subprocess_exec(*command, env=env, stdout=log,
                                                   stderr=asyncio.subprocess.STDOUT)
    try:
        async with asyncio.timeout(60):
            while emulator.polls_started == polls:
                if process.returncode is not None:
                    break
                await asyncio.sleep(0.05)
        emulator.begin({chat: [Step("warm-up", "/hilfe")] for chat in scripts})  # not counted
        async with asyncio.timeout(120):
            await emulator.finished.wait()
        profiler = await _profiler(process.pid, name) if name != "echo bot" else None
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
        raise SystemExit(f"{name} did not answer in time (waiting: {emulator.waiting}):\n"
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
                    list(emulator.latency.values()), by_kind, cpu, calls, emulator.notifications)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    """The echo bot's runs and sozialbot's on each county, taken in turns."""

    echo: tuple[Measured, ...]  # ROUNDS + 1
    ours: dict[int, tuple[Measured, ...]]  # years -> ROUNDS

    def throughput(self, years: int) -> list[float]:
        return [ours.rate / ((self.echo[i].rate + self.echo[i + 1].rate) / 2)
                for i, ours in enumerate(self.ours[years])]

    def p99(self, years: int) -> list[float]:
        return [ours.p99 / ((self.echo[i].p99 + self.echo[i + 1].p99) / 2)
                for i, ours in enumerate(self.ours[years])]


async def measure_all(workdir: Path, rounds: int = ROUNDS) -> Run:
    """The echo bot, then sozialbot on a county with one year and on one with ten years of
    history, in turns, on one emulator with the same people; each sozialbot run on a fresh copy
    of its county."""
    scripts = user_scripts()
    echo: list[Measured] = []
    ours: dict[int, list[Measured]] = {1: [], 10: []}
    async with MeasuringEmulator() as emulator:
        counties = {years: await asyncio.to_thread(make_county, workdir / f"county{years}",
                                                   emulator, years) for years in ours}

        async def echo_run() -> None:
            emulator.button_of = lambda message, label: label  # the echo bot sends no buttons
            echo.append(await _measure("echo bot", [sys.executable, "-m", "bench.telegram",
                                                    "--echo", emulator.base_url],
                                       emulator, scripts))

        await echo_run()
        for n in range(rounds):
            for years, county in counties.items():
                run = workdir / f"run{n}-{years}"
                await asyncio.to_thread(shutil.copytree, county.parent, run)
                emulator.button_of = lambda message, label: message.button(label).data
                ours[years].append(await _measure(
                    f"sozialbot {years:>2}y", [sys.executable, "-m", "bench.telegram", "--bot",
                                               str(run / county.name)], emulator, scripts))
                assert _bookings(run / county.name) == 2 * len(LUENEBURG) * STEPS, \
                    "every Buchen tap was a booking"
                await asyncio.to_thread(shutil.rmtree, run)
            await echo_run()
    return Run(tuple(echo), {years: tuple(runs) for years, runs in ours.items()})


def _bookings(config: Path) -> int:
    """How many approvals the bot booked (after it stopped)."""
    core = Core.open(load_config(config))
    try:
        now = datetime.now(BERLIN)
        return sum(entry["kind"] == "commitment" and entry["year"] == now.year
                   for entry in core.export(now)["ledger"])
    finally:
        core.close()


async def _profiler(pid: int, name: str) -> asyncio.subprocess.Process | None:
    """py-spy on the bot while it is measured, if BENCH_PROFILE names an output file (raw,
    collapsed stacks of the thread holding the GIL; the last round's, with ten years; with one
    year in the file named so plus ".1y"); py-spy is installed by hand (`pip install py-spy`),
    not a dependency."""
    output = os.environ.get("BENCH_PROFILE")
    if not output:
        return None
    if not name.endswith("10y"):
        output += ".1y"
    beside = Path(sys.executable).parent / "py-spy"  # installed into the venv
    profiler = await asyncio.create_subprocess_exec(
        str(beside) if beside.exists() else "py-spy", "record", "--pid", str(pid),
        "--rate", "200", "--format", "raw",
        "--gil",  # only the thread holding the GIL: where the one core's time goes
        "--output", output, stdout=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(1)
    return profiler


def verdicts(run: Run) -> list[tuple[str, float, float, bool]]:
    """(what, median ratio, target, met) for throughput and p99 latency, one and ten years."""
    found = []
    for years, label in ((1, "1 year"), (10, "10 years")):
        throughput = statistics.median(run.throughput(years))
        p99 = statistics.median(run.p99(years))
        found += [(f"Telegram throughput vs echo bot, {label}", throughput, THROUGHPUT_TARGET,
                   throughput >= THROUGHPUT_TARGET),
                  (f"Telegram p99 latency vs echo bot, {label}", p99, P99_TARGET,
                   p99 <= P99_TARGET)]
    return found


def main(rounds: int = ROUNDS) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        run = asyncio.run(measure_all(Path(tmp), rounds))
    for i, echo in enumerate(run.echo):
        print(echo.line())
        if i < len(run.echo) - 1:
            for years in run.ours:
                print(run.ours[years][i].line())
    print("per kind (last round):")
    for measured in (run.echo[-1], *(runs[-1] for runs in run.ours.values())):
        print(f"  {measured.name:<14} {measured.kinds()}")
    for years in run.ours:
        print(f"sozialbot {years:>2}y / echo bot per round: throughput "
              f"{', '.join(f'{r:.2f}x' for r in run.throughput(years))}; p99 "
              f"{', '.join(f'{r:.2f}x' for r in run.p99(years))}")
    one, ten = run.ours[1], run.ours[10]
    pairs = list(zip(one, ten, strict=True))
    print("ten years / one year per round: throughput "
          f"{', '.join(f'{t.rate / o.rate:.2f}x' for o, t in pairs)}; p99 "
          f"{', '.join(f'{t.p99 / o.p99:.2f}x' for o, t in pairs)}; CPU per update "
          f"{', '.join(f'{t.cpu_seconds / o.cpu_seconds:.2f}x' for o, t in pairs)}")
    ok = True
    for what, ratio, target, met in verdicts(run):
        bound = ">=" if "throughput" in what else "<="
        print(f"{what}: {ratio:.2f}x (median of {len(one)}; target {bound} {target}x) "
              f"{'OK' if met else 'MISSED'}")
        ok = ok and met
    return 0 if ok else 1


# -- the two bots ---------------------------------------------------------------------------------


def sozialbot(config: str) -> int:
    """`sozialbot run --config CONFIG`, with the scheduler's tick every TICK seconds."""
    from bot import run
    from bot.cli import main as cli
    from storage.private import private_umask

    defaults = run.run_channels.__kwdefaults__  # what `sozialbot run` passes: the default
    assert defaults is not None
    defaults["tick"] = TICK
    private_umask()  # as `sozialbot` does (cli.main with arguments leaves it)
    return cli(["run", "--config", config])


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
    parser.add_argument("rounds", nargs="?", type=int, default=ROUNDS,
                        help=f"sozialbot runs per county (default {ROUNDS})")
    parser.add_argument("--echo", metavar="BASE_URL", help="run only the echo bot")
    parser.add_argument("--bot", metavar="CONFIG", help="run only sozialbot")
    arguments = parser.parse_args()
    if arguments.echo:
        echo_bot(arguments.echo)
        sys.exit(0)
    if arguments.bot:
        sys.exit(sozialbot(arguments.bot))
    sys.exit(main(arguments.rounds))
