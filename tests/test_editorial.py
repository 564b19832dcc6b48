"""The editorial waiver is the approver's decision: it names its documents, counts only in the
change that lands on the published branch, and the pull-request check and main's build agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qms_plugin.cli import main
from tests.gitrepo import GitRepo
from tests.test_parity import (
    AUTHOR,
    CONTROLLER,
    EDITED,
    QP1,
    QP2,
    Scenario,
    build_rules,
    edit,
    manual,
    write_config,
)

RUTH = ("Ruth Okafor", "ruth.okafor@kestrel.example")
APPROVED_BY = "Approved-by: Ruth Okafor <ruth.okafor@kestrel.example>"
SPELLING = "## Purpose\n\nThe purpose, spelt right.\n"
# approved_by of the manual's revisions names the role; Ruth holds it.
ROLES = Scenario(
    options={"roles": {"Managing Director": ["Ruth Okafor <ruth.okafor@kestrel.example>"]}}
)


def check(repo: GitRepo, base: str | None, fmt: str = "json") -> tuple[int, str]:
    write_config(repo, ROLES)
    args = ["check", "-f", str(repo.path / "mkdocs.yml"), "--format", fmt]
    result = CliRunner().invoke(main, [*args, *(["--base", base] if base else [])])
    return result.exit_code, result.output


def findings(output: str) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["doc_id"], f["severity"]) for f in json.loads(output)["findings"]]


@pytest.fixture
def branch(tmp_path: Path) -> GitRepo:
    """A spelling fix to QP-001 on a branch, asked for as an editorial change by its author."""
    repo = manual(tmp_path / "manual")
    repo.branch("qp-001-spelling")
    edit(repo, QP1, SPELLING)
    repo.commit(
        "Fix the spelling in QP-001\n\nEditorial-change: QP-001: spelling only",
        author=AUTHOR,
        date="2026-11-20T10:00:00+00:00",
    )
    return repo


def land(
    repo: GitRepo, trailers: list[str], merge: bool = True, date: str = "2026-11-21T10:00:00+00:00"
) -> str:
    """Merge the branch into main as a document controller would, with ``trailers``."""
    repo.checkout("main")
    message = "Merge pull request #7 from kestrel/qp-001-spelling"
    if trailers:
        message += "\n\n" + "\n".join(trailers)
    if merge:
        return repo.merge("qp-001-spelling", message, author=CONTROLLER, date=date)
    repo.git("merge", "--squash", "qp-001-spelling")
    return repo.commit(message, author=CONTROLLER, date=date)


def test_a_waiver_in_a_branch_commit_is_a_request_for_the_approver(branch: GitRepo) -> None:
    code, output = check(branch, "main")
    assert code == 0, output
    assert findings(output) == [("editorial-change-requested", "QP-001", "request")]
    report = json.loads(output)
    assert report["editorial"][0]["doc_ids"] == ["QP-001"]
    assert report["editorial"][0]["confirmed"] is False
    assert report["merge_message"] == ["Editorial-change: QP-001: spelling only"]


def test_one_waiver_does_not_cover_every_document_of_the_change(branch: GitRepo) -> None:
    edit(branch, QP2, EDITED)  # a real change slipped in beside the typo
    branch.commit("Also change QP-002", author=AUTHOR, date="2026-11-20T11:00:00+00:00")
    code, output = check(branch, "main")
    assert code == 1
    assert findings(output) == [
        ("editorial-change-requested", "QP-001", "request"),
        ("revision-not-bumped", "QP-002", "error"),
    ]


def test_the_markdown_report_shows_the_approver_what_they_waive(branch: GitRepo) -> None:
    code, text = check(branch, "main", "markdown")
    assert code == 0
    assert text.index("### Editorial changes: text changed, revision kept") < text.index(
        "### Changed documents"
    )
    assert "**Approving this change with these trailers in the merge message waives a new " in text
    assert "| QP-001 | spelling only | `" in text and "by Amir Haddad | requested:" in text
    assert "### The merge message" in text
    assert "```text\nEditorial-change: QP-001: spelling only\n```" in text
    assert "Redline of QP-001" in text


def test_the_gate_and_mains_build_agree_when_the_merge_confirms_it(branch: GitRepo) -> None:
    _, output = check(branch, "main")
    trailers = [APPROVED_BY, *json.loads(output)["merge_message"]]
    land(branch, trailers)
    assert build_rules(branch, ROLES) == set()
    page = (branch.path.parent / "site/procedures/qp-001/index.html").read_text("utf-8")
    assert "editorial change (spelling only), approved by Ruth Okafor" in page


def test_a_merge_that_does_not_confirm_it_fails_mains_build(branch: GitRepo) -> None:
    land(branch, [APPROVED_BY])
    assert build_rules(branch, ROLES) == {"unrevised-change"}
    code, output = check(branch, None)
    assert code == 1
    message = json.loads(output)["findings"][0]["message"]
    assert "Amir Haddad asked for an editorial change in the drafting commit" in message
    assert "'Editorial-change: QP-001: spelling only'" in message


def test_a_squash_message_carrying_the_waiver_confirms_it(branch: GitRepo) -> None:
    land(branch, [APPROVED_BY, "Editorial-change: QP-001: spelling only"], merge=False)
    assert build_rules(branch, ROLES) == set()


def test_a_waiver_naming_another_document_confirms_nothing(branch: GitRepo) -> None:
    land(branch, [APPROVED_BY, "Editorial-change: QP-002: spelling only"])
    assert build_rules(branch, ROLES) == {"unrevised-change"}


@pytest.mark.parametrize(
    ("trailers", "confirmed", "date"),
    [
        ([APPROVED_BY, "Editorial-change: QP-001: spelling only"], True, "2026-11-21"),
        # a merging computer's clock behind the author's: still the merge that lands it
        ([APPROVED_BY, "Editorial-change: QP-001: spelling only"], True, "2026-11-19"),
        # A merge without an approval is not the approved change (a CI test merge, say).
        (["Editorial-change: QP-001: spelling only"], False, "2026-11-21"),
    ],
)
def test_a_local_merge_checked_before_it_is_pushed(
    branch: GitRepo, trailers: list[str], confirmed: bool, date: str
) -> None:
    before = branch.git("rev-parse", "main").strip()
    land(branch, trailers, date=f"{date}T10:00:00+00:00")
    code, output = check(branch, before)
    report = json.loads(output)
    assert code == 0, output
    assert [e["confirmed"] for e in report["editorial"]] == [confirmed, False]
    rules = [f["rule"] for f in report["findings"]]
    assert rules == ([] if confirmed else ["editorial-change-requested"])
    assert report["merge_message"] == ([] if confirmed else [trailers[-1]])


def test_a_pull_request_build_knows_its_base(
    branch: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI build of a pull request checks out a test merge without trailers: with the branch
    it targets (QMS_CHANGE_BASE), the build judges the change as `qms check --base` does."""
    branch.checkout("main")
    branch.git("checkout", "--quiet", "--detach")
    branch.git("merge", "--quiet", "--no-ff", "-m", "Merge abc into def", "qp-001-spelling")
    assert build_rules(branch, ROLES) == {"unrevised-change"}  # judged as if merged
    monkeypatch.setenv("QMS_CHANGE_BASE", "main")
    assert build_rules(branch, ROLES) == {"editorial-change-requested"}


def test_history_json_marks_editorial_changes_per_document(branch: GitRepo) -> None:
    land(branch, [APPROVED_BY, "Editorial-change: QP-001: spelling only"])
    build_rules(branch, ROLES)
    exported: dict[str, Any] = json.loads(
        (branch.path.parent / "site/qms/history.json").read_text("utf-8")
    )
    by_id = {d["doc_id"]: d for d in exported["documents"]}
    assert [c["editorial"] for c in by_id["QP-001"]["commits"]] == [True, False]
