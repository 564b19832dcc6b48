"""Controlled documents: reading them from the procedures folder into a DocumentSet."""

from __future__ import annotations

import calendar
import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from . import frontmatter
from .errors import reading
from .findings import Finding
from .schema import DocumentSchema

DOCUMENT_TYPES = ("manual", "policy", "procedure", "work_instruction", "form", "external")
STATUSES = ("draft", "in_review", "approved", "effective", "superseded", "obsolete")
# What a periodic review found: the document stays as it is, or its next revision was started.
REVIEW_OUTCOMES = ("no_change", "revision_started")

DEFAULT_ID_PATTERNS: Mapping[str, str] = {
    "manual": r"QM-\d{3}",
    "policy": r"POL-\d{3}",
    "procedure": r"QP-\d{3}",
    "work_instruction": r"WI-\d{3}-\d{2}",
    "form": r"F-\d{3}-\d{2}",
    "external": r"EXT-\d{3}",
}

# A controlled document larger than this is reported: it is slow to open, print and search.
MAX_DOCUMENT_BYTES = 5_000_000

# The file names MkDocs makes pages of (its own list, and case-sensitive as it is): in the
# procedures folder every one is a controlled document, so that nothing is published as a page
# without document control. The documents, their history and `qms check --base` use this list.
MARKDOWN_SUFFIXES = (".markdown", ".mdown", ".mkdn", ".mkd", ".md")

# Pages in the procedures folder that introduce a section rather than being controlled documents
# (index.md, README.md, with any of the suffixes).
SECTION_PAGES = ("index", "README")


def is_markdown(name: str) -> bool:
    """Whether MkDocs makes a page of a file of this name."""
    return name.endswith(MARKDOWN_SUFFIXES)


def looks_like_markdown(name: str) -> bool:
    """A Markdown suffix in another case (QP-001.MD): MkDocs would publish the file as it is,
    as a download, not as a page."""
    return not is_markdown(name) and name.lower().endswith(MARKDOWN_SUFFIXES)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the end of a shorter month (Jan 31 + 1 = Feb 28).

    Defined for every input: past the years Python's dates hold (1 to 9999) it gives the first
    or last day they hold. (The schema keeps real dates and intervals far from those ends.)
    """
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int | float) and str(v).strip())
    return ()


def one_line(value: Any) -> str | None:
    """Text from a front-matter value, its spacing collapsed (None when empty or not text)."""
    text = _text(value)
    return " ".join(text.split()) if text is not None else None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


@dataclass
class Document:
    """One controlled document: its metadata as written, its body, and its own problems.

    Attribute accessors are lenient: a field with the wrong type reads as missing, and the schema
    finding already tells the author what to fix.
    """

    path: str
    src_uri: str
    data: dict[str, Any]
    body: str
    lines: dict[str, int]
    body_start_line: int = 1
    findings: list[Finding] = field(default_factory=list)

    def line(self, name: str) -> int | None:
        return self.lines.get(name)

    @property
    def doc_id(self) -> str | None:
        return _text(self.data.get("doc_id"))

    @property
    def title(self) -> str:
        return _text(self.data.get("title")) or Path(self.path).stem

    @property
    def type(self) -> str | None:
        value = self.data.get("type")
        return value if value in DOCUMENT_TYPES else None

    @property
    def revision(self) -> str | None:
        return _text(self.data.get("revision"))

    @property
    def status(self) -> str | None:
        value = self.data.get("status")
        return value if value in STATUSES else None

    @property
    def owner(self) -> str | None:
        return _text(self.data.get("owner"))

    @property
    def approved_by(self) -> tuple[str, ...]:
        return _texts(self.data.get("approved_by"))

    @property
    def approval_date(self) -> dt.date | None:
        return _date(self.data.get("approval_date"))

    @property
    def effective_date(self) -> dt.date | None:
        return _date(self.data.get("effective_date"))

    @property
    def review_interval_months(self) -> int | None:
        value = self.data.get("review_interval_months")
        return (
            value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
        )

    @cached_property
    def next_review(self) -> dt.date | None:
        """The explicit ``next_review``, else the review interval counted from the last
        periodic review (``last_review``), or from the effective date before the first one.

        Only documents in force are reviewed: drafts and retired documents have none.
        """
        if self.status not in ("approved", "effective"):
            return None
        explicit = _date(self.data.get("next_review"))
        if explicit:
            return explicit
        since = self.review_basis
        if since and self.review_interval_months:
            return add_months(since, self.review_interval_months)
        return None

    @property
    def review_basis(self) -> dt.date | None:
        """The day the review interval is counted from: the last periodic review, else the
        effective date (a review recorded before the revision came into force does not count)."""
        last, effective = self.last_review, self.effective_date
        if last and (effective is None or last >= effective):
            return last
        return effective

    @property
    def last_review(self) -> dt.date | None:
        """The day of the last periodic review recorded in the front matter."""
        return _date(self.data.get("last_review"))

    @property
    def last_review_by(self) -> tuple[str, ...]:
        return _texts(self.data.get("last_review_by"))

    @property
    def last_review_outcome(self) -> str | None:
        value = self.data.get("last_review_outcome")
        return value if value in REVIEW_OUTCOMES else None

    @property
    def clauses(self) -> tuple[str, ...]:
        return _texts(self.data.get("iso9001_clauses"))

    @property
    def related(self) -> tuple[str, ...]:
        return _texts(self.data.get("related"))

    @property
    def supersedes(self) -> tuple[str, ...]:
        return _texts(self.data.get("supersedes"))

    @property
    def superseded_by(self) -> str | None:
        return _text(self.data.get("superseded_by"))

    @property
    def change_summary(self) -> str | None:
        return _text(self.data.get("change_summary"))

    @property
    def obsolete_reason(self) -> str | None:
        return _text(self.data.get("obsolete_reason"))

    @property
    def withdrawal_date(self) -> dt.date | None:
        return _date(self.data.get("withdrawal_date"))

    @property
    def label(self) -> str:
        """How the document is named in messages: its ID, else its path."""
        return self.doc_id or self.path


def iter_markdown(folder: Path) -> Iterator[Path]:
    """Markdown files below ``folder`` in a stable order, skipping hidden files and folders."""
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if is_markdown(name) and not name.startswith("."):
                yield Path(current, name)


def read_document(
    file: Path, path: str, src_uri: str, schema: DocumentSchema, text_fields: frozenset[str]
) -> Document | None:
    """Read one file into a Document; ``None`` for a section page without front matter."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        finding = Finding(path, None, "unreadable", f"cannot read the file: {exc.strerror}")
        return Document(path, src_uri, {}, "", {}, 1, [finding])
    return parse_document(raw, path, src_uri, schema, text_fields)


def parse_document(
    raw: bytes, path: str, src_uri: str, schema: DocumentSchema, text_fields: frozenset[str]
) -> Document | None:
    """A Document from a file's bytes (read from disk, or from a Git blob).

    ``None`` for a section page (``index.md``, ``README.md``) without front matter.
    """
    source = frontmatter.decode(raw, path)
    parsed = frontmatter.parse(source.text, path, text_fields)
    findings = source.findings + parsed.findings
    if len(raw) > MAX_DOCUMENT_BYTES:
        findings.append(
            Finding(
                path,
                None,
                "too-large",
                f"the file is {len(raw) / 1_000_000:.1f} MB (limit "
                f"{MAX_DOCUMENT_BYTES / 1_000_000:.0f} MB); it is published, but pages this "
                "large are slow to open and to search: move data tables or embedded images "
                "into attachments beside the document",
            )
        )
    if not parsed.present:
        if PurePosixPath(path).stem in SECTION_PAGES:
            return None
        findings.append(
            Finding(
                path,
                1,
                "front-matter",
                "no front matter: a controlled document starts with '---', then doc_id, title, "
                "type, revision, status and owner, then '---' (see docs/proposing-a-change.md)",
            )
        )
    elif not parsed.findings:
        findings.extend(schema.validate(parsed.data, path, parsed.lines))
    doc_id = _text(parsed.data.get("doc_id"))
    findings = [replace(f, doc_id=doc_id) if f.doc_id is None else f for f in findings]
    return Document(
        path, src_uri, parsed.data, parsed.body, parsed.lines, parsed.body_start_line, findings
    )


def load_documents(
    folder: Path,
    root: Path,
    mount: str,
    schema: DocumentSchema,
    leave_out: Callable[[Path], bool] = lambda file: False,
) -> list[Document]:
    """Read every controlled document below ``folder``, but those ``leave_out`` names.

    ``root`` is the project folder that paths in messages are relative to; ``mount`` is the
    folder the documents appear under in the site (their ``src_uri`` prefix).
    """
    text_fields = schema.text_fields()
    documents = []
    for file in iter_markdown(folder):
        if leave_out(file):
            continue
        rel = file.relative_to(folder).as_posix()
        try:
            path = file.relative_to(root).as_posix()
        except ValueError:
            path = file.as_posix()
        src_uri = f"{mount}/{rel}" if mount else rel
        with reading(path):
            document = read_document(file, path, src_uri, schema, text_fields)
        if document is not None:
            documents.append(document)
    return documents
