"""Raw HTML inside a paragraph, as Python-Markdown leaves it for treeprocessors.

Inline tags (``<span>``, ``<a href>``) are stashed and replaced by placeholders in the element
tree's text. The term linker and the document-ID linker both split text at the placeholders and
track whether they are inside such a tag, so they never put a link inside the author's HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from markdown.util import HTML_PLACEHOLDER_RE

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)


def segments(text: str) -> Iterator[tuple[str, int | None]]:
    """Split text at Python-Markdown's raw-HTML placeholders: (piece, stash index or None)."""
    if "\x02" not in text:
        yield text, None
        return
    last = 0
    for m in HTML_PLACEHOLDER_RE.finditer(text):
        if m.start() > last:
            yield text[last : m.start()], None
        yield m.group(), int(m.group(1))
        last = m.end()
    if last < len(text):
        yield text[last:], None


def nesting(md: Any, index: int) -> int:
    """+1 for an opening inline HTML tag from the stash, -1 for a closing one, else 0."""
    stash = md.htmlStash.rawHtmlBlocks if md is not None else []
    if index >= len(stash):
        return 0
    raw = str(stash[index]).strip()
    if raw.startswith("</"):
        return -1
    name = re.match(r"<([A-Za-z][\w-]*)", raw)
    if name is None or raw.endswith("/>") or name.group(1).lower() in VOID_TAGS:
        return 0
    return 1
