"""Sessions as they really move: a Budget II session is moved to another day, both county
representatives decline, a session is set up before the conference has a concept, and a
representative confirms attendance after the meeting. Everything through `Core.handle`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from handlers.messages import Notification, SessionEvent
from tests.support.core import Bot, at, booking_command, reply_text

SET_ON = date(2026, 2, 3)
MARCH_12, MARCH_19 = date(2026, 3, 12), date(2026, 3, 19)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II", today=SET_ON)
    return bot


def sessions(bot: Bot) -> list[dict]:
    return [s for s in bot.export()["sessions"] if s["conference"] == "ADE"]


def scheduled(bot: Bot) -> list[dict]:
    return [s for s in sessions(bot) if s["status"] == "scheduled"]


def alerts(outcome_notifications: tuple[Notification, ...]) -> dict[str, Notification]:
    return {n.recipient: n for n in outcome_notifications if n.kind == "session_alert"}


def event_of(notification: Notification) -> SessionEvent:
    """The calendar event a session alert carries; fails the test if it carries none."""
    assert notification.event is not None, notification
    return notification.event


@pytest.mark.parametrize("text", [
    "/sitzung 12.03.2026 verschoben auf 19.03.2026 19 Uhr",
    "/sitzung 12.03.2026 verschoben auf 19.03. 19:00",
    "/sitzung 12.03.2026 18:30 verschoben auf den 19.03.2026 um 19:00 Uhr",
    "/sitzung 12.03.2026 auf den 19.03.2026 19 Uhr verlegt",
    "/sitzung 12.03.2026 neuer Termin: 19.03.2026 19:00",
    "/sitzung 19.03.2026 19:00 statt 12.03.2026",
])
def test_a_moved_session_is_one_session_with_the_county_told_old_and_new(
        bot: Bot, text: str) -> None:
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=SET_ON)
    first_uid = event_of(alerts(tuple(bot.outbox(at(SET_ON))))["kreis-1"]).uid
    outcome = bot.must("sek-ade", text, today=date(2026, 2, 10))
    assert "verschoben" in reply_text(outcome)
    assert "vom 12.03.2026, 18:30 Uhr auf den 19.03.2026, 19:00 Uhr, Rathaus" in reply_text(outcome)
    [now] = scheduled(bot)
    assert (now["date"], now["time"], now["place"], now["budget_ii"]) == (
        "2026-03-19", "19:00", "Rathaus", True)  # the text after the date is never the place
    assert now["attended_by"] == []  # asked again: a yes for the 12th says nothing of the 19th
    [old] = [s for s in sessions(bot) if s["date"] == "2026-03-12"]
    assert (old["status"], old["moved_to"]) == ("moved", "2026-03-19")
    told = alerts(outcome.notifications)
    assert set(told) == {"kreis-1", "kreis-2"}
    for alert in told.values():
        assert "bisher: 12.03.2026, 18:30 Uhr\nneu: 19.03.2026, 19:00 Uhr, Rathaus" in alert.text
        assert "Bitte sagen Sie zu oder ab." in alert.text
        assert [a.command for a in alert.actions] == ["/anwesend ADE 19.03.2026",
                                                      "/verhindert ADE 19.03.2026"]
        event = alert.event
        assert event is not None
        assert (event.uid, event.sequence, event.day) == (first_uid, 1, MARCH_19)
        assert event.moved_from == "12.03.2026, 18:30 Uhr"


@pytest.mark.parametrize("text", [
    "Die Sitzung am 12.03. ist verschoben auf 19.03., 19 Uhr.",
    "Hallo, unsere Sitzung wird verschoben auf den 19.03.2026 um 19:00 Uhr. Viele Grüße",
    "/sitzung 12.03.2026 verschoben auf 19.03.2026 19 Uhr wegen Krankheit",
    "/sitzung verschoben auf 19.03. 19 Uhr",
    "Unsere Sitzung ist auf den 19.03. um 19 Uhr verlegt.",
])
def test_a_move_in_plain_words_moves_the_session_and_no_reason_becomes_the_place(
        bot: Bot, text: str) -> None:
    outcome = bot.must("sek-ade", text, today=date(2026, 2, 10))
    assert "vom 12.03.2026, 18:30 Uhr auf den 19.03.2026, 19:00 Uhr, Rathaus" in (
        reply_text(outcome))
    [now] = scheduled(bot)
    assert (now["date"], now["time"], now["place"]) == ("2026-03-19", "19:00", "Rathaus")


@pytest.mark.parametrize(("text", "place"), [
    ("/sitzung 12.03.2026 verschoben auf 19.03.2026 19 Uhr, Bürgerhaus", "Bürgerhaus"),
    ("/sitzung 12.03.2026 verschoben auf 19.03.2026 19 Uhr, Ort: Jugendhaus", "Jugendhaus"),
    ("/sitzung 12.03.2026 verschoben auf 19.03.2026 im Gemeindesaal", "Gemeindesaal"),
])
def test_a_move_may_name_a_new_place(bot: Bot, text: str, place: str) -> None:
    bot.must("sek-ade", text, today=date(2026, 2, 10))
    [now] = scheduled(bot)
    assert (now["date"], now["place"]) == ("2026-03-19", place)


def test_findet_statt_is_no_move(bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 10.06.2026 18:30 Ort Bürgerhaus, Budget II, findet im Saal statt",
             today=SET_ON)
    assert [s["date"] for s in scheduled(bot)] == ["2026-03-12", "2026-06-10"]


def test_the_moved_session_takes_attendance_decisions_and_reminders_at_its_new_date(
        bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 12.03.2026 verschoben auf 19.03.2026 19 Uhr",
             today=date(2026, 2, 10))
    number = bot.submit(today=date(2026, 2, 11))
    refusal = bot.refused("kreis-1", "/anwesend ADE 12.03.2026", "R9", today=date(2026, 2, 12))
    assert "verschoben auf den 19.03.2026" in reply_text(refusal)
    assert next(a.command for a in refusal.replies[0].actions) == "/anwesend ADE 19.03.2026"
    bot.must("kreis-1", "/anwesend ADE 19.03.2026", today=date(2026, 2, 12))
    reminders = bot.run_due_reminders(at(date(2026, 3, 12), 9))
    asked = [n for n in reminders if n.kind in ("reminder", "alarm")]
    assert {(n.kind, n.recipient) for n in asked} == {("reminder", "kreis-2")}
    assert "19.03.2026" in asked[0].text
    bot.refused("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", "R9", today=MARCH_19)
    bot.decide(MARCH_19, f"{number} bewilligt 1.000")
    assert bot.application(number)["session_date"] == "2026-03-19"
    assert bot.balance()["bound_cents"] == 100_000


def test_moving_twice_and_cancelling_keep_one_uid_and_count_once_for_r8(bot: Bot) -> None:
    one = bot.must("sek-ade", "/sitzung 12.03.2026 verschoben auf 19.03.2026",
                   today=date(2026, 2, 10))
    two = bot.must("sek-ade", "/sitzung 19.03.2026 verschoben auf 26.03.2026 17 Uhr",
                   today=date(2026, 2, 11))
    uid = event_of(alerts(one.notifications)["kreis-1"]).uid
    second = alerts(two.notifications)["kreis-1"].event
    assert second is not None
    assert (second.uid, second.sequence, second.moved_from) == (uid, 2, "19.03.2026, 18:30 Uhr")
    bot.must("sek-ade", "/sitzung 10.06.2026 18:30 Ort Bürgerhaus, Budget II",
             today=date(2026, 2, 12))  # R8: the moved session counts once
    cancelled = bot.must("sek-ade", "/sitzung 26.03.2026 abgesagt", today=date(2026, 2, 13))
    event = cancelled.notifications[0].event
    assert event is not None
    assert (event.uid, event.status, event.sequence) == (uid, "cancelled", 3)


@pytest.mark.parametrize("text", [
    "/sitzung 19.03.2026 19:00 Ort Rathaus, Budget II",
    "/sitzung 19.03.2026 19:00 Ort Rathaus",
    "Sitzung am 26.02. um 19 Uhr im Rathaus",
])
def test_a_new_date_near_a_session_is_a_new_session_and_says_how_to_move_instead(
        bot: Bot, text: str) -> None:
    """Only "verschoben"/"verlegt" moves a session: a plain /sitzung sets a new one, the
    first keeps its date and the county's answers, and the secretary gets the line to move."""
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=SET_ON)
    outcome = bot.must("sek-ade", text, today=date(2026, 2, 10))
    answer = reply_text(outcome)
    assert "verschoben:" not in answer
    new_day = "19.03.2026" if "19.03" in text else "26.02.2026"
    assert (f"Die Sitzung am 12.03.2026 bleibt eingetragen. War eine Verschiebung gemeint, "
            f"senden Sie: /sitzung 12.03.2026 verschoben auf {new_day}") in answer
    first = [s for s in scheduled(bot) if s["date"] == "2026-03-12"]
    assert [(s["budget_ii"], s["attended_by"]) for s in first] == [(True, ["kreis-1"])]
    assert len(scheduled(bot)) == 2


def test_a_second_session_elsewhere_or_marked_additional_is_no_move(bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 19.03.2026 19:00 Ort Bürgerhaus", today=SET_ON)
    bot.must("sek-ade", "/sitzung 20.03.2026 19:00 Ort Rathaus, zusätzlich", today=SET_ON)
    assert [s["date"] for s in scheduled(bot)] == ["2026-03-12", "2026-03-19", "2026-03-20"]
    assert [s["place"] for s in scheduled(bot)] == ["Rathaus", "Bürgerhaus", "Rathaus"]


@pytest.mark.parametrize(("text", "why"), [
    ("/sitzung 12.03.2026 verschoben", "Auf welchen Tag"),
    ("/sitzung 12.03.2026 18:30 Rathaus 19.03.2026", "zweites Datum"),
    ("/sitzung 05.03.2026 verschoben auf 19.03.2026", "keine Sitzung"),
    ("/sitzung 12.03.2026 verschoben auf 01.02.2026", "Vergangenheit"),
])
def test_a_move_that_cannot_be_read_is_asked_back_and_changes_nothing(
        bot: Bot, text: str, why: str) -> None:
    refusal = bot.refused("sek-ade", text, None, today=date(2026, 2, 10))
    assert why in reply_text(refusal)


def test_a_session_that_took_place_or_has_decisions_does_not_move(bot: Bot) -> None:
    number = bot.submit()
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=SET_ON)
    bot.decide(MARCH_12, f"{number} bewilligt")
    refusal = bot.refused("sek-ade", "/sitzung 12.03.2026 verschoben auf 19.03.2026", None,
                          today=date(2026, 3, 13))
    assert "schon stattgefunden" in reply_text(refusal)


# -- both representatives decline ---------------------------------------------------------------


def test_when_both_decline_the_secretary_is_told_with_what_to_do(bot: Bot) -> None:
    first = bot.must("kreis-1", "/verhindert ADE 12.03.2026", today=date(2026, 2, 20))
    assert "Stellvertretung Fachdienst 51 ist informiert" in reply_text(first)
    [asked] = first.notifications
    assert (asked.recipient, asked.kind) == ("kreis-2", "excused")
    second = bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=date(2026, 2, 21))
    text = reply_text(second)
    assert "Stellvertretung ist informiert" not in text
    assert "niemand vom Landkreis zugesagt; die Geschäftsführung ist informiert" in text
    assert not [n for n in second.notifications if n.recipient.startswith("kreis")]
    [told] = [n for n in second.notifications if n.recipient == "sek-ade"]
    assert told.text.startswith("Achtung R9: Alle Vertretungen des Landkreises haben")
    assert "/sitzung 12.03.2026 verschoben auf 19.03.2026 18:30" in told.text
    assert "zurückgehalten, bis der Landkreis sie bestätigt" in told.text
    # the line the secretary was given works as it stands
    moved = bot.must("sek-ade", "/sitzung 12.03.2026 verschoben auf 19.03.2026 18:30",
                     today=date(2026, 2, 22))
    assert set(alerts(moved.notifications)) == {"kreis-1", "kreis-2"}


def test_the_deputy_who_declines_first_is_told_who_was_asked_not_the_stellvertretung(
        bot: Bot) -> None:
    outcome = bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=date(2026, 2, 20))
    assert "Die Stellvertretung ist informiert" not in reply_text(outcome)
    assert "Fachdienstleitung 51 ist informiert und gebeten teilzunehmen" in reply_text(outcome)
    assert [n.recipient for n in outcome.notifications] == ["kreis-1"]


def test_a_representative_who_declined_is_not_asked_again(bot: Bot) -> None:
    bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=date(2026, 2, 20))
    made = []
    for day in range(1, 13):
        made += bot.run_due_reminders(at(date(2026, 3, day), 9))
    asked = [n for n in made if n.kind in ("reminder", "alarm")
             or (n.actions and n.kind != "agenda")]  # the agenda's PDF button asks nothing
    assert {n.recipient for n in asked if n.recipient.startswith("kreis")} == {"kreis-1"}
    changed = bot.must("sek-ade", "/sitzung 12.03.2026 19:30 Ort Rathaus, Budget II",
                       today=date(2026, 2, 21))
    told = alerts(changed.notifications)
    assert told["kreis-2"].actions == ()
    assert "Ihre Absage bleibt vermerkt." in told["kreis-2"].text
    assert "Bitte sagen Sie zu oder ab." not in told["kreis-2"].text
    assert told["kreis-1"].actions


def test_when_the_other_one_attends_nobody_is_alarmed(bot: Bot) -> None:
    bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=date(2026, 2, 20))
    outcome = bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=date(2026, 2, 21))
    assert "Fachdienstleitung 51 nimmt teil; die Sitzung ist vertreten" in reply_text(outcome)
    assert outcome.notifications == ()


# -- R5 at set-up, attendance after the meeting -------------------------------------------------


def test_setting_up_a_budget_ii_session_without_a_concept_warns_at_once(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    outcome = bot.must("sek-ble", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II",
                       today=SET_ON)
    assert "Achtung R5: Für Bleckede ist noch kein Sozialraumkonzept hinterlegt" in (
        reply_text(outcome))
    assert all("R5" in n.text for n in alerts(outcome.notifications).values())
    other = bot.must("sek-ble", "/sitzung 19.05.2026 18:30 Ort Schule", today=SET_ON)
    assert "R5" not in reply_text(other)  # not Budget II: no money is bound there
    bot.close()


def test_with_a_concept_there_is_no_r5_warning(bot: Bot) -> None:
    outcome = bot.must("sek-ade", "/sitzung 10.06.2026 18:30 Ort Bürgerhaus, Budget II",
                       today=SET_ON)
    assert "R5" not in reply_text(outcome)


def test_attendance_confirmed_after_the_meeting_points_to_bestaetigen(bot: Bot) -> None:
    number = bot.submit()
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12)
    bot.must("sek-ade", booking_command(preview), today=MARCH_12)  # held: nobody attended (R9)
    for today in (MARCH_12, date(2026, 3, 13)):
        refusal = bot.refused("kreis-1", "/anwesend ADE 12.03.2026", "R9", today=today)
        assert "/bestaetigen ADE 12.03.2026" in reply_text(refusal)
    late = bot.refused("kreis-1", "Zusage", "R9", today=date(2026, 3, 13))  # in words, too
    assert "/bestaetigen ADE 12.03.2026" in reply_text(late)
    bot.must("kreis-1", "/bestaetigen ADE 12.03.2026", today=date(2026, 3, 13))
    assert bot.application(number)["status"] == "approved"


def test_a_move_without_the_old_date_with_two_sessions_ahead_is_asked_back(bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 10.06.2026 18:30 Ort Bürgerhaus, Budget II", today=SET_ON)
    refusal = bot.refused("sek-ade", "/sitzung verschoben auf 19.03. 19 Uhr", None,
                          today=date(2026, 2, 10))
    assert "Welche Sitzung wird verschoben?" in reply_text(refusal)


def test_a_session_moved_after_its_reminders_is_reminded_of_again(bot: Bot) -> None:
    first = bot.run_due_reminders(at(date(2026, 3, 5), 9))
    assert {n.recipient for n in first if n.kind == "reminder"} == {"kreis-1", "kreis-2"}
    bot.must("sek-ade", "/sitzung 12.03.2026 verschoben auf 26.03.2026", today=date(2026, 3, 6))
    again = bot.run_due_reminders(at(date(2026, 3, 19), 9))
    reminders = [n for n in again if n.kind == "reminder"]
    assert {n.recipient for n in reminders} == {"kreis-1", "kreis-2"}
    assert all("26.03.2026" in n.text for n in reminders)
    alarms = [n for d in (24, 25) for n in bot.run_due_reminders(at(date(2026, 3, d), 9))
              if n.kind == "alarm"]
    assert {n.recipient for n in alarms} == {"kreis-1", "kreis-2", "sek-ade"}


@pytest.mark.parametrize("text", [
    "Die Sitzung am 12.03. fällt leider aus.",
    "Unsere Sitzung am 12. März muss leider abgesagt werden",
])
def test_a_session_cancelled_in_words_is_cancelled_and_the_county_told(bot: Bot, text: str) -> None:
    outcome = bot.must("sek-ade", text, today=date(2026, 2, 10))
    assert "ist abgesagt" in reply_text(outcome)
    assert not scheduled(bot)
    assert {n.recipient for n in outcome.notifications} >= {"kreis-1", "kreis-2"}


@pytest.mark.parametrize(("text", "day", "place"), [
    ("Neue Sitzung: 24. September 2026, 18 Uhr, Bürgerhaus, Budget II", "2026-09-24", "Bürgerhaus"),
    ("Nächste Sitzung ist am 24.09. um 18 Uhr im Rathaus (Budget II)", "2026-09-24", "Rathaus"),
    ("Die nächste Sitzung findet am 24.09.2026 um 18 Uhr im Rathaus statt, Budget II",
     "2026-09-24", "Rathaus"),
])
def test_a_new_session_in_words_is_set(bot: Bot, text: str, day: str, place: str) -> None:
    outcome = bot.must("sek-ade", text, today=date(2026, 2, 10))
    assert "Budget-II-Sitzung Adendorf am" in reply_text(outcome)
    [new] = [s for s in scheduled(bot) if s["date"] == day]
    assert (new["time"], new["place"], new["budget_ii"]) == ("18:00", place, True)


@pytest.mark.parametrize(("text", "place"), [
    ("Die Sitzung am 24.09. ist eine Budget II Sitzung", "Rathaus"),
    ("Die Sitzung am 24.09. ist eine Budget-II-Sitzung im Bürgerhaus", "Bürgerhaus"),
    ("/sitzung 24.09.2026 18:00 Rathaus, Budget-II-Sitzung", "Rathaus"),
])
def test_a_session_called_budget_ii_in_a_sentence_keeps_its_place(
        bot: Bot, text: str, place: str) -> None:
    bot.must("sek-ade", "/sitzung 24.09.2026 18:00 Ort Rathaus", today=date(2026, 2, 10))
    outcome = bot.must("sek-ade", text, today=date(2026, 2, 11))
    assert "Budget-II-Sitzung Adendorf am 24.09.2026" in reply_text(outcome)
    [session] = [s for s in scheduled(bot) if s["date"] == "2026-09-24"]
    assert (session["time"], session["place"], session["budget_ii"]) == ("18:00", place, True)
