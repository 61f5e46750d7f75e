"""The text of the documents applicants attach: .docx, .odt and .pdf, and what every channel
says about an attachment it does not read (one wording for e-mail and Telegram).

Pure functions of bytes, no I/O. For any bytes each reader returns text or raises
`AttachmentError`, whose message is a polite German note for the sender; nothing else escapes
(tests/unit/test_document_fuzz.py). Attachments are hostile input: zip bombs, XML entities,
nesting that would exhaust the recursion, PDFs that keep pypdf busy for hours are all refused
with a note.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree import ElementTree

MAX_UNZIPPED_BYTES = 20 * 1024 * 1024  # a .docx/.odt that unpacks to more is a zip bomb
MAX_ZIP_RATIO = 100
MAX_LZMA_DICTIONARY = 64 * 1024 * 1024  # xz's largest preset; liblzma takes up to 4 GB for it
MAX_XML_DEPTH = 100  # a real document nests some 10 levels; the readers recurse per level
MAX_SPACES = 100  # what one ODF space element (text:s) may stand for
MAX_PDF_PAGES = 50
MAX_PDF_SECONDS = 10.0  # a hostile PDF of 1 KB can keep pypdf busy for hours
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 200_000  # what is handed on per part; the core refuses far less anyway

FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
# Mail programs label Windows text as Latin-1 or ASCII; cp1252 reads both and its „ “ €.
_CHARSET_ALIASES = {"us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-1": "cp1252",
                    "latin-1": "cp1252", "latin1": "cp1252", "iso8859-1": "cp1252"}


def row_line(cells: list[str]) -> str:
    """A table row as a labelled line: "Ausgangslage | Viele Kinder …" → "Ausgangslage: …"."""
    if len(cells) == 1:
        return cells[0]
    return f"{cells[0].rstrip(' :')}: {' '.join(cells[1:])}"


def squeeze_blank_lines(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class AttachmentError(ValueError):
    """An attachment that cannot be read; the message is for the sender (German)."""


def _read_zip_member(data: bytes, member: str, filename: str) -> bytes:
    # zipfile, lzma and ElementTree are imported only for an attachment that needs them: they
    # cost `sozialbot run` a few milliseconds at each start (docs/PERFORMANCE.md, section 2).
    import lzma
    import zipfile

    # What zipfile and its decompressors raise on a damaged archive: a bad header, name or CRC
    # (BadZipFile; a name that is not UTF-8 is a UnicodeDecodeError, a bad offset a
    # ValueError), a broken deflate, bzip2 or lzma stream (zlib.error, OSError, LZMAError), a
    # stream cut short (EOFError), an unknown compression method (NotImplementedError).
    zip_errors = (zipfile.BadZipFile, ValueError, zlib.error, OSError, lzma.LZMAError, EOFError,
                  NotImplementedError)
    damaged = AttachmentError(f"Die Anlage „{filename}“ ist beschädigt.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zip_errors:
        raise damaged from None
    with archive:
        infos = archive.infolist()
        unpacked = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos) or 1
        if unpacked > MAX_UNZIPPED_BYTES or unpacked / packed > MAX_ZIP_RATIO:
            raise AttachmentError(f"Die Anlage „{filename}“ ist entpackt zu groß.")
        try:
            info = archive.getinfo(member)
        except KeyError:
            raise AttachmentError(f"Die Anlage „{filename}“ ist kein Textdokument.") from None
        if info.flag_bits & 0x1:
            raise AttachmentError(f"Die Anlage „{filename}“ ist verschlüsselt.")
        if (info.compress_type == zipfile.ZIP_LZMA
                and _lzma_dictionary(data, info.header_offset) > MAX_LZMA_DICTIONARY):
            raise damaged  # a few hundred bytes that ask for gigabytes of memory to unpack
        try:
            with archive.open(info) as stream:
                content = stream.read(MAX_UNZIPPED_BYTES + 1)
        except zip_errors:
            raise damaged from None
        if len(content) > MAX_UNZIPPED_BYTES:
            raise AttachmentError(f"Die Anlage „{filename}“ ist entpackt zu groß.")
        return content


def _lzma_dictionary(data: bytes, header_offset: int) -> int:
    """The dictionary size an LZMA member of a zip archive declares: its local header (30 bytes,
    the name and the extra field), the LZMA header (4 bytes), then the properties (one byte,
    then the size, 4 bytes little-endian). 0 when the archive is too short to say (zipfile then
    finds it damaged)."""
    if header_offset < 0 or len(data) < header_offset + 30:
        return 0
    name, extra = struct.unpack_from("<HH", data, header_offset + 26)
    properties = header_offset + 30 + name + extra + 4
    return int.from_bytes(data[properties + 1:properties + 5], "little")


def _parse_xml(content: bytes, filename: str) -> ElementTree.Element:
    from xml.etree import ElementTree  # see _read_zip_member

    if b"<!DOCTYPE" in content[:2048] or b"<!ENTITY" in content:
        raise AttachmentError(f"Die Anlage „{filename}“ enthält unzulässige XML-Angaben.")
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, LookupError, ValueError):  # also an unknown encoding
        raise AttachmentError(f"Die Anlage „{filename}“ ist beschädigt.") from None
    if _deeper_than(root, MAX_XML_DEPTH):
        raise AttachmentError(f"Die Anlage „{filename}“ ist zu tief verschachtelt; ich kann sie "
                              "nicht lesen.")
    return root


def _deeper_than(root: ElementTree.Element, depth: int) -> bool:
    """Checked level by level, without recursion: the readers recurse once per level."""
    level = [root]
    for _ in range(depth):
        level = [child for element in level for child in element]
        if not level:
            return False
    return True


def _table_lines(table: ElementTree.Element, row: str, cell: str, paragraph: str,
                 text: Callable[[ElementTree.Element], str]) -> list[str]:
    """A table's rows as labelled lines (see row_line); empty cells and rows are left out."""
    lines = []
    for tr in table.iter(row):
        cells = [" ".join(text(p) for p in td.iter(paragraph)).strip() for td in tr.iter(cell)]
        cells = [c for c in cells if c]
        if cells:
            lines.append(row_line(cells))
    return lines


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data: bytes, filename: str = "Dokument.docx") -> str:
    """The paragraphs and table rows of a Word document, in order."""
    root = _parse_xml(_read_zip_member(data, "word/document.xml", filename), filename)
    body = root.find(f"{W}body")
    lines: list[str] = []

    def paragraph(p: ElementTree.Element) -> str:
        parts: list[str] = []
        for node in p.iter():
            if node.tag == f"{W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{W}tab":
                parts.append("\t")
            elif node.tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
        return "".join(parts)

    def block(element: ElementTree.Element) -> None:
        for child in element:
            if child.tag == f"{W}p":
                lines.append(paragraph(child))
            elif child.tag == f"{W}tbl":
                lines.extend(_table_lines(child, f"{W}tr", f"{W}tc", f"{W}p", paragraph))
            elif child.tag == f"{W}sdt":
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    block(content)

    if body is not None:
        block(body)
    return squeeze_blank_lines("\n".join(lines))


TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def odt_text(data: bytes, filename: str = "Dokument.odt") -> str:
    """The paragraphs, headings and table rows of an OpenDocument text, in order."""
    root = _parse_xml(_read_zip_member(data, "content.xml", filename), filename)
    lines: list[str] = []

    def inline(element: ElementTree.Element) -> str:
        parts = [element.text or ""]
        for child in element:
            if child.tag == f"{TEXT_NS}s":
                parts.append(_spaces(child.get(f"{TEXT_NS}c", "1")))
            elif child.tag == f"{TEXT_NS}tab":
                parts.append("\t")
            elif child.tag == f"{TEXT_NS}line-break":
                parts.append("\n")
            else:
                parts.append(inline(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def block(element: ElementTree.Element) -> None:
        for child in element:
            if child.tag in (f"{TEXT_NS}p", f"{TEXT_NS}h"):
                lines.append(inline(child))
            elif child.tag == f"{TABLE_NS}table":
                lines.extend(_table_lines(child, f"{TABLE_NS}table-row", f"{TABLE_NS}table-cell",
                                          f"{TEXT_NS}p", inline))
            else:
                block(child)

    text_body = root.find(f"{OFFICE_NS}body")
    if text_body is not None:
        block(text_body)
    return squeeze_blank_lines("\n".join(lines))


def _spaces(count: str) -> str:
    """An ODF space element: `count` spaces, one if the count is damaged, at most MAX_SPACES."""
    try:
        return " " * max(0, min(int(count), MAX_SPACES))
    except ValueError:
        return " "


class _PdfTooSlow(Exception):
    """Raised from pypdf's operator callback when reading a PDF has taken too long."""


def pdf_text(data: bytes, filename: str = "Dokument.pdf", *,
             max_seconds: float = MAX_PDF_SECONDS) -> str:
    """The text layer of a PDF (a scan without one has none: the sender is told).

    pypdf limits each content stream, but not their sum: a form drawn thousands of times on
    each of 50 pages is read again every time. So the time is checked before every operator."""
    from pypdf import PdfReader

    deadline = time.monotonic() + max_seconds

    def in_time(*_: object) -> None:
        if time.monotonic() > deadline:
            raise _PdfTooSlow

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise AttachmentError(f"Die Anlage „{filename}“ ist verschlüsselt.")
        pages = []
        for page in reader.pages[:MAX_PDF_PAGES]:
            pages.append(page.extract_text(visitor_operand_before=in_time) or "")
            in_time()  # pypdf swallows errors inside a form, so the last one is checked here
    except AttachmentError:
        raise
    except _PdfTooSlow:
        raise AttachmentError(f"Die Anlage „{filename}“ ist zu aufwendig aufgebaut; ich kann "
                              "sie nicht lesen. Bitte senden Sie die Skizze als Text.") from None
    except Exception:
        # pypdf is third-party and a damaged PDF makes it raise far more than its own errors
        # (seen: NotImplementedError for an unknown filter, LimitReachedError, RecursionError
        # for nested arrays); whatever it raises, the file cannot be read.
        raise AttachmentError(f"Die Anlage „{filename}“ kann ich nicht lesen.") from None
    text = squeeze_blank_lines("\n".join(pages))
    if not text:
        raise AttachmentError(f"Die Anlage „{filename}“ enthält keinen Text (eingescannt?). "
                              "Bitte senden Sie die Skizze als Text.")
    return text


READERS = {".docx": docx_text, ".odt": odt_text, ".pdf": pdf_text}
CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}
UNREADABLE = (".doc", ".rtf", ".pages", ".xls", ".xlsx", ".ods", ".wps")


def document_kind(filename: str, content_type: str) -> str:
    """".docx", ".odt", ".pdf", ".txt", one of UNREADABLE, or "" (a logo, a photo)."""
    lower = filename.lower()
    for suffix in (*READERS, ".txt", *UNREADABLE):
        if lower.endswith(suffix):
            return suffix
    return CONTENT_TYPES.get(content_type, "")


# -- attachments, for every channel --------------------------------------------------------------


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text in the declared charset if it decodes cleanly, else utf-8 → cp1252 → latin-1."""
    tried: list[str] = []
    if declared:
        name = declared.strip().strip('"').lower()
        tried.append(_CHARSET_ALIASES.get(name, name))
    tried += [c for c in FALLBACK_CHARSETS if c not in tried]
    for charset in tried:
        try:
            return data.decode(charset)
        except (LookupError, ValueError):  # unknown, undecodable, or a NUL in the name
            continue
    return data.decode("latin-1", errors="replace")  # latin-1 decodes every byte; not reached


def attachment_text(text: str) -> str:
    """A document's text as the core reads it: line ends and length made plain (its labels
    are read by the core, as those of any message)."""
    return text.replace("\r\n", "\n")[:MAX_TEXT_CHARS]


def format_size(size: int) -> str:
    """A size as people read it: "51 KB", "10,0 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def unreadable_note(filename: str, as_text: str) -> str:
    """The note for a file of a kind in UNREADABLE; `as_text` says where the text goes on this
    channel ("im Text der E-Mail")."""
    return (f"Die Anlage „{filename}“ kann ich nicht lesen. Bitte senden Sie die Skizze "
            f"{as_text} oder als .docx, .odt, .pdf oder .txt.")


def too_large_note(filename: str, size: int, limit: int) -> str:
    """The note for a file over the size limit, which is not read at all."""
    return (f"Die Anlage „{filename}“ ist mit {format_size(size)} zu groß "
            f"(höchstens {format_size(limit)}); ich habe sie nicht gelesen.")
