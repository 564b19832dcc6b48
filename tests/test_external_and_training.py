"""External documents (fields, currency checks) and training per revision (What's changing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qms_plugin.core.external import external_register
from qms_plugin.core.manual import DocumentSet, SettingsError
from qms_plugin.core.publication import build_publications
from qms_plugin.core.training import Training, training_of, whats_changing
from tests.conftest import document
from tests.test_documents_and_rules import load

TODAY = dt.date(2026, 11, 23)

EXTERNAL = {
    "doc_id": "EXT-001",
    "type": "external",
    "title": "Quality management systems — Requirements",
    "revision": "A",
    "issuer": "ISO",
    "identifier": "ISO 9001",
    "edition": "2015",
    "controlled_copy": "Quality shared drive, Standards folder",
    "currency_checked": "2025-11-23",
    "iso9001_clauses": None,
}


def rules(docset: DocumentSet) -> list[str]:
    return [f.rule for f in docset.findings]


@pytest.mark.parametrize(
    ("fields", "found"),
    [
        ({}, []),  # checked a year ago today: due today, not overdue
        ({"currency_checked": "2025-11-22"}, ["currency-check-overdue"]),  # due yesterday
        ({"currency_checked": None}, ["currency-check-missing"]),
        ({"currency_checked": None, "status": "draft", "approved_by": None}, []),  # not in use
        ({"currency_checked": "2020-01-01", "status": "obsolete", "obsolete_reason": "x"}, []),
        ({"issuer": None}, ["external-fields"]),
        ({"issuer": None, "status": "in_review", "approved_by": None}, ["external-fields"]),
        ({"issuer": None, "status": "draft", "approved_by": None}, []),  # still being written
        ({"edition": None, "controlled_copy": None}, ["external-fields"]),
        ({"currency_checked": "2025-13-01"}, ["schema"]),
    ],
)
def test_external_documents_say_what_they_are_and_are_checked_for_currency(
    tmp_path: Path, fields: dict[str, Any], found: list[str]
) -> None:
    docset = load(tmp_path, {"ext-001.md": document(**{**EXTERNAL, **fields})})
    assert rules(docset) == found


def test_the_overdue_message_says_what_to_do(tmp_path: Path) -> None:
    text = document(**{**EXTERNAL, "currency_checked": "2025-06-30"})
    [finding] = load(tmp_path, {"ext-001.md": text}).findings
    assert "last checked on 2025-06-30 and was due again on 2026-06-30 (146 days ago" in (
        finding.message
    )
    assert "check that 2015 is still current" in finding.message


def test_the_check_interval_is_configured(tmp_path: Path) -> None:
    text = document(**{**EXTERNAL, "currency_checked": "2025-06-30"})
    assert load(tmp_path, {"ext-001.md": text}, external_check_months=24).findings == []
    with pytest.raises(SettingsError, match="external_check_months is 0"):
        load(tmp_path, {"ext-001.md": text}, external_check_months=0)


def test_our_own_documents_do_not_carry_external_fields(tmp_path: Path) -> None:
    docset = load(tmp_path, {"qp-001.md": document(issuer="ISO")})
    [finding] = docset.findings
    assert finding.rule == "external-fields"
    assert "type is procedure" in finding.message


def test_the_register_lists_external_documents_with_their_next_check(tmp_path: Path) -> None:
    docset = load(
        tmp_path,
        {"ext-001.md": document(**EXTERNAL), "qp-001.md": document()},
    )
    [entry] = external_register(docset.documents, 12)
    assert (entry.identifier, entry.edition, entry.next_check) == (
        "ISO 9001",
        "2015",
        dt.date(2026, 11, 23),
    )
    assert not entry.overdue(TODAY) and entry.overdue(TODAY + dt.timedelta(days=1))


# --- training ----------------------------------------------------------------------------------

ROLES = {"setter": "CNC setter-operators", "inspector": "Inspectors"}


@pytest.mark.parametrize(
    ("training", "expected"),
    [
        (
            {"required": True, "roles": ["setter"], "method": "Briefing"},
            Training(True, ("setter",), "Briefing"),
        ),
        ({"required": False}, Training(False, (), None)),
        (None, None),
    ],
)
def test_training_is_read_from_the_revision(training: Any, expected: Training | None) -> None:
    assert training_of({"training": training} if training is not None else {}) == expected


@pytest.mark.parametrize(
    ("training", "words"),
    [
        ({"required": True, "roles": ["setter", "inspector"]}, None),
        ({"required": False}, None),
        ({"required": True, "roles": ["welder"]}, "welder, not defined in training_roles"),
        ({"required": True, "roles": []}, "names no role"),
        ({"required": True}, "names no role"),
        ({"required": False, "roles": ["setter"]}, "does not require training"),
        ({"roles": ["setter"]}, "schema"),
    ],
)
def test_training_roles_are_the_configured_ones(
    tmp_path: Path, training: dict[str, Any], words: str | None
) -> None:
    docset = load(tmp_path, {"qp-001.md": document(training=training)}, training_roles=ROLES)
    if words is None:
        assert docset.findings == []
    elif words == "schema":
        assert rules(docset) == ["schema"]
    else:
        [finding] = docset.findings
        assert finding.rule == "training-roles" and words in finding.message


def test_roles_named_without_any_configured_say_where_to_define_them(tmp_path: Path) -> None:
    training = {"required": True, "roles": ["setter"]}
    [finding] = load(tmp_path, {"qp-001.md": document(training=training)}).findings
    assert "none: define them in training_roles" in finding.message


@pytest.mark.parametrize(
    ("effective", "listed"),
    [
        ("2026-10-24", True),  # 30 days ago: the first day of the window
        ("2026-10-23", False),
        ("2026-12-23", True),  # 30 days ahead: the last day
        ("2026-12-24", False),
    ],
)
def test_whats_changing_covers_the_last_and_next_days(effective: str, listed: bool) -> None:
    from qms_plugin.core.documents import parse_document
    from qms_plugin.core.schema import DocumentSchema

    schema = DocumentSchema.load(None)
    text = document(effective_date=effective, approval_date="2026-01-01")
    doc = parse_document(text.encode(), "p/qp-001.md", "p/qp-001.md", schema, schema.text_fields())
    assert doc is not None
    publications = build_publications([doc])
    found = whats_changing(publications.all(), TODAY, 30, lambda p, r: None)
    assert bool(found) is listed
    if listed:
        assert found[0].kind == "first_issue"
        assert found[0].upcoming(TODAY) is (effective > "2026-11-23")
