"""The controlled state: which revision of each document is in force on a given day.

From a document's approved changes in Git and a day, the model decides which revision is *in
force*, which are *pending* (approved, not in force yet), which revision is *work in progress*
(a draft or a revision in review, newer than the last approved one) and whether, and from when,
the document is *withdrawn* (superseded or obsolete). It answers for any day, past or future: the
document's page asks it for "today", the manual as of a date and ``qms register --as-of`` for the
day they are given.

The rules of time:

- A revision is in force from its effective date, but never before the day its approval reached
  the published branch: a revision merged after the effective date it states was not in force
  before the merge. History up to the configured baseline (imported from an earlier system) is
  taken at its word.
- It stays in force until a later revision of the document comes into force, or the document is
  withdrawn.
- A withdrawal takes effect on a day of its own: ``withdrawal_date`` where given; for a superseded
  document, the first day on which its successor is in force, so that there is never a day
  without a usable document; otherwise the day the withdrawal was merged. Until then the
  document's last approved revision stays in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from .documents import Document
from .history import Change, DocumentHistory, Revision, Snapshot

IN_FORCE_STATUSES = ("approved", "effective")
WITHDRAWN_STATUSES = ("superseded", "obsolete")
WORK_STATUSES = ("draft", "in_review")


def parse_day(text: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` date (or the date part of an ISO timestamp); None if it is not one."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def merged_on(change: Change) -> dt.date | None:
    """The calendar day (in the committer's own time zone) a change reached the branch."""
    return parse_day(change.commit.committer_date)


@dataclass(frozen=True)
class PublishedRevision:
    """An approved revision of a document, and the days it is in force.

    ``starts`` is the first day in force (None: never, for want of an effective date); ``ends``
    the first day it no longer is (None: open-ended). A revision overtaken by a later one before
    its own day came is never in force: ``ends`` is then on or before ``starts``.
    """

    doc_id: str | None
    revision: str | None
    status: str
    effective_date: dt.date | None
    approval_date: dt.date | None
    approved_on: dt.date | None  # the day the approval was merged (None: not in Git)
    starts: dt.date | None
    ends: dt.date | None
    blob: str | None  # the approved text's Git blob; None: the working tree's file
    path: str  # the file's repository path at that revision (or the document's path)
    title: str | None
    summary: str | None
    approved_by: tuple[str, ...]
    number: int  # 0 for the oldest approved revision in the record
    source: Revision | None = None  # the run of approved changes it comes from
    change: Change | None = None  # the change whose text is this revision's text

    @property
    def ever_in_force(self) -> bool:
        return self.starts is not None and (self.ends is None or self.starts < self.ends)

    def in_force_on(self, day: dt.date) -> bool:
        return (
            self.starts is not None
            and self.starts <= day
            and (self.ends is None or day < self.ends)
        )

    @property
    def label(self) -> str:
        return self.revision or "—"


@dataclass(frozen=True)
class Withdrawal:
    """A document's withdrawal (superseded or obsolete) and the day it takes effect.

    ``starts`` None with ``waiting`` False: in effect since a day nobody recorded (no Git
    history); ``waiting``: the successor has no approved revision yet, so the document stays in
    force.
    """

    kind: str  # superseded | obsolete
    successor: str | None
    reason: str | None
    starts: dt.date | None
    merged_on: dt.date | None
    explicit: bool  # withdrawal_date was given
    waiting: bool = False

    def in_effect_on(self, day: dt.date) -> bool:
        if self.waiting:
            return False
        return self.starts is None or self.starts <= day


@dataclass(frozen=True)
class WorkInProgress:
    """A revision being written: newer than the last approved one, not approved itself."""

    revision: str | None
    status: str | None
    blob: str | None  # its text in Git; None when only the working tree has it
    committed: bool


@dataclass
class Publication:
    """One document's controlled state over time."""

    doc: Document  # the document as the working tree has it (what rules check)
    revisions: tuple[PublishedRevision, ...]  # approved revisions, oldest first
    work: WorkInProgress | None
    withdrawal: Withdrawal | None
    in_git: bool  # False: no history (history off, or the file was never committed)

    @property
    def doc_id(self) -> str | None:
        return self.doc.doc_id

    def withdrawn_on(self, day: dt.date) -> bool:
        return self.withdrawal is not None and self.withdrawal.in_effect_on(day)

    def in_force(self, day: dt.date) -> PublishedRevision | None:
        """The revision in force on ``day``, if any."""
        if self.withdrawn_on(day):
            return None
        return next((r for r in reversed(self.revisions) if r.in_force_on(day)), None)

    def pending(self, day: dt.date) -> list[PublishedRevision]:
        """Approved revisions that will come into force after ``day``, soonest first."""
        withdrawal = self.withdrawal
        found = [
            r
            for r in self.revisions
            if r.ever_in_force
            and r.starts is not None
            and r.starts > day
            and not (withdrawal is not None and withdrawal.in_effect_on(r.starts))
        ]
        return sorted(found, key=lambda r: (r.starts, r.number))

    def shown(self, day: dt.date) -> PublishedRevision | None:
        """The revision the document's page shows on ``day``.

        The revision in force; once withdrawn, the last revision that was in force (kept for
        reference); None while no revision has been in force (the page then shows the latest
        text, marked as a draft or as approved but not yet in force).
        """
        current = self.in_force(day)
        if current is not None:
            return current
        if self.withdrawn_on(day):
            until = self.withdrawal.starts if self.withdrawal else None
            earlier = [
                r
                for r in self.revisions
                if r.ever_in_force
                and (until is None or (r.starts is not None and r.starts < until))
            ]
            if earlier:
                return earlier[-1]
        return None

    def standing(self, revision: PublishedRevision, day: dt.date) -> str:
        """Where an approved revision stands on ``day``: ``in_force``, ``pending``,
        ``withdrawn`` (the last revision of a withdrawn document), ``replaced`` by a later
        revision, or ``never`` in force (overtaken before its day came)."""
        if self.in_force(day) is revision:
            return "in_force"
        if revision in self.pending(day):
            return "pending"
        if self.withdrawn_on(day) and self.shown(day) is revision:
            return "withdrawn"
        return "replaced" if revision.ever_in_force else "never"

    def in_force_until(self, revision: PublishedRevision) -> dt.date | None:
        """The first day ``revision`` is no longer in force: the next revision's, or the
        document's withdrawal if that comes first (None: no end known yet)."""
        ends = revision.ends
        withdrawal = self.withdrawal
        day = withdrawal.starts if withdrawal is not None and not withdrawal.waiting else None
        after_start = day is not None and (revision.starts is None or day > revision.starts)
        if day is not None and after_start and (ends is None or day < ends):
            return day
        return ends

    def published_from(self, run: Revision) -> PublishedRevision | None:
        """The approved revision a run of Git changes became, if it was approved."""
        first = run.changes[0] if run.changes else None
        return next((r for r in self.revisions if r.source and r.source.changes[0] is first), None)

    def state(self, day: dt.date) -> str:
        """What a reader must know on ``day``: current, pending, draft, in_review, superseded,
        obsolete, or invalid (nothing approved and no readable status)."""
        if self.withdrawal is not None and self.withdrawn_on(day):
            return self.withdrawal.kind
        if self.in_force(day) is not None:
            return "current"
        if self.pending(day):
            return "pending"
        status = self.work.status if self.work else self.doc.status
        if status in WORK_STATUSES:
            return status
        return "invalid"

    def first_in_force_from(self, day: dt.date) -> dt.date | None:
        """The first day on or after ``day`` with a revision in force (None: no such day yet)."""
        if any(r.in_force_on(day) for r in self.revisions):
            return day
        later = [
            r.starts for r in self.revisions if r.ever_in_force and r.starts and r.starts > day
        ]
        return min(later, default=None)

    @cached_property
    def by_revision(self) -> dict[str, PublishedRevision]:
        return {r.revision: r for r in self.revisions if r.revision}


# --- building the model ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Withdrawn:
    """What the history says about a withdrawal, before the successor's dates are known."""

    kind: str
    successor: str | None
    reason: str | None
    explicit: dt.date | None
    merged_on: dt.date | None
    checked: bool  # after the baseline: it cannot take effect before its merge


def _status(snapshot: Snapshot | None) -> str | None:
    return snapshot.text("status") if snapshot else None


def _approved_runs(runs: Sequence[Revision]) -> Iterable[tuple[Revision, list[Change]]]:
    for run in runs:
        approved = [
            c
            for c in run.changes
            if c.kind != "deleted" and _status(c.snapshot) in IN_FORCE_STATUSES
        ]
        if approved:
            yield run, approved


def _with_ends(revisions: list[PublishedRevision]) -> tuple[PublishedRevision, ...]:
    """Each revision ends where the first later revision starts (in the order of approval)."""
    result = []
    for index, revision in enumerate(revisions):
        later = [r.starts for r in revisions[index + 1 :] if r.starts is not None]
        result.append(replace(revision, ends=min(later, default=None)))
    return tuple(result)


def _from_history(
    doc: Document, record: DocumentHistory, checked: Callable[[Change], bool]
) -> tuple[Publication, _Withdrawn | None]:
    runs = record.revisions()
    revisions: list[PublishedRevision] = []
    for run, approved in _approved_runs(runs):
        first, last = approved[0], approved[-1]
        snapshot = last.snapshot
        assert snapshot is not None  # an approved status was read from it
        approved_on = merged_on(first)
        effective = parse_day(snapshot.text("effective_date"))
        starts = effective
        if effective is not None and approved_on is not None and checked(first):
            starts = max(effective, approved_on)
        revisions.append(
            PublishedRevision(
                doc_id=snapshot.text("doc_id") or doc.doc_id,
                revision=run.revision,
                status=_status(snapshot) or "effective",
                effective_date=effective,
                approval_date=parse_day(snapshot.text("approval_date")),
                approved_on=approved_on,
                starts=starts,
                ends=None,
                blob=last.blob,
                path=last.path,
                title=snapshot.text("title"),
                summary=snapshot.text("change_summary"),
                approved_by=snapshot.texts("approved_by"),
                number=len(revisions),
                source=run,
                change=last,
            )
        )
    work = None
    if runs:
        last_run = runs[-1]
        statuses = [_status(c.snapshot) for c in last_run.changes]
        if statuses[-1] in WORK_STATUSES and not set(statuses) & set(IN_FORCE_STATUSES):
            tip = last_run.last
            work = WorkInProgress(last_run.revision, statuses[-1], tip.blob, committed=True)
    publication = Publication(doc, _with_ends(revisions), work, None, in_git=True)
    return publication, _withdrawn_in_history(record, checked)


def _withdrawn_in_history(
    record: DocumentHistory, checked: Callable[[Change], bool]
) -> _Withdrawn | None:
    """The withdrawal at the end of the record: the first change of its closing run of
    superseded or obsolete statuses."""
    changes = [c for c in record.changes if c.kind != "deleted"]
    if not changes or _status(changes[-1].snapshot) not in WITHDRAWN_STATUSES:
        return None
    index = len(changes) - 1
    while index and _status(changes[index - 1].snapshot) in WITHDRAWN_STATUSES:
        index -= 1
    first, snapshot = changes[index], changes[-1].snapshot
    assert snapshot is not None
    return _Withdrawn(
        kind=_status(snapshot) or "obsolete",
        successor=snapshot.text("superseded_by"),
        reason=None,
        explicit=parse_day(snapshot.text("withdrawal_date")),
        merged_on=merged_on(first),
        checked=checked(first),
    )


def _from_document(doc: Document) -> tuple[Publication, _Withdrawn | None]:
    """The controlled state from the file alone (no history: its revision is all there is)."""
    status = doc.status
    revisions: tuple[PublishedRevision, ...] = ()
    if status in IN_FORCE_STATUSES or status in WITHDRAWN_STATUSES:
        revisions = (
            PublishedRevision(
                doc_id=doc.doc_id,
                revision=doc.revision,
                status=status if status in IN_FORCE_STATUSES else "effective",
                effective_date=doc.effective_date,
                approval_date=doc.approval_date,
                approved_on=None,
                starts=doc.effective_date,
                ends=None,
                blob=None,
                path=doc.path,
                title=doc.title,
                summary=doc.change_summary,
                approved_by=doc.approved_by,
                number=0,
            ),
        )
    work = None
    if status in WORK_STATUSES:
        work = WorkInProgress(doc.revision, status, None, committed=False)
    withdrawn = None
    if status in WITHDRAWN_STATUSES:
        withdrawn = _Withdrawn(
            kind=status,
            successor=doc.superseded_by,
            reason=doc.obsolete_reason,
            explicit=doc.withdrawal_date,
            merged_on=None,
            checked=False,
        )
    return Publication(doc, revisions, work, None, in_git=False), withdrawn


def _withdrawal(withdrawn: _Withdrawn, successor: Publication | None) -> Withdrawal:
    """When the withdrawal takes effect, now that the successor's dates are known."""
    starts: dt.date | None
    waiting = False
    if withdrawn.explicit is not None:
        starts = withdrawn.explicit
    elif successor is not None and withdrawn.successor:
        since = withdrawn.merged_on or dt.date.min
        starts = successor.first_in_force_from(since)
        waiting = starts is None
    else:
        starts = withdrawn.merged_on
    if starts is not None and withdrawn.checked and withdrawn.merged_on is not None:
        starts = max(starts, withdrawn.merged_on)
    return Withdrawal(
        kind=withdrawn.kind,
        successor=withdrawn.successor,
        reason=withdrawn.reason,
        starts=starts,
        merged_on=withdrawn.merged_on,
        explicit=withdrawn.explicit is not None,
        waiting=waiting,
    )


def _uncommitted_work(publication: Publication, record: DocumentHistory) -> WorkInProgress | None:
    """Work the working tree has and Git does not: a new revision, a new status, new text."""
    doc = publication.doc
    last = record.changes[-1].snapshot if record.changes else None
    if last is None:
        return None
    if doc.revision == last.text("revision") and doc.status == last.text("status"):
        return None  # same revision and status: an uncommitted edit is not a new revision
    return WorkInProgress(doc.revision, doc.status, None, committed=False)


@dataclass
class Publications:
    """The controlled state of every document of the manual."""

    by_path: dict[str, Publication]  # by the document's path (as in Document.path)

    def get(self, doc: Document) -> Publication | None:
        return self.by_path.get(doc.path)

    def all(self) -> list[Publication]:
        return list(self.by_path.values())


def build_publications(
    documents: Sequence[Document],
    history_of: Callable[[Document], DocumentHistory | None] | None = None,
    checked: Callable[[Change], bool] = lambda change: True,
    uncommitted: Callable[[Document], str | None] = lambda doc: None,
) -> Publications:
    """The controlled state of every controlled document.

    ``history_of`` gives a document's record in Git (None: history is off, or the file has no
    committed history); ``checked`` tells whether a change comes after the baseline (imported
    history is taken at its word); ``uncommitted`` whether the working tree's file differs from
    the last commit.
    """
    found: dict[str, tuple[Publication, _Withdrawn | None]] = {}
    for doc in documents:
        if doc.doc_id is None:
            continue
        record = history_of(doc) if history_of else None
        if record is not None and record.changes:
            publication, withdrawn = _from_history(doc, record, checked)
            if uncommitted(doc):
                publication.work = _uncommitted_work(publication, record) or publication.work
        else:
            publication, withdrawn = _from_document(doc)
        found[doc.path] = (publication, withdrawn)
    by_id: dict[str, Publication] = {}
    for publication, _ in found.values():
        if publication.doc_id:
            by_id.setdefault(publication.doc_id, publication)
    # Withdrawals last: a superseded document's day depends on its successor's revisions.
    for publication, withdrawn in found.values():
        if withdrawn is not None:
            if withdrawn.reason is None and publication.doc.obsolete_reason:
                withdrawn = replace(withdrawn, reason=publication.doc.obsolete_reason)
            successor = by_id.get(withdrawn.successor) if withdrawn.successor else None
            publication.withdrawal = _withdrawal(withdrawn, successor)
    return Publications({path: publication for path, (publication, _) in found.items()})


@dataclass(frozen=True)
class InForce:
    """A document's revision in force on a day, or its last one if it was withdrawn by then."""

    publication: Publication
    revision: PublishedRevision
    withdrawn: bool

    @property
    def until(self) -> dt.date | None:
        return self.publication.in_force_until(self.revision)


def in_force_on(publications: Iterable[Publication], day: dt.date) -> list[InForce]:
    """The manual on ``day``: each document's revision in force, and the documents withdrawn by
    then with the revision they ended on; documents with nothing in force yet are left out.
    In ID order."""
    rows = []
    for publication in sorted(publications, key=lambda p: (p.doc_id or "", p.doc.path)):
        if publication.withdrawn_on(day):
            last = publication.shown(day)
            if last is not None:
                rows.append(InForce(publication, last, True))
            continue
        current = publication.in_force(day)
        if current is not None:
            rows.append(InForce(publication, current, False))
    return rows


def earliest_day(publications: Iterable[Publication]) -> dt.date | None:
    """The first day any revision of the manual was in force."""
    days = [r.starts for p in publications for r in p.revisions if r.ever_in_force and r.starts]
    return min(days, default=None)
