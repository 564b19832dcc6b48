"""Training and awareness: which revisions staff must be trained on, or told about, and when.

Each revision says whether its change needs training, and for which roles (the roles are
defined once, in the plugin's ``training_roles``)::

    training:
      required: true
      roles: [setter, inspector]
      method: Briefing at the cell by the Production Manager, signed on F-072-01

"What's changing" lists the revisions that came or come into force within ``training_days``
before and after today (and the documents withdrawn in that time), with the roles affected and
the change summary: what a manager briefs, and what a learning management system imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .documents import Document
from .exports import csv_table, json_text
from .findings import Finding
from .publication import Publication, PublishedRevision

TRAINING_FORMAT = "mkdocs-qms/training"


@dataclass(frozen=True)
class Training:
    """A revision's training decision."""

    required: bool
    roles: tuple[str, ...]
    method: str | None


def training_of(data: Mapping[str, Any]) -> Training | None:
    """The training a revision's front matter asks for; None when it does not say."""
    value = data.get("training")
    if not isinstance(value, dict):
        return None
    roles = value.get("roles")
    names = (
        tuple(str(r).strip() for r in roles if str(r).strip()) if isinstance(roles, list) else ()
    )
    method = value.get("method")
    return Training(
        required=value.get("required") is True,
        roles=names,
        method=" ".join(method.split()) if isinstance(method, str) and method.strip() else None,
    )


def training_findings(documents: Sequence[Document], roles: Mapping[str, str]) -> Iterator[Finding]:
    """``training-roles``: a role that is not defined in ``training_roles``, training required
    for no role, or roles named for a change that needs no training."""
    for doc in documents:
        if doc.doc_id is None or doc.status in ("superseded", "obsolete"):
            continue
        training = training_of(doc.data)
        if training is None or "training" in {f.field for f in doc.findings}:
            continue  # not stated, or its shape is wrong (the schema finding says how)
        unknown = [r for r in training.roles if r not in roles]
        problems = []
        if unknown:
            known = ", ".join(roles) if roles else "none: define them in training_roles"
            problems.append(
                f"names the role{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}, not "
                f"defined in training_roles (mkdocs.yml; defined: {known})"
            )
        if training.required and not training.roles:
            problems.append("requires training but names no role; list the roles affected")
        if not training.required and training.roles:
            problems.append(
                "names roles but does not require training; set required: true, or remove the roles"
            )
        for problem in problems:
            yield Finding(
                doc.path,
                doc.line("training") or 1,
                "training-roles",
                f"training {problem}",
                doc.doc_id,
                "training",
            )


# --- what's changing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A revision coming into force, or a withdrawal taking effect, on ``day``."""

    publication: Publication
    kind: str  # revision | first_issue | withdrawal
    day: dt.date
    revision: PublishedRevision | None  # None for a withdrawal
    previous: PublishedRevision | None  # what was in force before (the redline's other side)
    training: Training | None

    @property
    def doc(self) -> Document:
        return self.publication.doc

    @property
    def summary(self) -> str | None:
        if self.revision is not None:
            return self.revision.summary
        withdrawal = self.publication.withdrawal
        if withdrawal is None:
            return None
        if withdrawal.successor:
            return f"Withdrawn: replaced by {withdrawal.successor}."
        return f"Withdrawn: {withdrawal.reason}" if withdrawal.reason else "Withdrawn."

    @property
    def label(self) -> str:
        if self.revision is not None:
            return self.revision.label
        return self.previous.label if self.previous else "—"

    def upcoming(self, today: dt.date) -> bool:
        return self.day > today


def whats_changing(
    publications: Iterable[Publication],
    today: dt.date,
    days: int,
    training_for: Callable[[Publication, PublishedRevision], Training | None],
) -> list[Change]:
    """Revisions in force from a day within ``days`` of ``today`` (before or after), and
    withdrawals taking effect then; by day, then ID."""
    start, end = today - dt.timedelta(days=days), today + dt.timedelta(days=days)
    changes = []
    for publication in publications:
        earlier: PublishedRevision | None = None
        for revision in publication.revisions:
            if not revision.ever_in_force or revision.starts is None:
                continue
            if start <= revision.starts <= end:
                changes.append(
                    Change(
                        publication,
                        "revision" if earlier else "first_issue",
                        revision.starts,
                        revision,
                        earlier,
                        training_for(publication, revision),
                    )
                )
            earlier = revision
        withdrawal = publication.withdrawal
        if (
            withdrawal is not None
            and not withdrawal.waiting
            and withdrawal.starts is not None
            and start <= withdrawal.starts <= end
        ):
            last = publication.shown(withdrawal.starts)
            changes.append(Change(publication, "withdrawal", withdrawal.starts, None, last, None))
    return sorted(changes, key=lambda c: (c.day, c.doc.doc_id or "", c.kind))


# --- exports -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "doc_id",
    "title",
    "revision",
    "change",
    "in_force_from",
    "role",
    "role_name",
    "method",
    "change_summary",
    "url",
    "redline_url",
)


@dataclass(frozen=True)
class ChangeLinks:
    """Where a change is read on the site (URLs from the site root; '' where there is none)."""

    page: str
    revision: str
    redline: str


def changes_data(
    changes: Sequence[Change],
    today: dt.date,
    days: int,
    roles: Mapping[str, str],
    links: Callable[[Change], ChangeLinks],
) -> dict[str, Any]:
    """What's changing as plain data (records_schema/training.schema.yaml)."""
    items = []
    for change in changes:
        training = change.training
        found = links(change)
        items.append(
            {
                "doc_id": change.doc.doc_id,
                "title": (change.revision.title if change.revision else None) or change.doc.title,
                "type": change.doc.type,
                "change": change.kind,
                "revision": change.revision.revision if change.revision else None,
                "previous_revision": change.previous.revision if change.previous else None,
                "in_force_from": change.day.isoformat(),
                "upcoming": change.upcoming(today),
                "change_summary": change.summary,
                "training": (
                    {
                        "required": training.required,
                        "roles": [{"id": r, "name": roles.get(r, r)} for r in training.roles],
                        "method": training.method,
                    }
                    if training
                    else None
                ),
                "url": found.page or None,
                "revision_url": found.revision or None,
                "redline_url": found.redline or None,
            }
        )
    return {
        "format": TRAINING_FORMAT,
        "version": 1,
        "today": today.isoformat(),
        "days": days,
        "roles": [{"id": key, "name": name} for key, name in roles.items()],
        "changes": items,
    }


def changes_json(data: Mapping[str, Any]) -> str:
    return json_text(data)


def assignments(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """One row per role to train per revision: what an LMS imports as assignments."""
    rows = []
    for change in data["changes"]:
        training = change["training"]
        if not training or not training["required"]:
            continue
        for role in training["roles"]:
            rows.append(
                {
                    "doc_id": change["doc_id"] or "",
                    "title": change["title"] or "",
                    "revision": change["revision"] or "",
                    "change": change["change"],
                    "in_force_from": change["in_force_from"],
                    "role": role["id"],
                    "role_name": role["name"],
                    "method": training["method"] or "",
                    "change_summary": change["change_summary"] or "",
                    "url": change["url"] or "",
                    "redline_url": change["redline_url"] or "",
                }
            )
    return rows


def changes_csv(data: Mapping[str, Any]) -> str:
    return csv_table(CSV_COLUMNS, assignments(data))


def changes_text(data: Mapping[str, Any]) -> str:
    lines = []
    for change in data["changes"]:
        when = "from" if change["upcoming"] else "since"
        revision = f" rev {change['revision']}" if change["revision"] else ""
        lines.append(
            f"{change['in_force_from']}  {change['doc_id']}{revision} {change['title']} "
            f"({change['change'].replace('_', ' ')}, in force {when} that day)"
        )
        if change["change_summary"]:
            lines.append(f"    {change['change_summary']}")
        training = change["training"]
        if training is None:
            lines.append("    training: not stated")
        elif training["required"]:
            names = ", ".join(r["name"] for r in training["roles"])
            method = f" ({training['method']})" if training["method"] else ""
            lines.append(f"    training: {names}{method}")
        else:
            lines.append("    training: none needed")
    lines.append(f"{len(data['changes'])} changes within {data['days']} days of {data['today']}.")
    return "\n".join(lines) + "\n"
