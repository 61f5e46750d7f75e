"""The core's replies as Telegram shows them: escaped, split, buttons that fit."""

from __future__ import annotations

import html
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.buttons import CALLBACK_DATA_LIMIT, ButtonCommands, keyboard
from bot.telegram.render import TEXT_LIMIT, split_text, to_html
from handlers.messages import Action
from handlers.onboarding import invite_text
from tests.support.botapi_emulator import parse_telegram_html, utf16_len


def test_user_text_never_becomes_markup() -> None:
    typed = 'Träger: <b>Kita</b> & "Sonnenschein" <a href="x">klick</a>'

    shown = parse_telegram_html(to_html(typed))

    assert shown == typed


def test_a_long_list_is_split_at_line_breaks_below_the_limit() -> None:
    lines = [f"ADE-2026-{n:03d} Kita & Schule <Projekt> 1.500,00 €" for n in range(300)]

    chunks = split_text("\n".join(lines))

    assert len(chunks) > 1
    assert all(utf16_len(to_html(c)) <= TEXT_LIMIT for c in chunks)
    assert "\n".join(chunks).splitlines() == lines


@given(st.text(alphabet=st.sampled_from(["a", "&", "<", " ", "\n", "€", "😀", "ß"]),
               max_size=12_000))
def test_splitting_keeps_every_character_and_respects_the_limit(text: str) -> None:
    chunks = split_text(text, limit=500)

    assert all(utf16_len(html.escape(c, quote=False)) <= 500 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_short_commands_are_their_own_callback_data() -> None:
    buttons = ButtonCommands()

    markup = keyboard((Action("Buchen", "/buchen K7F3QX"), Action("Verwerfen", "/verwerfen K7")),
                      buttons)
    assert markup is not None

    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ["/buchen K7F3QX", "/verwerfen K7"]]


def test_long_commands_get_a_key_that_survives_a_restart(tmp_path: Path) -> None:
    command = "/anwesend Sozialraumkonferenz Amelinghausen-Süd 12.03.2026 und mehr Worte"
    data = ButtonCommands(tmp_path / "telegram" / "buttons.json").data_for(command)

    again = ButtonCommands(tmp_path / "telegram" / "buttons.json")

    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert again.command_for(data) == command
    assert again.command_for("#unknown") is None


def test_invite_link_opens_the_bot_with_the_code() -> None:
    text = invite_text("sozial_bot", "Fachdienstleitung 51", "Ab3_x-9")
    assert "https://t.me/sozial_bot?start=Ab3_x-9" in text
    assert "/start Ab3_x-9" in text
