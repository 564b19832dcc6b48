"""Markers: lines a document's author writes where generated content belongs.

A marker is an HTML comment on a line of its own, so a plain Markdown preview (GitHub, an
editor) shows nothing where the site shows the generated content:

- ``<!-- qms:records -->``: the table of the records this document declares in its front matter;
- ``<!-- qms:not-applicable -->``: the requirements the organisation does not apply, with the
  justification configured once (the quality manual's scope).

A marker inside fenced code is text, not a marker (so documentation can show one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

RECORDS = "records"
NOT_APPLICABLE = "not-applicable"
MARKERS = (RECORDS, NOT_APPLICABLE)

_MARKER = re.compile(r"^[ \t]{0,3}<!--[ \t]*qms:([a-z-]+)[ \t]*-->[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def _lines(body: str) -> Iterator[tuple[int, str, str | None]]:
    """Each line of ``body`` with its index and the marker it holds (None: none, or in code)."""
    fence: str | None = None
    for index, line in enumerate(body.split("\n")):
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            yield index, line, None
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            yield index, line, None
            continue
        match = _MARKER.match(line)
        yield index, line, match.group(1) if match else None


def markers_in(body: str) -> list[tuple[int, str]]:
    """(0-based line, marker name) of every marker in the body, unknown names included."""
    return [(index, name) for index, _, name in _lines(body) if name is not None]


def expand(body: str, content: Callable[[str], str | None]) -> str:
    """The body with each marker line replaced by ``content(name)`` (kept where that is None).

    The content is raw HTML on lines with no blank line, so Markdown keeps it as one block; a
    blank line around it separates it from the paragraphs next to it.
    """
    if "qms:" not in body:
        return body
    out = []
    for _, line, name in _lines(body):
        html = content(name) if name is not None else None
        if html is None:
            out.append(line)
        else:
            block = "\n".join(part for part in html.splitlines() if part.strip())
            out.append(f"\n{block}\n")
    return "\n".join(out)
