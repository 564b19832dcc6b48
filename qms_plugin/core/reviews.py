"""Periodic reviews as records: the last review of each document, when the next is due, and
the changes in Git that were reviews rather than revisions.

A review is recorded in either of two ways, and both are shown the same:

- in the front matter: ``last_review`` (date), ``last_review_by`` and ``last_review_outcome``
  (``no_change`` or ``revision_started``); the next review is ``review_interval_months`` after it;
- in Git: a change that leaves the text and the revision as they are, merged with the trailer
  ``Periodic-review: QP-075: no change`` naming the document (the review's date is the day of
  the merge, its reviewers the change's approvers); ``next_review`` then says when the next is due.

A review-only change is never a text change and never a new revision. An overdue review is a
finding of its own severity (``ruleset.REVIEW``): the page says so, but the manual stays published.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .documents import Document, add_months
from .findings import Finding
from .history import Change, DocumentHistory, Person, Snapshot
from .publication import merged_on, parse_day
from .trailers import covering

REVIEW_TRAILER = "Periodic-review"
OUTCOME_LABELS = {"no_change": "no change", "revision_started": "revision started"}

# The review column of the register and the Reviews page.
OVERDUE = "overdue"
DUE_SOON = "due_soon"
SCHEDULED = "scheduled"
REVIEW_STATES = (OVERDUE, DUE_SOON, SCHEDULED)


@dataclass(frozen=True)
class ReviewRecord:
    """One periodic review: when, by whom, what it found, and the change that recorded it."""

    day: dt.date
    by: tuple[str, ...]
    outcome: str  # no_change | revision_started
    change: Change | None = None  # None: recorded in the front matter, not (yet) merged

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def label(self) -> str:
        """``reviewed, no change`` as the revision history and the change log say it."""
        return f"reviewed, {self.outcome_label}"


def _outcome(text: str | None) -> str:
    words = " ".join((text or "").replace("_", " ").split()).casefold()
    return "revision_started" if words.startswith("revision") else "no_change"


def review_of_change(
    change: Change,
    previous: Snapshot | None,
    doc_id: str | None,
    trailer: str,
    approval_trailers: Sequence[str],
) -> ReviewRecord | None:
    """The review a change recorded, if it was a review-only change: same text, same revision,
    and a new ``last_review`` or a ``Periodic-review:`` trailer naming the document."""
    snapshot = change.snapshot
    if change.kind != "modified" or change.body_changed or snapshot is None or previous is None:
        return None
    if snapshot.text("revision") != previous.text("revision"):
        return None
    recorded = snapshot.text("last_review")
    if recorded and recorded != previous.text("last_review"):
        day = parse_day(recorded) or merged_on(change)
        if day is None:
            return None
        outcome = snapshot.text("last_review_outcome")
        return ReviewRecord(day, snapshot.texts("last_review_by"), _outcome(outcome), change)
    for commit, named in covering([change.commit], trailer, doc_id):
        day = merged_on(change)
        if day is None:
            continue
        approvers = tuple(Person.parse(v).name for v in commit.trailer_values(approval_trailers))
        return ReviewRecord(day, approvers, _outcome(named.reason), change)
    return None


def reviews_in(
    record: DocumentHistory,
    doc_id: str | None,
    trailer: str = REVIEW_TRAILER,
    approval_trailers: Sequence[str] = ("Approved-by",),
) -> dict[int, ReviewRecord]:
    """The review-only changes of a document's history, by their index in ``record.changes``."""
    found: dict[int, ReviewRecord] = {}
    previous: Snapshot | None = None
    for index, change in enumerate(record.changes):
        review = review_of_change(change, previous, doc_id, trailer, approval_trailers)
        if review is not None:
            found[index] = review
        if change.snapshot is not None:
            previous = change.snapshot
    return found


def front_matter_review(doc: Document) -> ReviewRecord | None:
    """The last review as the document's own fields record it."""
    if doc.last_review is None:
        return None
    return ReviewRecord(doc.last_review, doc.last_review_by, doc.last_review_outcome or "")


def last_review(doc: Document, git_reviews: Iterable[ReviewRecord] = ()) -> ReviewRecord | None:
    """The latest review of the revision in force: from the front matter or from Git."""
    candidates = [r for r in (front_matter_review(doc), *git_reviews) if r is not None]
    if doc.effective_date is not None:
        candidates = [r for r in candidates if r.day >= doc.effective_date]
    return max(candidates, key=lambda r: r.day, default=None)


# --- the rule on the interval -------------------------------------------------------------------


def interval_findings(
    documents: Sequence[Document],
    max_months: int,
    reviewed_in_git: Callable[[Document], dt.date | None] = lambda doc: None,
) -> Iterator[Finding]:
    """Periodic reviews are at most ``max_months`` apart: neither the interval nor an explicit
    ``next_review`` may put the next one further from the last review (or the effective date).

    ``reviewed_in_git`` gives the day of a review recorded only by a trailer in Git.
    """
    for doc in documents:
        if doc.doc_id is None or doc.status not in ("approved", "effective"):
            continue
        interval = doc.review_interval_months
        if interval is not None and interval > max_months:
            yield _finding(
                doc,
                f"review_interval_months is {interval}, but periodic reviews are at most "
                f"{max_months} months apart (the qms plugin's review_max_months); set it to "
                f"{max_months} or less",
                "review_interval_months",
            )
        raw = doc.data.get("next_review")
        explicit = parse_day(raw) if isinstance(raw, str) else None
        basis = doc.review_basis
        in_git = reviewed_in_git(doc)
        if in_git is not None and (basis is None or in_git > basis):
            basis = in_git
        if explicit is None or basis is None:
            continue
        limit = add_months(basis, max_months)
        if explicit > limit:
            since = "the last review" if basis != doc.effective_date else "the effective date"
            yield _finding(
                doc,
                f"next_review {explicit} is more than {max_months} months after {since} "
                f"({basis}); periodic reviews are at most {max_months} months apart (the qms "
                f"plugin's review_max_months): set next_review to {limit} or earlier",
                "next_review",
            )


def _finding(doc: Document, message: str, field: str) -> Finding:
    line = doc.line(field) or (1 if doc.lines else None)
    return Finding(doc.path, line, "review-interval-too-long", message, doc.doc_id, field)


# --- what is due -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewStatus:
    """Where a document in force stands with its periodic review on a given day."""

    doc: Document  # the revision in force
    next_review: dt.date
    days: int  # days until it is due (0: due today; negative: overdue by that many days)
    state: str  # overdue | due_soon | scheduled
    last: ReviewRecord | None

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days)


def review_status(
    doc: Document,
    today: dt.date,
    grace_days: int = 0,
    due_soon_days: int = 60,
    last: ReviewRecord | None = None,
) -> ReviewStatus | None:
    """The document's review status on ``today`` (None: no review planned, or not in force).

    Due today is not overdue; the day after (plus the grace days) is.
    """
    due = doc.next_review
    if due is None:
        return None
    days = (due - today).days
    if -days > grace_days:
        state = OVERDUE
    elif days <= due_soon_days:
        state = DUE_SOON
    else:
        state = SCHEDULED
    return ReviewStatus(doc, due, days, state, last)


def due_within(statuses: Iterable[ReviewStatus], days: int) -> list[ReviewStatus]:
    """The overdue reviews and those due within ``days``, most urgent first."""
    chosen = [s for s in statuses if s.state == OVERDUE or s.days <= days]
    return sorted(chosen, key=lambda s: (s.next_review, s.doc.doc_id or s.doc.path))


# --- `qms reviews` ------------------------------------------------------------------------------

REVIEWS_FORMAT = "mkdocs-qms/reviews"
REVIEWS_COLUMNS = (
    "id",
    "title",
    "owner",
    "next_review",
    "review_state",
    "days_until_due",
    "last_review",
    "last_review_by",
    "last_review_outcome",
)


def review_row(status: ReviewStatus) -> dict[str, Any]:
    last = status.last
    return {
        "id": status.doc.doc_id or "",
        "title": status.doc.title,
        "owner": status.doc.owner or "",
        "next_review": status.next_review.isoformat(),
        "review_state": status.state,
        "days_until_due": status.days,
        "last_review": last.day.isoformat() if last else "",
        "last_review_by": ", ".join(last.by) if last else "",
        "last_review_outcome": last.outcome if last else "",
    }


def reviews_json(statuses: Sequence[ReviewStatus], today: dt.date, days: int) -> str:
    payload = {
        "format": REVIEWS_FORMAT,
        "version": 1,
        "date": today.isoformat(),
        "due_within_days": days,
        "documents": [review_row(s) for s in statuses],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def reviews_csv(statuses: Sequence[ReviewStatus]) -> str:
    from .register import _csv_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REVIEWS_COLUMNS)
    for status in statuses:
        row = review_row(status)
        writer.writerow([_csv_cell(str(row[column])) for column in REVIEWS_COLUMNS])
    return out.getvalue()


def reviews_text(
    statuses: Sequence[ReviewStatus], today: dt.date, days: int, everything: bool = False
) -> str:
    """One line per document: when its review is due, and its last review."""
    lines = []
    for status in statuses:
        if status.days < 0:
            due = f"{-status.days} days overdue" if status.days < -1 else "1 day overdue"
        elif status.days == 0:
            due = "due today"
        else:
            due = f"due in {status.days} day{'s' if status.days != 1 else ''}"
        last = status.last
        previous = (
            f"; last reviewed {last.day}"
            + (f" by {', '.join(last.by)}" if last.by else "")
            + (f" ({last.outcome_label})" if last.outcome else "")
            if last
            else "; no review recorded yet"
        )
        lines.append(
            f"{status.doc.doc_id}  {status.next_review}  {due}  {status.doc.title} "
            f"(owner: {status.doc.owner or '—'}){previous}"
        )
    overdue = sum(1 for s in statuses if s.state == OVERDUE)
    scope = "in force" if everything else f"overdue or due within {days} days"
    lines.append(
        f"{len(statuses)} document{'s' if len(statuses) != 1 else ''} {scope} on {today}"
        f" ({overdue} overdue)."
    )
    return "\n".join(lines) + "\n"
