"""Property: term linking never changes what a reader sees and always yields well-formed HTML.

Generated Markdown mixes defined terms (with plurals, synonyms, deprecated variants and
overlapping names) with code, links, headings, tables, emphasis and inline HTML. Each document is
converted with linking on every occurrence and with linking off; the visible text must be the
same, the HTML must nest properly, and no term link may sit inside code, a heading or a link.
"""

from __future__ import annotations

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
    "QMS",
    "audit",
    "auditor's",
    "top management",
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
    extension.page = PageContext("page.md", "glossary.md", mode)
    return markdown.markdown(text, extensions=["tables", "attr_list", "toc", extension])


class _Reader(HTMLParser):
    """The visible text of an HTML fragment, and whether its tags nest properly."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr"})
    FORBIDDEN = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
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

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read(html_text: str) -> _Reader:
    reader = _Reader()
    reader.feed(html_text)
    reader.close()
    if reader.stack:
        reader.problems.append(f"unclosed {reader.stack}")
    return reader


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_linking_keeps_the_visible_text_and_well_formed_html(text: str) -> None:
    linked, plain = read(convert(text, "every")), read(convert(text, "none"))
    assert linked.problems == [], linked.problems
    assert "".join(linked.text) == "".join(plain.text)


def test_the_generator_does_produce_links() -> None:
    reader = read(convert("A nonconformity and the QMS.\n\n| audit | x |\n|---|---|\n", "every"))
    assert reader.links == 3


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
