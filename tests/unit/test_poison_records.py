"""Records accept any text a sender can send, attempts survive a restart, the administration is
told once: the pieces behind "one message cannot stop the others" (issue 18)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.attempts import Attempts
from bot.mail.queue import MailState
from storage.text import storable
from tests.support.core import Bot

BERLIN = ZoneInfo("Europe/Berlin")
# What Python holds after decoding what senders send: any character, lone surrogates included.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
RAW_HEADER = st.binary(max_size=40).map(lambda b: b.decode("utf-8", "surrogateescape"))


def test_a_raw_utf8_look_alike_stays_itself_and_distinct_from_the_real_address() -> None:
    raw = "sek-\u0430de@example.org".encode().decode("ascii", "surrogateescape")
    assert storable(raw) == "sek-\u0430de@example.org"
    assert storable(raw) != "sek-ade@example.org"
    assert storable("M\udcfcller") == "M\\xfcller"  # Latin-1 byte: escaped, not dropped
    assert storable("a\ud800b") == "a\\ud800b"
    assert storable("plain") == "plain"


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, RAW_HEADER))
def test_storable_text_encodes_as_utf8(text: str) -> None:
    storable(text).encode("utf-8")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(ANY_TEXT, RAW_HEADER), min_size=1, max_size=4))
def test_the_mail_journal_stores_any_text_and_reads_it_back(
        tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> None:
    directory = tmp_path_factory.mktemp("mail")
    state = MailState(directory)
    entries = [{"sid": f"email:{i}", "to": "done", "from": text, "subject": text}
               for i, text in enumerate(texts)]
    state.record(entries)
    assert MailState(directory).handled == {e["sid"]: e for e in entries}


def test_the_core_stores_a_message_whose_sender_and_id_are_not_valid_unicode(
        tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    address = "sek-\udcd0\udcb0de\udcff@example.org"
    outcome = bot.say(address, "/hilfe \ud800\x00", source_id="email:\udcff<id>")
    assert "nicht gespeichert" not in outcome.replies[0].text
    sketch = bot.say(address, "/antrag\nSozialraum: Adendorf\nTräger: Verein\nTitel: T\udcfc\n"
                     "Ausgangslage: A\nZielsetzung: Z\nMaßnahme: M\nBetrag: 500 €")
    assert sketch.accepted
    bot.reopen()
    [application] = bot.export()["applications"]
    assert application["contact"] == "email:sek-\u0430de\\xff@example.org"
    assert application["title"] == "T\\xfc"


def test_failed_attempts_survive_a_restart_and_wait_longer_each_time(tmp_path: Path) -> None:
    now = [1000.0]
    path = tmp_path / "attempts.jsonl"
    attempts = Attempts(path, limit=3, first_pause=5, max_pause=15, clock=lambda: now[0])
    attempts.failed("email:\udcff<x>", UnicodeEncodeError("utf-8", "", 0, 1, "surrogates"))
    assert attempts.due_at("email:\udcff<x>") == 1005
    again = Attempts(path, limit=3, first_pause=5, max_pause=15, clock=lambda: now[0])
    assert again.failed("email:\udcff<x>", ValueError()).count == 2
    assert again.due_at("email:\udcff<x>") == 1010
    assert again.failed("email:\udcff<x>", ValueError()).count == 3
    assert again.due_at("email:\udcff<x>") == 1015  # the pause stops growing at max_pause
    assert again.exhausted("email:\udcff<x>")
    record = again.get("email:\udcff<x>")
    assert record is not None
    assert record.error == "ValueError"
    again.forget("email:\udcff<x>")
    assert Attempts(path, clock=lambda: now[0]).get("email:\udcff<x>") is None
    assert all(json.loads(line) for line in path.read_text(encoding="ascii").splitlines())


def test_the_administration_is_told_once_per_message_set_aside(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    when = datetime(2026, 2, 2, 12, 0, tzinfo=BERLIN)
    for _ in range(2):
        bot.core.report_unprocessed("email", "email:<gift@x>", sender="sek-\udcd0de@x",
                                    error="UnicodeEncodeError", where="im Ordner", now=when)
    bot.reopen()
    assert not bot.core.report_unprocessed("email", "email:<gift@x>", sender="x",
                                           error="ValueError", where="im Ordner", now=when)
    [notice] = bot.outbox(when, "email")
    assert notice.recipient == "verwaltung"
    assert "Fehler: UnicodeEncodeError" in notice.text
    assert "Absender: sek-\\xd0de@x" in notice.text


def test_answers_and_notes_can_be_written_for_any_sender_text() -> None:
    from datetime import UTC

    from bot.mail.builder import MailBuilder
    from bot.mail.parse import ParsedMail
    from bot.mail.settings import MailSettings, Server
    from handlers.messages import Outcome, Reply

    server = Server("localhost", 143, "none", "", "")
    builder = MailBuilder(MailSettings("bot@example.org", "Bot", server, server),
                          lambda: datetime(2026, 2, 2, tzinfo=UTC), "Europe/Berlin")
    parsed = ParsedMail("sek-\udcd0\udcb0de@example.org", "M\udcfcller", "Skizze \udcff\ud800",
                        "", (), "id\udcff@example.org", "", (), None, ("Anlage \ud800.docx",),
                        10)
    note = builder.note(parsed, "Grund \udcff").data.decode("ascii")
    assert "Absender: sek-=D0=B0de@example.org" in note
    reply = builder.reply(parsed, "kita@example.org", Outcome(True, (Reply("Danke"),)),
                          parsed.notes).data.decode("ascii")
    assert "Subject: Re: Skizze \\xff\\ud800" in reply


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_a_button_for_any_command_is_recorded_and_read_back(
        tmp_path_factory: pytest.TempPathFactory, command: str) -> None:
    from bot.telegram.buttons import CALLBACK_DATA_LIMIT, ButtonCommands

    path = tmp_path_factory.mktemp("telegram") / "buttons.json"
    data = ButtonCommands(path).data_for(command + "x" * 64)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert ButtonCommands(path).command_for(data) == storable(command + "x" * 64)
