"""Work the bot does by itself: R9 reminders before a Budget II session and the R2 year-end
close on 1 January. `run_due_reminders(now)` runs on a clock the test controls; it may run
any number of times and after restarts, and still says everything exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from handlers.messages import Notification
from tests.support.core import Bot, at, reply_text

SESSION = date(2026, 3, 12)  # registered on 3 February, long before the reminders start


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    bot.session(SESSION, attend=None)
    return bot


def stage(notification: Notification) -> str:
    """'7' or '1' for reminders, '' for the rest (keys are reminder:<uid>:<stage>:<person>)."""
    return notification.key.split(":")[-2] if notification.kind == "reminder" else ""


def run_every_morning(bot: Bot, first: date, last: date) -> list[Notification]:
    """Run the scheduler twice each morning and once at night, restarting the bot midway."""
    made: list[Notification] = []
    day = first
    while day <= last:
        made += bot.run_due_reminders(at(day, 2))
        made += bot.run_due_reminders(at(day, 9))
        made += bot.run_due_reminders(at(day, 9))
        if day == first + timedelta(days=3):
            bot.reopen()
        made += bot.run_due_reminders(at(day, 9))
        made += bot.run_due_reminders(at(day, 15, 30))
        day += timedelta(days=1)
    return made


def test_county_gets_the_7_day_and_1_day_reminder_once_each_and_the_2_day_alarm(
        bot: Bot) -> None:
    made = run_every_morning(bot, date(2026, 3, 1), date(2026, 3, 12))
    seen = Counter((n.kind, stage(n), n.recipient) for n in made)
    assert seen == {
        ("reminder", "7", "kreis-1"): 1, ("reminder", "7", "kreis-2"): 1,
        ("reminder", "1", "kreis-1"): 1, ("reminder", "1", "kreis-2"): 1,
        ("alarm", "", "kreis-1"): 1, ("alarm", "", "kreis-2"): 1, ("alarm", "", "sek-ade"): 1,
        ("agenda", "", "kreis-1"): 1, ("agenda", "", "kreis-2"): 1,
    }
    first = next(n for n in made if stage(n) == "7")
    assert "Erinnerung (R9): Budget-II-Sitzung Adendorf in 7 Tagen" in first.text
    assert [a.command for a in first.actions] == ["/anwesend ADE 12.03.2026",
                                                  "/verhindert ADE 12.03.2026"]
    alarm = next(n for n in made if n.kind == "alarm" and n.recipient == "kreis-1")
    assert alarm.text.startswith("Achtung R9: ")
    assert "noch niemand vom Landkreis zugesagt" in alarm.text
    pending = [n for n in bot.outbox(at(SESSION)) if n.kind in ("reminder", "alarm", "agenda")]
    assert sorted(n.key for n in pending) == sorted(n.key for n in made)


def test_a_week_before_both_representatives_get_the_agenda_with_the_sketches(bot: Bot) -> None:
    number = bot.submit(Massnahme="Eine wöchentliche Sprachgruppe mit einer Fachkraft im Hort.")
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=date(2026, 3, 4))
    made = [n for n in bot.run_due_reminders(at(date(2026, 3, 5), 9)) if n.kind == "agenda"]
    assert sorted(n.recipient for n in made) == ["kreis-1", "kreis-2"]
    text = made[0].text
    assert "Tagesordnung Budget II, Sozialkonferenz Adendorf, Donnerstag, 12.03.2026" in text
    assert f"1. {number} „Sprachförderung vor der Einschulung“" in text
    assert "Maßnahme: Eine wöchentliche Sprachgruppe mit einer Fachkraft im Hort." in text
    assert "Verfügbar 2026: 10.000,00 €" in text
    assert "/tagesordnung ADE 12.03.2026" in text
    assert [a.command for a in made[0].actions] == ["/tagesordnung ADE 12.03.2026"]
    assert not [n for n in run_every_morning(bot, date(2026, 3, 5), date(2026, 3, 12))
                if n.kind == "agenda"]


def test_the_7_day_reminder_comes_on_the_seventh_day_and_the_last_one_the_day_before(
        bot: Bot) -> None:
    assert bot.run_due_reminders(at(date(2026, 3, 4), 9)) == []
    assert {(n.kind, stage(n)) for n in bot.run_due_reminders(at(date(2026, 3, 5), 9))} == {
        ("reminder", "7"), ("agenda", "")}
    assert bot.run_due_reminders(at(date(2026, 3, 6), 9)) == []
    assert {n.kind for n in bot.run_due_reminders(at(date(2026, 3, 10), 9))} == {"alarm"}
    assert {stage(n) for n in bot.run_due_reminders(at(date(2026, 3, 11), 9))} == {"1"}
    assert bot.run_due_reminders(at(date(2026, 3, 12), 9)) == []


def test_reminders_go_only_to_representatives_who_have_not_answered(bot: Bot) -> None:
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=date(2026, 3, 4))
    made = run_every_morning(bot, date(2026, 3, 5), date(2026, 3, 7))
    assert Counter((n.kind, stage(n), n.recipient) for n in made) == {
        ("reminder", "7", "kreis-2"): 1, ("agenda", "", "kreis-1"): 1, ("agenda", "", "kreis-2"): 1}
    bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=date(2026, 3, 8))
    assert run_every_morning(bot, date(2026, 3, 8), date(2026, 3, 12)) == []  # kreis-1 attends


def test_the_alarm_goes_out_when_the_only_answer_was_an_apology(bot: Bot) -> None:
    bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=date(2026, 3, 4))
    made = run_every_morning(bot, date(2026, 3, 5), date(2026, 3, 11))
    assert Counter((n.kind, stage(n), n.recipient) for n in made) == {
        ("reminder", "7", "kreis-1"): 1, ("reminder", "1", "kreis-1"): 1,
        ("alarm", "", "kreis-1"): 1, ("alarm", "", "sek-ade"): 1,  # kreis-2 is not asked again
        ("agenda", "", "kreis-1"): 1, ("agenda", "", "kreis-2"): 1}
    to_secretary = next(n for n in made if n.recipient == "sek-ade")
    assert to_secretary.actions == ()


def test_nobody_is_reminded_of_a_cancelled_session_or_at_night(bot: Bot) -> None:
    assert bot.run_due_reminders(at(date(2026, 3, 5), 7, 59)) == []
    bot.must("sek-ade", "/sitzung 12.03.2026 abgesagt", today=date(2026, 3, 5))
    assert run_every_morning(bot, date(2026, 3, 5), date(2026, 3, 12)) == []


def spend(bot: Bot, amount: str) -> None:
    number = bot.submit(Betrag=amount)
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=date(2026, 3, 1))
    bot.decide(SESSION, f"{number} bewilligt")


def test_the_year_closes_by_itself_on_1_january_and_only_once(bot: Bot) -> None:
    spend(bot, "1.200 €")
    assert bot.run_due_reminders(at(date(2026, 12, 31), 23, 59)) == []
    made = bot.run_due_reminders(at(date(2027, 1, 1), 0, 5))
    assert Counter(n.kind for n in made) == {"year_close": 12}  # ten secretaries, two reps
    to_ade = next(n for n in made if n.recipient == "sek-ade")
    assert "übertragen nach 2027: 8.800,00 €" in to_ade.text
    ledger = bot.export()["ledger"]
    assert bot.run_due_reminders(at(date(2027, 1, 1), 0, 5)) == []
    bot.reopen()
    assert bot.run_due_reminders(at(date(2027, 1, 2), 9)) == []
    assert bot.export()["ledger"] == ledger
    assert bot.balance("ADE", 2026)["closed"]
    assert bot.balance("ADE", 2027)["carried_in_cents"] == 880_000
    refusal = bot.refused("verwaltung", "/jahresabschluss 2026", "R2", today=date(2027, 1, 4))
    assert "schon abgeschlossen" in reply_text(refusal)


def test_after_a_year_without_the_bot_both_years_close_in_order(bot: Bot) -> None:
    spend(bot, "1.200 €")
    bot.run_due_reminders(at(date(2028, 1, 1), 9))
    assert bot.balance("ADE", 2026)["closed"]
    assert bot.balance("ADE", 2027)["closed"]
    lapsed_2027 = bot.balance("ADE", 2027)["lapsed_cents"]
    assert lapsed_2027 == 880_000  # the carry-in of 2027 was never bound
    assert bot.balance("ADE", 2028)["carried_in_cents"] == 1_000_000
    assert bot.run_due_reminders(at(date(2028, 1, 1), 10)) == []
