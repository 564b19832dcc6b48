"""What auditors read from history: evidence rules, the change log and the history export.

``history.py`` reads Git; this module interprets it with the organisation's conventions (which
trailers mean approval, which one marks an editorial change, who may be named as approver) and
turns it into findings and records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .approval import ApprovalPolicy
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
from .publication import IN_FORCE_STATUSES, WITHDRAWN_STATUSES, merged_on
from .reviews import REVIEW_TRAILER, ReviewRecord, reviews_in
from .trailers import covering, example, unnamed

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
    baseline: str | None = None  # commit or date up to which history is imported, unchecked
    repo_url: str | None = None
    policy: ApprovalPolicy = field(default_factory=ApprovalPolicy)  # roles, who may approve
    review_trailer: str = REVIEW_TRAILER


def names_match(approved_by: str, person: Person, options: HistoryOptions) -> bool:
    """Whether the front matter's ``approved_by`` entry names this Git identity, directly or
    through ``roles`` (or the older ``approvers``: a role mapped to the people who hold it)."""
    if person.is_named_by(approved_by) or options.policy.roles.names(approved_by, person):
        return True
    role = identity_key(approved_by)[0]
    return any(
        identity_key(name)[0] == role and any(person.is_named_by(a) for a in aliases)
        for name, aliases in options.approvers.items()
    )


def is_editorial(commit: Commit, options: HistoryOptions, doc_id: str | None) -> bool:
    """Whether ``commit`` carries an editorial waiver naming ``doc_id``."""
    return any(covering([commit], options.editorial_trailer, doc_id))


def editorial_reason(commit: Commit, options: HistoryOptions, doc_id: str | None) -> str | None:
    """What the waiver for ``doc_id`` in ``commit`` says, if it has one."""
    found = next(covering([commit], options.editorial_trailer, doc_id), None)
    return found[1].reason if found else None


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


def after_baseline(change: Change, position: int | None, day: dt.date | None) -> bool:
    """Whether a change comes after ``history_baseline``: a commit of the published line (its
    ``position``) or the ``day`` up to which history was imported. Earlier changes are taken at
    their word."""
    if position is not None and change.position <= position:
        return False
    if day is not None:
        merged = merged_on(change)
        return merged is None or merged > day
    return True


@dataclass(frozen=True)
class HistoryContext:
    history: History
    options: HistoryOptions
    baseline_position: int | None  # changes at or before this position are not checked
    repo_path: Callable[[Document], str]  # a document's path inside the repository
    today: dt.date | None = None  # for revisions not merged yet (None: no date rules)
    # First-parent commits that are not on the published branch yet: the change a pull request
    # proposes (`qms check --base`, `change_base`). The change rules judge them; the history
    # rules judge only what was merged.
    proposal: frozenset[str] = frozenset()
    baseline_date: dt.date | None = None  # changes merged on or before it are not checked
    folder_path: Callable[[Document], str] = lambda doc: doc.path  # below procedures_dir

    def after_baseline(self, change: Change) -> bool:
        """Whether a change comes after the imported history (and so is checked)."""
        return after_baseline(change, self.baseline_position, self.baseline_date)

    def merged(self, change: Change) -> bool:
        """Whether a change is on the published branch (not part of the proposed change)."""
        return change.commit.sha not in self.proposal

    def checked(self, change: Change) -> bool:
        return self.after_baseline(change) and self.merged(change)

    def approved_by_in(self, sha: str) -> tuple[str, ...]:
        """The ``approved_by`` entries of every document a commit changed: one merge can land
        several documents approved by different people."""
        return self.history.approved_by_by_commit.get(sha, ())


def _finding(doc: Document, rule: str, message: str, field: str | None) -> Finding:
    line = doc.line(field) if field else None
    return Finding(doc.path, line or (1 if doc.lines else None), rule, message, doc.doc_id, field)


def _describe(commit: Commit) -> str:
    ref = f" ({commit.change_ref})" if commit.change_ref else ""
    return f'{commit.short}{ref} of {commit.day}, "{commit.subject}"'


def history_findings(documents: Sequence[Document], context: HistoryContext) -> list[Finding]:
    """The rules on each document's revision in force against Git: approval evidence and who
    approved it, unrevised changes, and its dates against the day it was merged."""
    findings: list[Finding] = []
    options = context.options
    for doc in documents:
        if doc.doc_id is None:
            continue
        record = context.history.get(context.repo_path(doc))
        findings.extend(_dates(doc, record, context))
        if record is None:
            continue
        current = record.current_revision()
        if current is None or current.revision != doc.revision:
            continue  # a new revision not committed yet: nothing in Git to compare with
        current = Revision(current.revision, _current_changes(record, current))
        checked = [c for c in current.changes if context.checked(c)]
        if not checked:
            continue
        findings.extend(_unreadable(doc, current, checked, options))
        findings.extend(_unrevised(doc, current, checked, options))
        # A periodic review's approval confirms the revision; it is not the approval of it.
        reviews = reviews_in(record, doc.doc_id, options.review_trailer, options.approval_trailers)
        reviewed = {id(record.changes[index]) for index in reviews}
        approvals = [c for c in checked if id(c) not in reviewed]
        if approvals:
            findings.extend(_evidence(doc, current, approvals, options))
        findings.extend(_who_approved(doc, checked, context))
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
    """A published text that changed without a new revision, unless the change that landed it
    (the merge or squash commit carrying the approval) waives the revision for this document.
    Drafts change freely: only a change to a text that was published counts."""
    key = options.editorial_trailer
    judged = {id(change) for change in checked}
    published = IN_FORCE_STATUSES + WITHDRAWN_STATUSES
    for index, change in enumerate(current.changes):
        if index == 0 or id(change) not in judged or change.kind == "deleted":
            continue
        before = current.changes[index - 1].snapshot
        if not change.body_changed or (before and before.text("status")) not in published:
            continue
        if is_editorial(change.commit, options, doc.doc_id):
            continue
        requests = list(covering(change.drafting, key, doc.doc_id))
        blank = list(unnamed([change.commit, *change.drafting], key))
        if requests:
            asked, trailer = requests[0]
            hint = (
                f"; {asked.author.name} asked for an editorial change in the drafting commit "
                f'{asked.short} ("{trailer.reason}"), but an editorial change is the '
                "approver's decision and counts only in the merge or squash message that "
                f"carries the approval ('{example(key, doc.doc_id, trailer.reason)}')"
            )
        elif blank:
            where, trailer = blank[0]
            hint = (
                f"; the '{key}: {trailer.value}' trailer in {where.short} names no document: "
                f"a waiver names the documents it covers ('{example(key, doc.doc_id)}')"
            )
        else:
            hint = (
                f"; if it only corrected wording, the merge or squash message says so with "
                f"'{example(key, doc.doc_id)}'"
            )
        yield _finding(
            doc,
            "unrevised-change",
            f"the text changed in {_describe(change.commit)} but the revision stayed "
            f"{current.revision}: give the change a new revision{hint}. To recover, merge the "
            "next revision (see docs/document-control-workflow.md)",
            "revision",
        )


def _first_approval(record: DocumentHistory | None, revision: str | None) -> Change | None:
    """The change that first brought ``revision``, approved, onto the line."""
    if record is None:
        return None
    runs = [r for r in record.revisions() if r.revision == revision]
    for change in runs[-1].changes if runs else ():
        status = change.snapshot.text("status") if change.snapshot else None
        if change.kind != "deleted" and status in IN_FORCE_STATUSES:
            return change
    return None


def _dates(
    doc: Document, record: DocumentHistory | None, context: HistoryContext
) -> Iterable[Finding]:
    """A revision is in force at the earliest on the day its approval was merged onto the
    published branch (the publication model's ``approved_on``), and was approved by then."""
    if doc.status not in IN_FORCE_STATUSES or context.today is None:
        return
    first = _first_approval(record, doc.revision)
    if first is not None and not context.after_baseline(first):
        return  # imported history: taken at its word
    # The day of the merge: the publication model's ``approved_on``; today for a revision not
    # merged yet (the earliest day it can be).
    day = merged_on(first) if first is not None and context.merged(first) else None
    if day is not None and first is not None:
        when = f"{day}, the day revision {doc.revision} was merged ({_describe(first.commit)})"
    else:
        day = context.today
        when = (
            f"{day} (today): revision {doc.revision} is not on the published branch yet, "
            "and it cannot be in force before it is merged"
        )
    effective = doc.effective_date
    if effective is not None and effective < day:
        yield _finding(
            doc,
            "effective-before-merge",
            f"effective_date {effective} is before {when}; a revision is in force from the "
            f"day its approval is published at the earliest: set effective_date to {day} "
            "or later (history imported from an earlier system is exempt: see "
            "history_baseline)",
            "effective_date",
        )
    approved = doc.approval_date
    if approved is not None and approved > day:
        yield _finding(
            doc,
            "approved-after-merge",
            f"approval_date {approved} is after {when}; a revision is approved before it is "
            "merged: correct approval_date to the day the approver approved it",
            "approval_date",
        )


def _who_approved(
    doc: Document, checked: list[Change], context: HistoryContext
) -> Iterable[Finding]:
    """Everyone Git records as approving the revision in force may approve it, and is not its
    owner (``approval_authority``, ``approver_is_owner``)."""
    options = context.options
    policy = options.policy
    if doc.status not in IN_FORCE_STATUSES:
        return
    rule = policy.rule_for(doc, context.folder_path(doc)) if policy.authority else None
    seen: set[Person] = set()
    for change in checked:
        # A merge that lands several documents carries every approver's trailer: a trailer
        # naming the approver of another document of the merge (and not this one's) is theirs.
        others = [
            name
            for name in context.approved_by_in(change.commit.sha)
            if name not in doc.approved_by
        ]
        for value in change.commit.trailer_values(options.approval_trailers):
            person = Person.parse(value)
            if person in seen:
                continue
            mine = any(names_match(name, person, options) for name in doc.approved_by)
            if not mine and any(names_match(name, person, options) for name in others):
                continue
            seen.add(person)
            where = _describe(change.commit)
            if rule is not None and not policy.may_approve_person(rule, person):
                yield _finding(
                    doc,
                    "approval-authority",
                    f"Git records revision {doc.revision} as approved by {person} (in {where}), "
                    f"who may not approve {rule.describe()}: approval_authority (entry "
                    f"{rule.number}) allows {', '.join(rule.approvers)}; have one of them "
                    "approve the next revision, or, if the person holds that role, list them "
                    "under the qms plugin's 'roles'",
                    "approved_by",
                )
            if policy.approver_is_owner != "off" and policy.person_is_owner(doc, person):
                yield _finding(
                    doc,
                    "approver-is-owner",
                    f"Git records revision {doc.revision} as approved by {person} (in {where}), "
                    f"who is the document's owner ({doc.owner}); another competent person "
                    "approves the owner's changes",
                    "approved_by",
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
        "editorial": is_editorial(
            commit, options, change.snapshot.text("doc_id") if change.snapshot else None
        ),
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


# What one change on the published branch did to a document (the change log says it in words).
NEW_REVISION = "revision"  # a new revision: its change summary says what changed
STATUS = "status"  # the same revision moved on (approved, effective, superseded, obsolete)
EDITORIAL = "editorial"  # the text corrected under an approver's editorial waiver
REVIEW = "review"  # a periodic review recorded, nothing else changed
DETAILS = "details"  # other front-matter fields of the same revision
WORK = "work"  # a draft or a revision in review: not approved, not in force
UNREVISED = "unrevised"  # the text changed and the revision did not (a finding of its own)

_STATUS_WORDS = {
    "approved": "approved",
    "effective": "marked effective",
    "superseded": "marked superseded",
    "obsolete": "withdrawn (obsolete)",
}


@dataclass(frozen=True)
class LogEntry:
    """One row of the change log: an approved change to one document."""

    doc: Document
    change: Change
    revision: str | None
    summary: str | None
    approvers: tuple[Person, ...]
    review: ReviewRecord | None = None  # a review-only change: not a revision, not a text change
    kind: str = NEW_REVISION
    what: str = ""  # what this change did, in words
    reviewers: tuple[Person, ...] = ()


def _status(change: Change | None) -> str | None:
    return change.snapshot.text("status") if change and change.snapshot else None


def describe_change(
    change: Change,
    previous: Change | None,
    review: ReviewRecord | None,
    options: HistoryOptions,
    doc_id: str | None,
) -> tuple[str, str]:
    """What ``change`` did to the document after ``previous`` (its change before): the kind
    (see the constants above) and a sentence for the change log. Only a new revision is
    described by its change summary; a later change of the same revision by what it did."""
    snapshot = change.snapshot
    status = _status(change)
    summary = snapshot.text("change_summary") if snapshot else None
    if review is not None:
        return REVIEW, review.label.capitalize()
    if status in ("draft", "in_review"):
        word = "In review" if status == "in_review" else "Draft"
        return WORK, f"{word}: {summary or change.commit.title}"
    if previous is None or previous.revision != change.revision:
        return NEW_REVISION, summary or change.commit.title
    reason = editorial_reason(change.commit, options, doc_id)
    if change.body_changed:
        if reason is not None:
            return EDITORIAL, "Editorial correction" + (f": {reason}" if reason else "")
        return UNREVISED, f"Text changed without a new revision: {change.commit.title}"
    before = _status(previous)
    if status != before and status in _STATUS_WORDS:
        words = _STATUS_WORDS[status]
        successor = snapshot.text("superseded_by") if snapshot else None
        if status == "superseded" and successor:
            words += f", replaced by {successor}"
        return STATUS, f"Revision {change.revision} {words}"
    return DETAILS, f"Revision {change.revision}, no change of text: {change.commit.title}"


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
        reviews = reviews_in(record, doc.doc_id, options.review_trailer, options.approval_trailers)
        previous: Change | None = None
        for index, change in enumerate(record.changes):
            snapshot = change.snapshot
            commit = change.commit
            approvers = tuple(
                Person.parse(v) for v in commit.trailer_values(options.approval_trailers)
            )
            reviewers = tuple(
                Person.parse(v) for v in commit.trailer_values(options.review_trailers)
            )
            review = reviews.get(index)
            kind, what = describe_change(change, previous, review, options, doc.doc_id)
            entries.append(
                LogEntry(
                    doc,
                    change,
                    change.revision,
                    snapshot.text("change_summary") if snapshot else None,
                    approvers,
                    review,
                    kind,
                    what,
                    tuple(dict.fromkeys(reviewers)),
                )
            )
            if change.kind != "deleted":
                previous = change
    entries.sort(key=lambda e: (-e.change.position, e.doc.doc_id or e.doc.path))
    return entries
