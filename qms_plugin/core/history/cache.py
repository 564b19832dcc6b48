"""The history cache: a history kept in the repository's git folder, keyed by its commit, so the
next build at the same commit reads it back and a build at a later commit of the same line reads
only the commits made since."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Sequence
from pathlib import Path

from ..git import GitError, Repository
from .model import History

# Bump when the pickled shape changes, so an old cache is never read back.
CACHE_FORMAT = 3

# A few per scope in use (site build, `qms history`, `qms check --base`): a build at a new commit
# carries the latest one of its line forward.
KEEP_CACHED = 6


def family(repo: Repository, shallow: bool, scope: Sequence[str], signatures: bool) -> str:
    """What a cached history depends on besides its commit: a history of the same family at an
    earlier commit of the line can be carried forward."""
    mailmap = repo.root / ".mailmap"
    return hashlib.sha256(
        repr(
            (
                CACHE_FORMAT,
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
    for path in reversed(_cached_files(folder, f"{prefix}*.pickle")):
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
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except Exception:  # pickle raises many kinds of error on bad input; read history afresh
        return None
    return value if isinstance(value, History) and value.head == head else None


def write_cache(path: Path, history: History) -> None:
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
