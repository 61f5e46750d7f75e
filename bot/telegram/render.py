"""The core's plain-text replies as Telegram shows them: HTML-escaped, split below its limits."""

from __future__ import annotations

import html

from bot.chunks import split_text as split_chunks

TEXT_LIMIT = 4000  # Telegram allows 4096; a margin for clients that count differently
CAPTION_LIMIT = 1000  # Telegram allows 1024 for a file's caption


def units(text: str) -> int:
    """Escaped length in UTF-16 code units, as Telegram counts."""
    escaped = html.escape(text, quote=False)
    return len(escaped.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks whose escaped form fits `limit` (bot.chunks)."""
    return split_chunks(text, limit, units)


def to_html(text: str) -> str:
    """The core's plain text as Telegram HTML: nothing a user typed ever becomes markup."""
    return html.escape(text, quote=False)


def settled_text(question: str, answer: str) -> str:
    """A message whose button was answered: its last line (the question, "Noch ist nichts
    gebucht …", "Bitte sagen Sie zu oder ab.") becomes the answer; a one-line message keeps
    its line and gets the answer below."""
    lines = question.rstrip().splitlines()
    kept = lines[:-1] if len(lines) > 1 else lines
    return "\n".join([*kept, answer])
