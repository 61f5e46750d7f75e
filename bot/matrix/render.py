"""The core's replies as Matrix message contents: a plain `body` and an HTML `formatted_body`
(nothing a person typed ever becomes markup), the core's actions as lines to answer with
(Matrix has no buttons; a reaction 👍/👎 to the message picks the first/second), cut below the
event size limit."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from bot.chunks import split_text
from handlers.messages import Action

# An event may have 65,536 bytes; body and formatted_body both count, the HTML escaped.
CHUNK_BYTES = 24_000
YES = ("👍", "👍️", "✅", "✔️", "☑️")
NO = ("👎", "👎️", "❌", "✖️")


def _bytes(text: str) -> int:
    return len(text.encode()) + len(html.escape(text, quote=False).encode()) // 2


def to_html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br/>")


def contents(text: str, actions: Sequence[Action] = ()) -> list[dict[str, Any]]:
    """The m.text contents of one reply, the action lines on the last one."""
    pieces = split_text(text, CHUNK_BYTES, _bytes) or ([""] if actions else [])
    out = [{"msgtype": "m.text", "body": piece, "format": "org.matrix.custom.html",
            "formatted_body": to_html(piece)} for piece in pieces]
    if actions:
        plain = "\n".join(f"• {a.label}: {a.command}" for a in actions)
        items = "".join(f"<li>{html.escape(a.label)}: <code>{html.escape(a.command)}</code></li>"
                        for a in actions)
        hint = ("Antworten Sie mit einer dieser Zeilen" +
                (" oder reagieren Sie mit 👍 / 👎" if len(actions) <= 2 else "") + ":")
        last = out[-1]
        last["body"] = f"{last['body']}\n\n{hint}\n{plain}".lstrip()
        last["formatted_body"] = f"{last['formatted_body']}<p>{hint}</p><ul>{items}</ul>"
    return out


def reaction_command(key: str, actions: Sequence[Action]) -> str | None:
    """The command a reaction stands for on a message with `actions` (None: none)."""
    key = key.strip()
    if key in YES and actions:
        return actions[0].command
    if key in NO and len(actions) > 1:
        return actions[1].command
    return None
