"""Property-based fuzzing of the document readers (.docx, .odt, .pdf, .txt attachments).

Whatever bytes an applicant attaches, a reader returns text or raises AttachmentError, whose
message is the polite note for the sender; nothing else may escape. A generated document's text
comes back in order, and a mail carrying any of these documents is parsed without an exception.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.documents import AttachmentError, docx_text, odt_text, pdf_text
from bot.mail.attachments import read_attachment
from bot.mail.parse import parse_mail
from tests.support.mailservers import make_docx, make_odt

Reader = Callable[[bytes, str], str]
READERS: dict[str, Reader] = {".docx": docx_text, ".odt": odt_text, ".pdf": pdf_text}
CONTENT_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".odt": ("application", "vnd.oasis.opendocument.text"),
    ".pdf": ("application", "pdf"),
    ".txt": ("text", "plain"),
}

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ODT_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
                  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')

# Printable text as anyone may type it, "<", "&" and "]]>" included: no control characters,
# surrogates, unassigned code points or line separators (XML cannot carry the first three).
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp"))
TEXT = st.text(st.one_of(PRINTABLE, st.sampled_from("<>&\"':;  ]")), max_size=30)
RUNS = st.lists(TEXT, min_size=1, max_size=3)  # a paragraph, as the runs Word splits it into
TABLE = st.lists(st.lists(RUNS, min_size=1, max_size=3), min_size=1, max_size=3)
BLOCKS = st.lists(st.one_of(RUNS, TABLE.map(tuple)), min_size=1, max_size=6)
# A document's body: a paragraph is a list of runs, a table a tuple of rows of cells of runs.
Blocks = list[list[str] | tuple[list[list[str]], ...]]
# Latin-1 text that reportlab's standard fonts can draw (no soft hyphen, no controls).
PDF_LINE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                 blacklist_categories=("Cc", "Cf")), max_size=50)


def zipped(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # two members of one name are wanted here
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def repacked(data: bytes, compression: int) -> bytes:
    return zipped(members(data), compression)


def docx(blocks: Blocks) -> bytes:
    """A .docx of paragraphs (each a list of runs) and tables (rows of cells of runs)."""
    def paragraph(runs: list[str]) -> str:
        return "<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{escape(run)}</w:t></w:r>'
                                 for run in runs) + "</w:p>"

    body = "".join(
        paragraph(block) if isinstance(block, list) else
        "<w:tbl>" + "".join("<w:tr>" + "".join(f"<w:tc>{paragraph(cell)}</w:tc>" for cell in row)
                            + "</w:tr>" for row in block) + "</w:tbl>"
        for block in blocks)
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}">'
                f"<w:body>{body}<w:sectPr/></w:body></w:document>")
    return zipped([("word/document.xml", document.encode())])


def odt(blocks: Blocks) -> bytes:
    """An .odt of the same blocks: runs as text:span, runs of spaces as text:s with a count."""
    def inline(text: str) -> str:
        return re.sub(r" {2,}", lambda spaces: f' <text:s text:c="{len(spaces[0]) - 1}"/>',
                      escape(text))

    def paragraph(runs: list[str]) -> str:
        return "<text:p>" + "".join(f"<text:span>{inline(run)}</text:span>" if i % 2 else
                                    inline(run) for i, run in enumerate(runs)) + "</text:p>"

    body = "".join(
        paragraph(block) if isinstance(block, list) else
        "<table:table>" + "".join(
            "<table:table-row>" + "".join(f"<table:table-cell>{paragraph(cell)}</table:table-cell>"
                                          for cell in row) + "</table:table-row>"
            for row in block) + "</table:table>"
        for block in blocks)
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NAMESPACES}>'
               f"<office:body><office:text>{body}</office:text></office:body>"
               "</office:document-content>")
    return zipped([("mimetype", b"application/vnd.oasis.opendocument.text"),
                   ("content.xml", content.encode())])


def pdf(lines: list[str], *, compress: bool = True) -> bytes:
    """A PDF with a text layer, one line per line (as a word processor's export has)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=int(compress))
    for number, line in enumerate(lines):
        page.drawString(60, 800 - 16 * number, line)
    page.save()
    return buffer.getvalue()


SKETCH = ["Sozialraum: Ilmenau", "Träger: SV Melbeck", "Titel: Schwimmkurs",
          "Ausgangslage: Viele Kinder können nicht schwimmen.", "Betrag: 1.800 €"]
WORD = make_docx(SKETCH[:2], [("Ziele", "Alle Kinder schwimmen"), ("Kosten", "1.800 €")])
WRITER = make_odt([*SKETCH, "Maßnahme", "Kurs  im Sommer"], headings=("Maßnahme",))
# Packed with each compression zipfile reads, so that damage reaches each decompressor.
SEEDS: dict[str, list[bytes]] = {
    ".docx": [WORD, repacked(WORD, zipfile.ZIP_BZIP2), docx([SKETCH[2:]])],
    ".odt": [WRITER, repacked(WRITER, zipfile.ZIP_LZMA), odt([SKETCH[2:]])],
    ".pdf": [pdf(SKETCH), pdf(SKETCH, compress=False)],
}


# -- damage -------------------------------------------------------------------------------------


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with one to three byte flips, cuts, junk insertions or swapped slices."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "swap"]))
        if kind == "flip" and at < len(data):
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif kind == "cut":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
        else:
            end = draw(st.integers(at, min(len(data), at + 200)))
            other = draw(st.integers(0, max(0, len(data) - (end - at))))
            piece = data[at:end]
            rest = data[:at] + data[end:]
            data = rest[:other] + piece + rest[other:]
    return data


@st.composite
def damaged_zip(draw: st.DrawFn, data: bytes) -> bytes:
    """A .docx/.odt repacked with its members swapped, renamed, damaged inside, or packed
    with another compression: damage that reaches the XML parser and the reader."""
    names, contents = (list(column) for column in zip(*members(data), strict=True))
    kind = draw(st.sampled_from(["swap", "rename", "damage", "replace"]))
    which = draw(st.integers(0, len(names) - 1))
    if kind == "swap":
        names = draw(st.permutations(names))
    elif kind == "rename":
        names[which] = draw(st.sampled_from(["word/document.xml", "content.xml", "../content.xml",
                                             "WORD/DOCUMENT.XML", "x"]))
    elif kind == "damage":
        contents[which] = draw(damaged_bytes(contents[which]))
    else:
        contents[which] = draw(st.binary(max_size=200))
    compression = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                        zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
    return zipped(list(zip(names, contents, strict=True)), compression)


# Trees of the readers' own tags and attributes, in any nesting, with any text between.
DOCX_TAGS = ["w:p", "w:r", "w:t", "w:tab", "w:br", "w:cr", "w:tbl", "w:tr", "w:tc", "w:sdt",
             "w:sdtContent", "w:body"]
ODT_TAGS = ["text:p", "text:h", "text:span", "text:s", "text:tab", "text:line-break",
            "table:table", "table:table-row", "table:table-cell", "office:text", "office:body"]
ATTRIBUTE_VALUE = st.one_of(st.integers(-5, 10**12).map(str), TEXT)


def xml_tree(tags: list[str]) -> st.SearchStrategy[str]:
    leaf = TEXT.map(escape)

    def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.builds(
            lambda tag, count, inner: (f'<{tag} text:c="{escape(count)}">' if count is not None
                                       else f"<{tag}>") + "".join(inner) + f"</{tag}>",
            st.sampled_from(tags), st.none() | ATTRIBUTE_VALUE, st.lists(children, max_size=4))

    return st.recursive(leaf, element, max_leaves=30)


@st.composite
def structured(draw: st.DrawFn) -> tuple[str, bytes]:
    """A .docx or .odt whose XML is a random tree of the tags the reader looks for."""
    if draw(st.booleans()):
        inner = draw(xml_tree(DOCX_TAGS))
        document = (f'<w:document xmlns:w="{W_NS}" {ODT_NAMESPACES}><w:body>{inner}</w:body>'
                    "</w:document>")
        return ".docx", zipped([("word/document.xml", document.encode())])
    inner = draw(xml_tree(ODT_TAGS))
    content = (f"<office:document-content {ODT_NAMESPACES}><office:body>{inner}</office:body>"
               "</office:document-content>")
    return ".odt", zipped([("content.xml", content.encode())])


def any_document() -> st.SearchStrategy[tuple[str, bytes]]:
    """(suffix, bytes) of every kind above: random, damaged, repacked, structured, generated."""
    suffixes = st.sampled_from(sorted(SEEDS))
    seeds = suffixes.flatmap(lambda s: st.tuples(st.just(s), st.sampled_from(SEEDS[s])))
    return st.one_of(
        st.tuples(st.sampled_from([*READERS, ".txt"]), st.binary(max_size=2000)),
        seeds.flatmap(lambda seed: st.tuples(st.just(seed[0]), damaged_bytes(seed[1]))),
        st.sampled_from([".docx", ".odt"]).flatmap(
            lambda s: st.tuples(st.just(s), damaged_zip(SEEDS[s][0]))),
        structured(),
        BLOCKS.map(lambda blocks: (".docx", docx(blocks))),
        BLOCKS.map(lambda blocks: (".odt", odt(blocks))),
    )


def read_or_refuse(suffix: str, data: bytes) -> str | None:
    """The reader's text, or None when it refused with a note for the sender."""
    try:
        text = READERS[suffix](data, f"Skizze{suffix}")
    except AttachmentError as error:
        note = str(error)
    else:
        assert isinstance(text, str)
        return text
    assert note.startswith(f"Die Anlage „Skizze{suffix}“ "), note
    return None


# -- any bytes: text or a polite refusal --------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(suffix=st.sampled_from(sorted(READERS)), data=st.binary(max_size=3000))
def test_any_bytes_are_read_or_refused_politely(suffix: str, data: bytes) -> None:
    read_or_refuse(suffix, data)


@settings(max_examples=500, deadline=None)
@given(document=st.sampled_from(sorted(SEEDS)).flatmap(
    lambda s: st.tuples(st.just(s), st.sampled_from(SEEDS[s]).flatmap(damaged_bytes))))
def test_damaged_documents_are_read_or_refused_politely(document: tuple[str, bytes]) -> None:
    read_or_refuse(*document)


@settings(max_examples=300, deadline=None)
@given(document=st.sampled_from([".docx", ".odt"]).flatmap(
    lambda s: st.tuples(st.just(s), damaged_zip(SEEDS[s][0]))))
def test_repacked_documents_with_swapped_or_damaged_members_are_read_or_refused(
        document: tuple[str, bytes]) -> None:
    read_or_refuse(*document)


@settings(max_examples=300, deadline=None)
@given(document=structured())
def test_any_nesting_of_the_readers_own_tags_is_read_or_refused(
        document: tuple[str, bytes]) -> None:
    read_or_refuse(*document)


# -- generated documents: their text comes back, in order ---------------------------------------


def expected_pieces(blocks: Blocks) -> list[str]:
    """Each paragraph's text, and each cell's text without the spaces and colons a table row
    may lose around it ("Ziele :" | "x" is read as "Ziele: x")."""
    pieces: list[str] = []
    for block in blocks:
        if isinstance(block, list):
            pieces.append("".join(block).strip())
        else:
            pieces += [re.sub(r"^[\s:]+|[\s:]+$", "", "".join(cell))
                       for row in block for cell in row]
    return pieces


def in_order(pieces: list[str], text: str) -> bool:
    at = 0
    for piece in pieces:
        found = text.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


@settings(max_examples=300, deadline=None)
@given(blocks=BLOCKS)
def test_every_paragraph_and_cell_of_a_docx_comes_back_in_order(
        blocks: Blocks) -> None:
    text = docx_text(docx(blocks))

    assert in_order(expected_pieces(blocks), text), text


@settings(max_examples=300, deadline=None)
@given(blocks=BLOCKS)
def test_every_paragraph_and_cell_of_an_odt_comes_back_in_order(
        blocks: Blocks) -> None:
    text = odt_text(odt(blocks))

    assert in_order(expected_pieces(blocks), text), text


def without_whitespace(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(PDF_LINE, min_size=1, max_size=12).filter(
    lambda lines: any(without_whitespace(line) for line in lines)))
def test_every_line_of_a_pdf_comes_back_in_order_whatever_the_spacing(lines: list[str]) -> None:
    text = pdf_text(pdf(lines))

    assert in_order([without_whitespace(line) for line in lines], without_whitespace(text)), text


# -- attachments and whole mails ----------------------------------------------------------------

FILENAMES = st.sampled_from(["Skizze", "Projektskizze Kinderchor (final)", "Übersicht_2026"])


def attachment_mail(suffix: str, data: bytes, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Anna Müller <anna@verein.example>"
    message["To"] = "budget2@landkreis.example"
    message["Subject"] = "Projektskizze"
    message.set_content("Anbei meine Skizze.")
    maintype, subtype = CONTENT_TYPES[suffix]
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@settings(max_examples=300, deadline=None)
@given(document=any_document(), name=FILENAMES)
def test_an_attachment_is_text_or_one_note_naming_the_file(document: tuple[str, bytes],
                                                           name: str) -> None:
    suffix, data = document
    filename = name + suffix
    mail = message_from_bytes(attachment_mail(suffix, data, filename), policy=policy.default)
    [part] = list(mail.iter_attachments())
    assert isinstance(part, Message)

    attachment, note = read_attachment(part, filename)

    assert (attachment is None) != (note is None)
    if attachment is not None:
        assert attachment.filename == filename
        assert isinstance(attachment.text, str)
    else:
        assert note is not None
        assert note.startswith(f"Die Anlage „{filename}“ ")


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(document=any_document(), name=FILENAMES)
def test_a_mail_with_any_such_attachment_is_parsed_and_keeps_its_body(
        document: tuple[str, bytes], name: str) -> None:
    suffix, data = document
    filename = name + suffix

    parsed = parse_mail(attachment_mail(suffix, data, filename))

    assert parsed.body == "Anbei meine Skizze."
    assert parsed.address == "anna@verein.example"
    assert [a.filename for a in parsed.attachments] in ([], [filename])
    assert all(note.startswith(f"Die Anlage „{filename}“ ") for note in parsed.notes)
    assert len(parsed.attachments) + len(parsed.notes) <= 1


# -- what the fuzzing found, and its kin: each raised an exception other than AttachmentError

MEMBER = "word/document.xml"


def damaged_member(change: Callable[[bytearray, int], None]) -> bytes:
    """A one-member .docx, changed in place by `change(data, offset of the central entry)`."""
    data = bytearray(zipped([(MEMBER, b"<w:document/>" * 50)]))
    change(data, data.rindex(b"PK\x01\x02"))
    return bytes(data)


def put(data: bytearray, at: int, value: int, size: int = 2) -> None:
    data[at:at + size] = value.to_bytes(size, "little")


def stored_member_past_the_end(data: bytearray, central: int) -> None:
    put(data, 8, 0)
    put(data, central + 10, 0)
    put(data, central + 20, 5000, 4)
    put(data, central + 24, 5000, 4)


def deflate_said_to_be_bzip2(data: bytearray, central: int) -> None:
    put(data, 8, 12)
    put(data, central + 10, 12)


def name_flagged_utf8_but_not(data: bytearray, central: int) -> None:
    put(data, central + 8, 0x800)
    put(data, central + 46, 0xFF, 1)


ZIP_DAMAGE: dict[str, tuple[Callable[[bytearray, int], None], str]] = {
    # what zipfile raised: zlib.error
    "broken deflate stream": (lambda d, _: d.__setitem__(slice(48, 52), b"\xff" * 4),
                              "ist beschädigt"),
    # BadZipFile, while reading, not while opening
    "wrong checksum": (lambda d, c: put(d, c + 16, 0, 4), "ist beschädigt"),
    "local name differs": (lambda d, _: put(d, 30, ord("v"), 1), "ist beschädigt"),
    # EOFError: a stored member said to run on past the end of the file
    "member longer than the file": (stored_member_past_the_end, "ist beschädigt"),
    # NotImplementedError
    "unknown compression": (lambda d, c: put(d, c + 10, 99), "ist beschädigt"),
    # OSError from bz2
    "deflate data said to be bzip2": (deflate_said_to_be_bzip2, "ist beschädigt"),
    # UnicodeDecodeError (a ValueError) while opening
    "name flagged UTF-8 but not": (name_flagged_utf8_but_not, "ist beschädigt"),
    # RuntimeError: password required
    "encrypted member": (lambda d, c: put(d, c + 8, 1), "ist verschlüsselt"),
}


@pytest.mark.parametrize("damage", sorted(ZIP_DAMAGE))
def test_a_damaged_zip_archive_gets_a_polite_note(damage: str) -> None:
    change, note = ZIP_DAMAGE[damage]

    with pytest.raises(AttachmentError) as refused:
        docx_text(damaged_member(change), "Skizze.docx")

    assert str(refused.value) == f"Die Anlage „Skizze.docx“ {note}."


def test_an_lzma_member_asking_for_a_huge_dictionary_is_damage_and_a_usual_one_is_read() -> None:
    usual = repacked(WRITER, zipfile.ZIP_LZMA)
    archive = zipfile.ZipFile(io.BytesIO(usual))
    info = archive.getinfo("content.xml")
    local = info.header_offset
    name, extra = int.from_bytes(usual[local + 26:local + 28], "little"), \
        int.from_bytes(usual[local + 28:local + 30], "little")
    size_at = local + 30 + name + extra + 4 + 1  # LZMA header, then the properties' first byte
    bomb = bytearray(usual)
    bomb[size_at:size_at + 4] = (800 * 1024 * 1024).to_bytes(4, "little")  # found by hypothesis

    with pytest.raises(AttachmentError) as refused:
        odt_text(bytes(bomb), "Skizze.odt")

    assert str(refused.value) == "Die Anlage „Skizze.odt“ ist beschädigt."
    assert "Schwimmkurs" in odt_text(usual, "Skizze.odt")


@pytest.mark.parametrize("encoding", ["UUF-8", "utf-7", "punycode", "idna", "rot13"])
def test_an_xml_declaration_with_an_unknown_or_unusable_encoding_is_damage(encoding: str) -> None:
    content = f'<?xml version="1.0" encoding="{encoding}"?><office:document-content/>'
    data = zipped([("content.xml", content.encode())])

    with pytest.raises(AttachmentError) as refused:
        odt_text(data, "Skizze.odt")

    assert str(refused.value) == "Die Anlage „Skizze.odt“ ist beschädigt."


def test_an_odt_space_count_that_is_damaged_or_huge_still_reads_as_spaces() -> None:
    counts = ["", "x", "-3", "9" * 5000, "1000000000000", "3"]
    spaces = "".join(f'<text:p>a<text:s text:c="{count}"/>b</text:p>' for count in counts)
    content = (f"<office:document-content {ODT_NAMESPACES}><office:body><office:text>{spaces}"
               "</office:text></office:body></office:document-content>")

    text = odt_text(zipped([("content.xml", content.encode())]))

    assert text.split("\n") == ["a b", "a b", "ab", "a b", "a" + " " * 100 + "b", "a   b"]


DEEP = 5000


@pytest.mark.parametrize(("suffix", "member", "document"), [
    (".docx", MEMBER, f'<w:document xmlns:w="{W_NS}"><w:body>'
     + "<w:sdt><w:sdtContent>" * DEEP + "<w:p><w:r><w:t>x</w:t></w:r></w:p>"
     + "</w:sdtContent></w:sdt>" * DEEP + "</w:body></w:document>"),
    (".odt", "content.xml", f"<office:document-content {ODT_NAMESPACES}><office:body>"
     + "<text:p>" + "<text:span>" * DEEP + "x" + "</text:span>" * DEEP + "</text:p>"
     + "</office:body></office:document-content>"),
])
def test_a_document_nested_deeper_than_any_word_processor_writes_is_refused(
        suffix: str, member: str, document: str) -> None:
    """Both readers recurse once per level: this was a RecursionError."""
    with pytest.raises(AttachmentError, match="ist zu tief verschachtelt"):
        READERS[suffix](zipped([(member, document.encode())], zipfile.ZIP_STORED),
                        f"Skizze{suffix}")


def hand_made_pdf(content: bytes, stream_keys: bytes = b"", kids: bytes = b"3 0 R",
                  sixth: bytes = b"null") -> bytes:
    """A one-page PDF with a sound cross-reference table; object 6 is there for a form or damage,
    `stream_keys` come first in the content stream's dictionary (the first of two keys counts)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count 1 >>" % kids,
               b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >>"
               b" /XObject << /X 6 0 R >> >> >>",
               b"<< %s /Length %d >>\nstream\n%s\nendstream" % (stream_keys, len(content), content),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", sixth]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 7\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % table
    return bytes(out)


TEXT_OPS = b"BT /F1 12 Tf 60 800 Td (Titel: Theater AG) Tj ET"


@pytest.mark.parametrize(("what", "data"), [
    # what pypdf raised: RecursionError
    ("arrays nested 100,000 deep", hand_made_pdf(
        TEXT_OPS.replace(b"ET", b"[" * 100_000 + b"]" * 100_000 + b" TJ ET"))),
    # NotImplementedError
    ("an unknown stream filter", hand_made_pdf(TEXT_OPS, b"/Filter /ASCII85Fecode")),
    # LimitReachedError, not one of pypdf's PdfReadErrors
    ("a stream whose length is itself", hand_made_pdf(TEXT_OPS, b"/Length 4 0 R")),
    # AttributeError
    ("a page that is a reference to itself", hand_made_pdf(TEXT_OPS, kids=b"6 0 R",
                                                           sixth=b"6 0 R")),
])
def test_a_pdf_that_trips_pypdf_is_not_readable_politely(what: str, data: bytes) -> None:
    assert pdf_text(hand_made_pdf(TEXT_OPS)) == "Titel: Theater AG"  # the frame is sound

    with pytest.raises(AttachmentError) as refused:
        pdf_text(data, "Skizze.pdf")

    assert str(refused.value) == "Die Anlage „Skizze.pdf“ kann ich nicht lesen.", what


def test_a_pdf_whose_reading_runs_out_of_time_is_refused_not_read_on() -> None:
    """A 1 KB PDF drawing one form 5,000 times on a page kept pypdf busy for minutes. The time
    limit itself is not tested here (no timing in tests): a limit already passed must stop
    reading at the first operator, inside the form or out."""
    form = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0"
            b" R >> >> /Length %d >>\nstream\n%s\nendstream" % (len(TEXT_OPS), TEXT_OPS))
    data = hand_made_pdf(b"/X Do " * 5000, sixth=form)
    assert pdf_text(data).count("Titel: Theater AG") == 5000

    with pytest.raises(AttachmentError) as refused:
        pdf_text(data, "Skizze.pdf", max_seconds=0)

    assert str(refused.value) == ("Die Anlage „Skizze.pdf“ ist zu aufwendig aufgebaut; ich kann "
                                  "sie nicht lesen. Bitte senden Sie die Skizze als Text.")
