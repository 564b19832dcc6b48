"""The master document list: one row per controlled document, as a table, CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from posixpath import splitext

from .documents import Document
from .manual import DocumentSet
from .publication import Publication, Publications, PublishedRevision, in_force_on
from .reviews import ReviewStatus

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
    # added with the publication model (fields are only ever added)
    "state",
    "pending_revision",
    "pending_from",
    "withdrawn_from",
    # added with periodic reviews as records
    "review_state",
    "last_review",
    "last_review_by",
    "last_review_outcome",
    # added with the clause matrix: the ISO 9001 clauses the revision shown addresses
    "clauses",
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
    pending_revision: str = ""
    pending_from: str = ""
    withdrawn_from: str = ""
    review_state: str = ""  # overdue | due_soon | scheduled | "" (not in force, none planned)
    last_review: str = ""
    last_review_by: str = ""
    last_review_outcome: str = ""

    def export(self) -> dict[str, str | list[str]]:
        """The row as exported: text, and the clauses as a list (one cell in CSV)."""
        row: dict[str, str | list[str]] = {c: getattr(self, c) for c in REGISTER_COLUMNS}
        row["clauses"] = list(self.clauses)
        return row


def master_list(
    docset: DocumentSet,
    url_for: Callable[[Document], str | None] | None = None,
    publications: Publications | None = None,
    displayed: Callable[[Document], Document] | None = None,
    review_of: Callable[[Document], ReviewStatus | None] | None = None,
) -> list[RegisterEntry]:
    """Rows for every document that has an ID, sorted by ID.

    ``url_for`` gives a document's site URL; by default it is worked out as MkDocs would. With
    the ``publications``, each row is the revision in force today (``displayed`` gives its
    text's metadata), with the revision pending after it and the day a withdrawal takes effect.
    ``review_of`` gives where the revision in force stands with its periodic review.
    """
    today = docset.settings.today
    entries = []
    urls = docset.settings.use_directory_urls
    for doc in docset.documents:
        if doc.doc_id is None:
            continue
        url = url_for(doc) if url_for else None
        shown = displayed(doc) if displayed else doc
        publication = publications.get(doc) if publications else None
        state = publication.state(today) if publication else docset.state(doc)
        pending = publication.pending(today) if publication else []
        withdrawal = publication.withdrawal if publication else None
        in_force = state == "current"
        next_review = shown.next_review if in_force or publication is None else None
        review = review_of(doc) if review_of else None
        last = review.last if review else None
        entries.append(
            RegisterEntry(
                id=doc.doc_id,
                title=shown.title,
                type=doc.type or "",
                revision=shown.revision or "",
                status=shown.status or "",
                owner=shown.owner or "",
                effective_date=shown.effective_date.isoformat() if shown.effective_date else "",
                next_review=next_review.isoformat() if next_review else "",
                url=url if url is not None else page_url(doc.src_uri, urls),
                approved_by=", ".join(shown.approved_by),
                clauses=shown.clauses,
                state=state,
                review_overdue=bool(next_review) and docset.review_overdue(shown),
                pending_revision=pending[0].label if pending and in_force else "",
                pending_from=_iso(pending[0].starts) if pending and in_force else "",
                withdrawn_from=(
                    _iso(withdrawal.starts) if withdrawal and not withdrawal.waiting else ""
                ),
                review_state=review.state if review else "",
                last_review=_iso(last.day) if last else "",
                last_review_by=", ".join(last.by) if last else "",
                last_review_outcome=last.outcome if last else "",
            )
        )
    return sorted(entries, key=lambda e: (e.id, e.url))


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


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


csv_cell = _csv_cell  # the same guard for every export (core/exports.py)


def _cell(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "; ".join(value)


def register_csv(entries: list[RegisterEntry]) -> str:
    """The register as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTER_COLUMNS)
    for entry in entries:
        writer.writerow([_csv_cell(_cell(value)) for value in entry.export().values()])
    return out.getvalue()


# --- the manual as of a date ----------------------------------------------------------------

AS_OF_COLUMNS = (
    "id",
    "title",
    "type",
    "revision",
    "state",
    "in_force_from",
    "in_force_until",
    "effective_date",
    "approved_by",
    "url",
)


def as_of_entries(
    publications: Iterable[Publication],
    day: dt.date,
    url_of: Callable[[Publication, PublishedRevision], str],
) -> list[dict[str, str]]:
    """Rows of the manual on ``day``: each document's revision in force, and each document
    withdrawn by then with its last revision (``state`` says which)."""
    rows = []
    for row in in_force_on(publications, day):
        publication, revision = row.publication, row.revision
        state = "in_force"
        if row.withdrawn and publication.withdrawal is not None:
            state = publication.withdrawal.kind
        rows.append(
            {
                "id": publication.doc_id or "",
                "title": revision.title or publication.doc.title,
                "type": publication.doc.type or "",
                "revision": revision.label,
                "state": state,
                "in_force_from": _iso(revision.starts),
                "in_force_until": _iso(row.until),
                "effective_date": _iso(revision.effective_date),
                "approved_by": ", ".join(revision.approved_by),
                "url": url_of(publication, revision),
            }
        )
    return rows


def as_of_json(rows: list[dict[str, str]], day: dt.date) -> str:
    """The manual on ``day`` as JSON (records_schema/as-of.schema.yaml)."""
    payload = {
        "format": "mkdocs-qms/as-of",
        "version": 1,
        "date": day.isoformat(),
        "documents": rows,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def as_of_csv(rows: list[dict[str, str]]) -> str:
    """The manual on a day as CSV, with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AS_OF_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in AS_OF_COLUMNS])
    return out.getvalue()
