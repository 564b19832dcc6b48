"""Real sites built in tmp_path: what staff see on the pages, what the build says."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from mkdocs.exceptions import Abort

from tests.conftest import REPO, Site, document


def test_control_block_shows_the_document_control_data(site: Site) -> None:
    site.write(
        "procedures/quality/qp-001.md",
        document(
            title="Control of nonconforming output",
            revision="1.10",
            related=["F-001-01"],
            iso9001_clauses=["8.7", "8.7.2"],
        ),
    )
    site.options["revision_scheme"] = "major.minor"
    site.write(
        "procedures/forms/f-001-01.md",
        document(doc_id="F-001-01", type="form", title="NCR form", revision="2.0"),
    )
    site.build(strict=True)
    html = site.page("procedures/quality/qp-001/")
    block = html[html.index('class="qms-control"') :]
    assert re.search(r'qms-control__id">QP-001</span>\s*Control of nonconforming output', block)
    for text in (
        "<dd>1.10</dd>",  # not 1.1
        "<dd>Procedure</dd>",
        "<dd>Quality Manager</dd>",
        "Managing Director",
        '<time datetime="2026-01-12">12 Jan 2026</time>',
        '<time datetime="2028-01-12">12 Jan 2028</time>',
        # the clause's title is shown, not left to a hover
        '<span class="qms-clause">8.7.2</span> Control of nonconforming outputs (paragraph 2)',
        '<a href="../../forms/f-001-01/" title="NCR form">F-001-01</a>',
        "Uncontrolled when printed",
        "in force",
    ):
        assert text in block, text
    assert "admonition" not in block.split("<dl")[0]  # current: no warning banner
    assert "<title>QP-001 Control of nonconforming output - Test manual</title>" in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize(
    ("fields", "title", "text"),
    [
        ({"status": "draft"}, "Draft: not for use", "has not been approved"),
        ({"status": "in_review"}, "In review: not for use", "being reviewed"),
        (
            {"status": "approved", "approval_date": "2026-11-16", "effective_date": "2026-12-07"},
            "Approved: effective from 7 Dec 2026",
            "comes into force on 7 Dec 2026",
        ),
        (
            {"status": "obsolete", "obsolete_reason": "Merged into <QP-002>."},
            "Obsolete: withdrawn",
            "Reason: Merged into &lt;QP-002&gt;.",
        ),
        (
            {"next_review": "2026-11-01"},
            "Periodic review overdue since 1 Nov 2026",
            "still in force",
        ),
    ],
)
def test_status_banners(site: Site, fields: dict[str, str], title: str, text: str) -> None:
    site.write("procedures/qp-001.md", document(**fields))
    site.build()
    html = site.page("procedures/qp-001/")
    assert f'<p class="admonition-title">{title}</p>' in html
    assert text in html


def test_superseded_banner_links_the_successor(site: Site) -> None:
    site.write(
        "procedures/wi/wi-001-01.md",
        document(
            doc_id="WI-001-01",
            type="work_instruction",
            status="superseded",
            superseded_by="WI-001-02",
        ),
    )
    site.write(
        "procedures/wi/wi-001-02.md",
        document(doc_id="WI-001-02", type="work_instruction", title="Deburring", revision="A"),
    )
    site.build(strict=True)
    html = site.page("procedures/wi/wi-001-01/")
    assert "Superseded: do not use" in html
    assert re.search(r'replaced by\s*<a href="\.\./wi-001-02/">WI-001-02 Deburring</a>', html)


def test_broken_documents_warn_fail_strict_and_still_render(site: Site) -> None:
    site.write("procedures/good.md", document())
    site.write(
        "procedures/bad.md",
        "---\ndoc_id: QP-002\ntitle: Bad: colon\n---\n## Purpose\n\nStill readable.\n",
    )
    site.write("procedures/z-dup.md", document(title="Duplicate"))
    site.build()
    assert any(
        "procedures/bad.md:3: the front matter is not valid YAML" in w for w in site.warnings
    ), site.warnings
    assert any("procedures/z-dup.md:2: doc_id QP-001 is already used" in w for w in site.warnings)
    html = site.page("procedures/bad/")
    assert "Still readable." in html
    assert "Document-control data has problems" in html
    assert "doc_id:" not in html  # the broken front matter is not shown as text
    with pytest.raises(Abort, match="warnings in strict mode"):
        site.build(strict=True)


def test_user_text_cannot_inject_html(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(
            title="<script>alert('title')</script>",
            owner='<img src=x onerror="alert(1)">',
            change_summary="</dd><script>alert('summary')</script>",
            approved_by=["<b>Eve</b>"],
        ),
    )
    site.build(strict=True)
    for page in (site.page("procedures/qp-001/"), site.page("master-document-list/")):
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<b>Eve" not in page
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in site.page("procedures/qp-001/")


def test_file_in_another_encoding_builds_with_a_warning(site: Site) -> None:
    site.write("procedures/qp-001.md", document(title="Pr\u00fcfung").encode("cp1252"))
    site.build()
    assert any("procedures/qp-001.md" in w and "not UTF-8" in w for w in site.warnings)
    assert "Pr\u00fcfung" in site.page("procedures/qp-001/")


def test_bom_and_crlf_documents_build_cleanly(site: Site) -> None:
    text = "\ufeff" + document(revision="C").replace("\n", "\r\n")
    site.write("procedures/qp-001.md", text.encode("utf-8"))
    site.build(strict=True)
    assert "<dd>C</dd>" in site.page("procedures/qp-001/")


def test_master_list_and_exports(site: Site) -> None:
    site.write("procedures/qp-002.md", document(doc_id="QP-002", title='Zeta, "quoted"'))
    site.write("procedures/qp-001.md", document(title='=HYPERLINK("http://x")', status="draft"))
    site.write("procedures/forms/f-001-01.md", document(doc_id="F-001-01", type="form"))
    site.build()
    html = site.page("master-document-list/")
    rows = re.findall(r'<tr data-type="(\w+)" data-status="(\w+)"', html)
    assert rows == [("form", "effective"), ("procedure", "draft"), ("procedure", "effective")]
    assert '<a href="../procedures/qp-002/">QP-002</a>' in html
    assert '<option value="form">Form</option>' in html

    exported = json.loads((site.site_dir / "qms/register.json").read_text("utf-8"))
    schema = yaml.safe_load((REPO / "records_schema/register.schema.yaml").read_text("utf-8"))
    jsonschema.validate(exported, schema)
    assert [d["id"] for d in exported["documents"]] == ["F-001-01", "QP-001", "QP-002"]
    assert exported["documents"][2]["url"] == "procedures/qp-002/"
    for entry in exported["documents"]:
        assert (site.site_dir / entry["url"] / "index.html").is_file()

    table = list(csv.reader(io.StringIO((site.site_dir / "qms/register.csv").read_text("utf-8"))))
    assert table[0] == [
        "id",
        "title",
        "type",
        "revision",
        "status",
        "owner",
        "effective_date",
        "next_review",
        "url",
        "state",
        "pending_revision",
        "pending_from",
        "withdrawn_from",
        "review_state",
        "last_review",
        "last_review_by",
        "last_review_outcome",
        "clauses",
    ]
    assert table[2][1] == '\'=HYPERLINK("http://x")'  # a formula is kept as text
    assert table[3][1] == 'Zeta, "quoted"'


def test_two_builds_are_byte_identical(site: Site, tmp_path: Path) -> None:
    site.write("procedures/qp-001.md", document())
    site.build()
    first = {
        p.relative_to(site.site_dir): p.read_bytes()
        for p in site.site_dir.rglob("*")
        if p.is_file() and p.suffix != ".gz"
    }
    site.build()
    second = {
        p.relative_to(site.site_dir): p.read_bytes()
        for p in site.site_dir.rglob("*")
        if p.is_file() and p.suffix != ".gz"
    }
    assert first == second


def test_attachments_and_section_pages_are_published(site: Site) -> None:
    site.write("procedures/index.md", "# About our procedures\n")
    site.write("procedures/forms/f-001-01.md", document(doc_id="F-001-01", type="form"))
    site.write("procedures/forms/f-001-01.xlsx", b"PK\x03\x04 spreadsheet")
    site.build(strict=True)
    assert (site.site_dir / "procedures/forms/f-001-01.xlsx").read_bytes().startswith(b"PK")
    assert "About our procedures" in site.page("procedures/")


def test_navigation_groups_documents_under_one_section(site: Site) -> None:
    site.write("procedures/forms/f-001-01.md", document(doc_id="F-001-01", type="form"))
    site.write("procedures/qp-001.md", document())
    site.options["section_title"] = "Controlled <documents>"
    site.build(strict=True)
    html = site.page("")
    nav = html[html.index('class="md-nav md-nav--primary"') :]
    assert "Controlled <documents>" not in html
    section = nav.index("Controlled &lt;documents&gt;")
    # one section holds both documents, the forms folder as a sub-section within it
    assert section < nav.index("QP-001") < nav.index("Forms") < nav.index("F-001-01")


def test_offline_check_warns_about_google_fonts(site: Site) -> None:
    site.write("procedures/qp-001.md", document())
    config = yaml.safe_load(site.config_text(strict=False))
    del config["theme"]["font"]
    site.config_text = lambda strict: yaml.safe_dump(config)  # type: ignore[method-assign]
    site.build()
    assert any("font: false" in w for w in site.warnings)


def test_configuration_errors_stop_the_build_with_a_message(site: Site) -> None:
    site.options["today"] = "next tuesday"
    with pytest.raises(Abort):
        site.build()
    assert any(
        "today: 'next tuesday' is not a date; write it as YYYY-MM-DD" in w for w in site.warnings
    )
    site.options["today"] = "2026-11-23"
    site.options["procedures_dir"] = "missing"
    with pytest.raises(Abort):
        site.build()
    assert any(re.search("procedures folder .* does not exist", w) for w in site.warnings)


def test_navigation_follows_the_document_hierarchy(site: Site) -> None:
    site.write("procedures/a-forms/f-001-01.md", document(doc_id="F-001-01", type="form"))
    site.write("procedures/b-manual/qm-001.md", document(doc_id="QM-001", type="manual"))
    site.write("procedures/c-procedures/qp-001.md", document())
    site.build(strict=True)
    html = site.page("procedures/c-procedures/qp-001/")
    nav = html[html.index('class="md-nav md-nav--primary"') :]
    positions = [nav.index(name) for name in ("QM-001", "QP-001", "F-001-01")]
    assert positions == sorted(positions)
    # previous/next links follow the same order
    assert re.search(r'md-footer__link--prev" aria-label="Previous: QM-001', html)
    assert re.search(r'md-footer__link--next" aria-label="Next: F-001-01', html)


def test_retired_documents_have_no_next_review(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(
            status="obsolete",
            obsolete_reason="No longer needed.",
            effective_date="2019-01-01",
            approval_date="2018-12-01",
        ),
    )
    site.build(strict=True)
    [row] = json.loads((site.site_dir / "qms/register.json").read_text("utf-8"))["documents"]
    assert row["next_review"] == ""
    assert "<dt>Next review</dt><dd>—</dd>" in site.page("procedures/qp-001/")


def test_procedures_inside_docs_dir_are_not_added_twice(site: Site) -> None:
    site.write("docs/procedures/qp-001.md", document())
    site.options["procedures_dir"] = "docs/procedures"
    site.build(strict=True)
    assert "QP-001" in site.page("procedures/qp-001/")
    [row] = json.loads((site.site_dir / "qms/register.json").read_text("utf-8"))["documents"]
    assert row["url"] == "procedures/qp-001/"


def test_search_index_finds_documents_by_id(site: Site) -> None:
    site.write("procedures/qp-001.md", document(title="Calibration & <gauges>"))
    site.build(strict=True)
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    titles = [
        entry["title"] for entry in index["docs"] if entry["location"] == "procedures/qp-001/"
    ]
    assert titles and "QP-001" in titles[0]
    assert "<gauges>" not in titles[0]


def test_explicit_nav_gets_the_controlled_documents(site: Site) -> None:
    site.write("procedures/forms/f-001-01.md", document(doc_id="F-001-01", type="form"))
    site.write("procedures/qp-001.md", document())
    site.write("docs/index.md", "# Home\n")
    config = yaml.safe_load(site.config_text(strict=True))
    config["nav"] = [{"Home": "index.md"}]
    site.config_text = lambda strict: yaml.safe_dump(config)  # type: ignore[method-assign]
    site.build(strict=True)
    html = site.page("procedures/qp-001/")
    nav = html[html.index('class="md-nav md-nav--primary"') :]
    assert "Controlled documents" in nav
    assert nav.index("QP-001") < nav.index("Forms") < nav.index("F-001-01")


def test_control_data_stays_out_of_search_results(site: Site) -> None:
    site.write("procedures/qp-001.md", document(owner="Zebedee Quist"))
    site.build(strict=True)
    index = (site.site_dir / "search/search_index.json").read_text("utf-8")
    assert "Zebedee" not in index  # metadata is found through the master list instead
    assert "Some text." in index
    assert "Uncontrolled when printed" not in index
    page = site.page("procedures/qp-001/")  # ... but all of it is on the page, in its place
    assert page.index("Uncontrolled when printed") < page.index("<h1") < page.index("Zebedee")
    assert "qms-held:" not in page and "qms:hold" not in page


def test_tooltip_titles_cannot_inject_html(site: Site) -> None:
    """Material's content.tooltips copies title attributes into the page as HTML."""
    from html.parser import HTMLParser

    site.extra_config["theme"] = {
        "name": "material",
        "font": False,
        "features": ["content.tooltips"],
    }
    site.write("procedures/qp-001.md", document(related=["QP-002"]))
    site.write(
        "procedures/qp-002.md",
        document(doc_id="QP-002", title='<img src=x onerror="alert(1)">', related=["QP-001"]),
    )
    site.build(strict=True)

    class Titles(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.titles: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.titles += [v or "" for k, v in attrs if k == "title"]

    for url in ("procedures/qp-001/", "change-log/"):
        parser = Titles()
        parser.feed(site.page(url))
        # What the tooltip script reads back is still escaped text, never a tag.
        assert any("&lt;img" in t for t in parser.titles), url
        assert not any("<img" in t for t in parser.titles), url
