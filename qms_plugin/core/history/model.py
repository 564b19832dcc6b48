"""The history model: people, commits, what a document looked like at a change, approved
changes and revisions. Plain data; reading it from Git is ``reading``'s work."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

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


# A commit's date where Git cannot read it (a malformed or forged commit object).
UNKNOWN_DATE = ""


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: Person
    author_date: str  # ISO 8601 with the author's zone; UNKNOWN_DATE if Git cannot read it
    committer: Person
    committer_date: str
    message: str
    signature: str | None = None  # git's %G? code when signatures are checked

    @property
    def short(self) -> str:
        return self.sha[:8]

    @property
    def day(self) -> str:
        """The day the commit landed, for people: YYYY-MM-DD, or 'date unknown'."""
        return self.committer_date[:10] or "date unknown"

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def title(self) -> str:
        """What the change is called: the subject, except where a code host wrote
        "Merge pull request #12 from ..." or "Merge branch '...'" there and put the pull
        request's title on the next line."""
        subject = self.subject
        if subject.startswith(("Merge pull request #", "Merge branch ")):
            rest = self.body.strip()
            if rest:
                return rest.split("\n", 1)[0].strip()
        return subject

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
    # Why the front matter could not be read whole (as the documents' parse says), if so.
    problem: str | None = None

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

    @cached_property
    def approved_by_by_commit(self) -> dict[str, tuple[str, ...]]:
        """The ``approved_by`` entries of every document each commit changed (one merge can
        land several documents approved by different people)."""
        found: dict[str, list[str]] = {}
        for record in [*self.documents.values(), *self.deleted]:
            for change in record.changes:
                if change.snapshot is not None:
                    names = change.snapshot.texts("approved_by")
                    found.setdefault(change.commit.sha, []).extend(names)
        return {sha: tuple(dict.fromkeys(names)) for sha, names in found.items()}

    def ids_ever_used(self) -> dict[str, str]:
        """Every doc_id any version of any file carried, with the last path that carried it."""
        used: dict[str, str] = {}
        for doc in [*self.deleted, *self.documents.values()]:
            for change in doc.changes:
                doc_id = change.snapshot.text("doc_id") if change.snapshot else None
                if doc_id:
                    used[doc_id] = change.path
        return used
