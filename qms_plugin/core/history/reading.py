"""Reading history from Git: the controlled line, every commit, and the blobs of every version,
in three processes run side by side whatever the number of documents or commits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..documents import is_markdown
from ..errors import reading
from ..git import GitError, Repository
from .model import (
    KINDS,
    UNKNOWN_DATE,
    Change,
    Commit,
    DocumentHistory,
    History,
    Snapshot,
    _person,
)
from .snapshot import snapshot_of

# --- reading git --------------------------------------------------------------------------------


# Settings of the user's that would change what `git log` prints; the rest is in its arguments.
_LOG_SETTINGS = ("-c", "log.showSignature=false", "-c", "log.showRoot=true")


@dataclass(frozen=True)
class _Entry:
    status: str
    old_path: str | None
    path: str
    old_blob: str | None
    blob: str | None


def _oid(text: str) -> str | None:
    return text if text.strip("0") else None


def _entry(
    letter: str, old_path: str | None, path: str, old_oid: str, new_oid: str
) -> _Entry | None:
    """A file change as history sees it: Markdown files only, so a rename between a Markdown
    file and another kind of file is an addition or a deletion."""
    if old_path is None:
        if not is_markdown(path):
            return None
        return _Entry(letter, None, path, _oid(old_oid), _oid(new_oid))
    was, now = is_markdown(old_path), is_markdown(path)
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


# A date as `git log` writes %aI and %cI. Where git cannot read a commit's date it writes the
# placeholder itself ("%cI"), and a zone such as +9999 comes out as "+99:99": neither is a date.
_DATE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-\d\dT\d\d:\d\d:\d\d[+-](?:[01]\d|2[0-3]):[0-5]\d")


def _known(value: str, placeholder: str) -> str:
    """A name or address from git, or '' where git printed its placeholder for want of one."""
    return "" if value == placeholder else value


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
            _person(_known(an, "%aN"), _known(ae, "%aE")),
            ad if _DATE.fullmatch(ad) else UNKNOWN_DATE,
            _person(_known(cn, "%cN"), _known(ce, "%cE")),
            cd if _DATE.fullmatch(cd) else UNKNOWN_DATE,
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


def _read_snapshots(repo: Repository, blobs: Mapping[str, str]) -> dict[str, Snapshot]:
    """The snapshot of each blob (with the path of a version it is), worked out while git
    reads the next one."""
    snapshots = {}
    for oid, raw in repo.iter_blobs(blobs):
        with reading(f"{blobs[oid]} (the version in blob {oid[:12]})"):
            snapshots[oid] = snapshot_of(raw)
    return snapshots


def _blobs_in(changes: dict[str, list[_Entry]], scope: Sequence[str]) -> dict[str, str]:
    """The blobs of the changes below the scope's folders, with a path of each: what history
    will read."""
    prefixes = tuple(scope)
    return {
        entry.blob: entry.path
        for entries in changes.values()
        for entry in entries
        if entry.blob and entry.path.startswith(prefixes)
    }


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
    missing = {
        c.blob: c.path for d, i in news for c in d.changes[i:] if c.blob and c.blob not in snapshots
    }
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
class State:
    git_dir: Path
    shallow: bool
    head: str | None


def read_state(repo: Repository, rev: str) -> State:
    ask = ["rev-parse", "--absolute-git-dir", "--is-shallow-repository"]
    head: str | None
    try:  # one git process where the commit exists
        out = repo.text([*ask, "--verify", "--quiet", f"{rev}^{{commit}}"])
        git_dir, shallow, head = out.rstrip("\n").split("\n")
    except (GitError, ValueError):  # no commit yet, or a ref to explain
        git_dir, shallow = repo.text(ask).split("\n")[:2]
        head = repo.head() if rev == "HEAD" else repo.resolve(rev)
    return State(Path(git_dir), shallow == "true", head)


def full(repo: Repository, state: State, scope: Sequence[str], signatures: bool) -> History:
    history = compute(repo, state, scope, signatures)
    assert history is not None  # only a carried-forward history can be refused
    return history


def compute(
    repo: Repository,
    state: State,
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
