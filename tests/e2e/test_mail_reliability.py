"""Nothing lost, nothing twice, no loops: the e-mail channel while its servers misbehave and
while auto-responders and bounces write to it. Real Dovecot, real SMTP, the real core."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.support.mailservers import (
    CORPUS_DIR,
    MailWorld,
    RunningMailBot,
    subject,
    write_mail_config,
)

MAX_REFUSALS = 3


def sketch(title: str, amount: str = "900 €") -> str:
    return (f"Sozialraum: Adendorf\nTräger: Verein {title}\nTitel: {title}\n"
            "Ausgangslage: Es fehlt ein Angebot.\nZielsetzung: Ein Angebot.\n"
            f"Maßnahme: Wöchentliche Treffen.\nBetrag: {amount}")


@pytest.fixture
async def mail_bot(tmp_path: Path, mail_world: MailWorld) -> AsyncIterator[RunningMailBot]:
    config = write_mail_config(tmp_path, mail_world, max_refusals_per_hour=MAX_REFUSALS,
                               max_mail_mb=0.05)
    running = await RunningMailBot(config, mail_world).start()
    try:
        yield running
    finally:
        await running.stop()


async def until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited in vain for: {what}")
        await asyncio.sleep(0.02)


def answers_by_thread(world: MailWorld, *people: str) -> Counter[str]:
    """How many answers each original mail got (by the answer's In-Reply-To)."""
    counted: Counter[str] = Counter()
    for who in people:
        for message in world.messages(who):
            counted[message.headers.get("in-reply-to", ("",))[0].strip()] += 1
    return counted


# -- SMTP ---------------------------------------------------------------------------------------


async def test_smtp_away_then_back_every_answer_arrives_exactly_once(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    relay = mail_world.relay
    relay.refuse()
    people = ["kita", "verein", "schule"] * 2
    sent = [mail_world.send(who, f"Skizze {i}", sketch(f"Projekt {i}"))
            for i, who in enumerate(people)]
    await mail_bot.settled(sent=False)  # all handled; the answers wait in the queue
    assert len(mail_bot.channel.state.pending()) == 6 + 6  # replies, and notices to the secretary
    failures = mail_bot.channel.stats.send_failures
    await until(lambda: mail_bot.channel.stats.send_failures >= failures + 3, "three refused tries")
    relay.accept()
    relay.fail_with("421 4.3.2 Service not available, try again later")
    attempts = relay.handler.attempts
    await until(lambda: relay.handler.attempts >= attempts + 2, "two 421 answers")
    assert relay.deliveries == []
    relay.recover()
    await mail_bot.settled()
    assert answers_by_thread(mail_world, "kita", "verein", "schule") == Counter(
        {str(m["Message-ID"]): 1 for m in sent})
    assert len(mail_world.messages("sek-ade")) == 6
    ids = [d.message_id for d in relay.deliveries]
    assert len(ids) == len(set(ids)) == 12
    # a restart sends nothing again
    await mail_bot.restart()
    await mail_bot.settled()
    assert [d.message_id for d in relay.deliveries] == ids


async def test_a_mail_the_server_refuses_for_good_is_set_aside_and_the_rest_goes_out(
        mail_bot: RunningMailBot, mail_world: MailWorld, tmp_path: Path) -> None:
    ghost = f"gibtsnicht@{mail_world.domain}"  # no such mailbox: the relay answers 550
    mail_world.deliver(mail_world.compose("kita", "Frage", "/hilfe", from_header=ghost),
                       mail_from=ghost)
    mail_world.send("kita", "Frage", "/hilfe")
    await mail_bot.settled()
    [answer] = mail_world.messages("kita")
    assert "/antrag" in answer.text
    [failed] = list((tmp_path / "data" / "mail" / "failed").glob("*.eml"))
    reason = failed.with_name(failed.stem + ".reason.txt").read_text(encoding="utf-8")
    assert "550" in reason
    assert ghost in failed.read_text(encoding="ascii")


# -- IMAP ---------------------------------------------------------------------------------------


async def test_imap_connection_cut_mid_batch_and_while_idle(mail_bot: RunningMailBot,
                                                            mail_world: MailWorld) -> None:
    mail_world.send("kita", "Hallo", "/hilfe")
    await mail_world.await_for("kita", 1)
    connects = mail_bot.channel.stats.imap_connects
    senders = [mail_world.address(f"absender{i % 10}@{mail_world.domain}") for i in range(30)]
    sent = [mail_world.send(who, f"Skizze {i}", sketch(f"Vorhaben {i}"))
            for i, who in enumerate(senders)]
    await mail_world.await_for("bot", 3, "Verarbeitet")
    mail_world.dovecot.kick(mail_world.bot)
    await mail_bot.settled()
    mail_world.dovecot.kick(mail_world.bot)  # now while the bot waits in IDLE
    late = mail_world.send("verein", "Hallo", "/hilfe")
    await mail_world.await_for("verein", 1)
    await mail_bot.settled()
    assert mail_bot.channel.stats.imap_connects >= connects + 2
    threads = answers_by_thread(mail_world, *{f"absender{i}@{mail_world.domain}"
                                              for i in range(10)})
    assert threads == Counter({str(m["Message-ID"]): 1 for m in sent})
    assert len(mail_world.messages("bot", "Verarbeitet")) == 32
    assert len(mail_bot.core.export(mail_bot.clock())["applications"]) == 30
    assert late["Message-ID"] in answers_by_thread(mail_world, "verein")


# -- loops --------------------------------------------------------------------------------------


async def test_auto_replies_and_bounces_get_no_answer_and_are_set_aside_with_the_reason(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_world.send("kita", "Frage", "Wie ist der Stand?")
    [answer] = await mail_world.await_for("kita", 1)
    mail_world.send("kita", "Automatische Antwort: " + subject(answer), "Ich bin im Urlaub.",
                    in_reply_to=answer, headers={"Auto-Submitted": "auto-replied"})
    bounce = (CORPUS_DIR / "bounce_dsn.eml").read_bytes().replace(
        b"budget2@landkreis.example", mail_world.bot.encode())
    mail_world.deliver(bounce, mail_from="")
    mail_world.send("verein", "Re: Ihre Nachricht", "Danke!",
                    from_header=f"Budget II <{mail_world.bot}>")  # a mail from our own address
    await mail_bot.settled()
    assert len(mail_world.messages("kita")) == 1
    assert mail_world.messages("verein") == []
    set_aside = mail_world.messages("bot", "Nicht verarbeitet")
    notes = [m for m in set_aside if m.subject.startswith("Nicht verarbeitet: ")]
    assert len(set_aside) == 6
    assert len(notes) == 3
    reasons = sorted(m.text.split("Grund: ", 1)[1].split("\r\n", 1)[0] for m in notes)
    assert reasons == ["Mail von der eigenen Adresse des Bots",
                       "automatisch erzeugt (Auto-Submitted: auto-replied)",
                       "automatisch erzeugt (Auto-Submitted: auto-replied)"]


async def test_an_auto_responder_that_marks_nothing_is_stopped_after_a_few_answers(
        mail_bot: RunningMailBot, mail_world: MailWorld) -> None:
    mail_world.send("urlaub", "Hallo", "Hallo?")
    answered = 0
    for _ in range(2 * MAX_REFUSALS + 2):  # it answers every mail of ours, the way a dumb one does
        await mail_bot.settled()
        inbox = mail_world.messages("urlaub")
        if len(inbox) == answered:
            break
        for message in inbox[answered:]:
            mail_world.send("urlaub", "Re: " + subject(message),
                            "Ich bin bis 20.02. im Urlaub.", in_reply_to=message)
        answered = len(inbox)
    assert len(mail_world.messages("urlaub")) == MAX_REFUSALS
    [note] = [m for m in mail_world.messages("bot", "Nicht verarbeitet")
              if m.subject.startswith("Nicht verarbeitet: ")]
    assert "Schutz vor Mail-Schleifen" in note.text


# -- size ---------------------------------------------------------------------------------------


async def test_an_oversized_mail_is_refused_politely_and_kept(mail_bot: RunningMailBot,
                                                             mail_world: MailWorld) -> None:
    message = mail_world.compose("schule", "Skizze mit Fotos", sketch("Schulgarten"))
    message.add_attachment(b"\xff" * 80_000, maintype="image", subtype="jpeg",
                           filename="garten.jpg")
    mail_world.deliver(message, mail_from=mail_world.address("schule"))
    [answer] = await mail_world.await_for("schule", 1)
    text = " ".join(answer.text.split())
    assert re.search(r"Ihre E-Mail ist mit 1\d\d KB zu groß; ich kann höchstens 51 KB annehmen",
                     text), text
    assert answer.headers["in-reply-to"][0].strip() == str(message["Message-ID"])
    await mail_bot.settled()
    kept = [m for m in mail_world.messages("bot", "Nicht verarbeitet")
            if m.headers["message-id"][0].strip() == str(message["Message-ID"])]
    assert len(kept) == 1
    assert kept[0].attachments[0].payload == b"\xff" * 80_000
    assert mail_bot.core.export(mail_bot.clock())["applications"] == []


async def test_with_idle_switched_off_the_bot_polls(tmp_path: Path,
                                                   mail_world: MailWorld) -> None:
    config = write_mail_config(tmp_path, mail_world, imap__idle=False, imap__poll_seconds=0.1)
    bot = await RunningMailBot(config, mail_world).start()
    try:
        for who in ("kita", "verein"):
            mail_world.send(who, "Hilfe", "/hilfe")
            await mail_world.await_for(who, 1)
        assert bot.channel.stats.idle_rounds == 0
    finally:
        await bot.stop()
