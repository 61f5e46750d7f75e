"""Answers without a command, through `Core.handle`: a county representative writes "Zusage" or
"Ich bin verhindert", copies back a line the bot offered, or her calendar answers the
invitation (an iTIP REPLY, as the e-mail channel decodes it)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mail.builder import _body
from handlers.commands import registry
from handlers.messages import Action, Attachment, IncomingMessage, Outcome, Sender
from rules.answers import attendance_word, copied_command, copied_commands
from tests.support.core import Bot, at, booking_command, reply_text

SET_ON = date(2026, 2, 3)
ANSWER_ON = date(2026, 2, 10)


@pytest.fixture
def bot(bot: Bot) -> Bot:
    bot.concept()
    bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II", today=SET_ON)
    return bot


def attended(bot: Bot) -> tuple[list[str], list[str]]:
    [session] = [s for s in bot.core.export(at(ANSWER_ON))["sessions"]
                 if s["status"] == "scheduled"]
    record = bot.core.store.session("ADE", date.fromisoformat(session["date"]))
    assert record is not None
    return list(record.attended_by), list(record.excused_by)


ATTENDING = ["Ich nehme teil", "Ich nehme teil.", "Zusage", "zusage!", "Ich sage zu.",
             "Ja, ich komme.", "Gerne, ich bin dabei.", "Hallo,\nich werde teilnehmen.\nGruß",
             "Angenommen: Budget-II-Sitzung Sozialkonferenz Adendorf", "Ich werde da sein.",
             "Nehme teil", "Ich nehme sehr gerne teil", "Ja", "Ja, gerne.", "Ich kann kommen",
             "Teilnahme zugesagt", "Ich nehme teil.\n\nMit freundlichen Grüßen\nAnna Meier\n"
             "Fachdienstleitung 51\nLandkreis Lüneburg\nAuf dem Michaeliskloster 4\n"
             "21335 Lüneburg\nTelefon 04131 26-0\nE-Mail fd51@landkreis.example\n" + "x" * 300]
EXCUSED = ["Ich bin verhindert", "Absage", "Leider Absage.", "Ich kann leider nicht.",
           "Ich kann nicht teilnehmen", "Ich nehme leider nicht teil", "Ich sage ab",
           "Bin verhindert, sorry", "Zusage – ach nein, ich kann doch nicht.",
           "Abgelehnt: Budget-II-Sitzung Sozialkonferenz Adendorf", "Nein, leider.",
           "Ich schaffe es leider nicht", "Kann leider nicht kommen", "Muss leider absagen",
           "Der Termin passt mir leider nicht", "Ich bin an dem Tag im Urlaub",
           "Ich werde nicht teilnehmen"]


@pytest.mark.parametrize("text", ["Ich kann das nicht beurteilen", "Danke für die Information"])
def test_other_words_are_no_answer_and_record_nothing(bot: Bot, text: str) -> None:
    bot.refused("kreis-1", text, None, today=ANSWER_ON)


def test_asking_for_the_report_is_no_answer_and_records_nothing(bot: Bot) -> None:
    """ "Bitte den Bericht 2026" asks for the overview (a file), not about the meeting."""
    files, state = bot.snapshot(), bot.state()
    outcome = bot.say("kreis-1", "Bitte den Bericht 2026", today=ANSWER_ON)
    assert [d.filename for r in outcome.replies for d in r.documents] == [
        "antragsuebersicht-2026.pdf"]
    assert not outcome.notifications
    assert attended(bot) == ([], [])
    assert bot.snapshot() == files
    assert bot.state() == state


@pytest.mark.parametrize("text", ATTENDING)
def test_a_representative_attends_in_her_own_words(bot: Bot, text: str) -> None:
    outcome = bot.must("kreis-1", text, today=ANSWER_ON)
    assert "Ihre Teilnahme an der Sitzung Adendorf am 12.03.2026" in reply_text(outcome)
    assert attended(bot) == (["kreis-1"], [])


@pytest.mark.parametrize("text", EXCUSED)
def test_a_representative_declines_in_her_own_words(bot: Bot, text: str) -> None:
    outcome = bot.must("kreis-2", text, today=ANSWER_ON)
    assert "Vermerkt: Sie sind bei der Sitzung Adendorf am 12.03.2026" in reply_text(outcome)
    assert attended(bot) == ([], ["kreis-2"])


@pytest.mark.parametrize("text", ["Vielleicht", "Mit Vorbehalt angenommen: Budget-II-Sitzung"])
def test_maybe_is_asked_back_for_a_firm_answer(bot: Bot, text: str) -> None:
    outcome = bot.refused("kreis-1", text, "R9", today=ANSWER_ON)
    assert [a.command for a in outcome.replies[0].actions] == [
        "/anwesend ADE 12.03.2026", "/verhindert ADE 12.03.2026"]


@pytest.mark.parametrize("text", ["Ich komme evtl. etwas später", "Ja, evtl. 10 Minuten später.",
                                  "Zusage, ggf. mit Verspätung",
                                  "Ich nehme teil, komme aber vielleicht etwas später.",
                                  "Evtl. komme ich etwas später."])
def test_being_perhaps_late_is_attending(bot: Bot, text: str) -> None:
    """R9: whoever comes late is there; the "evtl." is about when, not whether."""
    outcome = bot.must("kreis-1", text, today=ANSWER_ON)
    assert "Ihre Teilnahme an der Sitzung Adendorf am 12.03.2026" in reply_text(outcome)
    assert attended(bot) == (["kreis-1"], [])


@pytest.mark.parametrize("text", ["Ich komme evtl. später oder gar nicht",
                                  "Ich komme evtl. etwas später, falls der Kreistag länger dauert",
                                  "Ich komme evtl. etwas später, vielleicht auch gar nicht",
                                  "Ich komme evtl., dann aber später"])
def test_late_words_with_a_doubt_about_coming_are_asked_back(bot: Bot, text: str) -> None:
    outcome = bot.refused("kreis-1", text, "R9", today=ANSWER_ON)
    assert [a.command for a in outcome.replies[0].actions] == [
        "/anwesend ADE 12.03.2026", "/verhindert ADE 12.03.2026"]
    assert attended(bot) == ([], [])


def test_late_words_with_a_no_are_an_excuse(bot: Bot) -> None:
    bot.must("kreis-2", "Ich komme nicht, evtl. später mal wieder", today=ANSWER_ON)
    assert attended(bot) == ([], ["kreis-2"])


def test_the_words_are_the_county_s_only(bot: Bot) -> None:
    """A secretary's or an applicant's "Zusage" books no attendance."""
    bot.refused("sek-ade", "Zusage", None, today=ANSWER_ON)
    assert not bot.say("kita@example.org", "Zusage", today=ANSWER_ON).accepted
    assert attended(bot) == ([], [])


def test_with_two_sessions_coming_the_answer_is_asked_back_unless_the_mail_names_one(
        bot: Bot) -> None:
    bot.must("sek-ble", "/sitzung 19.03.2026 18:00 Ort Schule, Budget II", today=SET_ON)
    outcome = bot.refused("kreis-1", "Ich nehme teil", None, today=ANSWER_ON)
    assert "Für welche Sitzung" in reply_text(outcome)
    lines = _body("", outcome.replies[0].actions).splitlines()
    assert "• Ich nehme teil (Adendorf, 12.03.2026): /anwesend ADE 12.03.2026" in lines
    assert "• Ich nehme teil (Bleckede, 19.03.2026): /anwesend BLE 19.03.2026" in lines
    # copied back, the line the bot offered works
    bot.must("kreis-1", "• Ich nehme teil (Bleckede, 19.03.2026): /anwesend BLE 19.03.2026",
             today=ANSWER_ON)
    # an answer to the alert mail of Adendorf's session names it (the channel's refers_to)
    answered = bot.must("kreis-2", "Absage", today=ANSWER_ON,
                        refers_to=("session:ADE:2026-03-12",))
    assert "Sitzung Adendorf am 12.03.2026" in reply_text(answered)


def test_after_a_move_an_answer_to_the_old_alert_reaches_the_session_at_its_new_date(
        bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 12.03.2026 verschoben auf 19.03.2026", today=ANSWER_ON)
    outcome = bot.must("kreis-1", "Zusage", today=ANSWER_ON,
                       refers_to=("session:ADE:2026-03-12",))
    assert "am 19.03.2026" in reply_text(outcome)


# -- every "• label: /command" line the bot writes works when copied back ------------------------


def offered_actions(bot: Bot) -> list[tuple[str, Action]]:
    """(who was offered it, action) for every button of a year: alerts, reminders, previews,
    held decisions, asking back."""
    found: list[tuple[str, Action]] = []

    def keep(who: str, outcome: Outcome) -> Outcome:
        found.extend((who, a) for r in outcome.replies for a in r.actions)
        found.extend((n.recipient, a) for n in outcome.notifications for a in n.actions)
        return outcome

    found += [(n.recipient, a) for n in bot.outbox(at(SET_ON)) for a in n.actions]
    keep("kreis-1", bot.refused("kreis-1", "Vielleicht", "R9", today=ANSWER_ON))
    keep("kreis-2", bot.must("kreis-2", "/verhindert ADE 12.03.2026", today=ANSWER_ON))
    found += [(n.recipient, a) for n in bot.run_due_reminders(at(date(2026, 3, 5), 9))
              for a in n.actions]
    number = bot.submit()
    keep("sek-ade", bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt",
                             today=date(2026, 3, 12)))
    return found


def test_every_action_line_the_bot_renders_is_read_back_as_its_command(bot: Bot) -> None:
    actions = offered_actions(bot)
    assert {a.command.split()[0] for _, a in actions} >= {
        "/anwesend", "/verhindert", "/buchen", "/verwerfen"}
    for _, action in actions:
        mail_line = f"• {action.label}: {action.command}"
        assert mail_line in _body("Text", (action,)).splitlines()
        console_line = f"  [{action.label}] → {action.command}"  # `sozialbot say`
        for line in (mail_line, console_line, f"> {mail_line}", f"Hallo,\n\n{mail_line}\n\nGruß"):
            assert copied_command(line, registry()) == action.command, line


@pytest.mark.parametrize("line", [
    "• Ich nehme teil: /anwesend ADE 12.03.2026",
    "Ich nehme teil: /anwesend ADE 12.03.2026",
    "  [Ich nehme teil] → /anwesend ADE 12.03.2026",
    "Guten Tag,\n\n• Ich nehme teil: /anwesend ADE 12.03.2026\n\nMit freundlichen Grüßen",
])
def test_a_copied_attendance_line_records_attendance(bot: Bot, line: str) -> None:
    bot.must("kreis-1", line, today=ANSWER_ON)
    assert attended(bot) == (["kreis-1"], [])


def test_lines_of_other_answers_and_of_hilfe_work_when_copied(bot: Bot) -> None:
    number = bot.submit(Titel="Lesen: ein Projekt für Kinder")
    for line in (f"• {number} Lesen: ein Projekt: /zeige {number}",  # a title with a colon
                 f"• zeigt eine Anmeldung:\n  /zeige {number}",  # /hilfe: label, then usage
                 f"Die ganze Skizze: /zeige {number}"):
        assert copied_command(line, registry()) == f"/zeige {number}"
    hilfe = reply_text(bot.must("kreis-1", "/hilfe", today=ANSWER_ON))
    lines = hilfe.splitlines()
    saldo = next(i for i, line in enumerate(lines) if line.strip().startswith("/saldo"))
    copied = bot.must("kreis-1", "\n".join(lines[saldo - 1:saldo + 1]), today=ANSWER_ON)
    assert reply_text(copied) == reply_text(bot.must("kreis-1", lines[saldo].strip(),
                                                      today=ANSWER_ON))


def test_copied_preview_and_held_lines_book(bot: Bot) -> None:
    number = bot.submit()
    preview = bot.must("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt",
                       today=date(2026, 3, 12))
    code = booking_command(preview).split()[1]
    held = bot.must("sek-ade", f"• Buchen: /buchen {code}", today=date(2026, 3, 12))
    assert "zurückgehalten" in reply_text(held) or "R9" in reply_text(held)
    [to_county] = [n for n in held.notifications if n.recipient == "kreis-1"]
    [line] = [f"• {a.label}: {a.command}" for a in to_county.actions]
    bot.must("kreis-1", line, today=date(2026, 3, 13))
    assert bot.application(number)["status"] == "approved"


def test_two_different_copied_lines_are_no_answer(bot: Bot) -> None:
    both = ("• Ich nehme teil: /anwesend ADE 12.03.2026\n"
            "• Ich bin verhindert: /verhindert ADE 12.03.2026")
    bot.refused("kreis-1", both, None, today=ANSWER_ON)
    assert attended(bot) == ([], [])


# -- calendar answers (iTIP REPLY) ---------------------------------------------------------------


def calendar_answer(bot: Bot, who: str, partstat: str, *, attendee: str | None = None,
                    uid: str | None = None, sequence: int = 0, text: str = "") -> Outcome:
    person = bot.config.person(who)
    assert person is not None
    assert person.email
    session = bot.core.store.session("ADE", date(2026, 3, 12))
    fields = (f"METHOD:REPLY\nUID:{uid or (session.uid if session else '') + '@sozialbot'}\n"
              f"SEQUENCE:{sequence}\nATTENDEE:{attendee or person.email}\nPARTSTAT:{partstat}")
    message = IncomingMessage(Sender("email", person.email, verified=True), text,
                              f"test:ics:{who}:{partstat}", at(ANSWER_ON),
                              (Attachment("kalenderantwort.ics", "text/calendar", fields),))
    return bot.core.handle(message)


@pytest.mark.parametrize(("partstat", "expected"), [
    ("ACCEPTED", (["kreis-1"], [])), ("DECLINED", ([], ["kreis-1"]))])
def test_a_calendar_answer_records_attendance_or_the_excuse(
        bot: Bot, partstat: str, expected: tuple) -> None:
    outcome = calendar_answer(bot, "kreis-1", partstat, text="Angenommen: Budget-II-Sitzung")
    assert outcome.accepted, reply_text(outcome)
    assert attended(bot) == expected


def test_a_tentative_calendar_answer_asks_for_a_firm_one(bot: Bot) -> None:
    outcome = calendar_answer(bot, "kreis-1", "TENTATIVE")
    assert not outcome.accepted
    assert outcome.rule == "R9"
    assert next(a.command for a in outcome.replies[0].actions) == "/anwesend ADE 12.03.2026"
    assert attended(bot) == ([], [])


def test_a_calendar_answer_for_another_address_or_session_records_nothing(bot: Bot) -> None:
    other = calendar_answer(bot, "kreis-1", "ACCEPTED", attendee="someone@example.org")
    assert not other.accepted
    assert "nicht für Ihre bei uns hinterlegte Adresse" in reply_text(other)
    unknown = calendar_answer(bot, "kreis-1", "ACCEPTED", uid="ADE-2026-03-12-xxx@sozialbot")
    assert not unknown.accepted
    assert attended(bot) == ([], [])


def test_a_calendar_answer_to_the_invitation_before_a_move_is_not_taken_for_the_new_date(
        bot: Bot) -> None:
    bot.must("sek-ade", "/sitzung 12.03.2026 verschoben auf 19.03.2026", today=date(2026, 2, 5))
    session = bot.core.store.session("ADE", date(2026, 3, 19))
    assert session is not None
    stale = calendar_answer(bot, "kreis-1", "ACCEPTED", uid=session.uid + "@sozialbot",
                            sequence=0)
    assert not stale.accepted
    assert "früheren Termin" in reply_text(stale)
    fresh = calendar_answer(bot, "kreis-2", "ACCEPTED", uid=session.uid + "@sozialbot",
                            sequence=1)
    assert fresh.accepted
    assert "19.03.2026" in reply_text(fresh)


# -- the grammar never crashes and never reads what is not there --------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_any_text_is_read_without_crashing(text: str) -> None:
    from rules.moves import moved_in_words, read_move

    for command in copied_commands(text, registry()):
        assert command.startswith("/")
        assert command in " ".join(text.split())
    assert attendance_word(text) in (None, "attend", "excuse", "tentative")
    move = read_move(text)
    if move is not None:
        assert move.date.replace(" ", "") in text.replace(" ", "")
    moved_in_words(text)


def test_a_bare_command_tapped_in_the_menu_offers_the_session_and_records_nothing(
        bot: Bot) -> None:
    outcome = bot.refused("kreis-1", "/verhindert", None, today=ANSWER_ON)
    assert "Für welche Sitzung" in reply_text(outcome)
    assert [a.command for a in outcome.replies[0].actions] == ["/verhindert ADE 12.03.2026"]
    assert attended(bot) == ([], [])
    bot.must("kreis-1", "/anwesend", today=ANSWER_ON, refers_to=("session:ADE:2026-03-12",))
    assert attended(bot) == (["kreis-1"], [])


def test_an_answer_to_an_alert_s_buttons_names_its_session(bot: Bot) -> None:
    """A Telegram reply to an alert passes the alert's buttons as context."""
    bot.must("sek-ble", "/sitzung 19.03.2026 18:00 Ort Schule, Budget II", today=SET_ON)
    outcome = bot.must("kreis-1", "Ich nehme teil", today=ANSWER_ON,
                       refers_to=("/anwesend BLE 19.03.2026", "/verhindert BLE 19.03.2026"))
    assert "Sitzung Bleckede am 19.03.2026" in reply_text(outcome)
