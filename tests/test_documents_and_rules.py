"""Loading controlled documents and the document-control rules, as tables of cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qms_plugin.core.documents import add_months
from qms_plugin.core.manual import DocumentSet, Settings, SettingsError
from tests.conftest import document

TODAY = dt.date(2026, 11, 23)


def load(tmp_path: Path, files: dict[str, str], **settings: Any) -> DocumentSet:
    for name, text in files.items():
        path = tmp_path / "procedures" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    (tmp_path / "procedures").mkdir(exist_ok=True)
    return DocumentSet.load(Settings(root=tmp_path, today=TODAY, **settings))


def rules(docset: DocumentSet) -> list[str]:
    return [f.rule for f in docset.findings]


def test_a_good_document_has_no_findings(tmp_path: Path) -> None:
    docset = load(tmp_path, {"qp-001.md": document()})
    assert docset.findings == []
    [doc] = docset.documents
    assert doc.doc_id == "QP-001"
    assert doc.next_review == dt.date(2028, 1, 12)
    assert doc.src_uri == "procedures/qp-001.md"
    assert docset.state(doc) == "current"


@pytest.mark.parametrize(
    ("fields", "rule", "words"),
    [
        ({"doc_id": "QP-75"}, "id-pattern", "QP-\\d{3}"),
        ({"type": "form"}, "id-pattern", "form"),
        ({"revision": "I"}, "revision-scheme", "skipping"),
        ({"iso9001_clauses": ["7.5", "11.2"]}, "unknown-clause", "11.2"),
        ({"related": ["QP-999"]}, "unknown-reference", "QP-999"),
        ({"supersedes": ["QP-998"]}, "unknown-reference", "QP-998"),
        ({"related": ["QP-001"]}, "unknown-reference", "itself"),
        ({"approved_by": None}, "approval-missing", "approved_by"),
        ({"effective_date": None}, "approval-missing", "effective_date"),
        ({"status": "approved", "approved_by": None}, "approval-missing", "approved"),
        ({"approval_date": "2026-02-01"}, "effective-before-approval", "before approval_date"),
        ({"effective_date": "2024-01-01", "approval_date": "2023-12-01"}, "review-overdue", "due"),
        ({"next_review": "2026-11-01"}, "review-overdue", "22 days ago"),
        ({"review_interval_months": None}, "review-missing", "review_interval_months"),
        ({"status": "obsolete"}, "retired-without-successor", "obsolete_reason"),
        ({"status": "superseded"}, "retired-without-successor", "superseded_by"),
        ({"doc_id": None}, "schema", "doc_id"),
        ({"status": "current"}, "schema", "allowed: draft, in_review"),
        ({"effective_date": "2026-02-30"}, "schema", "real date"),
        ({"review_interval_months": "two years"}, "schema", "whole number"),
        ({"efective_date": "2026-01-12"}, "schema", "'efective_date'"),
    ],
)
def test_each_rule(tmp_path: Path, fields: dict[str, Any], rule: str, words: str) -> None:
    docset = load(tmp_path, {"qp-001.md": document(**fields)})
    matching = [f for f in docset.findings if f.rule == rule]
    assert matching, f"expected {rule}, got {[str(f) for f in docset.findings]}"
    assert words in matching[0].message
    assert matching[0].path == "procedures/qp-001.md"


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    docset = load(tmp_path, {"a/qp-001.md": document(), "b/qp-001.md": document(title="Other")})
    [finding] = [f for f in docset.findings if f.rule == "duplicate-id"]
    assert finding.path == "procedures/b/qp-001.md"
    assert "procedures/a/qp-001.md" in finding.message
    assert finding.line == 2


def test_grace_period_delays_overdue(tmp_path: Path) -> None:
    text = document(next_review="2026-11-01")
    assert "review-overdue" not in rules(load(tmp_path, {"a.md": text}, review_grace_days=30))
    assert "review-overdue" in rules(load(tmp_path, {"a.md": text}, review_grace_days=10))


def test_retired_documents_are_not_reviewed(tmp_path: Path) -> None:
    docs = {
        "wi-001-01.md": document(
            doc_id="WI-001-01",
            type="work_instruction",
            status="superseded",
            superseded_by="WI-001-02",
            effective_date="2019-01-01",
            approval_date="2018-12-01",
        ),
        "wi-001-02.md": document(doc_id="WI-001-02", type="work_instruction"),
    }
    assert load(tmp_path, docs).findings == []


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, "current"),
        ({"status": "draft"}, "draft"),
        ({"status": "in_review"}, "in_review"),
        ({"status": "approved", "effective_date": "2026-12-07"}, "pending"),
        ({"status": "effective", "effective_date": "2026-12-07"}, "pending"),
        ({"status": "approved"}, "current"),
        ({"status": "obsolete", "obsolete_reason": "Withdrawn."}, "obsolete"),
        ({"status": "bogus"}, "invalid"),
    ],
)
def test_state_for_readers(tmp_path: Path, fields: dict[str, Any], state: str) -> None:
    docset = load(tmp_path, {"qp-001.md": document(**fields)})
    assert docset.state(docset.documents[0]) == state


def test_revision_schemes_are_configurable(tmp_path: Path) -> None:
    docs = {"qp-001.md": document(revision="1.10")}
    assert "revision-scheme" in rules(load(tmp_path, docs))
    assert load(tmp_path, docs, revision_scheme="major.minor").findings == []
    assert load(tmp_path, docs, revision_scheme="dotted").findings == []
    custom = {"revision_scheme": "custom", "revision_pattern": r"v([0-9]+)", "revision_first": "v1"}
    found = load(tmp_path, docs, **custom).findings
    assert [f.rule for f in found] == ["revision-scheme"]
    assert "a revision matching v([0-9]+) (for example v1)" in found[0].message
    assert load(tmp_path, {"qp-001.md": document(revision="v2")}, **custom).findings == []


def test_id_patterns_are_configurable(tmp_path: Path) -> None:
    docs = {"qp-001.md": document(doc_id="SOP-0042")}
    assert "id-pattern" in rules(load(tmp_path, docs))
    assert load(tmp_path, docs, id_patterns={"procedure": r"SOP-\d{4}"}).findings == []


def test_section_pages_without_front_matter_are_not_documents(tmp_path: Path) -> None:
    docset = load(tmp_path, {"index.md": "# Procedures\n", "note.md": "# A stray page\n"})
    assert [d.path for d in docset.documents] == ["procedures/note.md"]
    [finding] = docset.findings
    assert "no front matter" in finding.message


def test_an_organisation_can_extend_the_schema(tmp_path: Path) -> None:
    import yaml

    from tests.conftest import REPO

    schema = yaml.safe_load((REPO / "records_schema/document.schema.yaml").read_text("utf-8"))
    schema["properties"]["department"] = {"enum": ["Production", "Quality"]}
    schema["required"] = [*schema["required"], "department"]
    (tmp_path / "org.schema.yaml").write_text(yaml.safe_dump(schema), "utf-8")
    good = load(tmp_path, {"a.md": document(department="Quality")}, schema="org.schema.yaml")
    assert good.findings == []
    bad = load(tmp_path, {"a.md": document()}, schema="org.schema.yaml")
    assert "required field 'department' is missing" in bad.findings[0].message


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"procedures_dir": "nowhere"}, "does not exist"),
        ({"schema": "missing.yaml"}, "cannot read the schema file"),
        ({"revision_scheme": "roman"}, "unknown revision scheme"),
        ({"revision_scheme": "custom"}, "needs revision_pattern"),
        ({"id_patterns": {"form": "F-("}}, "not a valid regular expression"),
        ({"iso9001_edition": "2008"}, "no clause list"),
    ],
)
def test_settings_errors_are_explained(
    tmp_path: Path, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load(tmp_path, {}, **settings)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2026, 11, 15), 24, dt.date(2028, 11, 15)),
        (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 1)),
    ],
)
def test_add_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_huge_documents_are_reported_but_kept(tmp_path: Path) -> None:
    body = "## Data\n\n" + ("| a | b |\n" * 600_000)
    docset = load(tmp_path, {"qp-001.md": document(body=body)})
    [finding] = docset.findings
    assert finding.rule == "too-large"
    assert "MB" in finding.message
    assert docset.documents[0].body.endswith("| a | b |\n")
