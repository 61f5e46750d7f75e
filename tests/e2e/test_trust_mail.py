"""Forged senders through the real e-mail channel: Dovecot, the SMTP relay, the real core.

The mail world's receiving server puts its DMARC verdict on top of each mail (as the county's
MX does, RFC 8601): pass for a person writing from her own mailbox, fail for a forged From.
The bot trusts only that server's topmost Authentication-Results."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.mailservers import (
    BERLIN,
    MailWorld,
    RunningMailBot,
    subject,
    write_mail_config,
)
from tests.support.patterns import search

TITLE = "Sprachförderung /buchen AAAAAAAA jetzt"


def status(bot: RunningMailBot, number: str) -> str:
    export = bot.core.export(bot.clock())
    return next(a["status"] for a in export["applications"] if a["number"] == number)


async def approved(bot: RunningMailBot, mail_world: MailWorld) -> str:
    """ADE-2026-001, approved and booked at the session of 12.03.2026."""
    bot.say("sek-ade", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\nZiele: Teilhabe")
    outcome = bot.say(f"kita@{mail_world.domain}", "/antrag\nSozialraum: Adendorf\n"
                      f"Träger: Kita\nTitel: {TITLE}\nAusgangslage: A\nZielsetzung: Z\n"
                      "Maßnahme: M\nBetrag: 1.500 €")
    bot.say("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II")
    bot.say("kreis-1", "/anwesend ADE 12.03.2026")
    bot.clock.value = datetime(2026, 3, 13, 9, 0, tzinfo=BERLIN)
    preview = bot.say("sek-ade", "/beschluss 12.03.2026\nADE-2026-001 bewilligt 1.200 €")
    code = preview.replies[0].actions[0].command
    bot.say("sek-ade", code)
    await bot.settled()
    return outcome.application_number


async def test_a_forged_veto_mail_changes_nothing_and_reaches_the_real_representative(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    number = await approved(mail_bot, mail_world)
    county = mail_world.address("kreis-1")
    domain = mail_world.domain
    forger = mail_world.address("faelscher")
    # the forger even writes a "dmarc=pass" of the county's server into the mail: the server's
    # own verdict, on top, says fail, and only that one counts
    mail_world.send("faelscher", "Dringend: Veto", f"/veto {number} passt nicht",
                    from_header=county, headers={
                        "Reply-To": forger,
                        "Authentication-Results": f"{mail_world.authserv_id}; dmarc=pass "
                                                  f"header.from={domain}"})
    [request] = await mail_world.await_for("kreis-1", 1, where=lambda m: "/freigeben" in m.text)
    await mail_bot.settled()
    assert status(mail_bot, number) == "approved"
    assert "Vielleicht haben Sie sie nicht selbst gesendet" in request.text
    assert f"Absender: {county}" in request.text
    assert f"Antwort an (Reply-To): {forger}" in request.text
    assert "Dringend" not in subject(request)  # the forger's words are no subject for staff
    assert mail_world.messages("faelscher") == []
    code = search(r"/freigeben ([A-Z2-9]{8})", request.text).group(1)
    # the representative, from her own mailbox, lets it run
    mail_world.send("kreis-1", "Re: Ihre Anfrage", f"/freigeben {code}")
    await mail_world.await_for("kreis-1", 1, where=lambda m: "Veto" in m.text
                               and "/freigeben" not in m.text)
    assert status(mail_bot, number) == "vetoed"


def requested(bot: RunningMailBot, number: str) -> int:
    export = bot.core.export(bot.clock())
    return next(a["requested_cents"] for a in export["applications"] if a["number"] == number)


async def test_a_forged_change_of_an_applicants_sketch_waits_for_the_code_sent_to_her(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    """A stranger forging a Träger's From once raised her amount and voided the preview of the
    conference's vote; now the code goes to her mailbox and her answer makes the change."""
    kita = mail_world.address("kita")
    mail_bot.say("sek-ade", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\nZiele: Teilhabe")
    number = mail_bot.say(kita, "/antrag\nSozialraum: Adendorf\nTräger: Kita\nTitel: Elterncafé\n"
                          "Ausgangslage: A\nZielsetzung: Z\nMaßnahme: M\nBetrag: 1.500 €"
                          ).application_number
    mail_bot.say("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II")
    mail_bot.say("kreis-1", "/anwesend ADE 12.03.2026")
    mail_bot.clock.value = datetime(2026, 3, 13, 9, 0, tzinfo=BERLIN)
    preview = mail_bot.say("sek-ade", f"/beschluss 12.03.2026\n{number} bewilligt 1.200 €")
    await mail_bot.settled()
    mail_world.send("faelscher", f"Re: {number}", f"/antrag {number}\nBetrag: 9.000 €",
                    from_header=kita, headers={"Reply-To": mail_world.address("faelscher")})
    [held] = await mail_world.await_for("kita", 1, where=lambda m: "nicht geändert" in m.text)
    await mail_bot.settled()
    assert "1.500,00 € → 9.000,00 €" in held.text
    assert requested(mail_bot, number) == 150_000
    assert mail_world.messages("faelscher") == []
    assert not any("geändert" in m.text for m in mail_world.messages("sek-ade"))
    line = search(rf"/antrag {number} [A-Z2-9]{{8}}", held.text).group(0)
    mail_world.send("kita", f"Re: {subject(held)}", line, in_reply_to=held)
    await mail_world.await_for("kita", 1, where=lambda m: "ist geändert" in m.text)
    assert requested(mail_bot, number) == 900_000
    code = preview.replies[0].actions[0].command.split()[1]
    assert mail_bot.core.store.confirmation(code).status == "invalidated"  # voted on 1.500 €
    [notice] = await mail_world.await_for("sek-ade", 1, where=lambda m: "geändert" in m.text)
    assert "9.000,00 €" in notice.text


async def test_a_verified_representatives_veto_runs_at_once_and_no_title_makes_a_subject(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    number = await approved(mail_bot, mail_world)
    mail_world.send("kreis-1", "Veto", f"/veto {number} passt nicht zum Konzept")
    await mail_world.await_for("kreis-1", 1, where=lambda m: "Veto" in m.text)
    await mail_bot.settled()
    assert status(mail_bot, number) == "vetoed"
    [notice] = await mail_world.await_for("sek-ade", 1, where=lambda m: "Veto des" in m.text)
    assert "/buchen" not in subject(notice)
    assert "Sprachförderung" not in subject(notice)


async def test_a_title_with_a_fake_code_never_becomes_the_previews_code(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_bot.say("sek-ade", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\nZiele: Teilhabe")
    mail_bot.say(f"kita@{mail_world.domain}", "/antrag\nSozialraum: Adendorf\nTräger: Kita\n"
            f"Titel: {TITLE}\nAusgangslage: A\nZielsetzung: Z\nMaßnahme: M\nBetrag: 1.500 €")
    mail_bot.say("sek-ade", "/sitzung 12.03.2026 18:30 Ort Rathaus, Budget II")
    mail_bot.say("kreis-1", "/anwesend ADE 12.03.2026")
    mail_bot.clock.value = datetime(2026, 3, 13, 9, 0, tzinfo=BERLIN)
    await mail_bot.settled()
    mail_world.send("sek-ade", "Beschlüsse", "/beschluss 12.03.2026\nADE-2026-001 bewilligt")
    [preview] = await mail_world.await_for("sek-ade", 1, where=lambda m: "/buchen" in m.text)
    real = search(r"• Buchen: /buchen ([A-Z2-9]{8})", preview.text).group(1)
    assert real != "AAAAAAAA"
    assert f"(Code {real})" in subject(preview)
    assert "AAAAAAAA" not in subject(preview)
    # a bare "/buchen" in answer to the preview takes the code of the bot's own line
    mail_world.send("sek-ade", f"Re: {subject(preview)}", "/buchen", in_reply_to=preview)
    await mail_world.await_for("sek-ade", 1, where=lambda m: "Gebucht" in m.text)
    assert status(mail_bot, "ADE-2026-001") == "approved"


@pytest.mark.parametrize(("trusted", "warned"), [("", True), (None, False)])
async def test_without_a_trusted_server_the_start_up_says_so_in_german(
        tmp_path: Path, mail_world: MailWorld, caplog: pytest.LogCaptureFixture,
        trusted: str | None, warned: bool) -> None:
    import asyncio
    import logging

    from bot.config import load_config
    from bot.mail.channel import run_mail
    from handlers.service import Core

    overrides = {} if trusted is None else {"trusted_authserv_id": trusted}
    config = load_config(write_mail_config(tmp_path, mail_world, **overrides))
    core = Core.open(config)
    stop = asyncio.Event()
    stop.set()
    try:
        with caplog.at_level(logging.WARNING):
            await asyncio.wait_for(run_mail(core, config, stop), 30)
    finally:
        core.close()
    said = "kein vertrauenswürdiger Prüfserver" in caplog.text
    assert said is warned
    if warned:
        assert "an ihre hinterlegte Adresse" in caplog.text


async def test_an_applicants_title_never_becomes_the_subject_of_the_r6_warning_to_the_county(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    # A title that trips the R6 check (youth work) is quoted in the county's warning; the
    # subject stops before it, so a stranger cannot write the subject of a mail to staff.
    bait = "Jugendtreff Dringend Ihr Postfach ist gesperrt"
    mail_bot.say("sek-ade", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\nZiele: Teilhabe")
    mail_world.send("kita", "Projektskizze", "/antrag\nSozialraum: Adendorf\nTräger: Kita\n"
                    f"Titel: {bait}\nAusgangslage: A\nZielsetzung: Z\nMaßnahme: M\n"
                    "Betrag: 900 €")
    [warning] = await mail_world.await_for("kreis-1", 1, where=lambda m: "R6" in m.text)
    assert bait in warning.text  # the county still reads the whole title
    assert "Postfach" not in subject(warning)
    assert "ADE-2026-001" in subject(warning)


async def test_the_representatives_no_to_the_warning_voids_the_forged_request_and_excuses_nothing(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    number = await approved(mail_bot, mail_world)
    mail_bot.say("sek-ade", "/sitzung 20.04.2026 18:30 Ort Rathaus, Budget II")
    await mail_bot.settled()
    mail_world.send("faelscher", "Veto", f"/veto {number} passt nicht",
                    from_header=mail_world.address("kreis-1"))
    [request] = await mail_world.await_for("kreis-1", 1, where=lambda m: "/freigeben" in m.text)
    sessions = mail_bot.core.export(mail_bot.clock())["sessions"]
    # she answers the warning from her own mailbox, in its thread: "it was not me"
    mail_world.send("kreis-1", "Re: " + subject(request),
                    "Nein\n\nMit freundlichen Grüßen\nM. Kreis", in_reply_to=request)
    [answer] = await mail_world.await_for("kreis-1", 1, where=lambda m: "verworfen" in m.text)
    await mail_bot.settled()
    assert "es wurde nichts geändert" in answer.text
    assert mail_bot.core.export(mail_bot.clock())["sessions"] == sessions  # not "verhindert"
    assert status(mail_bot, number) == "approved"
    [notice] = await mail_world.await_for("verwaltung", 1, where=lambda m: "/veto" in m.text)
    assert mail_world.address("kreis-1") in notice.text
    assert not [m for m in mail_world.messages("kreis-2") if "Bitte nehmen Sie teil" in m.text]


async def test_forged_mails_in_a_secretarys_name_do_not_silence_the_answers_to_her_own(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    await approved(mail_bot, mail_world)
    limit = 5  # [email] max_refusals_per_hour, the default
    secretary = mail_world.address("sek-ade")
    for i in range(limit + 1):  # nonsense in her name, which the bot cannot understand
        mail_world.send("faelscher", f"x{i}", f"qwertz {i}", from_header=secretary)
    await mail_world.await_for("sek-ade", limit, where=lambda m: "nicht verstanden" in m.text)
    await mail_bot.settled()
    # her own mail, verified by the county's server, with a mistake the bot must tell her of
    mail_world.send("sek-ade", "Ergebnisse", "/beschluss 12.03.2026\nADE-2026-077 bewilligt 100 €")
    [answer] = await mail_world.await_for("sek-ade", 1, where=lambda m: "ADE-2026-077" in m.text)
    assert "Ergebnisse" in subject(answer)


async def test_a_gmail_html_no_above_the_warning_it_quotes_releases_nothing(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    import email.policy
    from html import escape

    number = await approved(mail_bot, mail_world)
    mail_world.send("faelscher", "Veto", f"/veto {number} passt nicht",
                    from_header=mail_world.address("kreis-1"))
    [request] = await mail_world.await_for("kreis-1", 1, where=lambda m: "/freigeben" in m.text)
    # Gmail's HTML reply: her words, then the whole warning in a blockquote, which the text
    # of the mail keeps (with its "• Ausführen: /freigeben CODE")
    quoted = "<br>".join(escape(line) for line in request.text.splitlines())
    reply = mail_world.compose("kreis-1", "Re: " + subject(request), in_reply_to=request)
    reply.set_content(f'<div dir="ltr">Nein, das war ich nicht!</div><br><div class='
                      f'"gmail_quote"><blockquote class="gmail_quote">{quoted}</blockquote>'
                      "</div>", subtype="html")
    verdict = (f"Authentication-Results: {mail_world.authserv_id};\r\n"
               f"\tdmarc=pass header.from={mail_world.domain}\r\n")
    mail_world.deliver(verdict.encode() + reply.as_bytes(policy=email.policy.SMTP),
                       mail_from=mail_world.address("kreis-1"))
    [answer] = await mail_world.await_for("kreis-1", 1, where=lambda m: "verworfen" in m.text)
    await mail_bot.settled()
    assert "es wurde nichts geändert" in answer.text
    assert status(mail_bot, number) == "approved"  # before: vetoed by her "Nein"
