"""Whatever anyone types, the core answers in German and never falls into its error path."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import default_config_text, load_config
from handlers.messages import IncomingMessage, Sender
from handlers.service import Core

SEEDED = datetime(2026, 3, 1, 12, tzinfo=ZoneInfo("Europe/Berlin"))
WHEN = datetime(2026, 3, 13, 12, tzinfo=ZoneInfo("Europe/Berlin"))
SENDERS = ("sek-ade", "sek-ble", "kreis-1", "verwaltung", "kita@example.org")
COMMANDS = ("/antrag", "/konzept", "/sitzung", "/anwesend", "/verhindert", "/beschluss",
            "/buchen", "/verwerfen", "/bestaetigen", "/veto", "/saldo", "/antraege",
            "/jahresabschluss", "/hilfe", "/start", "/bericht json", "")
FRAGMENTS = ("ADE", "ADE-2026-001", "12.03.2026", "31.02.2026", "1.500,00 €", "1,500", "-5",
             "1e9", "NaN", "١٥٠٠", "bewilligt", "abgelehnt", "vertagt", "(ja 3, nein 5)",
             "Budget II", "18:30", "25:99", "Sozialraum: Adendorf", "Betrag: 1500",
             "Titel: <b>x</b>", "Ausgangslage:", "\x00", "\u202e", "2026", "absagen", "\n")
ERROR_TEXT = "bei der Verarbeitung ist ein Fehler aufgetreten"


SEED = (
    ("sek-ade", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\nZiele: Teilhabe"),
    ("sek-ade", "/sitzung 12.03.2026 18:30 Budget II"),
    ("kreis-1", "/anwesend ADE 12.03.2026"),
    *(("kita@example.org", f"/antrag\nSozialraum: ADE\nTräger: Kita\nTitel: Projekt {i}\n"
       "Ausgangslage: a\nZielsetzung: b\nMaßnahme: c\nBetrag: 1.000 €") for i in range(3)),
)
PENDING = ("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt 800")  # after the session


def _core(directory: Path) -> Core:
    """A county with a concept, a Budget II session, three applications and a pending
    decision; the fuzzed messages then keep changing it."""
    config_file = directory / "sozialbot.toml"
    fresh = not config_file.exists()
    if fresh:
        config_file.write_text(default_config_text(), encoding="utf-8")
    core = Core.open(load_config(config_file))
    if fresh:
        for (sender, text), when in [*((s, SEEDED) for s in SEED), (PENDING, WHEN)]:
            seeded = core.handle(IncomingMessage(Sender("console", sender, verified=True), text,
                                                 f"seed:{uuid.uuid4()}", when))
            if not seeded.accepted:
                core.close()
                raise AssertionError(seeded.replies[0].text)
    return core


message_text = st.builds(
    lambda command, parts, noise: " ".join([command, *parts, noise]),
    st.sampled_from(COMMANDS),
    st.lists(st.sampled_from(FRAGMENTS), max_size=8),
    st.text(max_size=40),
)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sender=st.sampled_from(SENDERS), text=message_text)
def test_no_message_reaches_the_error_path(tmp_path: Path, sender: str, text: str) -> None:
    core = _core(tmp_path)
    try:
        outcome = core.handle(IncomingMessage(Sender("console", sender, verified=True), text,
                                              f"fuzz:{uuid.uuid4()}", WHEN))
    finally:
        core.close()
    assert outcome.replies, "every message gets an answer"
    assert all(ERROR_TEXT not in reply.text for reply in outcome.replies), (text, outcome)
