"""Messages that arrive twice, and the outbox: real Core, real TinyDB files in a temp directory.

A channel may hand the same message in again (Telegram redelivers an update, a mailbox is read
twice); the second time must change nothing and answer what the first time answered. Every
notification lands in the outbox once, and leaves it per channel when delivered.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from handlers.messages import Notification
from tests.support.core import APPLICANT, Bot, at, booking_command, reply_text, sketch

MARCH_12 = date(2026, 3, 12)


def commitments(bot: Bot) -> list[int]:
    return [e["amount_cents"] for e in bot.export()["ledger"] if e["kind"] == "commitment"]


def test_a_booking_sent_twice_books_once_and_answers_the_same(bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.session(MARCH_12)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12)
    first = bot.must("sek-ade", booking_command(preview), today=MARCH_12, source_id="tg:4711")
    files = bot.snapshot()
    again = bot.say("sek-ade", booking_command(preview), today=MARCH_12, source_id="tg:4711")
    assert again.accepted
    assert again.duplicate
    assert not first.duplicate
    assert reply_text(again) == reply_text(first)
    assert "Verfügbar für Adendorf 2026: 8.500,00 €." in reply_text(again)
    assert again.notifications == ()
    assert bot.snapshot() == files
    assert commitments(bot) == [150_000]


def test_a_report_asked_for_twice_comes_with_its_file_both_times(bot: Bot) -> None:
    """/bericht changes nothing, so nothing of it is recorded: a redelivered one is answered
    afresh, with the file, and still changes nothing."""
    bot.concept()
    bot.submit()
    files = bot.snapshot()
    answers = [bot.must("sek-ade", "/bericht 2026 csv", today=MARCH_12, source_id="tg:4713")
               for _ in range(2)]
    for outcome in answers:
        (document,) = [d for r in outcome.replies for d in r.documents]
        assert document.filename.endswith(".csv")
        assert b"ADE-2026-" in document.data
    assert bot.snapshot() == files


def test_a_redelivered_message_is_recognised_after_a_restart(bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.session(MARCH_12)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12,
                       source_id="<beschluss@mail.example.org>")
    bot.must("sek-ade", booking_command(preview), today=MARCH_12, source_id="tg:4712")
    bot.reopen()
    files = bot.snapshot()
    for source_id, text in (("<beschluss@mail.example.org>", f"/beschluss 12.03.2026\n{number} "
                             "bewilligt"), ("tg:4712", booking_command(preview))):
        again = bot.say("sek-ade", text, today=MARCH_12, source_id=source_id)
        assert again.duplicate
        assert again.accepted
    assert bot.snapshot() == files
    assert commitments(bot) == [150_000]


def test_a_sketch_sent_twice_gets_one_number(bot: Bot) -> None:
    first = bot.must(APPLICANT, sketch(), today=date(2026, 2, 2), source_id="<a@kita>")
    again = bot.say(APPLICANT, sketch(), today=date(2026, 2, 2), source_id="<a@kita>")
    assert again.duplicate
    assert again.application_number == first.application_number == "ADE-2026-001"
    assert [a["number"] for a in bot.export()["applications"]] == ["ADE-2026-001"]


def test_the_same_text_with_a_new_source_id_is_a_new_message(bot: Bot) -> None:
    """Handled again (not a redelivery), and read as the same sketch sent twice."""
    bot.must(APPLICANT, sketch(), today=date(2026, 2, 2), source_id="<a@kita>")
    second = bot.must(APPLICANT, sketch(), today=date(2026, 2, 2), source_id="<b@kita>")
    assert not second.duplicate
    assert second.application_number == "ADE-2026-001"
    assert "schon eingereicht" in reply_text(second)
    third = bot.must(APPLICANT, sketch(Titel="Jugendtreff"), today=date(2026, 2, 2),
                     source_id="<c@kita>")
    assert third.application_number == "ADE-2026-002"


def test_a_code_sent_back_twice_with_new_ids_is_booked_once_and_then_refused(bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.session(MARCH_12)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12)
    bot.must("sek-ade", booking_command(preview), today=MARCH_12)
    refusal = bot.refused("sek-ade", booking_command(preview), None, today=MARCH_12)
    assert "schon gebucht" in reply_text(refusal)
    assert commitments(bot) == [150_000]


def story(bot: Bot) -> list[Notification]:
    """A conference's spring: sketch, session, attendance, decisions, booking, veto. Returns
    every notification the replies announced."""
    made: list[Notification] = []
    made += bot.concept(today=date(2026, 3, 1)).notifications
    made += bot.must(APPLICANT, sketch(), today=date(2026, 3, 1)).notifications
    made += bot.must(APPLICANT, sketch(Titel="Jugendtreff", Betrag="900 €"),
                     today=date(2026, 3, 1)).notifications
    made += bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II",
                     today=date(2026, 3, 2)).notifications
    made += bot.must("kreis-1", "/anwesend ADE 12.03.2026", today=date(2026, 3, 3)).notifications
    preview = bot.must("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt\n"
                       "ADE-2026-002 abgelehnt", today=MARCH_12)
    made += bot.must("sek-ade", booking_command(preview), today=MARCH_12).notifications
    made += bot.must("kreis-2", "/veto ADE-2026-001 passt nicht zum Konzept",
                     today=date(2026, 3, 13)).notifications
    return made


def test_the_outbox_holds_every_notification_once(bot: Bot) -> None:
    announced = story(bot)
    pending = bot.outbox(at(date(2026, 3, 14)))
    assert sorted(n.key for n in pending) == sorted(n.key for n in announced)
    assert max(Counter(n.key for n in pending).values()) == 1
    kinds = Counter(n.kind for n in pending)
    assert kinds == {"concept": 2, "application": 2, "warning": 2, "session_alert": 2,
                     "attendance": 1, "decision": 2, "veto": 2}
    to_applicant = [n for n in pending if n.recipient == f"email:{APPLICANT}"]
    assert sorted(n.kind for n in to_applicant) == ["decision", "decision", "veto"]


def test_delivered_notifications_leave_the_outbox_of_that_channel_only(bot: Bot) -> None:
    story(bot)
    when = at(date(2026, 3, 14))
    pending = bot.core.pending_notifications("email", when)
    bot.core.mark_delivered([p.outbox_id for p in pending[:5]], "email", when)
    bot.reopen()
    assert len(bot.core.pending_notifications("email", when)) == len(pending) - 5
    assert len(bot.core.pending_notifications("telegram", when)) == len(pending)


def test_a_notification_already_in_the_outbox_is_not_added_again(bot: Bot) -> None:
    bot.concept()
    bot.must(APPLICANT, sketch(Titel="Jugendtreff", Ausgangslage=None), today=date(2026, 3, 1))
    completed = bot.must(APPLICANT, "/antrag ADE-2026-001\nAusgangslage: Kein Treffpunkt.",
                         today=date(2026, 3, 2))
    warned = [n.recipient for n in completed.notifications if n.kind == "warning"]
    assert warned == ["kreis-1", "kreis-2"]
    again = bot.must(APPLICANT, "/antrag ADE-2026-001\nZielsetzung: Ein Ort für Jugendliche.",
                     today=date(2026, 3, 3))
    assert again.notifications == ()
    keys = [n.key for n in bot.outbox(at(date(2026, 3, 4)))]
    assert len(keys) == len(set(keys))


def test_a_stranger_reusing_a_secretarys_message_id_gets_his_own_answer(bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.session(MARCH_12)
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12,
                       source_id="<beschluss@rathaus-adendorf.de>")
    forged = bot.say("fremd@example.com", "/hilfe", today=MARCH_12,
                     source_id="<beschluss@rathaus-adendorf.de>")
    assert not forged.duplicate
    assert "Sie sind hier als Antragsteller bekannt" in reply_text(forged)
    assert booking_command(preview) not in reply_text(forged)
    again = bot.say("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt", today=MARCH_12,
                    source_id="<beschluss@rathaus-adendorf.de>")
    assert again.duplicate
    assert reply_text(again) == reply_text(preview)
    sketch_once = bot.must("fremd@example.com", sketch(), today=MARCH_12,
                           source_id="<beschluss@rathaus-adendorf.de>")
    sketch_again = bot.say("fremd@example.com", sketch(), today=MARCH_12,
                           source_id="<beschluss@rathaus-adendorf.de>")
    assert sketch_again.duplicate
    assert sketch_again.application_number == sketch_once.application_number


def test_a_notification_made_on_new_years_eve_is_delivered_in_january_then_last_year_rests(
        bot: Bot) -> None:
    """Each notification is kept in the year it was made. One made on 31 December still waits
    on 3 January and is marked delivered there; from mid-January on (the outbox looks 14 days
    back) the delivery loop no longer reads last year's file at all."""
    bot.concept(today=date(2026, 12, 31))
    made = {n.key for n in bot.must(APPLICANT, sketch(), today=date(2026, 12, 31)).notifications}
    assert made
    january = at(date(2027, 1, 3))
    pending = bot.core.pending_notifications("email", january)
    assert made <= {p.notification.key for p in pending}
    bot.core.mark_delivered([p.outbox_id for p in pending], "email", january)
    bot.reopen()
    assert bot.core.pending_notifications("email", january) == []
    assert {p.notification.key for p in bot.core.pending_notifications("telegram", january)
            } >= made
    bot.reopen()
    assert bot.core.pending_notifications("telegram", at(date(2027, 1, 20))) == []
    assert "2026" not in bot.core.store.partitions.opened
