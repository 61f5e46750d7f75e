"""Hostile and broken chat messages (tests/corpus/chat/messages.toml, plus a few too large to
keep there) against the real core, one after the other on one county's store, and a sample of
them through the real Telegram channel.

Each one gets a clear, polite German answer; none crashes anything; none books money; none shows
anybody data that is not theirs (another applicant's sketch, another conference's numbers).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from handlers.messages import IncomingMessage, Outcome, Sender
from tests.support.botapi_emulator import BotApiEmulator
from tests.support.core import APPLICANT, Bot, at, booking_command
from tests.support.telegram_fixtures import SECRETARY_ADE, RunningBot

CORPUS = Path(__file__).parent.parent / "corpus" / "chat" / "messages.toml"
TODAY = date(2026, 3, 13)
OTHER_APPLICANT = "jugend@verein-bleckede.de"
SECRET_TITLE = "GEHEIM Skatekurs am Deich"
SECRET_AMOUNT = "777,00 €"
SENDERS = {"applicant": APPLICANT, "stranger": "unbekannt@example.net", "telegram": "5001",
           "secretary": "sek-ade", "foreign": "sek-ble", "county": "kreis-1",
           "administration": "verwaltung"}
# What each sender must never be shown: data of others that was not in their own message.
NOT_THEIRS = {
    "applicant": (SECRET_TITLE, SECRET_AMOUNT),
    "stranger": (SECRET_TITLE, SECRET_AMOUNT, "Sprachförderung", "Kita Sonnenschein"),
    "telegram": (SECRET_TITLE, SECRET_AMOUNT, "Sprachförderung", "Kita Sonnenschein"),
    "secretary": (SECRET_TITLE, SECRET_AMOUNT),
    "foreign": ("Sprachförderung", "Kita Sonnenschein"),
    "county": (),
    "administration": (),
}
GERMAN = re.compile(r"\b(Sie|Ihr\w*|[Bb]itte|nicht|nichts|kein\w*|ist|sind|darf|kann|wird|noch|"
                    r"für|und|der|die|das)\b")
LEAKS = ("Traceback", "Exception", "NoneType", "KeyError", "object at 0x", "Errno",
         "bei der Verarbeitung ist ein Fehler aufgetreten")
SKETCH_HEAD = ("/antrag\nSozialraum: Adendorf\nTräger: Verein Lesewelt\nTitel: {title}\n"
               "Ausgangslage: Kinder lesen kaum.\nZielsetzung: Freude am Lesen.\n"
               "Maßnahme: Vorlesepaten.\nBetrag: 1.500,00 €")


@dataclass(frozen=True)
class Hostile:
    name: str
    sender: str
    text: str
    why: str
    refused: bool = False  # the bot must refuse it, changing nothing


def generated() -> list[Hostile]:
    """Inputs too large (or not representable in TOML) to keep in the corpus file."""
    lines = "\n".join(f"Zeile {i}: noch mehr Text" for i in range(10_000))
    decisions = "\n".join(f"ADE-2026-{i:03d} bewilligt 1 €" for i in range(10_000))
    return [
        Hostile("sketch-10000-lines", "applicant", SKETCH_HEAD.format(title="Lang") + "\n" + lines,
                "a sketch of ten thousand lines", refused=True),
        Hostile("sketch-100k-title", "applicant", SKETCH_HEAD.format(title="A" * 100_000),
                "a title of 100,000 characters", refused=True),
        Hostile("label-5000-times", "applicant", "/antrag\n" + "Betrag: 1 €\n" * 5000,
                "one label five thousand times", refused=True),
        Hostile("decision-10000-lines", "secretary", f"/beschluss 12.03.2026\n{decisions}",
                "ten thousand decision lines", refused=True),
        Hostile("command-5000-letters", "stranger", "/" + "x" * 5000, "a 5,000-letter command",
                refused=True),
        Hostile("lone-surrogate", "applicant", SKETCH_HEAD.format(title="Lesen \ud800 heute"),
                "a lone UTF-16 surrogate (a JSON escape no client should send)"),
        Hostile("lone-surrogate-stranger", "stranger", "/saldo \udfff", "a lone surrogate",
                refused=True),
    ]


def corpus() -> list[Hostile]:
    with open(CORPUS, "rb") as source:
        entries = tomllib.load(source)["message"]
    return [Hostile(e["name"], e["sender"], e["text"], e["why"], e.get("refused", False))
            for e in entries] + generated()


@dataclass
class County:
    bot: Bot
    code: str  # sek-ade's open /buchen code


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """Adendorf and Bleckede in March 2026: concepts, a sketch of the Kita (ADE-2026-001), a
    sketch of a Bleckede youth club nobody else may see, sessions attended by the county, and
    a preview of sek-ade waiting for /buchen."""
    bot = Bot(tmp_path_factory.mktemp("hostile"))
    bot.concept()
    bot.concept("sek-ble")
    bot.submit()
    bot.submit(applicant=OTHER_APPLICANT, Sozialraum="Bleckede", Titel=SECRET_TITLE,
               Betrag=SECRET_AMOUNT)
    bot.session(date(2026, 3, 12), attend="kreis-1")
    bot.session(date(2026, 3, 5), secretary="sek-ble", attend="kreis-1")
    preview = bot.must("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.000 €",
                       today=date(2026, 3, 12))
    yield County(bot, booking_command(preview).split()[1])
    bot.close()


def say(county: County, entry: Hostile) -> Outcome:
    channel = "telegram" if entry.sender == "telegram" else (
        "email" if "@" in SENDERS[entry.sender] else "console")
    text = entry.text.replace("{code}", county.code)
    return county.bot.core.handle(IncomingMessage(
        Sender(channel, SENDERS[entry.sender], verified=True), text, f"hostile:{entry.name}",
        at(TODAY)))


def money(bot: Bot) -> tuple[list, list]:
    export = bot.export()
    return ([e for e in export["ledger"] if e["kind"] not in ("allotment", "carry_in")],
            [(b["conference"], b["year"], b["bound_cents"]) for b in export["balances"]])


def assert_clear_german(entry: Hostile, text: str) -> None:
    assert text.strip(), f"{entry.name}: an empty answer"
    assert GERMAN.search(text), f"{entry.name}: not a German sentence: {text[:300]!r}"
    for leak in LEAKS:
        assert leak not in text, f"{entry.name}: {leak!r} in the answer: {text[:300]!r}"


ENTRIES = corpus()


def test_the_corpus_has_over_a_hundred_entries_with_unique_names() -> None:
    assert len(ENTRIES) > 100
    assert len({e.name for e in ENTRIES}) == len(ENTRIES)
    assert {e.sender for e in ENTRIES} <= set(SENDERS)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_hostile_message_gets_a_german_answer_books_nothing_and_leaks_nothing(
        county: County, entry: Hostile) -> None:
    before, files = money(county.bot), county.bot.snapshot()
    outcome = say(county, entry)
    after = money(county.bot)
    if entry.refused:
        assert not outcome.accepted, f"{entry.name}: accepted, but must be refused"
        assert county.bot.snapshot() == files, f"{entry.name}: a refusal changed the store"

    assert outcome.replies, f"{entry.name}: no answer"
    answer = "\n".join(r.text for r in outcome.replies)
    assert_clear_german(entry, answer)
    assert len(answer) < 6000, f"{entry.name}: an answer of {len(answer)} characters"
    own_text = entry.text.replace("{code}", county.code)
    for secret in NOT_THEIRS[entry.sender]:
        if secret not in own_text:
            assert secret not in answer, f"{entry.name}: shows {secret!r} to {entry.sender}"
    assert after == before, f"{entry.name}: money moved"


def test_after_the_whole_corpus_the_store_opens_and_nothing_was_booked(county: County) -> None:
    county.bot.reopen()
    export = county.bot.export()

    assert [e for e in export["ledger"] if e["kind"] == "commitment"] == []
    for balance in export["balances"]:
        assert balance["bound_cents"] == 0
        assert balance["allotment_cents"] + balance["carried_in_cents"] == (
            balance["available_cents"] + balance["lapsed_cents"] + balance["carried_out_cents"])
    secret = next(a for a in export["applications"] if a["title"] == SECRET_TITLE)
    assert (secret["status"], secret["requested_cents"]) == ("submitted", 77700)


# -- a sample through Telegram --------------------------------------------------------------------

TELEGRAM_SAMPLE = ("html-title", "markdown-title", "html-command", "telegram-link-injection",
                   "format-string-title", "nul-characters", "rtl-override", "emoji-only",
                   "only-whitespace", "only-slash", "amount-arabic-indic-digits", "amount-nan",
                   "stranger-book", "stranger-invite", "decision-amount-minus",
                   "session-date-feb-31", "decision-unknown-number", "sketch-10000-lines",
                   "decision-10000-lines", "lone-surrogate", "command-5000-letters",
                   "combining-marks", "crlf-lines", "fake-bot-answer")


async def test_a_sample_through_telegram_is_answered_in_valid_html(
        telegram_bot: RunningBot, emulator: BotApiEmulator) -> None:
    await telegram_bot.link(SECRETARY_ADE, "sek-ade")
    sample = [e for e in ENTRIES if e.name in TELEGRAM_SAMPLE]
    assert len(sample) == len(TELEGRAM_SAMPLE)
    for index, entry in enumerate(sample):
        chat = SECRETARY_ADE if entry.sender == "secretary" else 6000 + index
        emulator.send_text(chat, entry.text.replace("{code}", "ABCDEF"))
        answer = await emulator.wait_for_message(  # not the notices of new sketches
            chat, lambda m: not m.text.startswith("Neuer Antrag"), timeout=20)
        assert_clear_german(entry, answer.text)
        if entry.name == "html-title":
            assert "<script>alert(1)</script>" in answer.text, "shown as typed, never as markup"
    assert [c for c in emulator.calls if c.status == 400] == [], "Telegram refused nothing"
    assert telegram_bot.export()["ledger"] == [e for e in telegram_bot.export()["ledger"]
                                              if e["kind"] == "allotment"]
