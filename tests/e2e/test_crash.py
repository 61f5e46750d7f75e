"""A process booking in a loop, killed with SIGKILL at random moments: after every kill the
store opens and holds every booking whose reply was printed, each exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core
from tests.support.cli import CONCEPT, SKETCH, init_county

ROUNDS = 25  # kills at least; more (up to MAX_ROUNDS) while fewer than ENOUGH were reported
MAX_ROUNDS = 200  # a loaded machine books less between kills
ENOUGH = 20
APPLICATIONS = 400
SEED_DAY = datetime(2026, 2, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _seed(config: Path) -> None:
    core = Core.open(load_config(config))

    def send(sender: str, text: str) -> None:
        outcome = core.handle(IncomingMessage(Sender("console", sender, verified=True), text,
                                              f"seed:{uuid.uuid4()}", SEED_DAY))
        assert outcome.accepted, outcome.replies[0].text

    send("sek-ade", CONCEPT)
    send("sek-ade", "/sitzung 12.03.2026 18:30 Budget II")
    send("kreis-1", "/anwesend ADE 12.03.2026")
    for i in range(APPLICATIONS):
        send(f"traeger{i}@example.org", SKETCH.format(
            conference="ADE", applicant=f"Träger {i}", title=f"Projekt {i}", amount="10 €"))
    core.close()


def _booked_in_store(config: Path) -> Counter[str]:
    core = Core.open(load_config(config))  # must open after any kill
    try:
        export = core.export()
    finally:
        core.close()
    ade = next(b for b in export["balances"] if b["conference"] == "ADE" and b["year"] == 2026)
    assert ade["allotment_cents"] == ade["bound_cents"] + ade["available_cents"]
    return Counter(e["application"] for e in export["ledger"] if e["kind"] == "commitment")


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    config = init_county(tmp_path)
    _seed(config)
    rng = random.Random(20261125)
    printed: set[str] = set()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    finished = False
    for kills in range(1, MAX_ROUNDS + 1):
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.booking_loop", str(config)],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"
        time.sleep(rng.uniform(0.005, 0.05))  # a booking takes about 1 ms: kill early and often
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        lines = out.split("\n")
        printed |= {line.split()[1] for line in lines if line.startswith("BOOKED ")}
        finished = finished or "DONE" in lines
        stored = _booked_in_store(config)
        assert all(count == 1 for count in stored.values()), "a booking was doubled"
        assert printed <= set(stored), "a booking whose reply was printed is missing"
        # each kill may catch one booking committed but not yet reported: never more
        assert len(set(stored) - printed) <= kills, "bookings appeared that nobody was told of"
        if finished or (kills >= ROUNDS and len(printed) >= ENOUGH):
            break
    print(f"kill rounds: {kills}, bookings reported: {len(printed)}, finished: {finished}")
    assert len(printed) >= ENOUGH, f"the loop booked too little to prove anything: {len(printed)}"
