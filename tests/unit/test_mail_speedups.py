"""Where the mail side reads something quicker than the standard library, it reads it as the
standard library does: the usual mail's structure (`parse.message_from_bytes`), a display name
of UTF-8 encoded words (`parse._decoded_name`), a sender's address for the inbox's order
(`imap.RawMailMessage.sender`), and the lines of a reply that cannot end its text
(`body.strip_quotes_and_signature`); and where our mails are written quicker, they are written
as before (a short plain header, the Date of many answers in one second)."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.mail import body, compose
from bot.mail.builder import _date_header
from bot.mail.imap import RawMailMessage
from bot.mail.parse import POLICY, _decoded_name, message_from_bytes

CORPORA = sorted((Path(__file__).parent.parent / "corpus").glob("*mail/*.eml"))
SKETCH = ("From: =?utf-8?q?Tr=C3=A4ger?= 7 <absender7@example.org>\r\nTo: bot@example.org\r\n"
          "Subject: Projektskizze 7: Nachmittagsangebot\r\nDate: Mon, 02 Mar 2026 09:00:00 +0100"
          "\r\nMessage-ID: <skizze7@example.org>\r\nContent-Type: text/plain; charset=\"utf-8\""
          "\r\nContent-Transfer-Encoding: 8bit\r\nMIME-Version: 1.0\r\n\r\nGuten Tag,\r\n\r\n"
          "Sozialraum: Kaltenmoor\r\nTitel: Nachmittagsangebot 7\r\nBetrag: 207 €\r\n\r\n"
          "Mit freundlichen Grüßen\r\nVerein 7 e.V.\r\n").encode()
MAILS = [SKETCH, *(path.read_bytes() for path in CORPORA)]


def state(message: Message) -> list[object]:
    """Everything email's parser leaves in a message: headers as read, payload, defects."""
    found: list[object] = [type(message), message._headers,  # type: ignore[attr-defined]
                           message.get_unixfrom(), message.preamble, message.epilogue,
                           message.get_default_type(), [repr(d) for d in message.defects]]
    if message.is_multipart():
        return [*found, [state(part) for part in message.get_payload()]]  # type: ignore[arg-type]
    return [*found, message.get_payload()]


def test_the_corpora_are_read_as_emails_parser_reads_them() -> None:
    for raw in MAILS:
        assert state(message_from_bytes(raw)) == state(
            email.message_from_bytes(raw, policy=POLICY))


def test_a_usual_mail_keeps_its_headers_as_written_and_its_text() -> None:
    message = message_from_bytes(SKETCH.replace(b"Subject: Projektskizze 7: ",
                                                b"Subject:  \tProjektskizze 7:\r\n\t ", 1))
    assert isinstance(message, EmailMessage)
    assert message["From"].addresses[0].display_name == "Träger 7"
    assert message["Subject"] == "Projektskizze 7:\t Nachmittagsangebot"
    assert message.get_content_type() == "text/plain"
    assert message.get_content().startswith("Guten Tag,\r\n\r\nSozialraum: Kaltenmoor")


JUNK = [b"\r", b"\n", b"\r\n", b" ", b"\t", b":", b"From ", b"\r\nFrom x", b"\xff", b"\x00",
        b"\r\n \r\n", b"\r\n\r\n", b"Content-Type: multipart/mixed; boundary=b\r\n",
        b"Content-Type: message/rfc822\r\n", b"Content-Type: message/delivery-status\r\n",
        b"Content-Type: text/x/y\r\n", b"content-TYPE: Text/HTML\r\n", b"X-A: b\r\n c\r\n",
        b"--b\r\n", b"\r\n:\r\n"]


@settings(max_examples=400, deadline=None)
@example(which=0, at=0.79, junk=[b"\x00"])  # a NUL in the charset: get_payload raises
@given(which=st.integers(0, len(MAILS) - 1), at=st.floats(0, 1),
       junk=st.lists(st.sampled_from(JUNK) | st.binary(max_size=4), min_size=1, max_size=3))
def test_damaged_mails_are_read_as_emails_parser_reads_them(which: int, at: float,
                                                           junk: list[bytes]) -> None:
    raw = MAILS[which]
    head = raw.find(b"\r\n\r\n") + 4
    position = int(head * at)  # mostly in the headers, where the two ways differ
    damaged = raw[:position] + b"".join(junk) + raw[position:]
    assert read_back(message_from_bytes, damaged) == read_back(
        lambda raw: email.message_from_bytes(raw, policy=POLICY), damaged)


def read_back(parse: Callable[[bytes], Message], raw: bytes) -> list[object] | str:
    """`state` of the parsed mail, or the error reading it raised (a NUL in a charset makes
    email's get_payload raise ValueError: both ways must raise it alike)."""
    try:
        return state(parse(raw))
    except (ValueError, LookupError, TypeError) as error:
        return f"{type(error).__name__}: {error}"


NAME_PARTS = ["=?utf-8?q?", "=?UTF-8?B?", "?=", " ", "  ", "\t", "a", "J=C3=BC", "=C3", "=A4",
              "_", "w6Q", "=", "?", "=?iso-8859-1?q?", "YQ", "=0A", "=FF", "rgen", "=?", "x.y"]


@settings(max_examples=1000, deadline=None)
@given(parts=st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=12))
def test_an_encoded_name_is_decoded_as_email_decodes_it(parts: list[str]) -> None:
    name = "".join(parts)
    try:
        expected: str | type = str(make_header(decode_header(name)))
    except Exception as error:  # the same kind must be raised
        expected = type(error)
    try:
        found: str | type = _decoded_name(name)
    except Exception as error:
        found = type(error)
    if isinstance(expected, type):  # parse._from catches both kinds alike
        assert isinstance(found, type)
    else:
        assert found == expected


ADDRESS_CHARS = "ab.-_=?!'+0é\ufffd \t<>@\"(),;:\\[]\x0b"


@settings(max_examples=1000, deadline=None)
@given(name=st.text(st.sampled_from(ADDRESS_CHARS), max_size=12),
       local=st.text(st.sampled_from(ADDRESS_CHARS), max_size=8),
       domain=st.text(st.sampled_from(ADDRESS_CHARS), max_size=8), angle=st.booleans())
def test_a_senders_address_for_the_inbox_is_read_as_parseaddr_reads_it(
        name: str, local: str, domain: str, angle: bool) -> None:
    value = f"{name} <{local}@{domain}>" if angle else f"{name}{local}@{domain}"
    raw = f"Subject: x\r\nFrom: {value}\r\n\r\ntext\r\n".encode()
    mail = RawMailMessage([(b"1 (UID 1 RFC822.SIZE 10 BODY[] {10}", raw), b")"])
    expected = parseaddr(value.encode("utf-8").decode("ascii", "replace"))[1].lower()
    assert mail.sender == expected


LINE_STARTS = ["", " ", "\t", "\u2003", "*", ">", "--", "-- ", "__________", "Von: X",
               "FROM: y", "An: q", "Am 1.2.2026 schrieb X:", "On Mon, X wrote:", "Le 3 a écrit :",
               "Mit freundlichen Grüßen", "MIT FREUNDLICHEN GRÜSSEN", "Viele Grüße",
               "Best regards", "KIND REGARDS", "mfg", "LG", "VG Anna", "Gruß", "ſchöne grüße",
               "\u212aind regards", "Herzliche Grüße", "Sozialraum: Kaltenmoor", "Amt", "online",
               "Elke", "grün", "Mitte", "Bestand", "-----Ursprüngliche Nachricht-----"]


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.sampled_from(LINE_STARTS) | st.text(max_size=12), max_size=12))
def test_a_line_passed_over_as_text_is_one_no_test_of_the_reply_would_end_or_drop(
        lines: list[str]) -> None:
    for line in lines:
        if body._MAY_END.match(line) is None:
            tests = (body._is_signature(line), body._ORIGINAL.match(line), body._is_rule(line),
                     body._OUTLOOK_HEADER.match(line), body._CLOSING.match(line),
                     line.lstrip().startswith(">"), body._ATTRIBUTION.match(line))
            assert not any(tests)
    text = "\n".join(lines)
    assert body.strip_quotes_and_signature(text) == body.squeeze_blank_lines("\n".join(
        _kept_by_each_test(text.split("\n"))))


def _kept_by_each_test(lines: list[str]) -> list[str]:
    """The reply's text as the function read it before it passed over ordinary lines."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        if (body._is_signature(line) or body._ORIGINAL.match(line) or body._is_rule(line)
                or body._outlook_header_at(lines, index)):
            break
        if body._CLOSING.match(line) and len(line.strip()) <= 60 and kept:
            break
        if line.lstrip().startswith(">") or body._ATTRIBUTION.match(line):
            continue
        kept.append(line)
    return kept


def test_email_policy_default_is_what_the_speedups_were_checked_against() -> None:
    """The policy of `parse.POLICY` is email's default but for the header objects it hands
    back (see `parse._Policy`): linesep, strictness and the message class are email's."""
    assert POLICY.linesep == email.policy.default.linesep
    assert POLICY.raise_on_defect is False


@settings(max_examples=500, deadline=None)
@given(name=st.sampled_from(["Subject", "To", "In-Reply-To", "X-Long-Header-Name-Here"]),
       value=st.text(st.sampled_from("ab Ä=?@.-_\t\r") | st.characters(blacklist_categories=["Cs"]),
                     max_size=90))
def test_a_short_plain_header_is_written_as_the_folding_writes_it(name: str, value: str) -> None:
    text = compose._CONTROLS.sub(" ", value)
    if name == "To" and not compose._SIMPLE_ADDRESS.fullmatch(text):
        return  # written by email (`compose._by_email`), as before
    assert compose.header(name, value) == compose._fold(name, compose._words(text))


def test_the_date_of_a_mail_is_written_in_its_own_time_zone() -> None:
    berlin = datetime(2026, 3, 2, 9, 0, 0, 250_000, tzinfo=ZoneInfo("Europe/Berlin"))
    utc = berlin.astimezone(UTC)  # the same instant: an equal datetime
    assert _date_header(berlin) == b"Date: Mon, 02 Mar 2026 09:00:00 +0100\r\n"
    assert _date_header(utc) == b"Date: Mon, 02 Mar 2026 08:00:00 +0000\r\n"
    assert _date_header(berlin.replace(microsecond=0)) == _date_header(berlin)


def test_the_parser_does_not_import_the_core() -> None:
    """`bot.mail.parse` needs none of the core's use cases (`message_text` imports the command
    words where it runs): a process that only parses mails starts without them."""
    code = ("import sys, bot.mail.parse; "
            "print(sorted(m for m in sys.modules if m.startswith(('handlers.commands', "
            "'handlers.service', 'handlers.context', 'storage.store'))))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).resolve().parents[2])
    assert found.stdout.strip() == "[]"
