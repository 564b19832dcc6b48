"""A cached history carried forward to a later commit equals the history read afresh.

Every test builds a real repository, asks for the history with the cache after each new commit
(which reads only the commits since the last cached one), and compares it, field by field, with
the history read from scratch without the cache.
"""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qms_plugin.core import history as history_module
from qms_plugin.core.git import Repository
from qms_plugin.core.history import History, load_history
from qms_plugin.core.history.cache import SUFFIX
from tests.conftest import REPO, document
from tests.gitrepo import GitRepo

RUTH = ("Ruth Okafor", "ruth.okafor@kestrel.example")
TOM = ("Tomasz Nowak", "tomasz.nowak@kestrel.example")
GITHUB = ("GitHub", "noreply@github.com")
SCOPE = ("procedures/",)


def day(n: int) -> str:
    return f"2026-03-{n:02d}T09:00:00+01:00"


def as_data(history: History) -> Any:
    """Everything a history holds, in order, as plain values."""

    def doc(d: Any) -> Any:
        return (
            d.path,
            [
                (
                    c.commit,
                    c.position,
                    c.kind,
                    c.path,
                    c.old_path,
                    c.blob,
                    c.snapshot,
                    [x.sha for x in c.drafting],
                    c.body_changed,
                )
                for c in d.changes
            ],
        )

    return (
        history.head,
        history.shallow,
        list(history.documents),
        [doc(d) for d in history.documents.values()],
        [doc(d) for d in history.deleted],
        history.first_parent,
    )


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """How each history was computed since the last check: 'carried' or 'full'."""
    kinds: list[str] = []
    real = history_module.compute

    def spy(*args: Any, **kwargs: Any) -> History | None:
        carried = len(args) > 4 or kwargs.get("base") is not None
        result = real(*args, **kwargs)
        kinds.append("carried" if carried and result is not None else "full")
        return result

    monkeypatch.setattr(history_module, "compute", spy)
    yield kinds


def check(repo: GitRepo, kinds: list[str], scope: tuple[str, ...] = SCOPE) -> str:
    """The history with the cache equals the history without; how the cached one was made."""
    kinds.clear()
    cached = load_history(Repository(repo.path), scope=scope)
    made = kinds[-1] if kinds else "read back"
    fresh = load_history(Repository(repo.path), scope=scope, cache=False)
    assert as_data(cached) == as_data(fresh)
    computed_so_far = len(kinds)
    again = load_history(Repository(repo.path), scope=scope)  # the same commit: read back
    assert len(kinds) == computed_so_far, "a history cached for this commit was computed again"
    assert as_data(again) == as_data(fresh)
    return made


def test_each_new_commit_carries_the_cached_history_forward(
    tmp_path: Path, computed: list[str]
) -> None:
    repo = GitRepo(tmp_path / "manual")
    repo.write("procedures/qp-001.md", document(doc_id="QP-001", revision="A"))
    repo.write("notes/wi-draft.md", document(doc_id="WI-009", revision="A"))
    repo.commit("Add QP-001 and a draft kept outside the manual", date=day(1))
    made = [check(repo, computed)]

    repo.write("procedures/qp-001.md", document("## Purpose\n\nB.\n", revision="B"))
    repo.commit("QP-001 revision B\n\nApproved-by: Ruth Okafor", author=RUTH, date=day(2))
    made.append(check(repo, computed))

    # A pull request: drafting commits, main moving on meanwhile, a merge with trailers.
    repo.branch("qp-001-rev-c")
    repo.write("procedures/qp-001.md", document("## Purpose\n\nC1.\n", revision="C"))
    repo.commit("Draft revision C", author=TOM, date=day(3))
    repo.write("procedures/qp-002.md", document(doc_id="QP-002", revision="A"))
    repo.write("procedures/qp-001.md", document("## Purpose\n\nC2.\n", revision="C"))
    repo.commit("Review comments; add QP-002", author=TOM, date=day(4))
    repo.checkout("main")
    repo.write("README.md", "Manual\n")
    repo.commit("Unrelated change on main", date=day(5))
    made.append(check(repo, computed))
    repo.merge(
        "qp-001-rev-c",
        "Merge pull request #7 from kestrel/qp-001-rev-c\n\nApproved-by: Ruth Okafor",
        author=RUTH,
        committer=GITHUB,
        date=day(6),
    )
    made.append(check(repo, computed))

    repo.move("procedures/qp-001.md", "procedures/quality/qp-001.md")
    repo.commit("Move QP-001 into quality/", date=day(7))
    made.append(check(repo, computed))

    repo.remove("procedures/qp-002.md")
    repo.commit("Withdraw QP-002", date=day(8))
    made.append(check(repo, computed))

    repo.write("procedures/qp-002.md", document("## Purpose\n\nBack.\n", doc_id="QP-002"))
    repo.commit("Reinstate QP-002 (#9)\n\nCo-authored-by: Tomasz Nowak", date=day(9))
    made.append(check(repo, computed))

    # main merged into a branch before the branch is merged back.
    repo.branch("qp-002-fix")
    repo.write("procedures/qp-002.md", document("## Purpose\n\nFixed.\n", doc_id="QP-002"))
    repo.commit("Fix a step", author=TOM, date=day(10))
    repo.checkout("main")
    repo.write("procedures/quality/qp-001.md", document("## Purpose\n\nC3.\n", revision="C"))
    repo.commit("Editorial fix\n\nEditorial-change: typo", date=day(11))
    made.append(check(repo, computed))
    repo.checkout("qp-002-fix")
    repo.merge("main", "Merge branch 'main' into qp-002-fix", author=TOM, date=day(12))
    repo.checkout("main")
    repo.merge(
        "qp-002-fix",
        "Merge branch 'qp-002-fix' into 'main'\n\nSee merge request kestrel/qms!11",
        author=RUTH,
        date=day(13),
    )
    made.append(check(repo, computed))

    # A document comes into the manual from outside it: its earlier versions were never
    # read, so the history is read afresh rather than carried forward.
    repo.move("notes/wi-draft.md", "procedures/wi-009.md")
    repo.commit("Bring WI-009 into the manual", date=day(14))
    made.append(check(repo, computed))

    repo.write("procedures/wi-009.md", document("## Purpose\n\nNew.\n", doc_id="WI-009"))
    repo.commit("WI-009 revision B", date=day(15))
    made.append(check(repo, computed))

    assert made == ["full"] + ["carried"] * 8 + ["full", "carried"]
    history = load_history(Repository(repo.path), scope=SCOPE)
    qp1 = history.get("procedures/quality/qp-001.md")
    assert qp1 is not None
    assert [c.revision for c in qp1.changes] == ["A", "B", "C", "C", "C"]
    assert [len(c.drafting) for c in qp1.changes] == [0, 0, 2, 0, 0]


def test_a_rewritten_line_is_never_carried_from_a_commit_it_dropped(
    tmp_path: Path, computed: list[str]
) -> None:
    repo = GitRepo(tmp_path / "manual")
    repo.write("procedures/qp-001.md", document(revision="A"))
    first = repo.commit("QP-001 rev A", date=day(1))
    check(repo, computed)
    repo.write("procedures/qp-001.md", document("## Purpose\n\nB.\n", revision="B"))
    repo.commit("QP-001 rev B", date=day(2))
    assert check(repo, computed) == "carried"

    # Rev B is dropped (a reset, as after a force-push) and another change made instead.
    repo.git("reset", "--hard", "--quiet", first)
    repo.write("procedures/qp-001.md", document("## Purpose\n\nOther.\n", revision="A"))
    repo.commit("Editorial fix\n\nEditorial-change: wording", date=day(3))
    assert check(repo, computed) == "carried"  # from rev A's history, not rev B's
    history = load_history(Repository(repo.path), scope=SCOPE)
    doc = history.get("procedures/qp-001.md")
    assert doc is not None
    assert [c.commit.subject for c in doc.changes] == ["QP-001 rev A", "Editorial fix"]

    # A line with no cached commit on it at all (a fresh root) is read in full.
    repo.git("checkout", "--quiet", "--orphan", "other")
    repo.write("procedures/qp-001.md", document(revision="Z"))
    repo.commit("Start again", date=day(4))
    assert check(repo, computed) == "full"


def test_the_cache_of_a_commit_git_no_longer_has_is_not_used(
    tmp_path: Path, computed: list[str]
) -> None:
    repo = GitRepo(tmp_path / "manual")
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("QP-001 rev A", date=day(1))
    repo.branch("gone")
    repo.write("procedures/qp-001.md", document("## Purpose\n\nX.\n", revision="X"))
    gone = repo.commit("On a branch that will be deleted", date=day(2))
    assert check(repo, computed) == "full"
    repo.checkout("main")
    repo.git("branch", "--quiet", "-D", "gone")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "--quiet", "--prune=now")
    cached = list((repo.path / ".git" / "qms-cache").glob(f"history-*{SUFFIX}"))
    assert [path.stem.endswith(gone) for path in cached] == [True]
    repo.write("procedures/qp-001.md", document("## Purpose\n\nB.\n", revision="B"))
    repo.commit("QP-001 rev B", date=day(3))
    assert check(repo, computed) == "full"


class _Runs:
    """Pickles as a call that writes a file when the pickle is loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


@pytest.mark.parametrize(
    "damage",
    ["garbage", "cut short", "a pickle", "code", "another object", "another commit"],
)
def test_a_damaged_cache_file_is_read_afresh(
    tmp_path: Path, computed: list[str], damage: str
) -> None:
    repo = GitRepo(tmp_path / "manual")
    repo.write("procedures/qp-001.md", document(revision="A"))
    first = repo.commit("QP-001 rev A", date=day(1))
    assert check(repo, computed) == "full"
    (cached,) = (repo.path / ".git" / "qms-cache").glob(f"history-*-{first}{SUFFIX}")
    data = cached.read_bytes()
    repo.write("procedures/qp-001.md", document("## Purpose\n\nB.\n", revision="B"))
    second = repo.commit("QP-001 rev B", date=day(2))
    if damage == "another commit":  # the history of rev B, filed under rev A
        load_history(Repository(repo.path), scope=SCOPE)
        (later,) = (repo.path / ".git" / "qms-cache").glob(f"history-*-{second}{SUFFIX}")
        data = later.read_bytes()
        later.unlink()
    damaged = {
        "garbage": b"\x80\x05not a marshal at all",
        "cut short": data[: len(data) // 2],
        # The old format, as a file someone planted: a pickle that would run code.
        "a pickle": pickle.dumps(_Runs(repo.path / "ran")),
        "code": marshal.dumps(compile(f"open({str(repo.path / 'ran')!r}, 'w')", "c", "exec")),
        "another object": marshal.dumps({"head": first}),
        "another commit": data,
    }[damage]
    cached.write_bytes(damaged)
    assert check(repo, computed) == "full"
    assert not (repo.path / "ran").exists()
    # And the damaged file is never read back as the history of its own commit.
    repo.git("reset", "--hard", "--quiet", first)
    assert check(repo, computed) == "full"


def test_a_generated_manual_carried_forward_equals_its_history_read_afresh(
    tmp_path: Path, computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merges, squashes, GitLab merges, moves and withdrawals, from the benchmark's generator."""
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    from gitgen import PROCEDURES_DIR, generate_repository

    root = tmp_path / "generated"
    generate_repository(root, docs=12, commits=160, seed=7)
    repo = GitRepo(root)
    line = repo.git("rev-list", "--first-parent", "--reverse", "HEAD").split()
    scope = (f"{PROCEDURES_DIR}/",)
    repo.git("branch", "--quiet", "--force", "probe", line[len(line) // 3])
    repo.checkout("probe")
    assert check(repo, computed, scope) == "full"
    for sha in line[len(line) // 3 + 1 :: 7] + line[-3:]:
        repo.git("reset", "--hard", "--quiet", sha)
        assert check(repo, computed, scope) == "carried"


def test_a_damaged_cache_file_gives_way_to_an_older_one_of_the_line(
    tmp_path: Path, computed: list[str]
) -> None:
    repo = GitRepo(tmp_path / "manual")
    repo.write("procedures/qp-001.md", document(revision="A"))
    repo.commit("QP-001 rev A", date=day(1))
    assert check(repo, computed) == "full"
    repo.write("procedures/qp-001.md", document("## Purpose\n\nB.\n", revision="B"))
    second = repo.commit("QP-001 rev B", date=day(2))
    assert check(repo, computed) == "carried"
    (newest,) = (repo.path / ".git" / "qms-cache").glob(f"history-*-{second}{SUFFIX}")
    newest.write_bytes(newest.read_bytes()[:100])
    repo.write("procedures/qp-001.md", document("## Purpose\n\nC.\n", revision="C"))
    repo.commit("QP-001 rev C", date=day(3))
    assert check(repo, computed) == "carried"  # from rev A's history, two commits back
