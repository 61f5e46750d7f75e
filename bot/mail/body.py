"""The text of a mail's body as people write it: decoded from any charset, format=flowed lines
joined, HTML made plain text (in linear time, whatever the markup), quoted replies, forwarded
headers and signatures dropped. Pure functions of text, no I/O."""

from __future__ import annotations

import re
from email.message import Message
from email.utils import collapse_rfc2231_value

from bot.documents import decode_bytes, squeeze_blank_lines


def part_text(part: Message) -> str:
    """A text part's text: decoded (declared charset, an HTML meta charset, or a fallback),
    format=flowed lines joined, line ends made plain."""
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


def html_to_text(html: str) -> str:
    """HTML as text lines (`bot.mail.html_text`, imported for the first HTML mail: most mails
    are plain text, and a start need not import Python's HTML parser)."""
    from bot.mail.html_text import html_to_text as read

    return read(html)


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

# What each line of a reply is tested for (a signature, a rule, an original, an Outlook header,
# a closing, a quote, an attribution) begins, after any whitespace, with one of these (in
# either case, as the tests read them); a line that does not is text to keep.
_MAY_END = re.compile(
    r"\s*(?:[-_>*]|von|from|am|on|le|el|mit|viele|best|liebe|freundliche|herzliche|schöne|"
    r"grü|gru|mfg|lg|vg|kind|regards)", re.IGNORECASE)


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
        if _MAY_END.match(line) is None:  # no test below can hold for it
            kept.append(line)
            continue
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
