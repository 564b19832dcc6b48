"""Term links and the glossary page in real sites built in tmp_path."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort

from tests.conftest import Site, document

NONCONFORMITY = "nonconformity"


def term_links(page: str) -> list[tuple[str, str, str]]:
    """(href, title, text) of every term link in a page's article."""
    article = page[page.index("<article") : page.index("</article>")]
    return [
        (html.unescape(href), html.unescape(title), text)
        for href, title, text in re.findall(
            r'<a class="qms-term" href="([^"]*)" title="([^"]*)">([^<]*)</a>', article
        )
    ]


def texts(page: str) -> list[str]:
    return [text for _, _, text in term_links(page)]


def test_first_occurrence_of_each_term_is_linked_with_its_explanation(site: Site) -> None:
    site.write(
        "docs/guide/handling.md",
        "# Handling\n\nLog every nonconformity. Nonconformities and corrective actions "
        "follow; another nonconformity.\n",
    )
    site.build(strict=True)
    links = term_links(site.page("guide/handling/"))
    assert [(href, text) for href, _, text in links] == [
        ("../../glossary/#nonconformity", "nonconformity"),
        ("../../glossary/#corrective-action", "corrective actions"),
    ]
    assert links[0][1].startswith("Any case where a requirement is not met")


@pytest.mark.parametrize(
    "markdown",
    [
        "`nonconformity` in code",
        "```\nnonconformity in a block\n```",
        "    nonconformity indented code",
        "[a nonconformity](https://example.com/)",
        "[nonconformity][ref]\n\n[ref]: https://example.com/",
        "<https://example.com/nonconformity>",
        "## A nonconformity heading",
        "Heading nonconformity\n---",
        "![a nonconformity](picture.png)",
        '<div class="note">a nonconformity in raw HTML</div>',
        "A <span>nonconformity</span> inside inline HTML",
        "A <abbr>nonconformity</abbr>",
        '<span class="no-glossary">nonconformity</span> suppressed',
        "A nonconformity here\n{: .no-glossary }",
        '!!! note "A nonconformity title"\n    Body text.',
        "x-nonconformity-y and non_nonconformity",
    ],
)
def test_terms_are_never_linked_where_they_must_not_be(site: Site, markdown: str) -> None:
    site.write("docs/page.md", f"# Page\n\n{markdown}\n")
    site.write("docs/picture.png", b"\x89PNG\r\n\x1a\n")
    site.extra_config["markdown_extensions"] = ["admonition", "attr_list"]
    site.build()
    assert NONCONFORMITY not in [t.lower() for t in texts(site.page("page/"))], markdown


def test_never_in_the_control_block(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(
            title="Control of nonconformity",
            change_summary="Nonconformity handling changed.",
            body="## Purpose\n\nHow a nonconformity is handled.\n",
        ),
    )
    site.build(strict=True)
    page = site.page("procedures/qp-001/")
    block = page[page.index('class="qms-control"') : page.index("<h2")]
    assert "qms-term" not in block
    assert texts(page) == ["nonconformity"]


def test_a_page_can_opt_out_in_its_front_matter(site: Site) -> None:
    site.write("docs/out.md", "---\nglossary: false\n---\n# Out\n\nA nonconformity.\n")
    site.write(
        "procedures/qp-001.md", document(glossary=False, body="## Purpose\n\nA nonconformity.\n")
    )
    site.build(strict=True)
    assert texts(site.page("out/")) == []
    assert texts(site.page("procedures/qp-001/")) == []
    # still listed as using the term
    assert "QP-001 Test procedure" in _used_in(site.page("glossary/"), "nonconformity")


def test_authors_force_and_suppress_links(site: Site) -> None:
    site.write(
        "docs/page.md",
        "# Page\n\nA nonconformity, then [this one](glossary:nonconformity) by hand, "
        "[Corrective Actions](glossary:) by their own name, "
        "[the QMS](glossary:quality_management_system) with underscores, and "
        '<span class="no-glossary">an audit</span> left alone; an audit.\n',
    )
    site.build(strict=True)
    assert [(href, text) for href, _, text in term_links(site.page("page/"))] == [
        ("../glossary/#nonconformity", "nonconformity"),
        ("../glossary/#nonconformity", "this one"),
        ("../glossary/#corrective-action", "Corrective Actions"),
        ("../glossary/#quality-management-system", "the QMS"),
        ("../glossary/#audit", "audit"),
    ]


def test_unknown_explicit_reference_is_a_warning_and_plain_text(site: Site) -> None:
    site.write("docs/page.md", "# Page\n\nSee the [widget board](glossary:widget board).\n")
    site.write(
        "procedures/qp-001.md",
        document(body="## Purpose\n\nText.\n\nAsk the [MRB](glossary:) first.\n"),
    )
    site.build()
    page = site.page("page/")
    assert "See the <span>widget board</span>." in page
    assert "glossary:" not in page
    assert any(
        "docs/page.md: [...](glossary:widget board) names no term" in w for w in site.warnings
    ), site.warnings
    assert any(
        "procedures/qp-001.md:21: [MRB](glossary:MRB) names no term" in w for w in site.warnings
    ), site.warnings
    with pytest.raises(Abort):
        site.build(strict=True)


PROSE = "# Page\n\nAn audit and an audit.\n\n## Second\n\nAn audit again. [x](glossary:audit)\n"


@pytest.mark.parametrize(
    ("mode", "count"),
    [("first_per_page", 2), ("first_per_section", 3), ("every", 4), ("none", 1)],
)
def test_link_modes(site: Site, mode: str, count: int) -> None:
    site.write("docs/page.md", PROSE)
    site.options["glossary_links"] = mode
    site.build(strict=True)
    # the explicit reference is always a link
    assert len(term_links(site.page("page/"))) == count


def test_glossary_page_lists_terms_by_section_with_anchors_and_used_in(site: Site) -> None:
    site.write("docs/page.md", "# Page\n\nAn audit of the QMS.\n")
    site.write("procedures/qp-001.md", document(body="## Purpose\n\nA nonconformity.\n"))
    site.write(
        "glossary.yml",
        "group: Kestrel terms\nterms:\n"
        "  - term: MRB\n    explanation: The material review board.\n"
        "  - term: CMM\n    explanation: Measuring machine.\n",
    )
    site.options["glossary"] = "glossary.yml"
    site.build(strict=True)
    page = site.page("glossary/")
    assert "<title>Glossary - Test manual</title>" in page
    headings = re.findall(r'<h2 id="([^"]+)">([^<]+)</h2>', page)
    assert headings[0] == ("section-3-1", "3.1 Terms related to person or people")
    assert headings[-1] == ("section-kestrel-terms", "Kestrel terms")
    assert len(headings) == 14
    assert len(re.findall(r'<h3 id="', page)) == 140
    assert (
        '<h3 id="nonconformity"><span class="qms-glossary__number">3.6.9</span> '
        "nonconformity</h3>" in page
    )
    assert "https://www.iso.org/obp/ui/#iso:std:iso:9000:ed-4:v1:en:term:3.6.9" in page
    assert _used_in(page, "nonconformity") == ["QP-001 Test procedure"]
    assert _used_in(page, "audit") == ["Page"]
    assert _used_in(page, "quality-management-system") == ["Page"]
    assert _used_in(page, "defect") == []
    assert '<a href="#letter-n">N</a>' in page
    assert "qms-used-in" not in page  # every placeholder was filled


def test_long_used_in_lists_show_the_first_pages_and_the_count(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qms_plugin.glossary.USED_IN_LIMIT", 2)
    for name in "abc":
        site.write(f"docs/{name}.md", f"# Page {name}\n\nAn audit.\n")
    site.build(strict=True)
    page = site.page("glossary/")
    assert _used_in(page, "audit") == ["Page a", "Page b"]
    assert "and 1 more page:" in page


def _used_in(page: str, anchor: str) -> list[str]:
    start = page.index(f'<h3 id="{anchor}">')
    end = page.find("<h3 ", start + 1)
    entry = page[start : end if end > 0 else len(page)]
    used = entry[entry.index("<dt>Used in</dt>") :]
    return re.findall(r'<li><a href="[^"]*">([^<]*)</a></li>', used)


def test_glossary_page_is_in_the_search_index(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(title="Zanzibar routing", body="## Purpose\n\nRecord each nonconformity.\n"),
    )
    site.build(strict=True)
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    entries = {d["location"]: d for d in index["docs"]}
    entry = entries["glossary/#nonconformity"]
    assert "nonconformity" in entry["title"]
    assert "requirement is not met" in entry["text"]
    # "Used in" is on the page but not indexed: searching a procedure finds the procedure.
    assert "Zanzibar routing" in _used_in(site.page("glossary/"), "nonconformity")[0]
    glossary_text = " ".join(d["text"] for k, d in entries.items() if k.startswith("glossary/"))
    assert "Zanzibar" not in glossary_text


def test_deprecated_term_fails_strict_naming_file_and_line(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(body="## Purpose\n\nRaise a non-conformance report.\n"),
    )
    site.build()
    assert any(
        "procedures/qp-001.md:19: 'non-conformance' is a house-style variant of 'nonconformity'"
        in w
        for w in site.warnings
    ), site.warnings
    with pytest.raises(Abort):
        site.build(strict=True)


def test_deprecated_variant_on_an_ordinary_page_is_linked_not_reported(site: Site) -> None:
    site.write("docs/page.md", "# Page\n\nA non-conformance.\n")
    site.build(strict=True)
    assert texts(site.page("page/")) == ["non-conformance"]


def test_organisation_glossary_problems_warn_with_the_line(site: Site) -> None:
    site.write(
        "glossary.yml",
        "terms:\n  - term: nonconformity\n    explanation: Ours.\n  - term: MRB\n    colour: red\n",
    )
    site.options["glossary"] = "glossary.yml"
    site.build()
    assert any("glossary.yml:4: terms.1: unknown field 'colour'" in w for w in site.warnings), (
        site.warnings
    )
    assert any(
        "glossary.yml:2: 'nonconformity' is already ISO 9000:2015 term 3.6.9" in w
        for w in site.warnings
    ), site.warnings
    site.write("glossary.yml", "terms: [\n")
    site.build()
    assert any("glossary.yml:2: the glossary file is not valid YAML" in w for w in site.warnings)
    assert (site.site_dir / "glossary/index.html").is_file()  # the ISO terms are still there


def test_explanations_cannot_inject_html(site: Site) -> None:
    site.write(
        "glossary.yml",
        "terms:\n  - term: MRB\n"
        '    explanation: \'Board <img src=x onerror="alert(1)"> & "co" </a><script>x</script>\'\n'
        "    source: '<b>us</b>'\n",
    )
    site.write("docs/page.md", "# Page\n\nAsk the MRB.\n")
    site.options["glossary"] = "glossary.yml"
    site.build(strict=True)
    for url in ("page/", "glossary/"):
        page = site.page(url)
        assert "<img src=x" not in page
        assert "<script>x" not in page
        assert "<b>us" not in page
    [(_, title, _)] = term_links(site.page("page/"))
    assert title == 'Board <img src=x onerror="alert(1)"> & "co" </a><script>x</script>'

    # With Material's tooltips, which show the title as HTML, it is escaped once more.
    site.extra_config["theme"] = {
        "name": "material",
        "font": False,
        "features": ["content.tooltips"],
    }
    site.build(strict=True)
    [(_, title, _)] = term_links(site.page("page/"))
    assert title.startswith('Board &lt;img src=x onerror="alert(1)"&gt; &amp; ')
    assert "<" not in title


def test_glossary_can_be_switched_off(site: Site) -> None:
    site.write("docs/page.md", "# Page\n\nA nonconformity.\n")
    site.options["glossary_enabled"] = False
    site.build(strict=True)
    assert texts(site.page("page/")) == []
    assert not (site.site_dir / "glossary").exists()


def test_glossary_page_path_and_title_are_options(site: Site) -> None:
    site.write("docs/help/page.md", "# Page\n\nA nonconformity.\n")
    site.options.update(glossary_page="reference/terms.md", glossary_title="Terms we use")
    site.build(strict=True)
    assert "<h1" in site.page("reference/terms/")
    assert "Terms we use" in site.page("reference/terms/")
    assert term_links(site.page("help/page/"))[0][0] == "../../reference/terms/#nonconformity"


class _Structure(HTMLParser):
    """Checks that every term link sits outside code, headings and other links."""

    FORBIDDEN = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and ("class", "qms-term") in attrs and self.FORBIDDEN & set(self.stack):
            self.bad.append("/".join(self.stack))
        if tag not in {"br", "hr", "img", "input", "meta", "link"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def test_sample_manual_links_terms_and_lists_where_they_are_used(sample_site: Path) -> None:
    site = sample_site
    page = (site / "procedures/quality-procedures/qp-087/index.html").read_text("utf-8")
    assert len(term_links(page)) >= 10
    assert "nonconformity report" in texts(page)
    checker = _Structure()
    checker.feed(page)
    assert checker.bad == []
    glossary = (site / "glossary/index.html").read_text("utf-8")
    assert "QP-087 Control of nonconforming output" in _used_in(glossary, "corrective-action")
    assert "Kestrel" in glossary


def _index_texts(site: Site) -> dict[str, str]:
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    return {d["location"]: d["text"] for d in index["docs"]}


def test_search_indexes_the_same_text_with_term_links_as_without(site: Site) -> None:
    site.write(
        "docs/guide/handling.md",
        "# Handling\n\nLog every nonconformity and its corrective action.\n\n"
        "## Records\n\nKeep the records of each audit. A <b>bold</b> word.\n",
    )
    site.options["glossary_links"] = "none"
    site.build(strict=True)
    unlinked = _index_texts(site)
    site.options["glossary_links"] = "every"
    site.build(strict=True)
    # The pages have their links; the indexer saw the same words as without them.
    assert texts(site.page("guide/handling/")) == [
        "nonconformity",
        "corrective action",
        "records",
        "audit",
    ]
    assert _index_texts(site) == unlinked
    assert "nonconformity and its corrective action" in unlinked["guide/handling/"]


def test_term_links_stay_when_another_plugin_handles_the_page_during_indexing(
    site: Site,
) -> None:
    """Links are only hidden from the indexer when nothing but search runs in between."""
    site.write(
        "hooks.py",
        "def on_page_context(context, page, config, nav):\n"
        "    page.content += '<p>Added by a hook.</p>'\n"
        "    return context\n",
    )
    site.extra_config["hooks"] = ["hooks.py"]
    site.write("docs/guide/handling.md", "# Handling\n\nLog every nonconformity.\n")
    site.build(strict=True)
    page = site.page("guide/handling/")
    assert texts(page) == ["nonconformity"]
    assert "<p>Added by a hook.</p>" in page


# --- precise linking -----------------------------------------------------------------------

TABLE_PAGE = (
    "# Page\n\n| Nonconformity | Audit |\n|---|---|\n| a nonconformity | corrective action |\n\n"
    "Each corrective action is recorded.\n"
)


def test_table_headers_are_never_linked_and_cells_only_when_asked(site: Site) -> None:
    site.write("docs/page.md", TABLE_PAGE)
    site.build(strict=True)
    # the first use in a cell is not the first link: the prose after the table has it
    assert texts(site.page("page/")) == ["corrective action"]
    assert _used_in(site.page("glossary/"), "nonconformity") == ["Page"]  # cells are still uses
    assert _used_in(site.page("glossary/"), "audit") == []  # a column header is a label

    site.options["glossary_table_cells"] = True
    site.build(strict=True)
    page = site.page("page/")
    assert texts(page) == ["nonconformity", "corrective action"]
    assert "<th>Nonconformity</th>" in page


def test_names_and_longer_phrases_are_not_split_into_links(site: Site) -> None:
    site.write(
        "docs/page.md",
        "# Page\n\nThe Quality Manager chairs the management review, reads each customer "
        "complaint and the Standard Operating Procedure list.\n\n"
        "Quality is checked; **customer** complaints are logged, and the auditor's report.\n",
    )
    site.write("docs/names.md", "# Names\n\nAsk the Quality Manager.\n")
    site.build(strict=True)
    assert texts(site.page("page/")) == ["Quality", "customer", "complaints", "auditor's"]
    assert texts(site.page("names/")) == []
    glossary = site.page("glossary/")
    assert _used_in(glossary, "quality") == ["Page"]  # "Quality Manager" is no use of quality
    assert _used_in(glossary, "procedure") == []


def test_everyday_words_are_linked_only_when_the_organisation_asks(site: Site) -> None:
    site.write("docs/page.md", "# Page\n\nEach document holds information about the system.\n")
    site.build(strict=True)
    assert texts(site.page("page/")) == []
    entry = _entry(site.page("glossary/"), "information")
    assert "an everyday word: linked where an author links it, not automatically" in entry
    assert _used_in(site.page("glossary/"), "information") == ["Page"]

    site.options["glossary_generic_words"] = True
    site.build(strict=True)
    assert texts(site.page("page/")) == ["document", "information", "system"]
    assert "everyday word" not in _entry(site.page("glossary/"), "information")

    site.options["glossary_generic_words"] = False
    site.options["glossary"] = "glossary.yml"
    site.write("glossary.yml", "terms:\n  - term: document\n    autolink: true\n")
    site.build(strict=True)
    assert texts(site.page("page/")) == ["document"]


def test_a_term_can_be_linked_only_as_written(site: Site) -> None:
    site.write("docs/page.md", "# Page\n\nTwo releases, the release's date, one release.\n")
    site.build(strict=True)
    assert texts(site.page("page/")) == ["releases"]
    site.options["glossary"] = "glossary.yml"
    site.write("glossary.yml", "terms:\n  - term: release\n    exact: true\n")
    site.build(strict=True)
    assert texts(site.page("page/")) == ["release"]
    assert "only as written, without plural or possessive" in _entry(
        site.page("glossary/"), "release"
    )


def test_house_style_variants_can_be_switched_off(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(body="## Purpose\n\nRaise a non-conformance; log each non-conformity.\n"),
    )
    site.build()
    assert [w.split(": ", 2)[2].split(" of ")[0] for w in site.warnings] == [
        "'non-conformance' is a house-style variant",
        "'non-conformity' is a deprecated variant",
    ], site.warnings
    entry = _entry(site.page("glossary/"), "nonconformity")
    assert "non-conformity, non-conformance (house style), nonconformance (house style)" in entry

    site.options["glossary_house_style"] = False
    site.build()
    # the standard's own spelling is still checked; the house-style word is plain text
    assert [w.split(": ", 2)[2].split(" of ")[0] for w in site.warnings] == [
        "'non-conformity' is a deprecated variant"
    ], site.warnings
    assert texts(site.page("procedures/qp-001/")) == ["non-conformity"]
    assert "(house style)" not in _entry(site.page("glossary/"), "nonconformity")


def test_deprecated_words_in_titles_and_change_summaries_fail_strict(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(title="Non-conformity log", change_summary="Replaces the competency matrix."),
    )
    site.build()
    assert [w.split("; ")[0] for w in site.warnings] == [
        "qms_plugin: procedures/qp-001.md:3: in the title, 'Non-conformity' is a deprecated "
        "variant of 'nonconformity' (ISO 9000:2015, 3.6.9)",
        "qms_plugin: procedures/qp-001.md:14: in the change summary, 'competency' is a "
        "house-style variant of 'competence' (ISO 9000:2015, 3.10.4)",
    ], site.warnings
    with pytest.raises(Abort):
        site.build(strict=True)
    site.write(
        "procedures/qp-001.md",
        document(title="Nonconformity log", change_summary="Replaces the competence matrix."),
    )
    site.build(strict=True)


def test_glossary_options_must_have_the_right_type(site: Site) -> None:
    site.options["glossary_table_cells"] = "sometimes"
    with pytest.raises(Abort):
        site.build()
    assert any("glossary_table_cells" in w and "bool" in w for w in site.warnings), site.warnings


def _entry(page: str, anchor: str) -> str:
    start = page.index(f'<h3 id="{anchor}">')
    end = page.find("<h3 ", start + 1)
    return page[start : end if end > 0 else len(page)]
