"""Periodic reviews as records: the last review in the front matter (or a Periodic-review
trailer), the next review counted from it, the longest interval, review rows in the history and
change log, the Reviews page, `qms reviews` and the register's review columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from qms_plugin.cli import main
from qms_plugin.core.documents import parse_document
from qms_plugin.core.schema import DocumentSchema
from tests.conftest import REPO, document
from tests.gitrepo import GitRepo
from tests.test_parity import CONTROLLER, QP1, Scenario, build_rules, edit, manual, write_config

RUTH = "Ruth Okafor <ruth.okafor@kestrel.example>"
REVIEWED = {
    "last_review": "2026-11-02",
    "last_review_by": "Tomasz Nowak (Quality Manager)",
    "last_review_outcome": "no_change",
}
SCHEMA = DocumentSchema.load()


def doc(**fields: Any) -> Any:
    parsed = parse_document(document(**fields).encode(), QP1, QP1, SCHEMA, SCHEMA.text_fields())
    assert parsed is not None
    return parsed


@pytest.mark.parametrize(
    ("fields", "next_review"),
    [
        ({"effective_date": "2024-01-10", "review_interval_months": 24}, "2026-01-10"),
        (
            {"effective_date": "2024-01-10", "review_interval_months": 24, **REVIEWED},
            "2028-11-02",  # counted from the last review
        ),
        (
            {"effective_date": "2026-11-10", "review_interval_months": 24, **REVIEWED},
            "2028-11-10",  # a review before this revision came into force does not count
        ),
        ({"next_review": "2027-05-01", **REVIEWED}, "2027-05-01"),  # an explicit date wins
    ],
)
def test_the_next_review_is_counted_from_the_last_review(
    fields: dict[str, Any], next_review: str
) -> None:
    assert doc(**fields).next_review == dt.date.fromisoformat(next_review)


def test_a_review_is_recorded_whole() -> None:
    partial = doc(last_review="2026-11-02")
    assert [(f.rule, f.field) for f in partial.findings] == [
        ("schema", "last_review_by"),
        ("schema", "last_review_outcome"),
    ]
    assert "'last_review' is given, so 'last_review_by' is required too" in (
        partial.findings[0].message
    )


def reviewed_manual(tmp_path: Path, **fields: Any) -> GitRepo:
    repo = manual(tmp_path / "manual")
    edit(repo, QP1, **fields)
    repo.commit("Review dates", author=CONTROLLER, date="2026-01-06T10:00:00+00:00")
    return repo


def run(repo: GitRepo, *args: str, scenario: Scenario | None = None) -> tuple[int, str]:
    write_config(repo, scenario or Scenario())
    result = CliRunner().invoke(main, [args[0], "-f", str(repo.path / "mkdocs.yml"), *args[1:]])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("next_review", "code", "listed"),
    [
        ("2026-11-23", 0, "QP-001  2026-11-23  due today"),  # due today is not overdue
        ("2026-11-22", 3, "QP-001  2026-11-22  1 day overdue"),  # the day after is
    ],
)
def test_an_overdue_review_has_its_own_exit_code(
    tmp_path: Path, next_review: str, code: int, listed: str
) -> None:
    repo = reviewed_manual(tmp_path, next_review=next_review)
    exit_code, output = run(repo, "check")
    assert exit_code == code, output
    if code == 3:
        assert "[review-overdue] (review)" in output
        assert "record a new effective date" not in output
        assert "record the review (last_review, last_review_by, last_review_outcome)" in output
        assert "Document control check passed" in output
        assert "1 periodic review overdue" in output
    _, reviews = run(repo, "reviews")
    assert listed in reviews


def test_a_problem_beside_an_overdue_review_still_fails(tmp_path: Path) -> None:
    repo = reviewed_manual(tmp_path, next_review="2026-11-01", related=["QP-404"])
    assert run(repo, "check")[0] == 1


@pytest.mark.parametrize(
    ("next_review", "state"),
    [("2027-01-22", "due_soon"), ("2027-01-23", "scheduled")],  # 60 and 61 days ahead
)
def test_due_soon_is_the_configured_window(tmp_path: Path, next_review: str, state: str) -> None:
    repo = reviewed_manual(tmp_path, next_review=next_review)
    _, output = run(repo, "reviews", "--format", "json")
    listed = json.loads(output)["documents"]
    assert [d["id"] for d in listed] == (["QP-001"] if state == "due_soon" else [])
    _, everything = run(repo, "reviews", "--all", "--format", "json")
    schema = yaml.safe_load((REPO / "records_schema/reviews.schema.yaml").read_text("utf-8"))
    jsonschema.validate(json.loads(everything), schema)
    qp1 = next(d for d in json.loads(everything)["documents"] if d["id"] == "QP-001")
    assert qp1["review_state"] == state
    _, table = run(repo, "reviews", "--all", "--format", "csv")
    header = next(csv.reader(io.StringIO(table)))
    assert header == list(qp1)  # the same columns, in the same order


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({**REVIEWED, "next_review": "2029-11-02"}, None),  # exactly 36 months after the review
        ({**REVIEWED, "next_review": "2029-11-03"}, "more than 36 months after the last review"),
        ({"next_review": "2045-01-01"}, "more than 36 months after the effective date"),
        ({"review_interval_months": 37}, "review_interval_months is 37"),
    ],
)
def test_the_next_review_may_not_lie_too_far_ahead(
    tmp_path: Path, fields: dict[str, Any], words: str | None
) -> None:
    repo = reviewed_manual(tmp_path, **fields)
    code, output = run(repo, "check")
    if words is None:
        assert code == 0, output
    else:
        assert code == 1 and words in output and "[review-interval-too-long]" in output


def test_a_review_that_changes_nothing_is_a_record_not_a_revision(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    repo.branch("review")
    edit(repo, QP1, **REVIEWED)
    repo.commit("Periodic review of QP-001", author=("Tomasz Nowak", "tomasz@kestrel.example"))
    code, output = run(repo, "check", "--base", "main")
    assert code == 0, output  # no new revision, no "text changed"
    repo.checkout("main")
    repo.merge(
        "review",
        f"Merge pull request #9 from kestrel/review\n\nApproved-by: {RUTH}",
        author=CONTROLLER,
        date="2026-11-03T10:00:00+00:00",
    )
    scenario = Scenario(options={"roles": {"Managing Director": [RUTH]}})
    assert build_rules(repo, scenario) == set()
    site = repo.path.parent / "site"
    history = (
        (site / "procedures/qp-001/index.html").read_text("utf-8").split("revision-history")[1]
    )
    review_row = history.split('<tr class="qms-history__review">')[1].split("</tr>")[0]
    assert "2 Nov 2026" in review_row and "Tomasz Nowak (Quality Manager)" in review_row
    assert "Reviewed, no change" in review_row and "&#10003; Ruth Okafor" in review_row
    assert history.count("qms-history__current") == 1  # still one revision, B, in force
    log = (site / "change-log/index.html").read_text("utf-8")
    row = log.split('class="qms-changelog__review"')[1].split("</tr>")[0]
    assert "Reviewed, no change" in row and "First issue." not in row
    register = json.loads((site / "qms/register.json").read_text("utf-8"))["documents"]
    qp1 = next(d for d in register if d["id"] == "QP-001")
    assert (qp1["last_review"], qp1["last_review_outcome"]) == ("2026-11-02", "no_change")
    assert qp1["next_review"] == "2028-11-02" and qp1["review_state"] == "scheduled"


def test_a_periodic_review_trailer_records_a_review_in_git(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")  # revision B, in force from 2026-01-12
    edit(repo, QP1, review_interval_months=None, next_review="2026-06-01")
    repo.commit("Plan the first review", author=CONTROLLER, date="2026-01-06T10:00:00+00:00")
    edit(repo, QP1, next_review="2029-05-01")  # 36 months after the review, not the effective date
    trailers = f"Periodic-review: QP-001: no change\nApproved-by: {RUTH}"
    repo.commit(
        f"Review QP-001 (#11)\n\n{trailers}", author=CONTROLLER, date="2026-05-04T09:00:00+00:00"
    )
    scenario = Scenario(options={"roles": {"Managing Director": [RUTH]}})
    assert build_rules(repo, scenario) == set()
    site = repo.path.parent / "site"
    page = (site / "procedures/qp-001/index.html").read_text("utf-8")
    assert '<tr class="qms-history__review">' in page and "4 May 2026" in page
    register = json.loads((site / "qms/register.json").read_text("utf-8"))["documents"]
    qp1 = next(d for d in register if d["id"] == "QP-001")
    assert (qp1["last_review"], qp1["last_review_by"]) == ("2026-05-04", "Ruth Okafor")
    # Without the trailer the interval counts from the effective date, and is too long.
    fixed = GitRepo._identity(CONTROLLER, "2026-05-04T09:00:00+00:00", None, None)
    repo.git("commit", "--amend", "--quiet", "-m", "Move the review date", env=fixed)
    assert "review-interval-too-long" in build_rules(repo, scenario)


def test_the_reviews_page_and_the_exports(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    edit(repo, QP1, next_review="2026-11-01")
    edit(repo, "procedures/qp-002.md", next_review="2027-01-10", **REVIEWED)
    repo.commit("Review dates", author=CONTROLLER, date="2026-01-06T10:00:00+00:00")
    assert build_rules(repo, Scenario()) == {"review-overdue"}
    site = repo.path.parent / "site"
    page = (site / "reviews/index.html").read_text("utf-8")
    assert "<strong>1</strong> overdue" in page and "<strong>1</strong> due within 60 days" in page
    rows = page.split("<tbody>")[1].split("<tr ")[1:]
    assert rows[0].startswith('data-review="overdue"') and "QP-001" in rows[0]
    assert "22 days ago" in rows[0]
    assert (
        rows[1].startswith('data-review="due_soon"') and "Tomasz Nowak (Quality Manager)" in rows[1]
    )
    schema = yaml.safe_load((REPO / "records_schema/register.schema.yaml").read_text("utf-8"))
    exported = json.loads((site / "qms/register.json").read_text("utf-8"))
    jsonschema.validate(exported, schema)
    table = list(csv.reader(io.StringIO((site / "qms/register.csv").read_text("utf-8"))))
    header = table[0]
    review = slice(header.index("review_state"), header.index("review_state") + 4)
    assert header[review] == [
        "review_state",
        "last_review",
        "last_review_by",
        "last_review_outcome",
    ]
    qp2 = next(row for row in table if row[0] == "QP-002")
    assert qp2[review] == ["due_soon", "2026-11-02", "Tomasz Nowak (Quality Manager)", "no_change"]
    # The page says so once, in the banner that keeps the document in force.
    qp1 = (site / "procedures/qp-001/index.html").read_text("utf-8")
    assert "Periodic review overdue since 1 Nov 2026" in qp1
    assert "qms-banner--invalid" not in qp1


def test_a_gate_may_let_reviews_due_elsewhere_pass(tmp_path: Path) -> None:
    repo = reviewed_manual(tmp_path, next_review="2026-11-22")
    code, output = run(repo, "check", "--allow-overdue-reviews")
    assert code == 0 and "[review-overdue] (review)" in output  # still reported
    repo = reviewed_manual(tmp_path / "other", next_review="2026-11-22", related=["QP-404"])
    assert run(repo, "check", "--allow-overdue-reviews")[0] == 1


def test_a_reviews_approval_is_not_the_revisions_approval(tmp_path: Path) -> None:
    """With approval_evidence: require, a revision merged without an approval trailer is not
    made approved by a later periodic review's trailer."""
    repo = manual(tmp_path / "manual")  # revision B, merged with no Approved-by
    edit(repo, QP1, **REVIEWED)
    repo.commit(
        f"Review QP-001\n\nApproved-by: {RUTH}", author=CONTROLLER, date="2026-11-03T10:00:00+00:00"
    )
    options = {"approval_evidence": "require", "roles": {"Managing Director": [RUTH]}}
    code, output = run(repo, "check", scenario=Scenario(options=options))
    assert code == 1
    assert "Git records no approval of revision B" in output and "[approval-evidence]" in output


def test_a_review_asked_for_on_a_branch_is_listed_for_the_merge_message(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    repo.branch("review")
    edit(repo, QP1, next_review="2028-11-01")
    repo.commit("Review QP-001\n\nPeriodic-review: QP-001: no change", author=CONTROLLER)
    code, output = run(repo, "check", "--base", "main", "--format", "json")
    assert code == 0
    assert json.loads(output)["merge_message"] == ["Periodic-review: QP-001: no change"]
