"""New documents: the next free ID of a type, where the file goes, and a valid first draft."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import yaml

from .documents import Document
from .revision import RevisionScheme

TYPE_NAMES = {
    "manual": "quality manual",
    "policy": "policy",
    "procedure": "procedure",
    "work_instruction": "work instruction",
    "form": "form",
    "external": "external document",
}

# The headings a first draft starts with, per type: enough to show the expected shape.
OUTLINES = {
    "manual": ("Purpose", "Scope", "The business and its processes"),
    "policy": ("Policy",),
    "procedure": (
        "Purpose",
        "Scope",
        "Responsibilities",
        "Procedure",
        "Records",
        "Related documents",
    ),
    "work_instruction": ("Purpose", "Scope", "Equipment and materials", "Method", "Records"),
    "form": ("Purpose", "How to fill it in", "Form"),
    "external": ("What this document is", "Where the controlled copy is kept"),
}


class ScaffoldError(ValueError):
    """A new document cannot be made as asked; the message says why and what to do."""


_TOKEN = re.compile(r"\\d\{(\d+)\}|\[0-9\]\{(\d+)\}|\\d\+|\[0-9\]\+|\\(.)|([A-Za-z0-9_ /-])")


@dataclass(frozen=True)
class IdTemplate:
    """An ID pattern made of literal text and runs of digits, such as ``WI-\\d{3}-\\d{2}``.

    Each part is literal text, or the width of a number (0 for any width).
    """

    pattern: str
    parts: tuple[str | int, ...]

    @classmethod
    def parse(cls, pattern: str) -> IdTemplate:
        """Read a pattern; ScaffoldError if it is more than literal text and digit runs."""
        parts: list[str | int] = []
        position = 0
        while position < len(pattern):
            match = _TOKEN.match(pattern, position)
            if match is None:
                raise ScaffoldError(
                    f"the ID pattern {pattern!r} is more than fixed text and digits (such as "
                    r"'QP-\d{3}'), so the next free ID cannot be worked out; pass --id"
                )
            width = match.group(1) or match.group(2)
            if width is not None:
                parts.append(int(width))
            elif match.group(3) is not None or match.group(4) is not None:
                literal = match.group(3) or match.group(4)
                if parts and isinstance(parts[-1], str):
                    parts[-1] += literal
                else:
                    parts.append(literal)
            else:
                parts.append(0)
            position = match.end()
        if not any(isinstance(p, int) for p in parts):
            raise ScaffoldError(f"the ID pattern {pattern!r} has no number in it; pass --id")
        return cls(pattern, tuple(parts))

    @property
    def numbers(self) -> int:
        """How many numbers an ID has (WI-075-01 has two)."""
        return sum(1 for p in self.parts if isinstance(p, int))

    def _regex(self) -> re.Pattern[str]:
        return re.compile(
            "".join(
                re.escape(p) if isinstance(p, str) else (rf"(\d{{{p}}})" if p else r"(\d+)")
                for p in self.parts
            )
        )

    def read(self, doc_id: str) -> tuple[int, ...] | None:
        """The numbers in an ID of this shape, or None if it has another shape."""
        match = self._regex().fullmatch(doc_id)
        return tuple(int(g) for g in match.groups()) if match else None

    def format(self, numbers: Sequence[int]) -> str:
        """The ID with these numbers; ScaffoldError if one does not fit its width."""
        values = iter(numbers)
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = next(values)
            text = str(value).zfill(part)
            if part and len(text) > part:
                raise ScaffoldError(
                    f"no free number left for the pattern {self.pattern}: {value} has more than "
                    f"{part} digits; pass --id"
                )
            out.append(text)
        return "".join(out)


def parent_numbers(template: IdTemplate, parent: str | None, doc_type: str) -> tuple[int, ...]:
    """The leading numbers a document takes from its parent (WI-075-.. from QP-075)."""
    wanted = template.numbers - 1
    if wanted == 0:
        if parent:
            raise ScaffoldError(
                f"a {TYPE_NAMES.get(doc_type, doc_type)} is not numbered under another "
                "document; leave out --parent"
            )
        return ()
    if not parent:
        raise ScaffoldError(
            f"a {TYPE_NAMES.get(doc_type, doc_type)} is numbered under its procedure "
            f"({template.pattern}); name it with --parent, for example --parent QP-075"
        )
    numbers = tuple(int(n) for n in re.findall(r"\d+", parent))
    if len(numbers) < wanted:
        raise ScaffoldError(
            f"--parent {parent} has {len(numbers)} number(s), but {template.pattern} takes "
            f"{wanted} from its parent"
        )
    return numbers[:wanted]


def next_free_id(template: IdTemplate, used: Iterable[str], prefix: Sequence[int] = ()) -> str:
    """One above the highest ID of this shape (under ``prefix``) that was ever used."""
    highest = 0
    for doc_id in used:
        numbers = template.read(doc_id)
        if numbers is not None and numbers[:-1] == tuple(prefix):
            highest = max(highest, numbers[-1])
    return template.format([*prefix, highest + 1])


def folder_for(doc_type: str, documents: Sequence[Document], root: str) -> str:
    """Where documents of this type live (the most used folder), else the procedures folder."""
    folders = Counter(
        str(PurePosixPath(d.path).parent) for d in documents if d.type == doc_type and d.doc_id
    )
    if not folders:
        return root
    best = max(folders.values())
    return sorted(folder for folder, count in folders.items() if count == best)[0]


def file_name(doc_id: str, documents: Sequence[Document]) -> str:
    """The file name for an ID, named as the existing files are (``qp-075.md`` by default)."""
    exact = sum(
        1
        for d in documents
        if d.doc_id and d.doc_id != d.doc_id.lower() and PurePosixPath(d.path).stem == d.doc_id
    )
    lower = sum(1 for d in documents if d.doc_id and PurePosixPath(d.path).stem == d.doc_id.lower())
    return f"{doc_id if exact > lower else doc_id.lower()}.md"


def first_draft(
    doc_id: str,
    doc_type: str,
    title: str,
    owner: str,
    scheme: RevisionScheme,
    related: Sequence[str] = (),
) -> str:
    """The text of a new document: valid front matter (a draft at the first revision), and
    an outline of headings for its type."""
    data: dict[str, object] = {
        "doc_id": doc_id,
        "title": title,
        "type": doc_type,
        "revision": scheme.first,
        "status": "draft",
        "owner": owner,
        "review_interval_months": 24,
        "iso9001_clauses": [],
        "change_summary": "First issue.",
    }
    if related:
        data["related"] = list(related)
    front = yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=1000
    )
    if doc_type == "external":
        front += EXTERNAL_HINTS
    body = "\n".join(f"## {heading}\n" for heading in OUTLINES.get(doc_type, ("Purpose",)))
    return f"---\n{front}---\n\n{body}"


# What an external document must say before it is reviewed (see core/external.py).
EXTERNAL_HINTS = """\
# issuer: who publishes it, e.g. ISO or the customer
# identifier: its number as the issuer gives it, e.g. ISO 9001
# edition: the edition, issue or date we work to, e.g. "2015"
# controlled_copy: where the controlled copy is kept
# currency_checked: YYYY-MM-DD, the day someone checked this edition is still current
"""
