"""The clause coverage matrix, not-applicable clauses and the move to another edition."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from qms_plugin.core.clauses import (
    ClauseSettingsError,
    Source,
    build_matrix,
    load_mapping,
    matrix_csv,
    matrix_json,
    matrix_text,
    not_applicable_declarations,
)
from qms_plugin.core.manual import SettingsError
from qms_plugin.core.standards import iso9001_clauses
from tests.conftest import REPO, document
from tests.test_documents_and_rules import load

CATALOGUE = iso9001_clauses("2015")
TODAY = dt.date(2026, 11, 23)


def source(doc_id: str, *clauses: str, state: str = "current") -> Source:
    return Source(doc_id, f"Title of {doc_id}", "procedure", state, clauses, f"{doc_id}/")


def statuses(*sources: Source, **declared: str) -> dict[str, str]:
    na = {k.replace("_", "."): v for k, v in declared.items()}
    return {row.number: row.status for row in build_matrix(CATALOGUE, sources, na).rows}


def test_a_cited_clause_is_covered_with_its_paragraphs_and_sub_clauses() -> None:
    found = statuses(source("QP-075", "7.5.3"))
    assert found["7.5.3"] == found["7.5.3.1"] == found["7.5.3.2"] == "covered"
    assert found["7.5.2"] == "gap"
    assert found["7.5"] == "partial"  # one of three sub-clauses
    assert found["7"] == "partial"


def test_a_clause_is_covered_by_its_sub_clauses_when_all_are() -> None:
    matrix = build_matrix(CATALOGUE, [source("QP-091", "9.1.1", "9.1.2", "9.1.3")], {})
    row = matrix.row("9.1")
    assert row is not None and row.status == "covered" and row.by_parts
    assert not row.in_force  # no document cites 9.1 itself


@pytest.mark.parametrize(
    ("state", "status", "counted"),
    [
        ("current", "covered", True),
        ("pending", "pending", False),  # approved, not in force yet
        ("draft", "gap", False),  # listed, but a draft addresses nothing yet
        ("in_review", "gap", False),
    ],
)
def test_only_revisions_in_force_cover_a_clause(state: str, status: str, counted: bool) -> None:
    matrix = build_matrix(CATALOGUE, [source("QP-084", "8.4", state=state)], {})
    row = matrix.row("8.4.2")
    assert row is not None and row.status == status
    assert [c.source.doc_id for c in row.citations] == ["QP-084"]
    assert row.citations[0].inherited
    assert bool(row.in_force) is counted


def test_a_document_citing_a_clause_and_its_parent_is_listed_once_as_citing_it() -> None:
    row = build_matrix(CATALOGUE, [source("QP-084", "8.4", "8.4.1")], {}).row("8.4.1")
    assert row is not None
    assert [(c.source.doc_id, c.inherited) for c in row.citations] == [("QP-084", False)]


def test_not_applicable_clauses_and_their_sub_clauses_are_no_gaps() -> None:
    covered = [source("QP-085", "8.1", "8.2", "8.4", "8.5", "8.6", "8.7")]
    found = statuses(*covered, **{"8_3": "We make parts to customers' designs."})
    assert found["8.3"] == found["8.3.4"] == "not_applicable"
    assert found["8"] == "covered"
    assert statuses(*covered)["8"] == "partial"


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"8.3": "We do not design."}, None),
        ({"8.3.4": "Only design controls."}, None),
        ({"8.9": "x"}, "not a clause of ISO 9001:2015"),
        ({"8": "x"}, "a whole main clause"),
        ({"8.3": "  "}, "has no justification"),
    ],
)
def test_not_applicable_declarations_are_checked(
    declared: dict[str, str], message: str | None
) -> None:
    if message is None:
        assert not_applicable_declarations(declared, CATALOGUE) == declared
    else:
        with pytest.raises(ClauseSettingsError, match=message):
            not_applicable_declarations(declared, CATALOGUE)


NA = {"8.3": "We machine parts to our customers' designs and design nothing ourselves."}
MANUAL = document(
    "## Scope\n\nWe machine parts to drawings.\n\n<!-- qms:not-applicable -->\n",
    doc_id="QM-001",
    type="manual",
    iso9001_clauses=["4.3"],
)


@pytest.mark.parametrize(
    ("files", "rules"),
    [
        ({"qm-001.md": MANUAL}, []),
        (
            {"qm-001.md": MANUAL.replace("<!-- qms:not-applicable -->", "")},
            ["not-applicable-statement"],
        ),
        (
            {"qm-001.md": MANUAL, "qp-001.md": document(iso9001_clauses=["8.3.2"])},
            ["not-applicable-cited"],
        ),
        # a withdrawn document may have cited it once
        (
            {
                "qm-001.md": MANUAL,
                "qp-001.md": document(
                    iso9001_clauses=["8.3"], status="obsolete", obsolete_reason="Design stopped."
                ),
            },
            [],
        ),
        # the marker inside code is an example, not the statement
        (
            {"qm-001.md": MANUAL.replace("<!--", "```\n<!--").replace("-->", "-->\n```")},
            ["not-applicable-statement"],
        ),
    ],
)
def test_not_applicable_rules(tmp_path: Path, files: dict[str, str], rules: list[str]) -> None:
    docset = load(tmp_path, files, clauses_not_applicable=NA)
    assert [f.rule for f in docset.findings] == rules


def test_without_declarations_there_is_nothing_to_show(tmp_path: Path) -> None:
    docset = load(tmp_path, {"qm-001.md": MANUAL.replace("<!-- qms:not-applicable -->", "")})
    assert docset.findings == []


def test_a_bad_declaration_stops_the_build_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"clauses_not_applicable: 8\.9"):
        load(tmp_path, {"qm-001.md": MANUAL}, clauses_not_applicable={"8.9": "x"})


# --- moving to another edition (a small made-up one: the real next list is not ours to invent)

MADE_UP = {
    "standard": "ISO 9001:20XX (made up for this test)",
    "clauses": {
        "4": "Context",
        "4.1": "Context and interested parties",
        "6": "Planning",
        "6.1": "Actions on risks and opportunities",
        "6.1.1": "General",
        "6.1.2": "Risks",
        "6.1.3": "Opportunities",
        "7": "Support",
        "7.2": "Competence of people",
    },
}


def mapping_file(tmp_path: Path, **changes: Any) -> Path:
    (tmp_path / "next-clauses.yaml").write_text(yaml.safe_dump(MADE_UP), "utf-8")
    data: dict[str, Any] = {
        "format": "mkdocs-qms/clause-mapping",
        "version": 1,
        "from": "ISO 9001:2015",
        "to": MADE_UP["standard"],
        "to_clauses": "next-clauses.yaml",
        "clauses": {"4.2": "4.1", "6.1": ["6.1.2", "6.1.3"], "7.1.6": []},
        "notes": {"6.1": "Risks and opportunities now have a sub-clause each."},
    }
    data.update(changes)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


def test_the_mapping_shows_which_documents_must_be_re_mapped(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path), CATALOGUE)
    sources = [
        source("QP-041", "4.1", "4.2", "6.1"),
        source("QP-071", "7.1.6", "7.5"),
        source("QP-072", "7.2", state="draft"),
    ]
    matrix = build_matrix(CATALOGUE, sources, {}, mapping)
    assert [(r.source.doc_id, r.cited, r.maps_to, r.change) for r in matrix.remaps] == [
        ("QP-041", "4.2", ("4.1",), "moved"),
        ("QP-041", "6.1", ("6.1.2", "6.1.3"), "split"),
        ("QP-071", "7.1.6", (), "removed"),
        ("QP-071", "7.5", (), "unmapped"),  # not listed, and no 7.5 in the new edition
    ]
    row = matrix.row("7.2")
    assert row is not None and row.maps_to == ("7.2",) and row.change == "renamed"
    text = matrix_text(matrix)
    assert "To re-map for ISO 9001:20XX (made up for this test):" in text
    assert "QP-041: 6.1 -> 6.1.2, 6.1.3 (split)" in text
    data = json.loads(matrix_json(matrix, TODAY))
    assert data["transition"]["remap"][1]["note"].startswith("Risks and opportunities")
    assert "maps_to" in matrix_csv(matrix).splitlines()[0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"from": "ISO 9001:2008"}, "the documents cite ISO 9001:2015"),
        ({"clauses": {"4.9": "4.1"}}, "4.9 is not a clause of ISO 9001:2015"),
        ({"clauses": {"4.2": "4.7"}}, "maps to 4.7, which is not in"),
        ({"to": "ISO 9001:2030"}, "but the clause list is of"),
        ({"to_clauses": "missing.yaml"}, "cannot read the clause list"),
        ({"format": "other"}, "format"),
        ({"clauses": {8.10: "8.1"}}, "write the clause number 8.1 in quotes"),  # 8.10 read as 8.1
        ({"to_edition": "2015"}, "is not valid under any of the given schemas|oneOf|to_"),
    ],
)
def test_a_bad_mapping_names_the_file_and_the_entry(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = mapping_file(tmp_path, **changes)
    with pytest.raises(ClauseSettingsError, match=message) as error:
        load_mapping(path, CATALOGUE)
    assert str(path) in str(error.value)


def test_the_mapping_is_set_in_the_settings(tmp_path: Path) -> None:
    mapping_file(tmp_path)
    docset = load(tmp_path, {"qp-001.md": document()}, clauses_mapping="mapping.yaml")
    assert docset.clause_mapping is not None
    with pytest.raises(SettingsError, match="cannot read the clause mapping"):
        load(tmp_path, {"qp-001.md": document()}, clauses_mapping="nowhere.yaml")


def test_exports_follow_their_schema() -> None:
    schema = yaml.safe_load((REPO / "records_schema/clauses.schema.yaml").read_text("utf-8"))
    matrix = build_matrix(CATALOGUE, [source("QP-075", "7.5")], {"8.3": "We design nothing."})
    data = json.loads(matrix_json(matrix, TODAY))
    jsonschema.validate(data, schema)
    assert data["not_applicable"] == [
        {
            "clause": "8.3",
            "title": "8.3 Design and development of products and services",
            "reason": "We design nothing.",
        }
    ]
    header = matrix_csv(matrix).splitlines()[0]
    assert header == "clause,title,status,documents,pending,in_preparation,not_applicable_reason"


def test_packaged_schemas_are_the_ones_in_records_schema() -> None:
    for name in ("clause-mapping.schema.yaml", "clause-list.schema.yaml"):
        packaged = REPO / "qms_plugin/data" / name
        assert (REPO / "records_schema" / name).read_bytes() == packaged.read_bytes()
