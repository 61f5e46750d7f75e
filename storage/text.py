"""Text any record can hold, whatever a sender sent.

Python keeps what is not valid Unicode as lone surrogates: the bytes of a raw 8-bit mail header
(decoded with "surrogateescape", U+DC80–U+DCFF) and a lone UTF-16 half from a JSON escape
("\\ud800"). UTF-8 encoders (files, orjson, SMTP) refuse them. `storable` turns them into text
that every encoder accepts, without merging two different inputs into one:

- bytes that are valid UTF-8 become their characters (a raw "sek-аde@…" with a Cyrillic "а"
  stays that address, distinct from the Latin one);
- any other byte becomes "\\xNN", any other lone surrogate "\\udNNN".

Records written with `json.dumps(..., ensure_ascii=True)` need none of this: the JSON escape
"\\udcd0" reads back as the same string, losslessly.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def storable(text: str) -> str:
    """`text` without lone surrogates (see the module docstring); unchanged when it has none."""
    if not has_surrogates(text):
        return text

    def decode(match: re.Match[str]) -> str:
        data = match.group().encode("utf-8", "surrogateescape")
        return data.decode("utf-8", "backslashreplace")

    text = _ESCAPED_BYTES.sub(decode, text)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
