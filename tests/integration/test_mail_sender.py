"""Who really sent a mail: the trusted server's Authentication-Results (RFC 8601) and a From
header read strictly. Attacks a forger would try, each as its own case."""

from __future__ import annotations

import pytest

from bot.mail.parse import parse_mail
from bot.mail.sender import verified

MX = "mx.landkreis.example"


def mail(from_: str, *results: str) -> bytes:
    head = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (f"{head}From: {from_}\r\nTo: bot@landkreis.example\r\nSubject: x\r\n"
            "Message-ID: <m@x>\r\n\r\n/saldo\r\n").encode()


@pytest.mark.parametrize(("results", "expected"), [
    ([f"{MX}; dmarc=pass header.from=landkreis.example"], True),
    ([f"{MX} 1; spf=pass smtp.mailfrom=landkreis.example; dkim=pass "
      "header.d=landkreis.example; dmarc=pass (p=reject) header.from=landkreis.example"], True),
    ([f"{MX}; dkim=pass header.d=landkreis.example header.s=sel"], True),
    ([f"{MX}; dkim=pass header.i=@mail.landkreis.example"], False),  # a subdomain signs less
    ([f"{MX}; dkim=pass header.d=evil.example"], False),  # signed, but not by the From domain
    ([f"{MX}; dkim=pass header.d=example"], False),  # a "parent" without a dot aligns nothing
    ([f"{MX}; dmarc=fail header.from=landkreis.example"], False),
    ([f"{MX}; spf=pass smtp.mailfrom=landkreis.example"], False),  # SPF alone: not the From
    ([f"{MX}; dmarc=pass header.from=evil.example"], False),
    (["mx.evil.example; dmarc=pass header.from=landkreis.example"], False),
    ([f"{MX}.evil.example; dmarc=pass header.from=landkreis.example"], False),
    ([f"(comment {MX};) mx.evil.example; dmarc=pass"], False),
    ([f"{MX}; dmarc=fail (the server's) header.from=landkreis.example",
      f"{MX}; dmarc=pass header.from=landkreis.example"], False),  # forged one below
    ([f"{MX}; none"], False),
    ([], False),
])
def test_only_the_trusted_servers_topmost_dmarc_pass_verifies(results: list[str],
                                                              expected: bool) -> None:
    assert verified(results, MX, "sek-ade@landkreis.example") is expected
    parsed = parse_mail(mail("sek-ade@landkreis.example", *results), trusted_authserv_id=MX)
    assert parsed.authenticated is expected


def test_without_a_trusted_server_nothing_is_verified() -> None:
    raw = mail("sek-ade@landkreis.example", f"{MX}; dmarc=pass header.from=landkreis.example")
    assert not parse_mail(raw).authenticated


@pytest.mark.parametrize(("from_", "address", "doubtful"), [
    ("sek-ade@landkreis.example <evil@example.net>", "evil@example.net", True),
    ("sek-ade@landkreis.example (Sekretariat) <evil@example.net>", "evil@example.net", True),
    ("sek-ade@landkreis.example, evil@example.net", "sek-ade@landkreis.example", True),
    ("<sek-ade@landkreis.example>evil@example.net", "sek-ade@landkreis.example", True),
    ('"Sek" <sek-ade@landkreis.example> <evil@example.net>', "", True),
    ("Sek <sek-ade@landkreis.example>", "sek-ade@landkreis.example", False),
    ("Dr. Meier <sek-ade@landkreis.example>", "sek-ade@landkreis.example", False),
    ("sek-ade@landkreis.example", "sek-ade@landkreis.example", False),
])
def test_a_from_header_is_read_strictly(from_: str, address: str, doubtful: bool) -> None:
    parsed = parse_mail(mail(from_, f"{MX}; dmarc=pass header.from=landkreis.example"),
                        trusted_authserv_id=MX)
    if address:
        assert parsed.address == address
    assert (parsed.doubt is not None) is doubtful
    if doubtful:
        assert not parsed.authenticated
    assert "@" not in parsed.display_name  # an address as display name would mislead staff


def test_a_display_name_that_is_an_address_is_dropped() -> None:
    parsed = parse_mail(mail('"sek-ade@landkreis.example" <evil@example.net>'))
    assert parsed.address == "evil@example.net"
    assert parsed.display_name == ""


def test_two_from_headers_are_doubtful() -> None:
    raw = b"From: evil@example.net\r\n" + mail("sek-ade@landkreis.example")
    assert parse_mail(raw).doubt is not None


def test_a_mail_nested_2000_levels_deep_is_read_without_raising() -> None:
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
                      for i in range(2000))
    raw = ("From: a@example.org\r\nSubject: tief\r\nMessage-ID: <n@x>\r\nMIME-Version: 1.0\r\n"
           + opening + "Content-Type: text/plain\r\n\r\nText\r\n").encode()
    parsed = parse_mail(raw)
    assert parsed.address == "a@example.org"
    assert parsed.subject == "tief"
