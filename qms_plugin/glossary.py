"""The glossary in the site: term links in every page, and the glossary page.

Term links are made by a Python-Markdown treeprocessor (``TermLinker``) that walks the element
tree of each page, so it never touches code, links, headings, table headers, image text or raw
HTML, and never parses HTML with regular expressions. Of the terms it finds in a piece of text it
links only those that stand alone (``core.glossary.standalone``: not the parts of a longer phrase
or of a name). The plugin tells it which page it is working on (``SiteGlossary.start_page`` in
``on_page_markdown``); it records which terms each page uses.

The glossary page is generated in ``on_files`` with every entry and anchor already in place (so
MkDocs can check the links to it), and "Used in" is filled in when the page is rendered, once
every page has been converted (the tags plugin's two phases, collect then render), and after the
search plugins have indexed it, so a search for a procedure does not turn up the glossary.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as etree

import jinja2
from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from .config import QmsConfig
from .core.documents import Document
from .core.findings import Finding
from .core.glossary import (
    GLOSSARY_SCHEME,
    Glossary,
    Match,
    Term,
    check_terminology,
    load_glossary,
    reference_target,
    slug,
    standalone,
    unused_terms,
)
from .inline_html import nesting
from .inline_html import segments as _segments
from .render import material_tooltips

# Where a term is never linked: code, existing links, headings, table headers (labels of
# columns, not prose), and text that is not prose. Table cells are an option (glossary_table_cells).
SKIP_TAGS = frozenset(
    {"a", "abbr", "button", "code", "h1", "h2", "h3", "h4", "h5", "h6", "img", "kbd", "math"}
    | {"pre", "samp", "script", "select", "style", "svg", "textarea", "th", "var"}
)
SKIP_CLASSES = frozenset({"no-glossary", "admonition-title", "headerlink", "qms-control"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
TERM_CLASS = "qms-term"
USED_IN_PLACEHOLDER = re.compile(r"<!--qms-used-in:([a-z0-9-]+)-->")
USED_IN_OPEN = 12  # longer "Used in" lists start folded
# A term used on hundreds of pages lists the first of them (controlled documents first) and
# the count: a list of every page of a large manual helps no reader and makes the glossary page
# megabytes long. The search finds the rest.
USED_IN_LIMIT = 60


@dataclass
class PageContext:
    """What the linker needs to know about the page being converted, and what it found."""

    src_uri: str
    glossary_href: str  # the glossary page's URL relative to this page's
    mode: str  # first_per_page | first_per_section | every | none
    table_cells: bool = False  # link terms in table cells too
    link: bool = True  # False: the page opted out (front matter ``glossary: false``)
    references: bool = True  # the page's Markdown contains "glossary:" at all
    used: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)


class _Walk:
    """State of one walk through a page: terms linked so far, raw-HTML nesting, and whether the
    text at hand is in a table cell."""

    def __init__(self) -> None:
        self.linked: set[str] = set()
        self.raw_depth = 0
        self.in_cell = False


class TermLinker(Treeprocessor):
    """Turns occurrences of glossary terms in prose into links to the glossary page."""

    def __init__(self, md: Markdown, extension: GlossaryExtension) -> None:
        super().__init__(md)
        self.extension = extension
        self.explicit: dict[etree.Element, str] = {}  # the author's own links, to their term

    def run(self, root: etree.Element) -> None:
        page = self.extension.page
        glossary = self.extension.glossary
        if page is None or glossary is None:
            return
        walk = _Walk()
        self.explicit = {}
        if page.references:
            self._explicit_links(root, page, glossary, walk)
        for block in list(root):
            if block.tag in HEADINGS and page.mode == "first_per_section":
                walk.linked.clear()
            walk.raw_depth = 0  # an unbalanced inline tag never leaks into the next block
            self._element(block, page, glossary, walk)

    # -- explicit references: [text](glossary:term) -------------------------------------------

    def _explicit_links(
        self, root: etree.Element, page: PageContext, glossary: Glossary, walk: _Walk
    ) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                href = child.get("href") or ""
                if child.tag != "a" or not href.startswith(GLOSSARY_SCHEME):
                    continue
                shown = "".join(child.itertext())
                target = reference_target(href[len(GLOSSARY_SCHEME) :]) or shown
                term = glossary.lookup(target)
                if term is None:
                    # The words stay, without a link that leads nowhere.
                    page.unknown.append(target)
                    child.tag = "span"
                    child.attrib.clear()
                    continue
                page.used.add(term.key)
                self.explicit[child] = term.key
                child.set("href", self._href(page, term))
                child.set("title", self.extension.title(term))
                child.set("class", TERM_CLASS)

    # -- automatic links -----------------------------------------------------------------------

    def _element(
        self, element: etree.Element, page: PageContext, glossary: Glossary, walk: _Walk
    ) -> None:
        if element.tag in SKIP_TAGS or not isinstance(element.tag, str):
            return
        classes = element.get("class")
        if classes and SKIP_CLASSES.intersection(classes.split()):
            return
        outer, walk.in_cell = walk.in_cell, walk.in_cell or element.tag == "td"
        self._contents(element, page, glossary, walk)
        walk.in_cell = outer

    def _contents(
        self, element: etree.Element, page: PageContext, glossary: Glossary, walk: _Walk
    ) -> None:
        children = list(element)
        rebuilt: list[etree.Element] = []
        changed = False
        if element.text:
            element.text, links = self._split(element.text, page, glossary, walk)
            rebuilt.extend(links)
            changed = bool(links)
        for child in children:
            if child in self.explicit:
                walk.linked.add(self.explicit[child])  # an author's link counts as the first
            self._element(child, page, glossary, walk)
            rebuilt.append(child)
            if child.tail:
                child.tail, links = self._split(child.tail, page, glossary, walk)
                rebuilt.extend(links)
                changed = changed or bool(links)
        if changed:
            element[:] = rebuilt

    def _split(
        self, text: str, page: PageContext, glossary: Glossary, walk: _Walk
    ) -> tuple[str | None, list[etree.Element]]:
        """``text`` up to the first link, and the links, each holding the text after it."""
        slots: list[list[str]] = [[]]
        links: list[etree.Element] = []
        for segment, placeholder in _segments(text):
            if placeholder is not None:
                walk.raw_depth = max(0, walk.raw_depth + self._nesting(placeholder))
                slots[-1].append(segment)
                continue
            if walk.raw_depth:
                slots[-1].append(segment)
                continue
            last = 0
            for match in standalone(segment, list(glossary.matcher.finditer(segment))):
                page.used.add(match.term.key)
                if not self._wanted(match, page, walk):
                    continue
                slots[-1].append(segment[last : match.start])
                links.append(self._link(match, page))
                slots.append([])
                last = match.end
            slots[-1].append(segment[last:])
        if not links:
            return text, []
        for link, slot in zip(links, slots[1:], strict=True):
            link.tail = "".join(slot) or None
        return "".join(slots[0]) or None, links

    def _wanted(self, match: Match, page: PageContext, walk: _Walk) -> bool:
        term = match.term
        if not page.link or page.mode == "none" or not term.autolink:
            return False
        if walk.in_cell and not page.table_cells:
            return False  # and the next use in prose is still the first link
        if page.mode == "every":
            return True
        if term.key in walk.linked:
            return False
        walk.linked.add(term.key)
        return True

    def _link(self, match: Match, page: PageContext) -> etree.Element:
        link = etree.Element(
            "a",
            {
                "href": self._href(page, match.term),
                "class": TERM_CLASS,
                "title": self.extension.title(match.term),
            },
        )
        link.text = match.text
        return link

    def _href(self, page: PageContext, term: Term) -> str:
        return f"{page.glossary_href}#{term.anchor}"

    def _nesting(self, index: int) -> int:
        return nesting(self.md, index)


class GlossaryExtension(Extension):
    """The Markdown extension MkDocs runs on every page; the plugin sets ``page`` before each."""

    def __init__(self, html_tooltips: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.html_tooltips = html_tooltips
        self.glossary: Glossary | None = None
        self.page: PageContext | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        # Last: after inline patterns (20), attribute lists (8) and the table of contents (5),
        # so the text is final and headings have their ids, and after MkDocs' "relpath" (0):
        # our hrefs are already the glossary page's URL (one per page, not one lookup per link;
        # the anchors come from the same glossary, so they always exist). relpath leaves the
        # author's glossary:... links alone, as links with a scheme of their own.
        md.treeprocessors.register(TermLinker(md, self), "qms_glossary", -10)

    def title(self, term: Term) -> str:
        """The tooltip as the ``title`` attribute's value, ready for Python-Markdown's serializer.

        That serializer leaves ``&`` alone where it starts something like an entity, so every
        ``&`` is written as ``&amp;`` here: the browser then reads back exactly our text.
        Material's tooltips put the title into the page as HTML, so with them the text is
        escaped once more: the words show, and no markup from a glossary file runs.
        """
        return _title(term.explanation, self.html_tooltips)


@lru_cache(maxsize=4096)
def _title(explanation: str, html_tooltips: bool) -> str:
    text = html.escape(explanation, quote=False) if html_tooltips else explanation
    return text.replace("&", "&amp;")


# ---------------------------------------------------------------------------------------------
# The MkDocs side


# A term link as Python-Markdown writes the linker's element: attributes in lexical order (so
# class first), plain text inside.
_TERM_LINK = re.compile(rf'<a class="{TERM_CLASS}"[^>]*>([^<]*)</a>')


class TermLinksHidden:
    """Term links taken out of pages while the search plugins index them, then put back.

    Each link is a tag that splits the text around it, and on a page full of terms Material's
    indexer spends about half its time on them. Their words stay, so the index holds the same
    text as without links.
    """

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}

    def hide(self, page: Any) -> None:
        content = page.content or ""
        plain, count = _TERM_LINK.subn(r"\1", content)
        if count:
            self.pages[page.file.src_uri] = (plain, content)
            page.content = plain

    def show(self, page: Any) -> None:
        hidden = self.pages.pop(page.file.src_uri, None)
        if hidden is not None and page.content is hidden[0]:
            page.content = hidden[1]


@dataclass(frozen=True)
class UsedIn:
    title: str
    href: str
    controlled: bool


class SiteGlossary:
    """The glossary of one build: loading, checks, per-page context and the glossary page."""

    def __init__(
        self,
        *,
        root: Path,
        organisation_file: str | None,
        edition: str,
        mode: str,
        page_uri: str,
        title: str,
        html_tooltips: bool,
        env: jinja2.Environment,
        table_cells: bool = False,
        house_style: bool = True,
        generic_words: bool = False,
    ) -> None:
        self.root = root
        self.organisation_file = organisation_file
        self.edition = edition
        self.mode = mode
        self.table_cells = table_cells
        self.house_style = house_style
        self.generic_words = generic_words
        self.page_uri = posixpath.normpath(page_uri.replace("\\", "/")).lstrip("/")
        self.title = title
        self.env = env
        self.extension = GlossaryExtension(html_tooltips)
        self.glossary: Glossary | None = None
        self.usage: dict[str, dict[str, tuple[Any, bool]]] = {}
        self.glossary_page: Any = None
        self.page_url = ""
        self.controlled: set[str] = set()

    @classmethod
    def setup(
        cls, config: MkDocsConfig, options: QmsConfig, root: Path, env: jinja2.Environment
    ) -> SiteGlossary | None:
        """The glossary for this build, its Markdown extension added to the site's; None when
        the glossary is switched off."""
        if not options.glossary_enabled:
            return None
        site = cls(
            root=root,
            organisation_file=options.glossary,
            edition=options.glossary_edition,
            mode=options.glossary_links,
            page_uri=options.glossary_page,
            title=options.glossary_title,
            html_tooltips=material_tooltips(config),
            env=env,
            table_cells=options.glossary_table_cells,
            house_style=options.glossary_house_style,
            generic_words=options.glossary_generic_words,
        )
        config.markdown_extensions.append(site.extension)  # type: ignore[arg-type]
        return site

    def load(self, documents: list[Document]) -> list[Finding]:
        """Read the vocabulary and the organisation's file, and check the documents' wording:
        the glossary file's problems, then the terminology findings."""
        glossary = load_glossary(
            self.edition,
            self.root,
            self.organisation_file,
            house_style=self.house_style,
            generic_words=self.generic_words,
        )
        self.glossary = self.extension.glossary = glossary
        self.controlled = {doc.src_uri for doc in documents}
        return glossary.findings + check_terminology(documents, glossary)

    def page_file(self, config: MkDocsConfig) -> File:
        """The generated glossary page."""
        file = File.generated(config, self.page_uri, content=self.page_markdown())
        self.page_url = file.url
        return file

    def page_markdown(self) -> str:
        """The glossary page's source: every entry, anchor and OBP link, "Used in" to come."""
        assert self.glossary is not None
        glossary = self.glossary
        groups = [
            (_group_id(heading), heading, terms) for heading, terms in glossary.groups() if terms
        ]
        index: dict[str, list[Term]] = {}
        for term in glossary.alphabetical():
            letter = term.sort_key[:1].upper()
            index.setdefault(letter if letter.isalpha() else "#", []).append(term)
        body = self.env.get_template("qms/glossary.html").render(
            glossary=glossary,
            groups=groups,
            index=sorted(index.items()),
            letters=[chr(c) for c in range(ord("A"), ord("Z") + 1)],
        )
        intro = (
            f"The terms of {glossary.edition}, explained in our own words, and the words this "
            "organisation uses in its own way. Each entry links to the standard's text on ISO's "
            "Online Browsing Platform and lists the pages that use the term."
        )
        return f"---\nhide:\n  - toc\n---\n# {self.title}\n\n{intro}\n\n{_one_block(body)}\n"

    def start_page(self, page: Any, meta: Mapping[str, Any], markdown: str) -> None:
        """Tell the linker which page comes next (MkDocs converts pages one at a time)."""
        src_uri = page.file.src_uri
        if src_uri == self.page_uri or self.glossary is None:
            self.extension.page = None
            return
        self.extension.page = PageContext(
            src_uri=src_uri,
            glossary_href=get_relative_url(self.page_url, page.url),
            mode=self.mode,
            table_cells=self.table_cells,
            link=meta.get("glossary", True) is not False,
            references=GLOSSARY_SCHEME in markdown,
        )

    def end_page(self, page: Any) -> list[Finding]:
        """Record what the page used; report unknown terms it referenced explicitly."""
        context, self.extension.page = self.extension.page, None
        src_uri = page.file.src_uri
        if src_uri == self.page_uri:
            self.glossary_page = page
        if context is None or context.src_uri != src_uri:
            return []
        controlled = src_uri in self.controlled
        for key in context.used:
            self.usage.setdefault(key, {})[src_uri] = (page, controlled)
        if controlled or not context.unknown:
            return []  # the terminology check reports controlled pages, with the line
        path = _project_path(page.file.abs_src_path, self.root) or page.file.src_uri
        return [
            Finding(
                path,
                None,
                "unknown-term",
                f"[...](glossary:{name}) names no term in the glossary; check the spelling "
                "against the glossary page, or add the term to your glossary file",
            )
            for name in context.unknown
        ]

    def fill_used_in(self) -> None:
        """Put the "Used in" lists into the glossary page, now that every page is converted."""
        page = self.glossary_page
        if page is None or page.content is None or self.glossary is None:
            return
        by_anchor = self.glossary.by_anchor
        template = self.env.get_template("qms/glossary-used-in.html")

        def used_in(match: re.Match[str]) -> str:
            term = by_anchor.get(match.group(1))
            pages = self.usage.get(term.key, {}) if term else {}
            entries = sorted(
                (
                    UsedIn(str(p.title or src), get_relative_url(p.url, page.url), controlled)
                    for src, (p, controlled) in pages.items()
                ),
                key=lambda e: (not e.controlled, e.title.lower()),
            )
            return template.render(
                entries=entries[:USED_IN_LIMIT],
                total=len(entries),
                folded=len(entries) > USED_IN_OPEN,
            )

        page.content = USED_IN_PLACEHOLDER.sub(used_in, page.content)

    def unused(self) -> list[Finding]:
        """The organisation's terms no page used (information)."""
        return unused_terms(self.glossary, self.usage) if self.glossary else []


def _project_path(path: str | None, root: Path) -> str | None:
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def _group_id(heading: str) -> str:
    number = heading.split(" ", 1)[0]
    if re.fullmatch(r"[\d.]+", number):
        return "section-" + number.replace(".", "-")
    return "section-" + slug(heading)


def _one_block(html_text: str) -> str:
    """Raw HTML for the Markdown source with no blank line, so it stays one HTML block."""
    return "\n".join(line for line in html_text.splitlines() if line.strip())


def terminology_findings(
    options: QmsConfig, root: Path, documents: list[Document]
) -> list[Finding]:
    """What ``qms check`` adds to the document checks: the glossary file's problems and the
    documents' terminology findings (nothing when the glossary is switched off)."""
    if not options.glossary_enabled:
        return []
    glossary = load_glossary(
        options.glossary_edition,
        root,
        options.glossary,
        house_style=options.glossary_house_style,
        generic_words=options.glossary_generic_words,
    )
    return glossary.findings + check_terminology(documents, glossary)
