"""Our outgoing mails as bytes, written cheaply.

`EmailMessage` with `email.policy.SMTP` builds every header through the header registry (a class
and a parse for each value): about 0.15 ms for a German subject, 1.5 ms for a plain answer, more
than everything else the bot does for a mail. So the headers are written here (RFC 5322, 2047):
printable ASCII as it is, folded at spaces to 78 characters (a long single word such as a
Message-ID on its own line); any other text (umlauts, emoji, a word looking like an encoded word,
a word too long for a line) as UTF-8 encoded words ("=?utf-8?b?…?="), each on its own line of at
most 78 characters, never splitting a character. Control characters (CR, LF, tab, …) become
spaces first: no value can start a header line of its own. Only a recipient that is not a plain
address is still written by `email.policy.SMTP` (rare). A plain text body is encoded here
(quoted-printable, UTF-8); a body with an alternative or attachments is still built by
`EmailMessage`, which is rare (calendar invitations, documents).
"""

from __future__ import annotations

import binascii
import email.policy
import re
from collections.abc import Iterable
from dataclasses import dataclass
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
    """One header line with its CRLF, folded and encoded (see the module docstring)."""
    if isinstance(value, Address):
        if not (value.addr_spec + value.display_name).isascii():
            # written once, at start (our From); a reader (Python's) keeps the spaces
            # between encoded words in a name, so `email` splits them its own way
            clean = _CONTROLS.sub(" ", value.display_name)
            return _by_email(name, str(Address(clean, addr_spec=value.addr_spec)))
        return _fold(name, _address_words(value))
    line = f"{name}: {value}"
    if len(line) <= MAX_PLAIN_LINE and _PLAIN.fullmatch(value) and "=?" not in value and (
            name not in _ADDRESS_HEADERS or _SIMPLE_ADDRESS.fullmatch(value)):
        return (line + "\r\n").encode("ascii")  # as _fold writes a short plain line
    text = _CONTROLS.sub(" ", value)
    if name in _ADDRESS_HEADERS and not _SIMPLE_ADDRESS.fullmatch(text):
        return _by_email(name, text)
    return _fold(name, _words(text))


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ADDRESS_HEADERS = frozenset({"To", "Cc", "From", "Reply-To", "Sender"})
_SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/^_`{|}~-]+@[A-Za-z0-9.-]+")
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_ENCODED_BYTES = 42  # 56 characters of base64: "Subject: " and the word's 12 fit in 78


def _words(text: str) -> list[str]:
    """The words of an unstructured value: as they are if printable ASCII (single spaces
    between, none looking like an encoded word, none too long for a line), else encoded."""
    if _PLAIN.fullmatch(text) and "=?" not in text:
        words = text.split(" ")
        if max(map(len, words)) < MAX_TOKEN:
            return words
    return _encoded_words(text)


def _encoded_words(text: str) -> list[str]:
    """`text` as UTF-8 "B" encoded words; the whitespace between them is not part of the text
    (RFC 2047 6.2), so a multi-byte character is never cut and the text comes back whole."""
    data = text.encode("utf-8")
    words = []
    start = 0
    while start < len(data):
        end = start + _ENCODED_BYTES
        if end >= len(data):
            end = len(data)
        else:
            while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
                end -= 1
        words.append(f"=?utf-8?b?{binascii.b2a_base64(data[start:end], newline=False).decode()}?=")
        start = end
    return words or [""]


def _address_words(address: Address) -> list[str]:
    """A name (ASCII) and address: the name as atoms, a quoted string or encoded words."""
    addr_spec = address.addr_spec
    name = " ".join(_CONTROLS.sub(" ", address.display_name).split())
    if not name:
        return [addr_spec]
    if "=?" in name or len(name) >= MAX_TOKEN:
        phrase = _encoded_words(name)
    elif _ATOMS.fullmatch(name):
        phrase = name.split(" ")
    else:
        phrase = ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return [*phrase, f"<{addr_spec}>"]


def _fold(name: str, words: list[str]) -> bytes:
    """`name: words`, a line broken before a word that would pass 78 characters."""
    lines = []
    line = f"{name}: {words[0]}"
    for word in words[1:]:
        if len(line) + 1 + len(word) > MAX_PLAIN_LINE:
            lines.append(line)
            line = " " + word
        else:
            line += " " + word
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _by_email(name: str, value: str) -> bytes:
    """A recipient that is not a plain address ("Name <a@b>", a quoted local part, non-ASCII),
    as `EmailMessage` writes it; never more than one header line."""
    line = POLICY.fold_binary(name, POLICY.header_store_parse(name, value)[1])
    if _ONE_HEADER.fullmatch(line):
        return line
    return _fold(name, _encoded_words(value))


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
