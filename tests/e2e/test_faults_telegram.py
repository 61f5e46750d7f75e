"""The Bot API misbehaving in the ways the real one does, beyond tests/e2e/test_telegram_reliability
.py: every call of a booking failing once in its own way (flood control with retry_after, a server
error, a dropped connection, the HTML "502 Bad Gateway" page of Telegram's front servers), and an
outage of several seconds while ten people write. Nothing is lost, nothing is booked or stored
twice, and the bot recovers by itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.support.botapi_emulator import BotApiEmulator
from tests.support.telegram_fixtures import COUNTY_1, SECRETARY_ADE, Clock, RunningBot

SKETCH = """/antrag
Sozialraum: ADE
Träger: {applicant}
Titel: {title}
Ausgangslage: Viele Kinder lesen kaum.
Zielsetzung: Freude am Lesen.
Maßnahme: Vorlesepaten einmal die Woche.
Betrag: 1.500,00 €"""
CONCEPT = "/konzept\nZielgruppen: Kinder\nProblemlagen: wenig Angebote\nZiele: Teilhabe"
BAD_GATEWAY = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>"
               "502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>"
               "\r\n</html>\r\n")
APPLICANTS = range(4001, 4011)


class FrontServerEmulator(BotApiEmulator):
    """The emulator, plus Telegram's front servers answering with an HTML error page."""

    def __init__(self) -> None:
        super().__init__()
        self.bad_gateway: Counter[str] = Counter()

    def gateway_fails(self, method: str, times: int) -> None:
        self.bad_gateway[method.lower()] += times

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"].lower()
        if self.bad_gateway[method] > 0:
            self.bad_gateway[method] -= 1
            return web.Response(status=502, text=BAD_GATEWAY, content_type="text/html")
        return await super()._handle(request)


@pytest.fixture
async def emulator() -> AsyncIterator[FrontServerEmulator]:
    async with FrontServerEmulator() as running:
        yield running


async def test_every_call_of_a_booking_failing_once_books_once_and_answers_once(
        telegram_bot: RunningBot, emulator: FrontServerEmulator, clock: Clock) -> None:
    bot = telegram_bot
    await bot.link(SECRETARY_ADE, "sek-ade")
    await bot.link(COUNTY_1, "kreis-1")
    await bot.say(4001, SKETCH.format(applicant="Kita", title="Lesen"), expect="ADE-2026-001")
    await bot.say(SECRETARY_ADE, CONCEPT, expect="Sozialraumkonzept")
    await bot.say(SECRETARY_ADE, "/sitzung 12.03.2026 18:30 Rathaus, Budget II", "eingetragen")
    await bot.say(COUNTY_1, "/anwesend ADE 12.03.2026", expect="vermerkt")
    clock.set(clock.value.replace(day=13))
    preview = await bot.say(SECRETARY_ADE, "/beschluss 12.03.2026\nADE-2026-001 bewilligt",
                            expect="/buchen")
    await clock.wait_reads(8)

    emulator.fail_next("answerCallbackQuery", 1, status=429, retry_after=1)
    emulator.fail_next("editMessageText", 1, status=500)
    emulator.drop_next("sendMessage", 1)
    emulator.gateway_fails("sendMessage", 1)
    emulator.gateway_fails("getUpdates", 1)
    emulator.drop_next("getUpdates", 1)
    press = emulator.press(SECRETARY_ADE, preview, "Buchen")
    booked = await emulator.wait_for_message(SECRETARY_ADE, "Gebucht", timeout=30)
    told = await emulator.wait_for_message(4001, "bewilligt", timeout=30)
    await clock.wait_reads(8)

    ledger = [e for e in bot.export()["ledger"] if e["kind"] == "commitment"]
    assert [(e["application"], e["amount_cents"]) for e in ledger] == [("ADE-2026-001", 150000)]
    assert "8.500,00 €" in booked.text
    assert "1.500,00 €" in told.text
    assert [m.text for m in emulator.messages(SECRETARY_ADE)].count(booked.text) == 1
    assert len([m for m in emulator.messages(4001) if "bewilligt" in m.text]) == 1
    assert preview.buttons == [], "the buttons of the booked preview are gone"
    assert press in emulator.callback_answers
    statuses = Counter((c.method, c.status) for c in emulator.calls)
    assert statuses[("answerCallbackQuery", 429)] == 1
    assert statuses[("editMessageText", 500)] == 1
    assert statuses[("sendMessage", 0)] == 1  # dropped


async def test_an_outage_while_ten_people_write_loses_nothing_and_stores_each_sketch_once(
        telegram_bot: RunningBot, emulator: FrontServerEmulator, clock: Clock) -> None:
    await telegram_bot.say(4001, "/hilfe", expect="/antrag")
    emulator.gateway_fails("getUpdates", 3)
    emulator.fail_next("sendMessage", 8, status=500)  # longer than the channel retries
    emulator.gateway_fails("sendMessage", 2)
    sent = {chat: emulator.send_text(chat, SKETCH.format(applicant=f"Verein {chat}",
                                                         title=f"Projekt {chat}"))
            for chat in APPLICANTS}
    answers = {chat: await emulator.wait_for_message(chat, "ist eingegangen", timeout=60)
               for chat in APPLICANTS}
    await emulator.wait_confirmed(max(sent.values()), timeout=30)
    await clock.wait_reads(8)

    applications = telegram_bot.export()["applications"]
    numbers = {a["title"]: a["number"] for a in applications}
    assert sorted(numbers) == sorted(f"Projekt {chat}" for chat in APPLICANTS)
    assert len(set(numbers.values())) == len(APPLICANTS)
    for chat, answer in answers.items():
        assert numbers[f"Projekt {chat}"] in answer.text
        texts = {m.text for m in emulator.messages(chat) if "eingegangen" in m.text}
        assert texts == {answer.text}, "a repeated answer is the same answer"
    assert emulator.pending_update_count == 0
