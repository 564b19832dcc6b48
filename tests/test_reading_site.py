"""What the built HTML says for reading, printing and finding (issue 16), without a browser:
drafts in the navigation, status markers, what the search index holds, print margins."""

from __future__ import annotations

import json
import re

import pytest

from qms_plugin.render import css_string
from tests.conftest import Site, document
from tests.test_publication_site import commit, nav_of, pending_manual


def _unapproved(doc_id: str, title: str, status: str) -> str:
    """A document with no approved revision yet."""
    return document(
        doc_id=doc_id,
        title=title,
        revision="A",
        status=status,
        approved_by=None,
        approval_date=None,
        effective_date=None,
    )


def _drafts(site: Site) -> None:
    site.write("procedures/qp-001.md", document(doc_id="QP-001", title="In force"))
    site.write("procedures/qp-002.md", _unapproved("QP-002", "Being written", "draft"))
    site.write("procedures/qp-003.md", _unapproved("QP-003", "Being reviewed", "in_review"))


def test_drafts_are_out_of_the_navigation_unless_the_build_is_a_preview(site: Site) -> None:
    _drafts(site)
    site.build(strict=True)
    nav = nav_of(site.page("procedures/qp-001/"))
    assert "QP-001 In force" in nav
    assert "QP-002" not in nav and "QP-003" not in nav
    # Their pages are still built, marked, and listed in the master document list.
    assert "Draft: not for use" in site.page("procedures/qp-002/")
    register = site.page("master-document-list/")
    assert "QP-002" in register and "QP-003" in register

    site.options["work_in_progress"] = "preview"
    site.build(strict=True)
    nav = nav_of(site.page("procedures/qp-001/"))
    assert "QP-002 Being written" in nav and "QP-003 Being reviewed" in nav
    # ... each with its status marker (Material's navigation status, our labels).
    assert re.search(
        r'QP-002 Being written\s*</span>\s*<span class="md-status md-status--qms-draft"'
        r' title="Draft">',
        nav,
    )
    assert 'class="md-status md-status--qms-in_review" title="In review"' in nav


@pytest.mark.parametrize(("mode", "listed"), [("show", True), ("hide", False)])
def test_drafts_in_nav_can_be_set_either_way(site: Site, mode: str, listed: bool) -> None:
    _drafts(site)
    site.options.update(drafts_in_nav=mode, work_in_progress="preview")
    site.build(strict=True)
    assert ("QP-002" in nav_of(site.page("procedures/qp-001/"))) is listed


def test_a_pending_document_is_marked_in_the_navigation_and_watermarked(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        # approved on the day it is merged (the site commits it on 5 Jan 2026)
        document(status="approved", approval_date="2026-01-05", effective_date="2026-12-07"),
    )
    site.build(strict=True)
    page = site.page("procedures/qp-001/")
    assert 'md-status--qms-pending" title="Not yet in force"' in nav_of(page)
    assert 'class="qms-watermark" data-qms-watermark="Pending — not yet in force"' in page
    assert "--qms-print-standing:" in page and "Approved, not yet in force" in page


def test_the_search_index_knows_clauses_and_status_but_pages_show_no_tags(site: Site) -> None:
    pending_manual(site)
    site.write(
        "procedures/qp-002.md",
        document(doc_id="QP-002", title="Two", iso9001_clauses=["7.5.3", "8.7"]),
    )
    commit(
        site,
        "2026-11-20",
        "procedures/qp-002.md",
        doc_id="QP-002",
        title="Two",
        iso9001_clauses=["7.5.3", "8.7"],
        approval_date="2026-11-20",
        effective_date="2026-11-20",
    )
    site.build(strict=True)
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    tags = {doc["location"]: doc.get("tags") for doc in index["docs"]}
    assert tags["procedures/qp-002/"] == ["7.5.3", "8.7"]
    assert tags["procedures/qp-001/"] == ["7.5"]  # in force: no status tag
    # The tags were there for the indexer only: no page shows them.
    assert "md-tags" not in site.page("procedures/qp-002/")


def test_a_withdrawn_or_draft_page_is_tagged_with_its_state_in_the_search_index(
    site: Site,
) -> None:
    _drafts(site)
    site.build(strict=True)
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    tags = {doc["location"]: doc.get("tags") for doc in index["docs"]}
    assert tags["procedures/qp-002/"] == ["Draft", "7.5"]
    assert tags["procedures/qp-003/"] == ["In review", "7.5"]


def test_glossary_facts_keep_their_words_apart_in_the_search_index(site: Site) -> None:
    site.write("procedures/qp-001.md", document())
    site.build(strict=True)
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    texts = [doc["text"] for doc in index["docs"] if doc["location"].startswith("glossary/")]
    joined = " ".join(texts)
    assert "Do not write non-conformity, non-conformance (house style)" in joined
    assert "writenon" not in joined and "Alsonon" not in joined


def test_print_margins_carry_what_the_page_says_escaped(site: Site) -> None:
    title = 'Gauges </style><script>alert("x")</script> \\ "R&D"'
    site.write("procedures/qp-001.md", document(title=title))
    site.build(strict=True)
    page = site.page("procedures/qp-001/")
    style = re.search(r"<style>:root\{--qms-print-heading:(.*?)</style>", page, re.S)
    assert style, "no print margins"
    assert "<script>" not in style.group(1) and "</style" not in style.group(1)
    assert css_string(f"QP-001 {title}") in style.group(0)
    assert '--qms-print-standing:"Revision B \\b7  Effective, in force"' in page
    assert '--qms-print-notice:"Uncontrolled when printed"' in page
    register = site.page("master-document-list/")
    assert (
        '--qms-print-heading:"Master document list";--qms-print-standing:"As of 23 Nov 2026"'
        in (register)
    )


@pytest.mark.parametrize(
    ("text", "css"),
    [
        ("QP-087 Control", '"QP-087 Control"'),
        ('a"b', '"a\\22 b"'),
        ("</style>", '"\\3c /style\\3e "'),
        ("back\\slash\nline", '"back\\5c slash\\a line"'),
        ("Revision G · in force", '"Revision G \\b7  in force"'),
    ],
)
def test_css_strings_escape_everything_that_could_end_them(text: str, css: str) -> None:
    assert str(css_string(text)) == css


def test_master_list_rows_carry_clause_titles_and_change_summary_for_find(site: Site) -> None:
    site.write(
        "procedures/qp-001.md",
        document(iso9001_clauses=["7.1.5"], change_summary="Calibration intervals shortened."),
    )
    site.build(strict=True)
    register = site.page("master-document-list/")
    row = re.search(r'<tr data-type="procedure"[^>]*>', register)
    assert row and 'data-qms-find="7.1.5 Monitoring and measuring resources Calibration' in (
        row.group(0)
    )
    assert 'placeholder="ID, words or clause (7.5.3)"' in register
