"""What every register export shares: CSV text with the spreadsheet guard, JSON text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def csv_table(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """CSV text with a header row; each cell guarded against running as a spreadsheet formula
    (the master list's guard, ``register.csv_cell``)."""
    from .register import csv_cell  # the register module imports the manual; load it late

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row[column]) for column in columns])
    return out.getvalue()


def json_text(payload: Mapping[str, Any]) -> str:
    """JSON text as every export writes it (stable: same data, same bytes)."""
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def joined(values: Iterable[str]) -> str:
    """A list in one CSV cell."""
    return "; ".join(values)
