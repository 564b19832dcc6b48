"""Redlines: what changed between two revisions, word by word, over the rendered text.

Both revisions are compared as readers see them (rendered HTML), not as Markdown source: a
change of list marker or table alignment is no change, and a moved word in a table cell is shown
in its cell. The text is cut into blocks (headings, paragraphs, list items, table rows, code
blocks); the blocks are aligned first, then the words of each changed block. Aligning blocks
first keeps the cost near the size of what changed, and keeps a change in one paragraph from
being matched against words of another.

The result is data (``Redline``); ``to_html``, ``to_text`` and ``to_markdown`` show it.
"""

from __future__ import annotations

import difflib
import html
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser

from .text import markdown_text as inert_markdown

# Elements whose text forms one block of the redline.
BLOCK_TAGS = frozenset(
    {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd", "tr", "caption"}
    | {"figcaption", "summary", "blockquote", "div"}
)
CELL_TAGS = frozenset({"td", "th"})
SKIP_TAGS = frozenset({"script", "style", "template", "svg"})
SKIP_CLASSES = frozenset({"headerlink"})  # the permalink mark after each heading
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)
# Stands between the cells of a table row in a block's words: a cell boundary is compared like a
# word, so a row keeps its columns.
CELL = "\ue000"  # a private-use character: never in text, and not white space

KEPT, INSERTED, DELETED = "kept", "inserted", "deleted"

# A changed block is paired with an old block whose words are at least this similar; below it,
# the old block is shown deleted and the new one inserted (a rewrite, not an edit).
PAIRING_RATIO = 0.4
# How many old blocks ahead a changed block's earlier version is looked for.
PAIRING_WINDOW = 8


@dataclass(frozen=True)
class Block:
    """One block of rendered text: its kind (the element that held it) and its words."""

    kind: str
    words: tuple[str, ...]

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return (self.kind, self.words)

    @cached_property
    def counts(self) -> Counter[str]:
        return Counter(self.words)


class _BlockReader(HTMLParser):
    """Cuts HTML into blocks. Text directly inside a block element belongs to it; a nested
    block (a list inside a list item) starts a block of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.stack: list[str] = []  # open block kinds
        self.text: list[str] = []
        self.skipping = 0  # depth inside skipped elements
        self.open_tags: list[tuple[str, bool, bool]] = []  # (tag, skipped, block)
        self.row_cells = 0

    def _flush(self) -> None:
        words = "".join(self.text).split()
        if self.stack and self.stack[-1] == "tr":
            while words and words[-1] == CELL:
                words.pop()
            while words and words[0] == CELL:
                words.pop(0)
        if words and any(w != CELL for w in words):
            kind = self.stack[-1] if self.stack else "p"
            self.blocks.append(Block(kind, tuple(words)))
        self.text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            if tag == "br":
                self.text.append(" ")
            elif tag == "img" and not self.skipping:
                alt = dict(attrs).get("alt")
                if alt:
                    self.text.append(f" {alt} ")
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = tag in SKIP_TAGS or bool(classes & SKIP_CLASSES)
        if skipped:
            self.skipping += 1
        is_block = False
        if not self.skipping:
            if tag in CELL_TAGS and self.stack and self.stack[-1] == "tr":
                self.text.append(f" {CELL} ")
            elif tag in BLOCK_TAGS and tag not in CELL_TAGS:
                self._flush()
                self.stack.append(tag)
                is_block = True
        self.open_tags.append((tag, skipped, is_block))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        # Close up to the matching open tag (Markdown's HTML is well formed; raw HTML may not be).
        for index in range(len(self.open_tags) - 1, -1, -1):
            if self.open_tags[index][0] == tag:
                break
        else:
            return
        while len(self.open_tags) > index:
            _, skipped, is_block = self.open_tags.pop()
            if is_block:
                self._flush()
                self.stack.pop()
            if skipped:
                self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.text.append(data)

    def close(self) -> None:
        super().close()
        while self.open_tags:
            _, _, is_block = self.open_tags.pop()
            if is_block:
                self._flush()
                self.stack.pop()
        self._flush()


def blocks_of(rendered: str) -> list[Block]:
    """The blocks of a rendered page's HTML, in reading order."""
    reader = _BlockReader()
    reader.feed(rendered)
    reader.close()
    return reader.blocks


def words_of(rendered: str) -> list[str]:
    """Every word of the rendered text, in order (what a redline must account for)."""
    return [w for block in blocks_of(rendered) for w in block.words]


@dataclass(frozen=True)
class Piece:
    """A run of words that were kept, inserted or deleted."""

    op: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class RedlineBlock:
    """A block of the redline: kept as it was, inserted, deleted, or changed word by word."""

    kind: str
    status: str  # kept | inserted | deleted | changed
    pieces: tuple[Piece, ...]

    def words(self, *ops: str) -> Iterator[str]:
        for piece in self.pieces:
            if piece.op in ops:
                yield from piece.words


@dataclass(frozen=True)
class FieldChange:
    """A front-matter field that differs between the two revisions."""

    name: str
    old: str
    new: str


@dataclass(frozen=True)
class Redline:
    """What changed from one revision (``old``) to another (``new``)."""

    old_label: str
    new_label: str
    blocks: tuple[RedlineBlock, ...]
    fields: tuple[FieldChange, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.fields) or any(b.status != KEPT for b in self.blocks)

    def counts(self) -> tuple[int, int]:
        """(words inserted, words deleted)."""
        inserted = sum(1 for b in self.blocks for w in b.words(INSERTED) if w != CELL)
        deleted = sum(1 for b in self.blocks for w in b.words(DELETED) if w != CELL)
        return inserted, deleted


def _whole(block: Block, op: str) -> RedlineBlock:
    return RedlineBlock(block.kind, op, (Piece(op, block.words),))


def _word_diff(old: Block, new: Block) -> RedlineBlock:
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, old.words, new.words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece(KEPT, new.words[j1:j2]))
            continue
        if i2 > i1:
            pieces.append(Piece(DELETED, old.words[i1:i2]))
        if j2 > j1:
            pieces.append(Piece(INSERTED, new.words[j1:j2]))
    return RedlineBlock(new.kind, "changed", tuple(pieces))


def _similar(old: Block, new: Block) -> bool:
    if old.kind != new.kind:
        return False
    total = len(old.words) + len(new.words)
    # The words the two share bound how similar they can be: most pairs are ruled out without
    # building a matcher.
    if 2 * sum((old.counts & new.counts).values()) < PAIRING_RATIO * total:
        return False
    matcher = difflib.SequenceMatcher(None, old.words, new.words, autojunk=False)
    return matcher.ratio() >= PAIRING_RATIO


def _pair(olds: Sequence[Block], news: Sequence[Block]) -> Iterator[RedlineBlock]:
    """A region where blocks were replaced: edits of a block are paired with it, in order;
    the rest were deleted or inserted. A new block is looked for among the next few old ones
    only, so a rewritten document costs in proportion to its length."""
    start = 0
    for new in news:
        window = range(start, min(len(olds), start + PAIRING_WINDOW))
        match = next((i for i in window if _similar(olds[i], new)), None)
        if match is None:
            yield _whole(new, INSERTED)
            continue
        for skipped in olds[start:match]:
            yield _whole(skipped, DELETED)
        yield _word_diff(olds[match], new)
        start = match + 1
    for remaining in olds[start:]:
        yield _whole(remaining, DELETED)


def compare_blocks(old: Sequence[Block], new: Sequence[Block]) -> tuple[RedlineBlock, ...]:
    """The redline of two block sequences: kept and inserted words give the new text, kept and
    deleted words the old one, each in order."""
    result: list[RedlineBlock] = []
    matcher = difflib.SequenceMatcher(
        None, [b.key for b in old], [b.key for b in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(_whole(block, KEPT) for block in new[j1:j2])
        elif tag == "delete":
            result.extend(_whole(block, DELETED) for block in old[i1:i2])
        elif tag == "insert":
            result.extend(_whole(block, INSERTED) for block in new[j1:j2])
        else:
            result.extend(_pair(old[i1:i2], new[j1:j2]))
    return tuple(result)


# Front-matter fields a reader cares about, in the order the control block shows them.
COMPARED_FIELDS = (
    "title",
    "type",
    "revision",
    "status",
    "owner",
    "approved_by",
    "approval_date",
    "effective_date",
    "review_interval_months",
    "next_review",
    "iso9001_clauses",
    "supersedes",
    "superseded_by",
    "withdrawal_date",
    "obsolete_reason",
    "related",
    "change_summary",
)


def _field_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def compare_fields(old: Mapping[str, object], new: Mapping[str, object]) -> tuple[FieldChange, ...]:
    """The reader-facing front-matter fields that differ."""
    changes = []
    for name in COMPARED_FIELDS:
        before, after = _field_text(old.get(name)), _field_text(new.get(name))
        if before != after:
            changes.append(FieldChange(name, before, after))
    return tuple(changes)


def redline(
    old_html: str,
    new_html: str,
    old_label: str,
    new_label: str,
    old_fields: Mapping[str, object] | None = None,
    new_fields: Mapping[str, object] | None = None,
) -> Redline:
    """The redline from one revision's rendered text to another's."""
    return compare(
        blocks_of(old_html), blocks_of(new_html), old_label, new_label, old_fields, new_fields
    )


def compare(
    old_blocks: Sequence[Block],
    new_blocks: Sequence[Block],
    old_label: str,
    new_label: str,
    old_fields: Mapping[str, object] | None = None,
    new_fields: Mapping[str, object] | None = None,
) -> Redline:
    """The redline of two revisions already cut into blocks (``blocks_of``)."""
    blocks = compare_blocks(old_blocks, new_blocks)
    fields = compare_fields(old_fields or {}, new_fields or {})
    return Redline(old_label, new_label, blocks, fields)


# --- showing it -------------------------------------------------------------------------------


def _context(blocks: Sequence[RedlineBlock], around: int) -> list[RedlineBlock | None]:
    """The changed blocks with ``around`` kept blocks either side; None marks an omission."""
    keep = [False] * len(blocks)
    for index, block in enumerate(blocks):
        if block.status != KEPT:
            for near in range(max(0, index - around), min(len(blocks), index + around + 1)):
                keep[near] = True
    shown: list[RedlineBlock | None] = []
    for index, block in enumerate(blocks):
        if keep[index]:
            shown.append(block)
        elif (shown and shown[-1] is not None) or (not shown and index == 0):
            shown.append(None)
    return shown


def _cells(pieces: Iterable[Piece]) -> list[list[Piece]]:
    """Split a table row's pieces at the cell marks."""
    cells: list[list[Piece]] = [[]]
    for piece in pieces:
        run: list[str] = []
        for word in piece.words:
            if word == CELL:
                if run:
                    cells[-1].append(Piece(piece.op, tuple(run)))
                    run = []
                cells.append([])
            else:
                run.append(word)
        if run:
            cells[-1].append(Piece(piece.op, tuple(run)))
    return cells


def _marked_pieces(pieces: Iterable[Piece], escape: Callable[[str], str]) -> str:
    """Pieces as escaped text, insertions in ``<ins>`` and deletions in ``<del>`` (which
    both HTML and the Markdown of code hosts show)."""
    out = []
    for piece in pieces:
        text = escape(" ".join(w if w != CELL else "|" for w in piece.words))
        if piece.op == INSERTED:
            out.append(f"<ins>{text}</ins>")
        elif piece.op == DELETED:
            out.append(f"<del>{text}</del>")
        else:
            out.append(text)
    return " ".join(out)


def _html_pieces(pieces: Iterable[Piece]) -> str:
    return _marked_pieces(pieces, lambda text: html.escape(text, quote=False))


def to_html(result: Redline, compact: bool = False) -> str:
    """The redline as HTML: blocks as ``div``s (table rows with their cells), deletions in
    ``<del>``, insertions in ``<ins>``; every word of the documents escaped."""
    blocks = _context(result.blocks, 1) if compact else list(result.blocks)
    out = ['<div class="qms-redline">']
    for block in blocks:
        if block is None:
            out.append('<div class="qms-redline__gap" aria-label="unchanged text left out">…</div>')
            continue
        classes = f"qms-redline__block qms-redline__block--{block.kind}"
        classes += f" qms-redline__block--{block.status}"
        if block.kind == "tr":
            cells = "".join(
                f'<span class="qms-redline__cell">{_html_pieces(cell)}</span>'
                for cell in _cells(block.pieces)
            )
            out.append(f'<div class="{classes}">{cells}</div>')
        else:
            out.append(f'<div class="{classes}">{_html_pieces(block.pieces)}</div>')
    out.append("</div>")
    return "\n".join(out)


def fields_html(result: Redline) -> str:
    """The changed front-matter fields as a small table (empty when none changed)."""
    if not result.fields:
        return ""
    rows = "".join(
        f'<tr><th scope="row">{html.escape(f.name)}</th>'
        f"<td>{html.escape(f.old) or '—'}</td><td>{html.escape(f.new) or '—'}</td></tr>"
        for f in result.fields
    )
    old, new = html.escape(result.old_label), html.escape(result.new_label)
    return (
        '<div class="qms-redline__fields"><table><thead><tr><th scope="col">Field</th>'
        f'<th scope="col">Revision {old}</th><th scope="col">Revision {new}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _text_pieces(pieces: Iterable[Piece]) -> str:
    out = []
    for piece in pieces:
        text = " ".join(w if w != CELL else "|" for w in piece.words)
        if piece.op == INSERTED:
            out.append("{+" + text + "+}")
        elif piece.op == DELETED:
            out.append("[-" + text + "-]")
        else:
            out.append(text)
    return " ".join(out)


_TEXT_MARK = {KEPT: "  ", INSERTED: "+ ", DELETED: "- ", "changed": "~ "}


def to_text(result: Redline, compact: bool = True) -> str:
    """The redline for a terminal: one line per block, ``+``/``-``/``~`` marking inserted,
    deleted and changed blocks; inside changed ones ``[-deleted-]`` and ``{+inserted+}``, as
    ``git diff --word-diff`` writes them."""
    lines = [f"Revision {result.old_label} -> {result.new_label}"]
    for change in result.fields:
        lines.append(f"  {change.name}: {change.old or '-'} -> {change.new or '-'}")
    if result.fields:
        lines.append("")
    blocks = _context(result.blocks, 1) if compact else list(result.blocks)
    for block in blocks:
        if block is None:
            lines.append("  …")
            continue
        lines.append(_TEXT_MARK[block.status] + _text_pieces(block.pieces))
    if not result.changed:
        lines.append("  (no change)")
    return "\n".join(lines) + "\n"


def markdown_text(text: str) -> str:
    """Text that Markdown shows as written: no emphasis, links, images, headings, HTML or
    @-mentions can come from it (core.text, as every piece of users' text in a comment)."""
    return inert_markdown(" ".join(text.split()))


def _markdown_pieces(pieces: Iterable[Piece]) -> str:
    return _marked_pieces(pieces, markdown_text)


def to_markdown(result: Redline, compact: bool = True) -> str:
    """The redline for a pull-request comment: a list of blocks with ``<del>``/``<ins>``;
    every word of the documents made inert."""
    lines = []
    for change in result.fields:
        lines.append(
            f"- `{change.name}`: {markdown_text(change.old) or '—'} → "
            f"{markdown_text(change.new) or '—'}"
        )
    blocks = _context(result.blocks, 1) if compact else list(result.blocks)
    for block in blocks:
        if block is None:
            lines.append("- …")
            continue
        mark = {INSERTED: "*added:* ", DELETED: "*removed:* ", "changed": "*changed:* "}.get(
            block.status, ""
        )
        lines.append(f"- {mark}{_markdown_pieces(block.pieces)}")
    if not result.changed:
        lines.append("- no change")
    return "\n".join(lines) + "\n"
