"""Change control: the rules a change to the controlled documents must follow.

A change is what a pull request proposes: the documents as they are in the working tree (or
HEAD) against the same documents at a base commit (the branch the request targets). The rules are
plain functions from the paired documents to findings, like the rules in ``rules.py``; this module
also reads the base side and the change's authors from Git, with a fixed number of processes
whatever the number of documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .approval import Roles
from .documents import DEFAULT_ID_PATTERNS, Document, is_markdown, parse_document
from .errors import reading
from .findings import Finding
from .git import GitError, Repository
from .history import Commit, Person, ids_ever_used
from .mailmap import Mailmap
from .manual import DocumentSet, Settings
from .references import References
from .references import linked_paths as linked_paths  # where it lived before
from .revision import RevisionScheme
from .schema import DocumentSchema
from .trailers import NamedTrailer, example, named

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
class FolderMove:
    """The controlled folder (``procedures_dir``) at the base and now, repository-relative."""

    old: str
    new: str
    config: str  # the configuration file that names it (project-relative), for messages
    acknowledged: bool  # a Document-moved trailer names the old folder
    documents: frozenset[str] = frozenset()  # IDs at the same place below the folder


@dataclass(frozen=True)
class ChangeContext:
    """What change rules need besides the documents."""

    scheme: RevisionScheme
    authors: tuple[Person, ...] = ()
    # Editorial waivers in the approved change itself (the merge that lands the change, when
    # it is being checked before it is pushed): the approver's decision.
    waivers: tuple[NamedTrailer, ...] = ()
    # Waivers in the branch's own commits: requests for the approver to confirm in the merge.
    requests: tuple[tuple[Commit, NamedTrailer], ...] = ()
    moved: tuple[str, ...] = ()
    ids_ever_used: Mapping[str, str] = field(default_factory=dict)
    base: str = "the base"
    editorial_trailer: str = EDITORIAL_TRAILER  # the plugin's `editorial_trailer` option
    folder_move: FolderMove | None = None
    mailmap_changed: str | None = None  # the project-relative path of a changed .mailmap


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
    """A published revision whose text changes becomes a new revision, unless the approver
    waives it for that document (an editorial change, named in the merge message)."""
    key = context.editorial_trailer
    for change, old, _new in _pairs(changes, revised=False):
        if not change.body_changed or old.status not in PUBLISHED:
            continue
        doc_id = change.doc_id
        if any(w.covers(doc_id) for w in context.waivers):
            continue
        hint = f"set revision to {_successors(context.scheme, old.revision)}"
        asked = next(((c, w) for c, w in context.requests if w.covers(doc_id)), None)
        if asked is not None:
            commit, waiver = asked
            yield _finding(
                change,
                "editorial-change-requested",
                f"the text of published revision {old.revision} changed and the revision was "
                f"kept: {commit.author.name} asks for an editorial change in {commit.short} "
                f'("{waiver.reason}"). That is the approver\'s decision: if the change alters '
                f"no meaning, the merge or squash message must say "
                f"'{example(key, doc_id, waiver.reason)}'; otherwise {hint}",
                "revision",
            )
            continue
        blank = next((w for _, w in context.requests if not w.doc_ids), None)
        blank = blank or next((w for w in context.waivers if not w.doc_ids), None)
        names = (
            f" (the trailer '{key}: {blank.value}' names no document: a waiver names the "
            "documents it covers)"
            if blank
            else ""
        )
        yield _finding(
            change,
            "revision-not-bumped",
            f"the text changed but revision is still {old.revision}, which is published "
            f"({old.status}); {hint} and say what changed in change_summary. For a correction "
            f"that changes no meaning, ask the approver for an editorial change with "
            f"'{example(key, doc_id)}' in a commit message; the merge or squash message "
            f"confirms it{names}",
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


def _moved_with_folder(change: DocumentChange, move: FolderMove | None) -> bool:
    """Whether a document only moved because the controlled folder did."""
    return move is not None and change.kind == "renamed" and change.doc_id in move.documents


def not_renamed(changes: Sequence[DocumentChange], context: ChangeContext) -> Iterator[Finding]:
    """A document keeps its file (and so its page address) unless the move is meant."""
    for change in changes:
        if change.kind != "renamed" or change.doc_id is None:
            continue
        if any(change.doc_id in value.replace(",", " ").split() for value in context.moved):
            continue
        if _moved_with_folder(change, context.folder_move):
            continue  # reported once, as the move of the folder
        yield _finding(
            change,
            "document-renamed",
            f"{change.doc_id} moved from {change.old_path} to {change.path}, so its page "
            "address changes and bookmarks and links from outside the manual break. If the "
            f"move is intended, add the trailer '{MOVED_TRAILER}: {change.doc_id}' to a commit "
            "message of this change",
            "doc_id",
        )


def folder_kept(changes: Sequence[DocumentChange], context: ChangeContext) -> Iterator[Finding]:
    """The controlled folder itself is where it was, unless its move is meant."""
    move = context.folder_move
    if move is None or move.acknowledged:
        return
    moved = sum(1 for c in changes if _moved_with_folder(c, move))
    yield Finding(
        move.config,
        None,
        "controlled-folder-changed",
        f"procedures_dir moved the controlled documents from {move.old}/ to {move.new}/ "
        f"({moved} document{'s' if moved != 1 else ''} with it): every page address changes, "
        "and bookmarks and links from outside the manual break. The documents were compared "
        "with their earlier versions by doc_id. If the move is intended, add the trailer "
        f"'{MOVED_TRAILER}: {move.old}/' to a commit message of this change",
        None,
        "procedures_dir",
    )


def mailmap_unchanged(
    changes: Sequence[DocumentChange], context: ChangeContext
) -> Iterator[Finding]:
    """Who wrote a change is not rewritten by the change itself."""
    if context.mailmap_changed is None or not changes:
        return
    yield Finding(
        context.mailmap_changed,
        None,
        "mailmap-changed",
        f"this change edits .mailmap, which decides who Git says wrote each commit (and so "
        f"who counts as an author of the change); the check read the authors with the "
        f".mailmap of {context.base}. Change .mailmap in a pull request of its own that "
        "changes no controlled document",
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
    folder_kept,
    mailmap_unchanged,
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


def impact(
    changes: Sequence[DocumentChange],
    documents: Sequence[Document],
    id_patterns: Mapping[str, str] = DEFAULT_ID_PATTERNS,
) -> list[Impact]:
    """For each changed document, the current documents it references and that reference it:
    by front matter, by record forms, by links and by bare IDs in the text (as the site's
    "Referenced by" lists them)."""
    references = References(documents, id_patterns)
    by_id = references.by_id
    result = []
    for change in changes:
        doc_id = change.doc_id
        if doc_id is None:
            continue
        outgoing = references.named_by(change.new if change.new else change.doc)
        named = tuple(
            Reference(by_id[target], found.ways)
            for target, found in sorted(outgoing.items())
            if target in by_id
        )
        referenced_by = tuple(
            Reference(d, found.ways)
            for d, found in references.referencing(doc_id)
            if d.path != change.path
        )
        result.append(Impact(change, named, referenced_by))
    return result


# --- reading the change from Git --------------------------------------------------------------


class ChangeError(GitError):
    """The change cannot be compared with its base; the message says what to do."""


SHALLOW_MESSAGE = (
    "the repository is a shallow clone, so the base of the change and the IDs used in its "
    "history cannot be read. Fetch the whole history with 'git fetch --unshallow' (in GitHub "
    "Actions set 'fetch-depth: 0' on actions/checkout; in GitLab CI set 'GIT_DEPTH: 0')"
)


@dataclass(frozen=True)
class ChangeTrailer:
    """A trailer of the change that names documents (an editorial waiver, a periodic review):
    asked for in a commit of the branch, or confirmed in the merge that lands the change."""

    doc_ids: tuple[str, ...]
    reason: str
    commit: Commit
    confirmed: bool  # it stands in the approved change itself (the merge being checked)


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
    # First-parent commits that are not on the base branch yet: the proposed change, which the
    # history rules leave to the change rules.
    proposal: frozenset[str] = frozenset()
    landing: str | None = None  # HEAD, when it is the merge that lands the change
    editorial: list[ChangeTrailer] = field(default_factory=list)
    folder_move: FolderMove | None = None
    mailmap_changed: str | None = None
    # Periodic-review trailers on the branch: the merge repeats them to record the reviews.
    reviews: list[ChangeTrailer] = field(default_factory=list)


def read_documents_at(
    repo: Repository,
    commit: str,
    settings: Settings,
    schema: DocumentSchema,
    folder: str | None = None,
) -> list[Document]:
    """The controlled documents as they were at ``commit`` (one ls-tree, one cat-file).

    ``folder`` is the procedures folder at that commit, repository-relative (default: where it
    is now).
    """
    prefix = _repo_folder(repo, settings) if folder is None else folder
    root = settings.root.resolve()
    files = repo.tree(commit, [prefix] if prefix else [])
    wanted: dict[str, str] = {}
    for name, oid in files.items():
        rel = name[len(prefix) + 1 :] if prefix else name
        if is_markdown(name) and not any(p.startswith(".") for p in PurePosixPath(rel).parts):
            wanted[name] = oid
    blobs = repo.read_blobs(wanted.values())
    text_fields = schema.text_fields()
    mount = settings.mount if folder is None else PurePosixPath(prefix).name
    documents = []
    for name in sorted(wanted):
        rel = name[len(prefix) + 1 :] if prefix else name
        absolute = repo.root / name
        try:
            path = absolute.relative_to(root).as_posix()
        except ValueError:
            path = absolute.as_posix()
        src_uri = f"{mount}/{rel}" if mount else rel
        with reading(f"{name} at {commit[:12]}"):
            doc = parse_document(blobs.get(wanted[name], b""), path, src_uri, schema, text_fields)
        if doc is not None:
            documents.append(doc)
    return documents


def _repo_folder(repo: Repository, settings: Settings) -> str:
    """The procedures folder relative to the repository ('' for its root)."""
    try:
        prefix = settings.folder.relative_to(repo.root).as_posix()
    except ValueError:
        raise ChangeError(
            f"the procedures folder {settings.folder} is not inside the Git repository at "
            f"{repo.root}"
        ) from None
    return "" if prefix == "." else prefix


_IDENT = re.compile(r"^(.*?) <([^<>]*)> \d+ [+-]\d{4}$")


@dataclass(frozen=True)
class BranchCommit:
    """A commit of the change (base..HEAD), its author as the base's .mailmap names them."""

    commit: Commit
    own_changes: bool  # a merge that changes files itself (a conflict resolution, an edit)

    @property
    def authored(self) -> bool:
        """Whether its author wrote part of the change: every commit but a merge that only
        joins its parents (whoever merges a pull request, often the approver, did not write it;
        a merge with changes of its own did write them)."""
        return not self.commit.is_merge or self.own_changes


def read_change_log(repo: Repository, base_commit: str) -> list[BranchCommit]:
    """Every commit of base..HEAD, newest first, in one process.

    Authors are read as Git recorded them and mapped with the ``.mailmap`` of ``base_commit``:
    a ``.mailmap`` the change itself adds or edits cannot rename its own authors. Each merge's
    combined diff (``--cc``) tells whether it changed files itself.
    """
    fields = ["%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"]
    fmt = "%x1e" + "%x1f".join(fields) + "%x1f"
    out = repo.run(
        [
            "log",
            "--no-mailmap",
            f"--format={fmt}",
            "--cc",
            "--name-only",
            "-z",
            f"{base_commit}..HEAD",
            "--",
        ]
    ).decode("utf-8", "replace")
    mailmap = Mailmap(_mailmap_at(repo, base_commit))
    found = []
    for record in out.split("\x1e"):
        parts = record.split("\x1f")
        if len(parts) < 10:
            continue
        sha, parents, an, ae, ad, cn, ce, cd, message, names = parts[:10]
        files = [n for n in names.strip("\0\n").split("\0") if n]
        commit = Commit(
            sha,
            tuple(parents.split()),
            mailmap.person(an, ae),
            ad,
            mailmap.person(cn, ce),
            cd,
            message.strip("\n"),
        )
        found.append(BranchCommit(commit, commit.is_merge and bool(files)))
    return found


def _mailmap_at(repo: Repository, commit: str) -> str:
    try:
        return repo.text(["cat-file", "blob", f"{commit}:.mailmap"])
    except GitError:
        return ""  # no .mailmap there


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
    approval_trailers: Sequence[str] = ("Approved-by",),
    base_folder: str | None = None,
    config_path: str = "mkdocs.yml",
    review_trailer: str = "Periodic-review",
) -> Comparison:
    """Compare the working tree's documents with ``base_ref`` and run the change rules.

    The base side is the merge base of ``base_ref`` and HEAD (what the branch started from, as
    a pull request shows it). ``base_folder`` is the procedures folder there (repository-
    relative) when it differs from today's. Raises ChangeError (a GitError) with what to do
    when the repository cannot answer.
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
    folder = _repo_folder(repo, settings)
    old_folder = folder if base_folder is None else base_folder.strip("/")
    base_docs = read_documents_at(
        repo, merge_base, settings, schema, None if old_folder == folder else old_folder
    )
    log = read_change_log(repo, base_commit)
    landing = _landing(repo, log, base_commit, approval_trailers)
    authors = tuple(dict.fromkeys(c.commit.author for c in log if c.authored))
    if repo.status([folder] if folder else []):
        author = working_tree_author(repo)
        if author is not None and author not in authors:
            authors = (*authors, author)
    waivers: list[tuple[Commit, NamedTrailer]] = []
    reviews: list[tuple[Commit, NamedTrailer]] = []
    moved: list[str] = []
    for entry in log:
        waivers += [(entry.commit, w) for w in named(entry.commit, editorial_trailer)]
        reviews += [(entry.commit, r) for r in named(entry.commit, review_trailer)]
        moved += [v.strip() for v in entry.commit.trailer_values([MOVED_TRAILER]) if v.strip()]
    used = ids_ever_used(repo, merge_base, folder)
    if old_folder != folder:
        used = {**ids_ever_used(repo, merge_base, old_folder), **used}
    changes = pair_documents(base_docs, docset.documents)
    folder_move = None
    if old_folder != folder:
        folder_move = FolderMove(
            old_folder,
            folder,
            config_path,
            any(old_folder in {t.rstrip("/") for t in v.replace(",", " ").split()} for v in moved),
            frozenset(
                c.doc_id
                for c in changes
                if c.kind == "renamed"
                and c.doc_id
                and c.old is not None
                and c.new is not None
                and _below(repo, settings, c.old.path, old_folder)
                == _below(repo, settings, c.new.path, folder)
            ),
        )
    context = ChangeContext(
        scheme=scheme,
        authors=authors,
        waivers=tuple(w for c, w in waivers if landing is not None and c.sha == landing),
        requests=tuple((c, w) for c, w in waivers if landing is None or c.sha != landing),
        moved=tuple(moved),
        ids_ever_used=used,
        base=base_ref,
        editorial_trailer=editorial_trailer,
        folder_move=folder_move,
        mailmap_changed=_mailmap_changed(repo, merge_base, settings),
    )
    findings = run_change_rules(changes, context)
    proposal = frozenset(
        repo.text(["rev-list", "--first-parent", "HEAD", f"^{base_commit}"]).split()
    ) - ({landing} if landing else set())
    return Comparison(
        base_ref,
        base_commit,
        merge_base,
        changes,
        authors,
        findings,
        impact(changes, docset.documents, settings.id_patterns),
        proposal=proposal,
        landing=landing,
        editorial=[
            ChangeTrailer(w.doc_ids, w.reason, c, landing is not None and c.sha == landing)
            for c, w in waivers
        ],
        folder_move=folder_move,
        mailmap_changed=context.mailmap_changed,
        reviews=[
            ChangeTrailer(r.doc_ids, r.reason, c, landing is not None and c.sha == landing)
            for c, r in reviews
        ],
    )


def _landing(
    repo: Repository, log: Sequence[BranchCommit], base_commit: str, trailers: Sequence[str]
) -> str | None:
    """HEAD, when it is the merge that lands the change: a merge onto the base branch that
    carries the approval (a local merge checked before it is pushed). A test merge a CI service
    makes carries no approval, so it stays part of the proposal."""
    sha = repo.head()
    head = next((c.commit for c in log if c.commit.sha == sha), None)
    if head is None or not head.is_merge or not head.trailer_values(trailers):
        return None
    try:
        repo.run(["merge-base", "--is-ancestor", head.parents[0], base_commit])
    except GitError:
        return None
    return head.sha


def _below(repo: Repository, settings: Settings, path: str, folder: str) -> str:
    """A project-relative path's place below a repository-relative folder."""
    absolute = (settings.root / path).resolve()
    try:
        rel = absolute.relative_to(repo.root).as_posix()
    except ValueError:
        return path
    return rel[len(folder) + 1 :] if folder and rel.startswith(folder + "/") else rel


def _mailmap_changed(repo: Repository, merge_base: str, settings: Settings) -> str | None:
    """The project-relative path of ``.mailmap`` if the change (committed or not) edits it."""
    if not repo.text(["diff", "--name-only", merge_base, "--", ".mailmap"]).strip():
        untracked = repo.status([".mailmap"])
        if not untracked:
            return None
    absolute = repo.root / ".mailmap"
    try:
        return absolute.relative_to(settings.root.resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def merge_trailers(
    comparison: Comparison,
    roles: Roles,
    approval_trailer: str = "Approved-by",
    editorial_trailer: str = EDITORIAL_TRAILER,
    review_trailer: str = "Periodic-review",
) -> list[str]:
    """The trailers the merge or squash message must carry for this change: an approval for
    each revision it approves, the editorial changes the branch asks for (the approver
    confirms them by merging with these lines) and the periodic reviews it records. Nothing
    when HEAD is that merge already."""
    if comparison.landing is not None:
        return []
    lines: list[str] = []
    for change in comparison.changes:
        new, old = change.new, change.old
        if new is None or new.status not in ("approved", "effective") or not new.approved_by:
            continue
        if old is not None and not change.revision_changed and old.approved_by == new.approved_by:
            continue  # no new approval in this change
        lines += [f"{approval_trailer}: {_trailer_person(name, roles)}" for name in new.approved_by]
    kept = {
        c.doc_id
        for c in comparison.changes
        if c.body_changed and not c.revision_changed and c.doc_id
    }
    # A review leaves text and revision as they are: only the front matter changed.
    reviewed = {
        c.doc_id
        for c in comparison.changes
        if c.kind == "modified" and not c.body_changed and not c.revision_changed and c.doc_id
    }
    for key, entries, wanted in (
        (editorial_trailer, comparison.editorial, kept),
        (review_trailer, comparison.reviews, reviewed),
    ):
        for entry in entries:
            covered = [doc_id for doc_id in entry.doc_ids if doc_id in wanted]
            if covered and not entry.confirmed:
                lines.append(f"{key}: {', '.join(covered)}: {entry.reason}")
    return list(dict.fromkeys(lines))


def _trailer_person(text: str, roles: Roles) -> str:
    """``approved_by`` text as an Approved-by trailer names the person: with the address
    ``roles`` knows for them, without a role in brackets."""
    role = roles.role(text)
    if role is not None and len(roles.holders[role]) == 1:
        return roles.holders[role][0]
    for specs in roles.holders.values():
        for spec in specs:
            if "<" in spec and Person.parse(spec).is_named_by(text):
                return spec
    return " ".join(re.sub(r"\([^()]*\)", " ", text).split()) or text
