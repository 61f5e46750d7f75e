"""Benchmark 2: `sozialbot run` answering 1,000 sketch mails against the mail transport's limit.

Real servers on 127.0.0.1, the ones the tests use: Dovecot (IMAP, LMTP) and an aiosmtpd SMTP
server that hands every mail it accepts to Dovecot. 1,000 sketch mails from 20 senders for the ten
conferences are set aside in a folder of the bot's mailbox. Each side's clock starts when they
are moved into its inbox at once, while it waits there in IMAP IDLE.

- The transport limit, measured before and after the bot (the ratio uses the mean of the two:
  other work on a shared machine comes and goes within a minute): an imap-tools client waiting in
  IDLE is told of the mails, fetches all 1,000 (bulk, nothing marked), and aiosmtplib sends one
  fixed reply to each sender over one connection. Dovecot tells an idling client of new mail
  half a second after it arrived (measured: 0.50 s every time); that wait is the transport's, so
  it is part of the limit. The limit without it is printed as well.
- `sozialbot run` (e-mail only): each sketch is checked and booked as an application in the
  store, answered in its thread through the SMTP server into Dovecot, and moved to
  "Verarbeitet"; the secretaries are told of each new sketch. Its clock stops when the last
  answer to an applicant was accepted by the SMTP server.

Target: at least 0.7x the limit. Before each clock starts, the file system is synced, so that
none pays for the disk writes of what ran before it (the 1,000 deliveries, the other side's
replies).

Run: python -m bench.mail
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib
from imap_tools import MailBoxUnencrypted

from rules.conferences import LUENEBURG
from tests.support.mailservers import (
    IMAP_PASSWORD_ENV,
    PASSWORD,
    Dovecot,
    MailWorld,
    SmtpRelay,
    write_mail_config,
)

MAILS = 1000
SENDERS = 20
STAGING = "Stapel"
TARGET = 0.7


@dataclass(frozen=True)
class Limit:
    """One measurement of the transport limit: told of the mails in IDLE, fetching them,
    sending the replies."""

    notice_seconds: float
    fetch_seconds: float
    send_seconds: float

    @property
    def seconds(self) -> float:
        return self.notice_seconds + self.fetch_seconds + self.send_seconds


@dataclass(frozen=True)
class MailRun:
    """The limit's times (measured before and after the bot) and the bot's, same mails."""

    limits: tuple[Limit, Limit]
    bot_seconds: float
    notices_seconds: float
    handled: int

    @property
    def limit_rate(self) -> float:
        return MAILS / (sum(limit.seconds for limit in self.limits) / len(self.limits))

    @property
    def limit_rate_without_notice(self) -> float:
        """The limit if mail were seen the moment it arrived (no IDLE notification delay)."""
        seconds = sum(limit.seconds - limit.notice_seconds for limit in self.limits)
        return MAILS / (seconds / len(self.limits))

    @property
    def bot_rate(self) -> float:
        return MAILS / self.bot_seconds

    @property
    def ratio(self) -> float:
        return self.bot_rate / self.limit_rate


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


async def _send_fixed_replies(relay: SmtpRelay, senders: list[str], bot: str) -> None:
    """The limit's sending half: one fixed reply per mail, one SMTP connection."""
    reply = EmailMessage()
    reply["From"] = bot
    reply["Subject"] = "Re: Projektskizze"
    reply.set_content("Vielen Dank, Ihre Projektskizze ist eingegangen.\n")
    data = reply.as_bytes()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=relay.port, timeout=60)
    await client.connect()
    try:
        for sender in senders:
            await client.sendmail(bot, [sender], data)
    finally:
        await client.quit()


def measure(workdir: Path) -> MailRun:
    mail_home = Path(tempfile.mkdtemp(prefix="sozialbot-bench-dovecot-"))
    mail_home.chmod(0o755)  # Dovecot's users must reach it (see TESTING-NOTES)
    dovecot = Dovecot(mail_home).start()
    relay = SmtpRelay(dovecot).start()
    try:
        return _measure(workdir, dovecot, relay)
    finally:
        relay.stop()
        dovecot.stop()
        shutil.rmtree(mail_home, ignore_errors=True)


def _measure(workdir: Path, dovecot: Dovecot, relay: SmtpRelay) -> MailRun:
    world = MailWorld(dovecot, relay)
    for i in range(MAILS):
        world.deliver(sketch_mail(world, i), mail_from=f"absender{i % SENDERS}@{world.domain}")

    with dovecot.mailbox(world.bot) as box:
        box.folder.create(STAGING)
        box.move(box.uids("ALL"), STAGING)  # set aside until a clock starts
    before = _limit(dovecot, relay, world)

    # -- sozialbot run ------------------------------------------------------------------------
    config = write_mail_config(workdir, world, notify_seconds=1)
    log = workdir / "sozialbot.log"
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update({IMAP_PASSWORD_ENV: PASSWORD, "PYTHONUNBUFFERED": "1"})
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config",
                                    str(config)], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait(lambda: "E-Mail-Kanal läuft" in log.read_text(errors="replace"),
              "the e-mail channel", process, log, 60)
        time.sleep(2)  # logged in and waiting in IDLE
        addresses = {f"absender{i}@{world.domain}" for i in range(SENDERS)}
        counted = [0, 0]  # deliveries looked at, answers among them

        def answers() -> int:
            """Counted as they come: going through all 2,000 deliveries every 20 ms held the
            relay's interpreter lock for milliseconds while the bot was being measured."""
            new = relay.deliveries[counted[0]:]
            counted[0] += len(new)
            counted[1] += sum(1 for d in new if not addresses.isdisjoint(d.rcpt_tos))
            return counted[1]

        profiler = _profiler(process.pid)
        os.sync()
        start = time.perf_counter()
        _move_in(dovecot, world)
        _wait(lambda: answers() >= MAILS, "every answer", process, log)
        bot_seconds = time.perf_counter() - start
        _wait(lambda: len(relay.deliveries) >= 2 * MAILS, "every notice", process, log)
        notices_seconds = time.perf_counter() - start
        handled = dovecot.count(world.bot, "Verarbeitet")
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
        if process.poll() is None:
            process.kill()
    relay.deliveries.clear()
    with dovecot.mailbox(world.bot) as box:
        box.folder.set("Verarbeitet")
        box.move(box.uids("ALL"), STAGING)
    after = _limit(dovecot, relay, world)
    return MailRun((before, after), bot_seconds, notices_seconds, handled)


def _limit(dovecot: Dovecot, relay: SmtpRelay, world: MailWorld) -> Limit:
    """The transport limit: a client idling in the inbox is told of the mails moved there from
    STAGING, fetches them in bulk and sends one fixed reply to each sender over one connection
    (the mails end up in STAGING again)."""
    with dovecot.mailbox(world.bot) as box:
        box.idle.start()
        os.sync()  # each side starts without the other's writes still on their way to the disk
        start = time.perf_counter()
        _move_in(dovecot, world)
        while not any(line.endswith(b"EXISTS") for line in box.idle.poll(timeout=60)):
            pass
        box.idle.stop()
        noticed = time.perf_counter()
        fetched = list(box.fetch(mark_seen=False, bulk=100))
        fetch_seconds = time.perf_counter() - noticed
        box.move(box.uids("ALL"), STAGING)
    assert len(fetched) == MAILS, len(fetched)
    senders = [m.from_ for m in fetched]
    sending = time.perf_counter()
    asyncio.run(_send_fixed_replies(relay, senders, world.bot))
    send_seconds = time.perf_counter() - sending
    assert len(relay.deliveries) == MAILS
    relay.deliveries.clear()
    return Limit(noticed - start, fetch_seconds, send_seconds)


def _move_in(dovecot: Dovecot, world: MailWorld) -> None:
    """The mails set aside appear in the inbox at once."""
    with MailBoxUnencrypted("127.0.0.1", dovecot.imap_port, timeout=60) as box:
        box.login(world.bot, PASSWORD, initial_folder=STAGING)
        box.move(box.uids("ALL"), "INBOX")


def _profiler(pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy on the bot while it is measured, if BENCH_PROFILE names an output file (raw,
    collapsed stacks of the thread holding the GIL); py-spy is a tool to install by hand, not a
    dependency."""
    output = os.environ.get("BENCH_PROFILE")
    if not output:
        return None
    profiler = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--rate", "200",
                                 "--format", "raw", "--gil", "--output", output],
                                stdout=subprocess.DEVNULL)
    time.sleep(1)
    return profiler


def verdicts(run: MailRun) -> list[tuple[str, float, float, bool]]:
    return [("E-mail throughput vs transport limit", run.ratio, TARGET, run.ratio >= TARGET)]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        run = measure(Path(tmp))
    before, after = run.limits
    print(f"transport limit: told in IDLE + fetch {MAILS} mails + send {MAILS} replies: before "
          f"the bot {before.notice_seconds:.2f} + {before.fetch_seconds:.2f} + "
          f"{before.send_seconds:.2f} s, after it {after.notice_seconds:.2f} + "
          f"{after.fetch_seconds:.2f} + {after.send_seconds:.2f} s; mean {run.limit_rate:.1f} "
          f"mails/s ({run.limit_rate_without_notice:.1f} without the IDLE notification delay)")
    print(f"sozialbot run:   {MAILS} sketches handled and answered in {run.bot_seconds:.1f} s "
          f"= {run.bot_rate:.1f} mails/s ({run.handled} in 'Verarbeitet'; with the "
          f"secretaries' {MAILS} notices {run.notices_seconds:.1f} s)")
    ok = run.handled == MAILS
    for what, ratio, target, met in verdicts(run):
        print(f"{what}: {ratio:.2f}x (target >= {target}x) {'OK' if met else 'MISSED'}")
        ok = ok and met
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
