"""Revision history read from real Git repositories with fixed identities and dates."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from qms_plugin.core import frontmatter
from qms_plugin.core.audit import HistoryContext, HistoryOptions, history_findings, names_match
from qms_plugin.core.documents import Document
from qms_plugin.core.git import GitError, Repository, find_repository
from qms_plugin.core.history import (
    SNAPSHOT_KEYS,
    HistoryError,
    Person,
    load_history,
    parse_trailers,
    simple_fields,
    snapshot_of,
)
from tests.conftest import document
from tests.gitrepo import GitRepo, git_env

DAY = "2026-02-01T09:00:00+01:00"
RUTH = ("Ruth Okafor", "ruth.okafor@kestrel.example")
TOM = ("Tomasz Nowak", "tomasz.nowak@kestrel.example")
ALI = ("Ali Hassan", "ali.hassan@kestrel.example")


def day(n: int) -> str:
    return f"2026-02-{n:02d}T09:00:00+01:00"


def history_of(repo: GitRepo, **kwargs: object):  # type: ignore[no-untyped-def]
    return load_history(Repository(repo.path), cache=False, **kwargs)  # type: ignore[arg-type]


def shas(repo: GitRepo, *args: str) -> list[str]:
    return repo.git("log", "--format=%H", *args).split()


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "manual")


# --- one pass, followed through renames -----------------------------------------------------


def test_a_document_moved_between_folders_keeps_its_history(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    first = repo.commit("Add QP-001", date=day(1))
    repo.move("procedures/qp-001.md", "procedures/quality/qp-001.md")
    second = repo.commit("Move QP-001 into quality/", date=day(2))
    repo.write("procedures/quality/qp-001.md", document("## Purpose\n\nNew.\n", revision="B"))
    third = repo.commit("QP-001 rev B", date=day(3))
    repo.move("procedures/quality/qp-001.md", "procedures/Quality Procedures+/qp-001.md")
    fourth = repo.commit("Move again, to a folder with a space and a plus", date=day(4))
    repo.move(
        "procedures/Quality Procedures+/qp-001.md", "procedures/Quality Procedures+/QP-001.md"
    )
    fifth = repo.commit("Rename with upper case only", date=day(5))

    doc = history_of(repo).get("procedures/Quality Procedures+/QP-001.md")
    assert doc is not None
    assert [(c.commit.sha, c.kind, c.revision) for c in doc.changes] == [
        (first, "added", "A"),
        (second, "renamed", "A"),
        (third, "modified", "B"),
        (fourth, "renamed", "B"),
        (fifth, "renamed", "B"),
    ]
    assert doc.paths == (
        "procedures/qp-001.md",
        "procedures/quality/qp-001.md",
        "procedures/Quality Procedures+/qp-001.md",
        "procedures/Quality Procedures+/QP-001.md",
    )
    assert [(r.revision, len(r.changes)) for r in doc.revisions()] == [("A", 2), ("B", 3)]
    # The list equals what Git itself follows for a linear history.
    path = "procedures/Quality Procedures+/QP-001.md"
    assert [c.commit.sha for c in reversed(doc.changes)] == shas(repo, "--follow", "--", path)


def test_merge_commit_workflow_records_drafting_commits_and_approval(repo: GitRepo) -> None:
    repo.write("procedures/qp-075.md", document(doc_id="QP-075", revision="C"))
    repo.write("procedures/qp-080.md", document(doc_id="QP-080", revision="A"))
    base = repo.commit("Add QP-075 and QP-080", date=day(1))
    repo.branch("qp-075-rev-d")
    repo.write(
        "procedures/qp-075.md",
        document("## Purpose\n\nDraft one.\n", doc_id="QP-075", revision="D", status="in_review"),
    )
    draft1 = repo.commit("Draft revision D", author=TOM, date=day(2))
    repo.write("procedures/qp-080.md", document("## Purpose\n\nOther.\n", doc_id="QP-080"))
    other = repo.commit("Touch QP-080 on the same branch", author=TOM, date=day(3))
    repo.write(
        "procedures/qp-075.md",
        document("## Purpose\n\nDraft two.\n", doc_id="QP-075", revision="D"),
    )
    draft2 = repo.commit("Address review comments", author=TOM, date=day(4))
    repo.checkout("main")
    repo.write("docs/index.md", "# Home\n")
    repo.commit("Unrelated change on main", date=day(5))
    merge = repo.merge(
        "qp-075-rev-d",
        "Merge pull request #12 from kestrel/qp-075-rev-d\n\nQP-075 revision D\n\n"
        "Approved-by: Ruth Okafor <ruth.okafor@kestrel.example>\n"
        "Reviewed-by: Ali Hassan <ali.hassan@kestrel.example>",
        author=RUTH,
        committer=("GitHub", "noreply@github.com"),
        date=day(6),
    )

    history = history_of(repo)
    doc = history.get("procedures/qp-075.md")
    assert doc is not None
    assert [c.commit.sha for c in doc.changes] == [base, merge]
    change = doc.changes[-1]
    assert [c.sha for c in change.drafting] == [draft1, draft2]  # not the QP-080 commit
    assert change.commit.change_ref is not None and str(change.commit.change_ref) == "#12"
    assert change.commit.merger == Person(*RUTH)
    assert change.commit.trailer_values(["approved-by"]) == (
        "Ruth Okafor <ruth.okafor@kestrel.example>",
    )
    assert change.commit.subject == "Merge pull request #12 from kestrel/qp-075-rev-d"
    assert change.commit.body == "QP-075 revision D"
    revisions = doc.revisions()
    assert [r.revision for r in revisions] == ["C", "D"]
    assert revisions[-1].approvers(["Approved-by"]) == (Person(*RUTH),)
    other_doc = history.get("procedures/qp-080.md")
    assert other_doc is not None
    assert [c.sha for c in other_doc.changes[-1].drafting] == [other]
    # The controlled line is the first-parent list Git gives.
    assert [c.commit.sha for c in reversed(doc.changes)] == shas(
        repo, "--first-parent", "--", "procedures/qp-075.md"
    )


def test_squash_workflow_has_no_drafting_commits(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("Add QP-001", date=day(1))
    repo.write("procedures/qp-001.md", document("## Purpose\n\nRevised.\n", revision="B"))
    squash = repo.commit(
        "Revise QP-001 for the new saw (#15)\n\nThe band saw replaced the hacksaw.\n\n"
        "Co-authored-by: Ali Hassan <ali.hassan@kestrel.example>\n"
        "Approved-by: Ruth Okafor <ruth.okafor@kestrel.example>",
        author=TOM,
        committer=("GitHub", "noreply@github.com"),
        date=day(2),
    )
    change = history_of(repo).documents["procedures/qp-001.md"].changes[-1]
    assert change.commit.sha == squash
    assert change.drafting == ()
    assert str(change.commit.change_ref) == "#15"
    assert change.commit.merger is None  # GitHub's web interface committed it
    assert change.commit.trailer_values(["Co-authored-by"]) == (
        "Ali Hassan <ali.hassan@kestrel.example>",
    )
    assert change.commit.body == "The band saw replaced the hacksaw."


def test_gitlab_merge_message_with_approval_trailers(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("Add QP-001", date=day(1))
    repo.branch("rev-b")
    repo.write("procedures/qp-001.md", document("## Purpose\n\nB.\n", revision="B"))
    repo.commit("Revision B", author=TOM, date=day(2))
    repo.checkout("main")
    merge = repo.merge(
        "rev-b",
        "Merge branch 'rev-b' into 'main'\n\nQP-001 revision B\n\n"
        "See merge request kestrel/qms!7\n\n"
        "Approved-by: Ruth Okafor <ruth.okafor@kestrel.example>\n"
        "Approved-by: Ali Hassan <ali.hassan@kestrel.example>",
        author=ALI,
        date=day(3),
    )
    change = history_of(repo).documents["procedures/qp-001.md"].changes[-1]
    assert change.commit.sha == merge
    ref = change.commit.change_ref
    assert ref is not None and (ref.host, ref.number, ref.project) == ("gitlab", 7, "kestrel/qms")
    assert str(ref) == "!7"
    assert change.commit.merger == Person(*ALI)
    revision = history_of(repo).documents["procedures/qp-001.md"].revisions()[-1]
    assert revision.approvers(["Approved-by"]) == (Person(*RUTH), Person(*ALI))


def test_multiple_roots(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    root1 = repo.commit("First root", date=day(1))
    repo.git("checkout", "--quiet", "--orphan", "imported")
    repo.git("rm", "-r", "--quiet", "--cached", ".")
    (repo.path / "procedures" / "qp-001.md").unlink()
    repo.write("procedures/wi-001-01.md", document(doc_id="WI-001-01", type="work_instruction"))
    root2 = repo.commit("Second root: the imported work instructions", date=day(2))
    repo.checkout("main")
    merge = repo.git(
        "merge",
        "--quiet",
        "--no-edit",
        "--allow-unrelated-histories",
        "-m",
        "Merge the imported work instructions",
        "imported",
        env={
            "GIT_AUTHOR_NAME": RUTH[0],
            "GIT_AUTHOR_EMAIL": RUTH[1],
            "GIT_AUTHOR_DATE": day(3),
            "GIT_COMMITTER_NAME": RUTH[0],
            "GIT_COMMITTER_EMAIL": RUTH[1],
            "GIT_COMMITTER_DATE": day(3),
        },
    )
    del merge
    head = repo.head()
    history = history_of(repo)
    assert [c.commit.sha for c in history.documents["procedures/qp-001.md"].changes] == [root1]
    wi = history.documents["procedures/wi-001-01.md"].changes
    assert [(c.commit.sha, c.kind) for c in wi] == [(head, "added")]
    assert [c.sha for c in wi[0].drafting] == [root2]
    assert history.first_parent == [root1, head]


def test_renames_to_and_from_other_kinds_of_file(repo: GitRepo) -> None:
    """History follows Markdown files: a rename from a text file adds one, a rename to a
    PDF's source deletes one."""
    body = "# Notes\n\n" + "A line of text that stays the same.\n" * 20
    repo.write("procedures/notes.txt", body)
    repo.commit("Add plain notes", date=day(1))
    repo.move("procedures/notes.txt", "procedures/qp-001.md")
    added = repo.commit("Turn the notes into QP-001", date=day(2))
    repo.move("procedures/qp-001.md", "procedures/qp-001.rst")
    gone = repo.commit("Move QP-001 to reStructuredText", date=day(3))
    history = history_of(repo)
    assert history.documents == {}
    (doc,) = history.deleted
    assert [(c.commit.sha, c.kind, c.path) for c in doc.changes] == [
        (added, "added", "procedures/qp-001.md"),
        (gone, "deleted", "procedures/qp-001.md"),
    ]


def test_the_users_git_settings_do_not_change_history(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    root = repo.commit("Add QP-001", date=day(1))
    repo.write("procedures/qp-001.md", document("## Purpose\n\nNew.\n", revision="B"))
    second = repo.commit("Revise QP-001", date=day(2))
    for key, value in (
        ("log.showRoot", "false"),
        ("log.showSignature", "true"),
        ("diff.renames", "false"),
        ("diff.relative", "true"),
        ("log.abbrevCommit", "true"),
        ("core.quotePath", "true"),
    ):
        repo.git("config", key, value)
    doc = history_of(repo).documents["procedures/qp-001.md"]
    assert [(c.commit.sha, c.revision) for c in doc.changes] == [(root, "A"), (second, "B")]


def test_front_matter_added_late(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", "# Old Word document, pasted\n\nText.\n")
    first = repo.commit("Import the old procedure", date=day(1))
    repo.write("procedures/qp-001.md", document("# Old Word document, pasted\n\nText.\n"))
    second = repo.commit("Put QP-001 under document control", date=day(2))
    doc = history_of(repo).documents["procedures/qp-001.md"]
    assert [(c.commit.sha, c.revision, c.body_changed) for c in doc.changes] == [
        (first, None, True),
        (second, "B", False),
    ]
    assert [r.revision for r in doc.revisions()] == [None, "B"]


def test_mailmap_is_honoured(repo: GitRepo) -> None:
    repo.write(".mailmap", "Ruth Okafor <ruth.okafor@kestrel.example> R. Okafor <ro@old.example>\n")
    repo.write("procedures/qp-001.md", document())
    repo.commit("Add QP-001", author=("R. Okafor", "ro@old.example"), date=day(1))
    commit = history_of(repo).documents["procedures/qp-001.md"].changes[0].commit
    assert commit.author == Person(*RUTH)


def test_deleted_documents_and_ids_ever_used(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(doc_id="QP-001"))
    repo.write("procedures/qp-002.md", document(doc_id="QP-002"))
    repo.commit("Add two", date=day(1))
    repo.remove("procedures/qp-002.md")
    gone = repo.commit("Withdraw QP-002 by deleting it", date=day(2))
    history = history_of(repo)
    assert set(history.documents) == {"procedures/qp-001.md"}
    assert [(d.path, d.changes[-1].commit.sha, d.deleted) for d in history.deleted] == [
        ("procedures/qp-002.md", gone, True)
    ]
    assert history.ids_ever_used() == {
        "QP-001": "procedures/qp-001.md",
        "QP-002": "procedures/qp-002.md",
    }


def test_html_in_messages_is_kept_as_text(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document())
    # Git itself drops '<' and '>' from names; quotes and ampersands stay.
    repo.commit("<script>alert('x')</script> & <b>bold</b>", author=('Eve "E" & Co', "e@x"))
    commit = history_of(repo).documents["procedures/qp-001.md"].changes[0].commit
    assert commit.subject == "<script>alert('x')</script> & <b>bold</b>"
    assert commit.author.name == 'Eve "E" & Co'


# --- honest failures --------------------------------------------------------------------------


def test_a_shallow_clone_is_an_error_with_the_fix(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("A", date=day(1))
    repo.write("procedures/qp-001.md", document(revision="B"))
    repo.commit("B", date=day(2))
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{repo.path}", str(clone)],
        check=True,
        env=git_env(),
    )
    with pytest.raises(HistoryError, match=r"git fetch --unshallow.*fetch-depth: 0"):
        load_history(Repository(clone), cache=False)
    history = load_history(Repository(clone), cache=False, allow_shallow=True)
    assert history.shallow
    assert len(history.documents["procedures/qp-001.md"].changes) == 1


def test_not_a_repository_and_a_nested_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "procedures").mkdir(parents=True)
    with pytest.raises(GitError, match=r"not inside a Git repository.*history: false"):
        find_repository(plain, plain / "procedures")
    outer = GitRepo(tmp_path / "outer")
    GitRepo(outer.path / "procedures")  # a nested clone holding the documents
    with pytest.raises(GitError, match=r"belong to the Git repository at .*procedures"):
        find_repository(outer.path, outer.path / "procedures")


def test_an_empty_repository_has_no_history(repo: GitRepo) -> None:
    history = history_of(repo)
    assert history.head is None and history.documents == {}


def test_cache_is_keyed_by_head(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("A", date=day(1))
    first = load_history(Repository(repo.path))
    again = load_history(Repository(repo.path))
    assert [c.commit.sha for c in again.documents["procedures/qp-001.md"].changes] == [
        c.commit.sha for c in first.documents["procedures/qp-001.md"].changes
    ]
    assert list((repo.path / ".git" / "qms-cache").glob("history-*.marshal"))
    repo.write("procedures/qp-001.md", document(revision="B"))
    repo.commit("B", date=day(2))
    after = load_history(Repository(repo.path))
    assert [c.revision for c in after.documents["procedures/qp-001.md"].changes] == ["A", "B"]


# --- messages and front matter ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Subject only", ()),
        ("Subject\n\nApproved-by: A <a@x>", (("Approved-By", "A <a@x>"),)),
        (
            "Subject\n\nBody text.\n\nReviewed-by: B\nco-authored-by: C <c@x>",
            (("Reviewed-By", "B"), ("Co-Authored-By", "C <c@x>")),
        ),
        ("Subject\n\nNot: a trailer block\nbecause this line is prose", ()),
        (
            "Subject\n\nEditorial-change: typo\n  in step 4",
            (("Editorial-Change", "typo in step 4"),),
        ),
    ],
)
def test_trailers(message: str, expected: tuple[tuple[str, str], ...]) -> None:
    assert parse_trailers(message) == expected


@pytest.mark.parametrize(
    ("text", "revision", "approved_by"),
    [
        (b"---\nrevision: C\napproved_by: Ruth\n---\nBody\n", "C", ("Ruth",)),
        (b"---\nrevision: 1.10\n---\n", "1.10", ()),
        (b"---\nrevision: '2'\napproved_by:\n  - A\n  - B\n---\n", "2", ("A", "B")),
        (b"\xef\xbb\xbf---\r\nrevision: D\r\n---\r\nBody\r\n", "D", ()),
        (b"No front matter at all\n", None, ()),
        (b"---\nrevision: [unclosed\n---\n", None, ()),
    ],
)
def test_snapshots(text: bytes, revision: str | None, approved_by: tuple[str, ...]) -> None:
    snap = snapshot_of(text)
    assert snap.text("revision") == revision
    assert snap.texts("approved_by") == approved_by


@pytest.mark.parametrize(
    "front",
    [
        "revision: C\napproved_by:\n- Ruth Okafor (Managing Director)\n- Tom\ntitle: X",
        "approved_by:\n\n- A\n# a comment\n- B\nstatus: approved",
        "approved_by:\n- yes\n- 12\n- 2026-01-02",
        "revision: 1.10\neffective_date: 2026-01-02\nchange_summary: a:b",
        "revision: null\ntitle: ~",
        "approved_by:\nstatus: approved",
        "other:\n- x\nrevision: B",
        "other:\n  revision: B\nrevision: C",
        "approved_by:\n- ~",
        "approved_by:\n  - A\n  - B",
        "approved_by:\n- 'A'",
        "approved_by:\n- A: b",
        "approved_by: []",
        "approved_by:\n-A",
        "title: a # comment",
        "title: x\ntitle: y",
        "  revision: B",
        "other: x\n  revision: B",
        "revision: B\n- stray",
        "doc_id: QP-001\n  continued",
        "a line that is not YAML\nrevision: B",
        "revision:B",
    ],
)
def test_the_quick_front_matter_reader_agrees_with_yaml(front: str) -> None:
    """History reads thousands of front matters line by line; where it answers at all, it
    must give what the documents' YAML parse gives."""
    parsed = frontmatter.parse(f"---\n{front}\n---\n", "", SNAPSHOT_KEYS)
    expected = {k: parsed.data[k] for k in SNAPSHOT_KEYS if k in parsed.data}
    quick = simple_fields(front)
    assert quick is None or quick == expected
    snapshot = snapshot_of(f"---\n{front}\n---\nBody\n".encode())
    assert dict(snapshot.fields) == expected


def test_the_quick_reader_answers_for_the_usual_front_matter() -> None:
    front = (
        "doc_id: WI-832-01\ntitle: Checking the saw\nrevision: F\nstatus: approved\n"
        "approved_by:\n- Priya Raman (Production Manager)\n- Tomasz Nowak\n"
        "iso9001_clauses:\n- '7.2'\neffective_date: 2026-12-05\n"
    )
    assert simple_fields(front) == {
        "doc_id": "WI-832-01",
        "title": "Checking the saw",
        "revision": "F",
        "status": "approved",
        "approved_by": ["Priya Raman (Production Manager)", "Tomasz Nowak"],
        "effective_date": "2026-12-05",
    }


@pytest.mark.parametrize(
    ("approved_by", "person", "aliases", "expected"),
    [
        ("Ruth Okafor (Managing Director)", Person(*RUTH), {}, True),
        ("ruth okafor", Person(*RUTH), {}, True),
        ("Ruth <ruth.okafor@kestrel.example>", Person(*RUTH), {}, True),
        ("Tomasz Nowak", Person(*RUTH), {}, False),
        (
            "Managing Director",
            Person(*RUTH),
            {"Managing Director": ["ruth.okafor@kestrel.example"]},
            True,
        ),
        ("Managing Director", Person(*TOM), {"Managing Director": ["Ruth Okafor"]}, False),
    ],
)
def test_approver_names(
    approved_by: str, person: Person, aliases: dict[str, list[str]], expected: bool
) -> None:
    assert names_match(approved_by, person, HistoryOptions(approvers=aliases)) is expected


# --- rules on history -------------------------------------------------------------------------


def _findings(repo: GitRepo, options: HistoryOptions | None = None) -> list[str]:
    history = history_of(repo)
    text = (repo.path / "procedures/qp-001.md").read_text("utf-8")
    from qms_plugin.core import frontmatter

    parsed = frontmatter.parse(text, "procedures/qp-001.md", ("revision",))
    doc = Document(
        "procedures/qp-001.md", "procedures/qp-001.md", parsed.data, parsed.body, parsed.lines
    )
    context = HistoryContext(history, options or HistoryOptions(), None, lambda d: d.path)
    return [f"{f.rule}: {f.message}" for f in history_findings([doc], context)]


def test_a_revision_with_no_body_change_is_fine(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("A", date=day(1))
    repo.write("procedures/qp-001.md", document(revision="B", change_summary="Periodic review."))
    repo.commit("Periodic review, no change: revision B", date=day(2))
    doc = history_of(repo).documents["procedures/qp-001.md"]
    assert [(c.revision, c.body_changed) for c in doc.changes] == [("A", True), ("B", False)]
    assert _findings(repo) == []


def test_a_body_change_without_a_new_revision_is_a_finding(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="B"))
    repo.commit("B", date=day(1))
    repo.write("procedures/qp-001.md", document("## Purpose\n\nChanged silently.\n", revision="B"))
    sneaky = repo.commit("Tweak the purpose", date=day(2))
    (finding,) = _findings(repo)
    assert finding.startswith("unrevised-change: the text changed in " + sneaky[:8])
    assert "revision stayed B" in finding and "Editorial-change" in finding


def test_an_editorial_trailer_marks_an_intended_unrevised_change(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="B"))
    repo.commit("B", date=day(1))
    repo.write("procedures/qp-001.md", document("## Purpose\n\nSpelling fixed.\n", revision="B"))
    repo.commit("Fix a typo\n\nEditorial-change: QP-001: spelling only", date=day(2))
    assert _findings(repo) == []
    doc = history_of(repo).documents["procedures/qp-001.md"]
    assert doc.changes[-1].body_changed


def test_an_editorial_trailer_that_names_no_document_waives_nothing(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="B"))
    repo.commit("B", date=day(1))
    repo.write("procedures/qp-001.md", document("## Purpose\n\nSpelling fixed.\n", revision="B"))
    repo.commit("Fix a typo\n\nEditorial-change: spelling only", date=day(2))
    (finding,) = _findings(repo)
    assert finding.startswith("unrevised-change: ")
    assert "'Editorial-change: spelling only' trailer in" in finding
    assert "names no document" in finding and "'Editorial-change: QP-001: <reason>'" in finding


def test_approved_by_is_checked_against_git(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A", approved_by="Ruth Okafor (MD)"))
    repo.commit("Add QP-001\n\nApproved-by: Tomasz Nowak <tomasz.nowak@kestrel.example>")
    (finding,) = _findings(repo)
    assert finding.startswith("approval-evidence: approved_by names Ruth Okafor (MD)")
    assert "Tomasz Nowak <tomasz.nowak@kestrel.example>" in finding
    repo.write("procedures/qp-001.md", document(revision="B", approved_by="Ruth Okafor (MD)"))
    repo.commit("Revision B\n\nApproved-by: Ruth Okafor <ruth.okafor@kestrel.example>", date=day(2))
    assert _findings(repo) == []


def test_missing_evidence_only_fails_when_required(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("Add QP-001 without trailers")
    assert _findings(repo) == []
    (finding,) = _findings(repo, HistoryOptions(approval_evidence="require"))
    assert finding.startswith("approval-evidence: Git records no approval of revision A")


def test_a_move_and_rewrite_on_a_branch_is_followed_through_the_merge(repo: GitRepo) -> None:
    repo.write("procedures/qp-001.md", document("## Purpose\n\nShort.\n", revision="A"))
    first = repo.commit("Add QP-001", date=day(1))
    repo.branch("reorganise")
    repo.move("procedures/qp-001.md", "procedures/quality/qp-001.md")
    repo.commit("Move QP-001", date=day(2))
    rewritten = "## Purpose\n\n" + "Completely new text for the new process. " * 30 + "\n"
    repo.write("procedures/quality/qp-001.md", document(rewritten, revision="B"))
    repo.commit("Rewrite QP-001", date=day(3))
    repo.checkout("main")
    merge = repo.merge("reorganise", "Merge pull request #3 from kestrel/reorganise", date=day(4))
    # Against its first parent the merge shows a deletion and an unrelated addition...
    raw = repo.git("show", "--format=", "--name-status", "-M", "--diff-merges=first-parent", merge)
    assert raw.split() == ["D", "procedures/qp-001.md", "A", "procedures/quality/qp-001.md"]
    # ...but the branch moved the file, so its history carries on.
    doc = history_of(repo).documents["procedures/quality/qp-001.md"]
    assert [(c.commit.sha, c.kind, c.old_path) for c in doc.changes] == [
        (first, "added", None),
        (merge, "renamed", "procedures/qp-001.md"),
    ]
    assert [c.subject for c in doc.changes[-1].drafting] == ["Move QP-001", "Rewrite QP-001"]
    assert history_of(repo).deleted == []


@pytest.mark.parametrize(
    ("subject", "repo_url", "expected"),
    [
        (
            "Merge pull request #12 from a/b",
            "https://github.com/k/q/",
            "https://github.com/k/q/pull/12",
        ),
        ("Fix (#15)", "https://github.com/k/q", "https://github.com/k/q/pull/15"),
        (
            "Merge branch 'x'\n\nSee merge request k/q!7",
            "https://gitlab.example/k/q",
            "https://gitlab.example/k/q/-/merge_requests/7",
        ),
        (
            "Merged in x (pull request #5)",
            "https://bitbucket.org/k/q",
            "https://bitbucket.org/k/q/pull-requests/5",
        ),
        (
            "Direct commit",
            "https://gitlab.example/k/q",
            "https://gitlab.example/k/q/-/commit/" + "a" * 40,
        ),
        ("Direct commit", "https://github.com/k/q", "https://github.com/k/q/commit/" + "a" * 40),
        ("Merge pull request #12 from a/b", None, None),
    ],
)
def test_change_links(subject: str, repo_url: str | None, expected: str | None) -> None:
    from qms_plugin.core.audit import change_url
    from qms_plugin.core.history import Commit

    person = Person("A", "a@x")
    commit = Commit("a" * 40, (), person, DAY, person, DAY, subject)
    assert change_url(commit, repo_url) == expected
