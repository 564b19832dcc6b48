"""HTML for controlled pages and the master list, from Jinja templates with autoescaping.

Templates live in ``qms_plugin/templates/qms/``. A theme's ``custom_dir`` that holds a file of the
same name (``qms/control-block.html``) overrides ours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .core.documents import Document
from .core.manual import DocumentSet
from .core.register import RegisterEntry
from .core.standards import iso9001_clauses

TEMPLATES = Path(__file__).parent / "templates"

TYPE_LABELS = {
    "manual": "Manual",
    "policy": "Policy",
    "procedure": "Procedure",
    "work_instruction": "Work instruction",
    "form": "Form",
    "external": "External document",
}
STATUS_LABELS = {
    "draft": "Draft",
    "in_review": "In review",
    "approved": "Approved",
    "effective": "Effective",
    "superseded": "Superseded",
    "obsolete": "Obsolete",
}
STATE_LABELS = {
    "current": "Current",
    "pending": "Not yet effective",
    "draft": "Draft",
    "in_review": "In review",
    "superseded": "Superseded",
    "obsolete": "Obsolete",
    "invalid": "Check with the document controller",
}


def long_date(day: dt.date | None) -> str:
    """A date as staff read it, unambiguous in any country: 7 Dec 2026."""
    return f"{day.day} {day:%b %Y}" if day else ""


def make_environment(search_path: Sequence[str | Path]) -> jinja2.Environment:
    """A Jinja environment over the theme's folders then ours; every value is escaped."""
    loader = jinja2.FileSystemLoader([str(p) for p in [*search_path, TEMPLATES]])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates do not change during a build; skip the mtime checks
    )
    env.filters["long_date"] = long_date
    return env


@dataclass(frozen=True)
class Link:
    label: str
    href: str | None
    title: str = ""


class Renderer:
    """Renders the control block and the master list for one build."""

    def __init__(
        self,
        env: jinja2.Environment,
        docset: DocumentSet,
        print_notice: str,
    ) -> None:
        self.env = env
        self.docset = docset
        self.print_notice = print_notice
        self.clauses = iso9001_clauses(docset.settings.iso9001_edition)

    def link(self, doc_id: str, href_for: Callable[[Document], str | None]) -> Link:
        target = self.docset.by_id.get(doc_id)
        if target is None:
            return Link(doc_id, None, "No document has this ID")
        return Link(doc_id, href_for(target), target.title)

    def control_block(
        self, doc: Document, href_for: Callable[[Document], str | None], register_href: str
    ) -> str:
        """The block at the top of a controlled page: title, banners, metadata."""
        docset = self.docset
        state = docset.state(doc)
        template = self.env.get_template("qms/control-block.html")
        return template.render(
            doc=doc,
            state=state,
            state_label=STATE_LABELS[state],
            type_label=TYPE_LABELS.get(doc.type or "", doc.data.get("type") or "—"),
            status_label=STATUS_LABELS.get(doc.status or "", "—"),
            review_overdue=docset.review_overdue(doc),
            problems=docset.findings_for(doc),
            successor=self.link(doc.superseded_by, href_for) if doc.superseded_by else None,
            supersedes=[self.link(i, href_for) for i in doc.supersedes],
            related=[self.link(i, href_for) for i in doc.related],
            clauses=[(c, self.clauses.label(c)) for c in doc.clauses],
            print_notice=self.print_notice,
            register_href=register_href,
            today=docset.settings.today,
        )

    def master_list(self, entries: Sequence[RegisterEntry], href: Callable[[str], str]) -> str:
        """The sortable, filterable master document list table."""
        template = self.env.get_template("qms/master-list.html")
        types = sorted({e.type for e in entries if e.type}, key=list(TYPE_LABELS).index)
        statuses = sorted({e.status for e in entries if e.status}, key=list(STATUS_LABELS).index)
        return template.render(
            entries=entries,
            href=href,
            types=[(t, TYPE_LABELS[t]) for t in types],
            statuses=[(s, STATUS_LABELS[s]) for s in statuses],
            type_labels=TYPE_LABELS,
            status_labels=STATUS_LABELS,
            state_labels=STATE_LABELS,
            today=self.docset.settings.today,
            clause_label=self.clauses.label,
        )
