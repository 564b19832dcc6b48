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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ..git import GitError, Repository
from .cache import SUFFIX, cached_base, family, read_cache, write_cache
from .model import (
    KINDS,
    Change,
    ChangeRef,
    Commit,
    DocumentHistory,
    History,
    Person,
    Revision,
    Snapshot,
    identity_key,
    parse_trailers,
)
from .reading import State, compute, full, read_state
from .snapshot import SNAPSHOT_KEYS, simple_fields, snapshot_of

__all__ = [
    "KINDS",
    "SHALLOW_FIX",
    "SNAPSHOT_KEYS",
    "Change",
    "ChangeRef",
    "Commit",
    "DocumentHistory",
    "History",
    "HistoryError",
    "Person",
    "Revision",
    "Snapshot",
    "identity_key",
    "ids_ever_used",
    "load_history",
    "parse_trailers",
    "simple_fields",
    "snapshot_of",
]


SHALLOW_FIX = (
    "the repository is a shallow clone, so its history is cut short and revision dates and "
    "approvals would be wrong. Fetch the whole history with 'git fetch --unshallow' (in GitHub "
    "Actions: 'fetch-depth: 0' on actions/checkout; in GitLab CI: 'GIT_DEPTH: 0'), or set "
    "'history_shallow: mark' for the qms plugin to build anyway with every page marked as "
    "having incomplete history"
)


class HistoryError(GitError):
    """History cannot be read truthfully; the message says why and what to do."""


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
    state = read_state(repo, rev)
    if state.shallow and not allow_shallow:
        raise HistoryError(SHALLOW_FIX)
    if state.head is None:
        return History(None, state.shallow, {}, [], [])
    with _collector_paused():
        return _load(repo, state, scope, signatures, cache)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: history makes (or reads back) tens of thousands of
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
    repo: Repository, state: State, scope: Sequence[str], signatures: bool, cache: bool
) -> History:
    assert state.head is not None
    if not cache:
        return full(repo, state, scope, signatures)
    folder = state.git_dir / "qms-cache"
    kind = family(repo, state.shallow, scope, signatures)
    cache_file = folder / f"history-{kind}-{state.head}{SUFFIX}"
    history = read_cache(cache_file, state.head)
    if history is not None:
        return history
    base = None if state.shallow else cached_base(repo, folder, kind, state.head)
    if base is not None:
        history = compute(repo, state, scope, signatures, base)
    if history is None:
        history = compute(repo, state, scope, signatures)
        assert history is not None  # only a carried-forward history can be refused
    write_cache(cache_file, history)
    return history


def ids_ever_used(repo: Repository, rev: str, folder: str) -> dict[str, str]:
    """Every doc_id used below ``folder`` in ``rev``'s history, with the last path that had it."""
    prefix = folder.strip("/") + "/" if folder.strip("/") else ""
    history = load_history(repo, rev, (prefix,), allow_shallow=True)
    return {
        doc_id: path for doc_id, path in history.ids_ever_used().items() if path.startswith(prefix)
    }
