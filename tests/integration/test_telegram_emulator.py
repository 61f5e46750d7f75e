"""The Bot API emulator behaves like Telegram where the bot depends on it.

These talk to it with python-telegram-bot's own `Bot`, the client the channel uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import BadRequest, Conflict, NetworkError, RetryAfter

from tests.support.botapi_emulator import BotApiEmulator, parse_telegram_html


def message_of(update: Update) -> Message:
    """The message an update carries; these tests send only messages."""
    assert update.message is not None, update
    return update.message


@pytest.fixture
async def client(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    client = Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url)
    async with client:
        yield client


async def test_get_me_names_the_bot(client: Bot, emulator: BotApiEmulator) -> None:
    assert client.username == emulator.bot_username


async def test_updates_stay_until_a_higher_offset_confirms_them(
    client: Bot, emulator: BotApiEmulator
) -> None:
    first = emulator.send_text(42, "/saldo")
    second = emulator.send_text(42, "/hilfe")

    fetched = await client.get_updates(timeout=0)
    again = await client.get_updates(timeout=0)  # nothing confirmed yet: a crash loses nothing
    confirmed = await client.get_updates(offset=first + 1, timeout=0)

    assert [u.update_id for u in fetched] == [first, second]
    assert [u.update_id for u in again] == [first, second]
    assert [u.update_id for u in confirmed] == [second]
    assert message_of(fetched[0]).text == "/saldo"
    assert message_of(fetched[0]).entities[0].type == "bot_command"


async def test_long_poll_returns_as_soon_as_a_user_writes(
    client: Bot, emulator: BotApiEmulator
) -> None:
    poll = asyncio.create_task(client.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    emulator.send_text(7, "Hallo")

    updates = await asyncio.wait_for(poll, 10)

    assert [message_of(u).text for u in updates] == ["Hallo"]


async def test_a_second_poller_terminates_the_first(client: Bot, emulator: BotApiEmulator) -> None:
    other = Bot(emulator.token, base_url=emulator.base_url)
    async with other:
        first = asyncio.create_task(client.get_updates(timeout=30))
        await asyncio.sleep(0.05)
        second = await other.get_updates(timeout=0)

        with pytest.raises(Conflict):
            await asyncio.wait_for(first, 10)
    assert second == ()


async def test_sent_message_is_recorded_with_its_visible_text_and_buttons(
    client: Bot, emulator: BotApiEmulator
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Buchen", callback_data="/buchen K1")]])
    await client.send_message(42, "a &lt;b&gt; &amp; c", parse_mode="HTML", reply_markup=markup)

    sent = await emulator.wait_for_message(42, "a <b> & c")

    assert sent.raw_text == "a &lt;b&gt; &amp; c"
    assert sent.button("Buchen").data == "/buchen K1"


async def test_unescaped_html_is_refused_like_telegram(client: Bot) -> None:
    with pytest.raises(BadRequest, match="parse entities"):
        await client.send_message(42, "<script>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="parse entities"):
        await client.send_message(42, "Müller & Söhne", parse_mode="HTML")


async def test_limits_on_length_and_callback_data(client: Bot) -> None:
    with pytest.raises(BadRequest, match="too long"):
        await client.send_message(42, "x" * 4097)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("X", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await client.send_message(42, "Bitte wählen", reply_markup=too_long)


async def test_button_press_reaches_the_bot_and_its_answer_is_recorded(
    client: Bot, emulator: BotApiEmulator
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="/anwesend ADE")]])
    await client.send_message(42, "Teilnahme?", reply_markup=markup)
    sent = await emulator.wait_for_message(42, "Teilnahme?")

    query_id = emulator.press(42, sent, "Ja")
    (update,) = await client.get_updates(timeout=5)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await client.edit_message_reply_markup(42, sent.message_id, reply_markup=None)

    assert query.data == "/anwesend ADE"
    assert query.message is not None
    assert query.message.chat.id == 42
    assert await emulator.wait_for_answer(query_id) == {"text": None, "show_alert": False}
    assert sent.buttons == []
    with pytest.raises(BadRequest, match="too old"):
        await query.answer()


async def test_injected_429_and_500_and_dropped_connections(
    client: Bot, emulator: BotApiEmulator
) -> None:
    emulator.fail_next("sendMessage", status=429, retry_after=3)
    emulator.fail_next("sendMessage", status=500)
    emulator.drop_next("sendMessage")

    with pytest.raises(RetryAfter):
        await client.send_message(42, "eins")
    with pytest.raises(NetworkError):
        await client.send_message(42, "zwei")
    with pytest.raises(NetworkError):
        await client.send_message(42, "drei")
    await client.send_message(42, "vier")

    assert [m.text for m in emulator.messages(42)] == ["vier"]
    assert [c.status for c in emulator.calls_of("sendMessage")] == [429, 500, 0, 200]


async def test_documents_both_ways(client: Bot, emulator: BotApiEmulator) -> None:
    await client.send_document(42, InputFile(b"Nr;Titel\n", filename="antraege.csv"))
    sent = await emulator.wait_for_message(42, lambda m: m.document is not None)
    emulator.send_document(42, "skizze.txt", b"Titel: Ferienfreizeit")
    (update,) = await client.get_updates(timeout=5)
    document = message_of(update).document
    assert document is not None
    file = await document.get_file()

    assert sent.document is not None
    assert sent.document.filename == "antraege.csv"
    assert sent.document.data == b"Nr;Titel\n"
    assert bytes(await file.download_as_bytearray()) == b"Titel: Ferienfreizeit"


async def test_command_menus_per_scope(client: Bot, emulator: BotApiEmulator) -> None:
    await client.set_my_commands([BotCommand("hilfe", "Hilfe")])
    await client.set_my_commands([BotCommand("saldo", "Saldo")], scope=BotCommandScopeChat(42))
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await client.set_my_commands([BotCommand("Anträge", "x")])

    assert emulator.commands() == [("hilfe", "Hilfe")]
    assert emulator.commands("chat", 42) == [("saldo", "Saldo")]


def test_html_parser_accepts_telegram_markup_and_entities() -> None:
    assert parse_telegram_html("<b>1.500,00 €</b> &amp; &#33;") == "1.500,00 € & !"
    with pytest.raises(Exception, match="unclosed"):
        parse_telegram_html("<b>fett")
