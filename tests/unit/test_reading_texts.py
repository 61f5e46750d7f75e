"""Texts people read are never cut mid-word: subjects, titles in lists, shortened sketches; and
a Telegram question, once answered, says the answer in place of the question."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.mail.compose import cut_at_word
from bot.telegram.render import settled_text
from handlers.show import shorten

TITLE = "Sprachförderung für Vorschulkinder mit Eltern-Café und Bücherkiste im Familienzentrum"


@pytest.mark.parametrize("cut", [lambda t, n: cut_at_word(t, n), lambda t, n: shorten(t, n)])
@pytest.mark.parametrize("limit", [20, 31, 50, 70])
def test_a_long_text_is_cut_after_a_whole_word_and_marked(cut: Callable[[str, int], str],
                                                          limit: int) -> None:
    shown = cut(TITLE, limit)

    assert shown.endswith(" …")
    assert len(shown) <= limit
    kept = shown.removesuffix(" …")
    assert TITLE.startswith(kept)
    assert TITLE[len(kept)] == " ", "cut between two words"


def test_a_short_text_stays_as_it_is() -> None:
    assert cut_at_word("Neuer Antrag für Adendorf", 90) == "Neuer Antrag für Adendorf"
    assert shorten("Lesepaten", 50) == "Lesepaten"


@given(st.text(max_size=300), st.integers(min_value=3, max_value=200))
def test_any_subject_fits_its_limit(text: str, limit: int) -> None:
    assert len(cut_at_word(text, limit)) <= limit


@pytest.mark.parametrize(("question", "settled"), [
    ("Beschlüsse der Sitzung Adendorf am 12.03.2026:\n• ADE-2026-001: bewilligt\n"
     "Noch ist nichts gebucht. Zum Buchen senden Sie: /buchen K7F3QX",
     "Beschlüsse der Sitzung Adendorf am 12.03.2026:\n• ADE-2026-001: bewilligt\n✓ Gebucht"),
    ("Erinnerung (R9): Budget-II-Sitzung Adendorf in 7 Tagen. Bitte sagen Sie zu oder ab.",
     "Erinnerung (R9): Budget-II-Sitzung Adendorf in 7 Tagen. Bitte sagen Sie zu oder ab.\n"
     "✓ Gebucht"),
])
def test_an_answered_question_says_the_answer(question: str, settled: str) -> None:
    assert settled_text(question, "✓ Gebucht") == settled
