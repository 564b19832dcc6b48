"""Publishing the controlled state: the plugin's side of ``core.publication``.

What a document's page shows (the revision in force, read from its Git blob), what its control
block announces (pending revisions, a withdrawal to come, work in progress), the read-only page
of every approved revision with its redline, and the exports ``qms/revisions.json``. Kept apart
from ``plugin.py`` so the MkDocs events stay short.

Revision pages are written straight into the site after the build, in a light page shell of
their own (Material's stylesheet, none of its navigation or scripts): they are out of the
navigation, the sitemap and the search index, and a manual of thousands of revisions does not
pay for a full page per revision. What depends only on a blob (its rendered text and front
matter) and on two blobs (their redline) is cached by content in the repository's git folder,
so an unchanged revision is never rendered twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.utils import get_relative_url, write_file

from .config import QmsConfig
from .core.documents import Document
from .core.git import Repository
from .core.manual import DocumentSet
from .core.publication import (
    Publication,
    Publications,
    PublishedRevision,
    build_publications,
)
from .core.redline import Block, Redline, blocks_of, compare, fields_html, to_html
from .core.register import page_url
from .history_adapter import SiteHistory
from .render import Renderer, long_date

REVISIONS_FORMAT = "mkdocs-qms/revisions"
REVISIONS_VERSION = 1

# Bump when what is cached for a blob or a redline changes shape or content.
ARCHIVE_CACHE_VERSION = 2
# Site-root placeholder in cached HTML: links are resolved for the page they end up on.
ROOT = "qms-root:"

# What a revision page is, seen from the day of the build.
PAGE_KINDS = {
    "in_force": ("", "In force"),
    "pending": ("Pending — not yet in force", "Approved, not yet in force"),
    "replaced": ("Superseded — for reference only", "Superseded by a later revision"),
    "never": ("Never in force — for reference only", "Overtaken before it came into force"),
    "withdrawn": ("Withdrawn — for reference only", "Withdrawn"),
    "preview": ("Preview — not approved", "Work in progress, not approved"),
}


def plugin_version() -> str:
    try:
        return version("mkdocs-qms")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def archive_url(doc_url: str, label: str, use_directory_urls: bool) -> str:
    """The site URL of a document's revision page: below the document's own URL."""
    base = doc_url[:-1] if doc_url.endswith("/") else doc_url.removesuffix(".html")
    slug = quote(label, safe="")
    return f"{base}/rev/{slug}/" if use_directory_urls else f"{base}/rev/{slug}.html"


@dataclass(frozen=True)
class ArchivePage:
    """One read-only revision page to write."""

    publication: Publication
    kind: str  # see PAGE_KINDS
    label: str
    blob: str | None  # None: the working tree's text (a preview of uncommitted work)
    path: str  # the file's repository path at that revision
    revision: PublishedRevision | None  # None for a preview of work in progress
    previous: PublishedRevision | None  # what the redline compares with


@dataclass(frozen=True)
class Notice:
    """What a document's page announces above its text."""

    state: str
    shown: PublishedRevision | None
    pending: tuple[tuple[PublishedRevision, str | None], ...]  # with the revision page's href
    withdrawal_day: dt.date | None  # a withdrawal still to come
    work: tuple[str, str, str | None] | None  # (revision, status, preview href)
    permalink: str | None


class SitePublishing:
    """The controlled state of one build, and what it puts in the site."""

    def __init__(
        self,
        docset: DocumentSet,
        publications: Publications,
        options: QmsConfig,
        site_history: SiteHistory | None,
        serving: bool,
    ) -> None:
        self.docset = docset
        self.publications = publications
        self.options = options
        self.site_history = site_history
        self.today = docset.settings.today
        self.serving = serving
        self.displayed: dict[str, Document] = {}

    @classmethod
    def build(
        cls,
        docset: DocumentSet,
        site_history: SiteHistory | None,
        options: QmsConfig,
        serving: bool = False,
    ) -> SitePublishing:
        """The controlled state of every document, with the text each page shows read from Git."""
        history_of = None
        checked: Callable[[Any], bool] = lambda change: True  # noqa: E731
        uncommitted: Callable[[Document], str | None] = lambda doc: None  # noqa: E731
        if site_history is not None:
            history_of = site_history.record
            checked = site_history.checked
            uncommitted = site_history.state_of
        publications = build_publications(docset.documents, history_of, checked, uncommitted)
        site = cls(docset, publications, options, site_history, serving)
        site._read_displayed()
        return site

    # --- what each page shows --------------------------------------------------------------

    def _read_displayed(self) -> None:
        """Read from Git the text of every page whose revision in force is not the file's."""
        history = self.site_history
        if history is None:
            return
        wanted: dict[str, PublishedRevision] = {}
        for publication in self.publications.all():
            shown = publication.shown(self.today)
            if shown is None or shown.blob is None:
                continue
            record = history.record(publication.doc)
            latest = record.changes[-1].blob if record and record.changes else None
            uncommitted = history.state_of(publication.doc)
            if uncommitted and self.serving:
                continue  # `mkdocs serve` previews the author's edits in place, marked as such
            if shown.blob == latest and not uncommitted:
                continue  # the file is that revision's text
            wanted[publication.doc.path] = shown
        if not wanted:
            return
        blobs = history.repo.read_blobs({r.blob for r in wanted.values() if r.blob})
        for publication in self.publications.all():
            shown = wanted.get(publication.doc.path)
            if shown is None or shown.blob not in blobs:
                continue
            version_doc = self.docset.parse_version(blobs[shown.blob], publication.doc)
            if version_doc is not None:
                version_doc.findings = []  # what rules report is about the file, not this text
                self.displayed[publication.doc.path] = version_doc

    def displayed_document(self, doc: Document) -> Document:
        """The document as its page shows it: the revision in force, else the file."""
        return self.displayed.get(doc.path, doc)

    def publication(self, doc: Document) -> Publication | None:
        return self.publications.get(doc)

    def state(self, doc: Document) -> str:
        publication = self.publications.get(doc)
        return publication.state(self.today) if publication else self.docset.state(doc)

    def is_withdrawn(self, doc: Document) -> bool:
        publication = self.publications.get(doc)
        return publication is not None and publication.withdrawn_on(self.today)

    def notice(self, doc: Document, href_of_page: Callable[[str], str | None]) -> Notice:
        """What the page of ``doc`` announces; ``href_of_page`` turns a site URL into a link
        from that page (None when the target is not published)."""
        publication = self.publications.get(doc)
        if publication is None:
            return Notice(self.docset.state(doc), None, (), None, None, None)
        today = self.today
        shown = publication.shown(today)
        pending = tuple(
            (revision, href_of_page(self._revision_url(publication, revision.label)))
            for revision in publication.pending(today)
            if shown is not None  # a first issue not yet in force is the page itself
        )
        withdrawal = publication.withdrawal
        day = None
        if (
            withdrawal is not None
            and not withdrawal.waiting
            and withdrawal.starts is not None
            and withdrawal.starts > today
        ):
            day = withdrawal.starts
        work = None
        previewing = self.serving and bool(
            self.site_history and self.site_history.state_of(publication.doc)
        )
        if publication.work is not None and shown is not None and not previewing:
            label = publication.work.revision or "?"
            preview = None
            if self._previews:
                preview = href_of_page(self._revision_url(publication, label))
            work = (label, publication.work.status or "draft", preview)
        permalink = None
        if shown is not None and shown.blob is not None and self._archived(publication, shown):
            permalink = href_of_page(self._revision_url(publication, shown.label))
        return Notice(publication.state(today), shown, pending, day, work, permalink)

    # --- revision pages ----------------------------------------------------------------------

    @property
    def _previews(self) -> bool:
        return self.preview_build

    @property
    def preview_build(self) -> bool:
        """Whether this build previews work in progress (``work_in_progress: preview``, or
        ``serve`` under ``mkdocs serve``): a build for authors and reviewers, not for staff."""
        mode = self.options.work_in_progress
        return mode == "preview" or (mode == "serve" and self.serving)

    def _archived(self, publication: Publication, revision: PublishedRevision) -> bool:
        """Whether the revision gets a page of its own under the archive option."""
        mode = self.options.archive
        if mode == "none" or revision.blob is None or self.site_history is None:
            return False
        if mode == "all":
            return True
        kind = self.page_kind(publication, revision)
        if kind in ("in_force", "pending", "withdrawn") or revision.ends is None:
            return True
        limit = _years_before(self.today, self.options.archive_retention_years)
        return revision.ends > limit

    def page_kind(self, publication: Publication, revision: PublishedRevision) -> str:
        return publication.standing(revision, self.today)

    def _revision_url(self, publication: Publication, label: str) -> str:
        settings = self.docset.settings
        doc_url = page_url(publication.doc.src_uri, settings.use_directory_urls)
        return archive_url(doc_url, label, settings.use_directory_urls)

    def archive_pages(self) -> list[ArchivePage]:
        """Every revision page of the build, document by document, oldest revision first."""
        pages: list[ArchivePage] = []
        for publication in self.publications.all():
            previous: PublishedRevision | None = None
            for revision in publication.revisions:
                if self._archived(publication, revision) and revision.blob is not None:
                    pages.append(
                        ArchivePage(
                            publication,
                            self.page_kind(publication, revision),
                            revision.label,
                            revision.blob,
                            revision.path,
                            revision,
                            previous,
                        )
                    )
                previous = revision
            work = publication.work
            if work is not None and self._previews and work.revision:
                path = self.site_history.path_of(publication.doc) if self.site_history else ""
                pages.append(
                    ArchivePage(
                        publication,
                        "preview",
                        work.revision,
                        work.blob,
                        path or publication.doc.path,
                        None,
                        previous,
                    )
                )
        return pages

    def revision_url(self, publication: Publication, revision: PublishedRevision) -> str:
        """The site URL of a revision: its own page, else its document's page."""
        if self._archived(publication, revision):
            return self._revision_url(publication, revision.label)
        settings = self.docset.settings
        return page_url(publication.doc.src_uri, settings.use_directory_urls)

    def versions(self, doc: Document) -> list[tuple[str, Document]]:
        """Every version of ``doc`` a comparison can name, oldest first: its approved
        revisions and a revision in progress, as committed, then ``working`` (the file in the
        working tree) where it differs from the last commit."""
        publication = self.publications.get(doc)
        history = self.site_history
        if publication is None or history is None:
            return []
        named: list[tuple[str, str]] = [(r.label, r.blob) for r in publication.revisions if r.blob]
        work = publication.work
        if work is not None and work.committed and work.blob and work.revision:
            named.append((work.revision, work.blob))
        blobs = history.repo.read_blobs({blob for _, blob in named})
        versions: list[tuple[str, Document]] = []
        for label, blob in named:
            parsed = self.docset.parse_version(blobs[blob], doc) if blob in blobs else None
            if parsed is not None:
                versions = [(other, v) for other, v in versions if other != label]
                versions.append((label, parsed))
        if history.state_of(doc) or not versions:
            versions.append(("working", doc))
        return versions

    def revision_href(self, doc: Document, label: str, from_url: str) -> str | None:
        """A link from the page at ``from_url`` to a revision page of ``doc``, if there is one."""
        publication = self.publications.get(doc)
        if publication is None:
            return None
        revision = publication.by_revision.get(label)
        if revision is None or not self._archived(publication, revision):
            return None
        return get_relative_url(self._revision_url(publication, label), from_url)

    def archived_url(self, publication: Publication, revision: PublishedRevision) -> str | None:
        """The site URL of the revision's own page; None when it has none."""
        if not self._archived(publication, revision):
            return None
        return self._revision_url(publication, revision.label)

    def read_revisions(
        self, wanted: Iterable[tuple[Publication, PublishedRevision]]
    ) -> dict[tuple[str, int], dict[str, Any]]:
        """The front matter of approved revisions, by (document path, revision number), read
        from Git in one batch; a revision that is not in Git has the file's own."""
        wanted = list(wanted)
        history = self.site_history
        blobs = {r.blob for _, r in wanted if r.blob}
        raw = history.repo.read_blobs(blobs) if history is not None and blobs else {}
        found: dict[tuple[str, int], dict[str, Any]] = {}
        for publication, revision in wanted:
            doc = publication.doc
            data = doc.data
            if revision.blob is not None:
                version = (
                    self.docset.parse_version(raw[revision.blob], doc)
                    if revision.blob in raw
                    else None
                )
                data = version.data if version is not None else {}
            found[(doc.path, revision.number)] = data
        return found

    # --- exports -----------------------------------------------------------------------------

    def revisions_json(self, url_for: Callable[[Document], str | None]) -> str:
        """``qms/revisions.json``: every document's approved revisions and the days each was in
        force (shape: records_schema/revisions.schema.yaml)."""
        head = {
            "format": REVISIONS_FORMAT,
            "version": REVISIONS_VERSION,
            "today": self.today.isoformat(),
        }
        lines = []
        ordered = sorted(self.publications.all(), key=lambda p: (p.doc_id or "", p.doc.path))
        for publication in ordered:
            record = revisions_record(publication, self.today, url_for(publication.doc))
            for entry, revision in zip(record["revisions"], publication.revisions, strict=True):
                if self._archived(publication, revision):
                    entry["url"] = self._revision_url(publication, revision.label)
            lines.append(json.dumps(record, ensure_ascii=False))
        opening = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
        documents = "[\n" + ",\n".join(lines) + "\n ]" if lines else "[]"
        return f'{opening},\n "documents": {documents}\n}}\n'


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def revisions_record(publication: Publication, today: dt.date, url: str | None) -> dict[str, Any]:
    """One document of ``qms/revisions.json``."""
    doc = publication.doc
    withdrawal = publication.withdrawal
    work = publication.work
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "type": doc.type,
        "url": url,
        "state": publication.state(today),
        "withdrawal": (
            {
                "kind": withdrawal.kind,
                "from": _iso(withdrawal.starts),
                "waiting_for_successor": withdrawal.waiting,
                "successor": withdrawal.successor,
                "reason": withdrawal.reason,
            }
            if withdrawal
            else None
        ),
        "work_in_progress": (
            {"revision": work.revision, "status": work.status, "committed": work.committed}
            if work
            else None
        ),
        "revisions": [
            {
                "revision": r.revision,
                "status": r.status,
                "approved_by": list(r.approved_by),
                "approval_date": _iso(r.approval_date),
                "effective_date": _iso(r.effective_date),
                "merged": _iso(r.approved_on),
                "in_force_from": _iso(r.starts) if r.ever_in_force else None,
                "in_force_until": _iso(r.ends) if r.ever_in_force else None,
                "change_summary": r.summary,
                "commit": r.change.commit.sha if r.change else None,
                "url": None,
            }
            for r in publication.revisions
        ],
    }


# --- rendering revision pages ---------------------------------------------------------------


class _ArchiveLinks(Treeprocessor):
    """Resolves a revision's relative links to site URLs from the site root (``ROOT``), so the
    cached HTML serves wherever the page is written."""

    def __init__(self, md: markdown.Markdown, writer: ArchiveWriter) -> None:
        super().__init__(md)
        self.writer = writer
        self.src_uri = ""

    def run(self, root: Any) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            value = element.get(attribute) if attribute else None
            if attribute is None or not value:
                continue
            resolved = self.writer.resolve_link(value, self.src_uri)
            if resolved is not None:
                element.set(attribute, resolved)


class _ArchiveExtension(Extension):
    def __init__(self, writer: ArchiveWriter) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.writer = writer
        self.processor: _ArchiveLinks | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        self.processor = _ArchiveLinks(md, self.writer)
        md.treeprocessors.register(self.processor, "qms-archive-links", 0)


@dataclass
class _Version:
    """A revision's text as a page shows it: front matter, rendered body, and the body cut
    into blocks for redlines."""

    data: dict[str, Any]
    html: str
    blocks: list[Block]

    def cached(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "html": self.html,
            "blocks": [[b.kind, list(b.words)] for b in self.blocks],
        }

    @classmethod
    def from_cache(cls, value: dict[str, Any]) -> _Version:
        blocks = [Block(kind, tuple(words)) for kind, words in value["blocks"]]
        return cls(value["data"], value["html"], blocks)


class ArchiveWriter:
    """Writes the revision pages of one build."""

    def __init__(
        self,
        config: MkDocsConfig,
        files: Files,
        env: jinja2.Environment,
        site: SitePublishing,
        renderer: Renderer,
        url_for: Callable[[Document], str | None],
    ) -> None:
        self.config = config
        self.files = files
        self.env = env
        self.site = site
        self.renderer = renderer
        self.url_for = url_for
        settings = site.docset.settings
        self.use_directory_urls = settings.use_directory_urls
        history = site.site_history
        self.repo: Repository | None = history.repo if history else None
        self.scope = history.scope if history else ""
        self.mount = settings.mount
        self.moved = history.moved_paths(self.src_uri_of) if history else {}
        extensions, configs = markdown_settings(config)
        self.extension = _ArchiveExtension(self)
        self.md = markdown.Markdown(  # type: ignore[no-untyped-call]
            extensions=[*extensions, self.extension], extension_configs=configs
        )
        self.settings_key = json.dumps(
            [ARCHIVE_CACHE_VERSION, plugin_version(), extensions, configs, self.use_directory_urls],
            sort_keys=True,
            default=lambda value: type(value).__qualname__,
        )
        self.cache_dir = _cache_dir(history) if history and site.options.history_cache else None
        self.stylesheets = _stylesheets(config, files)
        self.palettes = _palettes(config)
        # What a revision's text becomes before conversion (markers expanded), and a key that
        # changes whenever that depends on more than the text (the configuration).
        self.body_of: Callable[[Document], str] = lambda version: version.body
        self.body_key = ""
        self.written = 0
        self.rendered = 0

    # --- links ------------------------------------------------------------------------------

    def src_uri_of(self, repo_path: str) -> str | None:
        """The site source path a repository path had (inside the controlled folder)."""
        prefix = f"{self.scope}/" if self.scope else ""
        if not repo_path.startswith(prefix):
            return None
        rel = repo_path[len(prefix) :]
        return f"{self.mount}/{rel}" if self.mount else rel

    def resolve_link(self, value: str, src_uri: str) -> str | None:
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
            return None  # a URL, a site-absolute path, or an anchor on the same page
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), parts.path))
        if target.startswith("../") or target == "..":
            return None
        target = self.moved.get(target, target)
        url = page_url(target, self.use_directory_urls) if target.endswith(".md") else target
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return f"{ROOT}{url}{fragment}"

    # --- the cache --------------------------------------------------------------------------

    def _key(self, *parts: str) -> str:
        digest = hashlib.sha256(self.settings_key.encode())
        for part in parts:
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:40]

    def _cached(self, key: str) -> Any:
        if self.cache_dir is None:
            return None
        try:
            return json.loads((self.cache_dir / f"{key}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def _store(self, key: str, value: Any) -> None:
        if self.cache_dir is None:
            return
        path = self.cache_dir / f"{key}.json"
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(value, ensure_ascii=False), "utf-8")
            temporary.replace(path)
        except OSError:
            temporary.unlink(missing_ok=True)

    # --- rendering --------------------------------------------------------------------------

    def _version_key(self, blob: str | None, path: str, doc: Document) -> str:
        extra = (self.body_key,) if self.body_key else ()
        return self._key("version", blob or "", self._then_src_uri(path, doc), *extra)

    def _then_src_uri(self, path: str, doc: Document) -> str:
        return self.src_uri_of(path) or doc.src_uri

    def _render_version(self, raw: bytes | None, path: str, doc: Document) -> _Version:
        parsed = self.site.docset.parse_version(raw, doc) if raw is not None else doc
        parsed = parsed or doc
        assert self.extension.processor is not None
        self.extension.processor.src_uri = self._then_src_uri(path, doc)
        html = self.md.reset().convert(self.body_of(parsed))
        self.rendered += 1
        return _Version(dict(parsed.data), html, blocks_of(html))

    def write(self, pages: list[ArchivePage]) -> int:
        """Write every page; returns how many.

        Each page needs its own version and the one its redline compares with; both come from
        the cache, else from Git (one ``cat-file`` for all) and are cached.
        """
        wanted: dict[str, tuple[str | None, str, Document]] = {}
        for page in pages:
            doc = page.publication.doc
            wanted.setdefault(
                self._version_key(page.blob, page.path, doc), (page.blob, page.path, doc)
            )
            previous = page.previous
            if previous is not None and previous.blob is not None:
                key = self._version_key(previous.blob, previous.path, doc)
                wanted.setdefault(key, (previous.blob, previous.path, doc))
        versions: dict[str, _Version] = {}
        for key in wanted:
            cached = self._cached(key)
            if cached is not None:
                # An entry of another shape is rendered again.
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    versions[key] = _Version.from_cache(cached)
        missing: dict[str, list[str]] = {}
        for key, (blob, _, _) in wanted.items():
            if key not in versions and blob is not None:
                missing.setdefault(blob, []).append(key)
        if missing and self.repo is not None:
            for oid, raw in self.repo.iter_blobs(missing):
                for key in missing[oid]:
                    _, path, doc = wanted[key]
                    rendered = self._render_version(raw, path, doc)
                    versions[key] = rendered
                    self._store(key, rendered.cached())
        for page in pages:
            doc = page.publication.doc
            key = self._version_key(page.blob, page.path, doc)
            found = versions.get(key)
            if found is None and page.blob is None:
                found = self._render_version(None, page.path, doc)  # work not committed yet
            if found is None:
                continue
            before = None
            previous = page.previous
            if previous is not None:
                before = versions.get(self._version_key(previous.blob, previous.path, doc))
            self._write_page(page, found, before)
        return self.written

    def _redline_html(
        self, page: ArchivePage, version_: _Version, before: _Version, before_label: str
    ) -> tuple[str, str, tuple[int, int]]:
        key = self._key("redline", before.html, version_.html, before_label, page.label)
        cached = self._cached(key)
        if cached is not None:
            return cached["html"], cached["fields"], (cached["counts"][0], cached["counts"][1])
        result: Redline = compare(
            before.blocks, version_.blocks, before_label, page.label, before.data, version_.data
        )
        value = {
            "html": to_html(result, compact=True),
            "fields": fields_html(result),
            "counts": result.counts(),
        }
        self._store(key, value)
        return value["html"], value["fields"], result.counts()  # type: ignore[return-value]

    def _write_page(self, page: ArchivePage, version_: _Version, before: _Version | None) -> None:
        site = self.site
        publication = page.publication
        doc = publication.doc
        doc_url = self.url_for(doc) or page_url(doc.src_uri, self.use_directory_urls)
        url = archive_url(doc_url, page.label, self.use_directory_urls)
        to_root = _to_root(url)
        version_doc = Document(doc.path, doc.src_uri, version_.data, "", {}, 1, [])

        def href_for(target: Document) -> str | None:
            target_url = self.url_for(target)
            return get_relative_url(target_url, url) if target_url is not None else None

        kind_state = {
            "in_force": "current",
            "pending": "pending",
            "preview": version_doc.status or "draft",
        }.get(page.kind, "superseded")
        block = self.renderer.control_block(
            version_doc, href_for, "", state=kind_state, archive=True
        )
        redline_html = fields = ""
        counts = (0, 0)
        previous_label = page.previous.label if page.previous else None
        if before is not None and previous_label is not None:
            redline_html, fields, counts = self._redline_html(
                page, version_, before, previous_label
            )
        current = publication.in_force(site.today)
        watermark, kind_label = PAGE_KINDS[page.kind]
        revision = page.revision
        template = self.env.get_template("qms/revision-page.html")
        html = template.render(
            site_name=self.config.site_name,
            lang=_language(self.config),
            palettes=self.palettes,
            palette=self.palettes[0],
            stylesheets=[to_root + css for css in self.stylesheets],
            script=to_root + "assets/qms/qms.js",
            home=to_root or "./",
            doc=doc,
            doc_href=get_relative_url(doc_url, url),
            label=page.label,
            kind=page.kind,
            kind_label=kind_label,
            watermark=watermark,
            revision=revision,
            current=current,
            current_href=(
                get_relative_url(archive_url(doc_url, current.label, self.use_directory_urls), url)
                if current is not None and current is not revision
                else None
            ),
            withdrawal=publication.withdrawal,
            control_block=block.replace("<!--qms:hold-->", "").replace("<!--qms:/hold-->", ""),
            body=version_.html.replace(f'"{ROOT}', f'"{to_root}'),
            previous_label=previous_label,
            previous_href=(
                get_relative_url(archive_url(doc_url, previous_label, self.use_directory_urls), url)
                if previous_label and page.previous and site._archived(publication, page.previous)
                else None
            ),
            redline=redline_html,
            fields=fields,
            counts=counts,
            print_notice=self.site.options.print_notice,
            long_date=long_date,
            last_day=lambda day: day - dt.timedelta(days=1),
        )
        target = Path(self.config.site_dir) / url
        if url.endswith("/"):
            target = target / "index.html"
        write_file(html.encode("utf-8"), str(target))
        self.written += 1


def markdown_settings(config: MkDocsConfig) -> tuple[list[str], dict[str, Any]]:
    """The site's Markdown extensions named in mkdocs.yml, with their settings (extensions that
    plugins add as objects work on MkDocs' own pages only)."""
    extensions = [e for e in config.markdown_extensions if isinstance(e, str)]
    configs = {k: v for k, v in (config.mdx_configs or {}).items() if k in extensions}
    return extensions, configs


def text_renderer(config: MkDocsConfig) -> Callable[[str], str]:
    """Markdown to HTML as the site renders a page's text (for comparing two versions)."""
    extensions, configs = markdown_settings(config)
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)  # type: ignore[no-untyped-call]

    def render(text: str) -> str:
        return str(md.reset().convert(text))

    return render


def _to_root(url: str) -> str:
    """The relative path from the page at site URL ``url`` to the site's root."""
    folder = url if url.endswith("/") else posixpath.dirname(url)
    depth = len([part for part in folder.split("/") if part])
    return "../" * depth


def _cache_dir(history: SiteHistory) -> Path | None:
    try:
        git_dir = history.repo.text(["rev-parse", "--absolute-git-dir"]).strip()
    except Exception:
        return None
    return Path(git_dir) / "qms-cache" / "pages"


def _stylesheets(config: MkDocsConfig, files: Files) -> list[str]:
    """The theme's own stylesheets (Material's main and palette), then the site's extra CSS."""
    theme = sorted(
        f.url
        for f in files
        if f.src_uri.startswith("assets/stylesheets/")
        and f.src_uri.endswith(".min.css")
        and posixpath.basename(f.src_uri).split(".")[0] in ("main", "palette")
    )
    extra = [str(css) for css in config.extra_css]
    return [*theme, *extra]


def _palettes(config: MkDocsConfig) -> list[dict[str, str]]:
    """The theme's colour palettes (Material's ``theme.palette``: one, or a list with media
    queries), for revision pages to follow the scheme a reader sees on the rest of the site."""
    value = config.theme.get("palette") if config.theme else None
    options = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    palettes = []
    for option in options:
        if not isinstance(option, dict):
            continue
        palettes.append(
            {
                "media": str(option.get("media") or ""),
                "scheme": str(option.get("scheme") or "default"),
                "primary": str(option.get("primary") or "indigo").replace(" ", "-"),
                "accent": str(option.get("accent") or "indigo").replace(" ", "-"),
            }
        )
    return palettes or [{"media": "", "scheme": "default", "primary": "indigo", "accent": "indigo"}]


def _language(config: MkDocsConfig) -> str:
    language = config.theme.get("language") if config.theme else None
    return str(language or "en")
