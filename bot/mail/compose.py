"""Our outgoing mails as bytes, written cheaply.

`EmailMessage` with `email.policy.SMTP` builds every header through the header registry (a class
and a parse for each value): about 1.5 ms for a plain answer, more than everything else the bot
does for a mail. Our headers are mostly printable ASCII, and those are written as they are (a
long single word such as a Message-ID on its line, not folded onto the next); any other value
(non-ASCII, long text, encoded words, specials in an address) is folded by `email.policy.SMTP`
as `EmailMessage` would. A plain text body is encoded here (quoted-printable, UTF-8); a body
with an alternative or attachments is still built by `EmailMessage`, which is rare (calendar
invitations, documents).
"""

from __future__ import annotations

import binascii
import email.policy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage

from handlers.show import shorten

POLICY = email.policy.SMTP
MAX_PLAIN_LINE = 78
MAX_TOKEN = 900  # a longer word cannot be folded; RFC 5322 allows 998 characters a line
_PLAIN = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_ONE_HEADER = re.compile(rb"[^\r\n]*(?:\r\n[ \t][^\r\n]*)*\r\n")  # folded, never a second line


@dataclass(frozen=True)
class Part:
    """An alternative to the text (`maintype` "text") or an attachment."""

    data: bytes | str
    maintype: str
    subtype: str
    filename: str = ""
    params: tuple[tuple[str, str], ...] = ()


def cut_at_word(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole word and marked with " …" (a subject
    never ends mid-word)."""
    return shorten(" ".join(text.split()), limit)


def header(name: str, value: str | Address) -> bytes:
    """One header line with its CRLF, folded and encoded as `EmailMessage` does it.

    The header registry decodes encoded words in the text it is given, so a decoded subject
    that still reads "=?utf-8?q?x=0D=0ABcc:_y?=" (sent encoded twice) would come out as a
    second header line; such a value is encoded as plain text instead."""
    if (isinstance(value, str) and "=?" not in value and _PLAIN.fullmatch(value) and (
            len(name) + 2 + len(value) <= MAX_PLAIN_LINE
            or (" " not in value and len(value) < MAX_TOKEN))):  # a long Message-ID
        return f"{name}: {value}\r\n".encode("ascii")
    line = POLICY.fold_binary(name, POLICY.header_store_parse(name, value)[1])
    if _ONE_HEADER.fullmatch(line):
        return line
    encoded = Header(str(value), "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n".encode("ascii")


def plain_text(text: str) -> bytes:
    """The content headers and body of a text/plain UTF-8 mail, quoted-printable."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8", "replace")
    body = binascii.b2a_qp(lines).replace(b"\n", b"\r\n")
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return (b'Content-Type: text/plain; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n\r\n" + body)


def with_parts(text: str, alternatives: Iterable[Part] = (),
               attachments: Iterable[Part] = ()) -> bytes:
    """The content headers and body of a mail with alternatives or attachments."""
    content = EmailMessage(policy=POLICY)
    content.set_content(text, cte="quoted-printable")
    for part in alternatives:
        content.add_alternative(part.data, subtype=part.subtype, params=dict(part.params),
                                cte="quoted-printable")
    for part in attachments:
        data = part.data.encode("utf-8") if isinstance(part.data, str) else part.data
        content.add_attachment(data, maintype=part.maintype, subtype=part.subtype,
                               filename=part.filename)
    return content.as_bytes()


def render(headers: Iterable[bytes], content: bytes) -> bytes:
    """A whole mail: our header lines, then the content's own (Content-Type …) and its body."""
    return b"".join(headers) + content
