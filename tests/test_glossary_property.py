"""Property: term linking only wraps words of the page in links, and never where it must not.

Generated Markdown mixes defined terms (with plurals, synonyms, deprecated variants, overlapping
names, capitalised names and terms side by side) with code, links, headings, tables, emphasis and
inline HTML. Each document is converted with linking on every occurrence and with linking off.
Taking the term links' tags out of the linked page must give the unlinked page exactly: linking
adds ``<a class="qms-term">`` wrappers around text and changes nothing else. (Whether the HTML
nests properly is Python-Markdown's business: for inputs like ``<span>*</span> <span>*</span>``
it mis-nests ``<em>`` with or without links.) And linking puts no term link inside code, a
heading, a table header or another link (an author's own ``[x](glossary:)`` may be anywhere).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qms_plugin.core.glossary import build_glossary, iso_vocabulary, parse_organisation_glossary
from qms_plugin.glossary import GlossaryExtension, PageContext

GLOSSARY = build_glossary(iso_vocabulary("2015"))

TERMS = [
    "nonconformity",
    "Nonconformities",
    "corrective actions",
    "corrective\naction",
    "quality management system",
    "quality",
    "Quality Manager",
    "QMS",
    "audit",
    "auditor's",
    "top management",
    "management review",
    "interested parties",
    "non-conformance",
    "process",
    "processes",
]
WORDS = ["the", "a", "parts", "and", "we", "check", "of", "machine", "x-ray", "<", "&", "*"]

word = st.sampled_from(TERMS + WORDS)
phrase = st.lists(word, min_size=1, max_size=8).map(" ".join)
inline = st.one_of(
    phrase,
    phrase.map(lambda p: f"`{p}`"),
    phrase.map(lambda p: f"*{p}*"),
    phrase.map(lambda p: f"**{p}**"),
    phrase.map(lambda p: f"[{p}](https://example.com/x)"),
    phrase.map(lambda p: f"[{p}](glossary:)"),
    phrase.map(lambda p: f"<span>{p}</span>"),
    phrase.map(lambda p: f'<span class="no-glossary">{p}</span>'),
    phrase.map(lambda p: f"![{p}](picture.png)"),
)
paragraph = st.lists(inline, min_size=1, max_size=6).map(" ".join)
block = st.one_of(
    paragraph,
    phrase.map(lambda p: "## " + p.replace("\n", " ")),
    phrase.map(lambda p: f"```\n{p}\n```"),
    st.lists(paragraph.map(lambda p: p.replace("\n", " ").replace("|", "/")), min_size=2).map(
        lambda cells: f"| {cells[0]} | {cells[1]} |\n|---|---|\n| {' | '.join(cells[:2])} |"
    ),
    st.lists(paragraph.map(lambda p: p.replace("\n", " ")), min_size=1, max_size=3).map(
        lambda items: "\n".join(f"- {item}" for item in items)
    ),
    paragraph.map(lambda p: f"> {p}"),
)
document = st.lists(block, min_size=1, max_size=6).map("\n\n".join)


def convert(text: str, mode: str) -> str:
    extension = GlossaryExtension(html_tooltips=True)
    extension.glossary = GLOSSARY
    extension.page = PageContext("page.md", "glossary.md", mode, table_cells=True)
    return markdown.markdown(text, extensions=["tables", "attr_list", "toc", extension])


# A term link as the linker writes it: its own attributes, text only inside.
TERM_LINK = re.compile(r'<a class="qms-term" href="[^"]*" title="[^"]*">([^<]*)</a>')


def unwrapped(html_text: str) -> str:
    """The page with every term link replaced by its text."""
    return TERM_LINK.sub(r"\1", html_text)


class _Places(HTMLParser):
    """Where each term link sits: the open elements around it (tolerant of mis-nesting)."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr"})
    FORBIDDEN = frozenset({"a", "code", "pre", "th", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and ("class", "qms-term") in attrs:
            self.links += 1
            if self.FORBIDDEN & set(self.stack):
                self.problems.append(f"term link inside {'/'.join(self.stack)}")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def places(html_text: str) -> _Places:
    reader = _Places()
    reader.feed(html_text)
    reader.close()
    return reader


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_linking_only_wraps_words_in_term_links(text: str) -> None:
    linked, plain = convert(text, "every"), convert(text, "none")
    assert unwrapped(linked) == unwrapped(plain)
    # An author may force a link anywhere, even in a table header ([x](glossary:) is one in
    # both pages); automatic links add none in a forbidden place.
    assert places(linked).problems == places(plain).problems


def test_the_comparison_sees_a_changed_page() -> None:
    """The property would catch a linker that moved, dropped or added a character."""
    text = "A nonconformity and the QMS."
    linked, plain = convert(text, "every"), convert(text, "none")
    assert linked.count('class="qms-term"') == 2
    assert unwrapped(linked) == unwrapped(plain) == "<p>A nonconformity and the QMS.</p>"
    for broken in (linked.replace("</a> and", "</a>and"), linked.replace(">QMS<", ">QMS <")):
        assert unwrapped(broken) != unwrapped(plain)


def test_the_generator_does_produce_links() -> None:
    html_text = convert(
        "A nonconformity and the QMS.\n\n| audit | x |\n|---|---|\n| process | y |\n",
        "every",
    )
    reader = places(html_text)
    assert reader.links == 3  # the header cell "audit" is not linked; the body cell is
    assert reader.problems == []


# --- the matcher's quick search (text in lower case) finds what its one pattern finds ---------

ORGANISATION = parse_organisation_glossary(
    "terms:\n"
    "  - term: IT\n    explanation: Information technology.\n"
    "  - term: it works\n    explanation: A phrase whose first word is an abbreviation's.\n"
    "  - term: MRB\n    explanation: Material review board.\n    synonyms: [MRB meeting]\n"
    "  - term: SPCs\n    explanation: Ends in s.\n",
    "glossary.yml",
)
MATCHER = build_glossary(iso_vocabulary("2015"), ORGANISATION.entries).matcher
PIECES = [
    "IT",
    "it",
    "It",
    "it works",
    "IT works",
    "MRB",
    "mrb",
    "MRB meeting",
    "MRBs",
    "SPCs",
    "SPC",
    "QMS",
    "qms",
    "QMSs",
    "QMS'S",
    "QA's",
    "audit",
    "AUDIT",
    "Audits",
    "nonconformities",
    "Quality Management System",
    "quality",
    "x-quality",
    "quality-",
    "top\nmanagement",
    "İnterested party",
    "the",
    "a",
    " ",
    "-",
    "'",
    "\u2019s",
    ".",
    "\u0130",
    "ß",
    "ﬁ",
]


@given(st.lists(st.sampled_from(PIECES), max_size=14).map(lambda p: " ".join(p)))
@settings(max_examples=400, deadline=None)
def test_quick_search_finds_what_the_pattern_finds(text: str) -> None:
    assert MATCHER.regex is not None
    expected = []
    for m in MATCHER.regex.finditer(text):
        if MATCHER.resolve(m.group()) is not None:
            expected.append((m.start(), m.end(), m.group()))
    found = [(m.start, m.end, m.text) for m in MATCHER.finditer(text)]
    assert found == expected
