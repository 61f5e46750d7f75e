"""Every command × every role, as the command table of issue 2 says.

One county is set up once (Adendorf and Bleckede mid-March 2026: concepts, sketches, an
approval, an attended session with a preview waiting for /buchen, decisions held under R9);
each cell runs on its own copy of those TinyDB files, so cells cannot influence each other.

    yes   accepted
    no    refused, and nothing changed on disk
    own   accepted, but it acts only on the sender's own things (a secretary of Bleckede
          registering a session or concept does so for Bleckede; an applicant's /antraege
          lists only her own sketches)
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from handlers.commands import registry
from tests.support.core import APPLICANT, Bot, booking_command, reply_text, sketch

TODAY = date(2026, 3, 12)
ROLES = ("applicant", "secretary", "foreign secretary", "county", "administration")
SENDERS = {"applicant": APPLICANT, "secretary": "sek-ade", "foreign secretary": "sek-ble",
           "county": "kreis-2", "administration": "verwaltung"}
OTHER_APPLICANT = "jugend@verein-bleckede.de"

#  command           text ({code}: an open /beschluss preview of sek-ade)
#                    applicant  secretary  foreign   county  administration
MATRIX: list[tuple[str, str, tuple[str, str, str, str, str]]] = [
    ("hilfe", "/hilfe",
     ("yes", "yes", "yes", "yes", "yes")),
    ("start", "/start",
     ("yes", "yes", "yes", "yes", "yes")),
    ("antrag", "/antrag ADE-2026-003\nAusgangslage: Kein Treffpunkt im Ort.",
     ("yes", "yes", "no", "no", "no")),
    ("konzept", "/konzept\nZielgruppen: Familien\nProblemlagen: Armut\nZiele: Teilhabe",
     ("no", "yes", "own", "no", "no")),
    ("sitzung", "/sitzung 20.04.2026 18:00 Ort Rathaus",
     ("no", "yes", "own", "no", "no")),
    ("anwesend", "/anwesend ADE 12.03.2026",
     ("no", "no", "no", "yes", "no")),
    ("verhindert", "/verhindert ADE 12.03.2026",
     ("no", "no", "no", "yes", "no")),
    ("beschluss", "/beschluss 12.03.2026\nADE-2026-002 bewilligt (ja 6, nein 2, enthaltung 1)",
     ("no", "yes", "no", "no", "no")),
    ("buchen", "/buchen {code}",
     ("no", "yes", "no", "no", "no")),
    ("verwerfen", "/verwerfen {code}",
     ("no", "yes", "no", "no", "no")),
    ("freigeben", "/freigeben {code}",  # a /buchen code is no request to release
     ("no", "no", "no", "no", "no")),
    ("bestaetigen", "/bestaetigen BLE 05.03.2026",
     ("no", "no", "no", "yes", "no")),
    ("korrektur", "/korrektur ADE-2026-001 bewilligt 1.000 € Grund: 1.000 € beschlossen",
     ("no", "yes", "no", "no", "no")),
    ("zurueckziehen", "/zurueckziehen ADE-2026-003",
     ("yes", "yes", "no", "no", "no")),
    ("veto", "/veto ADE-2026-001 passt nicht zum Sozialraumkonzept",
     ("no", "no", "no", "yes", "no")),
    ("saldo", "/saldo ADE",
     ("no", "yes", "no", "yes", "yes")),
    ("antraege", "/antraege ADE",
     ("own", "yes", "no", "yes", "yes")),
    ("bericht", "/bericht ADE 2026 csv",
     ("no", "yes", "no", "yes", "yes")),
    ("zeige", "/zeige ADE-2026-001",
     ("yes", "yes", "no", "yes", "yes")),
    ("tagesordnung", "/tagesordnung ADE",
     ("no", "yes", "no", "yes", "yes")),
    ("sitzungen", "/sitzungen",
     ("no", "yes", "own", "yes", "yes")),
    ("protokoll", "/protokoll ADE 20.02.2026",
     ("no", "yes", "no", "yes", "yes")),
    ("einladen", "/einladen sek-ade",
     ("no", "no", "no", "no", "yes")),
    ("trennen", "/trennen sek-ade",
     ("no", "no", "no", "no", "yes")),
    ("jahresabschluss", "/jahresabschluss 2025",
     ("no", "no", "no", "no", "yes")),
]

CASES = [pytest.param(command, text, role, expected[i], id=f"{command}-{role.replace(' ', '_')}")
         for command, text, expected in MATRIX for i, role in enumerate(ROLES)]


def test_the_matrix_covers_every_command_the_bot_knows() -> None:
    assert {command for command, _, _ in MATRIX} == set(registry())


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Build the county once; return its directory and the open /buchen code of sek-ade."""
    directory = tmp_path_factory.mktemp("county")
    bot = Bot(directory)
    try:
        bot.must(APPLICANT, sketch(Titel="Herbstferien 2025"), today=date(2025, 11, 3))
        bot.concept()
        bot.concept("sek-ble")
        approved = bot.submit()                                          # ADE-2026-001
        bot.submit(Titel="Elterncafé", Betrag="800 €")                   # ADE-2026-002
        bot.must(APPLICANT, sketch(Ausgangslage=None), today=date(2026, 2, 2))  # ADE-2026-003
        bot.session(date(2026, 2, 20), attend="kreis-1")
        bot.decide(date(2026, 2, 20), f"{approved} bewilligt")
        bot.session(TODAY, attend="kreis-1")
        held = bot.submit(applicant=OTHER_APPLICANT, Sozialraum="Bleckede", Titel="Skatekurs")
        bot.session(date(2026, 3, 5), secretary="sek-ble", attend=None)
        bot.decide(date(2026, 3, 5), f"{held} bewilligt", secretary="sek-ble")
        preview = bot.must("sek-ade", "/beschluss 12.03.2026\nADE-2026-002 vertagt",
                           today=TODAY)
        code = booking_command(preview).split()[1]
    finally:
        bot.close()
    return directory, code


@pytest.fixture
def copy_of(county: tuple[Path, str], tmp_path: Path) -> Iterator[tuple[Bot, str]]:
    directory, code = county
    shutil.copytree(directory, tmp_path / "county")
    bot = Bot(tmp_path / "county")
    yield bot, code
    bot.close()


def conference_part(bot: Bot, code: str) -> dict:
    """Everything the export says about one conference."""
    data = bot.state()
    return {key: [row for row in rows if isinstance(row, dict) and
                  (row.get("conference") == code or row.get("code") == code)]
            for key, rows in data.items() if isinstance(rows, list)}


@pytest.mark.parametrize(("command", "text", "role", "expected"), CASES)
def test_who_may_do_what(copy_of: tuple[Bot, str], command: str, text: str, role: str,
                         expected: str) -> None:
    bot, code = copy_of
    sender = SENDERS[role]
    text = text.format(code=code)
    files, adendorf = bot.snapshot(), conference_part(bot, "ADE")
    outcome = bot.say(sender, text, today=TODAY)
    answer = reply_text(outcome)
    assert "Fehler aufgetreten" not in answer
    if expected == "no":
        assert not outcome.accepted, f"{role} may not: {text!r}, but got: {answer}"
        assert bot.snapshot() == files
        staff_may_try = command == "freigeben" and role != "applicant"  # a wrong code
        by_role = role in ("applicant", "county", "administration") and not staff_may_try
        if by_role or command not in ("antrag", "beschluss", "buchen", "verwerfen", "freigeben",
                                      "saldo", "antraege", "bericht", "zeige", "tagesordnung",
                                      "protokoll", "korrektur", "zurueckziehen"):
            assert re.search(rf"/{command} darf nur von .+ genutzt werden", answer), answer
        return
    assert outcome.accepted, f"{role} may: {text!r}, but was refused: {answer}"
    if expected == "own":
        if role == "foreign secretary":
            assert conference_part(bot, "ADE") == adendorf
        else:
            assert "ADE-2026-001" in answer
            assert "BLE-2026-001" not in answer
