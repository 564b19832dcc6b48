"""Revision history from Git: every approved change of every document, read in one pass.

The controlled line is the first-parent history of the published branch. Each first-parent commit
that touches a document is an *approved change* (the merge or squash of a pull request); the
commits that came in through a merge's other parents are its *drafting* commits. A *revision* is a
run of approved changes that share one ``revision`` value in the front matter.

Cost: two ``git log`` processes and one ``git cat-file --batch``, run side by side, whatever the
number of documents or commits. With the cache, a build at a later commit of the line reads only
the commits made since the last one it kept.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from . import frontmatter
from .git import GitError, Repository

# Bump when the pickled shape changes, so an old cache is never read back.
CACHE_FORMAT = 2

# A few per scope in use (site build, `qms history`, `qms check --base`): a build at a new commit
# carries the latest one of its line forward.
KEEP_CACHED = 6

# Front-matter keys read at every change; the rest of a historic front matter is not needed.
SNAPSHOT_KEYS = (
    "doc_id",
    "title",
    "revision",
    "status",
    "approved_by",
    "effective_date",
    "change_summary",
)

SHALLOW_FIX = (
    "the repository is a shallow clone, so its history is cut short and revision dates and "
    "approvals would be wrong. Fetch the whole history with 'git fetch --unshallow' (in GitHub "
    "Actions: 'fetch-depth: 0' on actions/checkout; in GitLab CI: 'GIT_DEPTH: 0'), or set "
    "'history_shallow: mark' for the qms plugin to build anyway with every page marked as "
    "having incomplete history"
)


class HistoryError(GitError):
    """History cannot be read truthfully; the message says why and what to do."""


# --- people, commits and their messages -------------------------------------------------------


def identity_key(text: str) -> tuple[str, str]:
    """(name, email) for comparing people: roles in brackets dropped, case and spacing folded."""
    email_match = re.search(r"<([^<>]*)>", text)
    email = email_match.group(1).strip().casefold() if email_match else ""
    name = re.sub(r"<[^<>]*>|\([^()]*\)", " ", text)
    name = " ".join(name.split()).casefold()
    if not email and "@" in name and " " not in name:
        name, email = "", name
    return name, email


@dataclass(frozen=True)
class Person:
    name: str
    email: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name

    def is_named_by(self, text: str) -> bool:
        """Whether ``text`` (as written in front matter or a trailer) names this person.

        Names match ignoring case, spacing, a role in brackets and an address; addresses
        match ignoring case: ``Ruth Okafor (Managing Director)`` names Ruth Okafor.
        """
        name, email = identity_key(text)
        own_name, own_email = identity_key(str(self))
        return bool((name and name == own_name) or (email and email == own_email))

    @staticmethod
    def parse(text: str) -> Person:
        """``Name <email>`` (as in trailers), or just a name or an address."""
        return _parse_person(text)


# One Person per identity: a history's tens of thousands of commits are made by a few dozen
# people, and shared objects make the cached history smaller and quicker to read back.
_person = lru_cache(maxsize=4096)(Person)


@lru_cache(maxsize=4096)
def _parse_person(text: str) -> Person:
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]*)>\s*", text)
    if match:
        name, email = match.group(1), match.group(2).strip()
        return Person(name or email, email)
    text = text.strip()
    return Person(text, text if "@" in text and " " not in text else "")


# A trailer block is the message's last paragraph when each of its lines is "Key: value".
_TRAILER = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*\S)[ \t]*$")
_GITHUB_MERGE = re.compile(r"^Merge pull request #(\d+)\b")
_GITHUB_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_GITLAB = re.compile(r"See merge request (?:([\w./-]+))?!(\d+)")
_BITBUCKET = re.compile(r"\(pull request #(\d+)\)")

# Committers that stand for a code host's web interface rather than a person.
_WEB_COMMITTERS = ("noreply@github.com", "noreply@gitlab.com")


def parse_trailers(message: str) -> tuple[tuple[str, str], ...]:
    """The ``Key: value`` trailers of a commit message, keys in their canonical case."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip()) if p.strip()]
    if len(paragraphs) < 2:
        return ()
    trailers: list[tuple[str, str]] = []
    for line in paragraphs[-1].splitlines():
        if line[:1] in (" ", "\t") and trailers:  # a folded continuation line
            key, value = trailers[-1]
            trailers[-1] = (key, f"{value} {line.strip()}")
            continue
        match = _TRAILER.match(line)
        if match is None:
            return ()
        trailers.append((_canonical(match.group(1)), match.group(2)))
    return tuple(trailers)


def _canonical(key: str) -> str:
    return "-".join(part.capitalize() for part in key.split("-"))


@lru_cache(maxsize=64)
def _canonical_keys(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_canonical(key) for key in keys)


@dataclass(frozen=True)
class ChangeRef:
    """The pull or merge request a change came through."""

    host: str  # "github", "gitlab" or "bitbucket"
    number: int
    project: str | None = None

    def __str__(self) -> str:
        return f"!{self.number}" if self.host == "gitlab" else f"#{self.number}"


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: Person
    author_date: str  # ISO 8601 with the author's zone
    committer: Person
    committer_date: str
    message: str
    signature: str | None = None  # git's %G? code when signatures are checked

    @property
    def short(self) -> str:
        return self.sha[:8]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def body(self) -> str:
        """The message after the subject, without the trailer block."""
        rest = self.message.split("\n", 1)[1] if "\n" in self.message else ""
        rest = rest.strip()
        if self.trailers:
            paragraphs = re.split(r"\n[ \t]*\n", rest)
            rest = "\n\n".join(paragraphs[:-1]).strip()
        return rest

    @cached_property
    def trailers(self) -> tuple[tuple[str, str], ...]:
        return parse_trailers(self.message)

    def trailer_values(self, keys: Iterable[str]) -> tuple[str, ...]:
        if not self.trailers:
            return ()
        wanted = _canonical_keys(tuple(keys))
        return tuple(value for key, value in self.trailers if key in wanted)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @cached_property
    def change_ref(self) -> ChangeRef | None:
        """The pull or merge request number, from GitHub, GitLab or Bitbucket messages."""
        if match := _GITHUB_MERGE.match(self.subject):
            return ChangeRef("github", int(match.group(1)))
        if match := _GITLAB.search(self.message):
            return ChangeRef("gitlab", int(match.group(2)), match.group(1) or None)
        if match := _BITBUCKET.search(self.subject):
            return ChangeRef("bitbucket", int(match.group(1)))
        if match := _GITHUB_SQUASH.search(self.subject):
            return ChangeRef("github", int(match.group(1)))
        return None

    @property
    def merger(self) -> Person | None:
        """Who landed the change on the published branch, where Git shows it.

        A merge commit is authored by whoever merged (locally or on GitHub or GitLab). A
        squashed or rebased change is committed by whoever landed it, unless the code host's
        web interface committed it.
        """
        if self.is_merge:
            return self.author
        if self.committer.email.lower() in _WEB_COMMITTERS or self.committer.name == "GitHub":
            return None
        return self.committer


# --- what a document looked like at a change ----------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The front-matter fields history needs, as they stood at one change."""

    has_front_matter: bool
    fields: tuple[tuple[str, Any], ...]
    body_digest: str

    def get(self, key: str) -> Any:
        return self._values.get(key)

    @cached_property
    def _values(self) -> dict[str, Any]:
        return dict(self.fields)

    def text(self, key: str) -> str | None:
        value = self.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if isinstance(value, str) and value.strip():
            return (value.strip(),)
        if isinstance(value, list):
            return tuple(str(v).strip() for v in value if isinstance(v, str | int) and str(v))
        return ()


# The line that closes a front matter (the opening one is checked on its own).
_CLOSING = re.compile(rb"^(?:---|\.\.\.)[ \t\f\v]*\r?$", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"


def snapshot_of(raw: bytes) -> Snapshot:
    """Read the fields history needs from one version of a file.

    History reads thousands of versions, so the bytes are split without decoding the body,
    and plain ``key: value`` front matter is read directly; anything else goes through the
    same YAML parse as the documents.
    """
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    first_end = raw.find(b"\n")
    opening = raw if first_end < 0 else raw[:first_end]
    if b"\r" in opening.rstrip(b"\r") or opening.rstrip() != b"---":
        return _slow_snapshot(raw) if b"\r" in raw else Snapshot(False, (), _digest(raw))
    closing = _CLOSING.search(raw, first_end + 1)
    if closing is None:  # opened but never closed: nothing can be read from it
        return Snapshot(True, (), _digest(raw))
    front = _decode(raw[first_end + 1 : closing.start()]).replace("\r\n", "\n")
    if "\r" in front:
        return _slow_snapshot(raw)
    return Snapshot(True, _fields(front.rstrip("\n")), _digest(raw[closing.end() + 1 :]))


def _slow_snapshot(raw: bytes) -> Snapshot:
    """A version with old Mac line endings (a lone CR): split as the documents are."""
    front, body, _ = frontmatter.split(_decode(raw))
    digest = _digest(body.encode("utf-8", "surrogatepass"))
    return Snapshot(front is not None, _fields(front) if front else (), digest)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _digest(body: bytes) -> str:
    """What "the body changed" compares: the text, whatever its encoding and line endings."""
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            body = body.decode("cp1252", "replace").encode("utf-8")
    if b"\r" in body:
        body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return hashlib.blake2b(body.strip(), digest_size=12).hexdigest()


_NULLS = ("~", "null", "Null", "NULL")


def _plain(value: str) -> bool:
    """Whether YAML reads ``value`` (a plain scalar on one line) as the very same text."""
    return not (
        value[:1] in "'\"[{|>&*!%@`#?:,-" or " #" in value or ": " in value or value.endswith(":")
    )


@lru_cache(maxsize=8192)
def _fields(front: str) -> tuple[tuple[str, Any], ...]:
    """The wanted fields of one front matter (the same one recurs across versions)."""
    values = simple_fields(front)
    if values is None:
        parsed = frontmatter.parse(f"---\n{front}\n---\n", "", SNAPSHOT_KEYS)
        values = {k: parsed.data[k] for k in SNAPSHOT_KEYS if k in parsed.data}
    return tuple(sorted(values.items()))


# A line that is none of: ``key: value`` (or ``key:``), blank, indented, a list item, a comment.
_ODD_LINE = re.compile(r"^(?![A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)|[ \t#-]|$)", re.MULTILINE)
# An indented line straight after a ``key: value`` line: the value goes on (or is a mapping).
_INDENTED = re.compile(r"\n[ \t]+\S")
_CONTINUED = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:[ \t]+\S[^\n]*\n[ \t]+\S", re.MULTILINE)
# A wanted key's line, and the blank, indented, list and comment lines after it.
_WANTED_LINE = re.compile(
    rf"^({'|'.join(SNAPSHOT_KEYS)})[ \t]*:(?:[ \t]+(.*?))?[ \t]*$((?:\n(?:[ \t#-].*)?)*)",
    re.MULTILINE,
)


def simple_fields(front: str) -> dict[str, Any] | None:
    """The wanted keys from plain ``key: value`` lines and ``- item`` lists under them; None
    where YAML must decide."""
    if front[:1] in (" ", "\t") or _ODD_LINE.search(front):
        return None
    if _INDENTED.search(front) and _CONTINUED.search(front):
        return None
    values: dict[str, Any] = {}
    for key, value, rest in _WANTED_LINE.findall(front):
        if key in values:
            return None  # a repeated key: YAML's rules decide which one counts
        lines = [line for line in rest.split("\n") if line.strip()[:1] not in ("", "#")]
        if value:
            if lines or not _plain(value):
                return None
            values[key] = None if value in _NULLS else value
            continue
        items = []
        for line in lines:
            item = line[2:].strip()
            if not line.startswith("- ") or not item or not _plain(item) or item in _NULLS:
                return None
            items.append(item)
        values[key] = items or None
    return values


# --- the model ----------------------------------------------------------------------------------

KINDS = {"A": "added", "M": "modified", "T": "modified", "R": "renamed", "D": "deleted"}


@dataclass
class Change:
    """One approved change to one document: a first-parent commit that touched it."""

    commit: Commit
    position: int  # place in the first-parent line, 0 = the oldest commit
    kind: str  # added, modified, renamed, deleted
    path: str
    old_path: str | None
    blob: str | None
    snapshot: Snapshot | None = None
    drafting: tuple[Commit, ...] = ()
    body_changed: bool = False

    @property
    def revision(self) -> str | None:
        return self.snapshot.text("revision") if self.snapshot else None


@dataclass
class Revision:
    """A run of approved changes sharing one ``revision`` value, oldest change first."""

    revision: str | None
    changes: list[Change]

    @property
    def last(self) -> Change:
        return self.changes[-1]

    def field(self, key: str) -> str | None:
        """A front-matter field as the revision's latest change left it."""
        snapshot = self.last.snapshot
        return snapshot.text(key) if snapshot else None

    def approvers(self, trailer_keys: Sequence[str]) -> tuple[Person, ...]:
        """Everyone Git records as approving a change of this revision, in order."""
        people = [
            Person.parse(value)
            for change in self.changes
            for value in change.commit.trailer_values(trailer_keys)
        ]
        return tuple(dict.fromkeys(people))


@dataclass
class DocumentHistory:
    """Every approved change of one file, followed through renames, oldest first."""

    path: str  # where it is now (or was last, if deleted)
    changes: list[Change] = field(default_factory=list)

    @property
    def deleted(self) -> bool:
        return bool(self.changes) and self.changes[-1].kind == "deleted"

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for c in self.changes for p in (c.old_path, c.path) if p))

    def revisions(self) -> list[Revision]:
        runs: list[Revision] = []
        for change in self.changes:
            if change.kind == "deleted":
                if runs:
                    runs[-1].changes.append(change)
                continue
            if runs and runs[-1].revision == change.revision:
                runs[-1].changes.append(change)
            else:
                runs.append(Revision(change.revision, [change]))
        return runs

    def current_revision(self) -> Revision | None:
        runs = self.revisions()
        return runs[-1] if runs else None


@dataclass
class History:
    """The history of every Markdown file reachable from one commit."""

    head: str | None
    shallow: bool
    documents: dict[str, DocumentHistory]  # by current path; files that still exist
    deleted: list[DocumentHistory]
    first_parent: list[str]  # the controlled line, oldest first

    def get(self, path: str) -> DocumentHistory | None:
        return self.documents.get(path)

    def position(self, sha: str) -> int | None:
        """The place of a commit on the controlled line, or None if it is not on it."""
        return self._positions.get(sha)

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {sha: index for index, sha in enumerate(self.first_parent)}

    def ids_ever_used(self) -> dict[str, str]:
        """Every doc_id any version of any file carried, with the last path that carried it."""
        used: dict[str, str] = {}
        for doc in [*self.deleted, *self.documents.values()]:
            for change in doc.changes:
                doc_id = change.snapshot.text("doc_id") if change.snapshot else None
                if doc_id:
                    used[doc_id] = change.path
        return used


# --- reading git --------------------------------------------------------------------------------

MARKDOWN_SUFFIXES = (".md", ".markdown")

# Settings of the user's that would change what `git log` prints; the rest is in its arguments.
_LOG_SETTINGS = ("-c", "log.showSignature=false", "-c", "log.showRoot=true")


@dataclass(frozen=True)
class _Entry:
    status: str
    old_path: str | None
    path: str
    old_blob: str | None
    blob: str | None


def _is_markdown(path: str) -> bool:
    return path.endswith(MARKDOWN_SUFFIXES)


def _oid(text: str) -> str | None:
    return text if text.strip("0") else None


def _entry(
    letter: str, old_path: str | None, path: str, old_oid: str, new_oid: str
) -> _Entry | None:
    """A file change as history sees it: Markdown files only, so a rename between a Markdown
    file and another kind of file is an addition or a deletion."""
    if old_path is None:
        if not _is_markdown(path):
            return None
        return _Entry(letter, None, path, _oid(old_oid), _oid(new_oid))
    was, now = _is_markdown(old_path), _is_markdown(path)
    if was and now:
        return _Entry(letter, old_path, path, _oid(old_oid), _oid(new_oid))
    if now:
        return _Entry("A", None, path, None, _oid(new_oid))
    if was and letter == "R":
        return _Entry("D", None, old_path, _oid(old_oid), None)
    return None


def _raw_log(repo: Repository, args: Sequence[str]) -> Iterator[tuple[str, list[_Entry]]]:
    """``(header, Markdown file changes)`` of each commit ``git log -z --raw args`` lists.

    The header is the commit's ``--format`` text. With ``-z`` every field is NUL-terminated:
    a header, then for each change its ``:mode mode oid oid status`` line and one path (two
    for a rename), so paths are read by position and may contain anything but NUL.
    """
    out = repo.run([*_LOG_SETTINGS, "log", "--no-color", "-z", "--raw", "--no-abbrev", "-M", *args])
    tokens = out.decode("utf-8", "surrogateescape").split("\0")
    header: str | None = None
    entries: list[_Entry] = []
    index, count = 0, len(tokens)
    while index < count:
        token = tokens[index]
        if token.startswith((":", "\n:")):
            _, _, old_oid, new_oid, status = token.lstrip("\n")[1:].split(" ", 4)
            letter = status[:1]
            if letter in "RC":
                found = _entry(letter, tokens[index + 1], tokens[index + 2], old_oid, new_oid)
                index += 3
            else:
                found = _entry(letter, None, tokens[index + 1], old_oid, new_oid)
                index += 2
            if found is not None:
                entries.append(found)
            continue
        if token:
            if header is not None:
                yield header, entries
            header, entries = token, []
        index += 1
    if header is not None:
        yield header, entries


def _readable(text: str) -> str:
    """Text from git for people: bytes that are not UTF-8 shown as U+FFFD. (Paths keep them
    escaped, so that they can be given back to git.)"""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _read_line(repo: Repository, revs: Sequence[str]) -> tuple[list[str], dict[str, list[_Entry]]]:
    """The controlled line, oldest first, and what each of its commits changed (a merge
    against its first parent: what the merged pull request brought).

    ``revs`` is the head, and ``^base`` when only the commits since ``base`` are wanted.
    """
    line: list[str] = []
    changes: dict[str, list[_Entry]] = {}
    args = ["--first-parent", "--diff-merges=first-parent", "--format=%H", *revs, "--"]
    for sha, entries in _raw_log(repo, args):
        line.append(sha)
        if entries:
            changes[sha] = entries
    line.reverse()
    return line, changes


def _read_commits(
    repo: Repository, revs: Sequence[str], signatures: bool
) -> tuple[dict[str, Commit], dict[str, list[_Entry]]]:
    """Every commit ``revs`` reach, and what each commit that is not a merge changed
    (drafting commits included)."""
    fields = ["%H %P", "%aN", "%aE", "%aI", "%cN", "%cE", "%cI", "%G?" if signatures else "", "%B"]
    args = ["--diff-merges=off", "--format=" + "%x1f".join(fields), *revs, "--"]
    commits: dict[str, Commit] = {}
    changes: dict[str, list[_Entry]] = {}
    for header, entries in _raw_log(repo, args):
        ids, an, ae, ad, cn, ce, cd, sig, message = _readable(header).split("\x1f", 8)
        sha, *parents = ids.split()
        commits[sha] = Commit(
            sha,
            tuple(parents),
            _person(an, ae),
            ad,
            _person(cn, ce),
            cd,
            message.strip("\n"),
            sig or None,
        )
        if entries:
            changes[sha] = entries
    return commits, changes


def _drafting_sets(commits: dict[str, Commit], line: list[str]) -> dict[str, list[str]]:
    """For each first-parent merge, the commits it brought in that its first parent lacked.

    Walking the line from its oldest commit, ``seen`` is always the ancestry of the current
    commit's first parent, so each commit is visited once in all.
    """
    seen: set[str] = set()
    result: dict[str, list[str]] = {}
    for sha in line:
        commit = commits[sha]
        brought: list[str] = []
        stack = [p for p in commit.parents[1:] if p not in seen and p in commits]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            brought.append(current)
            stack.extend(p for p in commits[current].parents if p not in seen and p in commits)
        seen.add(sha)
        if brought:
            result[sha] = brought
    return result


def _branch_renames(
    brought: list[str], entries: dict[str, list[_Entry]], commits: dict[str, Commit]
) -> dict[str, str]:
    """Where each file renamed on a merged branch ended up: old path -> final path."""
    final: dict[str, str] = {}
    ordered = sorted(brought, key=lambda sha: (commits[sha].committer_date, sha))
    for sha in ordered:
        for entry in entries.get(sha, ()):
            if entry.status == "R" and entry.old_path:
                origin = next((o for o, n in final.items() if n == entry.old_path), None)
                final[origin or entry.old_path] = entry.path
    return final


def _pair_moves(found: list[_Entry], renames: dict[str, str]) -> list[_Entry]:
    """Turn a deletion and an addition in a merge into the rename the branch made.

    Git compares a merge with its first parent only; a file that was moved and much rewritten
    on the branch then looks deleted and added. The branch's own commits show the move.
    """
    added = {e.path: e for e in found if e.status == "A"}
    paired: list[_Entry] = []
    used: set[str] = set()
    for entry in found:
        target = renames.get(entry.path) if entry.status == "D" else None
        if target in added:
            new = added[target]
            paired.append(_Entry("R", entry.path, new.path, entry.old_blob, new.blob))
            used.add(new.path)
        else:
            paired.append(entry)
    return [e for e in paired if not (e.status == "A" and e.path in used)]


def _follow(
    line: list[str],
    entries: dict[str, list[_Entry]],
    commits: dict[str, Commit],
    drafting: dict[str, list[str]],
    alive: dict[str, DocumentHistory],
    gone: dict[str, DocumentHistory],
    start: int = 0,
) -> None:
    """Attach every first-parent file change to the document it belongs to, through renames.

    ``alive`` (documents by path) and ``gone`` (deleted documents by their last path, in case
    the same path comes back) are updated in place; ``line`` begins at position ``start``.
    """
    for position, sha in enumerate(line, start):
        found = entries.get(sha)
        if not found:
            continue
        if sha in drafting and any(e.status == "D" for e in found):
            found = _pair_moves(found, _branch_renames(drafting[sha], entries, commits))
        commit = commits[sha]
        moved: list[tuple[DocumentHistory, _Entry]] = []
        for entry in found:
            source = entry.old_path if entry.status in "RC" else entry.path
            doc = alive.get(source or "") if entry.status != "A" else None
            if doc is None and entry.status == "A":
                doc = gone.pop(entry.path, None)
            if doc is None:
                doc = DocumentHistory(entry.path)
            status = entry.status if entry.status in KINDS else "M"
            if status == "R" and entry.old_path not in alive:
                status = "A"  # renamed from a file that is not Markdown
            doc.changes.append(
                Change(
                    commit,
                    position,
                    KINDS[status],
                    entry.path,
                    entry.old_path if status == "R" else None,
                    entry.blob,
                )
            )
            moved.append((doc, entry))
        for doc, entry in moved:
            if entry.status in "RD":
                old = entry.old_path if entry.status == "R" else entry.path
                if old and alive.get(old) is doc:
                    del alive[old]
        for doc, entry in moved:
            if entry.status == "D":
                doc.path = entry.path
                gone[entry.path] = doc
            else:
                doc.path = entry.path
                alive[entry.path] = doc


def _attach_drafting(
    docs: Iterable[DocumentHistory],
    drafting: dict[str, list[str]],
    entries: dict[str, list[_Entry]],
    commits: dict[str, Commit],
) -> None:
    """Give each approved change the drafting commits that touched the same file."""
    touched: dict[str, set[str]] = {}
    for doc in docs:
        for change in doc.changes:
            brought = drafting.get(change.commit.sha)
            if not brought:
                continue
            names = {change.path, change.old_path} - {None}
            mine = []
            for sha in brought:
                if sha not in touched:
                    touched[sha] = {
                        p for e in entries.get(sha, ()) for p in (e.path, e.old_path) if p
                    }
                if touched[sha] & names:
                    mine.append(commits[sha])
            mine.sort(key=lambda c: (c.committer_date, c.sha))
            change.drafting = tuple(mine)


def _read_snapshots(repo: Repository, oids: Iterable[str]) -> dict[str, Snapshot]:
    """The snapshot of each blob, worked out while git reads the next one."""
    return {oid: snapshot_of(raw) for oid, raw in repo.iter_blobs(oids)}


def _blobs_in(changes: dict[str, list[_Entry]], scope: Sequence[str]) -> list[str]:
    """The blobs of the changes below the scope's folders: what history will read."""
    prefixes = tuple(scope)
    return [
        entry.blob
        for entries in changes.values()
        for entry in entries
        if entry.blob and entry.path.startswith(prefixes)
    ]


def _attach_snapshots(
    repo: Repository,
    docs: Sequence[DocumentHistory],
    snapshots: dict[str, Snapshot],
    start: int = 0,
) -> None:
    """Give every change from position ``start`` on its snapshot (reading any blob not read
    yet: versions of a document from before it moved into the scope) and tell whether its body
    changed."""
    news = [(doc, _first_new(doc, start)) for doc in docs]
    missing = [c.blob for d, i in news for c in d.changes[i:] if c.blob and c.blob not in snapshots]
    snapshots.update(_read_snapshots(repo, missing))
    for doc, first in news:
        previous = doc.changes[first - 1].snapshot if first else None
        for change in doc.changes[first:]:
            if change.blob:
                snap = snapshots.get(change.blob)
                change.snapshot = snap
                change.body_changed = (
                    previous is None or snap is None or snap.body_digest != previous.body_digest
                )
                previous = snap
            else:
                change.snapshot = previous


def _first_new(doc: DocumentHistory, start: int) -> int:
    """The index of the document's first change at or after line position ``start``."""
    index = len(doc.changes)
    while index and doc.changes[index - 1].position >= start:
        index -= 1
    return index


@dataclass(frozen=True)
class _State:
    git_dir: Path
    shallow: bool
    head: str | None


def _state(repo: Repository, rev: str) -> _State:
    ask = ["rev-parse", "--absolute-git-dir", "--is-shallow-repository"]
    head: str | None
    try:  # one git process where the commit exists
        out = repo.text([*ask, "--verify", "--quiet", f"{rev}^{{commit}}"])
        git_dir, shallow, head = out.rstrip("\n").split("\n")
    except (GitError, ValueError):  # no commit yet, or a ref to explain
        git_dir, shallow = repo.text(ask).split("\n")[:2]
        head = repo.head() if rev == "HEAD" else repo.resolve(rev)
    return _State(Path(git_dir), shallow == "true", head)


def load_history(
    repo: Repository,
    rev: str = "HEAD",
    scope: Sequence[str] = ("",),
    *,
    allow_shallow: bool = False,
    signatures: bool = False,
    cache: bool = True,
) -> History:
    """Read the history of every Markdown file reachable from ``rev``.

    ``scope`` lists path prefixes (repository-relative, '' for all) whose documents get their
    front matter read at every change. A shallow clone raises HistoryError unless
    ``allow_shallow``. With ``cache``, the result is kept in the repository's git folder, keyed
    by the commit: the next build at the same commit reads it back, and a build at a later
    commit of the same first-parent line reads only the commits made since.
    """
    state = _state(repo, rev)
    if state.shallow and not allow_shallow:
        raise HistoryError(SHALLOW_FIX)
    if state.head is None:
        return History(None, state.shallow, {}, [], [])
    with _collector_paused():
        return _load(repo, state, scope, signatures, cache)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: history makes (or unpickles) tens of thousands of
    objects, none of them garbage, and the collector would go over all of them again and again
    (half the time of reading a large cached history back)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(
    repo: Repository, state: _State, scope: Sequence[str], signatures: bool, cache: bool
) -> History:
    assert state.head is not None
    if not cache:
        return _full(repo, state, scope, signatures)
    folder = state.git_dir / "qms-cache"
    family = _family(repo, state, scope, signatures)
    cache_file = folder / f"history-{family}-{state.head}.pickle"
    history = _read_cache(cache_file, state.head)
    if history is not None:
        return history
    base = None if state.shallow else _cached_base(repo, folder, family, state.head)
    if base is not None:
        history = _compute(repo, state, scope, signatures, base)
    if history is None:
        history = _full(repo, state, scope, signatures)
    _write_cache(cache_file, history)
    return history


def _family(repo: Repository, state: _State, scope: Sequence[str], signatures: bool) -> str:
    """What a cached history depends on besides its commit: a history of the same family at an
    earlier commit of the line can be carried forward."""
    mailmap = repo.root / ".mailmap"
    return hashlib.sha256(
        repr(
            (
                CACHE_FORMAT,
                state.shallow,
                tuple(scope),
                signatures,
                mailmap.read_bytes() if mailmap.is_file() else b"",
            )
        ).encode()
    ).hexdigest()[:16]


def _cached_base(repo: Repository, folder: Path, family: str, head: str) -> History | None:
    """The most recent cached history, of the same family, of a commit on ``head``'s
    first-parent line (not on it after a rebase, a reset or a switch of branch: then none)."""
    prefix = f"history-{family}-"
    for path in reversed(_cached_files(folder, f"{prefix}*.pickle")):
        base_head = path.stem.removeprefix(prefix)
        if _COMMIT_ID.fullmatch(base_head) and _is_on_line(repo, base_head, head):
            base = _read_cache(path, base_head)
            if base is not None:
                return base
    return None


def _cached_files(folder: Path, pattern: str) -> list[Path]:
    """The files in the cache folder matching ``pattern``, oldest first; a file another build
    removes meanwhile is left out."""
    found = []
    try:
        for path in folder.glob(pattern):
            try:
                found.append((path.stat().st_mtime, path))
            except OSError:
                continue
    except OSError:
        return []
    return [path for _, path in sorted(found)]


_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def _is_on_line(repo: Repository, base: str, head: str) -> bool:
    """Whether ``base`` is an earlier commit of ``head``'s first-parent line."""
    try:
        out = repo.text(["rev-list", "--first-parent", "--parents", head, f"^{base}", "--"])
    except GitError:  # a commit that no longer exists
        return False
    oldest = out.strip().rpartition("\n")[2].split()
    return len(oldest) > 1 and oldest[1] == base


def _full(repo: Repository, state: _State, scope: Sequence[str], signatures: bool) -> History:
    history = _compute(repo, state, scope, signatures)
    assert history is not None  # only a carried-forward history can be refused
    return history


def _compute(
    repo: Repository,
    state: _State,
    scope: Sequence[str],
    signatures: bool,
    base: History | None = None,
) -> History | None:
    """Three git processes side by side: the controlled line's log (the quickest), which says
    what blobs to read, so ``cat-file`` starts on them while the log of every commit runs.

    With ``base``, the history of an earlier commit of the line (which this call takes over and
    changes), only the commits since it are read. None if they bring into the scope a document
    whose earlier versions the base did not read.
    """
    assert state.head is not None
    revs = [state.head] if base is None else [state.head, f"^{base.head}"]
    start = len(base.first_parent) if base else 0
    alive = base.documents if base else {}
    gone = {doc.path: doc for doc in base.deleted} if base else {}
    prefixes = tuple(scope)
    with ThreadPoolExecutor(max_workers=2) as pool:
        everything = pool.submit(_read_commits, repo, revs, signatures)
        line, line_changes = _read_line(repo, revs)
        reading = pool.submit(_read_snapshots, repo, _blobs_in(line_changes, prefixes))
        commits, changes = everything.result()
        changes.update(line_changes)  # merges on the line: against their first parent
        drafting = _drafting_sets(commits, line)
        _follow(line, changes, commits, drafting, alive, gone, start)
        wanted = [d for d in [*alive.values(), *gone.values()] if _in_scope(d.paths, prefixes)]
        if start and any(_entered_scope(d, prefixes, start) for d in wanted):
            return None
        _attach_drafting(wanted, drafting, changes, commits)
        snapshots = reading.result()
    _attach_snapshots(repo, wanted, snapshots, start)
    first_parent = [*base.first_parent, *line] if base else line
    return History(state.head, state.shallow, alive, list(gone.values()), first_parent)


def _in_scope(paths: Iterable[str | None], prefixes: tuple[str, ...]) -> bool:
    return any(p and p.startswith(prefixes) for p in paths)


def _entered_scope(doc: DocumentHistory, prefixes: tuple[str, ...], start: int) -> bool:
    """Whether a document had changes before ``start``, none of them in the scope."""
    old = doc.changes[: _first_new(doc, start)]
    return bool(old) and not _in_scope((p for c in old for p in (c.path, c.old_path)), prefixes)


def _read_cache(path: Path, head: str) -> History | None:
    """The history cached in ``path`` for ``head``; None if there is none or it cannot be read
    (damaged, cut short, or written by another version): a cache never stops a build."""
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except Exception:  # pickle raises many kinds of error on bad input; read history afresh
        return None
    return value if isinstance(value, History) and value.head == head else None


def _write_cache(path: Path, history: History) -> None:
    """Keep the few most recent cached histories; a failure to write is not an error.

    Each process writes its own temporary file and moves it into place, so two builds at once
    never mix their bytes.
    """
    try:
        path.parent.mkdir(exist_ok=True)
        for old in _cached_files(path.parent, "history-*.pickle")[: -(KEEP_CACHED - 1)]:
            old.unlink(missing_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            with temporary.open("wb") as handle:
                pickle.dump(history, handle, protocol=pickle.HIGHEST_PROTOCOL)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError:
        pass


def ids_ever_used(repo: Repository, rev: str, folder: str) -> dict[str, str]:
    """Every doc_id used below ``folder`` in ``rev``'s history, with the last path that had it."""
    prefix = folder.strip("/") + "/" if folder.strip("/") else ""
    history = load_history(repo, rev, (prefix,), allow_shallow=True)
    return {
        doc_id: path for doc_id, path in history.ids_ever_used().items() if path.startswith(prefix)
    }
