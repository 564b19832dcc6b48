"""Packaged facts about the standards: ISO 9001 clause numbers and titles, by edition.

Only numbers and titles are kept (facts of structure); no requirement text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from . import yamlread

EDITIONS = ("2015",)


@dataclass(frozen=True)
class Clause:
    number: str
    title: str
    titled: bool

    @property
    def depth(self) -> int:
        return self.number.count(".")


class ClauseCatalogue:
    """All clause numbers of one ISO 9001 edition, in the standard's order."""

    def __init__(self, standard: str, clauses: tuple[Clause, ...]) -> None:
        self.standard = standard
        self.clauses = clauses
        self._index = {clause.number: clause for clause in clauses}

    def __contains__(self, number: object) -> bool:
        return isinstance(number, str) and number in self._index

    def get(self, number: str) -> Clause | None:
        return self._index.get(number)

    def label(self, number: str) -> str:
        clause = self._index.get(number)
        return f"{number} {clause.title}" if clause else number

    def parent(self, number: str) -> str | None:
        """The nearest enclosing clause in the list (7.5.3 for 7.5.3.1), or None."""
        while "." in number:
            number = number.rsplit(".", 1)[0]
            if number in self._index:
                return number
        return None

    def ancestors(self, number: str) -> list[str]:
        """Enclosing clauses, nearest first."""
        found = []
        parent = self.parent(number)
        while parent is not None:
            found.append(parent)
            parent = self.parent(parent)
        return found


class ClauseListError(ValueError):
    """A clause list file cannot be used; the message names the file and what to fix."""


def number_key(number: str) -> tuple[int, ...]:
    """Sort key of a clause number: 7.5 before 7.5.1 before 10."""
    return tuple(int(part) for part in number.split("."))


def parse_clause_list(data: object, origin: str) -> ClauseCatalogue:
    """A catalogue from a clause list's YAML data (the packaged format, see
    records_schema/clause-list.schema.yaml)."""
    if not isinstance(data, dict) or not isinstance(data.get("clauses"), dict):
        raise ClauseListError(
            f"{origin}: a clause list is a mapping with 'standard' and 'clauses' "
            "(clause number: title); see records_schema/clause-list.schema.yaml"
        )
    standard = data.get("standard")
    if not isinstance(standard, str) or not standard.strip():
        raise ClauseListError(f"{origin}: 'standard' is missing; give the standard's name")
    titled = {str(k): str(v) for k, v in data["clauses"].items()}
    untitled = data.get("untitled_numbered_paragraphs") or {}
    if not isinstance(untitled, dict):
        raise ClauseListError(f"{origin}: 'untitled_numbered_paragraphs' must be a mapping")
    for number in [*titled, *map(str, untitled)]:
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", number):
            raise ClauseListError(f"{origin}: '{number}' is not a clause number such as 7.5.3")
    clauses = [Clause(number, title, True) for number, title in titled.items()]
    for number, parent in untitled.items():
        number, parent = str(number), str(parent)
        if parent not in titled:
            raise ClauseListError(
                f"{origin}: untitled paragraph {number} belongs to {parent}, which is not "
                "among the titled clauses"
            )
        suffix = number.rsplit(".", 1)[1]
        clauses.append(Clause(number, f"{titled[parent]} (paragraph {suffix})", False))
    clauses.sort(key=lambda c: number_key(c.number))
    return ClauseCatalogue(standard.strip(), tuple(clauses))


@cache
def iso9001_clauses(edition: str = "2015") -> ClauseCatalogue:
    """Load the clause list of an ISO 9001 edition shipped with the package."""
    if edition not in EDITIONS:
        raise ValueError(f"no clause list for ISO 9001:{edition}; available: {', '.join(EDITIONS)}")
    name = f"iso9001-{edition}-clauses.yaml"
    text = resources.files("qms_plugin").joinpath(f"data/{name}").read_text("utf-8")
    return parse_clause_list(yamlread.load(text), f"built-in {name}")


def load_clause_list(path: Path) -> ClauseCatalogue:
    """A clause list from a file of the packaged format (an edition not shipped yet)."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ClauseListError(f"cannot read the clause list {path}: {exc.strerror}") from None
    try:
        data = yamlread.load(text)
    except yaml.YAMLError as exc:
        raise ClauseListError(f"{path}: not valid YAML: {exc}") from None
    return parse_clause_list(data, str(path))
