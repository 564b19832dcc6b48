"""The publication model on real Git histories: in force, pending, work in progress, withdrawn."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qms_plugin.core.git import Repository
from qms_plugin.core.history import load_history
from qms_plugin.core.manual import DocumentSet, Settings
from qms_plugin.core.publication import Publication, Publications, build_publications
from tests.conftest import document
from tests.gitrepo import GitRepo

RUTH = ("Ruth Okafor", "ruth@kestrel.example")
TOM = ("Tomasz Nowak", "tom@kestrel.example")
QP = "procedures/qp-001.md"


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> str:
    """A commit timestamp at noon UTC on the day."""
    return f"{text}T12:00:00+00:00"


def publish(repo: GitRepo, baseline: str | None = None, history: bool = True) -> Publications:
    docset = DocumentSet.load(Settings(root=repo.path, today=day("2026-11-23")))
    record = load_history(Repository(repo.path), scope=("procedures/",), cache=False)
    position = record.position(baseline) if baseline else None
    return build_publications(
        docset.documents,
        (lambda doc: record.get(doc.path)) if history else None,
        checked=lambda change: position is None or change.position > position,
        uncommitted=lambda doc: Repository(repo.path).status([doc.path]).get(doc.path),
    )


def of(publications: Publications, path: str = QP) -> Publication:
    found = publications.by_path[path]
    assert found is not None
    return found


def revise(repo: GitRepo, when: str, path: str = QP, message: str = "", **fields: object) -> str:
    """Commit a version of the document (fields over the defaults) on ``when``."""
    body = str(fields.pop("body", f"## Purpose\n\nText of revision {fields.get('revision')}.\n"))
    repo.write(path, document(body, **fields))
    return repo.commit(message or f"{path} {fields.get('revision')}", author=TOM, date=at(when))


def in_force(publication: Publication, when: str) -> str | None:
    found = publication.in_force(day(when))
    return found.revision if found else None


def test_a_pending_revision_comes_into_force_on_its_effective_date(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B", effective_date="2026-01-12")
    revise(
        repo,
        "2026-02-10",
        revision="C",
        status="approved",
        approval_date="2026-02-09",
        effective_date="2026-03-01",
        change_summary="Six-monthly checks.",
    )
    pub = of(publish(repo))
    assert in_force(pub, "2026-01-11") is None  # before revision B's day
    assert in_force(pub, "2026-01-12") == "B"  # the day itself
    assert in_force(pub, "2026-02-28") == "B"
    assert [r.revision for r in pub.pending(day("2026-02-28"))] == ["C"]
    assert in_force(pub, "2026-03-01") == "C"  # the effective day is in force
    assert pub.pending(day("2026-03-01")) == []
    assert pub.state(day("2026-02-28")) == "current"
    b, c = pub.revisions
    assert (b.starts, b.ends) == (day("2026-01-12"), day("2026-03-01"))
    assert b.in_force_on(day("2026-02-28")) and not b.in_force_on(day("2026-03-01"))
    assert pub.standing(b, day("2026-02-28")) == "in_force"
    assert pub.standing(b, day("2026-03-01")) == "replaced"
    assert pub.standing(c, day("2026-02-28")) == "pending"
    assert (c.starts, c.ends) == (day("2026-03-01"), None)
    assert c.approved_on == day("2026-02-10") and c.summary == "Six-monthly checks."


def test_a_revision_in_review_does_not_replace_the_one_in_force(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B", effective_date="2026-01-12")
    revise(
        repo,
        "2026-06-01",
        revision="C",
        status="in_review",
        approved_by=None,
        approval_date=None,
        effective_date=None,
    )
    pub = of(publish(repo))
    assert in_force(pub, "2026-11-23") == "B"
    assert pub.shown(day("2026-11-23")).revision == "B"  # type: ignore[union-attr]
    assert pub.work is not None and (pub.work.revision, pub.work.status) == ("C", "in_review")
    assert pub.work.committed and pub.work.blob
    assert pub.state(day("2026-11-23")) == "current"


def test_a_first_issue_in_draft_has_nothing_in_force(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(
        repo,
        "2026-06-01",
        revision="A",
        status="draft",
        approved_by=None,
        approval_date=None,
        effective_date=None,
    )
    pub = of(publish(repo))
    assert pub.revisions == () and pub.shown(day("2026-11-23")) is None
    assert pub.state(day("2026-11-23")) == "draft"


def test_a_backdated_revision_is_in_force_from_its_merge_only(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    first = revise(repo, "2026-01-05", revision="B", effective_date="2025-05-01")
    pub = of(publish(repo))
    assert in_force(pub, "2025-06-01") is None
    assert in_force(pub, "2026-01-04") is None and in_force(pub, "2026-01-05") == "B"
    # Up to the baseline (history imported from an earlier system) dates are taken as written.
    imported = of(publish(repo, baseline=first))
    assert in_force(imported, "2025-05-01") == "B" and in_force(imported, "2025-04-30") is None


def test_a_revision_overtaken_before_its_day_is_never_in_force(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B", effective_date="2026-01-12")
    revise(repo, "2026-02-01", revision="C", status="approved", effective_date="2026-03-10")
    revise(repo, "2026-02-20", revision="D", status="approved", effective_date="2026-03-05")
    pub = of(publish(repo))
    c = pub.by_revision["C"]
    assert not c.ever_in_force
    assert pub.by_revision["B"].ends == day("2026-03-05")  # the earliest later start ends it
    assert [in_force(pub, d) for d in ("2026-03-04", "2026-03-05", "2026-03-11")] == ["B", "D", "D"]
    assert [r.revision for r in pub.pending(day("2026-03-01"))] == ["D"]


def test_an_editorial_change_keeps_the_revision_and_shows_the_corrected_text(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B", body="Teh text.\n")
    second = revise(repo, "2026-02-05", revision="B", body="The text.\n")
    [b] = of(publish(repo)).revisions
    assert b.approved_on == day("2026-01-05")  # approved when first merged
    assert b.change is not None and b.change.commit.sha == second  # the corrected text


def test_a_superseded_document_stays_in_force_until_its_successor_is(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="C", effective_date="2026-01-12")
    successor = "procedures/qp-002.md"
    revise(
        repo,
        "2026-11-16",
        revision="C",
        status="superseded",
        superseded_by="QP-002",
        message="Supersede QP-001",
    )
    revise(
        repo,
        "2026-11-17",
        path=successor,
        doc_id="QP-002",
        revision="A",
        status="approved",
        approval_date="2026-11-16",
        effective_date="2026-12-14",
        supersedes=["QP-001"],
    )
    pubs = publish(repo)
    old, new = of(pubs), of(pubs, successor)
    assert old.withdrawal is not None and old.withdrawal.starts == day("2026-12-14")
    assert old.state(day("2026-12-13")) == "current" and in_force(old, "2026-12-13") == "C"
    assert new.state(day("2026-12-13")) == "pending"
    assert old.state(day("2026-12-14")) == "superseded" and in_force(old, "2026-12-14") is None
    assert new.state(day("2026-12-14")) == "current"
    # Withdrawn, its page keeps showing the last revision in force, for reference.
    assert old.shown(day("2027-01-01")).revision == "C"  # type: ignore[union-attr]


def test_a_supersession_waits_for_a_successor_that_is_not_approved(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="C")
    revise(repo, "2026-06-01", revision="C", status="superseded", superseded_by="QP-002")
    revise(
        repo,
        "2026-06-01",
        path="procedures/qp-002.md",
        doc_id="QP-002",
        revision="A",
        status="draft",
        approved_by=None,
        approval_date=None,
        effective_date=None,
    )
    old = of(publish(repo))
    assert old.withdrawal is not None and old.withdrawal.waiting
    assert old.state(day("2030-01-01")) == "current"


def test_a_successor_already_in_force_withdraws_on_the_merge_day(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="C")
    revise(repo, "2026-01-05", path="procedures/qp-002.md", doc_id="QP-002", revision="A")
    revise(repo, "2026-06-01", revision="C", status="superseded", superseded_by="QP-002")
    old = of(publish(repo))
    assert old.withdrawal is not None and old.withdrawal.starts == day("2026-06-01")
    assert old.state(day("2026-05-31")) == "current"
    assert old.state(day("2026-06-01")) == "superseded"


def test_obsolescence_takes_effect_on_its_withdrawal_date(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B")
    revise(
        repo,
        "2026-11-16",
        revision="B",
        status="obsolete",
        obsolete_reason="No longer used.",
        withdrawal_date="2026-12-07",
    )
    pub = of(publish(repo))
    assert pub.withdrawal is not None and pub.withdrawal.reason == "No longer used."
    assert pub.state(day("2026-12-06")) == "current"
    assert pub.state(day("2026-12-07")) == "obsolete"


def test_obsolescence_without_a_date_takes_effect_when_merged(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B")
    revise(repo, "2026-03-02", revision="B", status="obsolete", obsolete_reason="Withdrawn.")
    # A later correction of the withdrawn document does not move the day of its withdrawal.
    revise(repo, "2026-04-01", revision="B", status="obsolete", obsolete_reason="No use.")
    pub = of(publish(repo))
    assert pub.state(day("2026-03-01")) == "current"
    assert pub.state(day("2026-03-02")) == "obsolete"
    assert pub.withdrawal is not None and pub.withdrawal.reason == "No use."


def test_a_revision_sent_back_to_draft_is_not_work_in_progress(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="C")
    revise(repo, "2026-02-05", revision="C", status="draft", approved_by=None)
    pub = of(publish(repo))
    assert pub.work is None and in_force(pub, "2026-03-01") == "C"


def test_a_withdrawal_date_before_the_merge_counts_from_the_merge(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B")
    revise(
        repo,
        "2026-03-02",
        revision="B",
        status="obsolete",
        obsolete_reason="Withdrawn.",
        withdrawal_date="2026-02-01",
    )
    pub = of(publish(repo))
    assert pub.state(day("2026-02-15")) == "current"
    assert pub.withdrawal is not None and pub.withdrawal.starts == day("2026-03-02")


def test_an_uncommitted_change_of_status_is_work_an_edit_is_not(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="C")
    repo.write(QP, document("Edited.\n", revision="C"))
    assert of(publish(repo)).work is None  # the same revision: an edit, not a new revision
    repo.write(QP, document(revision="C", status="obsolete", obsolete_reason="Gone."))
    work = of(publish(repo)).work
    assert work is not None and (work.status, work.committed) == ("obsolete", False)


def test_uncommitted_work_is_not_published(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="B")
    repo.write(QP, document("New text.\n", revision="C", status="draft", approved_by=None))
    pub = of(publish(repo))
    assert in_force(pub, "2026-11-23") == "B"
    assert pub.work is not None and not pub.work.committed and pub.work.revision == "C"


def test_without_history_the_file_is_all_there_is(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    revise(repo, "2026-01-05", revision="C", status="approved", effective_date="2026-12-07")
    pub = of(publish(repo, history=False))
    assert not pub.in_git and [r.revision for r in pub.revisions] == ["C"]
    assert pub.state(day("2026-12-06")) == "pending" and pub.state(day("2026-12-07")) == "current"
