"""The ISO 9001 clause coverage matrix: every clause, the documents that address it, the gaps.

A document addresses the clauses it lists in ``iso9001_clauses`` and, with them, their untitled
paragraphs and sub-clauses (citing 7.5.3 addresses 7.5.3.1 and 7.5.3.2). A clause with
sub-clauses is also covered when every applicable sub-clause is. Only revisions in force count;
approved revisions not in force yet make a clause *pending*, drafts are listed as in preparation.

Clauses the organisation does not apply are declared once, in the configuration, each with its
justification (``clauses_not_applicable``); the quality manual shows the statement where its
author puts the marker ``<!-- qms:not-applicable -->``.

Moving to a new edition: a mapping file (records_schema/clause-mapping.schema.yaml) says where
each clause of the edition in use went; the matrix then shows each clause's new numbers and the
documents whose citations must be re-mapped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import yamlread
from .documents import Document
from .exports import csv_table, json_text
from .findings import Finding
from .markers import NOT_APPLICABLE, markers_in
from .schema import load_packaged_schema
from .standards import (
    EDITIONS,
    Clause,
    ClauseCatalogue,
    ClauseListError,
    iso9001_clauses,
    load_clause_list,
    number_key,
)

CLAUSES_FORMAT = "mkdocs-qms/clauses"
MAPPING_FORMAT = "mkdocs-qms/clause-mapping"
STATUSES = ("covered", "partial", "pending", "gap", "not_applicable")
STATUS_LABELS = {
    "covered": "Covered",
    "partial": "Partly covered",
    "pending": "Pending",
    "gap": "Gap",
    "not_applicable": "Not applicable",
}
# Document states that count for coverage, and those listed as "in preparation".
IN_FORCE = "current"
PENDING = "pending"
IN_PREPARATION = ("draft", "in_review")


class ClauseSettingsError(ValueError):
    """The not-applicable declarations or the mapping file cannot be used."""


# --- not applicable ----------------------------------------------------------------------------


def not_applicable_declarations(
    declared: Mapping[str, Any], catalogue: ClauseCatalogue
) -> dict[str, str]:
    """The configured not-applicable clauses, checked: clause number -> justification."""
    result: dict[str, str] = {}
    for raw, reason in declared.items():
        number = str(raw).strip()
        where = f"clauses_not_applicable: {number}"
        if number not in catalogue:
            raise ClauseSettingsError(
                f"{where} is not a clause of {catalogue.standard}; name a clause such as 8.3"
            )
        if "." not in number:
            raise ClauseSettingsError(
                f"{where}: a whole main clause cannot be declared not applicable; name the "
                "sub-clause that does not apply (for example 8.3)"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise ClauseSettingsError(
                f"{where} has no justification; say why the requirement cannot apply and why "
                "leaving it out does not affect conformity of products and services"
            )
        result[number] = " ".join(reason.split())
    return dict(sorted(result.items(), key=lambda item: number_key(item[0])))


def not_applicable_of(number: str, declared: Mapping[str, str]) -> str | None:
    """The declared clause that makes ``number`` not applicable (itself or an enclosing one)."""
    parts = number.split(".")
    for length in range(len(parts), 0, -1):
        candidate = ".".join(parts[:length])
        if candidate in declared:
            return candidate
    return None


# --- the edition mapping -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseMapping:
    """Where each clause of the edition in use goes in the next one."""

    origin: str
    source: ClauseCatalogue
    target: ClauseCatalogue
    moves: Mapping[str, tuple[str, ...]]
    notes: Mapping[str, str]

    def maps_to(self, number: str) -> tuple[str, ...] | None:
        """The new numbers of ``number``; () when it has gone, None when the mapping does not
        say and the number does not exist in the new edition."""
        if number in self.moves:
            return self.moves[number]
        return (number,) if number in self.target else None

    def change(self, number: str) -> str:
        """How a clause fares: same, renamed, moved, split, removed or unmapped."""
        new = self.maps_to(number)
        if new is None:
            return "unmapped"
        if not new:
            return "removed"
        if len(new) > 1:
            return "split"
        if new[0] != number:
            return "moved"
        old, now = self.source.get(number), self.target.get(number)
        if old and now and old.titled and now.titled and old.title != now.title:
            return "renamed"
        return "same"


def load_mapping(path: Path, source: ClauseCatalogue) -> ClauseMapping:
    """Read and check a mapping file; ClauseSettingsError names the file and the entry."""
    try:
        data = yamlread.load(path.read_text("utf-8"))
    except OSError as exc:
        raise ClauseSettingsError(
            f"cannot read the clause mapping {path}: {exc.strerror}; check the plugin's "
            "'clauses_mapping' option"
        ) from None
    except yaml.YAMLError as exc:
        raise ClauseSettingsError(f"{path}: the clause mapping is not valid YAML: {exc}") from None
    for section in ("clauses", "notes"):
        entries = data.get(section) if isinstance(data, dict) else None
        keys = list(entries) if isinstance(entries, dict) else []
        numbers = [k for k in keys if not isinstance(k, str)]
        if numbers:
            raise ClauseSettingsError(
                f"{path}: {section}: write the clause number {numbers[0]!r} in quotes "
                "('6.1': ...); YAML reads an unquoted number as a decimal, and 8.10 as 8.1"
            )
    validator = load_packaged_schema("clause-mapping.schema.yaml")
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        where = ".".join(map(str, error.absolute_path)) or "the file"
        raise ClauseSettingsError(
            f"{path}: {where}: {error.message} (format: records_schema/clause-mapping.schema.yaml)"
        )
    if data["from"] != source.standard:
        raise ClauseSettingsError(
            f"{path}: 'from' is {data['from']!r}, but the documents cite {source.standard}; "
            "a mapping starts from the edition in use (iso9001_edition)"
        )
    target = _target_catalogue(path, data)
    moves: dict[str, tuple[str, ...]] = {}
    for raw, value in (data.get("clauses") or {}).items():
        number = str(raw)
        if number not in source:
            raise ClauseSettingsError(
                f"{path}: clauses: {number} is not a clause of {source.standard}"
            )
        new = (value,) if isinstance(value, str) else tuple(str(v) for v in value or ())
        unknown = [n for n in new if n not in target]
        if unknown:
            raise ClauseSettingsError(
                f"{path}: clauses: {number} maps to {', '.join(unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not in {target.standard}'s clause list"
            )
        moves[number] = new
    notes = {str(k): " ".join(str(v).split()) for k, v in (data.get("notes") or {}).items()}
    return ClauseMapping(str(path), source, target, moves, notes)


def _target_catalogue(path: Path, data: Mapping[str, Any]) -> ClauseCatalogue:
    edition = data.get("to_edition")
    try:
        if edition is not None:
            if str(edition) not in EDITIONS:
                raise ClauseSettingsError(
                    f"{path}: to_edition {edition} is not shipped with the plugin (available: "
                    f"{', '.join(EDITIONS)}); give the new edition's clause list as to_clauses"
                )
            target = iso9001_clauses(str(edition))
        else:
            target = load_clause_list(path.parent / str(data["to_clauses"]))
    except ClauseListError as exc:
        raise ClauseSettingsError(f"{path}: to_clauses: {exc}") from None
    if target.standard != data["to"]:
        raise ClauseSettingsError(
            f"{path}: 'to' is {data['to']!r} but the clause list is of {target.standard}"
        )
    return target


# --- the matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A document as the matrix sees it: the revision shown today and its state."""

    doc_id: str
    title: str
    type: str
    state: str  # current, pending, draft, in_review (withdrawn documents are left out)
    clauses: tuple[str, ...]
    url: str
    pending_from: dt.date | None = None


@dataclass(frozen=True)
class Citation:
    """A document that addresses a clause: by citing it, or (``inherited``) a clause that
    encloses it."""

    source: Source
    cited: str
    inherited: bool = False


@dataclass
class ClauseRow:
    """One clause of the matrix."""

    clause: Clause
    status: str = "gap"
    citations: list[Citation] = field(default_factory=list)
    by_parts: bool = False  # covered (or pending) because its sub-clauses are
    not_applicable: str | None = None  # the declared clause that makes it not applicable
    reason: str | None = None
    maps_to: tuple[str, ...] | None = None
    change: str | None = None  # with a mapping: same, renamed, moved, split, removed, unmapped

    @property
    def number(self) -> str:
        return self.clause.number

    @property
    def in_force(self) -> list[Citation]:
        return [c for c in self.citations if c.source.state == IN_FORCE]

    @property
    def pending(self) -> list[Citation]:
        return [c for c in self.citations if c.source.state == PENDING]

    @property
    def in_preparation(self) -> list[Citation]:
        return [c for c in self.citations if c.source.state in IN_PREPARATION]

    @property
    def section(self) -> str:
        return self.number.split(".", 1)[0]


@dataclass(frozen=True)
class Remap:
    """A citation that must change when the documents move to the new edition."""

    source: Source
    cited: str
    maps_to: tuple[str, ...]
    change: str  # moved, split, removed, unmapped


@dataclass
class ClauseMatrix:
    """Every clause of the edition in use with its coverage."""

    catalogue: ClauseCatalogue
    rows: list[ClauseRow]
    not_applicable: dict[str, str]
    mapping: ClauseMapping | None = None
    remaps: list[Remap] = field(default_factory=list)

    def gaps(self) -> list[ClauseRow]:
        """Clauses nothing in force addresses, and clauses only partly covered."""
        return [row for row in self.rows if row.status in ("gap", "partial")]

    def row(self, number: str) -> ClauseRow | None:
        return next((row for row in self.rows if row.number == number), None)


def build_matrix(
    catalogue: ClauseCatalogue,
    sources: Iterable[Source],
    not_applicable: Mapping[str, str],
    mapping: ClauseMapping | None = None,
) -> ClauseMatrix:
    """The matrix for the documents ``sources`` (unknown clause numbers are left to the
    unknown-clause rule)."""
    sources = sorted(sources, key=lambda s: s.doc_id)
    rows = {clause.number: ClauseRow(clause) for clause in catalogue.clauses}
    found: dict[str, dict[str, Citation]] = {number: {} for number in rows}
    for source in sources:
        for cited in dict.fromkeys(source.clauses):
            if cited not in rows:
                continue
            found[cited][source.doc_id] = Citation(source, cited)  # citing it beats containing it
            for number in rows:
                if number.startswith(cited + "."):
                    found[number].setdefault(source.doc_id, Citation(source, cited, inherited=True))
    for number, citations in found.items():
        rows[number].citations = list(citations.values())
    children: dict[str, list[str]] = {}
    for number in rows:
        parent = catalogue.parent(number)
        if parent is not None:
            children.setdefault(parent, []).append(number)
    # Deepest first, so a clause's status can come from its sub-clauses'.
    for number in sorted(rows, key=lambda n: (-len(number_key(n)), number_key(n))):
        row = rows[number]
        declared = not_applicable_of(number, not_applicable)
        if declared is not None:
            row.status, row.not_applicable = "not_applicable", declared
            row.reason = not_applicable[declared]
            continue
        row.status, row.by_parts = _status(row, [rows[c] for c in children.get(number, [])])
    for row in rows.values():
        row.citations.sort(key=lambda c: (c.inherited, c.source.doc_id))
    matrix = ClauseMatrix(catalogue, list(rows.values()), dict(not_applicable), mapping)
    if mapping is not None:
        for row in matrix.rows:
            row.maps_to, row.change = mapping.maps_to(row.number), mapping.change(row.number)
        matrix.remaps = _remaps(sources, mapping)
    return matrix


def _status(row: ClauseRow, parts: list[ClauseRow]) -> tuple[str, bool]:
    own = "covered" if row.in_force else "pending" if row.pending else "gap"
    applicable = [p.status for p in parts if p.status != "not_applicable"]
    if own == "covered":
        return "covered", False
    if applicable and all(s == "covered" for s in applicable):
        return "covered", True
    if own == "pending":
        return "pending", False
    if applicable and all(s in ("covered", "pending") for s in applicable):
        return "pending", True
    if any(s in ("covered", "pending", "partial") for s in applicable):
        return "partial", True
    return "gap", False


def _remaps(sources: Sequence[Source], mapping: ClauseMapping) -> list[Remap]:
    found = []
    for source in sources:
        for cited in dict.fromkeys(source.clauses):
            if cited not in mapping.source:
                continue
            change = mapping.change(cited)
            if change in ("same", "renamed"):
                continue
            found.append(Remap(source, cited, mapping.maps_to(cited) or (), change))
    return found


# --- rules -------------------------------------------------------------------------------------


def clause_findings(
    documents: Sequence[Document], not_applicable: Mapping[str, str]
) -> Iterator[Finding]:
    """``not-applicable-cited``: a document in use claims to address a clause the organisation
    declared not applicable. ``not-applicable-statement``: clauses are declared not applicable
    but no controlled document shows the statement."""
    if not not_applicable:
        return
    in_use = [d for d in documents if d.doc_id and d.status not in ("superseded", "obsolete")]
    for doc in in_use:
        for cited in doc.clauses:
            declared = not_applicable_of(cited, not_applicable)
            if declared is not None:
                yield Finding(
                    doc.path,
                    doc.line("iso9001_clauses") or 1,
                    "not-applicable-cited",
                    f"iso9001_clauses lists {cited}, but clause {declared} is declared not "
                    "applicable (clauses_not_applicable in mkdocs.yml); remove the clause from "
                    "this document, or withdraw the declaration if the requirement now applies",
                    doc.doc_id,
                    "iso9001_clauses",
                )
    if any(name == NOT_APPLICABLE for d in in_use for _, name in markers_in(d.body)):
        return
    manuals = [d for d in in_use if d.type == "manual"] or in_use[:1]
    for doc in manuals:
        yield Finding(
            doc.path,
            doc.body_start_line,
            "not-applicable-statement",
            f"clause{'s' if len(not_applicable) > 1 else ''} {', '.join(not_applicable)} "
            f"{'are' if len(not_applicable) > 1 else 'is'} declared not applicable, but no "
            "controlled document shows the statement; put a line '<!-- qms:not-applicable -->' "
            "where this manual describes the scope",
            doc.doc_id,
        )


# --- exports -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "clause",
    "title",
    "status",
    "documents",
    "pending",
    "in_preparation",
    "not_applicable_reason",
    "maps_to",
)


def _citation(citation: Citation) -> dict[str, Any]:
    source = citation.source
    return {
        "doc_id": source.doc_id,
        "title": source.title,
        "state": source.state,
        "cited": citation.cited,
        "inherited": citation.inherited,
        "url": source.url,
    }


def matrix_data(matrix: ClauseMatrix, today: dt.date, only_gaps: bool = False) -> dict[str, Any]:
    """The matrix as plain data (records_schema/clauses.schema.yaml); ``only_gaps``: the
    clauses with a gap or partly covered only."""
    mapping = matrix.mapping
    rows = matrix.gaps() if only_gaps else matrix.rows
    return {
        "format": CLAUSES_FORMAT,
        "version": 1,
        "standard": matrix.catalogue.standard,
        "today": today.isoformat(),
        "not_applicable": [
            {"clause": number, "title": matrix.catalogue.label(number), "reason": reason}
            for number, reason in matrix.not_applicable.items()
        ],
        "clauses": [
            {
                "clause": row.number,
                "title": row.clause.title,
                "titled": row.clause.titled,
                "status": row.status,
                "by_sub_clauses": row.by_parts,
                "not_applicable_reason": row.reason,
                "documents": [_citation(c) for c in row.citations],
                "maps_to": list(row.maps_to) if row.maps_to is not None else None,
                "change": row.change,
            }
            for row in rows
        ],
        "transition": (
            {
                "to": mapping.target.standard,
                "remap": [
                    {
                        "doc_id": r.source.doc_id,
                        "title": r.source.title,
                        "cited": r.cited,
                        "maps_to": list(r.maps_to),
                        "change": r.change,
                        "note": mapping.notes.get(r.cited),
                    }
                    for r in matrix.remaps
                ],
            }
            if mapping is not None
            else None
        ),
    }


def matrix_json(matrix: ClauseMatrix, today: dt.date, only_gaps: bool = False) -> str:
    return json_text(matrix_data(matrix, today, only_gaps))


REMAP_COLUMNS = ("doc_id", "title", "cited", "maps_to", "change", "note")


def remap_rows(matrix: ClauseMatrix) -> list[dict[str, str]]:
    """The citations to re-map for the new edition, one row each."""
    notes = matrix.mapping.notes if matrix.mapping else {}
    return [
        {
            "doc_id": r.source.doc_id,
            "title": r.source.title,
            "cited": r.cited,
            "maps_to": "; ".join(r.maps_to),
            "change": r.change,
            "note": notes.get(r.cited, ""),
        }
        for r in matrix.remaps
    ]


def remap_csv(matrix: ClauseMatrix) -> str:
    return csv_table(REMAP_COLUMNS, remap_rows(matrix))


def _ids(citations: Iterable[Citation]) -> str:
    return "; ".join(dict.fromkeys(c.source.doc_id for c in citations))


def matrix_rows(matrix: ClauseMatrix, only_gaps: bool = False) -> list[dict[str, str]]:
    """One flat row per clause (CSV and text), documents as '; '-separated IDs."""
    rows = matrix.gaps() if only_gaps else matrix.rows
    return [
        {
            "clause": row.number,
            "title": row.clause.title,
            "status": row.status,
            "documents": _ids(row.in_force),
            "pending": _ids(row.pending),
            "in_preparation": _ids(row.in_preparation),
            "not_applicable_reason": row.reason or "",
            "maps_to": "; ".join(row.maps_to) if row.maps_to is not None else "",
        }
        for row in rows
    ]


def matrix_csv(matrix: ClauseMatrix, only_gaps: bool = False) -> str:
    columns = CSV_COLUMNS if matrix.mapping is not None else CSV_COLUMNS[:-1]
    return csv_table(columns, matrix_rows(matrix, only_gaps))


def matrix_text(matrix: ClauseMatrix, only_gaps: bool = False) -> str:
    """For a terminal: one line per clause, then what must be re-mapped."""
    lines = []
    rows = matrix_rows(matrix, only_gaps)
    for row in rows:
        documents = row["documents"] or "—"
        extra = []
        if row["pending"]:
            extra.append(f"pending: {row['pending']}")
        if row["in_preparation"]:
            extra.append(f"in preparation: {row['in_preparation']}")
        if row["not_applicable_reason"]:
            extra.append(row["not_applicable_reason"])
        if row["maps_to"]:
            extra.append(f"-> {row['maps_to']}")
        detail = f"  ({'; '.join(extra)})" if extra else ""
        label = STATUS_LABELS[row["status"]].lower()
        lines.append(f"{row['clause']:<9} {label:<15} {documents}  {row['title']}{detail}")
    counts = {s: sum(1 for r in matrix.rows if r.status == s) for s in STATUSES}
    summary = ", ".join(f"{n} {STATUS_LABELS[s].lower()}" for s, n in counts.items() if n)
    if only_gaps and not rows:
        lines.append(f"No gaps: every applicable clause of {matrix.catalogue.standard} is covered.")
    lines.append(f"{matrix.catalogue.standard}: {len(matrix.rows)} clauses, {summary}.")
    if matrix.mapping is not None:
        target = matrix.mapping.target.standard
        if matrix.remaps:
            lines.append(f"To re-map for {target}:")
            for remap in matrix.remaps:
                new = ", ".join(remap.maps_to) or "nothing"
                lines.append(f"  {remap.source.doc_id}: {remap.cited} -> {new} ({remap.change})")
        else:
            lines.append(f"No document needs re-mapping for {target}.")
    return "\n".join(lines) + "\n"
