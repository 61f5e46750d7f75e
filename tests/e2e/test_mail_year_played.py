"""People's own words by mail, where the answer depends on the mail it replies to: the secretary
answers the preview of the decisions with "Ja, bitte buchen.", an applicant answers the question
about her incomplete sketch with "dann eben genau: 1.180 Euro". Real Dovecot, the real e-mail
channel, the real core."""

from __future__ import annotations

from tests.support.mailservers import MailWorld, RunningMailBot

CONCEPT = ("/konzept\nZielgruppen: Kinder und Familien\nProblemlagen: Sprachdefizite\n"
           "Ziele: Chancengleichheit beim Schulstart")
SKETCH = ("Sozialraum: Adendorf\nTräger: TSV Adendorf\nTitel: Spielplatzfest\n"
          "Ausgangslage: Viele Familien kennen sich kaum.\nZielsetzung: Nachbarschaft.\n"
          "Maßnahme: Ein Fest am Spielplatz.\n")


async def test_the_secretary_answers_the_preview_mail_with_please_book(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", CONCEPT)
    number = mail_bot.say("tsv@example.org", SKETCH + "Betrag: 1.500 €").application_number
    mail_bot.say("sek-ade", "/sitzung 02.02.2026 10:00 Ort Rathaus, Budget II")
    mail_bot.say("kreis-1", "/anwesend ADE 02.02.2026")
    mail_world.send("sek-ade", "Sitzung heute", f"{number} bewilligt 1.200 € (7:0:0)\n\nGruß")
    [preview] = await mail_world.await_for("sek-ade", 1, where=lambda m: "/buchen" in m.text)
    mail_world.send("sek-ade", f"Re: {preview.subject}",
                    "Ja, bitte buchen.\n\nViele Grüße\nPetra Schröder", in_reply_to=preview)
    await mail_world.await_for("sek-ade", 1, where=lambda m: "Gebucht: die Beschlüsse" in m.text)
    [row] = [a for a in mail_bot.core.export(mail_bot.clock())["applications"]
             if a["number"] == number]
    assert row["approved_cents"] == 120_000


async def test_an_applicant_answers_the_question_about_her_sketch_in_words(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_world.send("tsv@example.org", "Antrag Spielplatzfest",
                    f"Sehr geehrte Damen und Herren,\n\n{SKETCH}Kosten: ca. 1.200 Euro\n\n"
                    "Mit freundlichen Grüßen\nMartina Schulz")
    [question] = await mail_world.await_for("tsv@example.org", 1,
                                            where=lambda m: "ohne „ca.“" in m.text)
    mail_world.send("tsv@example.org", f"AW: {question.subject}",
                    "Hallo,\n\ndann eben genau: 1.180 Euro.\n\nGruß M. Schulz",
                    in_reply_to=question)
    [lines] = await mail_world.await_for("tsv@example.org", 1,
                                         where=lambda m: "eingesetzt" in m.text)
    assert "\nBetrag: 1.180,00 €" in lines.text.replace("\r\n", "\n"), lines.text


OUT_OF_OFFICE = ("Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 20.03.2026 nicht im "
                 "Büro und habe keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden "
                 "Sie sich bitte an info@tsv-adendorf.de.\n\nMit freundlichen Grüßen\n"
                 "Martina Schulz\nTel. 04131 123456")


async def test_an_out_of_office_notice_without_its_headers_gets_no_answer_and_is_set_aside(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_world.send("urlaub@example.org", "Antrag Spielplatzfest", SKETCH + "Betrag: 1.500 €")
    [confirmation] = await mail_world.await_for("urlaub@example.org", 1)
    mail_world.send("urlaub@example.org", f"AW: {confirmation.subject}", OUT_OF_OFFICE,
                    in_reply_to=confirmation)  # a responder that marks nothing as automatic
    mail_world.send("urlaub@example.org", f"Re: {confirmation.subject} [Abwesenheitsnotiz]",
                    "Ich bin im Urlaub.", in_reply_to=confirmation)
    await mail_bot.settled()
    assert len(mail_world.messages("urlaub@example.org")) == 1  # the confirmation only
    notes = [m for m in mail_world.messages("bot", "Nicht verarbeitet")
             if m.subject.startswith("Nicht verarbeitet: ")]
    reasons = sorted(m.text.split("Grund: ", 1)[1].split("\r\n", 1)[0] for m in notes)
    assert reasons == ["automatische Antwort (Betreff)",
                       "nichts zu beantworten (Abwesenheitsnotiz)"], reasons


async def test_a_county_representatives_out_of_office_answering_the_alert_records_nothing(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", CONCEPT)
    mail_bot.say("sek-ade", "/sitzung 02.02.2026 10:00 Ort Rathaus, Budget II")
    [alert] = await mail_world.await_for("kreis-1", 1, where=lambda m: "02.02.2026" in m.text)
    await mail_bot.settled()
    before = len(mail_world.messages("kreis-1"))
    mail_world.send("kreis-1", f"AW: {alert.subject}",
                    "Ich bin bis zum 10.02. im Urlaub und ab dem 11.02. wieder im Büro.",
                    in_reply_to=alert)
    await mail_bot.settled()
    # before: recorded as "verhindert" (R9) and answered with "Vermerkt: Sie sind … verhindert"
    assert len(mail_world.messages("kreis-1")) == before
