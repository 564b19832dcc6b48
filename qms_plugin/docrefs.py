"""Document IDs in the text become links: "see QP-075" leads to QP-075, its title as tooltip.

A Python-Markdown treeprocessor walks each page's element tree, like the glossary's term linker,
so it never touches code, headings, existing links, image text or raw HTML. It runs before the
term linker (priority -5 against the glossary's -10): an ID becomes a link first, and the term
linker, which never links inside a link, leaves it alone (a glossary abbreviation such as "WI"
can never be linked inside "WI-085-01"). Both run after MkDocs' own link processing (priority 0),
so the hrefs written here are final: relative to the page, from the site's file list.

Which text counts as a mention is decided the same way as in ``core.references`` (the rules, the
"Referenced by" lists and ``qms check --base``), which reads the Markdown source.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .inline_html import nesting, segments

# Where an ID is never linked: code, existing links, headings, and text that is not prose.
SKIP_TAGS = frozenset(
    {"a", "abbr", "button", "code", "h1", "h2", "h3", "h4", "h5", "h6", "img", "kbd", "math"}
    | {"pre", "samp", "script", "select", "style", "svg", "textarea", "var"}
)
SKIP_CLASSES = frozenset({"admonition-title", "headerlink", "qms-control", "no-docrefs"})
LINK_CLASS = "qms-docref"


@dataclass(frozen=True)
class Target:
    """A document an ID can lead to."""

    url: str  # from the site root
    title: str
    withdrawn: str | None = None  # superseded or obsolete: said in the tooltip


@dataclass
class PageLinks:
    """The page being converted: its own ID (never linked) and how to reach a site URL."""

    own_id: str | None
    href: Callable[[str], str]  # a site URL to a link from this page
    linked: int = 0


class DocRefLinker(Treeprocessor):
    def __init__(self, md: Markdown, extension: DocRefExtension) -> None:
        super().__init__(md)
        self.extension = extension
        self.depth = 0  # nesting of inline raw HTML

    def run(self, root: etree.Element) -> None:
        page = self.extension.page
        if page is None or self.extension.pattern is None or not self.extension.targets:
            return
        for block in list(root):
            self.depth = 0  # an unbalanced inline tag never leaks into the next block
            self._element(block, page)

    def _element(self, element: etree.Element, page: PageLinks) -> None:
        if not isinstance(element.tag, str) or element.tag in SKIP_TAGS:
            return
        classes = element.get("class")
        if classes and SKIP_CLASSES.intersection(classes.split()):
            return
        rebuilt: list[etree.Element] = []
        changed = False
        if element.text:
            element.text, links = self._split(element.text, page)
            rebuilt += links
            changed = bool(links)
        for child in list(element):
            self._element(child, page)
            rebuilt.append(child)
            if child.tail:
                child.tail, links = self._split(child.tail, page)
                rebuilt += links
                changed = changed or bool(links)
        if changed:
            element[:] = rebuilt

    def _split(self, text: str, page: PageLinks) -> tuple[str | None, list[etree.Element]]:
        """``text`` up to the first link, and the links, each holding the text after it."""
        assert self.extension.pattern is not None
        slots: list[list[str]] = [[]]  # the text before the first link, then after each
        links: list[etree.Element] = []
        for piece, stash_index in segments(text):
            if stash_index is not None:
                self.depth = max(0, self.depth + nesting(self.md, stash_index))
            if stash_index is not None or self.depth:
                slots[-1].append(piece)
                continue
            last = 0
            for match in self.extension.pattern.finditer(piece):
                link = self._link(match.group(0), page)
                if link is not None:
                    slots[-1].append(piece[last : match.start()])
                    links.append(link)
                    slots.append([])
                    last = match.end()
            slots[-1].append(piece[last:])
        if not links:
            return text, []
        for link, slot in zip(links, slots[1:], strict=True):
            link.tail = "".join(slot) or None
        return "".join(slots[0]) or None, links

    def _link(self, doc_id: str, page: PageLinks) -> etree.Element | None:
        if doc_id == page.own_id:
            return None
        target = self.extension.targets.get(doc_id)
        if target is None:
            return None  # an unknown ID stays text (the rules report it in controlled pages)
        title = target.title
        classes = LINK_CLASS
        if target.withdrawn:
            title = f"{title} ({target.withdrawn})"
            classes += f" {LINK_CLASS}--withdrawn"
        link = etree.Element(
            "a",
            {"href": page.href(target.url), "class": classes, "title": self.extension.tip(title)},
        )
        link.text = doc_id
        page.linked += 1
        return link


class DocRefExtension(Extension):
    """The Markdown extension MkDocs runs on every page; the plugin sets the targets once per
    build and ``page`` before each page."""

    def __init__(self, html_tooltips: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self.html_tooltips = html_tooltips
        self.pattern: re.Pattern[str] | None = None
        self.targets: dict[str, Target] = {}
        self.page: PageLinks | None = None

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(DocRefLinker(md, self), "qms_docrefs", -5)

    def tip(self, text: str) -> str:
        """A title attribute's value for Python-Markdown's serializer, which leaves an ``&``
        that starts something like an entity alone: every ``&`` is written out, so the browser
        reads back exactly the text. Material's tooltips insert the title as HTML, so with them
        the text is escaped once more (a title never becomes markup)."""
        value = html.escape(text, quote=False) if self.html_tooltips else text
        return value.replace("&", "&amp;")
