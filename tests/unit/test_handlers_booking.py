"""From vote results to booked money: /beschluss previews, /buchen books exactly that."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.core import APPLICANT, Bot, booking_command, reply_text

MARCH_12 = date(2026, 3, 12)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    return bot


def test_secretary_books_two_decisions_balance_drops_to_8500_euro(bot: Bot) -> None:
    first = bot.submit(Betrag="1.500 €")
    second = bot.submit(Betrag="400 €")
    bot.session(MARCH_12)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{first} bewilligt 1.200 € (ja 7, "
                       f"nein 1, enthaltung 0)\n{second} bewilligt 300,00 €", today=MARCH_12)
    assert "Zu binden: 1.500,00 €. Danach verfügbar: 8.500,00 €." in reply_text(preview)
    assert "Noch ist nichts gebucht." in reply_text(preview)
    assert bot.balance()["bound_cents"] == 0
    booked = bot.must("sek-ade", booking_command(preview), today=MARCH_12)
    assert "Verfügbar für Adendorf 2026: 8.500,00 €." in reply_text(booked)
    assert "Verfügbar: 8.500,00 €" in reply_text(bot.must("sek-ade", "/saldo", today=MARCH_12))
    decisions = [n for n in booked.notifications if n.kind == "decision"]
    assert [n.recipient for n in decisions] == [f"email:{APPLICANT}"] * 2
    assert "bewilligt: 1.200,00 € (beantragt waren 1.500,00 €)." in decisions[0].text


def test_a_sketch_changed_after_the_preview_is_not_booked_r11(bot: Bot) -> None:
    number = bot.submit(Betrag="1.500 €")
    bot.session(MARCH_12)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12)
    bot.must(APPLICANT, f"/antrag {number}\nBetrag: 9.000 €", today=MARCH_12)
    refusal = bot.refused("sek-ade", booking_command(preview), "R11", today=MARCH_12)
    assert f"{number} wurde nach Ihrer Vorschau geändert" in reply_text(refusal)
    assert bot.balance()["bound_cents"] == 0
    assert bot.application(number)["status"] == "submitted"


def test_a_discarded_preview_books_nothing_and_its_code_is_spent(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH_12)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12)
    code = booking_command(preview).split()[1]
    assert "nichts wurde gebucht" in reply_text(
        bot.must("sek-ade", f"/verwerfen {code}", today=MARCH_12))
    refusal = bot.refused("sek-ade", f"/buchen {code}", None, today=MARCH_12)
    assert "verworfen" in reply_text(refusal)
    assert bot.application(number)["status"] == "submitted"
    assert bot.balance()["bound_cents"] == 0


def test_a_deferred_sketch_comes_back_and_is_approved_at_the_next_session(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH_12)
    bot.decide(MARCH_12, f"{number} vertagt")
    assert bot.application(number)["status"] == "deferred"
    bot.session(date(2026, 6, 11), today=MARCH_12)
    bot.decide(date(2026, 6, 11), f"{number} bewilligt")
    application = bot.application(number)
    assert (application["status"], application["session_date"]) == ("approved", "2026-06-11")


def test_a_decided_sketch_cannot_be_decided_again(bot: Bot) -> None:
    number = bot.submit()
    bot.session(MARCH_12)
    bot.decide(MARCH_12, f"{number} abgelehnt")
    refusal = bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", "R11",
                          today=MARCH_12)
    assert "schon entschieden (abgelehnt)" in reply_text(refusal)
    assert f"/korrektur {number} <richtiges Ergebnis> Grund: …" in reply_text(refusal)


def test_short_numbers_mean_this_conference_and_year(bot: Bot) -> None:
    bot.submit()
    bot.session(MARCH_12)
    booked = bot.decide(MARCH_12, "Nr. 1: bewilligt 1.000 €")
    assert "gebunden 1.000,00 €" in reply_text(booked)
    assert bot.application("ADE-2026-001")["approved_cents"] == 100_000
