"""The rules of the manual as a system: references, clauses, records, external documents,
training and markers. Run with the document rules by ``DocumentSet.load``, so the site build and
``qms check`` report the same findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence

from .clauses import clause_findings
from .documents import Document
from .external import external_findings
from .findings import Finding
from .markers import MARKERS, RECORDS, markers_in
from .records import declarations, record_findings
from .references import References, reference_findings
from .training import training_findings


def marker_findings(documents: Sequence[Document]) -> Iterator[Finding]:
    """``marker``: a marker the plugin does not know (a typo shows nothing), or a records marker
    in a document that declares no records."""
    for doc in documents:
        if doc.doc_id is None:
            continue
        for index, name in markers_in(doc.body):
            line = doc.body_start_line + index
            if name not in MARKERS:
                yield Finding(
                    doc.path,
                    line,
                    "marker-shows-nothing",
                    f"'<!-- qms:{name} -->' is not a marker of the qms plugin, so nothing is "
                    f"shown there; known markers: {', '.join(MARKERS)}",
                    doc.doc_id,
                )
            elif name == RECORDS and not declarations(doc):
                yield Finding(
                    doc.path,
                    line,
                    "marker-shows-nothing",
                    "'<!-- qms:records -->' shows the records this document declares, but it "
                    "declares none; add them under 'records:' in the front matter, or remove "
                    "the marker",
                    doc.doc_id,
                )


def register_findings(
    documents: Sequence[Document],
    *,
    today: dt.date,
    id_patterns: Mapping[str, str],
    not_applicable: Mapping[str, str],
    training_roles: Mapping[str, str],
    external_check_months: int,
) -> list[Finding]:
    """Every finding of the cross-document rules."""
    references = References(documents, id_patterns)
    return [
        *reference_findings(references),
        *clause_findings(documents, not_applicable),
        *record_findings(documents),
        *external_findings(documents, external_check_months, today),
        *training_findings(documents, training_roles),
        *marker_findings(documents),
    ]
