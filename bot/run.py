"""`sozialbot run`: every channel the configuration enables, plus the scheduler (R9 reminders
and the year-end close), until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import datetime

from bot import health, redact
from bot.channel import Channel, ChannelFactory, Clock
from bot.control import SOCKET, serve
from bot.mail import Mail, log_in_early
from bot.matrix import Matrix
from bot.telegram import Telegram
from bot.telegram.settings import start_refusal
from handlers.messages import Sender
from handlers.service import Core
from rules.county import Config

log = logging.getLogger("sozialbot")
TICK_SECONDS = 60


async def scheduler(core: Core, stop: asyncio.Event, now: Clock | None = None, *,
                    wake: Callable[[], None] = lambda: None,
                    tick: float = TICK_SECONDS) -> None:
    """R9 reminders, the year-end close and the yearly erasure, every `tick` seconds, from
    this one place; when it made notifications, `wake` has the channels deliver them now."""
    clock = now or (lambda: datetime.now(core.tz))
    while not stop.is_set():
        try:
            if await asyncio.to_thread(core.run_due_reminders, clock()):
                wake()
        except Exception:
            log.exception("scheduler run failed; trying again in %s s", tick)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), tick)


async def run_channels(core: Core, channels: Sequence[Channel], stop: asyncio.Event, *,
                       now: Clock | None = None, tick: float = TICK_SECONDS) -> None:
    """The channels and the scheduler, until `stop` is set and each has stopped. A channel
    that fails is logged and takes no other down."""
    def wake() -> None:
        for channel in channels:
            channel.wake()

    tasks = [asyncio.create_task(scheduler(core, stop, now, wake=wake, tick=tick),
                                 name="scheduler"),
             *(asyncio.create_task(channel.run(stop), name=channel.name)
               for channel in channels)]
    for task, result in zip(tasks, await asyncio.gather(*tasks, return_exceptions=True),
                            strict=True):
        if isinstance(result, Exception):
            log.error("%s stopped by an error", task.get_name(), exc_info=result)


# Every channel `sozialbot run` knows, in the order of its status lines.
CHANNELS: tuple[ChannelFactory, ...] = (
    Telegram,
    Mail,
    Matrix,
)


def _channels(core: Core, config: Config) -> list[Channel]:
    """The channels the configuration switches on; says for each whether it is on and why."""
    enabled = []
    for factory in CHANNELS:
        channel = factory(core, config, None)
        on, why = channel.status()
        print(f"{channel.label}: {'an' if on else 'aus'} – {why}", flush=True)
        if on:
            enabled.append(channel)
    return enabled


async def _main(config: Config, console_sender: Sender | None) -> None:
    log_in_early(config)  # the IMAP login's round trips overlap opening the store and the start
    core = Core.open(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    channels = _channels(core, config)
    control = await _control(core, config)
    tasks = [asyncio.create_task(run_channels(core, channels, stop), name="channels")]
    if not channels and console_sender is None:
        print("Kein Kanal eingeschaltet: der Bot erledigt nur Erinnerungen und den "
              "Jahresabschluss. Zum Ausprobieren: sozialbot run --as sek-ade (Konsole) oder "
              "sozialbot say (siehe README).", flush=True)
    if console_sender is not None:
        tasks.append(asyncio.create_task(_console(core, console_sender, stop), name="console"))
    print(f"sozialbot läuft (Daten: {config.data_dir}). Beenden mit Strg-C.", flush=True)
    try:
        await stop.wait()
    finally:
        for task in tasks:
            if task.get_name() == "console":
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if control is not None:
            control.close()
            (config.data_dir / SOCKET).unlink(missing_ok=True)
        core.close()
        print("sozialbot beendet.", flush=True)


async def _control(core: Core, config: Config) -> asyncio.AbstractServer | None:
    """The control socket for `sozialbot backup` and `sozialbot status` (bot.control)."""
    try:
        return await serve(core, config.data_dir, health.report)
    except OSError as error:  # e.g. a data directory path too long for a Unix socket
        log.warning("control.sock nicht verfügbar (%s): backup und status gehen dann nur bei "
                    "beendetem Bot", error)
        return None


async def _console(core: Core, sender: Sender, stop: asyncio.Event) -> None:
    import sys

    from bot.console import run_console

    await asyncio.to_thread(run_console, core, sender, sys.stdin, sys.stdout)
    stop.set()


def run(config: Config, console_sender: Sender | None = None) -> int:
    from bot import logs

    logs.setup(logging.INFO)  # before redact: it filters the handlers logs.setup puts up
    redact.install(_env_names(config.raw))
    refusal = start_refusal(config)
    if refusal is not None:
        print(f"Fehler: {refusal}", file=sys.stderr, flush=True)
        return 2
    asyncio.run(_main(config, console_sender))
    return 0


def _env_names(section: object) -> list[str]:
    """The environment variables the configuration names for secrets (`…_env = "NAME"`)."""
    if not isinstance(section, dict):
        return []
    names = [str(v) for k, v in section.items() if str(k).endswith("_env") and v]
    return names + [n for v in section.values() for n in _env_names(v)]
