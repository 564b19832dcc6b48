"""Trailers that name the documents they are about: ``Editorial-change:`` and ``Periodic-review:``.

An editorial waiver (a text change that keeps its revision) and a periodic review are decisions
about particular documents, so their trailers name them: the document IDs first, then what was
decided::

    Editorial-change: QP-075, WI-085-01: spelling in step 4 only
    Periodic-review: QP-087: no change

A waiver counts only where it stands in the approved change itself, the merge or squash commit
that carries the approval onto the published branch (``audit`` for the site, ``changes`` for a
pull request). The same trailer in a commit of the pull request's branch is a request to the
approver, not a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .history import Commit

# The IDs a trailer names come first: "QP-075", "QP-075, WI-085-01", then ":" or a dash and the
# reason. The shape is the schema's doc_id pattern.
_ID = r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+"
_NAMED = re.compile(rf"^\s*((?:{_ID})(?:\s*[,;]?\s*(?:{_ID}))*)\b\s*(?:[:\-\u2013\u2014]\s*)?(.*)$")
_IDS = re.compile(_ID)


@dataclass(frozen=True)
class NamedTrailer:
    """One trailer value: the documents it names and what it says about them."""

    doc_ids: tuple[str, ...]
    reason: str
    value: str  # as written

    def covers(self, doc_id: str | None) -> bool:
        return doc_id is not None and doc_id in self.doc_ids

    @classmethod
    def parse(cls, value: str) -> NamedTrailer:
        """``QP-075, WI-085-01: spelling`` names QP-075 and WI-085-01; ``spelling only``
        names no document."""
        match = _NAMED.match(value)
        if match is None:
            return cls((), value.strip(), value)
        ids = tuple(dict.fromkeys(_IDS.findall(match.group(1))))
        return cls(ids, match.group(2).strip(), value)


def named(commit: Commit, key: str) -> tuple[NamedTrailer, ...]:
    """The values of the ``key`` trailers in ``commit``'s message."""
    return tuple(NamedTrailer.parse(v) for v in commit.trailer_values([key]))


def covering(
    commits: Iterable[Commit], key: str, doc_id: str | None
) -> Iterator[tuple[Commit, NamedTrailer]]:
    """Each ``key`` trailer among ``commits`` that names ``doc_id``, with its commit."""
    for commit in commits:
        for trailer in named(commit, key):
            if trailer.covers(doc_id):
                yield commit, trailer


def unnamed(commits: Iterable[Commit], key: str) -> Iterator[tuple[Commit, NamedTrailer]]:
    """Each ``key`` trailer among ``commits`` that names no document at all."""
    for commit in commits:
        for trailer in named(commit, key):
            if not trailer.doc_ids:
                yield commit, trailer


def example(key: str, doc_id: str | None, reason: str = "<reason>") -> str:
    """How the trailer for ``doc_id`` is written, for messages."""
    return f"{key}: {doc_id or 'DOC-ID'}: {reason}"
