"""Our headers are written by hand (`bot.mail.compose.header`, no `email.policy` folding): read
back by the standard library they give the same subjects, names and addresses, every line within
78 characters (a single long word within 998), and no value ever starts a header line of its own."""

from __future__ import annotations

import email
import email.policy
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.mail.compose import header, plain_text, render

SUBJECTS = [
    "Re: Skizze Spielplatz [ADE-2026-003]",
    "Neue Skizze: Förderung für Jugendarbeit in Lüneburg-Süd [ADE-2026-017]",
    "Re: Projektskizze „Begegnungscafé für Ältere und Alleinerziehende im Quartier "
    "Kaltenmoor“ – Überarbeitung nach Rücksprache [ADE-2026-001] (Code 4711)",
    "Verschoben: Budget-II-Sitzung Adendorf vom 12.03.2026, 18:30 Uhr auf 19.03.2026, "
    "19:00 Uhr",
    "Sommerfest 🎉🌞 für alle Kinder 👧👦 der Kita Sonnenschein " * 2,
    "ÄÖÜäöüß" * 30,
    "Donaudampfschifffahrtsgesellschaftskapitänsmützenfabrikationsanlagenverwaltungsbehörde"
    "nunterabteilungsleiterstellvertreter und noch ein Wort",
    "x" * 1200,
    "Re: =?utf-8?q?Hallo=0D=0ABcc:_opfer@example.org?=",
    "zwei  Leerzeichen, ein Tab\tund am Ende ",
    "",
]


def read_back(*headers: bytes, width: int = 78) -> EmailMessage:
    """`width`: a name that is not ASCII is folded by `email` (once, at start), which may pass
    78 by a character."""
    data = render(list(headers), plain_text("Guten Tag"))
    assert b"\n" not in data.replace(b"\r\n", b""), "no bare LF or CR"
    head = data.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        assert len(line) <= 998
        text = line.strip() if line.startswith(b" ") else line.split(b":", 1)[1].strip()
        if b" " in text:  # a line that could be broken is at most 78 characters
            assert len(line) <= width, line
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_subject_reads_back_as_written(subject: str) -> None:
    message = read_back(header("To", "kita@example.org"), header("Subject", subject))
    assert str(message["Subject"]) == subject.replace("\t", " ")
    assert list(message)[:2] == ["To", "Subject"]


@pytest.mark.parametrize("value", [
    "Skizze „Lesen“\r\nBcc: opfer@example.org",
    "Titel\nTo: opfer@example.org",
    "Titel\rX-Evil: 1",
    "Grüße\r\n\r\n<html>body</html>",
    "\x00\x07\x1b[31m Steuerzeichen \x85 und \u2028 Zeilentrenner",
])
def test_line_breaks_and_controls_in_a_value_never_make_a_header_line(value: str) -> None:
    name = value.replace("\r", "\v").replace("\n", "\f")  # `Address` refuses CR and LF
    message = read_back(header("To", "kita@example.org"), header("Subject", value),
                        header("From", Address(name, "budget2", "example.org")), width=998)
    assert [name.lower() for name in message] == [
        "to", "subject", "from", "content-type", "content-transfer-encoding", "mime-version"]
    assert "\n" not in str(message["Subject"])
    assert "\r" not in str(message["Subject"])
    assert message["From"].addresses[0].addr_spec == "budget2@example.org"
    assert message["To"].addresses[0].addr_spec == "kita@example.org"
    assert message.get_content().strip() == "Guten Tag"


@pytest.mark.parametrize("name", [
    "Budget-II-Bot",
    "Budget II Landkreis Lüneburg",
    "Müller, Anna",
    'Der "echte" Bot',
    'Backslash \\ und "Zitat", Komma; Semikolon <spitz> (Klammer) @ at',
    "Dr. Jörg Weiß-Öztürk – Sozialplanung, Fachbereich Jugend, Familie und Soziales 👪",
    "=?utf-8?q?Evil?= Name",
    "x" * 120,
])
def test_a_display_name_and_address_read_back(name: str) -> None:
    message = read_back(header("From", Address(name, "budget2", "landkreis.example")),
                        width=78 if name.isascii() else 998)
    [address] = message["From"].addresses
    assert address.display_name == name
    assert address.addr_spec == "budget2@landkreis.example"


def test_our_header_lines_are_what_a_reader_expects() -> None:
    assert header("Subject", "Re: Skizze [ADE-2026-001]") == (
        b"Subject: Re: Skizze [ADE-2026-001]\r\n")
    assert header("Subject", "Grüße") == b"Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\n"
    assert header("From", Address("Budget II", "b", "example.org")) == (
        b"From: Budget II <b@example.org>\r\n")
    assert header("From", Address("Mueller, Anna", "b", "example.org")) == (
        b'From: "Mueller, Anna" <b@example.org>\r\n')
    long_id = "<sozialbot." + "a" * 120 + "@example.org>"
    assert header("Message-ID", long_id) == f"Message-ID: {long_id}\r\n".encode()


@given(st.text(max_size=300))
def test_any_subject_reads_back_with_its_controls_as_spaces(subject: str) -> None:
    message = read_back(header("Subject", subject))
    expected = "".join(" " if (c.isascii() and not c.isprintable()) or "\x80" <= c <= "\x9f"
                       or c in "\u2028\u2029" else c for c in subject)
    assert str(message["Subject"]) == expected
    assert next(iter(message)) == "Subject"
