"""Calendar answers as mail programs send them: Outlook (multipart/alternative with a
text/calendar part), Thunderbird (an invite.ics attachment), a phone (a bare text/calendar
mail). The channel decodes each into the normalized lines the core reads; nothing else."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mail.ics import reply_fields
from bot.mail.parse import message_text, parse_mail, referenced
from handlers.commands import registry
from rules.answers import ATTEND, EXCUSE, TENTATIVE, calendar_reply

UID = "ADE-2026-03-12-1a2b3c4d@sozialbot"


def reply_ics(partstat: str, *, attendee: str = "kreis-1@l.example", method: str = "REPLY",
              sequence: int = 1) -> str:
    return "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
        f"METHOD:{method}", "BEGIN:VEVENT",
        f'ATTENDEE;PARTSTAT={partstat};CN="Meier, Anna":MAILTO:{attendee.upper()}',
        "COMMENT;LANGUAGE=de-DE:Ich komme gern.", f"UID:{UID}", f"SEQUENCE:{sequence}",
        "SUMMARY;LANGUAGE=de-DE:Angenommen: Budget-II-Sitzung Sozialkonferenz Adendor",
        " f", "DTSTART;TZID=W. Europe Standard Time:20260312T183000", "END:VEVENT",
        "END:VCALENDAR", ""])


def outlook(partstat: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Anna Meier <kreis-1@l.example>"
    message["To"] = "budget2@l.example"
    message["Subject"] = "Angenommen: Budget-II-Sitzung Sozialkonferenz Adendorf"
    message["Message-ID"] = "<r1@l.example>"
    message["In-Reply-To"] = "<sozialbot.S-ADE-20260312.abc@l.example>"
    message.set_content("")
    message.add_alternative(reply_ics(partstat), subtype="calendar",
                            params={"method": "REPLY"})
    return message.as_bytes()


def thunderbird(partstat: str) -> bytes:
    message = EmailMessage()
    message["From"] = "kreis-1@l.example"
    message["To"] = "budget2@l.example"
    message["Subject"] = "Zugesagt: Budget-II-Sitzung Sozialkonferenz Adendorf"
    message["Message-ID"] = "<r2@l.example>"
    message.set_content("Anna Meier hat die Einladung angenommen.")
    message.add_attachment(reply_ics(partstat).encode(), maintype="application",
                           subtype="ics", filename="invite.ics")
    return message.as_bytes()


def phone(partstat: str) -> bytes:
    return ("From: kreis-1@l.example\r\nTo: budget2@l.example\r\nSubject: Antwort\r\n"
            "Message-ID: <r3@l.example>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: text/calendar; method=REPLY; charset="utf-8"\r\n\r\n'
            + reply_ics(partstat)).encode()


@pytest.mark.parametrize("build", [outlook, thunderbird, phone])
@pytest.mark.parametrize(("partstat", "answer"), [
    ("ACCEPTED", ATTEND), ("DECLINED", EXCUSE), ("TENTATIVE", TENTATIVE)])
def test_a_calendar_answer_is_decoded_for_the_core(build: Callable[[str], bytes], partstat: str,
                                                  answer: str) -> None:
    parsed = parse_mail(build(partstat))
    found = calendar_reply((a.content_type, a.text) for a in parsed.attachments)
    assert found is not None
    assert (found.uid, found.attendee, found.answer, found.sequence) == (
        UID, "kreis-1@l.example", answer, 1)
    assert "BEGIN:VCALENDAR" not in message_text(parsed, known_person=True,
                                                 commands=registry())


def test_an_outlook_answer_names_the_session_of_the_alert_it_answers() -> None:
    assert referenced(parse_mail(outlook("ACCEPTED"))) == ("session:ADE:2026-03-12",)


@pytest.mark.parametrize("text", [
    reply_ics("ACCEPTED", method="REQUEST"),  # an invitation forwarded back is no answer
    reply_ics("NEEDS-ACTION"),
    reply_ics("ACCEPTED").replace(f"UID:{UID}\r\n", ""),
    "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR",
    "", "METHOD:REPLY", "ATTENDEE;PARTSTAT=\"ACCEPTED:mailto:x",
])
def test_what_is_no_reply_is_not_decoded_as_one(text: str) -> None:
    assert reply_fields(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_calendar_text_decodes_without_crashing(text: str) -> None:
    fields = reply_fields(text)
    if fields is not None:
        assert calendar_reply([("text/calendar", fields)]) is not None


def test_a_subject_alone_is_the_text_of_a_known_person_s_mail_without_body() -> None:
    message = EmailMessage()
    message["From"] = "kreis-1@l.example"
    message["Subject"] = "Re: Budget-II-Sitzung Adendorf am 12.03.2026 – Zusage"
    message["In-Reply-To"] = "<sozialbot.S-ADE-20260312.abc@l.example>"
    message.set_content("")
    parsed = parse_mail(message.as_bytes())
    assert message_text(parsed, known_person=True, commands=registry()) == (
        "Budget-II-Sitzung Adendorf am 12.03.2026 – Zusage")
    assert message_text(parsed, known_person=False, commands=registry()) == ""


def test_of_several_attendees_the_sender_s_answer_counts() -> None:
    text = reply_ics("ACCEPTED").replace(
        "ATTENDEE;", "ATTENDEE;PARTSTAT=DECLINED:mailto:other@l.example\r\nATTENDEE;", 1)
    assert "ATTENDEE:other@l.example" in (reply_fields(text) or "")
    chosen = reply_fields(text, "kreis-1@l.example") or ""
    assert "ATTENDEE:kreis-1@l.example\nPARTSTAT:ACCEPTED" in chosen
