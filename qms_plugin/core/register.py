"""The master document list: one row per controlled document, as a table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from posixpath import splitext

from .documents import Document
from .manual import DocumentSet

# The export contract (records_schema/register.schema.yaml): these columns, in this order.
REGISTER_COLUMNS = (
    "id",
    "title",
    "type",
    "revision",
    "status",
    "owner",
    "effective_date",
    "next_review",
    "url",
)
REGISTER_FORMAT_VERSION = 1


def page_url(src_uri: str, use_directory_urls: bool = True) -> str:
    """The site-relative URL MkDocs gives the page built from ``src_uri``."""
    stem, _ = splitext(src_uri)
    folder, _, name = stem.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    if name in ("index", "README"):
        return prefix
    return f"{prefix}{name}/" if use_directory_urls else f"{prefix}{name}.html"


@dataclass(frozen=True)
class RegisterEntry:
    """One row of the master document list."""

    id: str
    title: str
    type: str
    revision: str
    status: str
    owner: str
    effective_date: str
    next_review: str
    url: str
    approved_by: str
    clauses: tuple[str, ...]
    state: str
    review_overdue: bool

    def export(self) -> dict[str, str]:
        return {column: getattr(self, column) for column in REGISTER_COLUMNS}


def master_list(
    docset: DocumentSet, url_for: Callable[[Document], str | None] | None = None
) -> list[RegisterEntry]:
    """Rows for every document that has an ID, sorted by ID.

    ``url_for`` gives a document's site URL; by default it is worked out as MkDocs would.
    """
    entries = []
    urls = docset.settings.use_directory_urls
    for doc in docset.documents:
        if doc.doc_id is None:
            continue
        url = url_for(doc) if url_for else None
        entries.append(
            RegisterEntry(
                id=doc.doc_id,
                title=doc.title,
                type=doc.type or "",
                revision=doc.revision or "",
                status=doc.status or "",
                owner=doc.owner or "",
                effective_date=doc.effective_date.isoformat() if doc.effective_date else "",
                next_review=doc.next_review.isoformat() if doc.next_review else "",
                url=url if url is not None else page_url(doc.src_uri, urls),
                approved_by=", ".join(doc.approved_by),
                clauses=doc.clauses,
                state=docset.state(doc),
                review_overdue=docset.review_overdue(doc),
            )
        )
    return sorted(entries, key=lambda e: (e.id, e.url))


def register_json(entries: list[RegisterEntry]) -> str:
    """The register as JSON text (stable: same documents, same bytes)."""
    payload = {
        "format": "mkdocs-qms/register",
        "version": REGISTER_FORMAT_VERSION,
        "documents": [entry.export() for entry in entries],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


# A spreadsheet runs a cell that starts like a formula; an apostrophe before it keeps it text
# (and is not shown). The file is written with commas, but a spreadsheet may split it at ';' or
# a tab (Excel does at ';' in many European locales), so what follows any of them is a cell
# start too: 'x;=2+3;' would otherwise open as the formula =2+3.
_FORMULA_START = re.compile(r"(^|[,;\t] *)(?=[=+\-@\t\r])")


def _csv_cell(value: str) -> str:
    return _FORMULA_START.sub(r"\1'", value)


def register_csv(entries: list[RegisterEntry]) -> str:
    """The register as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTER_COLUMNS)
    for entry in entries:
        writer.writerow([_csv_cell(value) for value in entry.export().values()])
    return out.getvalue()
