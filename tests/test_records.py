"""The records register: declarations in front matter, the register, and its rules."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from qms_plugin.core.manual import DocumentSet
from qms_plugin.core.records import (
    RetentionRule,
    build_register,
    record_key,
    records_csv,
    records_json,
)
from tests.conftest import REPO, document
from tests.test_documents_and_rules import load

TODAY = dt.date(2026, 11, 23)

TRAINING = {
    "name": "Training and assessment records",
    "form": "F-072-01",
    "location": "Personal training file, HR office",
    "retention": {"period": "10 years", "from": "end of employment"},
    "disposition": "Shredded as confidential waste",
    "owner": "HR and Training Coordinator",
}
FORM = document(doc_id="F-072-01", type="form", title="Training record")


def messages(docset: DocumentSet) -> list[tuple[str | None, str, str]]:
    return [(f.doc_id, f.rule, f.message) for f in docset.findings]


def with_records(doc_id: str, *records: dict[str, Any], **fields: Any) -> str:
    return document(doc_id=doc_id, records=list(records), **fields)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Training record", "training records", True),
        ("Training  Records.", "training record", True),
        ("Process records", "Process record", True),
        ("Gauge register", "Gauge registers", True),
        ("Access", "Acces", False),  # a double s is not a plural
        ("Corrective action reports", "Corrective actions report", False),
    ],
)
def test_the_same_record_is_recognised_by_its_name(a: str, b: str, same: bool) -> None:
    assert (record_key(a) == record_key(b)) is same


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (RetentionRule("10 years", "end of employment"), "10 years from end of employment"),
        (RetentionRule("permanent", ""), "permanently"),
        (
            RetentionRule("6 years", "last delivery", "other orders"),
            "6 years from last delivery (other orders)",
        ),
    ],
)
def test_retention_reads_as_a_sentence(rule: RetentionRule, text: str) -> None:
    assert str(rule) == text


def test_a_well_declared_record_has_no_findings(tmp_path: Path) -> None:
    docset = load(tmp_path, {"qp-072.md": with_records("QP-072", TRAINING), "f.md": FORM})
    assert messages(docset) == []
    [entry] = build_register(docset.documents)
    assert entry.name == "Training and assessment records"
    assert entry.value("retention") == "10 years from end of employment"
    assert entry.anchor == "record-training-and-assessment-record"


# The sample manual as it was: training records kept for employment + 10 years in QP-072 and
# + 6 years in QP-092; corrective action reports 10/6 years in QP-102 and 6 years in QP-092.
def test_the_same_record_declared_differently_names_both_documents(tmp_path: Path) -> None:
    six = {
        **TRAINING,
        "name": "Training and assessment records",
        "retention": {"period": "6 years", "from": "end of employment"},
    }
    car_102 = {
        "name": "Corrective action reports",
        "location": "Quality shared drive",
        "retention": [
            {"period": "10 years", "from": "closure", "applies_to": "aerospace and medical"},
            {"period": "6 years", "from": "closure", "applies_to": "other work"},
        ],
        "disposition": "Deleted",
    }
    car_092 = {
        **car_102,
        "location": "Corrective action log",
        "retention": {"period": "6 years", "from": "closure"},
    }
    docset = load(
        tmp_path,
        {
            "f.md": FORM,
            "qp-072.md": with_records("QP-072", TRAINING),
            "qp-092.md": with_records("QP-092", six, car_092),
            "qp-102.md": with_records("QP-102", car_102),
        },
    )
    found = [
        (doc_id, message) for doc_id, rule, message in messages(docset) if rule == "record-conflict"
    ]
    assert len(found) == 3
    assert found[0][0] == "QP-092"
    assert (
        "'Training and assessment records' is declared wit"
        "h retention '6 years from end of employment' here" in found[0][1]
    )
    assert "'10 years from end of employment' in QP-072" in found[0][1]
    assert any(
        "location 'Quality shared drive'" in m and "Corrective action log" in m for _, m in found
    )
    conflicted = {e.name: e.conflicts for e in build_register(docset.documents)}
    assert conflicted["Corrective action reports"] == ["location", "retention"]


def test_declarations_that_agree_or_leave_a_field_out_are_no_conflict(tmp_path: Path) -> None:
    same = {
        **TRAINING,
        "name": "Training and assessment record.",
        "retention": {"period": "10 years", "from": "End of employment"},
    }
    brief = {
        "name": "training and assessment records",
        "form": "F-072-01",
        "location": "Personal training file, HR office",
        "retention": TRAINING["retention"],
        "disposition": "Shredded as confidential waste",
    }
    docset = load(
        tmp_path,
        {
            "f.md": FORM,
            "qp-072.md": with_records("QP-072", TRAINING),
            "qp-092.md": with_records("QP-092", same),
            "wi.md": with_records("WI-072-01", brief, type="work_instruction"),
        },
    )
    assert messages(docset) == []
    [entry] = build_register(docset.documents)
    assert [d.doc_id for d in entry.documents] == ["QP-072", "QP-092", "WI-072-01"]


@pytest.mark.parametrize(
    ("change", "rule", "words"),
    [
        ({"retention": None}, "record-retention", "has no retention"),
        ({"location": None}, "record-incomplete", "its location"),
        (
            {"disposition": None, "location": None},
            "record-incomplete",
            "location or its disposition",
        ),
        ({"form": "F-999-01"}, "record-form", "no document has that doc_id"),
        ({"form": "QP-001"}, "record-form", "is a procedure"),
    ],
)
def test_each_record_says_where_and_how_long(
    tmp_path: Path, change: dict[str, Any], rule: str, words: str
) -> None:
    record = {k: v for k, v in {**TRAINING, **change}.items() if v is not None}
    docset = load(
        tmp_path,
        {"f.md": FORM, "qp-072.md": with_records("QP-072", record), "qp-001.md": document()},
    )
    found = [(r, m) for _, r, m in messages(docset) if r != "form-without-record"]
    assert [r for r, _ in found] == [rule]
    assert words in found[0][1]


def test_a_bad_period_is_a_schema_finding(tmp_path: Path) -> None:
    record = {**TRAINING, "retention": {"period": "ten years", "from": "end of employment"}}
    docset = load(tmp_path, {"f.md": FORM, "qp-072.md": with_records("QP-072", record)})
    assert "schema" in [r for _, r, _ in messages(docset)]


@pytest.mark.parametrize(
    ("files", "found"),
    [
        # nothing declared anywhere: the manual keeps its records list elsewhere
        ({"f.md": FORM}, []),
        # records declared, but not the form's
        ({"f.md": FORM, "qp.md": with_records("QP-072", {**TRAINING, "form": None})}, ["F-072-01"]),
        # the form's record declared by the form itself
        ({"f.md": with_records("F-072-01", {**TRAINING, "form": None}, type="form")}, []),
        # a withdrawn form defines no record any more
        (
            {
                "f.md": document(
                    doc_id="F-072-01", type="form", status="obsolete", obsolete_reason="x"
                ),
                "qp.md": with_records("QP-072", {**TRAINING, "form": None}),
            },
            [],
        ),
        # a form still being drafted has no record yet; once approved, it needs one
        (
            {
                "f.md": document(doc_id="F-072-01", type="form", status="draft", approved_by=None),
                "qp.md": with_records("QP-073", {**TRAINING, "name": "Other", "form": None}),
            },
            [],
        ),
        (
            {
                "f.md": document(doc_id="F-072-01", type="form", status="approved"),
                "qp.md": with_records("QP-073", {**TRAINING, "name": "Other", "form": None}),
            },
            ["F-072-01"],
        ),
        # a withdrawn procedure's declaration does not count
        (
            {
                "f.md": FORM,
                "qp.md": with_records("QP-072", TRAINING, status="obsolete", obsolete_reason="x"),
                "qp2.md": with_records("QP-073", {**TRAINING, "name": "Other", "form": None}),
            },
            ["F-072-01"],
        ),
    ],
)
def test_every_form_in_use_defines_a_record(
    tmp_path: Path, files: dict[str, str], found: list[str]
) -> None:
    docset = load(tmp_path, files)
    assert [d for d, r, _ in messages(docset) if r == "form-without-record"] == found


def test_exports_follow_their_schema(tmp_path: Path) -> None:
    docset = load(
        tmp_path,
        {
            "f.md": FORM,
            "qp-072.md": with_records("QP-072", TRAINING),
            "qp-092.md": with_records("QP-092", {**TRAINING, "owner": "Quality Manager"}),
        },
    )
    entries = build_register(docset.documents)
    data = json.loads(records_json(entries, {"QP-072": "procedures/qp-072/"}))
    schema = yaml.safe_load((REPO / "records_schema/records.schema.yaml").read_text("utf-8"))
    jsonschema.validate(data, schema)
    [record] = data["records"]
    assert record["declared_in"][0] == {
        "doc_id": "QP-072",
        "title": "Test procedure",
        "url": "procedures/qp-072/",
    }
    assert record["conflicts"] == {
        "owner": [
            {"value": "HR and Training Coordinator", "declared_in": ["QP-072"]},
            {"value": "Quality Manager", "declared_in": ["QP-092"]},
        ]
    }
    lines = records_csv(entries).splitlines()
    assert lines[0] == "record,form,location,retention,disposition,owner,declared_in,conflicts"
    assert lines[1].endswith(",QP-072; QP-092,owner")


def test_a_cell_that_starts_like_a_formula_stays_text(tmp_path: Path) -> None:
    docset = load(
        tmp_path,
        {"f.md": FORM, "qp.md": with_records("QP-072", {**TRAINING, "location": "=HYPERLINK(1)"})},
    )
    assert ",'=HYPERLINK(1)," in records_csv(build_register(docset.documents))
