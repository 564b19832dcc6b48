"""Revision schemes: which revision labels are valid, and what comes next."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Letters that are easily misread as digits or each other on a printed form are never used.
SKIPPED_LETTERS = "IOQSXZ"
LETTERS = "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in SKIPPED_LETTERS)

_NUMBER = r"(0|[1-9][0-9]*)"


@dataclass(frozen=True)
class RevisionScheme:
    """A named scheme with a pattern and a way to order and advance revisions.

    ``sequenced`` schemes know the revisions that may follow one (after C comes D); the custom
    scheme only knows their order, so a change is checked for moving forward, not for skipping.
    """

    name: str
    pattern: re.Pattern[str]
    example: str
    explanation: str
    first_label: str
    sequenced: bool = True

    def is_valid(self, revision: str) -> bool:
        return bool(self.pattern.fullmatch(revision))

    def key(self, revision: str) -> tuple[Any, ...]:
        """Sort key of a valid revision: later revisions compare greater."""
        if self.name == "letters":
            value = 0
            for char in revision:
                value = value * len(LETTERS) + LETTERS.index(char) + 1
            return (value,)
        if self.name == "custom":
            match = self.pattern.fullmatch(revision)
            parts = (match.groups() if match else ()) or (revision,)
            # Numbers compare as numbers and come before text in the same place.
            return tuple(
                (0, int(part), "") if part and part.isdigit() else (1, 0, part or "")
                for part in parts
            )
        return tuple(int(part) for part in revision.split("."))

    def next(self, revision: str) -> str:
        """The revision that follows ``revision`` (the smallest step)."""
        return self.successors(revision)[0]

    def successors(self, revision: str) -> tuple[str, ...]:
        """The revisions a new revision after ``revision`` may have, smallest step first
        (major.minor: 1.2 -> 1.3 or 2.0; dotted: 1.0.3 -> 1.0.4, 1.1.0 or 2.0.0). Empty for a
        scheme that knows only the order of its revisions."""
        if self.name == "letters":
            chars = list(revision)
            position = len(chars) - 1
            while position >= 0:
                index = LETTERS.index(chars[position])
                if index + 1 < len(LETTERS):
                    chars[position] = LETTERS[index + 1]
                    return ("".join(chars),)
                chars[position] = LETTERS[0]
                position -= 1
            return (LETTERS[0] + "".join(chars),)
        if self.name == "integer":
            return (str(int(revision) + 1),)
        if self.name in ("major.minor", "dotted"):
            parts = [int(part) for part in revision.split(".")]
            steps = []
            for index in range(len(parts) - 1, -1, -1):
                bumped = [*parts[:index], parts[index] + 1] + [0] * (len(parts) - index - 1)
                steps.append(".".join(str(part) for part in bumped))
            return tuple(steps)
        return ()

    @property
    def first(self) -> str:
        """The revision a new document starts at."""
        return self.first_label


SCHEMES: dict[str, RevisionScheme] = {
    "letters": RevisionScheme(
        "letters",
        re.compile(f"[{LETTERS}]+"),
        "C",
        f"capital letters A, B, C ... skipping {', '.join(SKIPPED_LETTERS)} (after Y comes AA)",
        "A",
    ),
    "integer": RevisionScheme(
        "integer", re.compile(r"[1-9][0-9]*|0"), "3", "a whole number such as 1, 2, 3", "1"
    ),
    "major.minor": RevisionScheme(
        "major.minor",
        re.compile(rf"{_NUMBER}\.{_NUMBER}"),
        "2.10",
        "major.minor such as 1.0, 1.1, 2.10 (quote nothing: the plugin keeps '1.10' as written)",
        "1.0",
    ),
    "dotted": RevisionScheme(
        "dotted",
        re.compile(rf"{_NUMBER}(?:\.{_NUMBER})*"),
        "1.0.3",
        "numbers separated by dots, as many as you use, such as 1, 1.2 or 1.0.3",
        "1.0",
    ),
}

# Names accepted in the configuration: the built-in schemes, and a custom one described by a
# pattern.
SCHEME_NAMES = (*SCHEMES, "custom")


def custom_scheme(pattern: str, first: str) -> RevisionScheme:
    """A scheme of the organisation's own: ``pattern`` is a regular expression a revision must
    match in full; its groups, compared in order (numbers as numbers), give the order of
    revisions (without groups, the whole revision compares as text). ``first`` is the revision
    a new document starts at. Raises ValueError saying what is wrong."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(
            f"revision_pattern {pattern!r} is not a valid regular expression: {exc}"
        ) from None
    if not first:
        raise ValueError(
            "revision_scheme: custom needs revision_first, the revision a new document starts "
            "at (for example v1)"
        )
    if not compiled.fullmatch(first):
        raise ValueError(
            f"revision_first {first!r} does not match revision_pattern {pattern!r}; give a "
            "first revision the pattern accepts"
        )
    return RevisionScheme(
        "custom",
        compiled,
        first,
        f"a revision matching {pattern} (for example {first})",
        first,
        sequenced=False,
    )


def get_scheme(name: str, pattern: str | None = None, first: str | None = None) -> RevisionScheme:
    """Return the named scheme (``custom``: built from ``pattern`` and ``first``); raise
    ValueError naming the choices for an unknown name."""
    if name == "custom":
        if not pattern:
            raise ValueError(
                "revision_scheme: custom needs revision_pattern, a regular expression for "
                "revisions (for example 'v([0-9]+)')"
            )
        return custom_scheme(pattern, first or "")
    try:
        return SCHEMES[name]
    except KeyError:
        raise ValueError(
            f"unknown revision scheme {name!r}; choose one of {', '.join(SCHEME_NAMES)}"
        ) from None
