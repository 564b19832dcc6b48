"""Packaged facts about the standards: ISO 9001 clause numbers and titles, by edition.

Only numbers and titles are kept (facts of structure); no requirement text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

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

    def label(self, number: str) -> str:
        clause = self._index.get(number)
        return f"{number} {clause.title}" if clause else number


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


@cache
def iso9001_clauses(edition: str = "2015") -> ClauseCatalogue:
    """Load the clause list of an ISO 9001 edition shipped with the package."""
    if edition not in EDITIONS:
        raise ValueError(f"no clause list for ISO 9001:{edition}; available: {', '.join(EDITIONS)}")
    name = f"iso9001-{edition}-clauses.yaml"
    text = resources.files("qms_plugin").joinpath(f"data/{name}").read_text("utf-8")
    data = yamlread.load(text)
    titled = {str(k): str(v) for k, v in data["clauses"].items()}
    clauses = [Clause(number, title, True) for number, title in titled.items()]
    for number, parent in data.get("untitled_numbered_paragraphs", {}).items():
        number, parent = str(number), str(parent)
        suffix = number.rsplit(".", 1)[1]
        clauses.append(Clause(number, f"{titled[parent]} (paragraph {suffix})", False))
    clauses.sort(key=lambda c: _number_key(c.number))
    return ClauseCatalogue(str(data["standard"]), tuple(clauses))
