"""A secretary's subject is a title as much as a command: "Sitzung heute" above the results of
a meeting is no /sitzung (it was read as '/sitzung heute' and refused: no date)."""

from email.message import EmailMessage

import pytest

from bot.mail.parse import message_text, parse_mail
from handlers.commands import registry


def text_of(subject: str, body: str) -> str:
    message = EmailMessage()
    message["From"] = "sek-ade@l.example"
    message["To"] = "bot@l.example"
    message["Subject"] = subject
    message["Message-ID"] = "<m1@l.example>"
    message.set_content(body)
    return message_text(parse_mail(message.as_bytes()), known_person=True, commands=registry())


def test_a_subject_naming_a_command_above_a_body_of_other_words_is_a_title() -> None:
    assert text_of("Sitzung heute", "ADE-2026-001 bewilligt 1.200 €\n") == \
        "ADE-2026-001 bewilligt 1.200 €"


@pytest.mark.parametrize(("subject", "body", "text"), [
    ("Beschluss 12.03.2026", "ADE-2026-001 bewilligt\n",
     "/Beschluss 12.03.2026\nADE-2026-001 bewilligt"),  # the command's own lines
    ("Saldo", "", "/Saldo"),  # nothing but the subject
    ("Saldo", "Hallo, bitte den aktuellen Stand.\n", "/Saldo\nHallo, bitte den aktuellen Stand."),
    ("/sitzung 19.03.2026 18:00 Rathaus", "Danke\n", "/sitzung 19.03.2026 18:00 Rathaus\nDanke"),
])
def test_a_subject_stays_the_command_where_the_body_is_its_lines_or_empty(
        subject: str, body: str, text: str) -> None:
    assert text_of(subject, body) == text


@pytest.mark.parametrize("subject", ["AW: WG: Tagesordnung Sozialraumkonferenz 12.03.",
                                     "Re: Saldo", "WG: Beschluss 12.03.2026"])
def test_a_subject_answered_or_passed_on_is_no_command_above_a_body(subject: str) -> None:
    """Someone's mail answered or forwarded: its subject is not this sender's request (the
    results below it were dropped for the agenda of "Tagesordnung")."""
    assert text_of(subject, "ADE-2026-001 bewilligt 1200\nADE-2026-002 abgelehnt\n") == \
        "ADE-2026-001 bewilligt 1200\nADE-2026-002 abgelehnt"


def test_a_reply_with_nothing_but_its_subject_is_still_read() -> None:
    assert text_of("Re: Saldo", "") == "/Saldo"
