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
