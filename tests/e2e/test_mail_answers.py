"""County representatives answer by mail as they would: their calendar accepts or declines the
invitation (an iTIP REPLY, as Outlook sends it), they copy a line the bot offered, or they write
"Zusage" in reply to the alert. Real Dovecot, the real e-mail channel, the real core."""

from __future__ import annotations

import email.policy
import re
from datetime import datetime

from imap_tools import MailMessage

from tests.support.mailservers import BERLIN, MailWorld, RunningMailBot, subject
from tests.support.patterns import search

SESSION = "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II"
CONCEPT = ("/konzept\nZielgruppen: Kinder und Familien\nProblemlagen: Sprachdefizite\n"
           "Ziele: Chancengleichheit beim Schulstart")


async def alerts(world: MailWorld, who: str, count: int) -> list[MailMessage]:
    """The session alerts (invitations) in a person's inbox, oldest first."""
    return await world.await_for(who, count, where=lambda m: any(
        p.get_content_type() == "text/calendar" for p in m.obj.walk()))


async def answer(world: MailWorld, who: str, words: str, count: int = 1) -> MailMessage:
    """The latest answer of the bot to `who` saying `words`."""
    return (await world.await_for(who, count, where=lambda m: words in m.text))[-1]


def session_record(bot: RunningMailBot) -> dict:
    [session] = [s for s in bot.core.export(bot.clock())["sessions"]
                 if s["status"] == "scheduled"]
    return session


def ics_of(message: MailMessage) -> str:
    [part] = [p for p in message.obj.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8").replace("\r\n ", "")


def outlook_reply(world: MailWorld, who: str, invitation: MailMessage, partstat: str, *,
                  verified: bool = True) -> None:
    """What Outlook sends when the invitation is accepted or declined in the calendar, with the
    receiving server's DMARC verdict on top (pass: the county's server vouches for the From)."""
    ics = ics_of(invitation)
    uid = search(r"^UID:(.+)$", ics, re.MULTILINE).group(1).strip()
    sequence = search(r"^SEQUENCE:(\d+)", ics, re.MULTILINE).group(1)
    address = world.address(who)
    word = {"ACCEPTED": "Angenommen", "DECLINED": "Abgelehnt"}[partstat]
    reply = "\r\n".join([
        "BEGIN:VCALENDAR", "METHOD:REPLY", "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0", "BEGIN:VEVENT",
        f'ATTENDEE;PARTSTAT={partstat};CN="Anna Meier":mailto:{address}', f"UID:{uid}",
        f"SEQUENCE:{sequence}", f"SUMMARY:{word}: Budget-II-Sitzung Sozialkonferenz Adendorf",
        "DTSTART;TZID=W. Europe Standard Time:20260312T183000", "END:VEVENT", "END:VCALENDAR",
        ""])
    message = world.compose(who, f"{word}: {subject(invitation)}", "", in_reply_to=invitation)
    message.add_alternative(reply, subtype="calendar", params={"method": "REPLY"})
    verdict = (f"Authentication-Results: {world.authserv_id};\r\n"
               f"\tdmarc={'pass' if verified else 'none'} header.from={world.domain}\r\n")
    world.deliver(verdict.encode() + message.as_bytes(policy=email.policy.SMTP),
                  mail_from=address)


async def test_accepting_and_declining_in_the_calendar_records_attendance_and_excuse(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", CONCEPT)
    mail_bot.say("sek-ade", SESSION)
    [invitation] = await alerts(mail_world, "kreis-1", 1)
    ics = ics_of(invitation)
    assert "RSVP=TRUE" in ics
    assert f"ORGANIZER;CN=Budget II Testkreis:mailto:{mail_world.bot}" in ics
    # a calendar answer the county's server cannot vouch for waits for the code (trust)
    outlook_reply(mail_world, "kreis-1", invitation, "ACCEPTED", verified=False)
    await answer(mail_world, "kreis-1", "Absender ist nicht bestätigt")
    await mail_bot.settled()
    assert session_record(mail_bot)["attended_by"] == []
    outlook_reply(mail_world, "kreis-1", invitation, "ACCEPTED")
    await answer(mail_world, "kreis-1", "Ihre Teilnahme an der Sitzung Adendorf am 12.03.2026")
    [deputy_invitation] = await alerts(mail_world, "kreis-2", 1)
    outlook_reply(mail_world, "kreis-2", deputy_invitation, "DECLINED")
    await answer(mail_world, "kreis-2", "Sie sind bei der Sitzung Adendorf am 12.03.2026")
    await mail_bot.settled()
    assert session_record(mail_bot)["attended_by"] == ["kreis-1"]
    record = mail_bot.core.store.session("ADE", datetime(2026, 3, 12).date())
    assert record is not None
    assert list(record.excused_by) == ["kreis-2"]


async def test_a_copied_line_and_a_plain_zusage_by_mail_are_understood(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", CONCEPT)
    mail_bot.say("sek-ade", SESSION)
    mail_bot.say("sek-ble", "/sitzung 19.03.2026 18:00 Ort Schule, Budget II")  # two sessions ahead
    invitations = await alerts(mail_world, "kreis-2", 2)
    [adendorf] = [m for m in invitations if "Adendorf" in subject(m)]
    quoted = "\n".join(f"> {line}" for line in adendorf.text.splitlines())
    mail_world.send("kreis-2", f"Re: {subject(adendorf)}",
                    f"Guten Tag,\n\n• Ich bin verhindert: /verhindert ADE 12.03.2026\n\n"
                    f"Viele Grüße\nB. Schulz\n\n{quoted}", in_reply_to=adendorf)
    await answer(mail_world, "kreis-2", "Sie sind bei der Sitzung Adendorf am 12.03.2026")
    [first] = [m for m in await alerts(mail_world, "kreis-1", 2) if "Adendorf" in subject(m)]
    mail_world.send("kreis-1", f"Re: {subject(first)}", "Zusage\n\nA. Meier", in_reply_to=first)
    await answer(mail_world, "kreis-1", "Ihre Teilnahme an der Sitzung Adendorf am 12.03.2026")
    await mail_bot.settled()
    record = mail_bot.core.store.session("ADE", datetime(2026, 3, 12).date())
    assert record is not None
    assert (list(record.attended_by), list(record.excused_by)) == (["kreis-1"], ["kreis-2"])


async def test_a_copied_buchen_line_by_mail_books(mail_bot: RunningMailBot,
                                                  mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", CONCEPT)
    mail_bot.say("kita@example.org", "/antrag\nSozialraum: Adendorf\nTräger: Kita\nTitel: Lesen\n"
            "Ausgangslage: a\nZielsetzung: b\nMaßnahme: c\nBetrag: 1.000 €")
    mail_bot.say("sek-ade", SESSION)
    mail_bot.say("kreis-1", "/anwesend ADE 12.03.2026")
    await mail_bot.settled()
    mail_bot.clock.value = datetime(2026, 3, 13, 9, 0, tzinfo=BERLIN)
    before = await mail_world.count("sek-ade")
    mail_world.send("sek-ade", "Beschlüsse", "/beschluss 12.03.2026\nADE-2026-001 bewilligt")
    preview = (await mail_world.await_for("sek-ade", before + 1))[-1]
    [line] = [ln for ln in preview.text.splitlines() if ln.startswith("• Buchen: /buchen ")]
    mail_world.send("sek-ade", f"Re: {subject(preview)}", f"{line}\n\nDanke", in_reply_to=preview)
    booked = (await mail_world.await_for("sek-ade", before + 2))[-1]
    assert "Gebucht" in booked.text
    await mail_bot.settled()
    assert [e["amount_cents"] for e in mail_bot.core.export(mail_bot.clock())["ledger"]
            if e["kind"] == "commitment"] == [100_000]


async def test_a_moved_session_s_mail_says_it_moved_and_from_when(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", CONCEPT)
    mail_bot.say("sek-ade", SESSION)
    [first] = await alerts(mail_world, "kreis-1", 1)
    mail_world.send("sek-ade", "Sitzung", "/sitzung 12.03.2026 verschoben auf 19.03.2026 19 Uhr")
    [_, moved] = await alerts(mail_world, "kreis-1", 2)
    assert subject(moved) == ("Verschoben: Budget-II-Sitzung Adendorf vom 12.03.2026, 18:30 Uhr "
                              "auf 19.03.2026, 19:00 Uhr")
    old, new = ics_of(first), ics_of(moved)
    uid = r"^UID:(.+)$"
    assert search(uid, old, re.MULTILINE).group(1) == search(uid, new, re.MULTILINE).group(1)
    assert "SEQUENCE:1" in new
    assert "DTSTART;TZID=Europe/Berlin:20260319T190000" in new
    assert "bisher: 12.03.2026, 18:30 Uhr" in moved.text
    assert "• Ich nehme teil: /anwesend ADE 19.03.2026" in moved.text
    # the calendar's answer to the new invitation counts for the new date
    outlook_reply(mail_world, "kreis-1", moved, "ACCEPTED")
    await answer(mail_world, "kreis-1", "Ihre Teilnahme an der Sitzung Adendorf am 19.03.2026")
