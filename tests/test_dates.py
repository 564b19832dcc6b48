"""Dates against Git: a revision is in force at the earliest on the day its approval was merged
onto the published branch (no backdating), and it was approved by then."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from qms_plugin.cli import main
from tests.conftest import TODAY, Site, document
from tests.gitrepo import GitRepo
from tests.test_check_base import AUTHOR, CONTROLLER, EDITED, config, edit

QP1 = "procedures/qp-001.md"


def check(repo: GitRepo, *args: str) -> tuple[int, list[dict[str, Any]]]:
    """`qms check --format json` on the repository: exit code and findings."""
    result = CliRunner().invoke(
        main, ["check", "-f", str(repo.path / "mkdocs.yml"), "--format", "json", *args]
    )
    assert result.exit_code in (0, 1, 3), result.output
    return result.exit_code, json.loads(result.output)["findings"]


def rules(findings: list[dict[str, Any]]) -> list[str]:
    return [f["rule"] for f in findings]


def merged_revision(
    tmp_path: Path, merged: str, options: dict[str, Any] | None = None, **fields: Any
) -> GitRepo:
    """QP-001 revision B (approved 2026-03-01), committed straight to main on ``merged``."""
    repo = GitRepo(tmp_path / "manual")
    settings = yaml.safe_load(config())
    settings["plugins"][1]["qms"].update(options or {})
    repo.write("mkdocs.yml", yaml.safe_dump(settings))
    repo.write("docs/index.md", "# Home\n")
    values = {"approval_date": "2026-03-01", "effective_date": "2026-03-10", **fields}
    repo.write(QP1, document(**values))
    repo.commit("QP-001 revision B", author=CONTROLLER, date=f"{merged}T16:00:00+00:00")
    return repo


@pytest.mark.parametrize(
    ("merged", "effective", "found"),
    [
        ("2026-03-10", "2026-03-10", []),  # in force on the day it is merged: fine
        ("2026-03-11", "2026-03-10", ["effective-before-merge"]),  # a day late: backdated
        ("2027-11-28", "2025-05-01", ["effective-before-merge"]),  # the example
    ],
)
def test_an_effective_date_before_the_merge_is_backdating(
    tmp_path: Path, merged: str, effective: str, found: list[str]
) -> None:
    repo = merged_revision(tmp_path, merged, effective_date=effective, approval_date=effective)
    code, findings = check(repo)
    assert rules(findings) == found
    assert code == (1 if found else 0)
    if found:
        message = findings[0]["message"]
        assert (
            f"effective_date {effective} is before {merged}, the day revision B was merged"
            in message
        )
        assert f"set effective_date to {merged} or later" in message
        assert findings[0]["field"] == "effective_date" and findings[0]["line"] == 10


@pytest.mark.parametrize(
    ("merged", "approved", "found"),
    [
        ("2026-03-05", "2026-03-05", []),  # approved and merged the same day
        ("2026-03-05", "2026-03-06", ["approved-after-merge"]),
    ],
)
def test_an_approval_after_the_merge_is_impossible(
    tmp_path: Path, merged: str, approved: str, found: list[str]
) -> None:
    repo = merged_revision(tmp_path, merged, approval_date=approved)
    code, findings = check(repo)
    assert rules(findings) == found
    assert code == (1 if found else 0)
    if found:
        assert findings[0]["message"].startswith(
            f"approval_date {approved} is after {merged}, the day revision B was merged"
        )


def test_the_day_of_the_merge_commit_counts_not_the_branch_commits(tmp_path: Path) -> None:
    """Approved on the branch in time, merged after the effective date: backdated on main."""
    repo = merged_revision(tmp_path, "2026-01-05", revision="A")
    repo.branch("qp-001-rev-b")
    edit(repo, QP1, EDITED, revision="B", change_summary="Clearer.", effective_date="2026-03-08")
    repo.commit("Revision B", author=AUTHOR, date="2026-03-01T10:00:00+00:00")
    repo.checkout("main")
    repo.merge(
        "qp-001-rev-b", "Merge pull request #4", author=CONTROLLER, date="2026-03-10T09:00:00+00:00"
    )
    _, findings = check(repo)
    assert rules(findings) == ["effective-before-merge"]
    assert "before 2026-03-10, the day revision B was merged" in findings[0]["message"]


@pytest.mark.parametrize(
    ("baseline", "exempt"),
    [
        ("2026-03-11", True),  # imported up to and including the day of the commit
        ("2026-03-10", False),
        ("commit", True),
    ],
)
def test_imported_history_is_exempt_up_to_the_baseline(
    tmp_path: Path, baseline: str, exempt: bool
) -> None:
    repo = merged_revision(
        tmp_path, "2026-03-11", effective_date="2025-01-06", approval_date="2025-01-06"
    )
    if baseline == "commit":
        baseline = repo.head()
    settings = yaml.safe_load(repo.read("mkdocs.yml"))
    settings["plugins"][1]["qms"]["history_baseline"] = baseline
    repo.write("mkdocs.yml", yaml.safe_dump(settings))
    _, findings = check(repo)
    assert rules(findings) == ([] if exempt else ["effective-before-merge"])


@pytest.mark.parametrize(
    ("effective", "approved", "found"),
    [
        (TODAY, TODAY, []),  # can be merged today and be in force today
        ("2026-11-22", "2026-11-22", ["effective-before-merge"]),
        ("2026-12-01", "2026-11-24", ["approved-after-merge"]),  # approved in the future
    ],
)
def test_a_change_not_merged_yet_counts_from_today(
    tmp_path: Path, effective: str, approved: str, found: list[str]
) -> None:
    """`qms check --base`: the change can be merged today at the earliest."""
    repo = merged_revision(tmp_path, "2026-01-05")
    repo.branch("change")
    edit(
        repo,
        QP1,
        EDITED,
        revision="C",
        change_summary="Clearer.",
        status="approved",
        approved_by="Ruth Okafor",
        approval_date=approved,
        effective_date=effective,
    )
    repo.commit("Revision C", author=AUTHOR, date="2026-11-20T10:00:00+00:00")
    code, findings = check(repo, "--base", "main")
    assert rules(findings) == found
    assert code == (1 if found else 0)
    if found == ["effective-before-merge"]:
        assert (
            f"before {TODAY} (today): revision C is not on the published branch yet"
            in (findings[0]["message"])
        )


def test_the_site_build_reports_backdating(site: Site) -> None:
    site.write(QP1, document(effective_date="2025-05-01", approval_date="2025-04-28"))
    site.build()  # the site fixture commits the manual on 2026-01-05
    assert any("[effective-before-merge]" in w for w in site.warnings), site.warnings
