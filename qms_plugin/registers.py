"""The manual as a system in the site: clause matrix, records register, external documents,
"What's changing", document-ID links, "Referenced by", and the markers authors put in documents.

The plugin's side of ``core.clauses``, ``core.records``, ``core.external``, ``core.training`` and
``core.references``; the command line builds the same object to print the same registers.
Everything is read from the revisions the site shows today (``SitePublishing``): the revision in
force of each document, not a draft on the branch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

import jinja2

from .config import QmsConfig
from .core import markers
from .core.clauses import (
    STATUS_LABELS,
    ClauseMatrix,
    Source,
    build_matrix,
    matrix_csv,
    matrix_json,
)
from .core.documents import Document
from .core.external import (
    ExternalDocument,
    external_csv,
    external_json,
    external_register,
    external_rows,
)
from .core.manual import DocumentSet
from .core.publication import Publication, PublishedRevision
from .core.records import RecordEntry, build_register, declarations, records_csv, records_json
from .core.references import Named, References
from .core.register import page_url
from .core.standards import iso9001_clauses, number_key
from .core.training import (
    Change,
    ChangeLinks,
    Training,
    changes_csv,
    changes_data,
    changes_json,
    training_of,
    whats_changing,
)
from .docrefs import Target
from .publishing import SitePublishing
from .render import TYPE_LABELS, Link

WITHDRAWN = ("superseded", "obsolete")
SHOWN_STATES = ("current", "pending")  # documents whose records and clauses are in use or due

INTROS = {
    "clauses": (
        "Every clause and sub-clause of {standard} with the controlled documents that address "
        "it, as the revisions in force cite them. A clause is covered when a document in force "
        "cites it or a clause that contains it, or when all its sub-clauses are covered. Sort "
        "by a column heading; filter by status, by main clause or by words."
    ),
    "records": (
        "Every kind of record our documents say we keep: the form that defines it, where it is "
        "kept, for how long and from when, what happens to it then, and who owns it. Each "
        "record is declared in the front matter of the documents that produce it."
    ),
    "external": (
        "Standards, customer specifications and other documents of external origin that we work "
        "to: the edition in use, where the controlled copy is, when its currency was last "
        "checked, and which of our documents use it."
    ),
    "training": (
        "Revisions that came into force in the last {days} days or come into force in the next "
        "{days} days, with the roles to train or brief and a link to what changed. Managers: "
        "brief your team before the date; the CSV is what the training system imports."
    ),
}


@dataclass(frozen=True)
class GeneratedPage:
    key: str  # clauses | records | external | training
    uri: str
    title: str


@dataclass(frozen=True)
class ControlExtras:
    """What the control block adds for the manual as a system."""

    referenced_by: tuple[Link, ...] = ()
    records: tuple[Link, ...] = ()
    training: Training | None = None
    roles: tuple[str, ...] = ()  # the training roles' names
    external: ExternalDocument | None = None
    external_overdue: bool = False


@dataclass
class SiteRegisters:
    """The registers of one build (or of one ``qms`` command)."""

    docset: DocumentSet
    publishing: SitePublishing
    options: QmsConfig
    env: jinja2.Environment
    url_for: Callable[[Document], str | None] = field(default=lambda doc: None)

    @property
    def today(self) -> Any:
        return self.docset.settings.today

    # --- what the site shows --------------------------------------------------------------------

    @cached_property
    def _documents(self) -> list[Document]:
        return [d for d in self.docset.documents if d.doc_id]

    def state(self, doc: Document) -> str:
        return self.publishing.state(doc)

    def shown(self, doc: Document) -> Document:
        return self.publishing.displayed_document(doc)

    def url(self, doc: Document) -> str:
        found = self.url_for(doc)
        if found is not None:
            return found
        return page_url(doc.src_uri, self.docset.settings.use_directory_urls)

    @cached_property
    def _by_id(self) -> dict[str, Document]:
        return self.docset.by_id

    @cached_property
    def references(self) -> References:
        """References as the revisions shown today make them."""
        return References(
            [self.shown(d) for d in self._documents], self.docset.settings.id_patterns
        )

    def referencing(self, doc_id: str) -> list[tuple[Document, Named]]:
        """Documents in use that name ``doc_id`` (a withdrawn one naming it is history)."""
        found = []
        for source, named in self.references.referencing(doc_id):
            original = self.docset.by_src_uri.get(source.src_uri)
            if original is not None and self.state(original) not in WITHDRAWN:
                found.append((original, named))
        return found

    def targets(self) -> dict[str, Target]:
        """Where each document ID leads, for the linker."""
        targets: dict[str, Target] = {}
        for doc in self._documents:
            assert doc.doc_id is not None
            state = self.state(doc)
            withdrawn = None
            if state in WITHDRAWN:
                withdrawn = state
                successor = doc.superseded_by
                if successor:
                    withdrawn = f"{state}: use {successor}"
            targets.setdefault(doc.doc_id, Target(self.url(doc), self.shown(doc).title, withdrawn))
        return targets

    # --- the registers ----------------------------------------------------------------------

    @cached_property
    def matrix(self) -> ClauseMatrix:
        catalogue = iso9001_clauses(self.docset.settings.iso9001_edition)
        sources = []
        for doc in self._documents:
            state = self.state(doc)
            if state in (*WITHDRAWN, "invalid"):
                continue
            shown = self.shown(doc)
            publication = self.publishing.publication(doc)
            pending = publication.pending(self.today) if publication else []
            sources.append(
                Source(
                    doc_id=doc.doc_id or "",
                    title=shown.title,
                    type=doc.type or "",
                    state=state,
                    clauses=shown.clauses,
                    url=self.url(doc),
                    pending_from=pending[0].starts if pending and state == "pending" else None,
                )
            )
        return build_matrix(
            catalogue, sources, self.docset.not_applicable, self.docset.clause_mapping
        )

    @cached_property
    def records(self) -> list[RecordEntry]:
        shown = [self.shown(d) for d in self._documents if self.state(d) in SHOWN_STATES]
        return build_register(shown)

    @cached_property
    def _record_anchor(self) -> dict[str, str]:
        return {entry.key: entry.anchor for entry in self.records}

    @cached_property
    def external(self) -> list[ExternalDocument]:
        return external_register(
            [self.shown(d) for d in self._documents], self.options.external_check_months
        )

    def external_rows(self) -> list[dict[str, str]]:
        states = {d.doc_id or "": self.state(d) for d in self._documents}
        used_by = {
            entry.doc.doc_id or "": [d.label for d, _ in self.referencing(entry.doc.doc_id or "")]
            for entry in self.external
        }
        urls = {d.doc_id or "": self.url(d) for d in self._documents}
        return external_rows(self.external, self.today, states, used_by, urls)

    @cached_property
    def changes(self) -> list[Change]:
        days = self.options.training_days
        publications = [p for p in self.publishing.publications.all() if p.doc_id]
        start, end = self.today.toordinal() - days, self.today.toordinal() + days
        wanted = [
            (p, r)
            for p in publications
            for r in p.revisions
            if r.starts is not None and start <= r.starts.toordinal() <= end
        ]
        data = self.publishing.read_revisions(wanted)

        def training_for(publication: Publication, revision: PublishedRevision) -> Training | None:
            return training_of(data.get((publication.doc.path, revision.number), {}))

        return whats_changing(publications, self.today, days, training_for)

    def change_links(self, change: Change) -> ChangeLinks:
        """Site URLs (from the root) of a change's document, revision page and redline."""
        publication, revision = change.publication, change.revision
        archived = (
            self.publishing.archived_url(publication, revision) if revision is not None else None
        )
        redline = f"{archived}#changes" if archived and change.previous is not None else ""
        return ChangeLinks(self.url(change.doc), archived or "", redline)

    def training_data(self) -> dict[str, Any]:
        return changes_data(
            self.changes,
            self.today,
            self.options.training_days,
            dict(self.options.training_roles),
            self.change_links,
        )

    # --- exports ----------------------------------------------------------------------------

    def exports(self) -> dict[str, str]:
        """File name (in the exports folder) -> text."""
        urls = {d.doc_id or "": self.url(d) for d in self._documents}
        rows = self.external_rows()
        training = self.training_data()
        months = self.options.external_check_months
        return {
            "clauses.json": matrix_json(self.matrix, self.today),
            "clauses.csv": matrix_csv(self.matrix),
            "records.json": records_json(self.records, urls),
            "records.csv": records_csv(self.records),
            "external.json": external_json(rows, self.today, months),
            "external.csv": external_csv(rows),
            "training.json": changes_json(training),
            "training.csv": changes_csv(training),
        }

    # --- pages ------------------------------------------------------------------------------

    def pages(self) -> list[GeneratedPage]:
        options = self.options
        return [
            GeneratedPage("clauses", _uri(options.clauses_page), options.clauses_title),
            GeneratedPage("records", _uri(options.records_page), options.records_title),
            GeneratedPage("external", _uri(options.external_page), options.external_title),
            GeneratedPage("training", _uri(options.training_page), options.training_title),
        ]

    def page_markdown(self, page: GeneratedPage) -> str:
        intro = INTROS[page.key].format(
            standard=iso9001_clauses(self.docset.settings.iso9001_edition).standard,
            days=self.options.training_days,
        )
        return f"---\nhide:\n  - toc\n---\n# {_heading(page.title)}\n\n{intro}\n"

    def page_html(self, key: str, href: Callable[[str], str]) -> str:
        """The register of a generated page; ``href`` makes a link from that page to a site
        URL given from the root."""
        exports = self.options.exports_dir
        downloads = {
            "clauses": "clauses",
            "records": "records",
            "external": "external",
            "training": "training",
        }[key]
        common = {
            "href": href,
            "csv": href(f"{exports}/{downloads}.csv"),
            "json": href(f"{exports}/{downloads}.json"),
            "today": self.today,
            "type_labels": TYPE_LABELS,
            "doc_url": self.url,
            "docs": self._by_id,
        }
        if key == "clauses":
            return self._render("qms/clause-matrix.html", **common, **self._matrix_context())
        if key == "records":
            return self._render("qms/records-register.html", **common, entries=self.records)
        if key == "external":
            return self._render(
                "qms/external-register.html",
                **common,
                rows=self.external_rows(),
                months=self.options.external_check_months,
            )
        roles = dict(self.options.training_roles)
        rows = [
            {
                "change": change,
                "links": self.change_links(change),
                "upcoming": change.upcoming(self.today),
                "roles": [roles.get(r, r) for r in change.training.roles]
                if change.training
                else [],
            }
            for change in self.changes
        ]
        return self._render(
            "qms/whats-changing.html",
            **common,
            rows=rows,
            roles=roles,
            days=self.options.training_days,
        )

    def _matrix_context(self) -> dict[str, Any]:
        matrix = self.matrix
        counts = {s: sum(1 for r in matrix.rows if r.status == s) for s in STATUS_LABELS}
        return {
            "matrix": matrix,
            "counts": counts,
            "status_labels": STATUS_LABELS,
            "sections": sorted({row.section for row in matrix.rows}, key=number_key),
            "sort_key": lambda number: ".".join(f"{int(p):03d}" for p in number.split(".")),
            "label": matrix.catalogue.label,
            "target_label": (matrix.mapping.target.label if matrix.mapping else None),
        }

    def _render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    # --- the document's own page ---------------------------------------------------------------

    def control_extras(self, doc: Document, shown: Document, href: Callable[[str], str]) -> Any:
        """The control block's "Referenced by", records, training and external fields."""
        referenced = []
        for source, _ in self.referencing(doc.doc_id or ""):
            if source.path == doc.path:
                continue
            referenced.append(Link(source.label, href(self.url(source)), self.shown(source).title))
        records = []
        register = self.options.records_page
        for declaration in declarations(shown):
            anchor = self._record_anchor.get(declaration.key)
            target = href(page_url(_uri(register), self.docset.settings.use_directory_urls))
            records.append(Link(declaration.name, f"{target}#{anchor}" if anchor else None))
        training = training_of(shown.data)
        roles = dict(self.options.training_roles)
        external = None
        if doc.type == "external":
            external = next((e for e in self.external if e.doc.path == doc.path), None)
        return ControlExtras(
            referenced_by=tuple(referenced),
            records=tuple(records),
            training=training,
            roles=tuple(roles.get(r, r) for r in training.roles) if training else (),
            external=external,
            external_overdue=bool(external and external.in_use and external.overdue(self.today)),
        )

    def expand(self, version: Document, href: Callable[[str], str]) -> str:
        """A document's body with its markers replaced by what they show."""
        urls = self.docset.settings.use_directory_urls

        def content(name: str) -> str | None:
            if name == markers.RECORDS:
                register = href(page_url(_uri(self.options.records_page), urls))
                rows = []
                for declaration in declarations(version):
                    form = self._by_id.get(declaration.form or "")
                    rows.append(
                        {
                            "record": declaration,
                            "anchor": self._record_anchor.get(declaration.key),
                            "form_href": href(self.url(form)) if form is not None else None,
                            "form_title": form.title if form is not None else "",
                        }
                    )
                return self._render("qms/records-table.html", rows=rows, register=register)
            if name == markers.NOT_APPLICABLE:
                catalogue = iso9001_clauses(self.docset.settings.iso9001_edition)
                matrix = href(page_url(_uri(self.options.clauses_page), urls))
                return self._render(
                    "qms/not-applicable.html",
                    declared=self.docset.not_applicable,
                    label=catalogue.label,
                    standard=catalogue.standard,
                    matrix=matrix,
                )
            return None

        return markers.expand(version.body, content)

    @property
    def body_key(self) -> str:
        """What, besides a revision's own text, its expanded body depends on."""
        settings = {
            "not_applicable": self.docset.not_applicable,
            "records_page": self.options.records_page,
            "clauses_page": self.options.clauses_page,
        }
        text = json.dumps(settings, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _uri(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).as_posix().lstrip("/")


def _heading(title: str) -> str:
    """A title for a generated Markdown heading: Markdown and HTML in it shown as text."""
    return "".join(f"&#{ord(c)};" if c in "<>&*_`[]\\#" else c for c in title)
