"""`sozialbot run`: every channel the configuration enables, plus the scheduler (R9 reminders
and the year-end close), until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from bot import health, redact
from bot.control import SOCKET, serve
from bot.telegram.settings import start_refusal
from handlers.messages import Sender
from handlers.service import Core
from rules.county import Config

log = logging.getLogger("sozialbot")
TICK_SECONDS = 60


async def scheduler(core: Core, stop: asyncio.Event,
                    now: Callable[[], datetime] | None = None) -> None:
    clock = now or (lambda: datetime.now(core.tz))
    while not stop.is_set():
        try:
            await asyncio.to_thread(core.run_due_reminders, clock())
        except Exception:
            log.exception("scheduler run failed; trying again in %s s", TICK_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TICK_SECONDS)


Runner = Callable[[Core, Config, asyncio.Event], Coroutine[Any, Any, None]]
CHANNELS = (  # name, label, module, its status function, its runner
    ("telegram", "Telegram", "bot.telegram.channel", "telegram_status", "run_telegram"),
    ("email", "E-Mail", "bot.mail_channel", "mail_status", "run_mail"),
    ("matrix", "Matrix", "bot.matrix", "matrix_status", "run_matrix"),
)


def _channels(config: Config) -> list[tuple[str, Runner]]:
    """The channels the configuration switches on; says for each whether it is on and why."""
    enabled = []
    for name, label, module_name, status_name, runner_name in CHANNELS:
        module = importlib.import_module(module_name)
        on, why = getattr(module, status_name)(config)
        print(f"{label}: {'an' if on else 'aus'} – {why}", flush=True)
        if on:
            enabled.append((name, getattr(module, runner_name)))
    return enabled


async def _main(config: Config, console_sender: Sender | None) -> None:
    core = Core.open(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(scheduler(core, stop), name="scheduler")]
    channels = _channels(config)
    control = await _control(core, config)
    for name, runner in channels:
        tasks.append(asyncio.create_task(runner(core, config, stop), name=name))
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
