# The browser and server fixtures come from test_browser; pytest passes them by name.
# ruff: noqa: F811
"""Reading, printing and finding on the sample site in headless Chromium (issue 16): printed
pages, phones, search and the master list's Find, and axe-core on our own markup.

axe-core comes from the npm registry at a pinned version, installed once into a cache folder
(``QMS_TEST_CACHE``, default ``~/.cache/mkdocs-qms``); without npm, or offline, the accessibility
tests are skipped with the reason, unless ``QMS_REQUIRE_AXE=1`` (set by .ci/run) makes that a
failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.test_browser import browser, registers_site, server  # noqa: F401

AXE_VERSION = "4.14.1"

PROCEDURE = "procedures/quality-procedures/qp-087/"
PHONE = {"width": 390, "height": 844}


def _months(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _pdf_pages(page: Any, path: Path) -> list[str]:
    from pypdf import PdfReader

    page.pdf(path=str(path), format="A4")
    return [(p.extract_text() or "") for p in PdfReader(str(path)).pages]


def _pdf_sizes(path: Path) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(str(path)).pages]


@pytest.fixture
def tab(browser: Any, server: str) -> Iterator[Any]:
    """A desktop page that fails the test if anything is requested outside the site."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    yield page
    context.close()
    assert outside == []


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


# --- controlled print ---------------------------------------------------------------------


def test_every_printed_page_of_a_procedure_carries_id_revision_and_notice(
    tab: Any, server: str, tmp_path: Path
) -> None:
    front = (REPO / "procedures/quality-procedures/qp-087.md").read_text("utf-8").split("---\n")[1]
    revision = re.search(r"(?m)^revision: (\S+)$", front).group(1)  # type: ignore[union-attr]
    status = re.search(r"(?m)^status: (\S+)$", front).group(1).capitalize()  # type: ignore[union-attr]
    tab.goto(server + PROCEDURE)
    pages = _pdf_pages(tab, tmp_path / "qp-087.pdf")
    assert len(pages) >= 3
    today = _months(dt.date.today())
    for number, text in enumerate(pages, start=1):
        assert "QP-087 Control of nonconforming output" in text, number
        assert f"Revision {revision} · {status}, in force" in text, number
        assert f"Uncontrolled when printed — printed on {today}" in text, number
        assert f"Page {number} of {len(pages)}" in text, number


def test_the_printed_date_is_the_day_of_printing_not_of_the_build(
    tab: Any, server: str, tmp_path: Path
) -> None:
    # The browser's clock says 3 Feb 2031: a copy printed that day must say so.
    tab.add_init_script(
        "(() => { const Real = Date; const fixed = new Real(2031, 1, 3, 9, 30).getTime();"
        " globalThis.Date = class extends Real { constructor(...a) {"
        " super(...(a.length ? a : [fixed])); } static now() { return fixed; } }; })()"
    )
    tab.goto(server + PROCEDURE)
    pages = _pdf_pages(tab, tmp_path / "later.pdf")
    assert "printed on 3 Feb 2031" in pages[1]
    assert "(Printed on 3 Feb 2031; valid on that day only)" in pages[0]


@pytest.mark.parametrize(
    ("path", "mark"),
    [
        ("procedures/work-instructions/wi-086-01/", "SUPERSEDED—FORREFERENCEONLY"),
        ("procedures/quality-procedures/qp-088/", "WITHDRAWN—FORREFERENCEONLY"),
        ("procedures/work-instructions/wi-085-03/", "PENDING—NOTYETINFORCE"),
    ],
)
def test_withdrawn_and_pending_documents_carry_their_watermark_on_every_printed_page(
    tab: Any, server: str, tmp_path: Path, path: str, mark: str
) -> None:
    tab.goto(server + path)
    pages = _pdf_pages(tab, tmp_path / "marked.pdf")
    assert len(pages) >= 2
    for text in pages:
        # Rotated text comes out of the PDF with its line breaks anywhere: compare letters.
        assert mark in "".join(text.upper().split())


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("master-document-list/", ["Effective", "Next review", "ISO 9001"]),
        ("change-log/", ["Approved by", "Merged as"]),
        ("manual-as-of/", ["Ended on", "On that day"]),
    ],
)
def test_registers_print_landscape_without_clipping(
    tab: Any, server: str, tmp_path: Path, sample_site: Path, path: str, headers: list[str]
) -> None:
    tab.goto(server + path)
    tab.wait_for_load_state("networkidle")
    pdf = tmp_path / "register.pdf"
    pages = _pdf_pages(tab, pdf)
    assert all(width > height for width, height in _pdf_sizes(pdf))
    for header in headers:
        assert header in pages[0]
    text = "\n".join(pages)
    assert "Uncontrolled when printed — printed on" in pages[-1]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    if path == "master-document-list/":
        register = json.loads((sample_site / "qms/register.json").read_text("utf-8"))
        rows = register["documents"] if isinstance(register, dict) else register
        for row in rows:
            assert row["id"] in text
            assert row["next_review"] in text  # the last columns are on the paper
    # Nothing sticks out of the printed page: the widest table fits its column.
    tab.emulate_media(media="print")
    overflow = tab.evaluate(
        "Array.from(document.querySelectorAll('article table')).map(t => "
        "t.getBoundingClientRect().right - document.querySelector('article')"
        ".getBoundingClientRect().right)"
    )
    assert overflow and max(overflow) <= 1


@pytest.mark.parametrize(
    "path",
    [
        PROCEDURE,
        "procedures/quality-procedures/qp-085/",
        "procedures/quality-procedures/qp-075/",
        "procedures/quality-procedures/qp-071/",
    ],
)
def test_printed_headings_keep_with_what_follows(
    tab: Any, server: str, tmp_path: Path, path: str
) -> None:
    tab.goto(server + path)
    headings = {
        h.strip()
        for h in tab.eval_on_selector_all(
            "article :is(h2, h3, h4)",
            "hs => hs.map(h => h.firstChild ? h.firstChild.textContent : h.textContent)",
        )
    }
    pages = _pdf_pages(tab, tmp_path / "doc.pdf")
    for number, text in enumerate(pages[:-1], start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[-1] not in headings, f"page {number} ends with the heading {lines[-1]!r}"


# --- phones -------------------------------------------------------------------------------


def test_the_control_block_folds_to_one_line_on_a_phone(phone: Any, server: str) -> None:
    phone.goto(server + PROCEDURE)
    owner = phone.locator(".qms-control__fields dt", has_text="Owner")
    toggle = phone.locator(".qms-control__toggle")
    assert phone.is_visible(".qms-control__fields dt:text-is('Revision')")
    assert phone.is_visible(".qms-control__fields dt:text-is('Status')")
    assert not owner.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "qms-control-fields"
    # The fields take one row: the text starts on the first screen.
    box = phone.locator(".qms-control__fields").bounding_box()
    assert box and box["height"] < 130
    purpose = phone.locator("article h2", has_text="Purpose").bounding_box()
    assert purpose and purpose["y"] < PHONE["height"]
    toggle.tap()
    assert owner.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_desktop_shows_the_whole_control_block_without_a_toggle(tab: Any, server: str) -> None:
    tab.goto(server + PROCEDURE)
    assert tab.locator(".qms-control__fields dt", has_text="Owner").is_visible()
    assert not tab.is_visible(".qms-control__toggle")


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("master-document-list/", ".qms-register__table"),
        ("change-log/", ".qms-changelog__table"),
        ("manual-as-of/", ".qms-as-of table"),
        (PROCEDURE, ".qms-history__table"),
    ],
)
def test_tables_stack_on_a_phone_and_lose_no_column(
    phone: Any, server: str, path: str, table: str
) -> None:
    phone.goto(server + path)
    phone.wait_for_load_state("networkidle")
    headers = phone.eval_on_selector_all(f"{table} thead th", "ths => ths.map(t => t.textContent)")
    headers = [h.strip() for h in headers]
    row = phone.locator(f"{table} tbody tr").first
    cells = row.locator("td")
    assert cells.count() == len(headers)
    for index in range(cells.count()):
        cell = cells.nth(index)
        assert cell.get_attribute("data-qms-label") == headers[index]
        if (cell.text_content() or "").strip():
            assert cell.is_visible(), headers[index]
            box = cell.bounding_box()
            assert box and box["width"] > 300, headers[index]  # a row of its own
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wrap = phone.locator(f"{table}").evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    assert wrap


def test_a_phone_sorts_the_master_list_from_a_choice(phone: Any, server: str) -> None:
    phone.goto(server + "master-document-list/")
    assert not phone.is_visible(".qms-register__table thead")
    phone.select_option(".qms-register__sort select", "id-desc")
    ids = phone.eval_on_selector_all(
        ".qms-register__table tbody tr td:first-child", "cs => cs.map(c => c.textContent.trim())"
    )
    assert ids == sorted(ids, reverse=True)
    assert "sort=id-desc" in phone.url


def test_a_tapped_term_opens_its_explanation_in_place(phone: Any, server: str) -> None:
    phone.goto(server + PROCEDURE)
    term = phone.locator("article a.qms-term", has_text="corrective action").first
    term.tap()
    tip = phone.locator(".qms-tip", has_text="Dealing with the root cause of a problem")
    tip.wait_for(state="visible", timeout=5000)
    assert phone.url == server + PROCEDURE  # still on the page
    assert term.get_attribute("aria-expanded") == "true"
    assert term.get_attribute("aria-controls") == tip.get_attribute("id")
    more = tip.locator("a", has_text="Open in the glossary")
    assert more.evaluate("a => a.href") == term.evaluate("a => a.href")
    term.tap()
    assert tip.count() == 0 and term.get_attribute("aria-expanded") == "false"


# --- search, navigation and the master list's Find ------------------------------------------


def _search(page: Any, query: str) -> list[dict[str, Any]]:
    page.fill("input.md-search__input", "")
    page.type("input.md-search__input", query)
    page.wait_for_function(
        "q => document.querySelector('.md-search-result__meta') && "
        "new URL(document.querySelector('.md-search-result__link') ? "
        "document.querySelector('.md-search-result__link').href : location.href)"
        ".searchParams.get('h') !== null || document.querySelector("
        "'.md-search-result__meta').textContent.startsWith('No')",
        arg=query,
    )
    page.wait_for_timeout(300)
    results: list[dict[str, Any]] = page.eval_on_selector_all(
        ".md-search-result__item > a",
        "as => as.map(a => ({title: a.querySelector('h1, h2').textContent.trim(), "
        "href: a.getAttribute('href'), "
        "states: Array.from(a.querySelectorAll('.md-tag.qms-state')).map(t => t.textContent)}))",
    )
    return results


def test_search_finds_clause_numbers_and_ids_and_marks_what_is_not_in_force(
    tab: Any, server: str
) -> None:
    tab.goto(server)
    found = _search(tab, "7.5.3")
    titles = [r["title"] for r in found]
    assert "QP-075 Control of documented information" in titles
    assert "F-075-01 Document change request" in titles

    assert _search(tab, "QP-087")[0]["title"] == "QP-087 Control of nonconforming output"
    assert _search(tab, "WI-085-01")[0]["title"].startswith("WI-085-01 ")

    found = _search(tab, "sample")
    titles = [r["title"] for r in found]
    current = titles.index("QP-086 Inspection and release of product")
    old = titles.index("WI-086-01 Final inspection sample sizes (superseded)")
    assert current < old  # the withdrawn one is demoted
    assert found[old]["states"] == ["Superseded"]
    assert found[current]["states"] == []
    pending = next(r for r in _search(tab, "deburring") if r["title"].startswith("WI-085-03"))
    assert pending["states"] == ["Not yet effective"]  # its first revision comes into force later


def test_drafts_are_not_in_the_published_navigation(tab: Any, server: str) -> None:
    tab.goto(server + PROCEDURE)
    nav = tab.text_content("nav.md-nav--primary") or ""
    assert "WI-085-04" not in nav  # a draft
    assert "QP-074" not in nav  # in review
    marker = tab.locator(".md-nav .md-status--qms-pending")
    assert marker.count() == 1 and marker.get_attribute("title") == "Not yet in force"


def _ids(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "tbody tr:not([hidden]) td:first-child", "cells => cells.map(c => c.textContent.trim())"
    )
    return ids


def test_master_list_find_searches_summaries_and_clauses_and_the_view_is_in_the_address(
    tab: Any, server: str
) -> None:
    tab.goto(server + "master-document-list/")
    assert "clause" in (tab.get_attribute('[data-qms-filter="text"]', "placeholder") or "")
    tab.fill('[data-qms-filter="text"]', "soak")
    assert "QP-071" in _ids(tab)  # from its change summary
    tab.fill('[data-qms-filter="text"]', "7.5.3")
    assert set(_ids(tab)) == {"QP-075", "F-075-01"}
    tab.fill('[data-qms-filter="text"]', "measurement traceability")  # a clause's title
    assert "F-071-01" in _ids(tab)
    tab.fill('[data-qms-filter="text"]', "")
    tab.select_option('[data-qms-filter="type"]', "procedure")
    tab.get_by_role("button", name="Effective", exact=True).click()
    tab.get_by_role("button", name="Effective", exact=True).click()
    assert re.search(r"type=procedure", tab.url) and "sort=effective-desc" in tab.url
    shown = _ids(tab)
    # The shared address opens the same view.
    tab.goto(tab.url)
    assert tab.input_value('[data-qms-filter="type"]') == "procedure"
    assert _ids(tab) == shown
    assert tab.get_attribute("th:nth-child(7)", "aria-sort") == "descending"


# --- accessibility ----------------------------------------------------------------------------


def test_sort_headers_are_buttons_named_without_the_arrow(tab: Any, server: str) -> None:
    tab.goto(server + "change-log/")
    button = tab.get_by_role("button", name="Merged", exact=True)
    assert button.count() == 1
    button.focus()
    tab.keyboard.press("Enter")
    assert tab.get_attribute("th:nth-child(1)", "aria-sort") == "ascending"


def test_banner_titles_are_headings(tab: Any, server: str) -> None:
    tab.goto(server + "procedures/work-instructions/wi-086-01/")
    heading = tab.get_by_role("heading", name="Superseded: do not use", level=2)
    assert heading.count() == 1
    # The successor link says it is a link by more than its colour.
    link = tab.locator(".qms-banner--superseded a").first
    assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")


def test_clause_chips_and_commit_hashes_explain_themselves_by_keyboard(
    tab: Any, server: str
) -> None:
    tab.goto(server + "master-document-list/")
    chip = tab.locator(".qms-clause", has_text="7.1.5.2").first
    assert chip.get_attribute("role") == "button" and chip.get_attribute("tabindex") == "0"
    chip.focus()
    tab.keyboard.press("Enter")
    tip = tab.locator(".qms-tip", has_text="Measurement traceability")
    assert tip.is_visible() and chip.get_attribute("aria-expanded") == "true"
    tab.keyboard.press("Escape")
    assert tip.count() == 0

    tab.goto(server + PROCEDURE)
    change = tab.locator(".qms-history__table td span.qms-hint").first
    subject = change.get_attribute("data-qms-explain") or ""
    assert subject
    change.focus()
    tab.keyboard.press(" ")
    assert tab.locator(".qms-tip", has_text=subject).is_visible()
    # The control block shows what each clause is, with no hover at all.
    tab.goto(server + PROCEDURE)
    assert tab.is_visible(".qms-control__clauses li:has-text('Control of nonconforming outputs')")


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core's script, installed from the npm registry at a pinned version (cached)."""
    required = os.environ.get("QMS_REQUIRE_AXE") == "1"
    cache = Path(os.environ.get("QMS_TEST_CACHE") or Path.home() / ".cache" / "mkdocs-qms")
    folder = cache / f"axe-core-{AXE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        reason = None
        if npm is None:
            reason = "npm is not installed: cannot install axe-core"
        else:
            folder.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                 "--no-save", "--loglevel=error", f"axe-core@{AXE_VERSION}"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            if done.returncode != 0 or not script.exists():
                reason = f"npm could not install axe-core@{AXE_VERSION}: {done.stderr.strip()}"
        if reason:
            if required:
                pytest.fail(reason)
            pytest.skip(reason)
    return script.read_text("utf-8")


AXE_PAGES = [
    PROCEDURE,  # control block, in force
    "procedures/work-instructions/wi-086-01/",  # superseded banner, watermark
    "procedures/work-instructions/wi-085-02/",  # a withdrawal to come
    "procedures/quality-procedures/qp-088/",  # obsolete banner
    "procedures/quality-procedures/qp-084/",  # a pending revision announced
    "procedures/work-instructions/wi-085-03/",  # a first issue not yet in force
    "procedures/quality-procedures/qp-092/",  # a revision in review over the one in force
    "procedures/quality-procedures/qp-074/",  # in review
    "procedures/work-instructions/wi-085-04/",  # draft
    "master-document-list/",
    "change-log/",
    "glossary/",
    "manual-as-of/",
    "procedures/quality-procedures/qp-087/rev/G/",  # a revision page (a shell of our own)
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_violation_in_our_markup(
    browser: Any,
    server: str,
    axe_source: str,
    path: str,
    scheme: str,
) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    expected = "slate" if scheme == "dark" else "default"
    assert page.get_attribute("body", "data-md-color-scheme") == expected
    page.add_script_tag(content=axe_source)
    # Our markup: the article (control block, banners, registers, the page's text) on the
    # theme's pages; the whole of a revision page. The theme's header, search and footer are
    # the theme's.
    scope = "document" if "/rev/" in path else "{include: [['.md-content']]}"
    result = page.evaluate(f"axe.run({scope}, {{resultTypes: ['violations']}})")
    context.close()
    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]} {v['help']}"
        for v in result["violations"]
    ]
    assert found == []


# --- the registers: a manual with records, an external document, a clause not applied ----

REGISTER_PAGES = [
    "iso9001-clause-matrix/",
    "records-register/",
    "external-documents/",
    "whats-changing/",
    "procedures/qp-072/",  # the records table, training, Referenced by, document-ID links
    "procedures/manual/qm-001/",  # the requirements that do not apply
    "procedures/external/ext-001/",  # an external document's fields
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_in_the_registers(
    browser: Any,
    registers_site: str,
    axe_source: str,
    scheme: str,
) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found = []
    for path in REGISTER_PAGES:
        page.goto(registers_site + path)
        page.wait_for_load_state("networkidle")
        page.add_script_tag(content=axe_source)
        result = page.evaluate(
            "axe.run({include: [['.md-content']]}, {resultTypes: ['violations']})"
        )
        found += [
            f"{path} {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
    context.close()
    assert found == []


def test_the_clause_matrix_stacks_on_a_phone(browser: Any, registers_site: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(registers_site + "iso9001-clause-matrix/")
    page.wait_for_load_state("networkidle")
    headers = page.eval_on_selector_all(
        ".qms-clauses__table thead th", "ths => ths.map(t => t.textContent.trim())"
    )
    cells = page.locator("#clause-7-5-3 td")
    assert cells.count() == len(headers)
    assert cells.first.get_attribute("data-qms-label") == headers[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()
