"""Long replies cut into messages a messenger accepts (Telegram, Matrix): at line breaks, else
at spaces, else hard; each channel measures in its own units."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Chunks whose `measure` fits `limit`, cut at line breaks, else at spaces, else hard."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal current, size
        chunk = "".join(current).strip("\n")
        if chunk.strip():
            chunks.append(chunk)
        current, size = [], 0

    for line in text.splitlines(keepends=True):
        line_size = measure(line)
        if size + line_size > limit:
            flush()
        if line_size <= limit:
            current.append(line)
            size += line_size
            continue
        for piece in _split_long_line(line, limit, measure):
            flush()
            current.append(piece)
            size = measure(piece)
    flush()
    return chunks


def _split_long_line(line: str, limit: int, measure: Callable[[str], int]) -> Iterable[str]:
    piece: list[str] = []
    size = 0
    for word in line.split(" "):
        word_size = measure(word) + 1
        if word_size > limit:
            if piece:
                yield " ".join(piece)
                piece, size = [], 0
            hard: list[str] = []
            hard_size = 0
            for char in word:
                char_size = measure(char)
                if hard_size + char_size > limit:
                    yield "".join(hard)
                    hard, hard_size = [], 0
                hard.append(char)
                hard_size += char_size
            piece, size = ["".join(hard)], hard_size
            continue
        if size + word_size > limit:
            yield " ".join(piece)
            piece, size = [], 0
        piece.append(word)
        size += word_size
    if piece:
        yield " ".join(piece)
