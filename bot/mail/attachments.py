"""A mail's attachments → the text the core reads: .txt read here, .docx/.odt/.pdf in the sandbox
(`bot.sandbox`) within one budget for the whole mail; a file that is not read gets a note for
the sender in the wording every channel uses (`bot.documents`)."""

from __future__ import annotations

from email.message import Message

from bot.documents import (
    MAX_ATTACHMENT_BYTES,
    READERS,
    UNREADABLE,
    AttachmentError,
    attachment_text,
    decode_bytes,
    document_kind,
    too_large_note,
    unreadable_note,
)
from bot.sandbox import Budget, Job, read_documents
from handlers.messages import Attachment


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


def read_attachments(parts: list[tuple[Message, str]], max_bytes: int,
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
