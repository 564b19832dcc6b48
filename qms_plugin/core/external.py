"""Documents of external origin: standards, customer specifications, regulations.

The organisation does not write them and cannot revise them; it controls which edition it works
to, where the controlled copy is, and that the copy is still the current edition. Each is a
controlled document of type ``external`` (ID EXT-NNN) whose page says what it is and where it is
used, with these fields::

    issuer: ISO                     # who publishes it
    identifier: ISO 9001            # its number or name as the issuer gives it
    edition: "2015 (fifth edition)"  # free text: the issuer's edition, issue or date
    controlled_copy: Quality shared drive, Standards folder (licensed PDF)
    currency_checked: 2026-09-14    # when someone last checked it is still the current edition

The entry's own ``revision`` is ours (it changes when the entry changes); the edition is the
issuer's. A currency check is due ``external_check_months`` after the last one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .documents import Document, add_months, one_line
from .exports import csv_table, joined, json_text
from .findings import Finding

EXTERNAL_FORMAT = "mkdocs-qms/external"
DESCRIBING = ("issuer", "identifier", "edition", "controlled_copy")
FIELDS = (*DESCRIBING, "currency_checked")
IN_USE = ("approved", "effective")


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ExternalDocument:
    """One external document as the register lists it."""

    doc: Document
    issuer: str | None
    identifier: str | None
    edition: str | None
    controlled_copy: str | None
    checked: dt.date | None
    next_check: dt.date | None

    def days_overdue(self, today: dt.date) -> int | None:
        return (today - self.next_check).days if self.next_check else None

    def overdue(self, today: dt.date) -> bool:
        late = self.days_overdue(today)
        return late is not None and late > 0

    @property
    def in_use(self) -> bool:
        return self.doc.status in IN_USE


def external_document(doc: Document, months: int) -> ExternalDocument:
    data = doc.data
    checked = _date(data.get("currency_checked"))
    return ExternalDocument(
        doc=doc,
        issuer=one_line(data.get("issuer")),
        identifier=one_line(data.get("identifier")),
        edition=one_line(data.get("edition")),
        controlled_copy=one_line(data.get("controlled_copy")),
        checked=checked,
        next_check=add_months(checked, months) if checked else None,
    )


def external_register(documents: Iterable[Document], months: int) -> list[ExternalDocument]:
    """The external documents, by ID."""
    found = [external_document(d, months) for d in documents if d.doc_id and d.type == "external"]
    return sorted(found, key=lambda e: (e.doc.doc_id or "", e.doc.path))


# --- rules -------------------------------------------------------------------------------------


def external_findings(
    documents: Sequence[Document], months: int, today: dt.date
) -> Iterator[Finding]:
    """``external-fields``: an external document that does not say what it is or where its
    controlled copy is (or a document of our own carrying those fields);
    ``currency-check-overdue`` / ``currency-check-missing``: an external document in use whose
    currency was not checked within ``months``."""
    for doc in documents:
        if doc.doc_id is None or doc.status in ("superseded", "obsolete"):
            continue
        if doc.type != "external":
            given = [name for name in FIELDS if name in doc.data]
            if given:
                yield Finding(
                    doc.path,
                    doc.line(given[0]) or 1,
                    "external-fields",
                    f"{', '.join(given)} describe{'s' if len(given) == 1 else ''} a document of "
                    "external origin, but this document's type is "
                    f"{(doc.type or 'not set').replace('_', ' ')}; remove "
                    f"{'it' if len(given) == 1 else 'them'}, or set type: external",
                    doc.doc_id,
                    given[0],
                )
            continue
        entry = external_document(doc, months)
        missing = [name for name in DESCRIBING if getattr(entry, name) is None]
        if missing and doc.status != "draft":  # a first draft may still be filling them in
            yield Finding(
                doc.path,
                doc.line("type") or 1,
                "external-fields",
                f"the external document does not give {', '.join(missing)}; say who issues it, "
                "its number, the edition we work to and where the controlled copy is kept",
                doc.doc_id,
                missing[0],
            )
        if not entry.in_use:
            continue
        if entry.checked is None:
            if "currency_checked" not in {f.field for f in doc.findings}:
                yield Finding(
                    doc.path,
                    doc.line("status") or 1,
                    "currency-check-missing",
                    "no currency check is recorded; check with the issuer that the edition we "
                    "work to is the current one and record the day as currency_checked "
                    "(YYYY-MM-DD)",
                    doc.doc_id,
                    "currency_checked",
                )
            continue
        late = entry.days_overdue(today)
        if late is not None and late > 0:
            yield Finding(
                doc.path,
                doc.line("currency_checked") or 1,
                "currency-check-overdue",
                f"the currency of {entry.identifier or doc.doc_id} was last checked on "
                f"{entry.checked} and was due again on {entry.next_check} ({late} days ago; "
                f"checks every {months} months); check that {entry.edition or 'this edition'} "
                "is still current, then record the day in currency_checked (a new edition "
                "needs a new revision of this entry and a review of the documents using it)",
                doc.doc_id,
                "currency_checked",
            )


# --- exports -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "title",
    "issuer",
    "identifier",
    "edition",
    "controlled_copy",
    "currency_checked",
    "next_check",
    "overdue",
    "state",
    "used_by",
    "url",
)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def external_rows(
    entries: Sequence[ExternalDocument],
    today: dt.date,
    states: Mapping[str, str],
    used_by: Mapping[str, Sequence[str]],
    urls: Mapping[str, str],
) -> list[dict[str, str]]:
    """Flat rows; ``states``, ``used_by`` and ``urls`` by doc_id (from the site's model)."""
    rows = []
    for entry in entries:
        doc_id = entry.doc.doc_id or ""
        rows.append(
            {
                "id": doc_id,
                "title": entry.doc.title,
                "issuer": entry.issuer or "",
                "identifier": entry.identifier or "",
                "edition": entry.edition or "",
                "controlled_copy": entry.controlled_copy or "",
                "currency_checked": _iso(entry.checked),
                "next_check": _iso(entry.next_check),
                "overdue": "yes" if entry.in_use and entry.overdue(today) else "",
                "state": states.get(doc_id, ""),
                "used_by": joined(used_by.get(doc_id, ())),
                "url": urls.get(doc_id, ""),
            }
        )
    return rows


def external_csv(rows: Sequence[Mapping[str, str]]) -> str:
    return csv_table(CSV_COLUMNS, rows)


def external_json(rows: Sequence[Mapping[str, str]], today: dt.date, months: int) -> str:
    """records_schema/external.schema.yaml"""
    documents = [
        {
            **{k: (row[k] or None) for k in CSV_COLUMNS if k not in ("overdue", "used_by")},
            "overdue": row["overdue"] == "yes",
            "used_by": [v for v in row["used_by"].split("; ") if v],
        }
        for row in rows
    ]
    payload = {
        "format": EXTERNAL_FORMAT,
        "version": 1,
        "today": today.isoformat(),
        "check_interval_months": months,
        "documents": documents,
    }
    return json_text(payload)


def external_text(rows: Sequence[Mapping[str, str]]) -> str:
    lines = []
    for row in rows:
        due = f"next check {row['next_check']}" if row["next_check"] else "never checked"
        flag = "  OVERDUE" if row["overdue"] else ""
        lines.append(
            f"{row['id']}  {row['identifier']} {row['edition']} ({row['issuer']}): "
            f"{row['controlled_copy']}; checked {row['currency_checked'] or '—'}, {due}{flag}"
        )
    lines.append(f"{len(rows)} external documents.")
    return "\n".join(lines) + "\n"
