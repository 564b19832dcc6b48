"""Users' text (titles, file names, commit subjects, names) shown where it could do harm."""

from __future__ import annotations

import re

# Characters that steer a terminal or reorder what is displayed: C0 and C1 controls (ESC starts
# escape sequences, CR returns to the start of the line and overwrites it), DEL, line and
# paragraph separators, and the bidirectional controls that make text read in another order.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\r``), so
    that printing it can neither move the cursor, overwrite a line nor reorder it."""
    return _HIDDEN.sub(_escape, text) if not text.isprintable() else text


# Characters that start Markdown inside a line (emphasis, code, links and images, HTML and
# entities, headings, strikethrough, maths, table cells, the backslash itself): written as
# numeric character references, which every Markdown renderer shows as the character.
_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]()<>#!|~@&$"})
# What GitHub turns into a mention, an issue reference or a link wherever it stands in the
# rendered text (escapes and references do not stop it): a word joiner after '@' or '#', in
# '://' and in 'www.' breaks it and shows nothing.
_AUTOLINKED = re.compile(r"(?<=[@#])(?=\w)|(?<=:)(?=//)|(?<=[wW])(?=[wW]{2}\.)")


def markdown_text(text: str) -> str:
    """Users' text made inert in Markdown (a pull-request comment): it shows as written, on one
    line, and makes no heading, emphasis, link, image, HTML, mention or table cell; control
    characters show as escapes."""
    return _AUTOLINKED.sub("\u2060", visible(text)).translate(_MARKDOWN)
