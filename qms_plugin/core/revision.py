"""Revision schemes: which revision labels are valid, and what comes next."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters that are easily misread as digits or each other on a printed form are never used.
SKIPPED_LETTERS = "IOQSXZ"
LETTERS = "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in SKIPPED_LETTERS)


@dataclass(frozen=True)
class RevisionScheme:
    """A named scheme with a pattern and a way to order and advance revisions."""

    name: str
    pattern: re.Pattern[str]
    example: str
    explanation: str

    def is_valid(self, revision: str) -> bool:
        return bool(self.pattern.fullmatch(revision))

    def key(self, revision: str) -> tuple[int, ...]:
        """Sort key: later revisions compare greater."""
        if self.name == "letters":
            value = 0
            for char in revision:
                value = value * len(LETTERS) + LETTERS.index(char) + 1
            return (value,)
        return tuple(int(part) for part in revision.split("."))

    def next(self, revision: str) -> str:
        """The revision that follows ``revision`` (the minor step for major.minor)."""
        if self.name == "letters":
            chars = list(revision)
            position = len(chars) - 1
            while position >= 0:
                index = LETTERS.index(chars[position])
                if index + 1 < len(LETTERS):
                    chars[position] = LETTERS[index + 1]
                    return "".join(chars)
                chars[position] = LETTERS[0]
                position -= 1
            return LETTERS[0] + "".join(chars)
        if self.name == "integer":
            return str(int(revision) + 1)
        major, minor = revision.split(".")
        return f"{major}.{int(minor) + 1}"

    def successors(self, revision: str) -> tuple[str, ...]:
        """The revisions a new revision after ``revision`` may have (major.minor: 1.2 -> 1.3
        or 2.0)."""
        if self.name == "major.minor":
            major = int(revision.split(".")[0])
            return (self.next(revision), f"{major + 1}.0")
        return (self.next(revision),)

    @property
    def first(self) -> str:
        """The revision a new document starts at."""
        return {"letters": LETTERS[0], "integer": "1"}.get(self.name, "1.0")


SCHEMES: dict[str, RevisionScheme] = {
    "letters": RevisionScheme(
        "letters",
        re.compile(f"[{LETTERS}]+"),
        "C",
        f"capital letters A, B, C ... skipping {', '.join(SKIPPED_LETTERS)} (after Y comes AA)",
    ),
    "integer": RevisionScheme(
        "integer", re.compile(r"[1-9][0-9]*|0"), "3", "a whole number such as 1, 2, 3"
    ),
    "major.minor": RevisionScheme(
        "major.minor",
        re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"),
        "2.10",
        "major.minor such as 1.0, 1.1, 2.10 (quote nothing: the plugin keeps '1.10' as written)",
    ),
}


def get_scheme(name: str) -> RevisionScheme:
    """Return the named scheme; raise ValueError naming the choices for an unknown name."""
    try:
        return SCHEMES[name]
    except KeyError:
        raise ValueError(
            f"unknown revision scheme {name!r}; choose one of {', '.join(SCHEMES)}"
        ) from None
