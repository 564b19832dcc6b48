"""Reading the front-matter fields history needs from one version of a file (a Git blob).

History reads every version exactly as the documents are read now: the same decoding, the same
split of front matter and body, the same bounded YAML parse (``frontmatter.parse``). A version
that parse cannot read whole gets its problem recorded in the snapshot, for the history rules to
report, and never stops a build.

For speed, the usual versions take a shortcut: plain ``key: value`` lines are read directly,
without decoding the body. The shortcut answers only where the full parse would give the very
same fields and no problem; ``tests/test_history_snapshot.py`` checks that with random input.
"""

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

# A line that may close the front matter; whether it does is decided as frontmatter.split does.
_MARKER_LINE = re.compile(rb"^(?:---|\.\.\.)", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"


def snapshot_of(raw: bytes) -> Snapshot:
    """Read the fields history needs from one version of a file."""
    quick = _quick_snapshot(raw)
    return quick if quick is not None else _full_snapshot(raw)


def _quick_snapshot(raw: bytes) -> Snapshot | None:
    """The snapshot without decoding the body, or None where only the full read can tell."""
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        return None  # old Mac line endings: split as the documents are
    if raw.startswith(_BOM):
        if not _is_utf8(raw):
            return None  # decoded as Windows-1252, the mark is text, not a byte-order mark
        raw = raw[len(_BOM) :]
    if not raw.startswith(b"---"):
        return Snapshot(False, (), _digest(raw))
    first_end = raw.find(b"\n")
    if first_end < 0 or raw[:first_end].rstrip() != b"---":
        return None  # no body, or an opening line with more than whitespace after it
    closing = _MARKER_LINE.search(raw, first_end + 1)
    if closing is None:
        return None  # never closed: the full read reports it
    line_end = raw.find(b"\n", closing.start())
    line_end = len(raw) if line_end < 0 else line_end
    if raw[closing.start() : line_end].rstrip() not in (b"---", b"..."):
        return None  # '--- x' or '---' with odd spacing: YAML and the split decide
    front_bytes = raw[first_end + 1 : closing.start()]
    if not front_bytes.isascii() and not _is_utf8(raw):
        return None  # the documents decode the whole file as Windows-1252
    fields, problem = _fields(front_bytes.decode("utf-8").replace("\r\n", "\n").removesuffix("\n"))
    return Snapshot(True, fields, _digest(raw[line_end + 1 :]), problem)


def _full_snapshot(raw: bytes) -> Snapshot:
    """A version read exactly as the documents are read."""
    parsed = frontmatter.parse(frontmatter.decode(raw, "").text, "", SNAPSHOT_KEYS)
    return Snapshot(
        parsed.present,
        _wanted(parsed.data),
        _digest(parsed.body.encode("utf-8", "surrogatepass")),
        _problem(parsed.findings),
    )


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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


def _wanted(data: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, data[k]) for k in SNAPSHOT_KEYS if k in data))


def _problem(findings: list[Any]) -> str | None:
    """What made a version unreadable, in the words the documents' parse uses."""
    if not findings:
        return None
    return "; ".join(f"line {f.line}: {f.message}" if f.line else f.message for f in findings)


@lru_cache(maxsize=8192)
def _fields(front: str) -> tuple[tuple[tuple[str, Any], ...], str | None]:
    """The wanted fields of one front matter and its problem (the same one recurs across
    versions)."""
    values = simple_fields(front)
    if values is not None:
        return tuple(sorted(values.items())), None
    parsed = frontmatter.parse(f"---\n{front}\n---\n", "", SNAPSHOT_KEYS)
    return _wanted(parsed.data), _problem(parsed.findings)


# --- the shortcut: front matter of plain lines --------------------------------------------------

_NULLS = ("~", "null", "Null", "NULL")
# Keys YAML would read as true, false or null rather than as text.
_NON_TEXT_KEYS = frozenset(
    word
    for base in ("yes", "no", "true", "false", "on", "off", "null")
    for word in (base, base.capitalize(), base.upper())
)
# Only characters YAML reads as themselves inside a line: no tab, no control character, no
# line break other than "\n" (YAML also breaks lines at U+0085, U+2028 and U+2029), no
# byte-order mark, no surrogate.
_ORDINARY = re.compile(
    "[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*?))? *")
_ITEM_LINE = re.compile(r"( *)- +(.*?) *")
_QUOTED = re.compile(r"'((?:[^']|'')*)'|\"([^\"\\]*)\"")
# A flow list of plain or quoted items, each without YAML indicators: [7.5, "8.2", QP-001].
_FLOW_ITEM = r"(?:'(?:[^']|'')*'|\"[^\"\\]*\"|[A-Za-z0-9_.()/][^,\[\]{}#:'\"]*?)"
_FLOW_LIST = re.compile(rf"\[ *(?:{_FLOW_ITEM} *(?:, *{_FLOW_ITEM} *)*)?\]")
# Longer values might hold numbers too long to read (4,300 digits); the full parse decides.
_MAX_PLAIN = 4000


def _plain(value: str) -> bool:
    """Whether YAML reads ``value`` (a plain scalar on one line) as the very same text."""
    return not (
        value[:1] in "'\"[]{}|>&*!%@`#?:,-"
        or " #" in value
        or ": " in value
        or value.endswith(":")
        or len(value) > _MAX_PLAIN
    )


def _scalar(value: str) -> tuple[bool, Any]:
    """(readable, text) of a one-line plain or quoted scalar as YAML reads a text field."""
    quoted = _QUOTED.fullmatch(value)
    if quoted is not None:
        single, double = quoted.groups()
        return True, single.replace("''", "'") if single is not None else double
    if not _plain(value):
        return False, None
    return True, None if value in _NULLS else value


def simple_fields(front: str) -> dict[str, Any] | None:
    """The wanted keys of a front matter made only of ``key: value`` lines (plain or quoted
    values, flow lists of simple items), ``key:`` lines with ``- item`` lists under them,
    blank lines and comments; None for anything else, where YAML must decide."""
    if not _ORDINARY.fullmatch(front):
        return None
    values: dict[str, Any] = {}
    seen: set[str] = set()
    listing: str | None = None  # the key whose "- item" lines are being read
    items: list[str] = []
    indent: int | None = None
    for line in front.split("\n"):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue  # a blank line or a comment
        item = _ITEM_LINE.fullmatch(line) if stripped.startswith("- ") else None
        if item is not None:
            if listing is None or indent not in (None, len(item.group(1))):
                return None
            indent = len(item.group(1))
            readable, text = _scalar(item.group(2))
            if not readable or text is None:
                return None
            items.append(text)
            continue
        key_line = _KEY_LINE.fullmatch(line)
        if key_line is None or key_line.group(1) in _NON_TEXT_KEYS:
            return None
        if listing is not None and listing in SNAPSHOT_KEYS:
            values[listing] = items or None
        key, value = key_line.group(1), key_line.group(2)
        if key in seen:
            return None  # a repeated key is a finding of the full parse
        seen.add(key)
        listing, items, indent = None, [], None
        if not value:
            listing = key
            continue
        if len(value) <= _MAX_PLAIN and _FLOW_LIST.fullmatch(value):
            if key in SNAPSHOT_KEYS:
                return None
            continue
        readable, text = _scalar(value)
        if not readable:
            return None
        if key in SNAPSHOT_KEYS:
            values[key] = text
    if listing is not None and listing in SNAPSHOT_KEYS:
        values[listing] = items or None
    return values
