"""Matrix message contents: HTML and plain text, actions as lines, cut below the event limit."""

from __future__ import annotations

import json

from bot.matrix.channel import _without_reply_fallback
from bot.matrix.render import contents, reaction_command
from handlers.messages import Action

ACTIONS = (Action("Ich nehme teil", "/anwesend ADE 12.03.2026"),
           Action("Ich bin verhindert", "/verhindert ADE 12.03.2026"))


def test_typed_markup_stays_text_and_actions_are_lines_on_the_last_message() -> None:
    [content] = contents("Titel: <b>Kita & Co</b>\nZeile 2", ACTIONS)
    assert content["formatted_body"].startswith("Titel: &lt;b&gt;Kita &amp; Co&lt;/b&gt;<br/>")
    assert "• Ich nehme teil: /anwesend ADE 12.03.2026" in content["body"]
    assert "<li>Ich bin verhindert: <code>/verhindert ADE 12.03.2026</code></li>" in (
        content["formatted_body"])


def test_a_long_reply_is_split_below_the_event_size_limit_and_loses_nothing() -> None:
    text = "\n".join(f"ADE-2026-{n:03d} Sprachförderung & Lesen <{n}>" for n in range(6000))
    pieces = contents(text, ACTIONS)
    assert len(pieces) > 1
    assert all(len(json.dumps(p).encode()) < 65_536 for p in pieces)
    assert "ADE-2026-5999" in pieces[-1]["body"]
    assert all("• Ich nehme teil" not in p["body"] for p in pieces[:-1])
    joined = "\n".join(p["body"] for p in pieces)
    assert all(f"ADE-2026-{n:03d}" in joined for n in range(6000))


def test_reactions_pick_the_first_or_second_action() -> None:
    assert reaction_command("👍", ACTIONS) == "/anwesend ADE 12.03.2026"
    assert reaction_command("👎", ACTIONS) == "/verhindert ADE 12.03.2026"
    assert reaction_command("🎉", ACTIONS) is None
    assert reaction_command("👍", ()) is None


def test_the_quoted_message_of_a_reply_is_not_read() -> None:
    assert _without_reply_fallback("> <@bot:x> Sitzung am 12.03.\n> Zeile\n\nIch nehme teil") == (
        "Ich nehme teil")
    assert _without_reply_fallback("Ich nehme teil") == "Ich nehme teil"
