"""The records register: the records the documents say the QMS keeps, where, and for how long.

A document declares the records its process produces in its front matter::

    records:
      - name: Training and assessment records
        form: F-072-01                       # the form that defines it (optional)
        location: Personal training file, HR office
        retention: {period: 10 years, from: end of employment}
        disposition: Shredded as confidential waste
        owner: HR and Training Coordinator

``retention`` may also be a list of rules, each with ``applies_to`` (10 years for aerospace
orders, 6 years for the others). The same record may be declared by more than one document (the
procedure and its work instruction); it is recognised by its name (case and a plural "s"
ignored), and every declaration must then say the same. The register lists each record once
with every document that declares it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .documents import Document, one_line
from .exports import csv_table, joined, json_text
from .findings import Finding

RECORDS_FORMAT = "mkdocs-qms/records"
FIELDS = ("form", "location", "retention", "disposition", "owner")
_PERIOD = re.compile(r"^(\d+) (day|week|month|year)s?$")
_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _normal(text: str | None) -> str:
    """Text as compared: case, spacing and a final full stop ignored."""
    return " ".join((text or "").casefold().split()).rstrip(".")


def record_key(name: str) -> str:
    """How declarations of the same record are matched: case and a plural "s" ignored."""
    words = re.sub(r"[^\w\s]", " ", name.casefold()).split()
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", record_key(text)).strip("-") or "record"


@dataclass(frozen=True)
class RetentionRule:
    """How long a record is kept: a period counted from an event, perhaps for some cases only."""

    period: str  # "10 years", "6 months", "permanent"
    start: str  # the event the period counts from ("end of employment")
    applies_to: str | None = None

    @property
    def days(self) -> int | None:
        """The period in days (a year as 365), None for permanent or unreadable."""
        match = _PERIOD.match(self.period.casefold())
        return int(match.group(1)) * _DAYS[match.group(2)] if match else None

    def __str__(self) -> str:
        if self.period.casefold() == "permanent":
            text = "permanently"
        else:
            text = f"{self.period} from {self.start}" if self.start else self.period
        return f"{text} ({self.applies_to})" if self.applies_to else text

    @property
    def key(self) -> tuple[str, str, str]:
        days = self.days
        return (
            str(days) if days is not None else _normal(self.period),
            _normal(self.start),
            _normal(self.applies_to),
        )


def _retention(value: Any) -> tuple[RetentionRule, ...]:
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    rules = []
    for item in items:
        if not isinstance(item, dict):
            continue
        period = one_line(item.get("period"))
        if period is None:
            continue
        rules.append(
            RetentionRule(
                period, one_line(item.get("from")) or "", one_line(item.get("applies_to"))
            )
        )
    return tuple(rules)


@dataclass(frozen=True)
class RecordDeclaration:
    """One record as one document declares it."""

    doc: Document
    index: int
    name: str
    form: str | None
    location: str | None
    retention: tuple[RetentionRule, ...]
    disposition: str | None
    owner: str | None

    @property
    def key(self) -> str:
        return record_key(self.name)

    @property
    def retention_text(self) -> str:
        return "; ".join(str(rule) for rule in self.retention)

    def value(self, name: str) -> str | None:
        """A field as shown; retention as text."""
        if name == "retention":
            return self.retention_text or None
        value: str | None = getattr(self, name)
        return value

    def compared(self, name: str) -> object:
        """A field as compared with other declarations of the record."""
        if name == "retention":
            return tuple(sorted(rule.key for rule in self.retention))
        return _normal(self.value(name))


def declarations(doc: Document) -> list[RecordDeclaration]:
    """The records ``doc`` declares; entries without a readable name are left to the schema."""
    records = doc.data.get("records")
    if not isinstance(records, list):
        return []
    found = []
    for index, item in enumerate(records):
        if not isinstance(item, dict):
            continue
        name = one_line(item.get("name"))
        if name is None:
            continue
        form = one_line(item.get("form"))
        if form is None and doc.type == "form":
            form = doc.doc_id  # a form declaring a record defines it itself
        found.append(
            RecordDeclaration(
                doc=doc,
                index=index,
                name=name,
                form=form,
                location=one_line(item.get("location")),
                retention=_retention(item.get("retention")),
                disposition=one_line(item.get("disposition")),
                owner=one_line(item.get("owner")),
            )
        )
    return found


@dataclass
class RecordEntry:
    """A record of the register: every declaration of it, and where they disagree."""

    key: str
    declarations: list[RecordDeclaration] = field(default_factory=list)

    @property
    def first(self) -> RecordDeclaration:
        return self.declarations[0]

    @property
    def name(self) -> str:
        return self.first.name

    @property
    def anchor(self) -> str:
        return "record-" + slug(self.name)

    def value(self, name: str) -> str | None:
        """The field as the first declaration that gives it says."""
        return next((v for d in self.declarations if (v := d.value(name))), None)

    def variants(self, name: str) -> list[tuple[str, list[RecordDeclaration]]]:
        """Each distinct value given for the field, with the declarations giving it (fields a
        declaration leaves out are not a disagreement)."""
        found: dict[object, tuple[str, list[RecordDeclaration]]] = {}
        for declaration in self.declarations:
            shown = declaration.value(name)
            if shown is None:
                continue
            found.setdefault(declaration.compared(name), (shown, []))[1].append(declaration)
        return list(found.values())

    @property
    def conflicts(self) -> list[str]:
        return [name for name in FIELDS if len(self.variants(name)) > 1]

    @property
    def documents(self) -> list[Document]:
        return list({id(d.doc): d.doc for d in self.declarations}.values())


def build_register(documents: Iterable[Document]) -> list[RecordEntry]:
    """Every declared record once, by name, with the documents that declare it."""
    entries: dict[str, RecordEntry] = {}
    ordered = sorted((d for d in documents if d.doc_id), key=lambda d: (d.doc_id or "", d.path))
    for doc in ordered:
        for declaration in declarations(doc):
            entries.setdefault(declaration.key, RecordEntry(declaration.key)).declarations.append(
                declaration
            )
    return sorted(entries.values(), key=lambda e: (e.key, e.name))


# --- rules -------------------------------------------------------------------------------------


def _finding(doc: Document, rule: str, message: str) -> Finding:
    return Finding(doc.path, doc.line("records") or 1, rule, message, doc.doc_id, "records")


def record_findings(documents: Sequence[Document]) -> Iterator[Finding]:
    """The records rules, on the documents in use (withdrawn documents keep what they said).

    ``record-conflict``: one record declared differently by two documents (both named);
    ``record-retention``: a record with no retention; ``record-incomplete``: no location or no
    disposition; ``record-form``: the form named is not a form of the manual;
    ``form-without-record``: an approved form in use that no declaration names (once the manual
    declares records at all, so a manual that keeps its records list elsewhere is not asked).
    """
    in_use = [d for d in documents if d.doc_id and d.status not in ("superseded", "obsolete")]
    by_id = {d.doc_id: d for d in documents if d.doc_id}
    declared = [r for doc in in_use for r in declarations(doc)]
    for record in declared:
        yield from _declaration_findings(record, by_id)
    for entry in build_register(in_use):
        yield from _conflict_findings(entry)
    if not declared:
        return
    named = {r.form for r in declared if r.form}
    for doc in in_use:
        # A form still being drafted has no record yet: its procedure declares it when both are
        # approved.
        if doc.status in ("draft", "in_review"):
            continue
        if doc.type == "form" and doc.doc_id not in named:
            yield Finding(
                doc.path,
                doc.line("doc_id") or 1,
                "form-without-record",
                f"no document declares a record that form {doc.doc_id} defines; add the record "
                "(name, location, retention, disposition) with 'form: "
                f"{doc.doc_id}' to the records of the procedure that uses it, or to this form",
                doc.doc_id,
                "doc_id",
            )


def _declaration_findings(
    record: RecordDeclaration, by_id: Mapping[str, Document]
) -> Iterator[Finding]:
    doc, name = record.doc, record.name
    if not record.retention:
        yield _finding(
            doc,
            "record-retention",
            f"record '{name}' has no retention; say how long it is kept and from when, e.g. "
            "retention: {period: 6 years, from: date of the record}",
        )
    missing = [f for f in ("location", "disposition") if getattr(record, f) is None]
    if missing:
        yield _finding(
            doc,
            "record-incomplete",
            f"record '{name}' does not say its {' or its '.join(missing)}; "
            + " and ".join(
                {
                    "location": "give the system or place where it is kept",
                    "disposition": "say what happens to it when its retention ends",
                }[f]
                for f in missing
            ),
        )
    if record.form and record.form != doc.doc_id:
        form = by_id.get(record.form)
        if form is None:
            yield _finding(
                doc,
                "record-form",
                f"record '{name}' names form {record.form}, but no document has that doc_id; "
                "check the ID against the master document list",
            )
        elif form.type != "form":
            yield _finding(
                doc,
                "record-form",
                f"record '{name}' names {record.form} as its form, but {record.form} is a "
                f"{(form.type or 'document').replace('_', ' ')}; name the form (F-...) that "
                "defines the record, or leave 'form' out",
            )


def _conflict_findings(entry: RecordEntry) -> Iterator[Finding]:
    reported: set[tuple[str, str]] = set()
    for name in entry.conflicts:
        variants = entry.variants(name)
        first_value, first = variants[0]
        for value, others in variants[1:]:
            for declaration in others:
                doc = declaration.doc
                earlier = first[0].doc
                if earlier is doc or (doc.path, name) in reported:
                    continue
                reported.add((doc.path, name))
                yield _finding(
                    doc,
                    "record-conflict",
                    f"record '{declaration.name}' is declared with {name} "
                    f"'{value}' here but '{first_value}' in {earlier.label}; a record is kept "
                    f"one way: agree the {name} and make {doc.label} and "
                    f"{earlier.label} say the same (or declare it in one of them only)",
                )


# --- exports -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "record",
    "form",
    "location",
    "retention",
    "disposition",
    "owner",
    "declared_in",
    "conflicts",
)


def register_rows(entries: Sequence[RecordEntry]) -> list[dict[str, str]]:
    return [
        {
            "record": entry.name,
            "form": entry.value("form") or "",
            "location": entry.value("location") or "",
            "retention": entry.value("retention") or "",
            "disposition": entry.value("disposition") or "",
            "owner": entry.value("owner") or "",
            "declared_in": joined(d.label for d in entry.documents),
            "conflicts": joined(entry.conflicts),
        }
        for entry in entries
    ]


def records_csv(entries: Sequence[RecordEntry]) -> str:
    return csv_table(CSV_COLUMNS, register_rows(entries))


def records_data(
    entries: Sequence[RecordEntry], url_of: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The register as plain data (records_schema/records.schema.yaml); ``url_of`` gives the
    site URL of each declaring document by its ID."""
    urls = url_of or {}
    records = []
    for entry in entries:
        retention = next((d.retention for d in entry.declarations if d.retention), ())
        records.append(
            {
                "name": entry.name,
                "anchor": entry.anchor,
                "form": entry.value("form"),
                "location": entry.value("location"),
                "retention": [
                    {"period": r.period, "from": r.start or None, "applies_to": r.applies_to}
                    for r in retention
                ],
                "retention_text": entry.value("retention"),
                "disposition": entry.value("disposition"),
                "owner": entry.value("owner"),
                "declared_in": [
                    {"doc_id": d.doc_id, "title": d.title, "url": urls.get(d.doc_id or "")}
                    for d in entry.documents
                ],
                "conflicts": {
                    name: [
                        {"value": value, "declared_in": [d.doc.label for d in found]}
                        for value, found in entry.variants(name)
                    ]
                    for name in entry.conflicts
                },
            }
        )
    return {"format": RECORDS_FORMAT, "version": 1, "records": records}


def records_json(entries: Sequence[RecordEntry], url_of: Mapping[str, str] | None = None) -> str:
    return json_text(records_data(entries, url_of))


def records_text(entries: Sequence[RecordEntry]) -> str:
    lines = []
    for row in register_rows(entries):
        lines.append(f"{row['record']}  [{row['declared_in']}]")
        for name in ("form", "location", "retention", "disposition", "owner"):
            if row[name]:
                lines.append(f"    {name}: {row[name]}")
        if row["conflicts"]:
            lines.append(f"    DECLARED DIFFERENTLY: {row['conflicts']}")
    lines.append(f"{len(entries)} records.")
    return "\n".join(lines) + "\n"
