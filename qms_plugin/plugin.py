"""The MkDocs adapter: wires MkDocs events to the domain in ``core`` and the HTML in ``render``."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import posixpath
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException, PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import dirname_to_title, get_relative_url, write_file
from mkdocs.utils.templates import TemplateContext

from .checking import SiteCheck
from .config import QmsConfig
from .core.approval import ApprovalConfigError, parse_policy
from .core.documents import DEFAULT_ID_PATTERNS, DOCUMENT_TYPES, Document
from .core.errors import unexpected
from .core.findings import Finding
from .core.git import GitError, find_repository
from .core.manual import DocumentSet, Settings, SettingsError
from .core.publication import earliest_day, in_force_on
from .core.references import id_pattern
from .core.register import RegisterEntry, master_list, register_csv, register_json
from .core.ruleset import ERROR, severity
from .core.sources import Sources, read_tracking, tracking_findings
from .core.text import visible
from .core.today import TodayError, resolve_today
from .docrefs import DocRefExtension, PageLinks
from .glossary import SiteGlossary, TermLinksHidden
from .history_adapter import SiteHistory
from .publishing import ROOT, ArchiveWriter, SitePublishing
from .registers import SiteRegisters
from .render import (
    STATE_LABELS,
    Renderer,
    long_date,
    make_environment,
    material_tooltips,
    page_title,
)

log = get_plugin_logger(__name__)

ASSETS = Path(__file__).parent / "assets"
ASSET_URIS = {"assets/qms/qms.css": ASSETS / "qms.css", "assets/qms/qms.js": ASSETS / "qms.js"}

# Front-matter keys MkDocs and Material act on; the rest stays under page.meta["qms"] so that our
# `status` is not mistaken for Material's navigation status icons.
PASSTHROUGH_META = ("description", "tags", "hide", "search", "template")

CHANGELOG_INTRO = (
    "Every approved change to a controlled document, newest first, as recorded in Git. "
    "Filter by document, by date or by words; each change links to its pull request or commit."
)

# Plugins whose on_page_context only reads the page, to index it for search.
SEARCH_PLUGIN_MODULES = ("mkdocs.contrib.search", "material.plugins.search")

# Material's repository widget calls these hosts' public APIs from every reader's browser.
PUBLIC_CODE_HOSTS = ("github.com", "www.github.com", "gitlab.com", "www.gitlab.com")

# How much less a withdrawn document weighs in search: a title match counts a thousand times a
# match in the text, so this puts a withdrawn document below any document in force that has the
# words anywhere.
WITHDRAWN_BOOST = 0.0005

AS_OF_INTRO = (
    "Which revision of each controlled document was in force on a given day, as recorded in Git. "
    "Choose a date; each revision links to its own read-only page."
)

# Documents whose navigation entry carries a status marker (Material's navigation status, with
# our labels): those that are not to be worked to yet. Withdrawn ones say so in their title.
NAV_MARKED_STATES = {"draft": "Draft", "in_review": "In review", "pending": "Not yet in force"}

# What a watermark across a document's page says, by its state on the day.
WATERMARKS = {
    "pending": "Pending — not yet in force",
    "draft": "Draft — not for use",
    "in_review": "In review — not for use",
}

REGISTER_INTRO = (
    "Every controlled document published from the approved branch, with its revision in force. "
    "Sort by clicking a column heading; filter by type, status or words."
)

REVIEWS_INTRO = (
    "When each document in force is due for its periodic review, and its last review: overdue "
    "reviews first. A document stays in force while its review is overdue; its owner reviews it "
    "and records the review in a pull request."
)

# The environment variable a CI job sets to the branch a pull request targets (the plugin's
# `change_base` option): the build then checks the change as `qms check --base` does.
CHANGE_BASE_ENV = "QMS_CHANGE_BASE"


Handler = TypeVar("Handler", bound=Callable[..., Any])


def _guarded(handler: Handler) -> Handler:
    """An event handler whose unforeseen errors become a PluginError in one line naming the
    file it was reading (the page, else mkdocs.yml) rather than a traceback; MkDocs' own
    errors pass through as they are."""

    @functools.wraps(handler)
    def guarded(self: QmsPlugin, *args: Any, **kwargs: Any) -> Any:
        try:
            return handler(self, *args, **kwargs)
        except MkDocsException:
            raise
        except Exception as exc:
            page = kwargs.get("page")
            config = kwargs.get("config") or (args[0] if args else None)
            where = (
                page.file.src_path
                if isinstance(page, Page)
                else getattr(config, "config_file_path", None) or "mkdocs.yml"
            )
            raise PluginError(f"qms: {visible(unexpected(exc, where))}") from exc

    return cast(Handler, guarded)


class QmsPlugin(BasePlugin[QmsConfig]):  # type: ignore[no-untyped-call]
    """Document control for procedures kept as Markdown in Git."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.docset: DocumentSet | None = None
        self.renderer: Renderer | None = None
        self.files: Files | None = None
        self.site_history: SiteHistory | None = None
        self.publishing: SitePublishing | None = None
        self.glossary: SiteGlossary | None = None
        self.registers: SiteRegisters | None = None
        self.docrefs: DocRefExtension | None = None
        self.serving = False
        self.held = HeldBack()
        self.term_links = TermLinksHidden()
        self.hide_links_ok: bool | None = None
        self.check: SiteCheck | None = None
        self.strict = False
        self.failing: list[str] = []  # this build's findings that fail a strict build
        self.search_tags: dict[str, list[str]] = {}
        self.shown_tags: dict[str, Any] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Uncommitted documents are normal while editing under `mkdocs serve`; in a build they
        # are a finding.
        self.serving = command == "serve"

    @_guarded
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        # `mkdocs serve` reuses this object for every rebuild: start each build afresh.
        self.docset = self.renderer = self.files = self.site_history = None
        self.publishing = self.glossary = self.check = None
        self.registers = None
        self.held = HeldBack()
        self.term_links = TermLinksHidden()
        self.hide_links_ok = None
        self.strict = bool(config.strict)
        self.failing = []
        self.search_tags, self.shown_tags = {}, {}
        if not self.config.enabled:
            return config
        try:
            today = resolve_today(date_option(self.config.today))
            self.settings = build_settings(config, self.config, today)
        except (TodayError, SettingsError) as exc:
            raise PluginError(f"qms: {exc}") from None
        self.env = make_environment(config.theme.dirs, html_tooltips=material_tooltips(config))
        self.glossary = SiteGlossary.setup(config, self.config, self.settings.root, self.env)
        if self.config.training_days < 0:
            raise PluginError(
                f"qms: training_days is {self.config.training_days}; give the days before and "
                "after today that the What's changing page covers (e.g. 30)"
            )
        self.docrefs = None
        if self.config.doc_links:
            # Added once per build: MkDocs rebuilds the Markdown extensions from the config.
            self.docrefs = DocRefExtension(material_tooltips(config))
            config.markdown_extensions.append(self.docrefs)  # type: ignore[arg-type]
        config.extra_css.append("assets/qms/qms.css")
        config.extra_javascript.append("assets/qms/qms.js")
        # Labels of the navigation's status markers (the site's own labels win).
        labels = {f"qms-{state}": label for state, label in NAV_MARKED_STATES.items()}
        own = config.extra.get("status")
        config.extra["status"] = {**labels, **(own if isinstance(own, dict) else {})}
        if (
            self.config.offline_check
            and config.theme.name == "material"
            and config.theme.get("font", True)
        ):
            log.warning(
                "theme.font makes every page load fonts from Google's servers, which an intranet "
                "site must not do; set 'font: false' under 'theme:' in mkdocs.yml (or set the "
                "qms plugin's 'offline_check: false' if that is intended)"
            )
        if (
            self.config.offline_check
            and config.theme.name == "material"
            and urlsplit(config.repo_url or "").hostname in PUBLIC_CODE_HOSTS
        ):
            log.warning(
                "repo_url makes every page ask the code host's public API for the repository's "
                "stars and version, which an intranet site must not do; give the repository to "
                "the qms plugin as 'history_repo_url' instead (pull-request links keep "
                "working), or set the qms plugin's 'offline_check: false' if that is intended"
            )
        return config

    @_guarded
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if not self.config.enabled:
            return files
        # What Git does not track: a build leaves it out; `serve` shows the working copy.
        tracking = self._tracking() if self.config.history else None
        try:
            docset = DocumentSet.load(self.settings, tracking)
            # The one gate: the same rules, run the same way, as `qms check`.
            check = SiteCheck.run(
                docset, self.config, config, serving=self.serving, base=self._change_base()
            )
        except SettingsError as exc:
            raise PluginError(f"qms: {exc}") from None
        except GitError as exc:
            raise PluginError(f"qms: {exc}") from None
        for finding in check.findings:
            self._report(finding)
        for finding in [*check.uncommitted, *(tracking.findings if tracking else ())]:
            if self.serving:
                log.info(str(finding))  # normal while editing: the page says so
            else:
                self._report(finding)
        if self.glossary is not None:
            for finding in self.glossary.load(docset.documents):
                self._report(finding)
            files.append(self.glossary.page_file(config))
        self.check, self.site_history, self.publishing = check, check.site_history, check.publishing
        self._add_controlled_files(files, config, docset)
        registers = SiteRegisters(docset, self.publishing, self.config, self.env, self._url_for)
        self.registers = registers
        for generated in registers.pages():
            content = registers.page_markdown(generated)
            files.append(File.generated(config, generated.uri, content=content))
        pages = [
            (self.config.register_page, self.config.register_title, REGISTER_INTRO),
            (self.config.reviews_page, self.config.reviews_title, REVIEWS_INTRO),
        ]
        if self.site_history is not None:
            pages.append((self.config.changelog_page, self.config.changelog_title, CHANGELOG_INTRO))
            pages.append((self.config.as_of_page, self.config.as_of_title, AS_OF_INTRO))
        for uri, title, intro in pages:
            content = f"---\nhide:\n  - toc\n---\n# {title}\n\n{intro}\n"
            files.append(File.generated(config, uri, content=content))
        for uri, path in ASSET_URIS.items():
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        self.docset, self.files = docset, files
        self.renderer = Renderer(self.env, docset, self.config.print_notice)
        return files

    def _change_base(self) -> str | None:
        """The branch this build's change will be merged into, when a CI job says so."""
        return self.config.change_base or os.environ.get(CHANGE_BASE_ENV) or None

    def _tracking(self) -> Sources:
        settings = self.settings
        try:
            repo = find_repository(settings.root, settings.folder)
            tracking = read_tracking(repo, settings.folder)
        except GitError as exc:
            raise PluginError(f"qms: {exc}") from None
        return tracking_findings(tracking, settings.folder, settings.root, not self.serving)

    def _report(self, finding: Finding) -> None:
        """Log a finding by its severity: a document-control error as a warning (so that
        ``--strict`` fails), anything else (an overdue review, a request to the approver) as
        information, so that the manual stays published."""
        if severity(finding) == ERROR:
            log.warning(str(finding))
            self.failing.append(str(finding))
        else:
            log.info(str(finding))

    def _add_controlled_files(
        self, files: Files, config: MkDocsConfig, docset: DocumentSet
    ) -> None:
        """Mount the procedures folder (documents, section pages, attachments) into the site."""
        folder = self.settings.folder
        mount = self.settings.mount
        for file in list(files):  # the folder is inside docs_dir: MkDocs found it (links too)
            under = file.src_uri.startswith(f"{mount}/") and file.abs_src_path
            if under and not docset.sources.allows(Path(file.abs_src_path or "")):
                files.remove(file)
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if not path.is_file() or any(part.startswith(".") for part in rel.parts):
                continue
            if not docset.sources.allows(path):
                continue
            uri = f"{mount}/{rel.as_posix()}"
            if files.get_file_from_path(uri) is not None:
                continue  # the folder is inside docs_dir: MkDocs found it already
            doc = docset.by_src_uri.get(uri)
            if doc is not None and any(f.rule == "encoding" for f in doc.findings):
                # MkDocs would stop on the undecodable bytes; hand it the text we recovered.
                files.append(File.generated(config, uri, content=doc.body))
            else:
                files.append(File.generated(config, uri, abs_src_path=str(path)))

    @_guarded
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        if not self.config.enabled or self.docset is None:
            return nav
        prefix = f"{self.settings.mount}/"
        if not any(page.file.src_uri.startswith(prefix) for page in nav.pages):
            # An explicit `nav:` that leaves the controlled documents out: add them as a section.
            _append_section(nav, files, config, prefix)
        controlled = None
        for item in nav.items:
            if isinstance(item, Section) and _all_under(item, prefix):
                _inert_section_titles(item)
                if self.config.section_title:
                    item.title = escape(self.config.section_title)
                _order_by_hierarchy(item, self.docset)
                controlled = controlled or item
        if self.publishing is not None and self.config.withdrawn_in_nav != "keep":
            self._set_withdrawn_aside(nav, controlled)
        if self.publishing is not None and not self._drafts_in_nav():
            publishing = self.publishing

            def unapproved(item: Any) -> bool:
                doc = self._document(item) if isinstance(item, Page) else None
                return doc is not None and publishing.state(doc) in ("draft", "in_review")

            _remove_pages(nav.items, unapproved)
        _relink(nav)
        return nav

    def _drafts_in_nav(self) -> bool:
        """Whether documents with no approved revision are listed in the navigation: always,
        never, or in a preview build only (one that previews work in progress)."""
        mode = self.config.drafts_in_nav
        if mode == "preview":
            return self.publishing is not None and self.publishing.preview_build
        return mode == "show"

    def _set_withdrawn_aside(self, nav: Navigation, controlled: Section | None) -> None:
        """Withdrawn documents leave their folders' sections: into a section of their own at
        the end of the controlled documents (or the navigation), or out of it altogether."""
        publishing = self.publishing
        assert publishing is not None

        def withdrawn(item: Any) -> bool:
            doc = self._document(item) if isinstance(item, Page) else None
            return doc is not None and publishing.is_withdrawn(doc)

        moved = _remove_pages(nav.items, withdrawn)
        if not moved or self.config.withdrawn_in_nav == "hide":
            return
        section = Section(escape(self.config.withdrawn_section_title), list[Any](moved))
        for page in moved:
            page.parent = section
        if controlled is not None:
            section.parent = controlled
            controlled.children.append(section)
        else:
            nav.items.append(section)

    # Runs before other plugins' markdown handlers: it replaces the markdown MkDocs read with the
    # body from our own parse (MkDocs keeps a broken front matter in the text), and they should
    # see that body.
    @event_priority(100)
    @_guarded
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        doc = self._document(page)
        if self.glossary is not None:
            self.glossary.start_page(page, doc.data if doc else page.meta, markdown)
        if doc is None:
            self._start_doc_links(page, None, markdown)
            return markdown
        shown = self.publishing.displayed_document(doc) if self.publishing else doc
        self._start_doc_links(page, doc, shown.body)  # the text the page shows
        meta: dict[str, Any] = {k: v for k, v in shown.data.items() if k in PASSTHROUGH_META}
        # Material prints page titles and descriptions without escaping; ours come from
        # authors' text.
        title = f"{doc.doc_id} {shown.title}" if doc.doc_id else shown.title
        if self.publishing is not None and self.publishing.is_withdrawn(doc):
            title += f" ({self.publishing.state(doc)})"
            if self.config.withdrawn_search == "exclude":
                meta["search"] = {"exclude": True}
            elif self.config.withdrawn_search == "demote":
                meta["search"] = {**dict(meta.get("search") or {}), "boost": WITHDRAWN_BOOST}
        meta["title"] = page_title(title)
        if isinstance(meta.get("description"), str):
            meta["description"] = escape(meta["description"])
        meta["qms"] = dict(shown.data)
        assert self.docset is not None
        state = self.publishing.state(doc) if self.publishing else self.docset.state(doc)
        if state in NAV_MARKED_STATES:
            meta["status"] = f"qms-{state}"
        # Searched for while the search plugins index the page (see _hide_term_links): the
        # document's state where it is not in force, and its ISO 9001 clauses.
        marker = [STATE_LABELS[state]] if state in STATE_LABELS and state != "current" else []
        self.search_tags[page.file.src_uri] = [*marker, *shown.clauses]
        page.meta = meta
        if self.registers is not None:
            return self.registers.expand(shown, self._relative_from(page))
        return shown.body

    def _start_doc_links(self, page: Page, doc: Document | None, markdown: str) -> None:
        """Tell the document-ID linker which page comes next (targets set up on the first);
        a page whose text holds no document ID is not walked at all."""
        linker, registers = self.docrefs, self.registers
        if linker is None or registers is None:
            return
        if linker.pattern is None:
            linker.pattern = id_pattern(self.settings.id_patterns)
            linker.targets = registers.targets()
        if linker.pattern.search(markdown) is None:
            linker.page = None
            return
        linker.page = PageLinks(
            own_id=doc.doc_id if doc else None,
            href=self._relative_from(page),
        )

    @_guarded
    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if self.glossary is not None:
            for finding in self.glossary.end_page(page):
                self._report(finding)
        if self.docrefs is not None:
            self.docrefs.page = None
        if self.renderer is None or self.docset is None:
            return html
        uri = page.file.src_uri
        today = f"As of {long_date(self.docset.settings.today)}"
        if uri == _uri(self.config.register_page):
            entries = self._master_list()
            table = self.renderer.master_list(
                entries,
                href=lambda url: get_relative_url(url, page.url),
                summary_of=self._summary_of,
            )
            printed = self.renderer.print_page(self.config.register_title, today)
            return html + self.held.hold(uri, printed + table)
        if uri == _uri(self.config.reviews_page) and self.check is not None:
            table = self.renderer.reviews(self.check.review_statuses(), self._href_from(page))
            printed = self.renderer.print_page(self.config.reviews_title, today)
            return html + self.held.hold(uri, printed + table)
        history = self.site_history
        if history is not None and uri == _uri(self.config.changelog_page):
            exports = f"{self.config.exports_dir}/history.json"
            publishing = self.publishing
            log_html = history.change_log_html(
                self.env,
                self._href_from(page),
                get_relative_url(exports, page.url),
                publishing.publication if publishing else None,
            )
            printed = self.renderer.print_page(self.config.changelog_title, today)
            return html + self.held.hold(uri, printed + log_html)
        publishing = self.publishing
        if publishing is not None and uri == _uri(self.config.as_of_page):
            printed = self.renderer.print_page(self.config.as_of_title)
            return html + self.held.hold(uri, printed + self._as_of_html(page))
        registers = self.registers
        generated = {p.uri: p for p in registers.pages()} if registers else {}
        if registers is not None and uri in generated:
            listing = registers.page_html(generated[uri].key, self._relative_from(page))
            printed = self.renderer.print_page(generated[uri].title)
            return html + self.held.hold(uri, printed + listing)
        doc = self._document(page)
        if doc is None:
            return html
        register = self.files.get_file_from_path(self.config.register_page) if self.files else None
        register_href = get_relative_url(register.url, page.url) if register else ""
        shown, notice, publication = doc, None, None
        if publishing is not None:
            shown = publishing.displayed_document(doc)
            notice = publishing.notice(doc, self._relative_from(page))
            publication = publishing.publication(doc)
        block = self.renderer.control_block(
            shown,
            self._href_from(page),
            register_href,
            state=notice.state if notice else None,
            notice=notice,
            problems_of=doc,
            withdrawal=publication.withdrawal if publication else None,
            extras=(
                registers.control_extras(doc, shown, self._relative_from(page))
                if registers is not None
                else None
            ),
        )
        html = self.held.hold_marked(uri, block) + html
        if history is not None:
            revision_href = None
            if publishing is not None:

                def revision_href(label: str) -> str | None:
                    return publishing.revision_href(doc, label, page.url)

            html += self.held.hold(
                uri, history.page_html(self.env, doc, publication, revision_href)
            )
        mark = None
        if publishing is not None and publishing.is_withdrawn(doc):
            label = "Superseded" if publishing.state(doc) == "superseded" else "Withdrawn"
            mark = f"{label} — for reference only"
        elif notice is not None:
            mark = WATERMARKS.get(notice.state)
        if mark:
            # Drawn by CSS from the attribute: decoration, on screen and on every printed page
            # (the banner says the same in words, to everyone).
            watermark = f'<div class="qms-watermark" data-qms-watermark="{escape(mark)}"'
            html = f'{watermark} aria-hidden="true"></div>\n{html}'
        return html

    # Runs before the search plugins (priority 0) index the page.
    @event_priority(50)
    @_guarded
    def _hide_term_links(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if not self._only_search_indexes_between(config):
            return context
        if self.glossary is not None:
            self.term_links.hide(page)
        tags = self.search_tags.get(page.file.src_uri)
        if tags:
            # Material's search indexes a page's tags (and shows them in results); these are
            # there for the indexer only, so no tags plugin or template ever sees them.
            self.shown_tags[page.file.src_uri] = page.meta.get("tags")
            page.meta["tags"] = [*(page.meta.get("tags") or []), *tags]
        return context

    # Runs after the search plugins have indexed the page. What was held back (revision history,
    # change log, master list, the control block's fields, "Used in") repeats what other pages
    # say or has its own filter; kept out of the index, it neither crowds search results nor
    # costs the indexer a parse of every row.
    @event_priority(-100)
    @_guarded
    def _restore_held_back(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        self.term_links.show(page)
        if page.file.src_uri in self.shown_tags:
            tags = self.shown_tags.pop(page.file.src_uri)
            if tags is None:
                page.meta.pop("tags", None)
            else:
                page.meta["tags"] = tags
        page.content = self.held.restore(page.file.src_uri, page.content or "")
        if self.glossary is not None and page is self.glossary.glossary_page:
            self.glossary.fill_used_in()
        return context

    on_page_context = CombinedEvent(_hide_term_links, _restore_held_back)

    def _only_search_indexes_between(self, config: MkDocsConfig) -> bool:
        """Whether every ``on_page_context`` handler that runs between ours is a search plugin's
        (which reads the page and changes nothing), so that term links can be hidden from it."""
        if self.hide_links_ok is None:
            handlers = config.plugins.events["page_context"]
            mine = [i for i, h in enumerate(handlers) if getattr(h, "__self__", None) is self]
            between = handlers[min(mine) + 1 : max(mine)] if mine else []
            self.hide_links_ok = all(
                type(getattr(h, "__self__", None)).__module__.startswith(SEARCH_PLUGIN_MODULES)
                for h in between
            )
        return self.hide_links_ok

    @_guarded
    def on_env(
        self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment | None:
        # Every page is converted by now: the glossary knows which terms no page used.
        if self.glossary is not None:
            for finding in self.glossary.unused():
                log.info(str(finding))  # information, not a problem: never fails --strict
        self._fail_if_strict_and_unheard()
        return env

    def _fail_if_strict_and_unheard(self) -> None:
        """Strict means strict: with ``--strict``, document-control findings fail the build
        even when the log level (``-q``) drops warnings before MkDocs counts them. Every page is
        converted by now, so every finding is known, and nothing has been written yet."""
        if not self.strict or not self.failing or log.isEnabledFor(logging.WARNING):
            return
        shown = self.failing[:20]
        more = len(self.failing) - len(shown)
        lines = "\n  ".join(shown) + (f"\n  ... and {more} more" if more else "")
        raise PluginError(
            f"qms: {len(self.failing)} document-control finding"
            f"{'s' if len(self.failing) != 1 else ''} fail this strict build (the log level "
            f"hid the warnings; run without -q to see them in context):\n  {lines}"
        )

    @_guarded
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.docset is None:
            return
        entries = self._master_list()
        out = Path(config.site_dir) / self.config.exports_dir
        write_file(register_json(entries).encode("utf-8"), str(out / "register.json"))
        write_file(register_csv(entries).encode("utf-8"), str(out / "register.csv"))
        if self.registers is not None:
            for name, text in self.registers.exports().items():
                write_file(text.encode("utf-8"), str(out / name))
        if self.site_history is not None:
            export = self.site_history.export(self._url_for)
            write_file(export.encode("utf-8"), str(out / "history.json"))
        if self.publishing is not None and self.renderer is not None and self.files is not None:
            revisions = self.publishing.revisions_json(self._url_for)
            write_file(revisions.encode("utf-8"), str(out / "revisions.json"))
            writer = ArchiveWriter(
                config, self.files, self.env, self.publishing, self.renderer, self._url_for
            )
            registers = self.registers
            if registers is not None:
                # Revision pages show the records table and the scope statement as well.
                writer.body_of = lambda version: registers.expand(version, ROOT.__add__)
                writer.body_key = registers.body_key
            writer.write(self.publishing.archive_pages())

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        if self.config.enabled:
            server.watch(str(self.settings.folder))
            if self.config.schema:
                server.watch(str(self.settings.root / self.config.schema))
            if self.config.glossary_enabled and self.config.glossary:
                server.watch(str(self.settings.root / self.config.glossary))
            if self.config.clauses_mapping:
                server.watch(str(self.settings.root / self.config.clauses_mapping))
        return server

    def _master_list(self) -> list[RegisterEntry]:
        assert self.docset is not None
        publishing = self.publishing
        return master_list(
            self.docset,
            url_for=self._url_for,
            publications=publishing.publications if publishing else None,
            displayed=publishing.displayed_document if publishing else None,
            review_of=self.check.review_status if self.check else None,
        )

    def _summary_of(self, doc_id: str) -> str | None:
        """The change summary of the revision a document's page shows."""
        assert self.docset is not None
        doc = self.docset.by_id.get(doc_id)
        if doc is None:
            return None
        shown = self.publishing.displayed_document(doc) if self.publishing else doc
        return shown.change_summary

    def _as_of_html(self, page: Page) -> str:
        """The manual as of a date: today's documents in force, and the form that asks for
        another day (answered in the browser from qms/revisions.json)."""
        assert self.publishing is not None and self.docset is not None
        publishing = self.publishing
        today = self.docset.settings.today
        rows = []
        for row in in_force_on(publishing.publications.all(), today):
            doc = row.publication.doc
            rows.append(
                {
                    "row": row,
                    "doc_href": self._href_from(page)(doc),
                    "revision_href": publishing.revision_href(doc, row.revision.label, page.url),
                }
            )
        template = self.env.get_template("qms/as-of.html")
        return template.render(
            rows=rows,
            today=today,
            root=get_relative_url(".", page.url).rstrip("/") + "/",
            source=get_relative_url(f"{self.config.exports_dir}/revisions.json", page.url),
            earliest=earliest_day(publishing.publications.all()),
        )

    def _document(self, page: Page) -> Document | None:
        if self.docset is None:
            return None
        return self.docset.by_src_uri.get(page.file.src_uri)

    @staticmethod
    def _relative_from(page: Page) -> Callable[[str], str]:
        """A site URL (from the root) as a link from ``page``."""
        return lambda url: get_relative_url(url, page.url)

    def _href_from(self, page: Page) -> Callable[[Document], str | None]:
        def href_for(target: Document) -> str | None:
            url = self._url_for(target)
            return get_relative_url(url, page.url) if url is not None else None

        return href_for

    def _url_for(self, doc: Document) -> str | None:
        file = self.files.get_file_from_path(doc.src_uri) if self.files else None
        return file.url if file is not None else None


class HeldBack:
    """HTML taken out of pages until the search plugins have indexed them.

    Each piece leaves a slot (an HTML comment with a token new for every build, so no page text
    can fake one) and goes back in its place in ``on_page_context``.
    """

    MARKED = re.compile(r"<!--qms:hold-->(.*?)<!--qms:/hold-->", re.DOTALL)

    def __init__(self) -> None:
        self.token = secrets.token_hex(8)
        self.slot = re.compile(rf"<!--qms-held:{self.token}:(\d+)-->")
        self.pieces: dict[str, list[str]] = {}

    def hold(self, uri: str, html: str) -> str:
        """Keep ``html`` for the page ``uri``; the slot to put where it goes."""
        pieces = self.pieces.setdefault(uri, [])
        pieces.append(html)
        return f"<!--qms-held:{self.token}:{len(pieces) - 1}-->"

    def hold_marked(self, uri: str, html: str) -> str:
        """Hold back what a template put between ``<!--qms:hold-->`` markers."""
        return self.MARKED.sub(lambda m: self.hold(uri, m.group(1)), html)

    def restore(self, uri: str, content: str) -> str:
        pieces = self.pieces.pop(uri, None)
        if not pieces:
            return content
        return self.slot.sub(lambda m: pieces[int(m.group(1))], content)


def _uri(path: str) -> str:
    return PurePosixPath(path).as_posix()


def date_option(value: object) -> str | dt.date | None:
    """The ``today`` option as YAML gave it: a date, text, or nothing."""
    return value if isinstance(value, str | dt.date) else None


def build_settings(config: MkDocsConfig, options: QmsConfig, today: Any) -> Settings:
    """The domain's settings from mkdocs.yml and the plugin's options (shared with the CLI)."""
    root = Path(config.config_file_path or ".").resolve().parent
    folder = (root / options.procedures_dir).resolve()
    docs_dir = Path(config.docs_dir).resolve()
    mount = (
        folder.relative_to(docs_dir).as_posix() if folder.is_relative_to(docs_dir) else folder.name
    )
    try:
        # `approvers` is the older name of `roles`: both say who holds a role.
        approval = parse_policy(
            {**options.approvers, **options.roles},
            options.approval_authority,
            options.approver_is_owner,
        )
    except ApprovalConfigError as exc:
        raise SettingsError(f"the qms plugin's options in mkdocs.yml: {exc}") from None
    return Settings(
        root=root,
        today=today,
        procedures_dir=options.procedures_dir,
        mount=mount,
        schema=options.schema,
        revision_scheme=options.revision_scheme,
        revision_pattern=options.revision_pattern,
        revision_first=options.revision_first,
        id_patterns={**DEFAULT_ID_PATTERNS, **options.id_patterns},
        review_grace_days=options.review_grace_days,
        iso9001_edition=options.iso9001_edition,
        use_directory_urls=config.use_directory_urls,
        approval=approval,
        review_max_months=options.review_max_months,
        review_due_soon_days=options.review_due_soon_days,
        clauses_not_applicable=dict(options.clauses_not_applicable),
        clauses_mapping=options.clauses_mapping,
        training_roles=dict(options.training_roles),
        external_check_months=options.external_check_months,
    )


def _append_section(nav: Navigation, files: Files, config: MkDocsConfig, prefix: str) -> None:
    """Add the controlled documents to the end of the navigation, one section per folder."""
    root = Section(dirname_to_title(prefix.rstrip("/").rsplit("/", 1)[-1]), [])
    sections: dict[str, Section] = {"": root}

    def section_for(folder: str) -> Section:
        if folder not in sections:
            parent_folder, _, name = folder.rpartition("/")
            parent = section_for(parent_folder)
            section = Section(dirname_to_title(name), [])
            section.parent = parent
            parent.children.append(section)
            sections[folder] = section
        return sections[folder]

    chosen = [f for f in files.documentation_pages() if f.src_uri.startswith(prefix)]
    for file in sorted(chosen, key=lambda f: (posixpath.dirname(f.src_uri), f.src_uri)):
        parent = section_for(posixpath.dirname(file.src_uri[len(prefix) :]))
        page = file.page if isinstance(file.page, Page) else Page(None, file, config)
        page.parent = parent
        parent.children.append(page)
    if root.children:
        nav.items.append(root)


def _order_by_hierarchy(section: Section, docset: DocumentSet) -> None:
    """Order a section's entries as the document pyramid: manual, policies, procedures,
    work instructions, forms; section index pages first; otherwise keep MkDocs' order."""
    rank = {name: index for index, name in enumerate(DOCUMENT_TYPES)}

    def level(item: Any) -> int:
        if isinstance(item, Page) and item.file.name in ("index", "README"):
            return -1
        ranks = [
            rank.get(doc.type or "", len(rank))
            for page in _pages([item])
            if (doc := docset.by_src_uri.get(page.file.src_uri))
        ]
        return min(ranks, default=len(rank))

    order = {id(child): index for index, child in enumerate(section.children)}
    section.children.sort(key=lambda child: (level(child), order[id(child)]))
    for child in section.children:
        if isinstance(child, Section):
            _order_by_hierarchy(child, docset)


def _relink(nav: Navigation) -> None:
    """Recompute the page list and previous/next links after reordering."""
    pages = list(_pages(nav.items))
    nav.pages = pages
    for index, page in enumerate(pages):
        page.previous_page = pages[index - 1] if index else None
        page.next_page = pages[index + 1] if index + 1 < len(pages) else None


def _inert_section_titles(section: Section) -> None:
    """Section titles made from folder names, which Material prints as HTML."""
    if not isinstance(section.title, Markup):
        section.title = page_title(section.title or "")
    for child in section.children:
        if isinstance(child, Section):
            _inert_section_titles(child)


def _remove_pages(items: list[Any], condition: Callable[[Any], bool]) -> list[Page]:
    """Take the pages that meet ``condition`` out of ``items`` and their sections (dropping
    sections left empty); return them in navigation order."""
    removed: list[Page] = []
    kept: list[Any] = []
    for item in items:
        if isinstance(item, Section):
            removed += _remove_pages(item.children, condition)
            if item.children:
                kept.append(item)
        elif isinstance(item, Page) and condition(item):
            removed.append(item)
        else:
            kept.append(item)
    items[:] = kept
    return removed


def _all_under(section: Section, prefix: str) -> bool:
    pages = list(_pages(section.children))
    return bool(pages) and all(p.file.src_uri.startswith(prefix) for p in pages)


def _pages(items: list[Any]) -> Iterator[Page]:
    """The pages among ``items`` and in their sections, in navigation order."""
    for item in items:
        if isinstance(item, Section):
            yield from _pages(item.children)
        elif isinstance(item, Page):
            yield item
