"""What a county's year played with people's own wording found: a December session's results
reported in January, projects named by their title on a phone, a remark after "vertagt",
the county asking what is left in plain words."""

from datetime import date

import pytest

from tests.support.core import Bot, booking_command, reply_text


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


DECEMBER = date(2026, 12, 10)
JANUARY = date(2027, 1, 11)


@pytest.mark.parametrize("text", [
    "Beschlüsse vom 10.12.:\n{number} bewilligt mit 1.200 € (5:0:1)",
    "/beschluss 10.12.\n{number} bewilligt mit 1.200 € (5:0:1)",
    "/beschluss 10. Dezember\n{number} bewilligt mit 1.200 € (5:0:1)",
])
def test_december_results_reported_in_january_without_a_year_are_last_decembers(bot, text):
    number = bot.submit(today=date(2026, 11, 2))
    bot.session(DECEMBER, today=date(2026, 10, 1))
    preview = bot.must("sek-ade", text.format(number=number), today=JANUARY)
    assert "Sitzung Adendorf am 10.12.2026" in reply_text(preview), reply_text(preview)
    bot.must("sek-ade", booking_command(preview), today=JANUARY)
    assert bot.application(number)["approved_cents"] == 120_000
    assert bot.balance("ADE", 2026)["bound_cents"] == 120_000
