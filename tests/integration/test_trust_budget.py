"""No input freezes or bloats the bot: documents are read in a sandbox with a time and memory
budget per message, texts are capped in the core whatever the channel, strangers have quotas,
and Telegram invites cannot be passed on unnoticed."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import textwrap
import zipfile
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from bot.mail.parse import parse_mail
from bot.sandbox import Budget, read_documents
from handlers.messages import Attachment, IncomingMessage, Outcome, Sender
from handlers.service import MAX_TEXT_CHARS
from tests.support.core import BERLIN, Bot, reply_text, sketch
from tests.support.mailservers import make_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def heavy_docx() -> bytes:
    """2 MB that unpack to 19 MB of XML in half a million elements: within the zip limits, but
    reading it in-process grew the bot by some 170 MB and took seconds."""
    rnd = random.Random(7)
    words = [bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(5))
             for _ in range(4000)]
    parts, size = [], 0
    while size < 19_000_000:
        part = b"<w:p><w:r><w:t>" + rnd.choice(words) + b"</w:t></w:r></w:p>"
        parts.append(part)
        size += len(part)
    xml = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           b'wordprocessingml/2006/main"><w:body>' + b"".join(parts) + b"</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def mail_with(*files: tuple[bytes, str, str]) -> bytes:
    message = EmailMessage()
    message["From"] = "traeger@example.org"
    message["To"] = "bot@example.org"
    message["Subject"] = "Skizze"
    message["Message-ID"] = "<m1@example.org>"
    message.set_content("Anbei die Skizze.")
    for data, content_type, filename in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def peak_mb_reading(path: Path) -> tuple[int, int]:
    """(peak memory in MB, attachments + notes) of a fresh process that reads the mail."""
    script = textwrap.dedent(f"""
        import resource
        from bot.mail.parse import parse_mail
        parsed = parse_mail(open({str(path)!r}, 'rb').read())
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
              len(parsed.attachments) + len(parsed.notes))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parents[2])
    peak, found = map(int, done.stdout.split())
    return peak, found


def test_a_docx_that_unpacks_to_huge_xml_does_not_grow_the_bot(tmp_path: Path) -> None:
    """Compared with a mail carrying a photo of the same size (read by nobody): reading the
    .docx in-process grew the bot by some 170 MB."""
    data = heavy_docx()
    (tmp_path / "bomb.eml").write_bytes(mail_with((data, DOCX, "skizze.docx")))
    (tmp_path / "photo.eml").write_bytes(mail_with((data, "image/png", "foto.png")))
    peak, found = peak_mb_reading(tmp_path / "bomb.eml")
    baseline, _ = peak_mb_reading(tmp_path / "photo.eml")
    assert found == 1  # read (in the sandbox) or refused politely
    assert peak - baseline < 40, f"reading it grew the bot by {peak - baseline} MB"


def test_a_mail_over_its_memory_budget_gets_a_polite_note() -> None:
    parsed = parse_mail(mail_with((heavy_docx(), DOCX, "skizze.docx")),
                        budget=Budget(seconds=60, memory_bytes=120 * 1024 * 1024))
    assert parsed.attachments == ()
    [note] = parsed.notes
    assert "Speicher" in note
    assert "Bitte senden Sie die Skizze als Text" in note


def test_a_mail_over_its_time_budget_gets_a_polite_note_for_all_its_documents() -> None:
    pdf = make_pdf(["Titel: Lesen", "Betrag: 500"])
    raw = mail_with((pdf, "application/pdf", "a.pdf"), (pdf, "application/pdf", "b.pdf"))
    parsed = parse_mail(raw, budget=Budget(seconds=0.05))
    assert parsed.attachments == ()
    assert parsed.notes
    assert all("Sekunden" in note for note in parsed.notes)
    read = parse_mail(raw)  # the default budget reads both
    assert len(read.attachments) == 2


def test_the_sandbox_reads_ordinary_documents() -> None:
    [(text, note)] = read_documents([(".pdf", make_pdf(["Titel: Lesen"]), "a.pdf")], Budget())
    assert note is None
    assert "Titel: Lesen" in (text or "")


# -- texts capped in the core, whatever the channel ----------------------------------------------
def test_a_telegram_text_file_of_millions_of_characters_is_cut_like_any_text(bot: Bot) -> None:
    huge = "Ausgangslage: " + "x" * 3_000_000
    message = IncomingMessage(Sender("telegram", "5001", "Eve", verified=True), "/antrag",
                              "telegram:1", datetime(2026, 2, 2, 12, tzinfo=BERLIN),
                              (Attachment("skizze.txt", "text/plain", huge),) * 30)
    outcome = bot.core.handle(message)
    assert not outcome.accepted
    count = int(reply_text(outcome).split(" Zeichen")[0].rsplit(" ", 1)[1].replace(".", ""))
    assert count <= 11 * MAX_TEXT_CHARS  # ten attachments and the text, each cut


# -- per-sender quotas ---------------------------------------------------------------------------
def test_a_stranger_cannot_file_more_sketches_an_hour_than_configured(tmp_path: Path) -> None:
    bot = Bot(tmp_path, "[security]\nmax_sketches_per_hour = 20\nmax_open_applications = 1000\n")
    try:
        when = datetime(2026, 2, 2, 12, tzinfo=BERLIN)
        numbers = [bot.say("flut@example.net", sketch(Titel=f"Flut {i}"),
                           when=when + timedelta(seconds=i)).application_number
                   for i in range(21)]
        assert all(numbers[:20])
        assert numbers[20] is None
        refused = bot.say("flut@example.net", sketch(), when=when + timedelta(minutes=30))
        assert "in der letzten Stunde schon 20" in reply_text(refused)
        later = bot.say("flut@example.net", sketch(), when=when + timedelta(hours=1, minutes=1))
        assert later.application_number
        other = bot.say("kita@example.org", sketch(), when=when + timedelta(minutes=31))
        assert other.application_number  # the flood does not stop anyone else
    finally:
        bot.close()


def test_a_stranger_cannot_hold_more_open_applications_than_configured(tmp_path: Path) -> None:
    bot = Bot(tmp_path, "[security]\nmax_open_applications = 30\n"
                        "max_sketches_per_hour = 1000\n")
    try:
        for i in range(30):
            assert bot.say("flut@example.net", sketch(Titel=f"T{i}"),
                           today=date(2026, 2, 2)).application_number
        refused = bot.say("flut@example.net", sketch(), today=date(2026, 2, 3))
        assert not refused.accepted
        assert "30 Anträge offen" in reply_text(refused)
        assert bot.must("sek-ade", sketch(), today=date(2026, 2, 3)).application_number
    finally:
        bot.close()


# -- Telegram invites ----------------------------------------------------------------------------
def telegram(bot: Bot, chat: str, text: str, name: str = "") -> Outcome:
    return bot.core.handle(IncomingMessage(
        Sender("telegram", chat, name, verified=True), text, f"tg:{chat}:{text}",
        datetime(2026, 2, 2, 12, tzinfo=BERLIN)))


def test_trennen_voids_the_persons_other_open_invites(bot: Bot) -> None:
    first = bot.core.create_invite("sek-ade", datetime(2026, 2, 1, tzinfo=BERLIN))
    second = bot.core.create_invite("sek-ade", datetime(2026, 2, 1, tzinfo=BERLIN))
    assert telegram(bot, "100", f"/start {first}").accepted
    answer = bot.must("verwaltung", "/trennen sek-ade", today=date(2026, 2, 2))
    assert "1 noch offene Einladung" in reply_text(answer)
    late = telegram(bot, "200", f"/start {second}")
    assert not late.accepted
    assert bot.core.store.person_at("telegram", "200") is None


def test_a_forwarded_invite_used_by_a_second_account_is_reported_to_the_administration(
        bot: Bot) -> None:
    code = bot.core.create_invite("kreis-1", datetime(2026, 2, 1, tzinfo=BERLIN))
    assert telegram(bot, "100", f"/start {code}", "Frau Kreis").accepted
    again = telegram(bot, "666", f"/start {code}", "Mallory")
    assert "ungültig" in reply_text(again)
    assert bot.core.store.person_at("telegram", "666") is None
    [report] = [n for n in again.notifications if n.recipient == "verwaltung"]
    assert "weitergeleitet" in report.text
    assert "Mallory" in report.text
    # a second invite for the same person, redeemed by another account, moves the link: reported
    other = bot.core.create_invite("kreis-1", datetime(2026, 2, 1, tzinfo=BERLIN))
    moved = telegram(bot, "777", f"/start {other}", "Mallory")
    [moved_report] = [n for n in moved.notifications if n.recipient == "verwaltung"]
    assert "anderen Telegram-Konto" in moved_report.text
    assert "/trennen kreis-1" in moved_report.text
