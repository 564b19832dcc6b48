"""Ways round the pull-request gate that are closed: authorship hidden in a merge commit or
behind a .mailmap the change edits, a moved or deleted procedures folder."""

from __future__ import annotations

import json
import shutil
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
    NEXT,
    QP1,
    QP2,
    Scenario,
    edit,
    manual,
    write_config,
)

TOM = CONTROLLER  # the document controller, asked to approve
RUTH = ("Ruth Okafor", "ruth.okafor@kestrel.example")
LATER = "2026-11-21T10:00:00+00:00"
APPROVED_BY_TOM: dict[str, Any] = {
    **NEXT,
    "status": "approved",
    "approved_by": "Tomasz Nowak",
    "approval_date": "2026-11-23",
    "effective_date": "2026-12-01",
}


def check(repo: GitRepo, scenario: Scenario | None = None) -> tuple[int, dict[str, Any]]:
    write_config(repo, scenario or Scenario())
    result = CliRunner().invoke(
        main,
        ["check", "-f", str(repo.path / "mkdocs.yml"), "--base", "main", "--format", "json"],
    )
    assert result.exit_code != 2, result.output
    return result.exit_code, json.loads(result.output)


def rules(report: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(f["rule"], f["doc_id"]) for f in report["findings"]]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """Amir's new revision of QP-001 on a branch, to be approved by Tomasz Nowak."""
    repo = manual(tmp_path / "manual")
    repo.branch("change")
    edit(repo, QP1, EDITED, **APPROVED_BY_TOM)
    repo.commit("QP-001 revision C", author=AUTHOR, date="2026-11-20T10:00:00+00:00")
    # Meanwhile main moves on (another document), so the branch is brought up to date.
    repo.checkout("main")
    edit(repo, QP2, "## Purpose\n\nMain moved on.\n", **{**NEXT, "status": "in_review"})
    repo.commit("QP-002 draft of C", author=RUTH, date=LATER)
    repo.checkout("change")
    return repo


def test_a_merge_that_only_joins_its_parents_is_not_authorship(repo: GitRepo) -> None:
    repo.merge("main", "Merge branch 'main' into change", author=TOM, date=LATER)
    code, report = check(repo)
    assert code == 0, report
    assert report["authors"] == [{"name": "Amir Haddad", "email": "amir@kestrel.example"}]


def test_edits_made_in_a_merge_commit_are_authorship(repo: GitRepo) -> None:
    repo.git("merge", "--no-ff", "--no-commit", "main")
    edit(repo, QP1, "## Purpose\n\nThe purpose, as Tomasz prefers it.\n")  # an "evil merge"
    repo.commit("Merge branch 'main' into change", author=TOM, date=LATER)
    code, report = check(repo)
    assert code == 1
    assert rules(report) == [("self-approval", "QP-001")]
    assert (
        "approved_by names Tomasz Nowak, who is an author of this change"
        in (report["findings"][0]["message"])
    )


def test_a_mailmap_added_by_the_change_does_not_rename_its_author(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    repo.branch("change")
    edit(repo, QP1, EDITED, **{**APPROVED_BY_TOM, "approved_by": "Amir Haddad"})
    # Amir maps his own commits to someone else, so that he seems not to have written them.
    repo.write(".mailmap", "Gareth Evans <gareth@kestrel.example> <amir@kestrel.example>\n")
    repo.commit("QP-001 revision C", author=AUTHOR, date="2026-11-20T10:00:00+00:00")
    assert "Gareth Evans" in repo.git("log", "-1", "--use-mailmap", "--format=%aN")
    code, report = check(repo)
    assert code == 1
    assert rules(report) == [("mailmap-changed", None), ("self-approval", "QP-001")]
    assert report["authors"] == [{"name": "Amir Haddad", "email": "amir@kestrel.example"}]
    mailmap = report["findings"][0]
    assert mailmap["path"] == ".mailmap"
    assert "Change .mailmap in a pull request of its own" in mailmap["message"]


def test_the_bases_mailmap_still_names_authors(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    repo.write(".mailmap", "Amir Haddad <amir@kestrel.example> <amir.h@old.example>\n")
    repo.commit("Names", author=CONTROLLER, date="2026-01-06T10:00:00+00:00")
    repo.branch("change")
    edit(repo, QP1, EDITED, **{**APPROVED_BY_TOM, "approved_by": "Amir Haddad"})
    repo.commit("QP-001 revision C", author=("A. Haddad", "amir.h@old.example"))
    code, report = check(repo)
    assert (code, rules(report)) == (1, [("self-approval", "QP-001")])


def _move_folder(repo: GitRepo, message: str) -> None:
    repo.branch("move")
    repo.git("mv", "procedures", "manual")
    edit(repo, "manual/qp-001.md", EDITED)  # a quiet text change hidden in the move
    repo.move("manual/qp-002.md", "manual/old/qp-002.md")
    repo.commit(message, author=AUTHOR, date="2026-11-20T10:00:00+00:00")


MOVED = Scenario(options={"procedures_dir": "manual"})


def test_moving_the_procedures_folder_skips_no_rule(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    _move_folder(repo, "Reorganise the manual")
    code, report = check(repo, MOVED)
    assert code == 1
    assert rules(report) == [
        ("document-renamed", "QP-002"),  # moved within the folder too: reported on its own
        ("revision-not-bumped", "QP-001"),  # compared with its version in the old folder
        ("controlled-folder-changed", None),
    ]
    folder = report["findings"][2]
    assert folder["path"] == "mkdocs.yml" and folder["field"] == "procedures_dir"
    assert "from procedures/ to manual/ (1 document with it)" in folder["message"]
    assert "'Document-moved: procedures/'" in folder["message"]
    kinds = {(c["doc_id"], c["kind"], c["old_path"]) for c in report["changes"]}
    assert kinds == {
        ("QP-001", "renamed", "procedures/qp-001.md"),
        ("QP-002", "renamed", "procedures/qp-002.md"),
    }


def test_an_intended_move_of_the_folder_is_acknowledged_with_a_trailer(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    _move_folder(repo, "Reorganise the manual\n\nDocument-moved: procedures/, QP-002")
    code, report = check(repo, MOVED)
    assert (code, rules(report)) == (1, [("revision-not-bumped", "QP-001")])


def test_deleting_the_procedures_folder_reports_each_document(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    repo.branch("delete")
    shutil.rmtree(repo.path / "procedures")
    repo.commit("Remove the manual", author=AUTHOR, date="2026-11-20T10:00:00+00:00")
    code, report = check(repo)
    assert code == 1
    assert rules(report) == [("document-deleted", "QP-001"), ("document-deleted", "QP-002")]
