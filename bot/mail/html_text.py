"""An HTML mail's text: blocks become lines, a table row "first cell: the rest", scripts and
styles dropped, in linear time whatever the markup (`bot.mail.body.html_to_text`)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import ClassVar

from bot.documents import row_line, squeeze_blank_lines


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
