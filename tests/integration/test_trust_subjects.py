"""No stranger's words in the subject of a mail to staff, whatever notice carries them.

A hostile applicant fills every field she controls (title, Träger, co-funder, the sketch) with
a marker and words that trip the checks (R6 youth work); the conference then goes through its
year: session, attendance, decisions, booking, veto, correction, withdrawal. Every notice to a
configured person is written as the mail the bot would send; its subject never holds the
marker (the body still does, where the notice quotes her)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.mail.builder import MailBuilder
from bot.mail.settings import MailSettings, Server
from tests.support.core import Bot, booking_command, sketch

MARK = "Postfachsperre"
HOSTILE = "evil@example.net"


def test_no_notice_to_staff_takes_its_subject_from_an_applicants_text(bot: Bot) -> None:
    server = Server("localhost", 143, "none", "", "")
    builder = MailBuilder(MailSettings("bot@example.org", "Bot", server, server),
                          lambda: datetime(2026, 2, 2, tzinfo=UTC), "Europe/Berlin")
    made = list(bot.concept().notifications)
    for n, title in enumerate((f"Jugendtreff {MARK}", f"Ferienpass {MARK} Zwei",
                               f"Jugendzentrum {MARK} Drei")):
        made += bot.must(HOSTILE, sketch(Titel=title, Traeger=f"{MARK} e.V. {n}",
                                         Ausgangslage=f"Jugendpflege {MARK}",
                                         Betrag="1.000 €"),
                         today=date(2026, 2, 2)).notifications
    made += bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II",
                     today=date(2026, 2, 3)).notifications
    made += bot.must("kreis-1", "/anwesend ADE 12.03.2026",
                     today=date(2026, 3, 3)).notifications
    preview = bot.must("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt\n"
                       "ADE-2026-002 bewilligt\nADE-2026-003 bewilligt",
                       today=date(2026, 3, 12))
    made += bot.must("sek-ade", booking_command(preview), today=date(2026, 3, 12)).notifications
    made += bot.must("kreis-2", "/veto ADE-2026-001 passt nicht", today=date(2026, 3, 13)
                     ).notifications
    made += bot.must("sek-ade", "/korrektur ADE-2026-002 bewilligt 900 € Grund: Tippfehler",
                     today=date(2026, 3, 14)).notifications
    made += bot.must(HOSTILE, sketch(Titel=f"Jugenddisco {MARK} Vier"),
                     today=date(2026, 3, 15)).notifications
    made += bot.must(HOSTILE, "/zurueckziehen ADE-2026-004", today=date(2026, 3, 16)
                     ).notifications
    to_staff = [n for n in made if ":" not in n.recipient]
    assert any(MARK in n.text for n in to_staff)  # the notices do quote her
    for notice in to_staff:
        mail = builder.notification(notice, "staff@example.org", "Staff", None)
        assert MARK not in mail.subject, (notice.kind, mail.subject)


def test_control_and_direction_characters_never_reach_a_record_or_an_invitation(
        bot: Bot) -> None:
    # NUL (shown as U+FFFD), BEL and a terminal escape, DEL, C1 controls, a right-to-left
    # override (which shows "Betrag 1.500 €" reversed, or a title over the amount beside it), an
    # isolate and a BOM:
    # whatever a channel let through. Line breaks of any kind stay line breaks.
    from bot.mail.ics import session_ics
    from tests.support.core import reply_text

    bot.concept()
    title = "Sprach\x00för\x07de\x1b[2Jrung\x7f\x9b\u202e 005.1\u2066x\u2069\ufeff"
    outcome = bot.must(HOSTILE, sketch(Titel=title) + "\x0cBemerkung: neue\u2028Zeile",
                       today=date(2026, 2, 2))
    record = bot.application(outcome.application_number or "")
    assert record["title"] == "Sprach\ufffdförde[2Jrung 005.1x"  # a NUL shows as U+FFFD
    assert "\u202e" not in reply_text(outcome)
    made = bot.must("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II",
                    today=date(2026, 2, 3)).notifications
    event = next(n.event for n in made if n.event is not None)
    ics = session_ics(event, organizer="bot@example.org", attendee="k@example.org",
                      stamp=datetime(2026, 2, 3, tzinfo=UTC))
    assert not [c for c in ics if (ord(c) < 32 and c not in "\r\n") or 0x7f <= ord(c) < 0xa0
                or c in "\u202e\u2066\u2069\ufeff"]


def test_a_strangers_account_name_never_becomes_the_subject_of_an_invite_report(
        bot: Bot) -> None:
    # A Matrix id is the stranger's own choice ("@dringend-passwort-bestaetigen:evil.example");
    # the administration's reports of a passed-on invite quote it in the text only.
    import uuid

    from handlers.messages import IncomingMessage, Sender
    from tests.support.core import at

    server = Server("localhost", 143, "none", "", "")
    builder = MailBuilder(MailSettings("bot@example.org", "Bot", server, server),
                          lambda: datetime(2026, 2, 2, tzinfo=UTC), "Europe/Berlin")
    stranger = f"@{MARK.lower()}-bestaetigen:evil.example"

    def say(address: str, text: str) -> list:
        message = IncomingMessage(Sender("matrix", address, f"{MARK} Name", verified=True), text,
                                  f"matrix:{uuid.uuid4().hex}", at(date(2026, 2, 2)))
        return list(bot.core.handle(message).notifications)

    made = []
    first = bot.core.create_invite("sek-ade", at(date(2026, 2, 1)))
    made += say("@sek:county.example", f"/start {first}")
    made += say(stranger, f"/start {first}")  # a used invite, passed on
    second = bot.core.create_invite("sek-ade", at(date(2026, 2, 1)))
    made += say(stranger, f"/start {second}")  # the link moves to another account
    reports = [n for n in made if n.kind == "warning"]
    assert len(reports) == 2
    assert all(stranger in n.text for n in reports)
    for notice in reports:
        mail = builder.notification(notice, "verwaltung@example.org", "Verwaltung", None)
        assert MARK.lower() not in mail.subject.lower(), mail.subject
