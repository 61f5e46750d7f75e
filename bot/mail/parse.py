"""A mail as people really send it → the plain text and attachments the core reads.

Pure translation, no I/O: `parse_mail(raw)` decodes the body (text/plain preferred, HTML-only
turned into text, any declared charset with a fallback for undeclared or wrong ones), drops
quoted reply text and signatures, reads .txt attachments (and .docx/.odt/.pdf through
`bot.documents`), and says whether the mail was sent automatically (auto-replies, bounces,
list mail: never answered, or two bots would answer each other forever). `message_text` then
puts a command from the subject of a new mail first.

Nothing here reads the words themselves: sketch labels ("1. Ausgangssituation", "**Ziele:**",
"Kosten: 1.500 €"), a command word without its slash, a code left out of "/buchen" are read by
the core (handlers/understand.py, rules/labelled.py), alike for mail, Telegram and console.
"""

from __future__ import annotations

import email
import email.policy
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from email.errors import HeaderParseError, ObsoleteHeaderDefect
from email.header import decode_header, make_header
from email.headerregistry import AddressHeader, BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.utils import collapse_rfc2231_value, getaddresses
from html.parser import HTMLParser
from typing import ClassVar

from bot.documents import (
    MAX_ATTACHMENT_BYTES,
    MAX_TEXT_CHARS,
    READERS,
    UNREADABLE,
    AttachmentError,
    attachment_text,
    decode_bytes,
    document_kind,
    row_line,
    squeeze_blank_lines,
    too_large_note,
    unreadable_note,
)
from bot.mail.ics import MAX_ICS_CHARS, reply_fields
from bot.mail.sender import verified
from bot.sandbox import Budget, Job, read_documents
from handlers.codes import CODE_PATTERN
from handlers.messages import Action, Attachment
from rules.numbers import NUMBER_PATTERN

MAX_MAIL_BYTES = 10 * 1024 * 1024
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


POLICY = email.policy.default.clone(header_factory=_ReusedHeaders())


# -- decoding text ------------------------------------------------------------------------------


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset()
    if charset is None and part.get_content_subtype() == "html":
        meta = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", payload[:4096], re.IGNORECASE)
        charset = meta.group(1).decode("ascii") if meta else None
    text = decode_bytes(payload, charset)
    if _param(part, "format") == "flowed":
        text = _unflow(text, _param(part, "delsp") == "yes")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _param(part: Message, name: str) -> str:
    """A Content-Type parameter, lower case; "" when absent (RFC 2231 forms collapsed)."""
    return collapse_rfc2231_value(part.get_param(name, "")).lower()


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676: a line ending in a space goes on in the next line."""
    out: list[str] = []
    carry = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            carry += line[:-1] if delsp else line
            continue
        out.append(carry + line)
        carry = ""
    if carry:
        out.append(carry)
    return "\n".join(out)


class _HtmlText(HTMLParser):
    """HTML → text lines: blocks become lines, a table row becomes "first cell: the rest"."""

    BLOCKS: ClassVar[set[str]] = {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
        "blockquote", "pre", "hr", "dt", "dd", "section", "article", "address"}
    SKIP: ClassVar[set[str]] = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.cells: list[str] | None = None
        self.skipping = 0
        self.pre = 0

    def _flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        if self.cells is not None:
            if text.strip():
                self.cells.append(" ".join(text.split()))
            return
        for line in text.split("\n") if self.pre else [text]:
            line = line.rstrip() if self.pre else " ".join(line.split())
            if line.strip():
                self.lines.append(line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "pre":
            self._flush()
            self.pre += 1
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th") or tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre":
            self._flush()
            self.pre = max(0, self.pre - 1)
        elif tag in ("td", "th"):
            self._flush()
        elif tag == "tr":
            self._flush()
            cells, self.cells = self.cells or [], None
            if cells:
                self.lines.append(row_line(cells))
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        if self.cells:
            self.lines.append(row_line(self.cells))
        return squeeze_blank_lines("\n".join(self.lines))


MAX_TAG_CHARS = 4_000  # a real tag with its attributes is far shorter


def _closed_tags_only(html: str) -> str:
    """The HTML with every "<" that does not open a closed tag written as "&lt;".

    Python's HTMLParser starts over at each "<" whose tag never ends, which takes quadratic
    time ("<a " 20,000 times: 12 s). A "<" counts as a tag only if a ">" follows before the
    next "<" and within MAX_TAG_CHARS; each character is looked at once or twice."""
    out: list[str] = []
    done = 0
    start = html.find("<")
    while start != -1:
        following = html.find("<", start + 1)
        end = len(html) if following == -1 else following
        close = html.find(">", start + 1, min(end, start + MAX_TAG_CHARS))
        out += [html[done:start], "<" if close != -1 else "&lt;"]
        done, start = start + 1, following
    out.append(html[done:])
    return "".join(out)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(_closed_tags_only(html))
    parser.close()
    return parser.text()


# -- quoted replies and signatures --------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"^\s*(am|on|le|el)\b.{0,200}\b(schrieb|wrote|a écrit|escribió)\b.{0,80}:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(ursprüngliche nachricht|original message|weitergeleitete nachricht|"
    r"forwarded message|nachricht im original)\s*-{2,}\s*$", re.IGNORECASE)
_OUTLOOK_HEADER = re.compile(r"^\s*\*?(von|from)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(gesendet|sent|datum|date|an|to)\s*:", re.IGNORECASE)
_CLOSING = re.compile(
    r"^\s*(mit (den )?(freundlichen|besten|herzlichen|lieben) grü(ß|ss)en|"
    r"(viele|beste|liebe|freundliche|herzliche|schöne) grü(ß|ss)e|grü(ß|ss)e|gru(ß|ss)|"
    r"mfg|lg|vg|best regards|kind regards|regards)\b[\s,.!]*(\S.{0,40})?$",
    re.IGNORECASE)


def strip_quotes_and_signature(text: str, *, forwarded: bool = False) -> str:
    """The new text of a reply: without quoted lines, the quoted original and the signature.

    Cut at the signature delimiter ("-- "), a closing formula on its own line ("Mit freundlichen
    Grüßen"), an Outlook header block or "-----Ursprüngliche Nachricht-----"; drop "> " lines and
    the "Am … schrieb …:" line above them. Text between quotes (answers inline) stays.

    A forwarded mail ("WG:", "Fwd:") is the other way round: the forwarded text is what counts.
    Its header block and quote marks go, each signature is skipped up to the next forwarded part.
    """
    if forwarded:
        return _forwarded_text(text.split("\n"))
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if (_is_signature(line) or _ORIGINAL.match(line) or _is_rule(line)
                or _outlook_header_at(lines, index)):
            break
        if _CLOSING.match(line) and len(line.strip()) <= 60 and kept:
            break
        if line.lstrip().startswith(">") or _ATTRIBUTION.match(line):
            continue
        kept.append(line)
    return squeeze_blank_lines("\n".join(kept))


def _is_signature(line: str) -> bool:
    return line.rstrip() == "--" or line == "-- "


def _is_rule(line: str) -> bool:
    """Outlook's line of underscores above a quoted or forwarded mail."""
    return len(line.strip()) >= 10 and not line.strip("_ ")


def _outlook_header_at(lines: list[str], index: int) -> bool:
    return bool(_OUTLOOK_HEADER.match(lines[index])) and any(
        _OUTLOOK_NEXT.match(following) for following in lines[index + 1:index + 4])


_HEADER_LINE = re.compile(r"^\s*\*?(von|from|gesendet|sent|datum|date|an|to|cc|betreff|subject)"
                          r"\s*:", re.IGNORECASE)


def _forwarded_text(lines: list[str]) -> str:
    bare = [re.sub(r"^(\s*>)+ ?", "", line) for line in lines]
    kept: list[str] = []
    skipping = in_header = False
    for index, line in enumerate(bare):
        if _ORIGINAL.match(line) or _outlook_header_at(bare, index) or _is_rule(line):
            skipping, in_header = False, True  # a forwarded part begins with its headers
            continue
        if in_header:
            if _HEADER_LINE.match(line):
                continue
            in_header = False
            if not line.strip():
                continue
        if _is_signature(line) or (_CLOSING.match(line) and len(line.strip()) <= 60):
            skipping = True
        if skipping or _ATTRIBUTION.match(line):
            continue
        kept.append(line)
    return squeeze_blank_lines("\n".join(kept))


# -- attachments --------------------------------------------------------------------------------


def _document(part: Message, filename: str,
              max_bytes: int) -> tuple[str, bytes, None] | tuple[None, None, str | None]:
    """(kind, data, None) of an attachment to read, or (None, None, a note or None)."""
    content_type = part.get_content_type()
    suffix = document_kind(filename, content_type)
    if not suffix:
        return None, None, None  # a logo, a photo: not a sketch, nothing to say
    if suffix in UNREADABLE:
        return None, None, unreadable_note(filename, "im Text der E-Mail")
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None, None, None
    if len(data) > max_bytes:
        return None, None, too_large_note(filename, len(data), max_bytes)
    if suffix == ".txt":
        return suffix, decode_bytes(data, part.get_content_charset()).encode(), None
    return suffix, data, None


def read_attachment(part: Message, filename: str,
                    max_bytes: int = MAX_ATTACHMENT_BYTES) -> tuple[Attachment | None, str | None]:
    """(the attachment as text, or None; a note for the sender, or None), read in this process
    (`parse_mail` reads documents in the sandbox instead)."""
    kind, data, note = _document(part, filename, max_bytes)
    if kind is None or data is None:
        return None, note
    try:
        text = data.decode() if kind == ".txt" else READERS[kind](data, filename)
    except AttachmentError as error:
        return None, str(error)
    return Attachment(filename, part.get_content_type(), attachment_text(text)), None


def _read_attachments(parts: list[tuple[Message, str]], max_bytes: int,
                      budget: Budget) -> tuple[list[Attachment], list[str]]:
    """Every attachment of a mail: text files here, documents together in the sandbox, within
    one budget of time and memory for the whole mail."""
    found: list[tuple[int, Attachment]] = []
    notes: list[tuple[int, str]] = []
    jobs: list[tuple[int, str, Job]] = []
    for index, (part, filename) in enumerate(parts):
        kind, data, note = _document(part, filename, max_bytes)
        if note:
            notes.append((index, note))
        if kind == ".txt" and data is not None:
            found.append((index, Attachment(filename, part.get_content_type(),
                                            attachment_text(data.decode()))))
        elif kind is not None and data is not None:
            jobs.append((index, part.get_content_type(), (kind, data, filename)))
    results = read_documents([job for _, _, job in jobs], budget)
    for (index, content_type, (_, _, filename)), (text, note) in zip(jobs, results, strict=True):
        if text is not None:
            found.append((index, Attachment(filename, content_type, attachment_text(text))))
        if note and note not in (n for _, n in notes):
            notes.append((index, note))
    return ([a for _, a in sorted(found, key=lambda x: x[0]) if a.text.strip()],
            [n for _, n in sorted(notes, key=lambda x: x[0])])


def calendar_answer(message: Message, sender: str = "",
                    max_parts: int = 50) -> Attachment | None:
    """A calendar's answer to our invitation (iTIP REPLY, inline or as .ics), decoded into the
    normalized lines the core reads (`bot.mail.ics.reply_fields`); what it means is the core's
    business."""
    for number, part in enumerate(message.walk()):
        if number >= max_parts:
            break
        try:
            filename = (part.get_filename() or "").lower()
            if part.get_content_type() not in ("text/calendar", "application/ics") and not (
                    filename.endswith(".ics")):
                continue
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes) or len(data) > MAX_ICS_CHARS:
                continue
            fields = reply_fields(decode_bytes(data, part.get_content_charset()), sender)
        except (ValueError, LookupError, TypeError, AttributeError):
            continue
        if fields is not None:
            return Attachment("kalenderantwort.ics", "text/calendar", fields)
    return None


# -- automatic mail -----------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(automatische antwort|abwesenheitsnotiz|abwesend|out of (the )?office|autoreply|"
    r"auto-reply|automatic reply|auto:|unzustellbar|undeliverable|undelivered mail|"
    r"delivery status notification|mail delivery failed|returned mail|"
    r"zustellung fehlgeschlagen|nicht zustellbar)", re.IGNORECASE)
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
    if _AUTO_SUBJECT.match(str(message.get("Subject", ""))):
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
    match = _PLAIN_FROM.fullmatch(raw)
    if match and match.group("name") is not None and match.group("name").isascii():
        name = match.group("name")
        try:
            name = str(make_header(decode_header(name))) if "=?" in name else name
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


UNREADABLE_MAIL = ("Den Inhalt Ihrer E-Mail konnte ich nicht lesen (ihr Aufbau ist zu "
                   "verschachtelt oder beschädigt). Bitte senden Sie den Text einfach im Text "
                   "einer neuen E-Mail.")


def headers_only(raw: bytes, own: Iterable[str] = ()) -> ParsedMail:
    """What the headers say, for a mail too large to read or one that broke the parser."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:256 * 1024] + b"\r\n\r\n"
    message = email.message_from_bytes(head, policy=POLICY)
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
    message = email.message_from_bytes(raw, policy=POLICY)
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
        body = _part_text(body_part)
        if body_part.get_content_subtype() == "html":
            body = html_to_text(body)
    elif message.get_content_maintype() == "text" and message.get_content_subtype() != "calendar":
        body = _part_text(message)
    forwarded = bool(FORWARD_PREFIX.match(subject))
    body = strip_quotes_and_signature(body.replace("\xa0", " ")[:MAX_TEXT_CHARS],
                                      forwarded=forwarded)
    parts: list[tuple[Message, str]] = []
    for part in message.iter_attachments():
        if part is body_part or part.get_content_maintype() == "multipart":
            continue
        filename = part.get_filename() or ""
        if not filename and part.get_content_disposition() != "attachment":
            continue
        parts.append((part, filename or "Anlage"))
    attachments, notes = _read_attachments(parts, max_attachment_bytes, budget or Budget())
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
    Saldo" answering our answer is no new request.

    Everything else (labels, a command word without its slash, a code left out of "/buchen")
    is read by the core, alike for every channel (handlers/understand.py)."""
    words = set(commands)
    body = parsed.body.strip()
    subject = strip_reply_prefix(parsed.subject)
    if body.startswith("/") or not subject or answers_us(parsed):
        pass
    elif subject.startswith("/") or (known_person and _command_word(subject.split()[0]) in words
                                     and not _command_line(body, words)):
        return "/" + subject.lstrip("/") + ("\n" + body if body else "")
    # a known person's mail with nothing but a subject ("Zusage"): the subject is the text
    return body or (subject if known_person and not parsed.attachments else "")


def _command_line(body: str, words: set[str]) -> bool:
    """Whether the body's first line is a command word without its slash ("saldo 2026")."""
    first = body.split("\n", 1)[0].strip()
    return bool(first) and len(first) <= 120 and _command_word(first.split()[0]) in words
