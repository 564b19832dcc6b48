"""The history cache: a history kept in the repository's git folder, keyed by its commit, so the
next build at the same commit reads it back and a build at a later commit of the same line reads
only the commits made since.

The file holds plain data (lists, strings, numbers), written with ``marshal``: reading it back
makes no object but those and runs nothing, so a cache file someone else wrote can at worst be
refused (a pickle could run any code as it is read). Commits and snapshots are stored once each
and referred to by their place in a table, as the history shares them. JSON of the same data
measured slower to write and read and larger (benchmarks/cache_bench.py).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..git import GitError, Repository
from .model import Change, Commit, DocumentHistory, History, Person, Snapshot, _person
from .snapshot import SNAPSHOT_KEYS

# Bump when the stored shape changes; the field names of the stored classes count too (see
# family), so a field added to one of them never reads an old file back without it.
CACHE_FORMAT = 4
SUFFIX = ".marshal"

# A few per scope in use (site build, `qms history`, `qms check --base`): a build at a new commit
# carries the latest one of its line forward.
KEEP_CACHED = 6

_SHAPE = repr(
    [
        (cls.__name__, [f.name for f in fields(cls)])
        for cls in (Person, Commit, Snapshot, Change, DocumentHistory, History)
    ]
)


def family(repo: Repository, shallow: bool, scope: Sequence[str], signatures: bool) -> str:
    """What a cached history depends on besides its commit: a history of the same family at an
    earlier commit of the line can be carried forward."""
    mailmap = repo.root / ".mailmap"
    return hashlib.sha256(
        repr(
            (
                CACHE_FORMAT,
                SNAPSHOT_KEYS,  # a history read for other fields is not this one
                _SHAPE,
                marshal.version,
                sys.version_info[:2],
                shallow,
                tuple(scope),
                signatures,
                mailmap.read_bytes() if mailmap.is_file() else b"",
            )
        ).encode()
    ).hexdigest()[:16]


def cached_base(repo: Repository, folder: Path, kind: str, head: str) -> History | None:
    """The most recent cached history, of the same family, of a commit on ``head``'s
    first-parent line (not on it after a rebase, a reset or a switch of branch: then none)."""
    prefix = f"history-{kind}-"
    for path in reversed(_cached_files(folder, f"{prefix}*{SUFFIX}")):
        base_head = path.stem.removeprefix(prefix)
        if _COMMIT_ID.fullmatch(base_head) and _is_on_line(repo, base_head, head):
            base = read_cache(path, base_head)
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


def read_cache(path: Path, head: str) -> History | None:
    """The history cached in ``path`` for ``head``; None if there is none or it cannot be read
    (damaged, cut short, or written by another version): a cache never stops a build."""
    try:
        data = _loads(path.read_bytes())
        history = decode(data)
    except Exception:  # a damaged file fails in many ways (EOFError, ValueError, ...)
        return None
    return history if history.head == head else None


def write_cache(path: Path, history: History) -> None:
    """Keep the few most recent cached histories; a failure to write is not an error.

    Each process writes its own temporary file and moves it into place, so two builds at once
    never mix their bytes.
    """
    try:
        path.parent.mkdir(exist_ok=True)
        for old in _cached_files(path.parent, "history-*")[: -(KEEP_CACHED - 1)]:
            old.unlink(missing_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(marshal.dumps(encode(history)))
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
    except (OSError, ValueError):  # ValueError: marshal met a value it cannot store
        pass


def _loads(data: bytes) -> Any:
    """Plain data from marshal's bytes; where Python can say so (3.13), no code objects."""
    if sys.version_info >= (3, 13):
        return marshal.loads(data, allow_code=False)
    return marshal.loads(data)


# --- the stored shape ---------------------------------------------------------------------------


def encode(history: History) -> dict[str, Any]:
    """The history as plain data. Commits and snapshots, which changes share, are stored once,
    in tables; a person's name, shared as one string, marshal stores once by itself."""
    commits: dict[int, int] = {}
    commit_rows: list[tuple[Any, ...]] = []
    snapshots: dict[int, int] = {}
    snapshot_rows: list[list[Any]] = []

    def commit(c: Commit) -> int:
        index = commits.get(id(c))
        if index is None:
            index = commits[id(c)] = len(commit_rows)
            author, committer = c.author, c.committer
            commit_rows.append(
                (
                    c.sha,
                    c.parents,
                    author.name,
                    author.email,
                    c.author_date,
                    committer.name,
                    committer.email,
                    c.committer_date,
                    c.message,
                    c.signature,
                )
            )
        return index

    def snapshot(snap: Snapshot | None) -> int | None:
        if snap is None:
            return None
        index = snapshots.get(id(snap))
        if index is None:
            index = snapshots[id(snap)] = len(snapshot_rows)
            snapshot_rows.append(
                [
                    snap.has_front_matter,
                    [[key, value] for key, value in snap.fields],
                    snap.body_digest,
                    snap.problem,
                ]
            )
        return index

    def document(doc: DocumentHistory) -> list[Any]:
        return [
            doc.path,
            [
                [
                    commit(ch.commit),
                    ch.position,
                    ch.kind,
                    ch.path,
                    ch.old_path,
                    ch.blob,
                    snapshot(ch.snapshot),
                    [commit(d) for d in ch.drafting],
                    ch.body_changed,
                ]
                for ch in doc.changes
            ],
        ]

    documents = [document(doc) for doc in history.documents.values()]
    deleted = [document(doc) for doc in history.deleted]
    return {
        "format": CACHE_FORMAT,
        "head": history.head,
        "shallow": history.shallow,
        "first_parent": list(history.first_parent),
        "commits": commit_rows,
        "snapshots": snapshot_rows,
        "documents": documents,
        "deleted": deleted,
    }


def decode(data: Any) -> History:
    """The history from :func:`encode`'s data; any error on data of another shape."""
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        raise ValueError("not a history cache of this version")
    commits = [
        Commit(sha, tuple(parents), _person(an, ae), ad, _person(cn, ce), cd, message, signature)
        for sha, parents, an, ae, ad, cn, ce, cd, message, signature in data["commits"]
    ]
    snapshots = [
        Snapshot(bool(has), tuple((key, value) for key, value in pairs), digest, problem)
        for has, pairs, digest, problem in data["snapshots"]
    ]

    def document(row: list[Any]) -> DocumentHistory:
        path, changes = row
        return DocumentHistory(
            path,
            [
                Change(
                    commits[c],
                    position,
                    kind,
                    new_path,
                    old_path,
                    blob,
                    snapshots[snap] if snap is not None else None,
                    tuple(commits[d] for d in drafting),
                    body_changed,
                )
                for c, position, kind, new_path, old_path, blob, snap, drafting, body_changed in (
                    changes
                )
            ],
        )

    alive = [document(row) for row in data["documents"]]
    return History(
        data["head"],
        data["shallow"],
        {doc.path: doc for doc in alive},
        [document(row) for row in data["deleted"]],
        list(data["first_parent"]),
    )
