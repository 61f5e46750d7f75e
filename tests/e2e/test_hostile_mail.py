"""Hostile and broken mails (tests/corpus/hostile_mail/*.eml, plus a few too large to keep
there) through the real e-mail channel: Dovecot, the SMTP relay, the real core.

Each mail is answered in German in its thread, or set aside in "Nicht verarbeitet" next to a
note with the reason (never "internal error"); none stops the channel; none books money; no
answer goes anywhere but to the sender on record; nobody is shown another person's data.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pytest
from imap_tools import MailMessage

from tests.support.mailservers import (
    BERLIN,
    Clock,
    MailWorld,
    RunningMailBot,
    make_docx,
    make_pdf,
    write_mail_config,
)
from tests.support.patterns import search

CORPUS = Path(__file__).parent.parent / "corpus" / "hostile_mail"
SECRET_TITLE = "GEHEIM Skatekurs am Deich"
GERMAN = re.compile(r"\b(Sie|Ihr\w*|[Bb]itte|nicht|nichts|kein\w*|ist|sind|darf|kann|wird|"
                    r"noch|für|und|der|die|das)\b")
LEAKS = ("Traceback", "Exception", "NoneType", "object at 0x", "Errno",
         "bei der Verarbeitung ist ein Fehler aufgetreten")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class HostileMail:
    name: str
    data: bytes


def _mail(name: str, body: str = "", attachment: tuple[bytes, str, str] | None = None
          ) -> HostileMail:
    message = EmailMessage()
    message["From"] = "absender7@example.org"
    message["To"] = "sozialbot@example.org"
    message["Subject"] = f"Projektskizze {name}"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<hostile-{name}@example.org>"
    message["X-Corpus"] = name
    message.set_content(body or "Unsere Skizze ist im Anhang.")
    if attachment:
        data, ctype, filename = attachment
        maintype, subtype = ctype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return HostileMail(name, message.as_bytes())


def nested(levels: int) -> HostileMail:
    """Multiparts inside multiparts: Python's parser recursed until RecursionError."""
    name = f"mime-nested-{levels}-levels"
    head = (f"From: absender14@example.org\r\nTo: sozialbot@example.org\r\n"
            f"Subject: Projektskizze {name}\r\nX-Corpus: {name}\r\n"
            f"Message-ID: <hostile-{name}@example.org>\r\nMIME-Version: 1.0\r\n")
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
                      for i in range(levels))
    closing = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(levels)))
    text = "Content-Type: text/plain\r\n\r\nTitel: tief verschachtelt\r\n"
    return HostileMail(name, (head + opening + text + closing).encode())


def generated() -> list[HostileMail]:
    """Mails too large to keep in the repository."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 200_000_000)
    sketch = ("Sozialraum: Adendorf\nTräger: Verein L\nTitel: Lang\nAusgangslage: A\n"
              "Zielsetzung: Z\nMaßnahme: M\nBetrag: 500 €\n")
    return [
        nested(2000),
        _mail("attach-20mb", attachment=(b"\x89PNG" + b"\0" * 20_000_000, "image/png",
                                         "foto.png")),
        _mail("attach-docx-zip-bomb", attachment=(bomb.getvalue(), DOCX, "skizze.docx")),
        _mail("attach-6mb-pdf", attachment=(make_pdf(["Titel: X"]) + b"\n%" + b"x" * 6_000_000,
                                            "application/pdf", "skizze.pdf")),
        _mail("attach-docx-10000-paragraphs", attachment=(
            make_docx([f"Absatz {i}: Text" for i in range(10_000)]), DOCX, "lang.docx")),
        _mail("sketch-10000-lines", sketch + "\n".join(f"Zeile {i}" for i in range(10_000))),
        _mail("body-5mb", sketch + "x" * 5_000_000),
    ]


def corpus() -> list[HostileMail]:
    stored = [HostileMail(p.stem, p.read_bytes()) for p in sorted(CORPUS.glob("*.eml"))]
    return stored + generated()


@pytest.fixture
async def mail_bot(tmp_path: Path, mail_world: MailWorld) -> AsyncIterator[RunningMailBot]:
    clock = Clock(datetime(2026, 3, 13, 12, 0, tzinfo=BERLIN))
    running = await RunningMailBot(write_mail_config(tmp_path, mail_world), mail_world,
                                   clock).start()
    try:
        yield running
    finally:
        await running.stop()


def corpus_name(message: MailMessage) -> str:
    return message.headers.get("x-corpus", ("",))[0].strip()


def assert_clear_german(name: str, text: str) -> None:
    assert text.strip(), f"{name}: an empty answer"
    assert GERMAN.search(text), f"{name}: not German: {text[:300]!r}"
    for leak in LEAKS:
        assert leak not in text, f"{name}: {leak!r} in the answer: {text[:300]!r}"


async def test_every_hostile_mail_is_answered_or_set_aside_with_its_reason(
        mail_bot: RunningMailBot, mail_world: MailWorld, tmp_path: Path) -> None:
    mail_bot.say("sek-ade", "/konzept\nZielgruppen: Kinder\nProblemlagen: Armut\nZiele: Teilhabe")
    mail_bot.say(f"kita@{mail_world.domain}", "/antrag\nSozialraum: Adendorf\nTräger: Kita\n"
            "Titel: Lesen\nAusgangslage: A\nZielsetzung: Z\nMaßnahme: M\nBetrag: 1.500 €")
    mail_bot.say(f"verein@{mail_world.domain}", f"/antrag\nSozialraum: Bleckede\nTräger: Verein\n"
            f"Titel: {SECRET_TITLE}\nAusgangslage: A\nZielsetzung: Z\nMaßnahme: M\nBetrag: 777 €")
    mails = corpus()
    domain = f"@{mail_world.domain}".encode()
    for mail in mails:
        mail_world.deliver(mail.data.replace(b"@example.org", domain),
                           mail_from=f"absender0@{mail_world.domain}")
    await mail_bot.settled(timeout=240)

    names = {m.name for m in mails}
    set_aside = mail_world.messages("bot", "Nicht verarbeitet")
    quarantined = {corpus_name(m) for m in set_aside} & names
    notes = [m for m in set_aside if m.subject.startswith("Nicht verarbeitet")]
    reasons = [search(r"Grund: (.+)", m.text).group(1) for m in notes]
    answers: dict[str, list[MailMessage]] = {}
    people = [f"absender{i}@{mail_world.domain}" for i in range(20)] + [
        f"{who}@{mail_world.domain}" for who in ("sek-ade", "sek-ble", "kreis-1", "kreis-2",
                                                 "verwaltung", "boese")] + ["bot"]
    for who in people:
        for message in mail_world.messages(who):
            parent = message.headers.get("in-reply-to", ("",))[0].strip()
            match = re.fullmatch(r"<hostile-(.+)@.+>", parent)
            # A forged Message-ID cannot thread the answer; its subject still names the mail.
            titled = re.search(r"Projektskizze (\S+)", message.subject)
            name = match.group(1) if match else titled.group(1) if titled else ""
            if name in names:
                answers.setdefault(name, []).append(message)
    # An answer no SMTP server takes (to a raw UTF-8 address) is kept in failed/ with why.
    undeliverable = {}
    for kept in (tmp_path / "data" / "mail" / "failed").glob("*.eml"):
        replied = re.search(rb"^In-Reply-To: <hostile-(.+)@.+>", kept.read_bytes(), re.MULTILINE)
        if replied:
            reason = kept.with_name(kept.stem + ".reason.txt").read_text(encoding="utf-8")
            undeliverable[replied.group(1).decode()] = reason
    ledger = mail_bot.core.export(mail_bot.clock())["ledger"]
    outside = {r for d in mail_world.relay.deliveries for r in d.rcpt_tos
               if not r.endswith(mail_world.domain)}

    assert len(mails) > 50
    unhandled = names - quarantined - set(answers) - set(undeliverable)
    assert unhandled == set(), f"neither answered nor set aside: {sorted(unhandled)}"
    assert len(notes) >= len(quarantined), "every mail set aside has its note"
    assert all(reason.strip() for reason in reasons)
    assert not [m.subject for m in notes if "Projektskizze" in m.subject], \
        "a stranger's subject became the subject of a note to staff"
    assert [r for r in reasons if "interner Fehler" in r or "Versuchen" in r] == [], reasons
    assert set(undeliverable) == {"charset-raw-utf8-from"}, undeliverable
    assert "nicht sendbar" in undeliverable["charset-raw-utf8-from"]
    for name, replies in answers.items():
        for reply in replies:
            assert_clear_german(name, reply.text)
            assert SECRET_TITLE not in reply.text, f"{name}: shows another person's sketch"
    assert [e for e in ledger if e["kind"] == "commitment"] == [], "no mail books money"
    [filed] = answers["inject-bidi-and-control-characters"]
    assert "Sprachförderung 00,005.1" in filed.text  # filed, without its invisible characters
    assert not re.search("[\x00-\x08\x1b\x7f\u202a-\u202e\u2066-\u2069\ufeff]", filed.text)
    for name in names:
        if name.startswith("command-forged-") and name in answers:  # a person's, unverified
            assert all("/freigeben" in r.text or "finde ich nicht" in r.text
                       for r in answers[name]), f"{name} ran without the code"
    assert mail_world.messages(f"boese@{mail_world.domain}") == [], "followed a Reply-To"
    assert {"from-two-addresses", "from-address-after-angle"} <= quarantined
    assert outside == set(), f"an answer went to an injected address: {outside}"
    assert mail_bot._task is not None
    assert not mail_bot._task.done(), "the channel still runs"
    print(f"hostile mails: {len(mails)}; answered {len(answers)}, set aside {len(quarantined)}"
          f" ({len(set(answers) & quarantined)} both: a polite refusal and set aside), "
          f"{len(undeliverable)} answered to an address no server takes")
