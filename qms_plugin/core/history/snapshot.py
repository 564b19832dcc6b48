"""Reading the front-matter fields history needs from one version of a file (a Git blob)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

from .. import frontmatter
from .model import Snapshot

# Front-matter keys read at every change; the rest of a historic front matter is not needed.
SNAPSHOT_KEYS = (
    "doc_id",
    "title",
    "revision",
    "status",
    "approved_by",
    "effective_date",
    "change_summary",
    # what the publication model needs: when a revision was approved and when a withdrawn
    # document stops being in force
    "approval_date",
    "superseded_by",
    "withdrawal_date",
    # periodic reviews recorded in the front matter: a review-only change is not a revision
    "last_review",
    "last_review_by",
    "last_review_outcome",
)

# The line that closes a front matter (the opening one is checked on its own).
_CLOSING = re.compile(rb"^(?:---|\.\.\.)[ \t\f\v]*\r?$", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"


def snapshot_of(raw: bytes) -> Snapshot:
    """Read the fields history needs from one version of a file.

    History reads thousands of versions, so the bytes are split without decoding the body,
    and plain ``key: value`` front matter is read directly; anything else goes through the
    same YAML parse as the documents.
    """
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    first_end = raw.find(b"\n")
    opening = raw if first_end < 0 else raw[:first_end]
    if b"\r" in opening.rstrip(b"\r") or opening.rstrip() != b"---":
        return _slow_snapshot(raw) if b"\r" in raw else Snapshot(False, (), _digest(raw))
    closing = _CLOSING.search(raw, first_end + 1)
    if closing is None:  # opened but never closed: nothing can be read from it
        return Snapshot(True, (), _digest(raw))
    front = _decode(raw[first_end + 1 : closing.start()]).replace("\r\n", "\n")
    if "\r" in front:
        return _slow_snapshot(raw)
    return Snapshot(True, _fields(front.rstrip("\n")), _digest(raw[closing.end() + 1 :]))


def _slow_snapshot(raw: bytes) -> Snapshot:
    """A version with old Mac line endings (a lone CR): split as the documents are."""
    front, body, _ = frontmatter.split(_decode(raw))
    digest = _digest(body.encode("utf-8", "surrogatepass"))
    return Snapshot(front is not None, _fields(front) if front else (), digest)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _digest(body: bytes) -> str:
    """What "the body changed" compares: the text, whatever its encoding and line endings."""
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            body = body.decode("cp1252", "replace").encode("utf-8")
    if b"\r" in body:
        body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return hashlib.blake2b(body.strip(), digest_size=12).hexdigest()


_NULLS = ("~", "null", "Null", "NULL")


def _plain(value: str) -> bool:
    """Whether YAML reads ``value`` (a plain scalar on one line) as the very same text."""
    return not (
        value[:1] in "'\"[{|>&*!%@`#?:,-" or " #" in value or ": " in value or value.endswith(":")
    )


@lru_cache(maxsize=8192)
def _fields(front: str) -> tuple[tuple[str, Any], ...]:
    """The wanted fields of one front matter (the same one recurs across versions)."""
    values = simple_fields(front)
    if values is None:
        parsed = frontmatter.parse(f"---\n{front}\n---\n", "", SNAPSHOT_KEYS)
        values = {k: parsed.data[k] for k in SNAPSHOT_KEYS if k in parsed.data}
    return tuple(sorted(values.items()))


# A line that is none of: ``key: value`` (or ``key:``), blank, indented, a list item, a comment.
_ODD_LINE = re.compile(r"^(?![A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)|[ \t#-]|$)", re.MULTILINE)
# An indented line straight after a ``key: value`` line: the value goes on (or is a mapping).
_INDENTED = re.compile(r"\n[ \t]+\S")
_CONTINUED = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:[ \t]+\S[^\n]*\n[ \t]+\S", re.MULTILINE)
# A wanted key's line, and the blank, indented, list and comment lines after it.
_WANTED_LINE = re.compile(
    rf"^({'|'.join(SNAPSHOT_KEYS)})[ \t]*:(?:[ \t]+(.*?))?[ \t]*$((?:\n(?:[ \t#-].*)?)*)",
    re.MULTILINE,
)


def simple_fields(front: str) -> dict[str, Any] | None:
    """The wanted keys from plain ``key: value`` lines and ``- item`` lists under them; None
    where YAML must decide."""
    if front[:1] in (" ", "\t") or _ODD_LINE.search(front):
        return None
    if _INDENTED.search(front) and _CONTINUED.search(front):
        return None
    values: dict[str, Any] = {}
    for key, value, rest in _WANTED_LINE.findall(front):
        if key in values:
            return None  # a repeated key: YAML's rules decide which one counts
        lines = [line for line in rest.split("\n") if line.strip()[:1] not in ("", "#")]
        if value:
            if lines or not _plain(value):
                return None
            values[key] = None if value in _NULLS else value
            continue
        items = []
        for line in lines:
            item = line[2:].strip()
            if not line.startswith("- ") or not item or not _plain(item) or item in _NULLS:
                return None
            items.append(item)
        values[key] = items or None
    return values
