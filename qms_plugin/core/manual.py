"""The whole controlled manual: settings, all documents, and every finding about them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .approval import ApprovalPolicy
from .clauses import ClauseMapping, load_mapping, not_applicable_declarations
from .documents import DEFAULT_ID_PATTERNS, Document, load_documents, parse_document
from .findings import Finding
from .register_rules import register_findings
from .revision import RevisionScheme, get_scheme
from .rules import RuleContext, days_overdue, run_rules
from .schema import DocumentSchema, SchemaError
from .sources import Sources, check_links
from .standards import iso9001_clauses


class SettingsError(ValueError):
    """A setting cannot be used; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    """Everything the domain needs to know, whoever calls it (plugin, CLI, tests)."""

    root: Path
    today: dt.date
    procedures_dir: str = "procedures"
    mount: str = "procedures"
    schema: str | None = None
    revision_scheme: str = "letters"
    revision_pattern: str | None = None  # revision_scheme: custom
    revision_first: str | None = None
    id_patterns: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ID_PATTERNS))
    review_grace_days: int = 0
    iso9001_edition: str = "2015"
    use_directory_urls: bool = True
    approval: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    review_max_months: int = 36  # the longest a next review may lie after the last one
    review_due_soon_days: int = 60  # "due soon" on the Reviews page and in the register
    # The manual as a system: clauses not applied, moving edition, training roles, external
    # documents' currency checks.
    clauses_not_applicable: Mapping[str, str] = field(default_factory=dict)
    clauses_mapping: str | None = None
    training_roles: Mapping[str, str] = field(default_factory=dict)
    external_check_months: int = 12

    @property
    def folder(self) -> Path:
        return (self.root / self.procedures_dir).resolve()

    def scheme(self) -> RevisionScheme:
        """The configured revision scheme; ValueError if it cannot be used."""
        return get_scheme(self.revision_scheme, self.revision_pattern, self.revision_first)


# What a reader must know about a document before using it, most severe first.
STATES = ("invalid", "draft", "in_review", "pending", "superseded", "obsolete", "current")


def state_of(doc: Document, today: dt.date) -> str:
    """The document's state for a reader on ``today``.

    ``pending`` is an approved revision whose effective date is still ahead; ``invalid`` a file
    whose metadata could not be read well enough to say.
    """
    if doc.doc_id is None or doc.status is None:
        return "invalid"
    if doc.status in ("draft", "in_review", "superseded", "obsolete"):
        return doc.status
    if doc.effective_date is None:
        return "invalid"
    return "pending" if doc.effective_date > today else "current"


@dataclass
class DocumentSet:
    """All controlled documents with their findings, loaded once per build."""

    settings: Settings
    documents: list[Document]
    findings: list[Finding]
    schema: DocumentSchema | None = None  # to read earlier versions of the documents the same way
    # What of the procedures folder the site must not publish (core.sources).
    sources: Sources = field(default_factory=Sources)
    not_applicable: dict[str, str] = field(default_factory=dict)  # checked declarations
    clause_mapping: ClauseMapping | None = None

    @classmethod
    def load(
        cls,
        settings: Settings,
        leave_out: Sources | None = None,
        missing_folder_ok: bool = False,
    ) -> DocumentSet:
        """Read, validate and check every document below the settings' procedures folder.

        Symbolic links that leave the project are refused (core.sources), and so is what
        ``leave_out`` names (in a build: what Git does not track); its findings are the
        caller's to report. Raises SettingsError for a configuration that cannot work (missing
        folder, bad schema, unknown revision scheme, bad ID pattern). With
        ``missing_folder_ok`` a missing folder holds no documents (a change that deletes it is
        checked document by document).
        """
        folder = settings.folder
        if not folder.is_dir() and not missing_folder_ok:
            raise SettingsError(
                f"the procedures folder {folder} does not exist; create it or set the plugin's "
                "'procedures_dir' option in mkdocs.yml"
            )
        try:
            schema_path = (settings.root / settings.schema) if settings.schema else None
            schema = DocumentSchema.load(schema_path)
            scheme = settings.scheme()
            clauses = iso9001_clauses(settings.iso9001_edition)
            not_applicable = not_applicable_declarations(settings.clauses_not_applicable, clauses)
            mapping = None
            if settings.clauses_mapping:
                mapping = load_mapping(settings.root / settings.clauses_mapping, clauses)
        except (SchemaError, ValueError) as exc:
            raise SettingsError(str(exc)) from None
        if settings.external_check_months < 1:
            raise SettingsError(
                f"external_check_months is {settings.external_check_months}; give the months "
                "between currency checks of external documents (e.g. 12)"
            )
        for doc_type, pattern in settings.id_patterns.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SettingsError(
                    f"id_patterns: the pattern for {doc_type} ({pattern!r}) is not a valid "
                    f"regular expression: {exc}"
                ) from None
        sources = check_links(folder, settings.root.resolve()) if folder.is_dir() else Sources()
        if leave_out is not None:
            sources.left_out |= leave_out.left_out
        documents = (
            load_documents(
                folder,
                settings.root.resolve(),
                settings.mount,
                schema,
                leave_out=lambda file: not sources.allows(file),
            )
            if folder.is_dir()
            else []
        )
        context = RuleContext(
            today=settings.today,
            id_patterns=settings.id_patterns,
            clauses=clauses,
            revision_scheme=scheme,
            review_grace_days=settings.review_grace_days,
            approval=settings.approval,
            review_max_months=settings.review_max_months,
            mount=settings.mount,
        )
        own = [finding for doc in documents for finding in doc.findings] + sources.findings
        cross = register_findings(
            documents,
            today=settings.today,
            id_patterns=settings.id_patterns,
            not_applicable=not_applicable,
            training_roles=settings.training_roles,
            external_check_months=settings.external_check_months,
        )
        findings = sorted(
            own + run_rules(documents, context) + cross,
            key=lambda f: (f.path, f.line or 0, f.rule, f.message),
        )
        return cls(settings, documents, findings, schema, sources, not_applicable, mapping)

    def add_findings(self, findings: list[Finding]) -> None:
        """Add what rules on more than the documents found (history, the change)."""
        self.findings = sorted(
            self.findings + findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message)
        )
        self.__dict__.pop("_findings_by_path", None)

    @cached_property
    def by_id(self) -> dict[str, Document]:
        """Documents by ID; with duplicates, the first in file order (the rule reports the rest)."""
        index: dict[str, Document] = {}
        for doc in self.documents:
            if doc.doc_id:
                index.setdefault(doc.doc_id, doc)
        return index

    @cached_property
    def by_src_uri(self) -> dict[str, Document]:
        return {doc.src_uri: doc for doc in self.documents}

    @cached_property
    def _findings_by_path(self) -> dict[str, list[Finding]]:
        index: dict[str, list[Finding]] = {}
        for finding in self.findings:
            index.setdefault(finding.path, []).append(finding)
        return index

    def findings_for(self, doc: Document) -> list[Finding]:
        """This document's findings, in line order."""
        return self._findings_by_path.get(doc.path, [])

    def state(self, doc: Document) -> str:
        return state_of(doc, self.settings.today)

    def parse_version(self, raw: bytes, doc: Document) -> Document | None:
        """Another version of ``doc`` (from a Git blob), read as its file is read."""
        schema = self.schema or DocumentSchema.load(None)
        version = parse_document(raw, doc.path, doc.src_uri, schema, schema.text_fields())
        return version

    def review_overdue(self, doc: Document) -> bool:
        late = days_overdue(doc, self.settings.today)
        return late is not None and late > self.settings.review_grace_days
