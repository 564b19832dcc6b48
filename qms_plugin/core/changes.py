"""Change control: the rules a change to the controlled documents must follow.

A change is what a pull request proposes: the documents as they are in the working tree (or
HEAD) against the same documents at a base commit (the branch the request targets). The rules are
plain functions from the paired documents to findings, like the rules in ``rules.py``; this module
also reads the base side and the change's authors from Git, with a fixed number of processes
whatever the number of documents.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .documents import Document, is_markdown, parse_document
from .errors import reading
from .findings import Finding
from .git import GitError, Repository
from .history import Person, ids_ever_used
from .manual import DocumentSet, Settings
from .revision import RevisionScheme
from .schema import DocumentSchema
from .sources import replacement_finding

# A revision is published once approved; before that it is still being written and may change
# without a new revision.
PUBLISHED = ("approved", "effective", "superseded", "obsolete")

# Statuses move forward along this order; superseded and obsolete are both the end.
_STATUS_RANK = {
    "draft": 0,
    "in_review": 1,
    "approved": 2,
    "effective": 3,
    "superseded": 4,
    "obsolete": 4,
}

# Trailers in the change's commit messages that accept an otherwise refused change.
EDITORIAL_TRAILER = "Editorial-change"
MOVED_TRAILER = "Document-moved"


# --- the change: documents before and after ---------------------------------------------------


@dataclass(frozen=True)
class DocumentChange:
    """One controlled document at the base (``old``) and now (``new``); either may be absent."""

    old: Document | None
    new: Document | None

    @property
    def kind(self) -> str:
        """``added``, ``deleted``, ``renamed`` (perhaps edited too) or ``modified``."""
        if self.old is None:
            return "added"
        if self.new is None:
            return "deleted"
        return "renamed" if self.old.path != self.new.path else "modified"

    @property
    def doc(self) -> Document:
        """The document as it is now, or as it was if it is gone."""
        doc = self.new or self.old
        assert doc is not None
        return doc

    @property
    def doc_id(self) -> str | None:
        return self.doc.doc_id

    @property
    def path(self) -> str:
        return self.doc.path

    @property
    def old_path(self) -> str | None:
        return self.old.path if self.old else None

    @property
    def body_changed(self) -> bool:
        """The Markdown after the front matter differs (line endings are already normalised)."""
        return self.old is not None and self.new is not None and self.old.body != self.new.body

    @property
    def revision_changed(self) -> bool:
        return (
            self.old is not None and self.new is not None and self.old.revision != self.new.revision
        )


def pair_documents(base: Sequence[Document], current: Sequence[Document]) -> list[DocumentChange]:
    """The documents that differ between ``base`` and ``current``, paired by doc_id.

    The same doc_id at another path is a rename. A file whose front matter cannot be read now is
    left to the ordinary rules (it is neither paired nor reported as a deletion).
    """
    old_by_id: dict[str, Document] = {}
    for doc in base:
        if doc.doc_id:
            old_by_id.setdefault(doc.doc_id, doc)
    new_by_id: dict[str, list[Document]] = {}
    for doc in current:
        if doc.doc_id:
            new_by_id.setdefault(doc.doc_id, []).append(doc)
    unreadable_now = {doc.path for doc in current if doc.doc_id is None}

    changes: list[DocumentChange] = []
    for doc_id, old in old_by_id.items():
        candidates = new_by_id.get(doc_id)
        if not candidates:
            if old.path not in unreadable_now:
                changes.append(DocumentChange(old, None))
            continue
        # With a duplicated ID, the copy at the old path (else the first) is the document; the
        # duplicate-id rule reports the others, which count as added.
        new = next((d for d in candidates if d.path == old.path), candidates[0])
        candidates.remove(new)
        if old.path != new.path or old.data != new.data or old.body != new.body:
            changes.append(DocumentChange(old, new))
    for remaining in new_by_id.values():
        changes.extend(DocumentChange(None, new) for new in remaining)
    return sorted(changes, key=lambda c: (c.path, c.old_path or ""))


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeContext:
    """What change rules need besides the documents."""

    scheme: RevisionScheme
    authors: tuple[Person, ...] = ()
    editorial: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()
    ids_ever_used: Mapping[str, str] = field(default_factory=dict)
    base: str = "the base"
    editorial_trailer: str = EDITORIAL_TRAILER  # the plugin's `editorial_trailer` option


ChangeRule = Callable[[Sequence[DocumentChange], ChangeContext], Iterable[Finding]]


def _finding(change: DocumentChange, rule: str, message: str, field: str | None) -> Finding:
    doc = change.doc
    line = (doc.line(field) if field else None) if change.new is not None else None
    if line is None and change.new is not None and doc.lines:
        line = 1
    return Finding(doc.path, line, rule, message, doc.doc_id, field)


def _pairs(
    changes: Sequence[DocumentChange], revised: bool | None = None
) -> Iterator[tuple[DocumentChange, Document, Document]]:
    """Changes with both sides, optionally only those whose revision did (not) change."""
    for change in changes:
        if change.old is None or change.new is None:
            continue
        if revised is None or change.revision_changed == revised:
            yield change, change.old, change.new


def _valid(scheme: RevisionScheme, *revisions: str | None) -> bool:
    return all(r is not None and scheme.is_valid(r) for r in revisions)


def _successors(scheme: RevisionScheme, revision: str | None) -> str:
    """What the revision after ``revision`` may be, for messages."""
    if revision is None or not scheme.is_valid(revision) or not scheme.sequenced:
        return "the next revision"
    return " or ".join(scheme.successors(revision))


def revision_bumped(changes: Sequence[DocumentChange], context: ChangeContext) -> Iterator[Finding]:
    """A published revision whose text changes becomes a new revision."""
    for change, old, _new in _pairs(changes, revised=False):
        if not change.body_changed or old.status not in PUBLISHED or context.editorial:
            continue
        hint = f"set revision to {_successors(context.scheme, old.revision)}"
        yield _finding(
            change,
            "revision-not-bumped",
            f"the text changed but revision is still {old.revision}, which is published "
            f"({old.status}); {hint} and say what changed in change_summary. For a correction "
            f"that changes no meaning, add the trailer '{context.editorial_trailer}: <reason>' "
            "to a commit message of this change instead",
            "revision",
        )


def revision_in_sequence(
    changes: Sequence[DocumentChange], context: ChangeContext
) -> Iterator[Finding]:
    """A new revision is the next one in the scheme: no gaps, never backwards."""
    scheme = context.scheme
    for change, old, new in _pairs(changes, revised=True):
        if not _valid(scheme, old.revision, new.revision):
            continue  # the revision-scheme rule reports a malformed revision
        assert old.revision is not None and new.revision is not None
        allowed = scheme.successors(old.revision)
        later = scheme.key(new.revision) > scheme.key(old.revision)
        if new.revision in allowed or (later and not scheme.sequenced):
            continue
        expected = " or ".join(allowed) or f"a revision later than {old.revision}"
        if not later:
            yield _finding(
                change,
                "revision-backwards",
                f"revision went back from {old.revision} to {new.revision}; revisions only "
                f"move forward: the revision after {old.revision} is {expected}",
                "revision",
            )
        else:
            yield _finding(
                change,
                "revision-skipped",
                f"revision moved from {old.revision} to {new.revision}, skipping revisions; "
                f"the revision after {old.revision} is {expected}",
                "revision",
            )


def change_summary_renewed(
    changes: Sequence[DocumentChange], context: ChangeContext
) -> Iterator[Finding]:
    """A new revision says what changed in it."""
    for change, old, new in _pairs(changes, revised=True):
        if new.change_summary is None or new.change_summary == old.change_summary:
            was = (
                "is missing"
                if new.change_summary is None
                else f"is the one of revision {old.revision}"
            )
            yield _finding(
                change,
                "change-summary-unchanged",
                f"revision moved from {old.revision} to {new.revision} but change_summary {was}; "
                f"say what changed in revision {new.revision} and why",
                "change_summary" if "change_summary" in new.lines else "revision",
            )


def status_transition(
    changes: Sequence[DocumentChange], context: ChangeContext
) -> Iterator[Finding]:
    """Within one revision, the status only moves forward (a review may go back to draft)."""
    for change, old, new in _pairs(changes, revised=False):
        if old.status is None or new.status is None or old.status == new.status:
            continue
        if _STATUS_RANK[new.status] >= _STATUS_RANK[old.status]:
            continue
        if (old.status, new.status) == ("in_review", "draft"):
            continue  # sent back to the author before approval
        next_revision = _successors(context.scheme, old.revision)
        yield _finding(
            change,
            "status-transition",
            f"status moved back from {old.status} to {new.status} within revision "
            f"{old.revision}; a status only moves forward (draft, in_review, approved, "
            f"effective, then superseded or obsolete). To rework the document, start revision "
            f"{next_revision} as a draft",
            "status",
        )


def approval_renewed(
    changes: Sequence[DocumentChange], context: ChangeContext
) -> Iterator[Finding]:
    """A new revision in force carries its own approval, not the previous revision's."""
    for change, old, new in _pairs(changes, revised=True):
        if new.status not in ("approved", "effective") or new.effective_date is None:
            continue
        if new.effective_date == old.effective_date:
            yield _finding(
                change,
                "approval-carried-over",
                f"revision {new.revision} is {new.status} with the effective date of revision "
                f"{old.revision} ({old.effective_date}); a new revision is approved on its own: "
                "set status to draft or in_review until it is, then record its approval and "
                "effective date",
                "effective_date",
            )


def not_self_approved(
    changes: Sequence[DocumentChange], context: ChangeContext
) -> Iterator[Finding]:
    """Whoever wrote a change does not approve it."""
    for change in changes:
        new = change.new
        if new is None or not new.approved_by:
            continue
        old = change.old
        touched = (
            old is None
            or change.body_changed
            or change.revision_changed
            or old.approved_by != new.approved_by
        )
        if not touched:
            continue
        for approver in new.approved_by:
            author = next((a for a in context.authors if a.is_named_by(approver)), None)
            if author is not None:
                yield _finding(
                    change,
                    "self-approval",
                    f"approved_by names {approver}, who is an author of this change "
                    f"({author}); the approver must be someone other than the author: ask "
                    "another competent person to review and approve it",
                    "approved_by",
                )


def id_not_reused(changes: Sequence[DocumentChange], context: ChangeContext) -> Iterator[Finding]:
    """A new document's ID was never used before, not even by a deleted document."""
    for change in changes:
        if change.kind != "added" or change.doc_id is None:
            continue
        earlier = context.ids_ever_used.get(change.doc_id)
        if earlier is not None:
            kind = change.doc.type or "TYPE"
            yield _finding(
                change,
                "id-reused",
                f"doc_id {change.doc_id} was used before, by {earlier} in the history of "
                f"{context.base}; IDs are never reused, even of deleted documents: give this "
                f"document a new ID ('qms new {kind}' picks the next free one)",
                "doc_id",
            )


def _never_published(doc: Document, scheme: RevisionScheme) -> bool:
    """A first revision still being written: nothing of it was ever in force."""
    if doc.status not in ("draft", "in_review") or not _valid(scheme, doc.revision):
        return False
    assert doc.revision is not None
    return scheme.key(doc.revision) <= scheme.key(scheme.first)


def not_deleted(changes: Sequence[DocumentChange], context: ChangeContext) -> Iterator[Finding]:
    """A controlled document is withdrawn (obsolete or superseded), never deleted."""
    for change in changes:
        old = change.old
        if change.kind != "deleted" or old is None or _never_published(old, context.scheme):
            continue
        yield _finding(
            change,
            "document-deleted",
            f"{old.label} ({old.title}, revision {old.revision}, {old.status}) was deleted; a "
            "controlled document is never deleted, so that staff and auditors can still see "
            f"it: restore {old.path} and set status: obsolete with an obsolete_reason, or "
            "status: superseded with superseded_by",
            None,
        )


def not_renamed(changes: Sequence[DocumentChange], context: ChangeContext) -> Iterator[Finding]:
    """A document keeps its file (and so its page address) unless the move is meant."""
    for change in changes:
        if change.kind != "renamed" or change.doc_id is None:
            continue
        if any(change.doc_id in value.replace(",", " ").split() for value in context.moved):
            continue
        yield _finding(
            change,
            "document-renamed",
            f"{change.doc_id} moved from {change.old_path} to {change.path}, so its page "
            "address changes and bookmarks and links from outside the manual break. If the "
            f"move is intended, add the trailer '{MOVED_TRAILER}: {change.doc_id}' to a commit "
            "message of this change",
            "doc_id",
        )


CHANGE_RULES: tuple[ChangeRule, ...] = (
    revision_bumped,
    revision_in_sequence,
    change_summary_renewed,
    status_transition,
    approval_renewed,
    not_self_approved,
    id_not_reused,
    not_deleted,
    not_renamed,
)


def run_change_rules(
    changes: Sequence[DocumentChange],
    context: ChangeContext,
    rules: Iterable[ChangeRule] = CHANGE_RULES,
) -> list[Finding]:
    """Every finding of every change rule, in file order."""
    findings = [finding for rule in rules for finding in rule(changes, context)]
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message))


# --- impact: what else a reviewer should look at ---------------------------------------------

_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~).*?^[ \t]{0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
_REFERENCE_LINK = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)", re.MULTILINE)


def linked_paths(doc: Document) -> set[str]:
    """Project-relative paths of the local files the document's Markdown links to."""
    body = _FENCE.sub("", doc.body)
    targets = _INLINE_LINK.findall(body) + _REFERENCE_LINK.findall(body)
    folder = posixpath.dirname(doc.path)
    paths = set()
    for target in targets:
        target = target.split("#", 1)[0].split("?", 1)[0]
        if not target or ":" in target or target.startswith("/"):
            continue  # an anchor on the same page, a URL, or a site-absolute path
        paths.add(posixpath.normpath(posixpath.join(folder, target)))
    return paths


@dataclass(frozen=True)
class Reference:
    """A document related to a changed one, and how (``related``, ``link``, ...)."""

    doc: Document
    via: tuple[str, ...]


@dataclass(frozen=True)
class Impact:
    """The documents a changed document names, and those that name it."""

    change: DocumentChange
    references: tuple[Reference, ...]
    referenced_by: tuple[Reference, ...]


def _named(doc: Document, by_path: Mapping[str, Document]) -> dict[str, list[str]]:
    """doc_id -> the ways ``doc`` names that document (front-matter fields, then links)."""
    named: dict[str, list[str]] = {}
    for name, targets in (
        ("related", doc.related),
        ("supersedes", doc.supersedes),
        ("superseded_by", (doc.superseded_by,) if doc.superseded_by else ()),
    ):
        for target in targets:
            named.setdefault(target, []).append(name)
    for path in sorted(linked_paths(doc)):
        target_doc = by_path.get(path)
        if target_doc is not None and target_doc.doc_id:
            ways = named.setdefault(target_doc.doc_id, [])
            if "link" not in ways:
                ways.append("link")
    named.pop(doc.doc_id or "", None)
    return named


def impact(changes: Sequence[DocumentChange], documents: Sequence[Document]) -> list[Impact]:
    """For each changed document, the current documents it references and that reference it."""
    controlled = [d for d in documents if d.doc_id]
    by_id: dict[str, Document] = {}
    for doc in controlled:
        assert doc.doc_id is not None
        by_id.setdefault(doc.doc_id, doc)
    by_path = {d.path: d for d in controlled}
    names = {d.path: _named(d, by_path) for d in controlled}
    result = []
    for change in changes:
        doc_id = change.doc_id
        if doc_id is None:
            continue
        outgoing = names.get(change.path) if change.new else _named(change.doc, by_path)
        references = tuple(
            Reference(by_id[target], tuple(ways))
            for target, ways in sorted((outgoing or {}).items())
            if target in by_id
        )
        referenced_by = tuple(
            Reference(d, tuple(names[d.path][doc_id]))
            for d in controlled
            if d.path != change.path and doc_id in names[d.path]
        )
        result.append(Impact(change, references, referenced_by))
    return result


# --- reading the change from Git --------------------------------------------------------------


class ChangeError(GitError):
    """The change cannot be compared with its base; the message says what to do."""


SHALLOW_MESSAGE = (
    "the repository is a shallow clone, so the base of the change and the IDs used in its "
    "history cannot be read. Fetch the whole history with 'git fetch --unshallow' (in GitHub "
    "Actions set 'fetch-depth: 0' on actions/checkout; in GitLab CI set 'GIT_DEPTH: 0')"
)


@dataclass
class Comparison:
    """The change from a base ref to the working tree, and what the change rules found."""

    base_ref: str
    base_commit: str
    merge_base: str
    changes: list[DocumentChange]
    authors: tuple[Person, ...]
    findings: list[Finding]
    impact: list[Impact]


def read_documents_at(
    repo: Repository, commit: str, settings: Settings, schema: DocumentSchema
) -> list[Document]:
    """The controlled documents as they were at ``commit`` (one ls-tree, one cat-file)."""
    folder = settings.folder
    try:
        prefix = folder.relative_to(repo.root).as_posix()
    except ValueError:
        raise ChangeError(
            f"the procedures folder {folder} is not inside the Git repository at {repo.root}"
        ) from None
    prefix = "" if prefix == "." else prefix
    root = settings.root.resolve()
    files = repo.tree(commit, [prefix] if prefix else [])
    wanted: dict[str, str] = {}
    for name, oid in files.items():
        rel = name[len(prefix) + 1 :] if prefix else name
        if is_markdown(name) and not any(p.startswith(".") for p in PurePosixPath(rel).parts):
            wanted[name] = oid
    blobs = repo.read_blobs(wanted.values())
    text_fields = schema.text_fields()
    documents = []
    for name in sorted(wanted):
        rel = name[len(prefix) + 1 :] if prefix else name
        absolute = repo.root / name
        try:
            path = absolute.relative_to(root).as_posix()
        except ValueError:
            path = absolute.as_posix()
        src_uri = f"{settings.mount}/{rel}" if settings.mount else rel
        with reading(f"{name} at {commit[:12]}"):
            doc = parse_document(blobs.get(wanted[name], b""), path, src_uri, schema, text_fields)
        if doc is not None:
            documents.append(doc)
    return documents


_IDENT = re.compile(r"^(.*?) <([^<>]*)> \d+ [+-]\d{4}$")


def read_change_log(
    repo: Repository, base_commit: str, editorial_trailer: str = EDITORIAL_TRAILER
) -> tuple[tuple[Person, ...], tuple[str, ...], tuple[str, ...]]:
    """Authors, editorial-change values and Document-moved values of base..HEAD (one process).

    Merge commits carry trailers but no authorship: whoever merges a pull request (often the
    approver) did not write it.
    """
    fmt = "%x1f".join(
        [
            "%P",
            "%aN",
            "%aE",
            f"%(trailers:key={editorial_trailer},valueonly,unfold,separator=%x1d)",
            f"%(trailers:key={MOVED_TRAILER},valueonly,unfold,separator=%x1d)",
        ]
    )
    out = repo.text(["log", "--use-mailmap", f"--format={fmt}%x1e", f"{base_commit}..HEAD", "--"])
    authors: dict[Person, None] = {}
    editorial: list[str] = []
    moved: list[str] = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        parents, name, email, edits, moves = record.split("\x1f")
        if len(parents.split()) < 2:
            authors.setdefault(Person(name, email))
        editorial += [v.strip() for v in edits.split("\x1d") if v.strip()]
        moved += [v.strip() for v in moves.split("\x1d") if v.strip()]
    return tuple(authors), tuple(editorial), tuple(moved)


def working_tree_author(repo: Repository) -> Person | None:
    """Who git would record as the author of a commit made now, if configured."""
    try:
        ident = repo.text(["var", "GIT_AUTHOR_IDENT"]).strip()
    except GitError:
        return None
    match = _IDENT.match(ident)
    return Person(match.group(1), match.group(2)) if match else None


def compare(
    repo: Repository,
    docset: DocumentSet,
    base_ref: str,
    editorial_trailer: str = EDITORIAL_TRAILER,
) -> Comparison:
    """Compare the working tree's documents with ``base_ref`` and run the change rules.

    The base side is the merge base of ``base_ref`` and HEAD (what the branch started from, as
    a pull request shows it). Raises ChangeError (a GitError) with what to do when the
    repository cannot answer.
    """
    settings = docset.settings
    if repo.is_shallow():
        raise ChangeError(SHALLOW_MESSAGE)
    if repo.head() is None:
        raise ChangeError(f"the repository at {repo.root} has no commits yet; commit first")
    base_commit = repo.resolve(base_ref)
    try:
        merge_base = repo.text(["merge-base", base_commit, "HEAD"]).strip()
    except GitError:
        raise ChangeError(
            f"'{base_ref}' and HEAD share no history, so there is no change to check; name the "
            "branch this one was started from"
        ) from None
    schema_path = (settings.root / settings.schema) if settings.schema else None
    schema = DocumentSchema.load(schema_path)
    scheme = settings.scheme()
    base_docs = read_documents_at(repo, merge_base, settings, schema)
    authors, editorial, moved = read_change_log(repo, base_commit, editorial_trailer)
    folder = settings.folder.relative_to(repo.root).as_posix()
    if repo.status([folder] if folder != "." else []):
        author = working_tree_author(repo)
        if author is not None and author not in authors:
            authors = (*authors, author)
    used = ids_ever_used(repo, merge_base, "" if folder == "." else folder)
    context = ChangeContext(
        scheme=scheme,
        authors=authors,
        editorial=editorial,
        moved=moved,
        ids_ever_used=used,
        base=base_ref,
        editorial_trailer=editorial_trailer,
    )
    changes = pair_documents(base_docs, docset.documents)
    findings = run_change_rules(changes, context)
    replaced = repo.replacements()
    if replaced:  # the change's commits are read as stored; say that Git would show others
        findings.append(replacement_finding(tuple(replaced), repo, settings.procedures_dir))
    return Comparison(
        base_ref,
        base_commit,
        merge_base,
        changes,
        authors,
        findings,
        impact(changes, docset.documents),
    )
