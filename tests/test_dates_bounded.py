"""Dates and review intervals: bounded in the schema with clear messages, and date arithmetic
defined for every input, so no value of a field can crash a build."""

from __future__ import annotations

import datetime as dt

import pytest
from mkdocs.exceptions import Abort

from qms_plugin.core.documents import add_months
from qms_plugin.core.schema import DocumentSchema
from tests.conftest import Site, document
from tests.test_history_site import qms

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 1, 15), 24, D(2028, 1, 15)),
        (D(2199, 12, 31), 120, D(2209, 12, 31)),
        (D(9999, 11, 30), 1, D(9999, 12, 30)),
        (D(9999, 12, 31), 1, D.max),
        (D(2026, 1, 1), 100_000, D.max),
        (D(2026, 1, 1), 10**30, D.max),
        (D(1, 1, 31), -1, D.min),
        (D(2026, 1, 1), -(10**30), D.min),
    ],
)
def test_add_months_is_defined_for_every_input(day: D, months: int, expected: D) -> None:
    assert add_months(day, months) == expected


SCHEMA = DocumentSchema.load()
FIELDS = {
    "doc_id": "QP-001",
    "title": "T",
    "type": "procedure",
    "revision": "A",
    "status": "effective",
    "owner": "O",
}
LINES = {"effective_date": 9, "review_interval_months": 10, "next_review": 11}


def problems(**fields: object) -> list[str]:
    return [f.message for f in SCHEMA.validate({**FIELDS, **fields}, "p.md", LINES)]


@pytest.mark.parametrize("field", ["approval_date", "effective_date", "next_review"])
@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("1900-01-01", True),
        ("2199-12-31", True),
        ("2026-02-28", True),
        ("1899-12-31", False),
        ("2200-01-01", False),
        ("9999-12-31", False),
        ("0001-01-01", False),
        ("2026-02-30", False),
    ],
)
def test_dates_are_bounded_with_a_clear_message(field: str, value: str, valid: bool) -> None:
    found = problems(**{field: value})
    if valid:
        assert found == []
    else:
        assert found == [
            f"'{field}' is '{value}'; write a real date between 1900-01-01 and 2199-12-31 "
            "as YYYY-MM-DD"
        ]


@pytest.mark.parametrize(("value", "valid"), [(1, True), (120, True), (0, False), (121, False)])
def test_review_intervals_are_bounded_with_a_clear_message(value: int, valid: bool) -> None:
    found = problems(review_interval_months=value)
    expected = f"'review_interval_months' is {value}; give a whole number of months from 1 to 120"
    assert found == ([] if valid else [expected + " (ten years)"])


@pytest.mark.parametrize(
    "fields",
    [
        {"effective_date": "9999-12-31", "review_interval_months": 1},
        {"effective_date": "2026-01-12", "review_interval_months": 100_000},
    ],
)
def test_far_dates_are_findings_in_a_build_and_the_check(
    site: Site, fields: dict[str, object]
) -> None:
    site.write("procedures/qp-001.md", document(**fields))
    with pytest.raises(Abort):
        site.build(strict=True)
    field = (
        "effective_date" if fields["effective_date"] != "2026-01-12" else "review_interval_months"
    )
    assert any(f"'{field}' is" in w and "procedures/qp-001.md:" in w for w in site.warnings)
    result = qms(site.root, "check")
    assert result.returncode == 1, result.stderr
    assert f"'{field}' is" in result.stdout
