"""HTML for controlled pages, the master list, revision histories and the change log.

Everything comes from Jinja templates with autoescaping.

Templates live in ``qms_plugin/templates/qms/``. A theme's ``custom_dir`` that holds a file of the
same name (``qms/control-block.html``) overrides ours.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from .core.audit import (
    EDITORIAL,
    WORK,
    HistoryOptions,
    LogEntry,
    change_url,
    commit_url,
    editorial_reason,
)
from .core.documents import Document
from .core.history import Change, Commit, DocumentHistory, History, Person, Revision
from .core.manual import DocumentSet
from .core.publication import Publication, PublishedRevision
from .core.register import RegisterEntry
from .core.reviews import REVIEW_STATES, ReviewRecord, ReviewStatus, reviews_in
from .core.ruleset import ERROR, severity
from .core.standards import iso9001_clauses

TEMPLATES = Path(__file__).parent / "templates"

TYPE_LABELS = {
    "manual": "Manual",
    "policy": "Policy",
    "procedure": "Procedure",
    "work_instruction": "Work instruction",
    "form": "Form",
    "external": "External document",
}
STATUS_LABELS = {
    "draft": "Draft",
    "in_review": "In review",
    "approved": "Approved",
    "effective": "Effective",
    "superseded": "Superseded",
    "obsolete": "Obsolete",
}
STATE_LABELS = {
    "current": "Current",
    "pending": "Not yet effective",
    "draft": "Draft",
    "in_review": "In review",
    "superseded": "Superseded",
    "obsolete": "Obsolete",
    "invalid": "Check with the document controller",
}


REVIEW_STATE_LABELS = {"overdue": "Overdue", "due_soon": "Due soon", "scheduled": "Scheduled"}


def _due(status: ReviewStatus) -> str:
    """When the review is due, from today: "in 12 days", "today", "3 days overdue"."""
    days = status.days
    if days == 0:
        return "today"
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} ago"


def long_date(day: dt.date | None) -> str:
    """A date as staff read it, unambiguous in any country: 7 Dec 2026."""
    return f"{day.day} {day:%b %Y}" if day else ""


def make_environment(
    search_path: Sequence[str | Path], html_tooltips: bool = False
) -> jinja2.Environment:
    """A Jinja environment over the theme's folders then ours; every value is escaped.

    With ``html_tooltips`` (Material's ``content.tooltips``), the theme copies ``title``
    attributes into the page as HTML, so the ``tip`` filter escapes their text a second time.
    """
    loader = jinja2.FileSystemLoader([str(p) for p in [*search_path, TEMPLATES]])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates do not change during a build; skip the mtime checks
    )
    env.filters["long_date"] = long_date
    env.filters["tip"] = _double_escape if html_tooltips else markupsafe.escape
    env.filters["css_string"] = css_string
    return env


def material_tooltips(config: Any) -> bool:
    """Whether Material's content.tooltips turns title attributes into HTML tooltips."""
    theme = config.theme
    return bool(theme.name == "material" and "content.tooltips" in (theme.get("features") or ()))


# A '<' that would open a tag, a comment or a declaration if the text were read as HTML.
_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")


def page_title(text: str) -> markupsafe.Markup:
    """A users' text (a document title) as Material's templates take page titles: as HTML.

    Escaped once, it shows as written. Material then reads the displayed title back and
    inserts it as HTML (the header's tooltip for a long title), and strips tags from it and
    unescapes it for the window title; a word joiner (invisible) after every '<' that would
    open a tag keeps it text through all of that.
    """
    return markupsafe.escape(_TAG_OPENER.sub("<\u2060", text))


def css_string(value: object) -> markupsafe.Markup:
    """``value`` as a quoted CSS string, safe inside a ``<style>`` element: every character but
    letters, digits, spaces and plain punctuation is written as a CSS escape, so no text can close
    the string, the rule or the element (``</style>``)."""
    out = []
    for char in str(value):
        if char.isascii() and (char.isalnum() or char in " .,:;()/+_!?'-"):
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")  # the space ends the escape and is dropped
    return markupsafe.Markup('"' + "".join(out) + '"')


def _double_escape(value: object) -> markupsafe.Markup:
    """Text for a title attribute that a script will later read back as HTML."""
    return markupsafe.escape(str(markupsafe.escape(value)))


@dataclass(frozen=True)
class Link:
    label: str
    href: str | None
    title: str = ""


class Renderer:
    """Renders the control block and the master list for one build."""

    def __init__(
        self,
        env: jinja2.Environment,
        docset: DocumentSet,
        print_notice: str,
    ) -> None:
        self.env = env
        self.docset = docset
        self.print_notice = print_notice
        self.clauses = iso9001_clauses(docset.settings.iso9001_edition)

    def link(self, doc_id: str, href_for: Callable[[Document], str | None]) -> Link:
        target = self.docset.by_id.get(doc_id)
        if target is None:
            return Link(doc_id, None, "No document has this ID")
        return Link(doc_id, href_for(target), target.title)

    def control_block(
        self,
        doc: Document,
        href_for: Callable[[Document], str | None],
        register_href: str,
        *,
        state: str | None = None,
        notice: Any = None,
        problems_of: Document | None = None,
        withdrawal: Any = None,
        archive: bool = False,
        extras: Any = None,
    ) -> str:
        """The block at the top of a controlled page: title, banners, metadata.

        ``doc`` is the revision the page shows; ``state`` its document's state on the day (by
        default worked out from ``doc`` alone); ``notice`` what the page announces (pending
        revisions, a withdrawal to come, work in progress); ``problems_of`` the file whose
        findings the page lists. An ``archive`` page (a revision of its own) has no banners:
        its page says what it is. ``withdrawal`` is the document's withdrawal, in effect or to
        come (its successor and reason are not in the front matter of the revision shown).
        ``extras`` (``registers.ControlExtras``): "Referenced by", the records the document
        keeps, the training its revision needs, an external document's edition and currency.
        """
        docset = self.docset
        state = state or docset.state(doc)
        successor = (withdrawal.successor if withdrawal else None) or doc.superseded_by
        template = self.env.get_template("qms/control-block.html")
        return template.render(
            doc=doc,
            state=state,
            state_label=STATE_LABELS.get(state, state),
            type_label=TYPE_LABELS.get(doc.type or "", doc.data.get("type") or "—"),
            status_label=STATUS_LABELS.get(doc.status or "", "—"),
            review_overdue=not archive and docset.review_overdue(doc),
            # Problems with the document-control data; an overdue review has its own banner.
            problems=[]
            if archive
            else [f for f in docset.findings_for(problems_of or doc) if severity(f) == ERROR],
            archive=archive,
            notice=notice,
            withdrawal=withdrawal,
            successor=self.link(successor, href_for) if successor else None,
            obsolete_reason=(withdrawal.reason if withdrawal else None) or doc.obsolete_reason,
            supersedes=[self.link(i, href_for) for i in doc.supersedes],
            related=[self.link(i, href_for) for i in doc.related],
            clauses=[(c, self.clauses.label(c)) for c in doc.clauses],
            print_notice=self.print_notice,
            register_href=register_href,
            today=docset.settings.today,
            extras=extras,
        )

    def reviews(
        self, statuses: Sequence[ReviewStatus], href_for: Callable[[Document], str | None]
    ) -> str:
        """The Reviews page: every document in force with its next and last review."""
        template = self.env.get_template("qms/reviews.html")
        rows = [
            {
                "status": status,
                "href": href_for(status.doc),
                "state_label": REVIEW_STATE_LABELS[status.state],
                "due": _due(status),
            }
            for status in statuses
        ]
        counts = {state: sum(1 for s in statuses if s.state == state) for state in REVIEW_STATES}
        return template.render(
            rows=rows,
            counts=counts,
            labels=REVIEW_STATE_LABELS,
            today=self.docset.settings.today,
            due_soon_days=self.docset.settings.review_due_soon_days,
        )

    def print_page(self, heading: str, standing: str | None = None) -> str:
        """What the printed pages of a page that is not a controlled document (a register)
        carry in their margins: its ``heading`` and ``standing``, the notice and the date."""
        template = self.env.get_template("qms/print-page.html")
        return template.render(
            print_heading=heading, print_standing=standing, print_notice=self.print_notice
        )

    def master_list(
        self,
        entries: Sequence[RegisterEntry],
        href: Callable[[str], str],
        summary_of: Callable[[str], str | None] | None = None,
    ) -> str:
        """The sortable, filterable master document list table.

        ``summary_of`` gives a document's change summary (by ID): the Find box looks in it and
        in the titles of the document's clauses, which the table does not show."""
        template = self.env.get_template("qms/master-list.html")

        def find_text(entry: RegisterEntry) -> str:
            words = [self.clauses.label(number) for number in entry.clauses]
            words.append((summary_of(entry.id) if summary_of else None) or "")
            return " ".join(word for word in words if word)

        types = sorted({e.type for e in entries if e.type}, key=list(TYPE_LABELS).index)
        statuses = sorted({e.status for e in entries if e.status}, key=list(STATUS_LABELS).index)
        return template.render(
            entries=entries,
            href=href,
            types=[(t, TYPE_LABELS[t]) for t in types],
            statuses=[(s, STATUS_LABELS[s]) for s in statuses],
            type_labels=TYPE_LABELS,
            status_labels=STATUS_LABELS,
            state_labels=STATE_LABELS,
            today=self.docset.settings.today,
            clause_label=self.clauses.label,
            find_text=find_text,
        )


@dataclass(frozen=True)
class ChangeView:
    """One approved change or drafting commit as the history table lists it."""

    short: str
    date: str
    subject: str
    author: str
    url: str | None
    merger: str | None = None
    note: str = ""
    drafting: tuple[ChangeView, ...] = ()


def _date_label(text: str | None) -> str:
    try:
        return long_date(dt.date.fromisoformat(text)) if text else ""
    except ValueError:
        return text or ""


def _in_force_label(publication: Publication | None, revision: PublishedRevision | None) -> str:
    """The days a revision was (or will be) in force, as the change log says them: until the
    next revision, or until its document is withdrawn."""
    if publication is None or revision is None:
        return ""
    if not revision.ever_in_force or revision.starts is None:
        return "never in force"
    ends = publication.in_force_until(revision)
    if ends is None:
        return f"from {long_date(revision.starts)}"
    return f"{long_date(revision.starts)} to {long_date(ends - dt.timedelta(days=1))}"


def _note(
    change: Change, options: HistoryOptions, doc_id: str | None = None, editorial: bool = True
) -> str:
    notes = []
    if change.kind == "renamed" and change.old_path:
        notes.append(f"moved from {change.old_path}")
    elif change.kind == "added":
        notes.append("created")
    elif change.kind == "deleted":
        notes.append("deleted")
    doc_id = doc_id or (change.snapshot.text("doc_id") if change.snapshot else None)
    reason = editorial_reason(change.commit, options, doc_id) if editorial else None
    if reason is not None:
        # The approver's decision to keep the revision, as the merge message records it.
        approvers = [p.name for p in _approvers(change.commit, options)]
        note = "editorial change" + (f" ({reason})" if reason else "")
        notes.append(note + (f", approved by {', '.join(approvers)}" if approvers else ""))
    return "; ".join(notes)


def _approvers(commit: Commit, options: HistoryOptions) -> list[Person]:
    values = commit.trailer_values(options.approval_trailers)
    return list(dict.fromkeys(Person.parse(v) for v in values))


def _commit_view(commit: Commit, options: HistoryOptions) -> ChangeView:
    return ChangeView(
        commit.short,
        commit.committer_date,
        commit.subject,
        commit.author.name,
        commit_url(commit, options.repo_url),
    )


def change_view(
    change: Change, options: HistoryOptions, review: ReviewRecord | None = None
) -> ChangeView:
    commit = change.commit
    merger = commit.merger
    note = _note(change, options)
    if review is not None:
        note = "; ".join(n for n in (review.label, note) if n)
    return ChangeView(
        commit.short,
        commit.committer_date,
        commit.subject,
        commit.author.name,
        commit_url(commit, options.repo_url),
        merger.name if merger else None,
        note,
        tuple(_commit_view(c, options) for c in change.drafting),
    )


# How a revision stands, as its row in the revision history says it.
STANDING_LABELS = {
    "in_force": "in force",
    "pending": "approved, not yet in force",
    "withdrawn": "withdrawn",
    "replaced": "superseded",
    "never": "never in force",
    "draft": "draft",
    "in_review": "in review",
}


def _standing(
    revision: Revision, publication: Publication | None, today: dt.date | None
) -> str | None:
    if publication is None or today is None:
        return None
    published = publication.published_from(revision)
    if published is not None:
        return publication.standing(published, today)
    work = publication.work
    if work is not None and work.committed and work.revision == revision.revision:
        return work.status
    return None


def revision_rows(
    record: DocumentHistory,
    options: HistoryOptions,
    checked_from: int | None,
    publication: Publication | None = None,
    today: dt.date | None = None,
    revision_href: Callable[[str], str | None] | None = None,
) -> list[dict[str, Any]]:
    """The rows of a document's revision history table, newest revision first.

    With the document's ``publication`` and the day, each row says how its revision stands
    (in force, pending, superseded ...) and links to the revision's own page.
    """
    rows: list[dict[str, Any]] = []
    runs = record.revisions()
    doc_id = next((c.snapshot.text("doc_id") for c in reversed(record.changes) if c.snapshot), None)
    by_index = reviews_in(record, doc_id, options.review_trailer, options.approval_trailers)
    reviews = {id(record.changes[index]): review for index, review in by_index.items()}
    for revision in reversed(runs):
        # Reviews that changed nothing are rows of their own, newest first, above the revision
        # they confirmed: they are neither revisions nor text changes.
        for change in reversed(revision.changes):
            review = reviews.get(id(change))
            if review is not None:
                rows.append(_review_row(revision, change, review, options))
        snapshot = revision.last.snapshot
        effective = revision.field("effective_date")
        try:
            effective_label = long_date(dt.date.fromisoformat(effective)) if effective else ""
        except ValueError:
            effective_label = effective or ""
        links = []
        for change in revision.changes:
            commit = change.commit
            label = str(commit.change_ref) if commit.change_ref else commit.short
            links.append(Link(label, change_url(commit, options.repo_url), commit.subject))
        standing = _standing(revision, publication, today)
        href = None
        if revision_href is not None and revision.revision and standing not in (None, "draft"):
            href = revision_href(revision.revision)
        rows.append(
            {
                "kind": "revision",
                "revision": revision.revision,
                "standing": standing,
                "standing_label": STANDING_LABELS.get(standing or "", ""),
                "href": href,
                "effective_date": effective,
                "effective_label": effective_label,
                "approved_by": list(snapshot.texts("approved_by")) if snapshot else [],
                "approvers": [
                    str(p.name)
                    for p in Revision(
                        revision.revision, [c for c in revision.changes if id(c) not in reviews]
                    ).approvers(options.approval_trailers)
                ],
                "reviewers": _reviewers(revision, reviews, options),
                "approval_date": _date_label(revision.field("approval_date")),
                "merged": _approval_merged(revision),
                "checked": checked_from is None or revision.last.position > checked_from,
                "summary": revision.field("change_summary"),
                "links": list(dict.fromkeys(links)),
                "drafting": sum(len(c.drafting) for c in revision.changes),
                "changes": [
                    change_view(c, options, reviews.get(id(c))) for c in reversed(revision.changes)
                ],
            }
        )
    return rows


def _reviewers(
    revision: Revision, reviews: dict[int, ReviewRecord], options: HistoryOptions
) -> list[str]:
    """Who Git records as reviewing the revision's changes (review-only changes aside)."""
    people = [
        Person.parse(value).name
        for change in revision.changes
        if id(change) not in reviews
        for value in change.commit.trailer_values(options.review_trailers)
    ]
    return list(dict.fromkeys(people))


def _approval_merged(revision: Revision) -> str:
    """When the revision's approval reached the published branch: the date and time of its
    first change with an approved status, in the committer's own time."""
    for change in revision.changes:
        status = change.snapshot.text("status") if change.snapshot else None
        if status in ("approved", "effective"):
            stamp = change.commit.committer_date
            return f"{stamp[:10]} {stamp[11:16]}" if len(stamp) >= 16 else stamp
    return ""


def _review_row(
    revision: Revision, change: Change, review: ReviewRecord, options: HistoryOptions
) -> dict[str, Any]:
    """A periodic review that changed nothing, as a row of the revision history."""
    commit = change.commit
    label = str(commit.change_ref) if commit.change_ref else commit.short
    return {
        "kind": "review",
        "revision": revision.revision,
        "date": review.day.isoformat(),
        "date_label": long_date(review.day),
        "by": list(review.by),
        "approvers": [p.name for p in _approvers(commit, options)],
        "label": review.label,
        "links": [Link(label, change_url(commit, options.repo_url), commit.subject)],
        "drafting": len(change.drafting),
        "changes": [change_view(change, options, review)],
    }


class HistoryRenderer:
    """Renders revision history tables and the change log for one build."""

    def __init__(self, env: jinja2.Environment, history: History, options: HistoryOptions) -> None:
        self.env = env
        self.history = history
        self.options = options

    def revision_history(
        self,
        record: DocumentHistory | None,
        uncommitted: str | None,
        checked_from: int | None,
        publication: Publication | None = None,
        revision_href: Callable[[str], str | None] | None = None,
        today: dt.date | None = None,
    ) -> str:
        template = self.env.get_template("qms/revision-history.html")
        rows = []
        if record:
            rows = revision_rows(
                record, self.options, checked_from, publication, today, revision_href
            )
        return template.render(
            revisions=rows,
            uncommitted=uncommitted,
            shallow=self.history.shallow,
            with_standing=publication is not None,
        )

    def change_log(
        self,
        entries: Sequence[LogEntry],
        href_for: Callable[[Document], str | None],
        history_href: str,
        publication_of: Callable[[Document], Publication | None] | None = None,
    ) -> str:
        """The change log: one row per approved change saying what that change did, with its
        revision's effective date and the days it was in force; drafts and revisions in review
        merged to the published branch in a table of their own."""
        approved: list[dict[str, Any]] = []
        work: list[dict[str, Any]] = []
        for entry in entries:
            commit = entry.change.commit
            snapshot = entry.change.snapshot
            effective = snapshot.text("effective_date") if snapshot else None
            publication = publication_of(entry.doc) if publication_of else None
            published = publication.by_revision.get(entry.revision or "") if publication else None
            row = {
                "date": commit.committer_date,
                "doc_id": entry.doc.doc_id or entry.doc.path,
                "title": entry.doc.title,
                "href": href_for(entry.doc),
                "revision": entry.revision,
                "kind": entry.kind,
                "summary": entry.what,
                "review": entry.review is not None,
                # An editorial change says so in its own words already.
                "note": _note(
                    entry.change, self.options, entry.doc.doc_id, entry.kind != EDITORIAL
                ),
                "effective": effective if entry.kind != WORK else None,
                "effective_label": _date_label(effective) if entry.kind != WORK else "",
                "in_force": _in_force_label(publication, published) if entry.kind != WORK else "",
                "approvers": [p.name for p in entry.approvers],
                "reviewers": [p.name for p in entry.reviewers if p not in entry.approvers],
                "label": str(commit.change_ref) if commit.change_ref else commit.short,
                "url": change_url(commit, self.options.repo_url),
            }
            (work if entry.kind == WORK else approved).append(row)
        documents = sorted({str(row["doc_id"]) for row in [*approved, *work]})
        template = self.env.get_template("qms/change-log.html")
        return template.render(
            rows=approved,
            work=work,
            documents=documents,
            shallow=self.history.shallow,
            history_href=history_href,
        )
