"""Document-control rules: plain functions from documents to findings.

Each rule has a stable name (used in messages and the documentation). The plugin logs the
findings as warnings, so ``mkdocs build --strict`` fails; ``qms check`` prints them and exits
non-zero.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from .approval import ApprovalPolicy
from .documents import Document
from .findings import Finding
from .revision import RevisionScheme
from .standards import ClauseCatalogue


@dataclass(frozen=True)
class RuleContext:
    """What rules need besides the documents themselves."""

    today: dt.date
    id_patterns: Mapping[str, str]
    clauses: ClauseCatalogue
    revision_scheme: RevisionScheme
    review_grace_days: int = 0
    approval: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    review_max_months: int = 36
    mount: str = ""  # the procedures folder's place in the site: documents' paths below it

    def folder_path(self, doc: Document) -> str:
        """The document's path below the procedures folder (what approval_authority's
        ``folder`` selectors name)."""
        prefix = f"{self.mount}/" if self.mount else ""
        return doc.src_uri.removeprefix(prefix)


Rule = Callable[[Sequence[Document], RuleContext], Iterable[Finding]]


def _finding(doc: Document, rule: str, message: str, field: str | None = None) -> Finding:
    line = doc.line(field) if field else None
    return Finding(doc.path, line or (1 if doc.lines else None), rule, message, doc.doc_id, field)


def _controlled(documents: Sequence[Document]) -> Iterator[Document]:
    """Documents whose own metadata parsed; broken ones are reported once, by the parser."""
    return (d for d in documents if d.doc_id is not None)


def duplicate_ids(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """A document ID names one document, for ever."""
    seen: dict[str, Document] = {}
    for doc in _controlled(documents):
        assert doc.doc_id is not None
        first = seen.setdefault(doc.doc_id, doc)
        if first is not doc:
            yield _finding(
                doc,
                "duplicate-id",
                f"doc_id {doc.doc_id} is already used by {first.path}; IDs are never reused, "
                "give this document the next free number",
                "doc_id",
            )


def id_patterns(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """The ID must have the shape configured for the document's type."""
    for doc in _controlled(documents):
        pattern = context.id_patterns.get(doc.type or "")
        if pattern and not re.fullmatch(pattern, doc.doc_id or ""):
            yield _finding(
                doc,
                "id-pattern",
                f"doc_id {doc.doc_id} does not fit the pattern for a {doc.type} "
                f"({pattern}); rename the ID or correct 'type'",
                "doc_id",
            )


def known_clauses(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """Every ISO 9001 clause cited must exist in the configured edition."""
    for doc in _controlled(documents):
        unknown = [c for c in doc.clauses if c not in context.clauses]
        if unknown:
            yield _finding(
                doc,
                "unknown-clause",
                f"iso9001_clauses lists {', '.join(unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not clause numbers of "
                f"{context.clauses.standard}; use numbers such as 7.5.3 or 8.7",
                "iso9001_clauses",
            )


def known_references(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """supersedes, superseded_by and related must name documents that exist."""
    known = {d.doc_id for d in _controlled(documents)}
    for doc in _controlled(documents):
        fields: list[tuple[str, tuple[str, ...]]] = [
            ("supersedes", doc.supersedes),
            ("superseded_by", (doc.superseded_by,) if doc.superseded_by else ()),
            ("related", doc.related),
        ]
        for name, targets in fields:
            for target in targets:
                if target == doc.doc_id:
                    yield _finding(
                        doc, "unknown-reference", f"{name} names the document itself", name
                    )
                elif target not in known:
                    yield _finding(
                        doc,
                        "unknown-reference",
                        f"{name} names {target}, but no document has that doc_id; "
                        "check the ID against the master document list",
                        name,
                    )


def approval_recorded(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """An approved or effective document says who approved it and from when it applies."""
    for doc in _controlled(documents):
        if doc.status not in ("approved", "effective"):
            continue
        missing = [
            name
            for name, value in (
                ("approved_by", doc.approved_by),
                ("effective_date", doc.effective_date),
            )
            if not value and name not in {f.field for f in doc.findings}
        ]
        if missing:
            yield _finding(
                doc,
                "approval-missing",
                f"status is {doc.status} but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing; record the approval, or set "
                "status to draft or in_review",
                "status",
            )


def effective_after_approval(
    documents: Sequence[Document], context: RuleContext
) -> Iterator[Finding]:
    """A revision cannot come into force before it was approved."""
    for doc in _controlled(documents):
        if doc.effective_date and doc.approval_date and doc.effective_date < doc.approval_date:
            yield _finding(
                doc,
                "effective-before-approval",
                f"effective_date {doc.effective_date} is before approval_date "
                f"{doc.approval_date}; a revision applies only once approved",
                "effective_date",
            )


def days_overdue(doc: Document, today: dt.date) -> int | None:
    """Days since the document's periodic review fell due (negative: not yet due)."""
    return (today - doc.next_review).days if doc.next_review else None


def review_due(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """Documents in force are reviewed on time (after the configured grace period)."""
    for doc in _controlled(documents):
        if doc.status not in ("approved", "effective"):
            continue
        if doc.next_review is None:
            if doc.effective_date and not {"next_review", "review_interval_months"} & {
                f.field for f in doc.findings
            }:
                yield _finding(
                    doc,
                    "review-missing",
                    "no periodic review is planned; add review_interval_months (e.g. 24) or "
                    "next_review (YYYY-MM-DD)",
                    "status",
                )
            continue
        late = days_overdue(doc, context.today)
        if late is not None and late > context.review_grace_days:
            ago = "1 day ago" if late == 1 else f"{late} days ago"
            yield _finding(
                doc,
                "review-overdue",
                f"periodic review was due on {doc.next_review} ({ago}); the revision stays in "
                f"force, but {doc.owner or 'its owner'} should review it now and record the "
                "review (last_review, last_review_by, last_review_outcome) in a pull request, "
                "or start the next revision if it needs to change",
                next(
                    (f for f in ("next_review", "last_review", "effective_date") if f in doc.lines),
                    "status",
                ),
            )


_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Lines that carry no text of their own: headings, setext underlines, rules, fences.
_NO_TEXT = re.compile(r"^(#{1,6}(\s.*)?|[=\-*_\s]+|`{3,}.*|~{3,}.*)$")


def has_text(doc: Document) -> bool:
    """Whether the body says anything: a line other than headings, rules and comments."""
    body = _HTML_COMMENT.sub("", doc.body)
    return any(line.strip() and not _NO_TEXT.match(line.strip()) for line in body.splitlines())


def not_empty(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """A document in force says what to do: it has text below its front matter."""
    for doc in _controlled(documents):
        if doc.status in ("approved", "effective") and not has_text(doc):
            yield _finding(
                doc,
                "empty-document",
                f"status is {doc.status} but the document has no text below its front matter "
                "(at most headings); an approved document must say what to do: restore its "
                "text, or set status to draft",
                "status",
            )


def approver_not_owner(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """The owner writes or arranges changes; someone else approves them."""
    policy = context.approval
    if policy.approver_is_owner == "off":
        return
    for doc in _controlled(documents):
        if doc.status not in ("approved", "effective"):
            continue
        for name in doc.approved_by:
            if policy.is_owner(doc, name):
                yield _finding(
                    doc,
                    "approver-is-owner",
                    f"approved_by names {name}, who is the document's owner ({doc.owner}); "
                    "the owner writes or arranges changes and another competent person "
                    "approves them: ask someone else to approve (the qms plugin's "
                    "'approver_is_owner: off' allows it where your procedure does)",
                    "approved_by",
                )


def approval_authorised(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """``approved_by`` names someone the approval-authority matrix allows for the document."""
    policy = context.approval
    if not policy.authority:
        return
    for doc in _controlled(documents):
        if doc.status not in ("approved", "effective"):
            continue
        rule = policy.rule_for(doc, context.folder_path(doc))
        if rule is None:
            continue
        for name in doc.approved_by:
            if not policy.may_approve(rule, name):
                yield _finding(
                    doc,
                    "approval-authority",
                    f"approved_by names {name}, who may not approve {rule.describe()}: "
                    f"approval_authority (entry {rule.number}) allows "
                    f"{', '.join(rule.approvers)}; ask one of them to approve, or correct "
                    "approved_by (a role is matched with the people listed under 'roles')",
                    "approved_by",
                )


def retired_with_successor_or_reason(
    documents: Sequence[Document], context: RuleContext
) -> Iterator[Finding]:
    """A superseded document names its successor; an obsolete one a successor or a reason."""
    for doc in _controlled(documents):
        if doc.status == "superseded" and not doc.superseded_by:
            yield _finding(
                doc,
                "retired-without-successor",
                "status is superseded but superseded_by is missing; name the document that "
                "replaces it",
                "status",
            )
        if doc.status == "obsolete" and not (doc.superseded_by or doc.obsolete_reason):
            yield _finding(
                doc,
                "retired-without-successor",
                "status is obsolete but neither superseded_by nor obsolete_reason is given; "
                "say what replaces it or why it was withdrawn",
                "status",
            )


def revision_scheme(documents: Sequence[Document], context: RuleContext) -> Iterator[Finding]:
    """Revisions follow the configured scheme."""
    scheme = context.revision_scheme
    for doc in _controlled(documents):
        if doc.revision is not None and not scheme.is_valid(doc.revision):
            yield _finding(
                doc,
                "revision-scheme",
                f"revision '{doc.revision}' does not follow the {scheme.name} scheme: "
                f"use {scheme.explanation}",
                "revision",
            )


RULES: tuple[Rule, ...] = (
    duplicate_ids,
    id_patterns,
    revision_scheme,
    known_clauses,
    known_references,
    approval_recorded,
    effective_after_approval,
    review_due,
    retired_with_successor_or_reason,
    not_empty,
    approver_not_owner,
    approval_authorised,
)


def run_rules(
    documents: Sequence[Document], context: RuleContext, rules: Iterable[Rule] = RULES
) -> list[Finding]:
    """Every finding of every rule, in file order."""
    findings = [finding for rule in rules for finding in rule(documents, context)]
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message))
