"""References between documents: who names whom, and how.

A document names another in its front matter (``related``, ``supersedes``, ``superseded_by``,
the form of a record it declares), by a Markdown link to the other's file, or by its bare ID in
the text ("see QP-075"). The site turns bare IDs into links (``qms_plugin/docrefs.py``), each
control block lists "Referenced by", ``qms check --base`` reports the impact of a change, and two
rules check the references: all from the same reading of the Markdown here.

The text is read line by line, as a reader sees it: code (fenced or inline), headings, links,
HTML comments and tags are not prose, so an ID there is not a mention. The site's linker walks
the rendered page and leaves the same places alone.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .documents import DEFAULT_ID_PATTERNS, Document
from .findings import Finding

# How one document names another, in the order reports list them.
WAYS = ("related", "supersedes", "superseded_by", "record", "link", "text")
WITHDRAWN = ("superseded", "obsolete")

# IDs and links are few beside the words of a manual, so the text is searched for them first
# (cheap searches with a literal start), and only their own lines are read closely: whether they
# stand in code, a comment, a heading, a link's text or raw HTML. Offsets give the lines.
_FENCED = re.compile(
    r"^[ \t]{0,3}(`{3,}|~{3,})[^\n]*\n.*?^[ \t]{0,3}\1[`~]*[ \t]*$", re.MULTILINE | re.DOTALL
)
_UNCLOSED_FENCE = re.compile(r"^[ \t]{0,3}(?:`{3,}|~{3,}).*\Z", re.MULTILINE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_INLINE_TARGET = re.compile(r"\]\(\s*<?([^)\s>]*)")
_REFERENCE_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)", re.MULTILINE)
# Within one line: what is not prose.
_CODE_SPAN = re.compile(r"(`+).+?\1")
_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"  # [text], one level of brackets inside
    r"(?:\([^)]*\)|\[[^\]]*\])"  # (target "title") or [reference]
)
_RAW_HTML = re.compile(
    r"(?i:<a\b[^>]*>.*?</a\s*>)|</?[A-Za-z][^>]*>|<https?://[^>]*>|\{:?[ \t]*[.#][^}]*\}"
)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)|^[ \t]*(?:!!!|\?\?\?\+?)[ \t]")
_UNDERLINE = re.compile(r"^[ \t]{0,3}(?:=+|-+)[ \t]*$")
_NEWLINE = re.compile(r"\n")


def _spaces(match: re.Match[str]) -> str:
    return " " * len(match.group())


class _Lines:
    """A body's lines, found by offset, each read as prose once asked for."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.breaks = [m.end() for m in _NEWLINE.finditer(body)]
        self.excluded: list[tuple[int, int]] = []
        if "```" in body or "~~~" in body:
            fenced = [m.span() for m in _FENCED.finditer(body)]
            rest = _FENCED.sub(lambda m: "\0" * len(m.group()), body)
            fenced += [m.span() for m in _UNCLOSED_FENCE.finditer(rest)]
            self.excluded += fenced
        if "<!--" in body:
            self.excluded += [m.span() for m in _COMMENT.finditer(body)]
        self.excluded.sort()
        self.starts = [start for start, _ in self.excluded]
        self.prose: dict[int, str | None] = {}

    def index(self, offset: int) -> int:
        return bisect.bisect_right(self.breaks, offset)

    def hidden(self, offset: int) -> bool:
        """Whether the offset is in fenced code or an HTML comment."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.excluded[i][1]

    def line(self, index: int) -> str:
        start = self.breaks[index - 1] if index else 0
        end = self.breaks[index] - 1 if index < len(self.breaks) else len(self.body)
        return self.body[start:end]

    def start(self, index: int) -> int:
        return self.breaks[index - 1] if index else 0

    def code_blanked(self, index: int) -> str:
        line = self.line(index)
        return _CODE_SPAN.sub(_spaces, line) if "`" in line else line

    def text(self, index: int) -> str | None:
        """The line as prose: code, links and raw HTML blanked; None for a heading."""
        if index not in self.prose:
            line = self.code_blanked(index)
            following = self.line(index + 1) if index < len(self.breaks) else ""
            if (
                _HEADING.match(line)
                or _UNDERLINE.match(line)
                or (line.strip() and _UNDERLINE.match(following))
            ):
                self.prose[index] = None
            else:
                self.prose[index] = _RAW_HTML.sub(_spaces, _LINK.sub(_spaces, line))
        return self.prose[index]


def id_pattern(id_patterns: Mapping[str, str]) -> re.Pattern[str]:
    """One expression that finds any document ID of the configured shapes as a whole token
    (not inside a longer word or number such as ``XQP-075`` or ``QP-075-9``)."""
    alternatives = sorted({f"(?:{p})" for p in id_patterns.values()}, key=len, reverse=True)
    # IDs start with a capital letter (the schema's doc_id pattern): looking for one first makes
    # the search faster on prose.
    return re.compile(rf"(?=[A-Z])(?<![\w-])(?:{'|'.join(alternatives)})(?![\w]|-\w)")


@dataclass(frozen=True)
class Prose:
    """What a reader reads in a document's body: the mentions of IDs and the links, by line."""

    mentions: tuple[tuple[int, str], ...]  # (line in the file, ID) in the text
    links: tuple[tuple[int, str], ...]  # (line in the file, link target as written)


def read_prose(body: str, first_line: int, pattern: re.Pattern[str]) -> Prose:
    """Bare IDs and link targets in a Markdown body whose first line is ``first_line``."""
    lines = _Lines(body)
    links: list[tuple[int, str]] = []
    if "](" in body:
        for match in _INLINE_TARGET.finditer(body):
            index = lines.index(match.start())
            code = lines.code_blanked(index)
            at = match.start() - lines.start(index)
            if match.group(1) and not lines.hidden(match.start()) and code[at] == "]":
                links.append((match.start(), match.group(1)))
    if "]:" in body:
        for match in _REFERENCE_DEFINITION.finditer(body):
            if not lines.hidden(match.start()):
                links.append((match.start(), match.group(1)))
    mentions = []
    for match in pattern.finditer(body):
        if lines.hidden(match.start()):
            continue
        index = lines.index(match.start())
        text = lines.text(index)
        at = match.start() - lines.start(index)
        if text is not None and text[at : at + len(match.group())] == match.group():
            mentions.append((first_line + index, match.group()))
    return Prose(
        tuple(mentions),
        tuple((first_line + lines.index(offset), target) for offset, target in sorted(links)),
    )


# The rules read the files, the site the revisions in force: mostly the very same texts.
_read_prose = lru_cache(maxsize=16384)(read_prose)


def resolve_link(doc: Document, target: str) -> str | None:
    """The project-relative path a link in ``doc`` points to; None for a URL, an anchor on the
    same page or a site-absolute path."""
    target = target.split("#", 1)[0].split("?", 1)[0]
    if not target or ":" in target or target.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(doc.path), target))


def linked_paths(doc: Document) -> set[str]:
    """Project-relative paths of the local files the document's Markdown links to."""
    prose = read_prose(doc.body, doc.body_start_line, id_pattern(DEFAULT_ID_PATTERNS))
    return {path for _, target in prose.links if (path := resolve_link(doc, target))}


def record_forms(doc: Document) -> tuple[str, ...]:
    """The forms named by the records the document declares (``records[].form``)."""
    records = doc.data.get("records")
    if not isinstance(records, list):
        return ()
    forms = [r.get("form") for r in records if isinstance(r, dict)]
    return tuple(dict.fromkeys(f.strip() for f in forms if isinstance(f, str) and f.strip()))


@dataclass(frozen=True)
class Named:
    """One document named by another: how, and where in the naming file (first line)."""

    target: str
    ways: tuple[str, ...]
    line: int | None


class References:
    """Every reference between the documents, both ways, read once."""

    def __init__(
        self, documents: Sequence[Document], id_patterns: Mapping[str, str] = DEFAULT_ID_PATTERNS
    ) -> None:
        self.documents = [d for d in documents if d.doc_id]
        self.pattern = id_pattern(id_patterns)
        self.by_path = {d.path: d for d in self.documents}
        self.by_id: dict[str, Document] = {}
        for doc in self.documents:
            assert doc.doc_id is not None
            self.by_id.setdefault(doc.doc_id, doc)
        self._prose: dict[str, Prose] = {}
        self._named: dict[str, dict[str, Named]] = {}

    def prose(self, doc: Document) -> Prose:
        found = self._prose.get(doc.path)
        if found is None:
            found = self._prose[doc.path] = _read_prose(doc.body, doc.body_start_line, self.pattern)
        return found

    def named_by(self, doc: Document) -> dict[str, Named]:
        """The documents ``doc`` names (known or not), by ID, each with the ways it names it."""
        cached = self._named.get(doc.path)
        if cached is not None and doc is self.by_path.get(doc.path):
            return cached
        ways: dict[str, dict[str, int | None]] = {}

        def add(target: str, way: str, line: int | None) -> None:
            ways.setdefault(target, {}).setdefault(way, line)

        for name, targets in (
            ("related", doc.related),
            ("supersedes", doc.supersedes),
            ("superseded_by", (doc.superseded_by,) if doc.superseded_by else ()),
            ("record", record_forms(doc)),
        ):
            field = "records" if name == "record" else name
            for target in targets:
                add(target, name, doc.line(field))
        prose = self.prose(doc)
        for line, target in prose.links:
            path = resolve_link(doc, target)
            linked = self.by_path.get(path) if path else None
            if linked is not None and linked.doc_id:
                add(linked.doc_id, "link", line)
        for line, target in prose.mentions:
            add(target, "text", line)
        ways.pop(doc.doc_id or "", None)
        named = {
            target: Named(
                target,
                tuple(w for w in WAYS if w in found),
                min((line for line in found.values() if line is not None), default=None),
            )
            for target, found in ways.items()
        }
        if doc is self.by_path.get(doc.path):
            self._named[doc.path] = named
        return named

    @cached_property
    def _incoming(self) -> dict[str, list[tuple[Document, Named]]]:
        incoming: dict[str, list[tuple[Document, Named]]] = {}
        for doc in self.documents:
            for target, named in self.named_by(doc).items():
                incoming.setdefault(target, []).append((doc, named))
        return incoming

    def referencing(self, doc_id: str) -> list[tuple[Document, Named]]:
        """The documents that name ``doc_id``, in file order, each with how."""
        return list(self._incoming.get(doc_id, ()))


# --- rules -------------------------------------------------------------------------------------


def _is_withdrawn(doc: Document) -> bool:
    return doc.status in WITHDRAWN


def handed_over_to(target: Document, pattern: re.Pattern[str]) -> set[str]:
    """The documents a withdrawn document hands over to: its successor, and the documents its
    obsolete_reason names (where its content went). They may still name it."""
    names = {target.superseded_by} if target.superseded_by else set()
    names.update(pattern.findall(target.obsolete_reason or ""))
    return {name for name in names if name}


def reference_findings(references: References) -> Iterator[Finding]:
    """``unknown-reference`` for an ID in the text that no document has; ``withdrawn-reference``
    for a document in use that still names a superseded or obsolete one."""
    for doc in references.documents:
        if _is_withdrawn(doc):
            continue  # kept for reference only; nobody works to what it says
        for target, named in references.named_by(doc).items():
            found = references.by_id.get(target)
            if found is None:
                if "text" in named.ways:
                    yield _text_unknown(doc, references, target)
                continue
            if not _is_withdrawn(found) or not {"text", "link", "related"} & set(named.ways):
                continue
            if target in doc.supersedes or doc.doc_id in handed_over_to(found, references.pattern):
                continue  # the successor may say what it replaced
            yield _withdrawn(doc, found, named)


def _text_unknown(doc: Document, references: References, target: str) -> Finding:
    lines = [line for line, name in references.prose(doc).mentions if name == target]
    where = f"line {lines[0]}" if lines else "the text"
    return Finding(
        doc.path,
        lines[0] if lines else None,
        "unknown-reference",
        f"the text names {target} ({where}), but no document has that doc_id; check the ID "
        "against the master document list, or write it as code (`...`) if it is not a "
        "document of this manual",
        doc.doc_id,
    )


def _withdrawn(doc: Document, target: Document, named: Named) -> Finding:
    how = {"text": "in the text", "link": "in a link", "related": "in related"}
    where = " and ".join(how[w] for w in named.ways if w in how)
    if target.superseded_by:
        instead = f"name its successor {target.superseded_by} instead"
    else:
        reason = f" ({target.obsolete_reason.rstrip('.')})" if target.obsolete_reason else ""
        instead = f"it has no successor{reason}: remove the reference or say what applies now"
    return Finding(
        doc.path,
        named.line or (1 if doc.lines else None),
        "withdrawn-reference",
        f"names {target.doc_id} {where}, but {target.doc_id} is {target.status}; staff "
        f"following this document would be sent to a withdrawn one: {instead}",
        doc.doc_id,
        "related" if named.ways == ("related",) else None,
    )
