"""``qms check --base``, run as CI runs it: a real repository, a branch, a change, a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from qms_plugin.core.revision import get_scheme
from tests.conftest import REPO, TODAY, clone_sample, document
from tests.gitrepo import GitRepo, git_env

CONTROLLER = ("Tomasz Nowak", "tomasz@kestrel.example")
AUTHOR = ("Amir Haddad", "amir@kestrel.example")
EDITED = "## Purpose\n\nThe purpose, put better.\n"

# A new revision being reviewed: no approval yet.
IN_REVIEW: dict[str, Any] = {
    "revision": "C",
    "status": "in_review",
    "change_summary": "Clarified the purpose.",
    "approved_by": None,
    "approval_date": None,
    "effective_date": None,
}
# The same revision once approved, by someone other than its author.
APPROVED: dict[str, Any] = {
    **IN_REVIEW,
    "status": "approved",
    "approved_by": "Ruth Okafor (Managing Director)",
    "approval_date": "2026-11-20",
    "effective_date": "2026-11-30",  # not before today (2026-11-23), the earliest merge day
}


def qms(where: GitRepo | Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the qms command in a repository (or a plain folder), as CI would."""
    return subprocess.run(
        [sys.executable, "-c", "from qms_plugin.cli import main; main()", *args],
        cwd=where.path if isinstance(where, GitRepo) else where,
        env=git_env({"NO_MKDOCS_2_WARNING": "1"}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def config(scheme: str = "letters") -> str:
    return yaml.safe_dump(
        {
            "site_name": "Test manual",
            "theme": {"name": "material", "font": False},
            "plugins": ["search", {"qms": {"today": TODAY, "revision_scheme": scheme}}],
        },
        sort_keys=False,
    )


def make_manual(path: Path, scheme: str = "letters", revision: str = "B") -> GitRepo:
    """Two effective procedures on main, committed by the document controller; then a branch."""
    repo = GitRepo(path)
    repo.write("mkdocs.yml", config(scheme))
    repo.write("docs/index.md", "# Home\n")
    repo.write("procedures/qp-001.md", document(revision=revision))
    repo.write(
        "procedures/qp-002.md",
        document(
            "## Purpose\n\nFollows [QP-001](qp-001.md).\n",
            doc_id="QP-002",
            title="Second procedure",
            revision=revision,
            related=["QP-001"],
        ),
    )
    repo.commit("The manual", author=CONTROLLER)
    repo.branch("change")
    return repo


@pytest.fixture
def manual(tmp_path: Path) -> GitRepo:
    return make_manual(tmp_path / "manual")


def edit(repo: GitRepo, path: str, body: str | None = None, **fields: Any) -> None:
    """Rewrite a test document with changed fields (None removes one) and body."""
    _, front, old_body = repo.read(path).split("---\n", 2)
    merged = {k: v for k, v in {**yaml.safe_load(front), **fields}.items() if v is not None}
    front = yaml.safe_dump(merged, sort_keys=False, allow_unicode=True)
    repo.write(path, f"---\n{front}---\n" + (f"\n{body}" if body is not None else old_body))


Change = Callable[[GitRepo], None]


def obsolete(repo: GitRepo) -> None:
    edit(repo, "procedures/qp-002.md", status="obsolete", obsolete_reason="Merged into QP-001.")


CASES: list[tuple[str, Change, str, str | tuple[str, ...] | None, str]] = [
    # (name, change, commit message, rule or None, words in the output)
    (
        "text changed, revision kept",
        lambda r: edit(r, "procedures/qp-001.md", EDITED),
        "Reword the purpose",
        "revision-not-bumped",
        "revision is still B, which is published (effective); set revision to C",
    ),
    (
        "text changed, new revision",
        lambda r: edit(r, "procedures/qp-001.md", EDITED, **IN_REVIEW),
        "Reword the purpose",
        None,
        "QP-001 modified: revision B → C",
    ),
    (
        "editorial change asked for in a branch commit",
        lambda r: edit(r, "procedures/qp-001.md", EDITED),
        "Fix a typo\n\nEditorial-change: QP-001: spelling only",
        None,
        "Amir Haddad asks for an editorial change in ",
    ),
    (
        "editorial change naming no document",
        lambda r: edit(r, "procedures/qp-001.md", EDITED),
        "Fix a typo\n\nEditorial-change: spelling only",
        "revision-not-bumped",
        "the trailer 'Editorial-change: spelling only' names no document",
    ),
    (
        "revision skipped",
        lambda r: edit(r, "procedures/qp-001.md", EDITED, **{**IN_REVIEW, "revision": "E"}),
        "Reword the purpose",
        "revision-skipped",
        "revision moved from B to E, skipping revisions; the revision after B is C",
    ),
    (
        "revision backwards",
        lambda r: edit(r, "procedures/qp-001.md", EDITED, **{**IN_REVIEW, "revision": "A"}),
        "Reword the purpose",
        "revision-backwards",
        "revision went back from B to A",
    ),
    (
        "change summary kept",
        lambda r: edit(
            r, "procedures/qp-001.md", EDITED, **{**IN_REVIEW, "change_summary": "First issue."}
        ),
        "Reword the purpose",
        "change-summary-unchanged",
        "change_summary is the one of revision B; say what changed in revision C",
    ),
    (
        "back to draft",
        lambda r: edit(r, "procedures/qp-001.md", status="draft"),
        "Reopen QP-001",
        "status-transition",
        "status moved back from effective to draft within revision B",
    ),
    (
        "withdrawn",
        obsolete,
        "Withdraw QP-002",
        None,
        "QP-002 modified: revision B (procedures/qp-002.md)",
    ),
    (
        "approved by its author",
        lambda r: edit(
            r,
            "procedures/qp-001.md",
            EDITED,
            **{**APPROVED, "approved_by": "amir haddad (Quality Engineer)"},
        ),
        "Reword the purpose",
        "self-approval",
        "approved_by names amir haddad (Quality Engineer), who is an author of this change "
        "(Amir Haddad <amir@kestrel.example>)",
    ),
    (
        "approved by someone else",
        lambda r: edit(r, "procedures/qp-001.md", EDITED, **APPROVED),
        "Reword the purpose",
        None,
        "Document control check passed",
    ),
    (
        "approval carried over",
        lambda r: edit(
            r,
            "procedures/qp-001.md",
            EDITED,
            revision="C",
            change_summary="Clarified the purpose.",
        ),
        "Reword the purpose",
        ("approval-carried-over", "effective-before-merge"),
        "revision C is effective with the effective date of revision B (2026-01-12)",
    ),
    (
        "deleted",
        lambda r: r.remove("procedures/qp-002.md"),
        "Remove QP-002",
        "document-deleted",
        "QP-002 (Second procedure, revision B, effective) was deleted",
    ),
    (
        "renamed",
        lambda r: r.move("procedures/qp-002.md", "procedures/old/qp-002.md"),
        "Move QP-002",
        "document-renamed",
        "QP-002 moved from procedures/qp-002.md to procedures/old/qp-002.md",
    ),
    (
        "renamed on purpose",
        lambda r: r.move("procedures/qp-002.md", "procedures/old/qp-002.md"),
        "Move QP-002 with the other old procedures\n\nDocument-moved: QP-002",
        None,
        "QP-002 renamed: revision B (procedures/old/qp-002.md)",
    ),
    (
        "new document",
        lambda r: r.write("procedures/qp-003.md", document(doc_id="QP-003", **IN_REVIEW)),
        "Add QP-003",
        None,
        "QP-003 added: revision — → C",
    ),
]


@pytest.mark.parametrize(
    ("change", "message", "rule", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_change_rules_on_a_branch(
    manual: GitRepo,
    change: Change,
    message: str,
    rule: str | tuple[str, ...] | None,
    words: str,
) -> None:
    change(manual)
    manual.commit(message, author=AUTHOR, date="2026-11-20T09:00:00+00:00")
    result = qms(manual, "check", "--base", "main")
    output = result.stdout + result.stderr
    assert words in output, output
    if rule is None:
        assert result.returncode == 0, output
    else:
        rules = (rule,) if isinstance(rule, str) else rule
        assert result.returncode == 1, output
        for name in rules:
            assert f"[{name}]" in output
        found = re.findall(r"\[[a-z-]+\]$", result.stdout, re.MULTILINE)
        assert len(found) == len(rules), output


def test_the_configured_editorial_trailer_is_the_one_that_counts(tmp_path: Path) -> None:
    """`editorial_trailer` in mkdocs.yml decides for `qms check --base` as for the site."""
    repo = make_manual(tmp_path / "manual")
    settings = yaml.safe_load(config())
    settings["plugins"][1]["qms"]["editorial_trailer"] = "Wording-only"
    repo.checkout("main")
    repo.write("mkdocs.yml", yaml.safe_dump(settings, sort_keys=False))
    repo.commit("Name our editorial trailer", author=CONTROLLER)
    repo.git("branch", "--force", "change")
    repo.checkout("change")
    edit(repo, "procedures/qp-001.md", EDITED)
    repo.commit("Fix a typo\n\nEditorial-change: QP-001: spelling only", author=AUTHOR)
    result = qms(repo, "check", "--base", "main")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "editorial change with 'Wording-only: QP-001: <reason>'" in result.stdout
    repo.commit("Say so\n\nWording-only: QP-001: spelling only", author=AUTHOR, allow_empty=True)
    result = qms(repo, "check", "--base", "main")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[editorial-change-requested] (request)" in result.stdout
    assert "  Wording-only: QP-001: spelling only" in result.stdout  # for the merge message


def test_no_change_passes(manual: GitRepo) -> None:
    result = qms(manual, "check", "--base", "main")
    assert result.returncode == 0, result.stderr
    assert "No controlled document changed since main" in result.stdout


def test_uncommitted_edits_count_the_configured_user_as_an_author(manual: GitRepo) -> None:
    # CONFIG_USER of the test repository is "Test User": the one who edits the working tree.
    edit(manual, "procedures/qp-001.md", EDITED, **{**APPROVED, "approved_by": "Test User"})
    result = qms(manual, "check", "--base", "main")
    assert result.returncode == 1
    assert "approved_by names Test User, who is an author of this change" in result.stdout


def test_a_merge_is_not_authored_by_the_one_who_merges(manual: GitRepo) -> None:
    edit(manual, "procedures/qp-001.md", EDITED, **{**APPROVED, "approved_by": "Tomasz Nowak"})
    manual.commit("Reword the purpose", author=AUTHOR)
    manual.checkout("main")
    before = manual.head()
    manual.merge("change", "Merge the new revision of QP-001", author=CONTROLLER)
    result = qms(manual, "check", "--base", before)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("scheme", "old", "good", "bad"),
    [
        ("letters", "C", "D", "F"),
        ("integer", "3", "4", "6"),
        ("major.minor", "1.2", "2.0", "1.4"),
        ("dotted", "1.0.3", "1.1.0", "1.0.5"),
    ],
)
def test_each_revision_scheme(tmp_path: Path, scheme: str, old: str, good: str, bad: str) -> None:
    repo = make_manual(tmp_path / "manual", scheme, old)
    edit(repo, "procedures/qp-001.md", EDITED, **{**IN_REVIEW, "revision": good})
    repo.commit("New revision", author=AUTHOR)
    passed = qms(repo, "check", "--base", "main")
    assert passed.returncode == 0, passed.stdout
    assert f"revision {old} → {good}" in passed.stdout

    edit(repo, "procedures/qp-001.md", **{"revision": bad})
    repo.commit("Wrong revision", author=AUTHOR)
    failed = qms(repo, "check", "--base", "main")
    assert failed.returncode == 1
    assert f"revision moved from {old} to {bad}, skipping revisions" in failed.stdout

    repo.write("procedures/qp-001.md", repo.git("show", "main:procedures/qp-001.md"))
    edit(repo, "procedures/qp-001.md", EDITED)
    repo.commit("Text only", author=AUTHOR)
    kept = qms(repo, "check", "--base", "main")
    assert kept.returncode == 1
    assert f"revision is still {old}" in kept.stdout and "[revision-not-bumped]" in kept.stdout


def test_an_id_is_never_reused(manual: GitRepo) -> None:
    manual.checkout("main")
    manual.write("procedures/qp-003.md", document(doc_id="QP-003", title="Short-lived"))
    manual.commit("Add QP-003", author=CONTROLLER)
    manual.remove("procedures/qp-003.md")
    manual.commit("Remove QP-003 again", author=CONTROLLER, date="2026-01-06T10:00:00+01:00")
    manual.branch("reuse")
    manual.write("procedures/qp-003.md", document(doc_id="QP-003", title="Another", **IN_REVIEW))
    manual.write("procedures/qp-004.md", document(doc_id="QP-004", title="Fresh", **IN_REVIEW))
    manual.commit("Add two procedures", author=AUTHOR)
    result = qms(manual, "check", "--base", "main")
    assert result.returncode == 1
    assert (
        "procedures/qp-003.md:2: doc_id QP-003 was used before, by procedures/qp-003.md in the "
        "history of main; IDs are never reused" in result.stdout
    )
    assert "[id-reused]" in result.stdout and "QP-004" not in _finding_lines(result.stdout)


def _finding_lines(output: str) -> str:
    return "\n".join(line for line in output.splitlines() if line.endswith("]"))


def test_json_follows_its_schema(manual: GitRepo) -> None:
    edit(manual, "procedures/qp-001.md", EDITED)
    manual.remove("procedures/qp-002.md")
    manual.commit("Reword and remove", author=AUTHOR)
    result = qms(manual, "check", "--base", "main", "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    schema = yaml.safe_load((REPO / "records_schema" / "check.schema.yaml").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(report, schema)
    assert report["base"]["ref"] == "main"
    assert report["base"]["merge_base"] == manual.git("rev-parse", "main").strip()
    assert [f["rule"] for f in report["findings"]] == ["revision-not-bumped", "document-deleted"]
    assert [(c["doc_id"], c["kind"], c["body_changed"]) for c in report["changes"]] == [
        ("QP-001", "modified", True),
        ("QP-002", "deleted", False),
    ]
    assert report["authors"] == [{"name": "Amir Haddad", "email": "amir@kestrel.example"}]

    assert [f["severity"] for f in report["findings"]] == ["error", "error"]
    assert report["exit_code"] == 1 and report["passed"] is False

    # Without a base the check judges the branch as the site build of this branch does: its
    # commits are on the line being built, so the quiet edit is an unrevised change there.
    plain = qms(manual, "check", "--format", "json")
    assert plain.returncode == 1
    without_base = json.loads(plain.stdout)
    jsonschema.validate(without_base, schema)
    assert without_base["base"] is None and without_base["changes"] == []
    assert [f["rule"] for f in without_base["findings"]] == ["unrevised-change"]


def test_markdown_lists_changes_and_impact(manual: GitRepo) -> None:
    edit(manual, "procedures/qp-001.md", EDITED, **IN_REVIEW)
    manual.commit("New revision of QP-001", author=AUTHOR)
    result = qms(manual, "check", "--base", "main", "--format", "markdown")
    assert result.returncode == 0, result.stdout
    text = result.stdout
    assert text.startswith("**Document control check passed**: 2 controlled documents")
    assert (
        "| QP-001 | Test procedure | modified | B → C | effective → in_review | changed |" in text
    )
    assert "### Impact" in text
    assert "- **QP-001** Test procedure\n  - referenced by: QP-002 (related, link)" in text
    assert "Authors of the change: Amir Haddad" in text


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("missing ref", "'no-such-branch' is not a commit"),
        ("not git", "is not inside a Git repository"),
        ("shallow", "git fetch --unshallow"),
    ],
)
def test_errors_exit_2_and_say_what_to_do(tmp_path: Path, setup: str, words: str) -> None:
    repo = make_manual(tmp_path / "manual")
    base = "main"
    if setup == "missing ref":
        base = "no-such-branch"
    elif setup == "not git":
        shutil.rmtree(repo.path / ".git")
    else:
        repo.checkout("main")
        repo.write("procedures/qp-001.md", document(EDITED))
        repo.commit("Second commit", author=CONTROLLER)
        clone = tmp_path / "clone"
        subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", repo.path.as_uri(), str(clone)],
            check=True,
            env=git_env(),
        )
        repo = GitRepo(clone)
        base = "HEAD"
    result = qms(repo, "check", "--base", base)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    if setup == "shallow":
        assert "fetch-depth: 0" in result.stderr


def _set(text: str, **fields: str) -> str:
    """Change front-matter lines of a sample document in place."""
    for name, value in fields.items():
        text, count = re.subn(rf"(?m)^{name}: .*$", f"{name}: {value}", text, count=1)
        assert count == 1, name
    return text


def sample_repo(path: Path) -> GitRepo:
    """The sample manual with its history: a clone of this repository, on main."""
    return clone_sample(path)


def test_the_sample_manual_through_its_own_history(tmp_path: Path) -> None:
    repo = sample_repo(tmp_path / "sample")

    # A correct new revision: text, revision, summary and a fresh approval by someone else.
    path = "procedures/work-instructions/wi-087-01.md"
    now = yaml.safe_load(repo.read(path).split("---\n")[1])["revision"]
    following = get_scheme("letters").next(now)
    repo.branch(f"wi-087-01-rev-{following.lower()}")
    found = re.search(r"(?m)^\s+today: (\S+)$", (repo.path / "mkdocs.yml").read_text())
    assert found is not None
    today = dt.date.fromisoformat(found.group(1))
    in_a_week = today + dt.timedelta(days=7)
    text = _set(
        repo.read(path),
        revision=following,
        status="approved",
        approval_date=today.isoformat(),
        effective_date=in_a_week.isoformat(),
        change_summary="Added the check of the gauge's calibration label before use.",
    )
    repo.write(path, text + "\nCheck the calibration label on the gauge before use.\n")
    repo.commit("WI-087-01 next revision", author=CONTROLLER, date=f"{today}T10:00:00+00:00")
    good = qms(repo, "check", "--base", "main", "--format", "markdown")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "| WI-087-01 |" in good.stdout and f"| {now} → {following} |" in good.stdout
    assert "referenced by:" in good.stdout

    # A change to the text of a procedure in force, with no new revision.
    repo.checkout("main")
    repo.branch("qp-075-quiet-edit")
    path = "procedures/quality-procedures/qp-075.md"
    repo.write(path, repo.read(path).replace("## Scope", "## Scope of this procedure", 1))
    repo.commit("Retitle a section", author=AUTHOR, date=f"{today}T11:00:00+00:00")
    bad = qms(repo, "check", "--base", "main")
    assert bad.returncode == 1
    revision = yaml.safe_load(repo.read(path).split("---\n")[1])["revision"]
    assert (
        f"procedures/quality-procedures/qp-075.md:5: the text changed but revision is still "
        f"{revision}" in bad.stdout
    )
    assert "[revision-not-bumped]" in bad.stdout


CHANGE_RULES = {
    "revision-not-bumped",
    "revision-skipped",
    "revision-backwards",
    "change-summary-unchanged",
    "status-transition",
    "approval-carried-over",
    "self-approval",
    "id-reused",
    "document-deleted",
    "document-renamed",
}


def test_a_merged_change_in_this_repository_history(tmp_path: Path) -> None:
    """The sample's own last pull request, merged on the published line, passes the change
    rules; an unrevised edit after it does not."""
    if not (REPO / ".git").exists():
        pytest.skip("not run from a Git checkout")
    source = GitRepo(REPO)
    if source.git("rev-parse", "--is-shallow-repository").strip() == "true":
        pytest.skip("a shallow clone holds no history to check")
    merge = source.git(
        "log", "--first-parent", "--merges", "-1", "--format=%H", "--grep=^Merge pull request #"
    ).strip()
    if not merge:
        pytest.skip("this history holds no pull request of the sample")
    subprocess.run(
        ["git", "clone", "--quiet", str(REPO), str(tmp_path / "clone")], check=True, env=git_env()
    )
    repo = GitRepo(tmp_path / "clone")
    repo.checkout(merge)
    shutil.rmtree(repo.path / "qms_plugin")  # `qms` runs the code under test, not the clone's
    touched = repo.git("diff", "--name-only", f"{merge}^1", merge, "--", "procedures").split()
    assert touched

    def change_findings(base: str) -> tuple[int, list[str], list[dict[str, Any]]]:
        result = qms(repo, "check", "--base", base, "--format", "json")
        report = json.loads(result.stdout)
        rules = [f["rule"] for f in report["findings"] if f["rule"] in CHANGE_RULES]
        return result.returncode, rules, report["changes"]

    _, rules, changes = change_findings(f"{merge}^1")
    assert rules == []
    assert sorted(c["path"] for c in changes) == sorted(touched)

    published = repo.head()
    repo.git("switch", "--quiet", "-c", "quiet-edit")
    path = "procedures/quality-procedures/qp-084.md"
    repo.write(path, repo.read(path) + "\nKeep supplier files for six years.\n")
    repo.commit("Add a sentence", author=AUTHOR)
    code, rules, _ = change_findings(published)
    assert code == 1 and rules == ["revision-not-bumped"]
