"""The disk runs full while the bot commits: the booking fails with a clear answer, the store
stays exactly as it was, and once there is space again the bot books, once, by itself.

The data directory is a small tmpfs (mounting needs root, as the test script does for apt-get)
filled to the last byte. A commit is one line appended to the store's journal; a line that still
fits into the journal's last page needs no new space and is booked, rightly. So the bot is
restarted before the disk fills up: a clean stop writes the files whole and empties the journal,
and the next commit needs a fresh page, which the full disk refuses.
"""

from __future__ import annotations

import contextlib
import errno
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.telegram.settings import TOKEN_ENV
from storage.partitions import JOURNAL
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.telegram_fixtures import (
    COUNTY_1,
    SECRETARY_ADE,
    Clock,
    RunningBot,
    write_config,
)

SKETCH = """/antrag
Sozialraum: ADE
Träger: Kita Sonnenschein
Titel: Leseförderung
Ausgangslage: Viele Kinder lesen kaum.
Zielsetzung: Freude am Lesen.
Maßnahme: Vorlesepaten einmal die Woche.
Betrag: 1.500,00 €"""
CONCEPT = "/konzept\nZielgruppen: Kinder\nProblemlagen: wenig Angebote\nZiele: Teilhabe"
APPLICANT = 4001


class SmallDisk:
    """The data directory on a 4 MB tmpfs that `fill()` fills up and `free()` empties again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.mounted = False
        self._ballast = directory / "ballast.bin"

    def mount(self) -> SmallDisk:
        self.directory.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs",
                               str(self.directory)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"a tmpfs for the full disk needs root: {done.stderr}"
        self.mounted = True
        return self

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.directory)], check=False)

    def fill(self) -> None:
        """No byte left: every write that needs a new page fails with ENOSPC."""
        journal = self.directory / JOURNAL
        assert not journal.exists() or journal.stat().st_size == 0, "restart the bot first"
        chunk = b"\0" * 65536
        with open(self._ballast, "wb", buffering=0) as ballast:
            while True:
                try:
                    ballast.write(chunk)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    if len(chunk) == 1:
                        break
                    chunk = chunk[: len(chunk) // 2]

    def free(self) -> None:
        self._ballast.unlink(missing_ok=True)

    def snapshot(self) -> dict[str, bytes]:
        """The store's files and its journal as they are on disk."""
        return {p.name: p.read_bytes() for p in sorted(self.directory.iterdir())
                if p.suffix == ".json" or p.name == JOURNAL}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    disk = SmallDisk(tmp_path / "data").mount()
    try:
        yield disk
    finally:
        disk.free()
        disk.unmount()


@pytest.fixture
async def telegram_bot(tmp_path: Path, small_disk: SmallDisk, emulator: BotApiEmulator,
                       clock: Clock, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningBot]:
    monkeypatch.setenv(TOKEN_ENV, emulator.token)
    running = RunningBot(write_config(tmp_path, emulator), emulator, clock)
    await running.start()
    try:
        yield running
    finally:
        with contextlib.suppress(Exception):
            await running.stop()


def commitments(bot: RunningBot) -> list[dict]:
    return [e for e in bot.export()["ledger"] if e["kind"] == "commitment"]


async def test_a_booking_on_a_full_disk_fails_politely_and_books_once_space_is_back(
        telegram_bot: RunningBot, emulator: BotApiEmulator, clock: Clock,
        small_disk: SmallDisk) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    await telegram_bot.link(COUNTY_1, "kreis-1")
    await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    await telegram_bot.say(SECRETARY_ADE, CONCEPT, expect="Sozialraumkonzept")
    await telegram_bot.say(SECRETARY_ADE, "/sitzung 12.03.2026 18:30 Rathaus, Budget II",
                  expect="eingetragen")
    await telegram_bot.say(COUNTY_1, "/anwesend ADE 12.03.2026", expect="vermerkt")
    clock.set(clock.value.replace(day=13))
    preview = await telegram_bot.say(SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 bewilligt "
                                           "1.200 €", expect="/buchen")
    await telegram_bot.clock.wait_reads(8)  # the alerts of the set-up have gone out
    await telegram_bot.stop()
    await telegram_bot.start()
    before = small_disk.snapshot()

    small_disk.fill()
    emulator.press(SECRETARY_ADE, preview, "Buchen")
    failed = await emulator.wait_for_message(SECRETARY_ADE, "nicht gespeichert")
    refused_sketch = await telegram_bot.say(APPLICANT, SKETCH.replace("Leseförderung", "Vorlesen"))
    on_full_disk = small_disk.snapshot()
    small_disk.free()
    emulator.press(SECRETARY_ADE, preview, "Buchen")
    booked = await emulator.wait_for_message(SECRETARY_ADE, "Gebucht")
    await telegram_bot.clock.wait_reads(8)

    assert "Es wurde nichts gebucht" in failed.text
    assert "nicht gespeichert" in refused_sketch.text
    assert on_full_disk == before, "a failed commit leaves every file as it was"
    assert "8.800,00 €" in booked.text
    assert [e["amount_cents"] for e in commitments(telegram_bot)] == [120000]
    assert [a["number"] for a in telegram_bot.export()["applications"]] == ["ADE-2026-001"]
    applicant_news = [m.text for m in emulator.messages(APPLICANT) if "bewilligt" in m.text]
    assert len(applicant_news) == 1


async def test_after_a_full_disk_the_store_opens_and_holds_what_was_committed(
        telegram_bot: RunningBot, emulator: BotApiEmulator, small_disk: SmallDisk) -> None:
    first = await telegram_bot.say(APPLICANT, SKETCH, expect="ADE-2026-001")
    await telegram_bot.stop()
    await telegram_bot.start()
    small_disk.fill()
    await telegram_bot.say(APPLICANT, SKETCH.replace("Leseförderung", "Vorlesen"),
                           "nicht gespeichert")
    await telegram_bot.stop()  # stopped while the disk is full
    small_disk.free()
    await telegram_bot.start()
    again = await telegram_bot.say(APPLICANT, SKETCH.replace("Leseförderung", "Vorlesen"),
                          expect="ADE-2026-002")

    assert "ADE-2026-001" in first.text
    assert "ADE-2026-002" in again.text
    titles = [a["title"] for a in telegram_bot.export()["applications"]]
    assert titles == ["Leseförderung", "Vorlesen"]
    assert not list(small_disk.directory.glob("*.tmp")), "no half-written file is left"

