"""Revision history in the site: the plugin's side of ``core.history`` and ``core.audit``.

Kept apart from ``plugin.py`` so the MkDocs events stay short: the plugin asks this adapter for
findings once per build, for HTML per page, and for the export at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import jinja2

from .config import QmsConfig
from .core.approval import ApprovalPolicy
from .core.audit import (
    HistoryContext,
    HistoryOptions,
    after_baseline,
    change_log,
    history_findings,
    history_json,
)
from .core.documents import Document
from .core.findings import Finding
from .core.git import GitError, Repository, find_repository
from .core.history import Change, DocumentHistory, History, load_history
from .core.manual import DocumentSet
from .core.publication import Publication, parse_day
from .render import HistoryRenderer


def history_options(
    options: QmsConfig, repo_url: str | None, policy: ApprovalPolicy | None = None
) -> HistoryOptions:
    """The history conventions from the plugin's options; ``repo_url`` is MkDocs' own."""
    return HistoryOptions(
        approval_trailers=tuple(options.approval_trailers),
        review_trailers=tuple(options.review_trailers),
        editorial_trailer=options.editorial_trailer,
        approvers={k: tuple(v) for k, v in options.approvers.items()},
        approval_evidence=options.approval_evidence,
        baseline=str(options.history_baseline) if options.history_baseline else None,
        repo_url=options.history_repo_url or repo_url,
        policy=policy or ApprovalPolicy(),
        review_trailer=options.periodic_review_trailer,
    )


class SiteHistory:
    """Everything history adds to one build: records, findings, HTML and the export."""

    def __init__(
        self,
        repo: Repository,
        history: History,
        options: HistoryOptions,
        docset: DocumentSet,
        uncommitted: dict[str, str],
        baseline_position: int | None,
        baseline_date: dt.date | None = None,
    ) -> None:
        self.repo = repo
        self.history = history
        self.options = options
        self.docset = docset
        self.uncommitted = uncommitted
        self.baseline_position = baseline_position
        self.baseline_date = baseline_date
        # Resolved once: pages, rules and exports all ask for them.
        root = docset.settings.root
        self._paths = {doc.path: repo_relative(repo, root / doc.path) for doc in docset.documents}
        self.scope = repo_relative(repo, docset.settings.folder)

    @classmethod
    def load(cls, docset: DocumentSet, config: QmsConfig, repo_url: str | None) -> SiteHistory:
        """Read history for the documents; GitError with a message a person can act on."""
        settings = docset.settings
        repo = find_repository(settings.root, settings.folder)
        scope = repo_relative(repo, settings.folder)
        history = load_history(
            repo,
            scope=(f"{scope}/" if scope else "",),
            allow_shallow=config.history_shallow == "mark",
            signatures=config.history_signatures,
            cache=config.history_cache,
        )
        options = history_options(config, repo_url, settings.approval)
        baseline = None
        baseline_date = parse_day(options.baseline) if options.baseline else None
        if options.baseline and baseline_date is None:
            sha = repo.resolve(options.baseline)
            baseline = history.position(sha)
            if baseline is None:
                raise GitError(
                    f"history_baseline '{options.baseline}' is not on the published branch's "
                    "first-parent history; name a commit of that branch, or a date "
                    "(YYYY-MM-DD) up to which history was imported"
                )
        uncommitted = repo.status([scope or "."]) if history.head else {}
        return cls(repo, history, options, docset, uncommitted, baseline, baseline_date)

    def path_of(self, doc: Document) -> str:
        """A document's path inside the repository (history is keyed by it)."""
        return self._paths[doc.path]

    def record(self, doc: Document) -> DocumentHistory | None:
        """The document's approved changes in Git (None: the file was never committed)."""
        return self.history.get(self.path_of(doc))

    def checked(self, change: Change) -> bool:
        """Whether a change comes after the baseline (history imported before it is taken at
        its word)."""
        return after_baseline(change, self.baseline_position, self.baseline_date)

    def moved_paths(self, src_uri_of: Callable[[str], str | None]) -> dict[str, str]:
        """Where each document was before, as a site source path, mapped to where it is now:
        links in earlier revisions' text still reach it."""
        moved: dict[str, str] = {}
        for doc in self.docset.documents:
            record = self.record(doc)
            for path in record.paths if record else ():
                then = src_uri_of(path)
                if then is not None and then != doc.src_uri:
                    moved[then] = doc.src_uri
        return moved

    def state_of(self, doc: Document) -> str | None:
        """'modified', 'untracked', ... when the working copy differs from the last commit."""
        return self.uncommitted.get(self.path_of(doc))

    def context(
        self, today: dt.date | None = None, proposal: frozenset[str] = frozenset()
    ) -> HistoryContext:
        """What the history rules need; ``proposal``: the commits a pull request proposes."""
        prefix = f"{self.docset.settings.mount}/" if self.docset.settings.mount else ""
        return HistoryContext(
            self.history,
            self.options,
            self.baseline_position,
            self.path_of,
            today=today,
            proposal=proposal,
            baseline_date=self.baseline_date,
            folder_path=lambda doc: doc.src_uri.removeprefix(prefix),
        )

    def findings(
        self, today: dt.date | None = None, proposal: frozenset[str] = frozenset()
    ) -> list[Finding]:
        return history_findings(self.docset.documents, self.context(today, proposal))

    def uncommitted_findings(self) -> list[Finding]:
        found = []
        for doc in self.docset.documents:
            state = self.state_of(doc)
            if state:
                found.append(
                    Finding(
                        doc.path,
                        None,
                        "uncommitted",
                        f"the file is {state} and not committed, so its page shows text that "
                        "has no revision history; commit it (sites are published from commits)",
                        doc.doc_id,
                    )
                )
        return found

    def page_html(
        self,
        env: jinja2.Environment,
        doc: Document,
        publication: Publication | None = None,
        revision_href: Callable[[str], str | None] | None = None,
    ) -> str:
        """The revision history table of ``doc``; with its ``publication``, each revision says
        whether it is in force, pending or replaced, and links to its own page."""
        renderer = HistoryRenderer(env, self.history, self.options)
        record = self.history.get(self.path_of(doc))
        return renderer.revision_history(
            record,
            self.state_of(doc),
            self.baseline_position,
            publication,
            revision_href,
            self.docset.settings.today,
        )

    def change_log_html(
        self,
        env: jinja2.Environment,
        href_for: Callable[[Document], str | None],
        history_href: str,
        publication_of: Callable[[Document], Publication | None] | None = None,
    ) -> str:
        """The change log page's table; with ``publication_of``, each change says when its
        revision was in force."""
        entries = change_log(self.docset.documents, self.history, self.path_of, self.options)
        return HistoryRenderer(env, self.history, self.options).change_log(
            entries, href_for, history_href, publication_of
        )

    def export(self, url_for: Callable[[Document], str | None]) -> str:
        records = []
        for doc in self.docset.documents:
            record = self.history.get(self.path_of(doc))
            if record is not None:
                records.append((record, url_for(doc)))
        return history_json(self.history, records, self.options)


def repo_relative(repo: Repository, path: Path) -> str:
    try:
        relative = path.resolve().relative_to(repo.root).as_posix()
    except ValueError:
        return path.as_posix()
    return "" if relative == "." else relative
