"""The one gate: every document-control rule, run the same way for the site build and for
``qms check``.

The plugin and the command line both call :func:`SiteCheck.run`: it reads the history (when the
site reads it), builds the controlled state, compares with a base when one is given (``qms check
--base``, or the plugin's ``change_base`` in a pull request's build) and runs every rule of the
registry (``core/ruleset.py``) on the same inputs. Only the glossary's terminology is added by
each side itself (the build checks it while it renders the pages, ``qms check`` in one pass),
through the same core functions.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import QmsConfig
from .core.changes import Comparison, compare
from .core.documents import Document
from .core.findings import Finding
from .core.git import GitError, Repository, find_repository
from .core.manual import DocumentSet
from .core.reviews import (
    ReviewRecord,
    ReviewStatus,
    interval_findings,
    last_review,
    review_status,
    reviews_in,
)
from .core.sources import replacement_finding
from .history_adapter import SiteHistory, repo_relative
from .publishing import SitePublishing


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message))


@dataclass
class SiteCheck:
    """One run of the gate: what it read and everything it found."""

    docset: DocumentSet
    site_history: SiteHistory | None
    publishing: SitePublishing
    comparison: Comparison | None = None
    findings: list[Finding] = field(default_factory=list)  # terminology aside
    uncommitted: list[Finding] = field(default_factory=list)

    @classmethod
    def run(
        cls,
        docset: DocumentSet,
        options: QmsConfig,
        config: Any,
        *,
        serving: bool = False,
        base: str | None = None,
    ) -> SiteCheck:
        """Check the manual (and, with ``base``, the change from that branch).

        The manual's findings are added to ``docset`` (so each page can list its own); the
        change's are kept apart. Raises GitError with a message a person can act on when Git
        cannot answer.
        """
        site_history = None
        if options.history:
            site_history = SiteHistory.load(docset, options, config.repo_url)
        publishing = SitePublishing.build(docset, site_history, options, serving=serving)
        comparison = _compare(docset, options, config, base) if base is not None else None
        check = cls(docset, site_history, publishing, comparison)
        today = docset.settings.today
        proposal = comparison.proposal if comparison else frozenset()
        found: list[Finding] = []
        if site_history is not None:
            found += site_history.findings(today, proposal)
            check.uncommitted = site_history.uncommitted_findings()
            replaced = site_history.repo.replacements()
            if replaced:  # history is read as stored; say that Git would show other commits
                folder = docset.settings.procedures_dir
                found.append(replacement_finding(tuple(replaced), site_history.repo, folder))

        def reviewed(doc: Document) -> dt.date | None:
            # A review the change proposes counts from today, the earliest it can be merged.
            days = [
                today if r.change is not None and r.change.commit.sha in proposal else r.day
                for r in check.git_reviews(doc)
            ]
            return max(days, default=None)

        max_months = docset.settings.review_max_months
        found += interval_findings(docset.documents, max_months, reviewed)
        docset.add_findings(found)
        check.findings = _sorted(docset.findings + (comparison.findings if comparison else []))
        return check

    def review_status(self, doc: Document) -> ReviewStatus | None:
        """Where ``doc``'s revision in force stands with its periodic review today (None: no
        revision in force, or no review planned)."""
        if self.publishing.state(doc) != "current":
            return None
        shown = self.publishing.displayed_document(doc)
        settings = self.docset.settings
        return review_status(
            shown,
            settings.today,
            settings.review_grace_days,
            settings.review_due_soon_days,
            self.last_review(shown),
        )

    def review_statuses(self) -> list[ReviewStatus]:
        """The review status of every document in force, soonest due first."""
        found = [s for doc in self.docset.documents if (s := self.review_status(doc))]
        return sorted(found, key=lambda s: (s.next_review, s.doc.doc_id or s.doc.path))

    def last_review(self, doc: Document) -> ReviewRecord | None:
        """The last periodic review of ``doc``'s revision in force, from its front matter or
        from Git (a review-only change with a ``Periodic-review:`` trailer)."""
        return last_review(doc, self.git_reviews(doc))

    def git_reviews(self, doc: Document) -> list[ReviewRecord]:
        """The review-only changes in ``doc``'s history."""
        history = self.site_history
        record = history.record(doc) if history is not None else None
        if history is None or record is None:
            return []
        options = history.options
        found = reviews_in(record, doc.doc_id, options.review_trailer, options.approval_trailers)
        return list(found.values())


def _compare(docset: DocumentSet, options: QmsConfig, config: Any, base: str) -> Comparison:
    settings = docset.settings
    try:
        Repository.discover(settings.root)
    except GitError:
        raise GitError(
            f"{settings.root} is not inside a Git repository, so there is no {base} to "
            "compare with: run the check in a clone of the manual's repository, or leave out "
            "the base"
        ) from None
    repo = find_repository(settings.root, settings.root)
    config_file = Path(config.config_file_path or settings.root / "mkdocs.yml").resolve()
    base_folder = _base_folder(repo, base, config_file)
    return compare(
        repo,
        docset,
        base,
        options.editorial_trailer,
        tuple(options.approval_trailers),
        base_folder=base_folder,
        config_path=config_file.relative_to(settings.root).as_posix(),
        review_trailer=options.periodic_review_trailer,
    )


def _base_folder(repo: Repository, base: str, config_file: Path) -> str | None:
    """The procedures folder as the base's mkdocs.yml names it (repository-relative); None
    when the base has no such configuration or it cannot be read (then: today's folder)."""
    from mkdocs.exceptions import ConfigurationError
    from mkdocs.utils.yaml import yaml_load

    rel_config = repo_relative(repo, config_file)
    try:
        merge_base = repo.text(["merge-base", repo.resolve(base), "HEAD"]).strip()
        text = repo.text(["cat-file", "blob", f"{merge_base}:{rel_config}"])
        data = yaml_load(text)
    except (GitError, ConfigurationError):
        return None
    options = _plugin_options(data.get("plugins") if isinstance(data, dict) else None)
    if options is None:
        return None
    folder = options.get("procedures_dir", "procedures")
    if not isinstance(folder, str):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel_config), folder))
    return "" if joined == "." else joined


def _plugin_options(plugins: Any) -> dict[str, Any] | None:
    """The qms plugin's options from a ``plugins:`` list or mapping."""
    entries: list[tuple[Any, Any]] = []
    if isinstance(plugins, dict):
        entries = list(plugins.items())
    elif isinstance(plugins, list):
        entries = [
            next(iter(p.items())) if isinstance(p, dict) and len(p) == 1 else (p, {})
            for p in plugins
        ]
    for name, value in entries:
        if name == "qms":
            return value if isinstance(value, dict) else {}
    return None
