"""Attacks on identity and codes, stopped in the core: a forged e-mail in a configured person's
name changes nothing until the code sent to her address on record comes back; codes are long,
expire, are replaced by a newer preview, and cannot be guessed.

A mail the channel could not verify arrives here as `verified=False` (see bot.mail.sender)."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from handlers.codes import CODE_ALPHABET, CODE_LENGTH
from handlers.commands import registry
from tests.support.core import APPLICANT, Bot, booking_command, reply_text

TODAY = date(2026, 3, 13)
COUNTY = "kreis-1@example.org"
SECRETARY = "sek-ade@example.org"


def approved(bot: Bot) -> str:
    bot.concept()
    number = bot.submit()
    bot.session(date(2026, 3, 12))
    bot.decide(date(2026, 3, 12), f"{number} bewilligt 1.200 €")
    return number


def release_code(text: str) -> str:
    match = re.search(r"/freigeben ([A-Z2-9]{8})", text)
    assert match, text
    return match.group(1)


def test_forged_veto_mail_changes_nothing_until_the_code_from_the_address_on_record_returns(
        bot: Bot) -> None:
    number = approved(bot)
    before = bot.state()
    forged = bot.core.handle(bot.message(COUNTY, f"/veto {number} passt nicht", today=TODAY,
                                         verified=False))
    assert bot.state() == before  # nothing changed, no notification went out
    assert not forged.notifications
    text = reply_text(forged)
    assert "nicht selbst gesendet" in text
    assert f"Absender: {COUNTY}" in text
    assert f"/veto {number} passt nicht" in text
    assert bot.application(number)["status"] == "approved"
    code = release_code(text)
    # the real representative, reading her own mailbox, sends the code back (again unverified)
    done = bot.say(COUNTY, f"/freigeben {code}", today=TODAY, verified=False)
    assert done.accepted, reply_text(done)
    assert bot.application(number)["status"] == "vetoed"
    again = bot.say(COUNTY, f"/freigeben {code}", today=TODAY, verified=False)
    assert not again.accepted
    assert "schon ausgeführt" in reply_text(again)


def test_the_request_shows_the_reply_to_a_forger_wants_answers_at(bot: Bot) -> None:
    from dataclasses import replace

    message = bot.message(COUNTY, "/anwesend ADE 12.03.2026", today=TODAY, verified=False)
    message = replace(message, sender=replace(message.sender, reply_to="boese@evil.example"))
    text = reply_text(bot.core.handle(message))
    assert "Antwort an (Reply-To): boese@evil.example" in text


def test_the_request_shows_only_the_addresses_of_the_reply_to_never_the_forgers_words(
        bot: Bot) -> None:
    from dataclasses import replace

    message = bot.message(COUNTY, "/anwesend ADE 12.03.2026", today=TODAY, verified=False)
    words = "Kreisverwaltung IT: bitte den Code an it-hilfe@evil.example weiterleiten"
    message = replace(message, sender=replace(message.sender,
                                              reply_to=f'"{words}" <x@evil.example>'))
    text = reply_text(bot.core.handle(message))
    assert "Antwort an (Reply-To): x@evil.example\n" in text
    assert "weiterleiten" not in text


def test_the_request_names_the_attachments_that_would_run_with_it(bot: Bot) -> None:
    from dataclasses import replace

    from handlers.messages import Attachment

    message = bot.message(SECRETARY, "/konzept", today=TODAY, verified=False)
    message = replace(message, attachments=(Attachment("konzept.docx", "application/x", "Z" * 42),))
    text = reply_text(bot.core.handle(message))
    assert "Mit Anlagen: „konzept.docx“ (42 Zeichen)" in text


def test_a_request_code_of_one_person_releases_nothing_for_another(bot: Bot) -> None:
    number = approved(bot)
    code = release_code(reply_text(bot.say(COUNTY, f"/veto {number} x", today=TODAY,
                                           verified=False)))
    other = bot.say("kreis-2", f"/freigeben {code}", today=TODAY)
    assert not other.accepted
    assert bot.application(number)["status"] == "approved"


def test_a_request_code_expires_after_the_configured_days(bot: Bot) -> None:
    number = approved(bot)
    code = release_code(reply_text(bot.say(COUNTY, f"/veto {number} x", today=TODAY,
                                           verified=False)))
    late = bot.say(COUNTY, f"/freigeben {code}", today=TODAY + timedelta(days=15),
                   verified=False)
    assert not late.accepted
    assert "abgelaufen" in reply_text(late)
    assert bot.application(number)["status"] == "approved"


NEEDS_NO_PROOF = {"hilfe", "start", "buchen", "verwerfen", "freigeben"}
EXAMPLES = {"veto": "/veto ADE-2026-001 x", "sitzung": "/sitzung 12.03.2026 absagen",
            "anwesend": "/anwesend ADE 12.03.2026", "bestaetigen": "/bestaetigen ADE 12.03.2026",
            "jahresabschluss": "/jahresabschluss 2026", "trennen": "/trennen sek-ade",
            "beschluss": "/beschluss 12.03.2026\nADE-2026-001 abgelehnt"}


@pytest.mark.parametrize("word", sorted(set(registry()) - NEEDS_NO_PROOF))
def test_no_command_of_a_forged_mail_runs_for_any_role(bot: Bot, word: str) -> None:
    """Every command in the registry, including those added later, from every configured role:
    an unverified mail only ever gets the request for the code."""
    approved(bot)
    before = bot.state()
    for address in (COUNTY, SECRETARY, "verwaltung@example.org"):
        outcome = bot.say(address, EXAMPLES.get(word, f"/{registry()[word].usage[1:]}"),
                          today=TODAY, verified=False)
        assert bot.state() == before
        assert not outcome.notifications
        if outcome.accepted:
            assert "/freigeben " in reply_text(outcome)


def test_help_and_an_applicants_own_sketch_need_no_code(bot: Bot) -> None:
    assert "nicht selbst gesendet" not in reply_text(bot.say(COUNTY, "/hilfe", verified=False))
    from tests.support.core import sketch

    assert bot.say(APPLICANT, sketch(), verified=False).application_number


# -- codes ----------------------------------------------------------------------------------------

def preview(bot: Bot, lines: str = "ADE-2026-001 abgelehnt") -> str:
    return booking_command(bot.must("sek-ade", f"/beschluss 12.03.2026\n{lines}", today=TODAY))


def ready(bot: Bot) -> None:
    bot.concept()
    bot.submit()
    bot.session(date(2026, 3, 12))


def test_a_booking_code_carries_at_least_40_bits(bot: Bot) -> None:
    ready(bot)
    code = preview(bot).split()[1]
    assert len(code) == CODE_LENGTH
    assert set(code) <= set(CODE_ALPHABET)
    assert len(CODE_ALPHABET) ** CODE_LENGTH >= 2 ** 40


def test_an_old_booking_code_expires_after_14_days(bot: Bot) -> None:
    ready(bot)
    command = preview(bot)
    late = bot.say("sek-ade", command, today=TODAY + timedelta(days=15))
    assert not late.accepted
    assert "abgelaufen" in reply_text(late)
    assert bot.application("ADE-2026-001")["status"] == "submitted"


def test_the_code_lifetime_comes_from_the_configuration(tmp_path: Path) -> None:
    bot = Bot(tmp_path, "[security]\ncode_days = 2\n")
    try:
        ready(bot)
        command = preview(bot)
        assert not bot.say("sek-ade", command, today=TODAY + timedelta(days=3)).accepted
    finally:
        bot.close()


def test_a_new_preview_of_the_same_session_voids_the_old_and_says_so(bot: Bot) -> None:
    ready(bot)
    first = preview(bot)
    second_outcome = bot.must("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 vertagt",
                              today=TODAY)
    assert f"Code {first.split()[1]}" in reply_text(second_outcome)
    assert "gilt nicht mehr" in reply_text(second_outcome)
    old = bot.say("sek-ade", first, today=TODAY)
    assert not old.accepted
    assert "ersetzt" in reply_text(old)
    bot.must("sek-ade", booking_command(second_outcome), today=TODAY)
    assert bot.application("ADE-2026-001")["status"] == "deferred"


def test_guessing_codes_is_stopped_after_five_wrong_in_an_hour_and_logged(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    ready(bot)
    real = preview(bot)
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"):
        assert not bot.say("sek-ade", f"/buchen {guess}", today=TODAY).accepted
    with caplog.at_level(logging.WARNING):
        blocked = bot.say("sek-ade", real, today=TODAY)
    assert not blocked.accepted
    assert "Zu viele falsche Codes" in reply_text(blocked)
    assert "Code-Sperre: sek-ade" in caplog.text
    assert bot.application("ADE-2026-001")["status"] == "submitted"
    # another person is not blocked by her guesses
    assert "Zu viele" not in reply_text(bot.say("sek-ble", "/buchen AAAAAAAA", today=TODAY))


@pytest.mark.parametrize("command", ["/buchen", "/freigeben"])
def test_wrong_codes_in_a_forged_mail_do_not_lock_the_person_out_of_her_own_channels(
        bot: Bot, command: str) -> None:
    """Anyone can send mail with a secretary's From: five wrong codes so used to lock her out
    of booking for an hour, on Telegram too, again every hour. They are counted apart now."""
    ready(bot)
    real = preview(bot)
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"):
        assert not bot.say(SECRETARY, f"{command} {guess}", today=TODAY, verified=False).accepted
    sixth = bot.say(SECRETARY, f"{command} FFFFFFFF", today=TODAY, verified=False)
    assert "Zu viele falsche Codes" in reply_text(sixth)  # the forger is still stopped
    booked = bot.say("sek-ade", real, today=TODAY)  # her own chat
    assert booked.accepted, reply_text(booked)
    assert bot.application("ADE-2026-001")["status"] == "rejected"


@pytest.mark.parametrize("look_alike", [
    "\u212areis-1@example.org",  # KELVIN SIGN, which str.lower() turns into a Latin "k"
    "kreis-1@example.org".replace("e", "\u0435", 1),  # a Cyrillic "е"
])
def test_a_look_alike_address_is_an_applicant_not_the_person(bot: Bot, look_alike: str) -> None:
    # The mail channel hands a raw 8-bit From over as it read it (undecodable bytes kept as
    # lone surrogates); the core makes it storable. Either way it is not kreis-1's address.
    raw = look_alike.encode().decode("ascii", "surrogateescape")
    for address in (raw, look_alike):
        assert bot.core.person_for(bot.message(address, "/hilfe").sender) is None
        greeting = reply_text(bot.say(address, "/hilfe", verified=False))
        assert "Fachdienstleitung" not in greeting
        assert "Vertretung des Landkreises" not in greeting
        assert "in Ihrem Namen" not in reply_text(bot.say(address, "/saldo", verified=False))


# -- an applicant's address, forged ----------------------------------------------------------------

def test_a_forged_mail_in_an_applicants_name_changes_her_sketch_only_with_the_code(
        bot: Bot) -> None:
    """A stranger who forges a Träger's From used to change the amount of her complete sketch
    (and void the preview of the vote on it); now the change waits for the code that goes to
    her address, and a guess or an old code changes nothing."""
    ready(bot)
    code = preview(bot, "ADE-2026-001 bewilligt 1.200 € (ja 7, nein 0, enthaltung 0)")
    before = bot.state()
    forged = bot.say(APPLICANT, "/antrag ADE-2026-001\nBetrag: 9.000 €", today=TODAY,
                     verified=False)
    text = reply_text(forged)
    assert "noch nicht geändert" in text
    assert "1.500,00 € → 9.000,00 €" in text
    assert not forged.notifications
    assert bot.application("ADE-2026-001")["requested_cents"] == 150_000
    assert bot.state() == before  # nothing the export shows changed …
    confirmation = bot.core.store.confirmation(code.split()[1])
    assert confirmation is not None
    assert confirmation.status == "open"  # … the preview books
    guess = bot.say(APPLICANT, "/antrag ADE-2026-001 AAAAAAAA", today=TODAY, verified=False)
    assert not guess.accepted
    assert "nichts geändert" in reply_text(guess)
    assert bot.application("ADE-2026-001")["requested_cents"] == 150_000
    # the real applicant reads the code in her mailbox and sends it back (unverified, too)
    wanted = re.search(r"/antrag ADE-2026-001 ([A-Z2-9]{8})", text)
    assert wanted, text
    late = bot.say(APPLICANT, wanted.group(0), today=TODAY + timedelta(days=15), verified=False)
    assert not late.accepted
    assert "abgelaufen" in reply_text(late)
    assert bot.application("ADE-2026-001")["requested_cents"] == 150_000
    done = bot.say(APPLICANT, wanted.group(0), today=TODAY, verified=False)
    assert "ist geändert" in reply_text(done), reply_text(done)
    assert bot.application("ADE-2026-001")["requested_cents"] == 900_000
    assert not bot.say("sek-ade", code, today=TODAY).accepted  # now the preview is void (R11)


def test_an_applicants_verified_mail_changes_her_sketch_at_once(bot: Bot) -> None:
    ready(bot)
    done = bot.say(APPLICANT, "/antrag ADE-2026-001\nBetrag: 1.800 €", today=TODAY)
    assert "ist geändert" in reply_text(done)
    assert bot.application("ADE-2026-001")["requested_cents"] == 180_000


def test_forged_mails_in_a_persons_name_do_not_block_her_own_mail_requests(bot: Bot) -> None:
    """Five forged mails used to fill the person's open requests: her own mail commands were
    then refused until those expired (14 days). Now the newest always gets its code, the
    oldest is void, and a flood is stopped for an hour only."""
    number = approved(bot)
    forged = [release_code(reply_text(bot.say(COUNTY, f"/veto {number} Fälschung {i}",
                                              today=TODAY, verified=False))) for i in range(6)]
    own = bot.say(COUNTY, f"/veto {number} passt nicht zum Konzept", today=TODAY, verified=False)
    assert "die älteste gilt nicht mehr" in reply_text(own)
    void = bot.say(COUNTY, f"/freigeben {forged[0]}", today=TODAY, verified=False)
    assert "gilt nicht mehr" in reply_text(void)
    assert bot.application(number)["status"] == "approved"
    done = bot.say(COUNTY, f"/freigeben {release_code(reply_text(own))}", today=TODAY,
                   verified=False)
    assert done.accepted, reply_text(done)
    assert bot.application(number)["status"] == "vetoed"
    assert bot.application(number)["veto"]["reason"] == "passt nicht zum Konzept"


def test_a_flood_of_forged_mails_in_a_persons_name_is_stopped_for_an_hour(bot: Bot) -> None:
    number = approved(bot)
    for i in range(20):
        assert "/freigeben" in reply_text(bot.say(COUNTY, f"/veto {number} x{i}", today=TODAY,
                                                  verified=False))
    files = bot.snapshot()
    flood = bot.say(COUNTY, f"/veto {number} x21", today=TODAY, verified=False)
    assert not flood.accepted
    assert "in einer Stunde" in reply_text(flood)
    assert bot.snapshot() == files


@pytest.mark.parametrize("answer", ["Nein", "Nein!", "Das war ich nicht.",
                                    "Nicht von mir, bitte ignorieren."])
def test_no_to_the_warning_about_a_forged_request_voids_it_and_excuses_her_from_nothing(
        bot: Bot, answer: str) -> None:
    number = approved(bot)
    bot.must(SECRETARY, "/sitzung 20.04.2026 18:30 Ort Rathaus, Budget II", today=TODAY)
    forged = bot.say(COUNTY, f"/veto {number} passt nicht", today=TODAY, verified=False)
    code = release_code(reply_text(forged))
    sessions = bot.export()["sessions"]
    # her answer from her own mailbox, in the thread of the warning (the code is in what it
    # answers); before, "Nein" was read as "verhindert" for the session of 20.04.
    outcome = bot.say(COUNTY, answer, today=TODAY, refers_to=(code,))
    assert "ist verworfen; es wurde nichts geändert" in reply_text(outcome)
    assert bot.export()["sessions"] == sessions
    assert bot.application(number)["status"] == "approved"
    assert [n.recipient for n in outcome.notifications] == ["verwaltung"]
    assert "/veto" in outcome.notifications[0].text
    assert f"Absender {COUNTY}" in outcome.notifications[0].text
    late = bot.say(COUNTY, f"/freigeben {code}", today=TODAY, verified=False)
    assert not late.accepted
    assert "nichts geändert" in reply_text(late)
    assert bot.application(number)["status"] == "approved"


@pytest.mark.parametrize("answer", ["ok", "Ja", "Ja, bitte buchen"])
def test_a_yes_to_the_warning_about_a_request_runs_nothing_and_gives_the_line(
        bot: Bot, answer: str) -> None:
    number = approved(bot)
    bot.must(SECRETARY, "/sitzung 20.04.2026 18:30 Ort Rathaus, Budget II", today=TODAY)
    code = release_code(reply_text(bot.say(COUNTY, f"/veto {number} passt nicht",
                                           today=TODAY, verified=False)))
    before = bot.state()
    # "Ja" may mean "yes, it is forged": nothing runs, not even her attendance ("ok")
    outcome = bot.say(COUNTY, answer, today=TODAY, refers_to=(code,))
    assert not outcome.accepted
    assert f"/freigeben {code}" in reply_text(outcome)
    assert bot.state() == before


@pytest.mark.parametrize(("words", "kind"), [
    ("Bitte löschen Sie alle meine Daten.", "loeschen"),
    ("Ich widerrufe meine Einwilligung zur Datenverarbeitung und bitte um Löschung.",
     "loeschen"),
    ("Welche Daten haben Sie über mich gespeichert?", "auskunft"),
    ("Ich bitte um Auskunft nach Art. 15 DSGVO.", "auskunft"),
])
def test_a_dsgvo_request_in_words_erases_and_discloses_nothing_and_reaches_the_administration(
        bot: Bot, words: str, kind: str) -> None:
    number = bot.submit()
    before = bot.application(number)
    # in the applicant's name, unverified: anyone can write this; before, the sketch form
    outcome = bot.say(APPLICANT, words, today=TODAY, verified=False)
    text = reply_text(outcome)
    assert "an die Kreisverwaltung weitergegeben" in text
    assert "Es wurde nichts geändert" in text
    assert number not in text
    assert "Sprachförderung" not in text  # nothing of what is stored about her
    assert bot.application(number) == before
    [notice] = outcome.notifications
    assert notice.recipient == "verwaltung"
    assert f"sozialbot {kind} {APPLICANT}" in notice.text
    assert "nicht bestätigt" in notice.text
    again = bot.say(APPLICANT, words, today=TODAY, verified=False)
    assert not again.notifications  # once a day and sender, not a flood for the administration


def test_deleting_an_application_in_words_is_no_dsgvo_request() -> None:
    from rules.questions import asked_privacy

    assert asked_privacy("Bitte löschen Sie meinen Antrag.") is None
    assert asked_privacy("Bitte löschen Sie meine Daten.") == "loeschen"


@pytest.mark.parametrize("text", [
    "/konzept ADE\nZielgruppen: Senioren\nProblemlagen: Einsamkeit\nZiele: Begegnung",
    "/konzept Adendorf\nZielgruppen: Senioren\nProblemlagen: Einsamkeit\nZiele: Begegnung",
    "Konzept für Adendorf:\nZielgruppen: Senioren\nProblemlagen: Einsamkeit\nZiele: Begegnung",
    "/sitzung ADE 12.03.2026 verschieben auf 14.04.2026",
    "/sitzung Adendorf verschieben auf 15.04.2026",
    "/sitzung ADE 20.04.2026 absagen",
    "/beschluss ADE 12.03.2026\nADE-2026-001 bewilligt 100 €",
])
def test_a_secretary_naming_another_conference_changes_neither_it_nor_her_own(
        bot: Bot, text: str) -> None:
    bot.concept()
    bot.concept("sek-ble")
    bot.submit()
    bot.must("sek-ble", "/sitzung 20.04.2026 18:30 Ort Rathaus, Budget II", today=TODAY)
    # before: Bleckede's concept was replaced with the lines meant for Adendorf, and her
    # only session was moved
    outcome = bot.refused("sek-ble", text, None, today=TODAY)
    assert "nur für Bleckede" in reply_text(outcome)
    assert "Adendorf" in reply_text(outcome)


def test_a_secretarys_own_session_may_be_held_at_a_place_named_like_another_conference(
        bot: Bot) -> None:
    bot.concept("sek-ble")
    bot.must("sek-ble", "/sitzung 20.04.2026 18:30 Ort Rathaus Adendorf, Budget II", today=TODAY)
    bot.must("sek-ble", "/sitzung 21.04.2026 Adendorf, Budget II", today=TODAY)
    assert [(s["conference"], s["date"]) for s in bot.export()["sessions"]] == [
        ("BLE", "2026-04-20"), ("BLE", "2026-04-21")]



def test_the_command_line_offered_to_the_administration_is_quoted_for_a_shell(
        bot: Bot) -> None:
    import shlex

    address = '"$(touch /tmp/pwned)`id`;x&y"@evil.example'
    [notice] = bot.say(address, "Bitte löschen Sie meine Daten.", today=TODAY).notifications
    line = next(x for x in notice.text.splitlines() if x.startswith("Bearbeiten mit: "))
    assert shlex.split(line.removeprefix("Bearbeiten mit: ")) == [
        "sozialbot", "loeschen", address.lower()]


@pytest.mark.parametrize("forged", ["/antrag {number}\nBetrag: 5.000 €", "/zurueckziehen {number}"])
def test_an_applicants_no_in_the_thread_of_a_forged_change_drops_it(bot: Bot, forged: str) -> None:
    number = bot.submit()
    code = re.search(r"/(?:antrag|zurueckziehen) \S+ ([A-Z2-9]{8})", reply_text(
        bot.say(APPLICANT, forged.format(number=number), today=TODAY, verified=False)))
    assert code, "the forged change waits for a code"
    before = bot.application(number)
    # her answer in the thread of the question (the number is in what it answers); before,
    # the empty sketch form
    outcome = bot.say(APPLICANT, "Nein, das war ich nicht!", today=TODAY, refers_to=(number,))
    assert "bleibt, wie er ist" in reply_text(outcome)
    assert bot.application(number) == before
    late = bot.say(APPLICANT, f"{forged.format(number=number).split()[0]} {number} "
                              f"{code.group(1)}", today=TODAY, verified=False)
    assert bot.application(number)["status"] == "submitted"
    assert bot.application(number)["requested_cents"] == 150000, reply_text(late)


@pytest.mark.parametrize("forged", ["/antrag {number}\nBetrag: 5.000 €", "/zurueckziehen {number}"])
def test_an_applicants_yes_in_the_thread_of_an_unconfirmed_change_gets_the_line(
        bot: Bot, forged: str) -> None:
    number = bot.submit()
    asked = reply_text(bot.say(APPLICANT, forged.format(number=number), today=TODAY,
                               verified=False))
    line = re.search(r"/(?:antrag|zurueckziehen) \S+ [A-Z2-9]{8}", asked)
    assert line
    state = bot.state()
    outcome = bot.say(APPLICANT, "Ja, das war ich.", today=TODAY, verified=False,
                      refers_to=(number,))
    assert line.group() in reply_text(outcome)  # the line that does it; the reply is no code
    assert not outcome.accepted
    assert bot.state() == state


def quoted_whole(outcome: object) -> str:
    """A bot's answer as a mail program quotes it below a reply without marking it (an HTML
    reply, or text pasted below): the text, then the lines it offered, as the mail shows them."""
    from handlers.messages import Outcome

    assert isinstance(outcome, Outcome)
    lines = [f"• {a.label}: {a.command}" for r in outcome.replies for a in r.actions]
    return (f"Guten Tag,\n\n{reply_text(outcome)}\n\nSie können mit einer dieser Zeilen "
            "antworten:\n" + "\n".join(lines) + "\n\nMit freundlichen Grüßen\nLandkreis")


@pytest.mark.parametrize("between", ["\n\n", "\n"])
def test_no_above_the_unmarked_quote_of_the_warning_releases_nothing(
        bot: Bot, between: str) -> None:
    number = approved(bot)
    forged = bot.say(COUNTY, f"/veto {number} passt nicht", today=TODAY, verified=False)
    code = release_code(reply_text(forged))
    # before: the quote's "• Ausführen: /freigeben CODE" was read as copied back, and her
    # "Nein, das war ich nicht!" above it vetoed the approval
    outcome = bot.say(COUNTY, "Nein, das war ich nicht!" + between + quoted_whole(forged),
                      today=TODAY, refers_to=(code,))
    assert bot.application(number)["status"] == "approved"
    assert "ist verworfen" in reply_text(outcome)


def test_a_line_offered_by_the_bot_runs_only_without_words_against_it(bot: Bot) -> None:
    bot.concept()
    number = bot.submit()
    bot.session(date(2026, 3, 12))
    preview = bot.must(SECRETARY, f"/beschluss 12.03.2026\n{number} bewilligt 1.200 €",
                       today=TODAY)
    only_booking = replace_actions(preview, "/buchen")
    for words in ("Bitte noch nicht buchen, da fehlt ein Beschluss.\n\n",
                  "Stimmt das so? Da fehlt doch ADE-2026-009.\n\n"):
        refused = bot.say(SECRETARY, words + quoted_whole(only_booking), today=TODAY)
        assert not refused.accepted
        assert "Es wurde nichts ausgeführt" in reply_text(refused)
        assert bot.application(number)["status"] == "submitted"
    booked = bot.say(SECRETARY, "Ja, bitte:\n" + booking_line(only_booking), today=TODAY)
    assert booked.accepted, reply_text(booked)
    assert bot.application(number)["status"] == "approved"


def replace_actions(outcome: object, keep: str) -> object:
    """The outcome with only the actions whose command starts with `keep`."""
    from dataclasses import replace

    from handlers.messages import Outcome

    assert isinstance(outcome, Outcome)
    return replace(outcome, replies=tuple(
        replace(r, actions=tuple(a for a in r.actions if a.command.startswith(keep)))
        for r in outcome.replies))


def booking_line(outcome: object) -> str:
    from handlers.messages import Outcome

    assert isinstance(outcome, Outcome)
    return next(f"• {a.label}: {a.command}" for r in outcome.replies for a in r.actions)
