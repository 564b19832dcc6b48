"""What auditors read from history: evidence rules, the change log and the history export.

``history.py`` reads Git; this module interprets it with the organisation's conventions (which
trailers mean approval, which one marks an editorial change, who may be named as approver) and
turns it into findings and records.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .documents import Document
from .findings import Finding
from .history import (
    Change,
    ChangeRef,
    Commit,
    DocumentHistory,
    History,
    Person,
    Revision,
    identity_key,
)

HISTORY_FORMAT = "mkdocs-qms/history"
HISTORY_VERSION = 1


@dataclass(frozen=True)
class HistoryOptions:
    """The organisation's Git conventions for approvals."""

    approval_trailers: tuple[str, ...] = ("Approved-by",)
    review_trailers: tuple[str, ...] = ("Reviewed-by",)
    editorial_trailer: str = "Editorial-change"
    # approved_by as written in front matter -> the Git identities (names or emails) it stands for
    approvers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    approval_evidence: str = "check"  # check (a mismatch is a finding), require, off
    baseline: str | None = None  # commit from which history rules apply (inclusive of later)
    repo_url: str | None = None


def names_match(approved_by: str, person: Person, options: HistoryOptions) -> bool:
    """Whether the front matter's ``approved_by`` entry names this Git identity, directly or
    through the ``approvers`` option (a role mapped to the people who hold it)."""
    if person.is_named_by(approved_by):
        return True
    role = identity_key(approved_by)[0]
    return any(
        identity_key(name)[0] == role and any(person.is_named_by(a) for a in aliases)
        for name, aliases in options.approvers.items()
    )


def is_editorial(commit: Commit, options: HistoryOptions) -> bool:
    return bool(commit.trailer_values([options.editorial_trailer]))


def commit_url(commit: Commit, repo_url: str | None) -> str | None:
    """A link to the commit on GitHub or GitLab (GitLab's paths have ``/-/``)."""
    if not repo_url:
        return None
    base = repo_url.rstrip("/")
    separator = "/-" if "gitlab" in base.casefold() else ""
    return f"{base}{separator}/commit/{commit.sha}"


def change_url(commit: Commit, repo_url: str | None) -> str | None:
    """A link to the pull request the change came through, else to the commit."""
    ref = commit.change_ref
    if not repo_url or ref is None:
        return commit_url(commit, repo_url)
    base = repo_url.rstrip("/")
    path = {"gitlab": "-/merge_requests", "github": "pull", "bitbucket": "pull-requests"}
    return f"{base}/{path[ref.host]}/{ref.number}"


# --- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryContext:
    history: History
    options: HistoryOptions
    baseline_position: int | None  # changes at or before this position are not checked
    repo_path: Callable[[Document], str]  # a document's path inside the repository


def _after_baseline(change: Change, context: HistoryContext) -> bool:
    return context.baseline_position is None or change.position > context.baseline_position


def _finding(doc: Document, rule: str, message: str, field: str | None) -> Finding:
    line = doc.line(field) if field else None
    return Finding(doc.path, line or (1 if doc.lines else None), rule, message, doc.doc_id, field)


def _describe(commit: Commit) -> str:
    ref = f" ({commit.change_ref})" if commit.change_ref else ""
    return f'{commit.short}{ref} of {commit.day}, "{commit.subject}"'


def history_findings(documents: Sequence[Document], context: HistoryContext) -> list[Finding]:
    """Approval evidence and unrevised changes, for each document's revision in force."""
    findings: list[Finding] = []
    options = context.options
    for doc in documents:
        if doc.doc_id is None:
            continue
        record = context.history.get(context.repo_path(doc))
        if record is None:
            continue
        current = record.current_revision()
        if current is None or current.revision != doc.revision:
            continue  # a new revision not committed yet: nothing in Git to compare with
        current = Revision(current.revision, _current_changes(record, current))
        checked = [c for c in current.changes if _after_baseline(c, context)]
        if not checked:
            continue
        findings.extend(_unreadable(doc, current, checked, options))
        findings.extend(_unrevised(doc, current, checked, options))
        findings.extend(_evidence(doc, current, checked, options))
    return findings


def _current_changes(record: DocumentHistory, current: Revision) -> list[Change]:
    """The changes of the revision in force, with the versions among or just before them whose
    revision could not be read: they count with the revision around them, so that a version
    that could not be read neither hides a change of text nor escapes the rules."""
    changes = record.changes
    start = len(changes)
    while start and (
        changes[start - 1].revision == current.revision or _unread_revision(changes[start - 1])
    ):
        start -= 1
    return changes[start:]


def _unread_revision(change: Change) -> bool:
    snapshot = change.snapshot
    return snapshot is not None and snapshot.problem is not None and change.revision is None


def _unreadable(
    doc: Document, current: Revision, checked: list[Change], options: HistoryOptions
) -> Iterable[Finding]:
    for change in checked:
        problem = change.snapshot.problem if change.snapshot else None
        if problem is None or change.kind == "deleted":
            continue
        yield _finding(
            doc,
            "unreadable-version",
            f"the version committed in {_describe(change.commit)} has front matter that "
            f"cannot be read ({problem}), so its revision and approval cannot be checked. "
            "The file is correct now, but Git keeps that version: give the document a new "
            "revision, or, if that version was never in force, set the qms plugin's "
            "'history_baseline' to a later commit",
            None,
        )


def _unrevised(
    doc: Document, current: Revision, checked: list[Change], options: HistoryOptions
) -> Iterable[Finding]:
    first = current.changes[0]
    for change in checked:
        if change is first or change.kind == "deleted" or not change.body_changed:
            continue
        if is_editorial(change.commit, options) or any(
            is_editorial(c, options) for c in change.drafting
        ):
            continue
        yield _finding(
            doc,
            "unrevised-change",
            f"the text changed in {_describe(change.commit)} but the revision stayed "
            f"{current.revision}; give the change a new revision, or, if it only corrected "
            f"wording, say so with an '{options.editorial_trailer}: <reason>' trailer in the "
            "merge or squash message",
            "revision",
        )


def _evidence(
    doc: Document, current: Revision, checked: list[Change], options: HistoryOptions
) -> Iterable[Finding]:
    if options.approval_evidence == "off" or doc.status in ("draft", "in_review"):
        return
    approvers = Revision(current.revision, checked).approvers(options.approval_trailers)
    trailer = options.approval_trailers[0] if options.approval_trailers else "Approved-by"
    named = doc.approved_by
    if not approvers:
        if options.approval_evidence == "require":
            yield _finding(
                doc,
                "approval-evidence",
                f"Git records no approval of revision {current.revision}: no "
                f"'{trailer}:' trailer in {_describe(checked[-1].commit)}; merge pull requests "
                "with the approvers' trailers (see docs/ci-setup.md)",
                "approved_by",
            )
        return
    if not named:
        return  # the approval-missing rule already reports it
    for name in named:
        if not any(names_match(name, person, options) for person in approvers):
            people = ", ".join(str(p) for p in approvers)
            yield _finding(
                doc,
                "approval-evidence",
                f"approved_by names {name}, but Git records revision {current.revision} as "
                f"approved by {people}; correct approved_by, or map the name to the person's "
                "Git identity with the qms plugin's 'approvers' option",
                "approved_by",
            )


# --- records ------------------------------------------------------------------------------------


def _person(person: Person | None) -> dict[str, str] | None:
    return {"name": person.name, "email": person.email} if person else None


def _people(values: Iterable[str]) -> list[dict[str, str] | None]:
    return [_person(Person.parse(v)) for v in values]


def _ref(ref: ChangeRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"host": ref.host, "number": ref.number, "label": str(ref), "project": ref.project}


def change_record(change: Change, options: HistoryOptions) -> dict[str, Any]:
    commit = change.commit
    return {
        "sha": commit.sha,
        "date": commit.committer_date or None,
        "author_date": commit.author_date or None,
        "author": _person(commit.author),
        "committer": _person(commit.committer),
        "subject": commit.subject,
        "body": commit.body,
        "trailers": [[k, v] for k, v in commit.trailers],
        "kind": change.kind,
        "path": change.path,
        "old_path": change.old_path,
        "revision": change.revision,
        "body_changed": change.body_changed,
        "editorial": is_editorial(commit, options),
        "change_ref": _ref(commit.change_ref),
        "change_url": change_url(commit, options.repo_url),
        "approvers": _people(commit.trailer_values(options.approval_trailers)),
        "reviewers": _people(commit.trailer_values(options.review_trailers)),
        "co_authors": _people(commit.trailer_values(["Co-authored-by"])),
        "merger": _person(commit.merger),
        "signature": commit.signature,
        "drafting": [
            {
                "sha": d.sha,
                "date": d.committer_date or None,
                "author_date": d.author_date or None,
                "author": _person(d.author),
                "subject": d.subject,
            }
            for d in change.drafting
        ],
    }


def revision_record(revision: Revision, options: HistoryOptions) -> dict[str, Any]:
    last = revision.last.snapshot
    return {
        "revision": revision.revision,
        "status": revision.field("status"),
        "effective_date": revision.field("effective_date"),
        "approved_by": list(last.texts("approved_by")) if last else [],
        "approvers": [_person(p) for p in revision.approvers(options.approval_trailers)],
        "change_summary": revision.field("change_summary"),
        "first_date": revision.changes[0].commit.committer_date or None,
        "last_date": revision.last.commit.committer_date or None,
        "commits": [c.commit.sha for c in reversed(revision.changes)],
    }


def document_record(
    record: DocumentHistory, options: HistoryOptions, url: str | None = None
) -> dict[str, Any]:
    latest = next((c.snapshot for c in reversed(record.changes) if c.snapshot), None)
    return {
        "path": record.path,
        "doc_id": latest.text("doc_id") if latest else None,
        "title": latest.text("title") if latest else None,
        "url": url,
        "paths": list(record.paths),
        "deleted": record.deleted,
        "revisions": [revision_record(r, options) for r in reversed(record.revisions())],
        "commits": [change_record(c, options) for c in reversed(record.changes)],
    }


def history_json(
    history: History, records: Sequence[tuple[DocumentHistory, str | None]], options: HistoryOptions
) -> str:
    """``qms/history.json``: every revision and approved change of the given documents."""
    head = {
        "format": HISTORY_FORMAT,
        "version": HISTORY_VERSION,
        "head": history.head,
        "shallow": history.shallow,
    }
    # One document per line: compact enough for thousands of documents (json's C encoder only
    # runs without indentation), and still readable and diffable line by line.
    lines = [json.dumps(document_record(r, options, url), ensure_ascii=False) for r, url in records]
    opening = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    documents = "[\n" + ",\n".join(lines) + "\n ]" if lines else "[]"
    return f'{opening},\n "documents": {documents}\n}}\n'


@dataclass(frozen=True)
class LogEntry:
    """One row of the change log: an approved change to one document."""

    doc: Document
    change: Change
    revision: str | None
    summary: str | None
    approvers: tuple[Person, ...]


def change_log(
    documents: Sequence[Document],
    history: History,
    repo_path: Callable[[Document], str],
    options: HistoryOptions,
) -> list[LogEntry]:
    """Every approved change of every controlled document, newest first."""
    entries: list[LogEntry] = []
    for doc in documents:
        record = history.get(repo_path(doc))
        if record is None:
            continue
        for change in record.changes:
            snapshot = change.snapshot
            approvers = tuple(
                Person.parse(v) for v in change.commit.trailer_values(options.approval_trailers)
            )
            entries.append(
                LogEntry(
                    doc,
                    change,
                    change.revision,
                    snapshot.text("change_summary") if snapshot else None,
                    approvers,
                )
            )
    entries.sort(key=lambda e: (-e.change.position, e.doc.doc_id or e.doc.path))
    return entries
