"""The whole bot by e-mail: people write to the bot's mailbox on a real Dovecot, the real e-mail
channel hands their mails to the real core, and its answers travel through a real SMTP server
back into their mailboxes, where the test reads them over IMAP as a mail program would."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from imap_tools import MailMessage

from tests.support.mailservers import (
    BERLIN,
    CORPUS_DIR,
    MailWorld,
    RunningMailBot,
    make_docx,
    subject,
)
from tests.support.patterns import search

CONCEPT = ("/konzept\nZielgruppen: Kinder und Familien\nProblemlagen: Sprachdefizite\n"
           "Ziele: Chancengleichheit beim Schulstart")
SKETCH_LINES = """Sozialraum: Adendorf
Einrichtung: Kita Sonnenschein
Projekttitel: Sprachförderung vor der Einschulung
Ausgangssituation: Viele Kinder sprechen zu Hause kaum Deutsch.
Ziele: Bessere Sprachkenntnisse vor der Einschulung.
Maßnahmen: Wöchentliche Sprachgruppe mit einer Fachkraft.
Kosten: 1.500,00 €"""
SKETCH = f"""Sehr geehrte Damen und Herren,

hier unsere Projektskizze:

{SKETCH_LINES}

Mit freundlichen Grüßen
Maria Muster"""


def header(message: MailMessage, name: str) -> str:
    values = message.headers.get(name.lower(), ("",))
    return " ".join(values[0].split())


def thread_of(message: MailMessage) -> str:
    return header(message, "In-Reply-To")


def message_id(mail: EmailMessage) -> str:
    return str(mail["Message-ID"])


def export(bot: RunningMailBot) -> dict:
    return bot.core.export(bot.clock())


def application(bot: RunningMailBot, number: str) -> dict:
    return next(a for a in export(bot)["applications"] if a["number"] == number)


# -- sketches -----------------------------------------------------------------------------------


async def test_sketch_in_the_body_is_answered_in_its_thread(mail_bot: RunningMailBot,
                                                            mail_world: MailWorld) -> None:
    sent = mail_world.send("kita", "Projektskizze Sprachförderung", SKETCH)
    [answer] = await mail_world.await_for("kita", 1)
    assert answer.from_ == mail_world.bot
    assert subject(answer) == "Re: Projektskizze Sprachförderung [ADE-2026-001]"
    assert thread_of(answer) == message_id(sent)
    assert message_id(sent) in header(answer, "References")
    assert header(answer, "Auto-Submitted") == "auto-replied"
    assert "Vielen Dank! Ihr Antrag ist eingegangen." in answer.text
    assert "Beantragt: 1.500,00 €" in answer.text
    await mail_bot.settled()
    assert application(mail_bot, "ADE-2026-001")["requested_cents"] == 150_000
    [handled] = mail_world.messages("bot", "Verarbeitet")
    assert header(handled, "Message-ID") == message_id(sent)
    assert answer.text.startswith("Guten Tag,")
    assert "Mit freundlichen Grüßen\r\nLandkreis Lüneburg" in answer.text
    [notice] = await mail_world.await_for("sek-ade", 1)
    assert "Neuer Antrag für Adendorf" in notice.text
    assert mail_bot.channel.stats.idle_rounds >= 1  # Dovecot offers IDLE: the bot waited with it
    # her own thread with its own subject, not the applicant's conversation she never saw
    assert subject(notice) == "Neuer Antrag für Adendorf [ADE-2026-001]"
    assert thread_of(notice) == ""
    assert "Ausgangslage: Viele Kinder sprechen zu Hause kaum Deutsch." in notice.text
    assert "Mit freundlichen Grüßen" in notice.text


async def test_html_only_sketch_in_iso_8859_1(mail_bot: RunningMailBot,
                                              mail_world: MailWorld) -> None:
    raw = (CORPUS_DIR / "outlook_html_latin1.eml").read_bytes()
    raw = raw.replace(b"Foerderverein@Grundschule-Bleckede.example",
                      mail_world.address("schule").encode())
    mail_world.deliver(raw, mail_from=mail_world.address("schule"))
    [answer] = await mail_world.await_for("schule", 1)
    assert subject(answer) == "Re: Projektskizze Lesepaten Förderverein [BLE-2026-001]"
    assert "Förderverein Grundschule Bleckede e.V." in answer.text
    assert "Beantragt: 2.400,00 €" in answer.text
    await mail_bot.settled()
    record = application(mail_bot, "BLE-2026-001")
    assert record["title"] == "Lesepaten für Grundschüler"
    assert record["status"] == "submitted"


def _send_docx_sketch_without_text(mail_world: MailWorld) -> None:
    """The verein's sketch as a Word file, the mail itself empty."""
    docx = make_docx(["Projektskizze", "Sozialraum: Ilmenau", "Antragsteller: SV Melbeck"],
                     [("Projekttitel", "Schwimmkurs für Grundschüler"),
                      ("Ausgangssituation", "Viele Kinder können nicht schwimmen."),
                      ("Ziele", "Alle Kinder der Klasse 3 schwimmen."),
                      ("Maßnahmen", "Kurs im Freibad, zehn Termine."),
                      ("Beantragter Betrag", "1.800 €")])
    message = mail_world.compose("verein", "Antrag", None)
    message.set_content("")
    message.add_attachment(docx, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename="Projektskizze Schwimmkurs.docx")
    mail_world.deliver(message, mail_from=mail_world.address("verein"))


async def test_docx_sketch_without_any_text_in_the_mail(mail_bot: RunningMailBot,
                                                       mail_world: MailWorld) -> None:
    _send_docx_sketch_without_text(mail_world)
    [answer] = await mail_world.await_for("verein", 1)
    assert "[ILM-2026-001]" in subject(answer)
    assert "Beantragt: 1.800,00 €" in answer.text
    await mail_bot.settled()
    assert application(mail_bot, "ILM-2026-001")["applicant"] == "SV Melbeck"


async def test_a_senders_mails_arriving_together_are_read_in_her_order(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    """The next mail of a sender is read while the one before is still being handled, but the
    core takes them in the order they came: her question right after a .docx sketch (read in a
    child process, far slower than the question) knows that sketch."""
    _send_docx_sketch_without_text(mail_world)
    mail_world.send("verein", "Unsere Anträge", "/antraege")
    answers = await mail_world.await_for("verein", 2)
    [listing] = [a for a in answers if subject(a).startswith("Re: Unsere Anträge")]
    assert "ILM-2026-001" in listing.text
    assert "keine Anträge" not in listing.text


async def test_incomplete_sketch_is_completed_by_a_reply(mail_bot: RunningMailBot,
                                                         mail_world: MailWorld) -> None:
    mail_world.send("kita", "Projektskizze", SKETCH.replace("Kosten: 1.500,00 €\n", ""))
    [first] = await mail_world.await_for("kita", 1)
    assert "[ADE-2026-001]" in subject(first)
    assert "noch nicht vollständig" in first.text
    assert "Es fehlt noch: Betrag." in first.text
    quoted = "\n".join("> " + line for line in first.text.splitlines())
    mail_world.send("kita", "Re: " + subject(first), "Der Betrag ist 1.200 €:\n\nBetrag: 1.200 €"
                    f"\n\nAm 02.02.2026 schrieb Budget II:\n{quoted}", in_reply_to=first)
    [_, second] = await mail_world.await_for("kita", 2)
    assert "Ihr Antrag ist jetzt vollständig." in second.text
    assert "Beantragt: 1.200,00 €" in second.text
    assert subject(second) == subject(first)  # "Re:" once, same number
    await mail_bot.settled()
    record = application(mail_bot, "ADE-2026-001")
    assert (record["status"], record["requested_cents"]) == ("submitted", 120_000)
    assert len(export(mail_bot)["applications"]) == 1


# -- decisions by e-mail ------------------------------------------------------------------------

DECISION = ("/beschluss 12.03.2026\n"
            "ADE-2026-001 bewilligt 1.500 € (ja 7, nein 0, enthaltung 1)")


async def _scene_for_decisions(bot: RunningMailBot, mail_world: MailWorld) -> None:
    """A concept, a sketch mailed by the Kita, a Budget II session attended by the county."""
    bot.say("sek-ade", CONCEPT)
    mail_world.send("kita", "Projektskizze", SKETCH)
    await mail_world.await_for("kita", 1)
    bot.say("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II")
    bot.say("kreis-1", "/anwesend ADE 12.03.2026")
    await bot.settled()
    bot.clock.value = datetime(2026, 3, 13, 9, 0, tzinfo=BERLIN)  # the morning after the session


def commitments(bot: RunningMailBot) -> list[dict]:
    return [e for e in export(bot)["ledger"] if e["kind"] == "commitment"]


async def test_forged_secretary_decision_books_nothing_and_the_code_goes_to_her(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    await _scene_for_decisions(mail_bot, mail_world)
    before = await mail_world.count("sek-ade")
    secretary = mail_world.address("sek-ade")
    forged = mail_world.compose("faelscher", "Beschlüsse", DECISION, from_header=secretary)
    mail_world.deliver(forged, mail_from=mail_world.address("faelscher"))
    answers = await mail_world.await_for("sek-ade", before + 1)
    request = answers[-1]
    assert "Vielleicht haben Sie sie nicht selbst gesendet" in request.text
    assert "Noch ist nichts gebucht" not in request.text
    code = search(r"/freigeben ([A-Z0-9]{8})", request.text).group(1)
    assert f"(Code {code})" in subject(request)
    guess = mail_world.compose("faelscher", "buchen", "/freigeben ABCDEFGH",
                               from_header=secretary)
    mail_world.deliver(guess, mail_from=mail_world.address("faelscher"))
    refusal = (await mail_world.await_for("sek-ade", before + 2))[-1]
    assert "Den Code „ABCDEFGH“ finde ich nicht" in refusal.text
    await mail_bot.settled()
    assert mail_world.messages("faelscher") == []
    assert commitments(mail_bot) == []
    assert application(mail_bot, "ADE-2026-001")["status"] == "submitted"
    # only the secretary, who reads her own mailbox, can let it run: then the preview comes
    mail_world.send("sek-ade", "Re: Ihre Anfrage", f"/freigeben {code}")
    preview = (await mail_world.await_for("sek-ade", before + 3))[-1]
    assert "Noch ist nichts gebucht" in preview.text
    assert commitments(mail_bot) == []


async def test_the_morning_after_a_secretary_mails_the_results_without_command_or_date(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    await _scene_for_decisions(mail_bot, mail_world)
    before = await mail_world.count("sek-ade")
    mail_world.send("sek-ade", "Ergebnisse von gestern", "Hallo,\n\nADE-2026-001 bewilligt "
                    "1.500 € (ja 7, nein 0, enthaltung 1)\n\nViele Grüße\nSek")
    preview = (await mail_world.await_for("sek-ade", before + 1))[-1]
    assert "Beschlüsse der Sitzung Adendorf am 12.03.2026:" in preview.text
    assert "Zu binden: 1.500,00 €" in preview.text
    assert commitments(mail_bot) == []


async def test_real_secretary_decision_is_booked_by_answering_with_the_code(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    await _scene_for_decisions(mail_bot, mail_world)
    [sketch_reply] = mail_world.messages("kita")
    before = await mail_world.count("sek-ade")
    mail_world.send("sek-ade", "Beschlüsse der Sitzung", DECISION + "\n\nViele Grüße\nSek")
    preview = (await mail_world.await_for("sek-ade", before + 1))[-1]
    assert "Zu binden: 1.500,00 €" in preview.text
    assert "• Buchen: /buchen " in preview.text
    assert commitments(mail_bot) == []
    mail_world.send("sek-ade", "Re: " + subject(preview), "buchen\n\n> " + preview.text[:40],
                    in_reply_to=preview)
    booked = (await mail_world.await_for("sek-ade", before + 2))[-1]
    assert "Gebucht: die Beschlüsse der Sitzung am 12.03.2026 (1)" in booked.text
    assert thread_of(booked) == header(mail_world.messages("bot", "Verarbeitet")[-1],
                                       "Message-ID")
    [entry] = commitments(mail_bot)
    assert (entry["application"], entry["amount_cents"]) == ("ADE-2026-001", 150_000)
    # the applicant hears of it in the thread of her sketch
    [_, decision] = await mail_world.await_for("kita", 2)
    assert "bewilligt: 1.500,00 €" in decision.text
    assert thread_of(decision) == header(sketch_reply, "Message-ID")


async def test_a_known_person_asks_with_the_subject_only(mail_bot: RunningMailBot,
                                                        mail_world: MailWorld) -> None:
    mail_world.send("sek-ade", "saldo", "")
    [answer] = await mail_world.await_for("sek-ade", 1)
    assert "Adendorf" in answer.text
    assert "10.000,00 €" in answer.text
    mail_world.send("kita", "saldo", "")
    [refused] = await mail_world.await_for("kita", 1)
    assert "keine Projektskizze für Budget II erkannt" in refused.text
    assert "Ausgangslage: …" in refused.text  # the form to fill in


# -- the county's calendar ----------------------------------------------------------------------


def calendar(message: MailMessage) -> str:
    """The invitation of a mail, checked to be there twice: as the calendar alternative a mail
    program shows as an invitation (with its method), and as the .ics file."""
    [ics] = [a for a in message.attachments if a.filename == "sitzung.ics"]
    assert ics.content_type == "application/ics"
    text = ics.payload.decode("utf-8")
    [part] = [p for p in message.obj.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.decode("utf-8") == text
    assert f"METHOD:{part.get_param('method')}\r\n" in text
    return text.replace("\r\n ", "")


async def test_session_invitations_reach_both_representatives_and_follow_changes(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_world.send("sek-ade", "Sitzung", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II")
    invitations = {who: (await mail_world.await_for(who, 1))[0] for who in ("kreis-1", "kreis-2")}
    uids = set()
    for who, invitation in invitations.items():
        ics = calendar(invitation)
        assert "METHOD:REQUEST" in ics
        assert "SEQUENCE:0" in ics
        assert "DTSTART;TZID=Europe/Berlin:20260312T183000" in ics
        assert "ATTENDEE;CN=" in ics
        assert f"mailto:{mail_world.address(who)}" in ics
        assert "• Ich nehme teil: /anwesend ADE 12.03.2026" in invitation.text
        uids.add(search(r"UID:(\S+)", ics).group(1))
    assert len(uids) == 1
    mail_world.send("sek-ade", "Sitzung", "/sitzung 12.03.2026 19:00 Ort Rathaus, Budget II")
    mail_world.send("sek-ade", "Sitzung", "/sitzung 12.03.2026 abgesagt")
    for who in ("kreis-1", "kreis-2"):
        _, moved, cancelled = await mail_world.await_for(who, 3)
        moved_ics, cancel_ics = calendar(moved), calendar(cancelled)
        assert "SEQUENCE:1" in moved_ics
        assert "T190000" in moved_ics
        assert "METHOD:CANCEL" in cancel_ics
        assert "SEQUENCE:2" in cancel_ics
        assert subject(cancelled).startswith("Abgesagt: ")
        assert {search(r"UID:(\S+)", t).group(1)
                for t in (moved_ics, cancel_ics)} == uids


async def test_a_report_arrives_as_an_attachment(mail_bot: RunningMailBot,
                                                 mail_world: MailWorld) -> None:
    mail_world.send("kreis-1", "Bericht", "/bericht 2026 pdf")
    [answer] = await mail_world.await_for("kreis-1", 1)
    [report] = [a for a in answer.attachments if a.content_type == "application/pdf"]
    assert report.filename.endswith(".pdf")
    assert report.payload.startswith(b"%PDF")
