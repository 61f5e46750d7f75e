"""Benchmark 2: `sozialbot run` answering sketch mails against the mail transport's limit.

Real servers on 127.0.0.1: Dovecot (IMAP, LMTP) holds the mails; the answers go to an aiosmtpd
SMTP server that only accepts them (it hands nothing on, so neither side pays for a delivery into
Dovecot). Sketch mails from 20 senders for the ten conferences are set aside in a folder of the
bot's mailbox. Three kinds of run; in each, the limit and the bot take turns on the same mails
(limit, bot, limit, … : ROUNDS bot runs), each bot run is compared with the mean of the limits
just before and after it (other work on a shared machine comes and goes within a minute), and
the ratio is the median of these:

- "300" and "1000": each side waits in IMAP IDLE; its clock starts when the mails are moved into
  its inbox at once. The limit: an imap-tools client in IDLE is told of the mails, fetches them
  all (bulk, nothing marked), and aiosmtplib sends one fixed reply to each sender over one
  connection. Dovecot tells an idling client of new mail half a second after it arrived; that
  wait is the transport's, so it is part of the limit (the limit without it is printed too).
- "cold": 300 mails already wait in the inbox when each side starts, as after a weekend. Each
  side is a fresh process and its clock starts when it is launched: the limit is
  `bench/mail_limit.py` (imports imap-tools and aiosmtplib, logs in, fetches, sends), the bot
  `sozialbot run`. Both start from bytecode, as installed by pip (`compiled`).

`sozialbot run` (e-mail only, a fresh data directory each run): each sketch is checked and
booked as an application in the store, answered in its thread, and moved to "Verarbeitet"; the
secretaries are told of each new sketch. A side's clock stops when the SMTP server accepted its
last answer to an applicant. Before each clock starts, the file system is synced, so that none
pays for the disk writes of what ran before it.

Targets: at least 0.85x the limit at 300 and at 1,000 mails, 0.7x from the cold start.

Run: python -m bench.mail [300] [1000] [cold]      (all three without arguments)
"""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import os
import resource
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from imap_tools import MailBoxUnencrypted

from bench.mail_limit import send_replies
from rules.conferences import LUENEBURG
from tests.support.mailservers import (
    IMAP_PASSWORD_ENV,
    PASSWORD,
    Dovecot,
    MailWorld,
    RelayHandler,
    SmtpRelay,
    write_mail_config,
)

SENDERS = 20
ROUNDS = 3  # bot runs per kind, each between two of the limit's


@dataclass(frozen=True)
class Kind:
    """One run of the benchmark: how many mails, whether they wait before the start."""

    name: str
    mails: int
    cold: bool
    target: float

    @property
    def title(self) -> str:
        return (f"cold start, {self.mails} waiting" if self.cold
                else f"{self.mails:,} mails")


KINDS = {"300": Kind("300", 300, False, 0.85), "1000": Kind("1000", 1000, False, 0.85),
         "cold": Kind("cold", 300, True, 0.7)}


@dataclass
class AcceptingHandler(RelayHandler):
    """aiosmtpd handler that accepts every mail and keeps only when and to whom."""

    accepted: list[tuple[float, str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.accepted.append((time.perf_counter(), envelope.rcpt_tos[0]))
        return "250 OK: queued"


class AcceptOnly(SmtpRelay):
    """The SMTP server of the benchmark: accepts, hands nothing on."""

    def __init__(self, dovecot: Dovecot) -> None:
        super().__init__(dovecot)
        self.accepting = AcceptingHandler(dovecot)
        self.handler = self.accepting

    @property
    def accepted(self) -> list[tuple[float, str]]:
        return self.accepting.accepted


class Answers:
    """The accepted answers to applicants, counted as they come: going through thousands of
    deliveries every 20 ms held the server's interpreter lock while the bot was measured."""

    def __init__(self, server: AcceptOnly, world: MailWorld) -> None:
        self.server = server
        self.addresses = {f"absender{i}@{world.domain}" for i in range(SENDERS)}
        self.looked_at = 0
        self.times: list[float] = []

    def count(self) -> int:
        new = self.server.accepted[self.looked_at:]
        self.looked_at += len(new)
        self.times += [at for at, to in new if to in self.addresses]
        return len(self.times)


@dataclass(frozen=True)
class Limit:
    """One measurement of the limit: start (or being told in IDLE), fetching, sending."""

    notice_seconds: float
    fetch_seconds: float
    send_seconds: float
    cpu_seconds: float = 0.0  # of its own process (the cold start only)

    @property
    def seconds(self) -> float:
        return self.notice_seconds + self.fetch_seconds + self.send_seconds


@dataclass(frozen=True)
class BotRun:
    """One run of `sozialbot run` on the mails."""

    seconds: float  # until the SMTP server accepted the last answer to an applicant
    notices_seconds: float  # until it accepted the last of the secretaries' notices
    handled: int  # mails in "Verarbeitet" afterwards
    cpu_seconds: float  # the bot's process, from the clock's start to its last answer
    answered_at: tuple[float, ...] = ()  # when each answer to an applicant was accepted
    children_cpu_seconds: float = 0.0  # its child processes (the reading process), the same

    def timeline(self) -> str:
        """When the first, a tenth, half, nine tenths and the last of the answers were accepted
        (seconds from the start): answers held back while mails are handled show as a late
        half."""
        times = sorted(self.answered_at)
        return " / ".join(f"{times[min(len(times) - 1, int(share * len(times)))]:.2f}"
                          for share in (0, 0.1, 0.5, 0.9, 1))


@dataclass(frozen=True)
class MailRun:
    """Limit and bot taking turns on the same mails: limit, bot, limit, bot, …, limit. Each bot
    run is compared with the mean of the limits just before and after it (the machine's speed
    drifts within a minute); the ratio is the median of these."""

    kind: Kind
    limits: tuple[Limit, ...]
    bots: tuple[BotRun, ...]

    @property
    def ratios(self) -> list[float]:
        return [(self.limits[i].seconds + self.limits[i + 1].seconds) / 2 / bot.seconds
                for i, bot in enumerate(self.bots)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def limit_seconds(self) -> float:
        return statistics.median(limit.seconds for limit in self.limits)

    @property
    def limit_seconds_without_notice(self) -> float:
        """The limit if mail were seen the moment it arrived (no IDLE notification delay)."""
        return statistics.median(limit.seconds - limit.notice_seconds for limit in self.limits)

    @property
    def limit_cpu(self) -> float:
        return statistics.median(limit.cpu_seconds for limit in self.limits)

    @property
    def bot_seconds(self) -> float:
        return statistics.median(bot.seconds for bot in self.bots)

    @property
    def bot_cpu(self) -> float:
        return statistics.median(bot.cpu_seconds for bot in self.bots)

    @property
    def children_cpu(self) -> float:
        return statistics.median(bot.children_cpu_seconds for bot in self.bots)

    @property
    def handled(self) -> int:
        return min(bot.handled for bot in self.bots)


def sketch_mail(world: MailWorld, i: int) -> EmailMessage:
    """A sketch as an applicant mails it: plain text, the labels of the form, no command."""
    sender = f"absender{i % SENDERS}@{world.domain}"
    name = LUENEBURG[i % len(LUENEBURG)][1]
    message = EmailMessage()
    message["From"] = f"Träger {i} <{sender}>"
    message["To"] = world.bot
    message["Subject"] = f"Projektskizze {i}: Nachmittagsangebot"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(f"skizze{i}", domain=world.domain)
    message.set_content(
        f"Guten Tag,\n\nanbei unsere Projektskizze.\n\nSozialraum: {name}\nTräger: Verein {i} "
        f"e.V.\nTitel: Nachmittagsangebot {i}\nAusgangslage: Im Ortsteil fehlen Angebote am "
        "Nachmittag; viele Familien sind belastet.\nZielsetzung: Kinder erhalten verlässliche "
        "Förderung.\nMaßnahme: Wöchentliche Gruppe mit einer Fachkraft.\n"
        f"Betrag: {200 + i % 300} €\n\nMit freundlichen Grüßen\nVerein {i} e.V.\n")
    return message


def _wait(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes],
          log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"waited in vain for {what}:\n"
                             f"{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.02)


def _stage(dovecot: Dovecot, world: MailWorld, mails: int) -> str:
    """`mails` sketches delivered (one LMTP connection) into a folder of their own."""
    folder = f"Stapel{mails}"
    with smtplib.LMTP("127.0.0.1", dovecot.lmtp_port, timeout=60) as lmtp:
        for i in range(mails):
            lmtp.sendmail(f"absender{i % SENDERS}@{world.domain}", [world.bot],
                          sketch_mail(world, i).as_bytes())
    _move(dovecot, world, "INBOX", folder)
    return folder


def _move(dovecot: Dovecot, world: MailWorld, source: str, target: str) -> None:
    """Every mail of `source` into `target` at once (created when missing)."""
    with MailBoxUnencrypted("127.0.0.1", dovecot.imap_port, timeout=60) as box:
        box.login(world.bot, PASSWORD, initial_folder=None)
        if not box.folder.exists(target):
            box.folder.create(target)
        box.folder.set(source)
        box.move(box.uids("ALL"), target)


def compiled() -> None:
    """sozialbot's modules as bytecode, as `pip install` leaves them: a deployed bot does not
    compile its modules at each start, but a checkout run with PYTHONDONTWRITEBYTECODE (as on
    the machine these figures come from) would, and the limit's libraries are compiled."""
    root = Path(__file__).resolve().parent.parent
    for package in ("bot", "handlers", "rules", "storage", "reports"):
        compileall.compile_dir(root / package, quiet=1)


def measure(kinds: list[Kind], rounds: int = ROUNDS) -> list[MailRun]:
    compiled()
    mail_home = Path(tempfile.mkdtemp(prefix="sozialbot-bench-dovecot-"))
    mail_home.chmod(0o755)  # Dovecot's users must reach it (see TESTING-NOTES)
    dovecot = Dovecot(mail_home).start()
    server = AcceptOnly(dovecot).start()
    assert isinstance(server, AcceptOnly)
    try:
        world = MailWorld(dovecot, server)
        staged = {n: _stage(dovecot, world, n) for n in sorted({k.mails for k in kinds})}
        return [_measure(kind, rounds, dovecot, server, world, staged[kind.mails])
                for kind in kinds]
    finally:
        server.stop()
        dovecot.stop()
        shutil.rmtree(mail_home, ignore_errors=True)


def _measure(kind: Kind, rounds: int, dovecot: Dovecot, server: AcceptOnly, world: MailWorld,
             staging: str) -> MailRun:
    limit = _cold_limit if kind.cold else _idle_limit
    limits = [limit(kind, dovecot, server, world, staging)]
    bots = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as workdir:  # a fresh data directory each time
            bots.append(_bot(kind, Path(workdir), dovecot, server, world, staging))
        limits.append(limit(kind, dovecot, server, world, staging))
    return MailRun(kind, tuple(limits), tuple(bots))


def _bot(kind: Kind, workdir: Path, dovecot: Dovecot, server: AcceptOnly, world: MailWorld,
         staging: str) -> BotRun:
    config = write_mail_config(workdir, world, notify_seconds=1)
    log = workdir / "sozialbot.log"
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update({IMAP_PASSWORD_ENV: PASSWORD, "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "-m", "bot.cli", "run", "--config", str(config)]
    profile = os.environ.get("BENCH_PROFILE")
    if kind.cold:
        _move(dovecot, world, staging, "INBOX")
        if profile:  # py-spy starts the bot, so that it sees the start too
            command = [*_profiler_command(f"{profile}.{kind.name}"), "--", *command]
        os.sync()
    answers = Answers(server, world)
    start = time.perf_counter()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    profiler = None
    try:
        if not kind.cold:
            _wait(lambda: "E-Mail-Kanal läuft" in log.read_text(errors="replace"),
                  "the e-mail channel", process, log, 60)
            time.sleep(2)  # logged in and waiting in IDLE
            if profile:
                profiler = subprocess.Popen(
                    [*_profiler_command(f"{profile}.{kind.name}"), "--pid", str(process.pid)],
                    stdout=subprocess.DEVNULL)
                time.sleep(1)
            os.sync()
            cpu_at_start = _cpu_seconds(process.pid)
            children_at_start = _children_cpu(process.pid)
            start = time.perf_counter()
            _move(dovecot, world, staging, "INBOX")
        else:
            cpu_at_start = 0.0
            children_at_start = {}
        _wait(lambda: answers.count() >= kind.mails, "every answer", process, log)
        bot_cpu = _cpu_seconds(process.pid) - cpu_at_start
        children_cpu = sum(cpu - children_at_start.get(pid, 0.0) for pid, cpu in _children_cpu(
            process.pid, started_by_profiler=kind.cold and bool(profile)).items())
        bot_seconds = answers.times[kind.mails - 1] - start
        _wait(lambda: len(server.accepted) >= 2 * kind.mails, "every notice", process, log)
        notices_seconds = server.accepted[2 * kind.mails - 1][0] - start
        handled = dovecot.count(world.bot, "Verarbeitet")
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        for pid in _bot_pids(process.pid, started_by_profiler=kind.cold and bool(profile)):
            os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
        if process.poll() is None:
            process.kill()
    server.accepted.clear()
    _move(dovecot, world, "Verarbeitet", staging)
    return BotRun(bot_seconds, notices_seconds, handled, bot_cpu,
                  tuple(at - start for at in answers.times[:kind.mails]), children_cpu)


def _idle_limit(kind: Kind, dovecot: Dovecot, server: AcceptOnly, world: MailWorld,
                staging: str) -> Limit:
    """The limit in IDLE: a client idling in the inbox is told of the mails moved there, fetches
    them in bulk and sends one fixed reply to each sender over one connection (the mails end up
    in `staging` again)."""
    with dovecot.mailbox(world.bot) as box:
        box.idle.start()
        os.sync()  # each side starts without the other's writes still on their way to the disk
        start = time.perf_counter()
        _move(dovecot, world, staging, "INBOX")
        while not any(line.endswith(b"EXISTS") for line in box.idle.poll(timeout=60)):
            pass
        box.idle.stop()
        noticed = time.perf_counter()
        fetched = list(box.fetch(mark_seen=False, bulk=100))
        fetch_seconds = time.perf_counter() - noticed
        box.move(box.uids("ALL"), staging)
    assert len(fetched) == kind.mails, len(fetched)
    sending = time.perf_counter()
    asyncio.run(send_replies(server.port, [m.from_ for m in fetched], world.bot))
    assert len(server.accepted) == kind.mails
    send_seconds = server.accepted[-1][0] - sending
    server.accepted.clear()
    return Limit(noticed - start, fetch_seconds, send_seconds)


def _cold_limit(kind: Kind, dovecot: Dovecot, server: AcceptOnly, world: MailWorld,
                staging: str) -> Limit:
    """The limit from a cold start: `bench/mail_limit.py` launched with the mails waiting.
    Its start, login and fetch count as "fetch"; "send" runs from its first accepted reply to
    its last."""
    _move(dovecot, world, staging, "INBOX")
    os.sync()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.mail_limit", str(dovecot.imap_port),
                    str(server.port), world.bot, PASSWORD], check=True, timeout=600)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    assert len(server.accepted) == kind.mails, len(server.accepted)
    first, last = server.accepted[0][0], server.accepted[-1][0]
    server.accepted.clear()
    _move(dovecot, world, "INBOX", staging)
    return Limit(0.0, first - start, last - first, cpu_seconds)


def _bot_pids(pid: int, *, started_by_profiler: bool) -> list[int]:
    """The bot's process: py-spy's child when py-spy started it (py-spy then writes its
    profile once the bot has stopped)."""
    if not started_by_profiler:
        return [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu(pid: int, *, started_by_profiler: bool = False) -> dict[int, float]:
    """CPU time of each running child process of the bot (the process that parses mails; a
    document sandbox, when one runs), by process id."""
    found = {}
    for bot in _bot_pids(pid, started_by_profiler=started_by_profiler):
        with contextlib.suppress(OSError):
            for child in Path(f"/proc/{bot}/task/{bot}/children").read_text().split():
                with contextlib.suppress(OSError):
                    found[int(child)] = _cpu_seconds(int(child))
    return found


def _profiler_command(output: str) -> list[str]:
    """py-spy on the bot while it is measured, if BENCH_PROFILE names an output file (raw,
    collapsed stacks of the thread holding the GIL; one file per run, named after it); py-spy is
    a tool to install by hand, not a dependency."""
    return ["py-spy", "record", "--rate", "200", "--format", "raw", "--gil",
            "--output", output]


def verdicts(runs: list[MailRun]) -> list[tuple[str, float, float, bool]]:
    return [(f"E-mail throughput vs transport limit, {run.kind.title}", run.ratio,
             run.kind.target, run.ratio >= run.kind.target) for run in runs]


def main(names: list[str] | None = None) -> int:
    unknown = [n for n in names or [] if n not in KINDS]
    if unknown:
        print(f"unknown run {unknown[0]!r}; choose from {', '.join(KINDS)}")
        return 2
    runs = measure([KINDS[n] for n in names or KINDS])
    ok = True
    for run in runs:
        what = "start + login + fetch" if run.kind.cold else "told in IDLE + fetch"
        limits = ", ".join(f"{limit.notice_seconds:.2f} + {limit.fetch_seconds:.2f} + "
                           f"{limit.send_seconds:.2f}" for limit in run.limits)
        print(f"{run.kind.title} ({len(run.bots)} rounds, each side's median):")
        print(f"  limit:     {what} + send: {limits} s; median {run.limit_seconds:.2f} s"
              + ("" if run.kind.cold else
                 f" ({run.limit_seconds_without_notice:.2f} s without the IDLE notification "
                 "delay)"))
        cpu = (f"; CPU {1000 * run.bot_cpu / run.kind.mails:.2f} ms a mail"
               + f", its child processes {1000 * run.children_cpu / run.kind.mails:.2f} ms"
               + (f" (the limit's process: {1000 * run.limit_cpu / run.kind.mails:.2f} ms)"
                  if run.kind.cold else ""))
        print(f"  sozialbot: {run.kind.mails} answered in "
              f"{', '.join(f'{bot.seconds:.2f}' for bot in run.bots)} s; median "
              f"{run.bot_seconds:.2f} s ({run.handled} in 'Verarbeitet'; with the secretaries' "
              f"{run.kind.mails} notices {run.bots[0].notices_seconds:.2f} s{cpu})")
        print("  answers accepted (first / 10 % / 50 % / 90 % / last, s): "
              + "; ".join(bot.timeline() for bot in run.bots))
        print(f"  ratio per round: {', '.join(f'{r:.2f}x' for r in run.ratios)}")
        ok = ok and run.handled == run.kind.mails
    for what, ratio, target, met in verdicts(runs):
        print(f"{what}: {ratio:.2f}x (target >= {target}x) {'OK' if met else 'MISSED'}")
        ok = ok and met
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
