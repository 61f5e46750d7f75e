"""A mail as people really send it → the plain text and attachments the core reads.

Pure translation, no I/O: `parse_mail(raw)` reads the sender strictly, takes the body (text/plain
preferred, HTML-only turned into text, quoted reply text and signatures dropped: `bot.mail.body`)
and the attachments (`bot.mail.attachments`), and says whether the mail was sent
automatically (auto-replies, bounces, list mail: never answered, or two bots would answer each
other forever). `message_text` then puts a command from the subject of a new mail first.

Nothing here reads the words themselves: sketch labels ("1. Ausgangssituation", "**Ziele:**",
"Kosten: 1.500 €"), a command word without its slash, a code left out of "/buchen" are read by
the core (handlers/understand.py, rules/labelled.py), alike for mail, Telegram and console.
"""

from __future__ import annotations

import binascii
import email
import email.base64mime
import email.policy
import email.quoprimime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from email.errors import HeaderParseError, ObsoleteHeaderDefect
from email.header import decode_header, make_header
from email.headerregistry import AddressHeader, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses

from bot.documents import (
    MAX_ATTACHMENT_BYTES,
    MAX_TEXT_CHARS,
)
from bot.mail.attachments import read_attachments
from bot.mail.body import html_to_text, part_text, strip_quotes_and_signature
from bot.mail.ics import calendar_answer
from bot.mail.sender import verified
from bot.sandbox import Budget
from handlers.codes import CODE_PATTERN
from handlers.messages import Action, Attachment
from rules.numbers import NUMBER_PATTERN

NUMBER = re.compile(rf"\b({NUMBER_PATTERN})\b")
SESSION_TOKEN = re.compile(r"S-([A-Z]{2,5})-(\d{8})")  # in our Message-IDs of session alerts
CODE_IN_SUBJECT = re.compile(rf"\bCode ({CODE_PATTERN})\b")
FORWARD_PREFIX = re.compile(r"^\s*(wg|fw|fwd|weitergeleitet)\s*:", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|wg|fw|fwd|sv|vs)\s*(\[\d+\])?\s*:\s*)+",
                          re.IGNORECASE)


@dataclass(frozen=True)
class ParsedMail:
    """What a mail says, decoded. `automatic` is why no answer may go back (None: a person
    wrote it); `notes` are polite remarks for the answer (an attachment that was not read)."""

    address: str
    display_name: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...]
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    automatic: str | None
    notes: tuple[str, ...]
    size: int
    reply_to: str = ""
    doubt: str | None = None  # why the From cannot name a configured person (None: it can)
    authenticated: bool = False  # the trusted server's Authentication-Results say DMARC pass


class _ReusedHeaders(HeaderRegistry):
    """email's header registry parses a header again each time it is read (a mail's Content-Type
    about eight times), and most mails carry the same Content-Type and MIME-Version; the
    parsed headers are immutable, so short ones are kept and reused."""

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > 200:
            return super().__call__(name, value)
        return self._parsed(name, value)

    @functools.lru_cache(maxsize=512)  # noqa: B019 (one instance, for the life of the process)
    def _parsed(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)


class _Policy(EmailPolicy):
    """email.policy.default, except that an unstructured header (Subject, Precedence,
    Authentication-Results, …) whose text is plain ASCII without encoded words is returned as
    that text: email's header object for it is a str equal to it (checked against 111,000
    random values), and building it cost about 30 % of `parse_mail`. Structured headers (From,
    Content-Type, …) and everything else are read by email's header registry as before."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):
            return value
        value = "".join(_LINESEP.split(value))
        if name.lower() not in _STRUCTURED and _PLAIN_TEXT.fullmatch(value) and "=?" not in value:
            return value
        return self.header_factory(name, value[:MAX_HEADER_CHARS])


class _Message(EmailMessage):
    """EmailMessage whose headers are found through an index of their names: reading a mail
    asks for a header about 25 times (Content-Type alone 9 times), and each time email went
    through all the headers, lowering every name. The index is made again whenever the list of
    headers is another one or has another length (headers are only ever added, or the list
    replaced; a value replaced in place keeps its name and place)."""

    _by_name: tuple[list[tuple[str, str]], int, dict[str, int]] | None = None

    def _position(self, name: str) -> int | None:
        headers = self._headers  # type: ignore[attr-defined]
        cached = self._by_name
        if cached is None or cached[0] is not headers or cached[1] != len(headers):
            index: dict[str, int] = {}
            for position, (key, _) in enumerate(headers):
                index.setdefault(key.lower(), position)
            cached = self._by_name = (headers, len(headers), index)
        return cached[2].get(name.lower())

    def get(self, name: str, failobj: object = None) -> object:
        position = self._position(name)
        if position is None:
            return failobj
        key, value = self._headers[position]  # type: ignore[attr-defined]
        return self.policy.header_fetch_parse(key, value)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._position(name) is not None

    def get_content_type(self) -> str:
        """email's own answer, from the Content-Type's value (asked about nine times a mail,
        always of the same few values)."""
        position = self._position("content-type")
        if position is None:
            return self.get_default_type()
        value = self._headers[position][1]  # type: ignore[attr-defined]
        if type(value) is not str or len(value) > 200 or self.policy is not POLICY:
            return super().get_content_type()
        return _content_type(value)

    def _get_params_preserve(self, failobj: object, header: str) -> object:
        """The parameters of a header (charset, format, name, …), as email reads them; read
        four times or more a mail, always from the same few Content-Type values."""
        value = self.get(header, _MISSING)
        if value is _MISSING:
            return failobj
        text = str(value)
        if len(text) > 200 or not text.isascii():
            return super()._get_params_preserve(failobj, header)  # type: ignore[misc]
        return list(_params(text))


_MISSING = object()


@functools.lru_cache(maxsize=512)
def _content_type(value: str) -> str:
    """`Message.get_content_type` for a Content-Type of this value, as email reads it."""
    ctype = str(POLICY.header_fetch_parse("Content-Type", value)).partition(";")[0]
    ctype = ctype.strip().lower()
    return ctype if ctype.count("/") == 1 else "text/plain"


@functools.lru_cache(maxsize=512)
def _params(value: str) -> tuple[tuple[str, object], ...]:
    """email.message's own reading of a header's parameters (its values are str or tuples)."""
    message = Message()
    message._headers = [("X", value)]  # type: ignore[attr-defined]
    return tuple(message._get_params_preserve(None, "x"))  # type: ignore[attr-defined]


# A header is parsed (by email's parser, about 50 us a character for parameters and addresses,
# several times a mail) up to this length: a Content-Type of 200,000 characters took 28 s, and
# a mail may hold many. No header the bot parses is longer when honest (a From longer than this
# names no sender, see _from); plain text ones (Authentication-Results) and Message-IDs and
# References are read whole, without the parser.
MAX_HEADER_CHARS = 2000
_LINESEP = re.compile(r"\r\n|\r|\n")
_PLAIN_TEXT = re.compile(r"[\t\x20-\x7e]*")
_STRUCTURED = frozenset(name for name, kind in HeaderRegistry().registry.items()
                        if not issubclass(kind, UnstructuredHeader))
POLICY = _Policy(header_factory=_ReusedHeaders(), message_factory=_Message)


_HEADER_FIELD = re.compile(r"([\x21-\x39\x3b-\x7e]+):([^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)")


def message_from_bytes(raw: bytes) -> Message:
    """`email.message_from_bytes(raw, policy=POLICY)`, about four times quicker for the usual
    mail: one part (not multipart, not message/*), every header a name, a colon and its value
    (folded lines begin with a space or tab), each line ended by CRLF, then an empty line. Of
    such a mail email's parser keeps each header as it is read here (`header_source_parse`)
    and the rest as the text of the part, and reports no defect; any other mail is read by
    email's parser itself. Each character is looked at a bounded number of times."""
    text = raw.decode("ascii", "surrogateescape")
    message = _Message(policy=POLICY)
    headers = message._headers  # type: ignore[attr-defined]
    position = 0
    while not text.startswith("\r\n", position):
        field = _HEADER_FIELD.match(text, position)
        if field is None:
            return email.message_from_bytes(raw, policy=POLICY)
        name, value = field.groups()
        headers.append((name, value.lstrip(" \t").rstrip("\r\n")))
        position = field.end()
    if (message.get_content_maintype() in ("multipart", "message")
            or message.get_content_type() == "message/delivery-status"):
        return email.message_from_bytes(raw, policy=POLICY)
    message.set_payload(text[position + 2:])
    return message


# -- automatic mail -----------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(automatische antwort|abwesenheit|urlaubsabwesenheit|abwesend|out of (the )?office|"
    r"autoreply|lesebest(ä|ae)tigung|gelesen:|ungelesen:|nicht gelesen:|read:|"
    r"auto-reply|automatic reply|auto:|unzustellbar|undeliverable|undelivered mail|"
    r"delivery status notification|mail delivery failed|returned mail|"
    r"zustellung fehlgeschlagen|nicht zustellbar)", re.IGNORECASE)
# "AW: Ihr Antrag [Abwesenheitsnotiz]", "Re: Sitzung (Automatische Antwort)"
_AUTO_SUBJECT_TAG = re.compile(r"[\[(](?:abwesenheitsnotiz|abwesend|automatische antwort|"
                               r"out of office|auto-?reply)[\])]", re.IGNORECASE)
_AUTO_SENDERS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply",
                 "do-not-reply", "bounce", "bounces")


def automatic_reason(message: Message, address: str, own_addresses: Iterable[str]) -> str | None:
    """Why this mail must not be answered (RFC 3834), or None when a person wrote it."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return f"automatisch erzeugt (Auto-Submitted: {auto[:40]})"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Massen- oder Listenmail (Precedence: {precedence})"
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return "Mail einer Mailingliste (List-Id)"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "automatische Antwort (X-Autoreply)"
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "Unzustellbarkeitsnachricht (leerer Return-Path)"
    if message.get_content_type() == "multipart/report":
        return "Zustellbericht (multipart/report)"
    local = address.split("@", 1)[0]
    if local in _AUTO_SENDERS or local.startswith(("mailer-daemon", "noreply", "no-reply")):
        return f"Absender {address} ist ein automatischer Absender"
    own = {a.lower() for a in own_addresses}
    if address in own:
        return "Mail von der eigenen Adresse des Bots"
    subject = str(message.get("Subject", ""))
    if _AUTO_SUBJECT.match(subject) or _AUTO_SUBJECT_TAG.search(subject[:300]):
        return "automatische Antwort (Betreff)"
    return None


# -- the whole mail -----------------------------------------------------------------------------


def _message_ids(value: object) -> tuple[str, ...]:
    return tuple(re.findall(r"<([^<>\s]+)>", str(value or "")))


def _raw_header(message: Message, name: str) -> str:
    """A header's first value as written, not decoded (Message-IDs have nothing to decode)."""
    wanted = name.lower()
    return next((str(value) for key, value in message.raw_items() if key.lower() == wanted), "")


_ATOM = r"[^\s<>\"(),;:\\@\[\]]+"
_PLAIN_FROM = re.compile(rf"\s*(?:(?P<name>[^\"<>(),;:\\@\[\]]*?)\s*<(?P<address>{_ATOM}@{_ATOM})>"
                         rf"|(?P<bare>{_ATOM}@{_ATOM}))\s*")


def _from(message: Message) -> tuple[str, str, str | None]:
    """(display name, address, doubt) of the From header. The usual forms ("Name <a@b>", an
    encoded name, "a@b") are read here; any other goes through email's strict address parser.
    Where that parser reports a defect, or finds no or several addresses, the address inside
    <> decides (as for DMARC) and the doubt is named: such a mail never speaks for a configured
    person. A display name that looks like an address is dropped (it would mislead staff)."""
    if sum(key.lower() == "from" for key, _ in message.raw_items()) > 1:
        return "", "", "mehrere From-Zeilen"
    raw = " ".join(_raw_header(message, "From").split())
    if len(raw) > MAX_HEADER_CHARS:
        return "", "", "From-Zeile zu lang"
    match = _PLAIN_FROM.fullmatch(raw)
    if match and match.group("name") is not None and match.group("name").isascii():
        name = match.group("name")
        try:
            name = _decoded_name(name) if "=?" in name else name
        except (HeaderParseError, LookupError, UnicodeDecodeError):
            name = "\0"  # let the parser judge it
        if name.isprintable():
            return _plain_name(name), match.group("address"), None
    elif match and match.group("bare"):
        return "", match.group("bare"), None
    try:
        header = message["From"]
        # email.policy.default makes it both; absent or read otherwise, it is a defect
        if not (isinstance(header, AddressHeader) and isinstance(header, BaseHeader)):
            raise TypeError(header)
        addresses = tuple(header.addresses)
        defects = [d for d in header.defects if not isinstance(d, ObsoleteHeaderDefect)]
    except Exception:  # whatever the parser trips over is a defect
        addresses, defects = (), ["unlesbar"]
    inner = re.findall(r"<([^<>\s]+@[^<>\s]+)>", raw[:2000])
    if len(addresses) == 1 and not defects and addresses[0].addr_spec:
        return _plain_name(addresses[0].display_name), addresses[0].addr_spec, None
    address = inner[0] if len(inner) == 1 else (addresses[0].addr_spec if addresses else "")
    doubt = "mehrere Absender in From" if len(addresses) > 1 else "From-Zeile fehlerhaft"
    return "", address, doubt


_UTF8_WORD = re.compile(r"=\?utf-8\?([qQbB])\?([^?]*)\?=", re.IGNORECASE)


def _decoded_name(name: str) -> str:
    """`str(make_header(decode_header(name)))`, quicker for a name of words between single
    spaces, each either plain (without "=?") or a UTF-8 encoded word ("=?utf-8?q?J=C3=BCrgen?=
    Meyer", as most mail programs write a name with an umlaut); any other by email. Decoded as
    email decodes them: the space between two encoded words is dropped and their bytes are
    joined before they are read as UTF-8 (a character may be split between them)."""
    words = name.split(" ")
    pieces: list[str] = []
    run: list[bytes] = []  # the bytes of consecutive encoded words
    for word in words:
        encoded = _UTF8_WORD.fullmatch(word)
        if encoded is not None:
            run.append(_word_bytes(*encoded.groups()))
            continue
        if not word or "=?" in word or not word.isprintable():
            return str(make_header(decode_header(name)))
        if run:
            pieces.append(b"".join(run).decode("utf-8"))
            run = []
        pieces.append(word)
    if run:
        pieces.append(b"".join(run).decode("utf-8"))
    return " ".join(pieces)


def _word_bytes(encoding: str, text: str) -> bytes:
    """The bytes of an encoded word's text ("Q" or "B"), as `email.header.decode_header`
    reads them."""
    if encoding in "qQ":
        return email.quoprimime.header_decode(text).encode("latin-1")
    try:
        return email.base64mime.decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise HeaderParseError("Base64 decoding error") from error


def _plain_name(name: str) -> str:
    name = " ".join(name.split())
    return "" if "@" in name or not name.isprintable() else name


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, TypeError, IndexError, AttributeError):
        # The parsed value is refused (an encoded CR/LF in a display name), or the parser
        # trips over it ("From: . <a@b>"). The raw text still holds the address; line breaks
        # in it must never reach a header we write.
        return " ".join(_raw_header(message, name).split())


def parse_mail(raw: bytes, *, own_addresses: Iterable[str] = (),
               max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
               trusted_authserv_id: str = "", budget: Budget | None = None) -> ParsedMail:
    """Decode a whole mail. Never raises: a mail that breaks the decoder (2,000 nested parts,
    a header no parser reads) is read from its headers alone, with a note for the sender."""
    try:
        return _parse_mail(raw, own_addresses, max_attachment_bytes, trusted_authserv_id, budget)
    except Exception:
        parsed = headers_only(raw, own_addresses)
        return replace(parsed, notes=(*parsed.notes, UNREADABLE_MAIL))


MAX_ATTACHMENT_PARTS = 20  # attachments read of one mail (the core keeps the first 10 texts)


def too_many_attachments(count: int) -> str:
    return (f"Ihre E-Mail hat {count} Anlagen; ich habe nur die ersten {MAX_ATTACHMENT_PARTS} "
            "angesehen. Bitte senden Sie die Projektskizze als eine Datei.")


UNREADABLE_MAIL = ("Den Inhalt Ihrer E-Mail konnte ich nicht lesen (ihr Aufbau ist zu "
                   "verschachtelt oder beschädigt). Bitte senden Sie den Text einfach im Text "
                   "einer neuen E-Mail.")


def headers_only(raw: bytes, own: Iterable[str] = ()) -> ParsedMail:
    """What the headers say, for a mail too large to read or one that broke the parser."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:256 * 1024] + b"\r\n\r\n"
    message = message_from_bytes(head)
    try:
        name, address, doubt = _from(message)
        subject = " ".join(_header(message, "Subject").split())
    except (ValueError, TypeError, IndexError, AttributeError, HeaderParseError):
        name, address, doubt, subject = "", "", "From-Zeile unlesbar", ""
    address = address.strip().lower()
    ids = _message_ids(_raw_header(message, "Message-ID"))
    return ParsedMail(address, name, subject, "", (), ids[0] if ids else "", "", (),
                      automatic_reason(message, address, own), (), len(raw), doubt=doubt)


def _parse_mail(raw: bytes, own_addresses: Iterable[str], max_attachment_bytes: int,
                trusted_authserv_id: str, budget: Budget | None) -> ParsedMail:
    message = message_from_bytes(raw)
    assert isinstance(message, EmailMessage)
    name, address, doubt = _from(message)
    reply_to = " ".join(_header(message, "Reply-To").split())[:200]
    if not address:
        pairs = getaddresses([_header(message, "Sender"), reply_to])
        address = next((a for _, a in pairs if a), "")
        doubt = doubt or "kein From, Absender aus Sender/Reply-To"
    address = address.strip().lower()
    subject = " ".join(_header(message, "Subject").split())
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        body = part_text(body_part)
        if body_part.get_content_subtype() == "html":
            body = html_to_text(body)
    elif message.get_content_maintype() == "text" and message.get_content_subtype() != "calendar":
        body = part_text(message)
    forwarded = bool(FORWARD_PREFIX.match(subject))
    body = strip_quotes_and_signature(body.replace("\xa0", " ")[:MAX_TEXT_CHARS],
                                      forwarded=forwarded)
    parts: list[tuple[Message, str]] = []
    candidates = message.iter_attachments()
    for part in candidates:
        if part is body_part or part.get_content_maintype() == "multipart":
            continue
        filename = part.get_filename() or ""
        if not filename and part.get_content_disposition() != "attachment":
            continue
        parts.append((part, filename or "Anlage"))
        if len(parts) == MAX_ATTACHMENT_PARTS:
            break
    # the rest is counted, not read: each part's headers cost the parser about 0.4 ms
    more = sum(1 for _ in candidates)
    attachments, notes = read_attachments(parts, max_attachment_bytes, budget or Budget())
    if more:
        notes.append(too_many_attachments(len(parts) + more))
    answer = calendar_answer(message, address)
    if answer is not None:
        attachments.append(answer)
    return ParsedMail(
        address=address,
        display_name=name.strip(),
        subject=subject,
        body=body,
        attachments=tuple(attachments),
        message_id=next(iter(_message_ids(_raw_header(message, "Message-ID"))), ""),
        in_reply_to=next(iter(_message_ids(_raw_header(message, "In-Reply-To"))), ""),
        references=_message_ids(_raw_header(message, "References")),
        automatic=automatic_reason(message, address, own_addresses),
        notes=tuple(notes),
        size=len(raw),
        reply_to=reply_to,
        doubt=doubt,
        authenticated=doubt is None and bool(trusted_authserv_id) and verified(
            message.get_all("Authentication-Results") or (), trusted_authserv_id, address),
    )


# -- what the core sees -------------------------------------------------------------------------


def strip_reply_prefix(subject: str) -> str:
    """Without "Re: AW: WG:"; looked for in the first 300 characters only."""
    return (REPLY_PREFIX.sub("", subject[:300]) + subject[300:]).strip()


def referenced(parsed: ParsedMail, own_marker: str = "sozialbot") -> tuple[str, ...]:
    """Application numbers, confirmation codes and sessions ("session:ADE:2026-03-12") this
    mail points at: in the subject, and in the Message-IDs of our own mails it answers (which
    carry them, see `bot.mail.channel`)."""
    found: list[str] = []
    found += NUMBER.findall(parsed.subject.upper())
    found += CODE_IN_SUBJECT.findall(parsed.subject)
    for message_id in (parsed.in_reply_to, *reversed(parsed.references)):
        if message_id.startswith(own_marker + "."):
            for token in message_id.split("@", 1)[0].split(".")[1:]:
                if NUMBER.fullmatch(token) or re.fullmatch(rf"C-{CODE_PATTERN}", token):
                    found.append(token.removeprefix("C-"))
                elif session := SESSION_TOKEN.fullmatch(token):
                    day = session.group(2)
                    found.append(f"session:{session.group(1)}:{day[:4]}-{day[4:6]}-{day[6:]}")
    return tuple(dict.fromkeys(found))


def code_of(actions: Iterable[Action]) -> str | None:
    """The confirmation code of our own answer, from its buttons ("/buchen CODE"), never from its
    text: an applicant's title in a preview could hold a fake "/buchen CODE"."""
    for action in actions:
        parts = action.command.split()
        if (len(parts) == 2 and parts[0] in ("/buchen", "/freigeben")
                and re.fullmatch(CODE_PATTERN, parts[1])):
            return parts[1]
    return None


def answers_us(parsed: ParsedMail, own_marker: str = "sozialbot") -> bool:
    return any(m.startswith(own_marker + ".") for m in (parsed.in_reply_to, *parsed.references))


def _command_word(token: str) -> str:
    word = token.lstrip("/").split("@", 1)[0].lower().strip(".,:;!?")
    for umlaut, spelt in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(umlaut, spelt)
    return word


def message_text(parsed: ParsedMail, *, known_person: bool, commands: Iterable[str]) -> str:
    """The text for the core: the body; a command in the subject of a new mail ("/saldo 2026",
    or "Saldo" from a known person) goes first. The subject counts only on a new mail: "Re:
    Saldo" answering our answer is no new request, nor is "AW: WG: Tagesordnung" above a
    body (someone else's mail answered or passed on).

    A subject without its slash is a title as much as a command: "Sitzung heute" above the
    results of a meeting is no /sitzung. A command that changes something at once is taken
    from it only where the body is empty; one that reads ("Saldo") or previews ("Beschluss
    12.03.2026" above the decisions) with the body too.

    Everything else (labels, a command word without its slash, a code left out of "/buchen")
    is read by the core, alike for every channel (handlers/understand.py)."""
    from handlers.commands import ACTS_AT_ONCE  # here: parse_mail never needs it

    words = set(commands)
    body = parsed.body.strip()
    subject = strip_reply_prefix(parsed.subject)
    # "AW: WG: Tagesordnung 12.03." above the results: someone's mail answered or passed on,
    # its subject is no request of this sender's
    passed_on = bool(body) and REPLY_PREFIX.match(parsed.subject[:300]) is not None
    if body.startswith("/") or not subject or passed_on or answers_us(parsed):
        pass
    elif subject.startswith("/") or (known_person and _command_word(subject.split()[0]) in words
                                     and not _command_line(body, words)
                                     and (not body or _command_word(subject.split()[0])
                                          not in ACTS_AT_ONCE)):
        return "/" + subject.lstrip("/") + ("\n" + body if body else "")
    # a known person's mail with nothing but a subject ("Zusage"): the subject is the text
    return body or (subject if known_person and not parsed.attachments else "")


def _command_line(body: str, words: set[str]) -> bool:
    """Whether the body's first line is a command word without its slash ("saldo 2026")."""
    first = body.split("\n", 1)[0].strip()
    return bool(first) and len(first) <= 120 and _command_word(first.split()[0]) in words
