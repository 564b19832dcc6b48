"""Findings: what a rule or a parser reports about a document."""

from __future__ import annotations

from dataclasses import dataclass

from .text import visible


@dataclass(frozen=True, order=True)
class Finding:
    """One problem with one document, phrased so that a person can act on it.

    ``path`` is relative to the project root, ``line`` is 1-based where known, ``rule`` is a
    short stable name (``duplicate-id``) that people can search the documentation for.
    """

    path: str
    line: int | None
    rule: str
    message: str
    doc_id: str | None = None
    field: str | None = None

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        """One line for a terminal or a log; control characters in users' text are shown as
        escapes, never sent to the terminal."""
        return visible(f"{self.location()}: {self.message} [{self.rule}]")
