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
