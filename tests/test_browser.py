"""The sample site in headless Chromium: what a person clicking around sees.

Needs Playwright (in the ``test`` extra) and a Chromium at /usr/bin/chromium (Debian package
``chromium``; .ci/run installs it). Skipped, with the reason, where either is missing.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no Chromium at /usr/bin/chromium", allow_module_level=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _serving(folder: Path) -> Iterator[str]:
    """A built site served on a free local port; its address."""
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(sample_site: Path) -> Iterator[str]:
    with _serving(sample_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def _visible_ids(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "tbody tr:not([hidden]) td:first-child", "cells => cells.map(c => c.textContent.trim())"
    )
    return ids


def test_master_list_filters_and_sorts(browser: Any, server: str) -> None:
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(server + "master-document-list/")
    total = len(_visible_ids(page))
    assert page.text_content("[data-qms-count]") == f"{total} documents"

    page.select_option('[data-qms-filter="type"]', "work_instruction")
    assert _visible_ids(page) and all(i.startswith("WI-") for i in _visible_ids(page))
    page.select_option('[data-qms-filter="status"]', "draft")
    assert _visible_ids(page) == ["WI-085-04"]
    assert page.text_content("[data-qms-count]") == f"1 of {total} documents"

    page.select_option('[data-qms-filter="type"]', "")
    page.select_option('[data-qms-filter="status"]', "")
    page.fill('[data-qms-filter="text"]', "qp-087")
    found = _visible_ids(page)  # QP-087, and the documents whose summaries name it
    assert "QP-087" in found and len(found) < total
    page.fill('[data-qms-filter="text"]', "")

    page.click("th:nth-child(1) button")  # ID, already ascending: now descending
    ids = _visible_ids(page)
    assert ids == sorted(ids, reverse=True)
    assert page.get_attribute("th:nth-child(1)", "aria-sort") == "descending"
    assert outside == []
    page.close()


def test_printed_page_says_uncontrolled_with_the_date(browser: Any, server: str) -> None:
    page = browser.new_page()
    page.goto(server + "procedures/quality-procedures/qp-087/")
    assert not page.is_visible(".qms-print-notice")
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.is_visible(".qms-print-notice")
    text = page.text_content(".qms-print-notice") or ""
    assert "Uncontrolled when printed" in text
    today = page.evaluate(
        "(() => { const d = new Date(); return d.getDate() + ' ' + "
        "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov',"
        "'Dec'][d.getMonth()] + ' ' + d.getFullYear(); })()"
    )
    assert f"Printed on {today}" in text
    page.close()


def test_control_block_fits_a_phone(browser: Any, server: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(server + "procedures/work-instructions/wi-086-01/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert page.is_visible("text=Superseded: do not use")
    page.close()


def test_hovering_a_term_shows_its_explanation(browser: Any, server: str) -> None:
    page = browser.new_page()
    page.goto(server + "procedures/quality-procedures/qp-087/")
    link = page.locator("article a.qms-term", has_text="corrective action").first
    explanation = "Dealing with the root cause of a problem"
    assert (link.get_attribute("title") or "").startswith(explanation)
    link.hover()
    tooltip = page.locator('[role="tooltip"]', has_text=explanation)
    tooltip.wait_for(state="visible", timeout=5000)
    assert link.get_attribute("aria-describedby") == tooltip.get_attribute("id")
    link.click()
    page.wait_for_url("**/glossary/#corrective-action")
    assert page.locator("#corrective-action").is_visible()
    page.close()


# --- revision pages, redlines and the manual on a date, on a site with a real history ------


@pytest.fixture
def history_site(tmp_path: Path) -> Iterator[str]:
    """A manual whose QP-001 went through revisions A, B and C (in force, long enough to print
    on several pages) and has D pending, built and served."""
    from tests.conftest import Site
    from tests.test_publication_site import NEW_TEXT, OLD_TEXT, commit

    site = Site(tmp_path / "project")
    steps = "\n\n".join(f"Step {n}: check the gauge and record it." for n in range(60))
    commit(site, "2020-01-06", body=OLD_TEXT, revision="A", effective_date="2020-01-13")
    commit(
        site, "2023-01-09", body=f"{NEW_TEXT}\n{steps}\n", revision="B", effective_date="2023-01-16"
    )
    commit(site, "2026-01-05", body=f"{NEW_TEXT}\nMore.\n\n{steps}\n", revision="C")
    commit(
        site,
        "2026-11-16",
        body=f"{NEW_TEXT}\nMore.\n\nChecked weekly.\n\n{steps}\n",
        revision="D",
        status="approved",
        approval_date="2026-11-16",
        effective_date="2026-12-07",
        change_summary="Weekly checks.",
    )
    site.build(strict=True)
    with _serving(site.site_dir) as url:
        yield url


def test_the_manual_on_a_date_leads_to_the_revision_then_in_force(
    browser: Any, history_site: str
) -> None:
    page = browser.new_page()
    outside: list[str] = []
    page.on(
        "request", lambda r: outside.append(r.url) if not r.url.startswith(history_site) else None
    )
    page.goto(history_site + "manual-as-of/")
    page.wait_for_selector("[data-qms-as-of][data-qms-loaded]")
    assert page.text_content("[data-qms-as-of-rows] td:nth-child(3)") == "C"
    page.fill("[data-qms-as-of-date]", "2023-01-15")
    page.click("text=Show the manual on this date")
    assert page.text_content("[data-qms-as-of-rows] td:nth-child(3)") == "A"
    assert "16 Jan 2023" in (page.text_content("[data-qms-as-of-rows] td:nth-child(5)") or "")
    assert "date=2023-01-15" in page.url  # a view of a past day can be shared
    assert "1 documents on 15 Jan 2023." in (page.text_content("[data-qms-as-of-summary]") or "")
    page.click("[data-qms-as-of-rows] td:nth-child(3) a")
    page.wait_for_load_state()
    assert page.url.endswith("/procedures/qp-001/rev/A/")
    assert page.is_visible('[data-qms-watermark="Superseded — for reference only"]')
    # The shared address opens on that day.
    page.goto(history_site + "manual-as-of/?date=2024-06-01")
    page.wait_for_selector("[data-qms-as-of][data-qms-loaded]")
    assert page.input_value("[data-qms-as-of-date]") == "2024-06-01"
    assert page.text_content("[data-qms-as-of-rows] td:nth-child(3)") == "B"
    assert outside == []


def test_a_pending_revision_is_announced_and_its_redline_opens(
    browser: Any, history_site: str
) -> None:
    page = browser.new_page()
    page.goto(history_site + "procedures/qp-001/")
    assert page.is_visible("text=Revision D approved: in force from 7 Dec 2026")
    page.click("text=See what changes")
    page.wait_for_load_state()
    assert page.url.endswith("/procedures/qp-001/rev/D/#changes")
    changes = page.locator("#changes")
    assert changes.is_visible()
    assert changes.locator("ins", has_text="Checked weekly.").count() == 1
    top = page.evaluate("document.getElementById('changes').getBoundingClientRect().top")
    assert 0 <= top < 200  # the browser took the reader to the redline


def test_a_printed_revision_page_carries_its_watermark_on_every_page(
    browser: Any, history_site: str, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    page = browser.new_page()
    page.goto(history_site + "procedures/qp-001/rev/B/")
    pdf = tmp_path / "rev-b.pdf"
    page.pdf(path=str(pdf), format="A4")
    pages = PdfReader(str(pdf)).pages
    assert len(pages) >= 2
    for printed in pages:
        # Rotated text comes out of the PDF with its line breaks anywhere: compare letters.
        letters = "".join((printed.extract_text() or "").upper().split())
        assert "SUPERSEDED—FORREFERENCEONLY" in letters


# --- the registers: clause matrix and records register --------------------------------------


@pytest.fixture
def registers_site(tmp_path: Path) -> Iterator[str]:
    """A manual with a clause declared not applicable, records and an external document."""
    from tests.conftest import Site
    from tests.test_registers_site import manual

    site = Site(tmp_path / "project")
    manual(site)
    site.build(strict=True)
    with _serving(site.site_dir) as url:
        yield url


def test_the_clause_matrix_sorts_filters_and_leads_to_the_documents(
    browser: Any, registers_site: str
) -> None:
    page = browser.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(registers_site) else None,
    )
    page.goto(registers_site + "iso9001-clause-matrix/")
    assert page.text_content("[data-qms-count]") == "91 clauses"
    clauses = _visible_ids(page)
    assert clauses[:3] == ["4", "4.1", "4.2"] and clauses[-1] == "10.3"  # numeric, not text order

    page.click("th:nth-child(1)")  # descending: 10.3 first, 4 last
    clauses = _visible_ids(page)
    assert clauses[0] == "10.3" and clauses[-1] == "4"
    assert clauses.index("10") < clauses.index("9.3") < clauses.index("7.5.3.2")

    page.select_option('[data-qms-filter="status"]', "not_applicable")
    assert sorted(_visible_ids(page)) == sorted(
        ["8.3", "8.3.1", "8.3.2", "8.3.3", "8.3.4", "8.3.5", "8.3.6"]
    )
    page.select_option('[data-qms-filter="status"]', "covered")
    page.select_option('[data-qms-filter="section"]', "7")
    covered = _visible_ids(page)
    assert covered and all(c.startswith("7") for c in covered)
    assert "7.5.3" in covered and "7.1" not in covered  # 7.1 has no document in this manual
    page.fill('[data-qms-filter="text"]', "qp-072")
    assert sorted(_visible_ids(page)) == ["7.2", "7.3"]
    assert page.text_content("[data-qms-count]") == "2 of 91 clauses"

    page.click("#clause-7-2 a:has-text('QP-072')")
    page.wait_for_load_state()
    assert page.url.endswith("/procedures/qp-072/")
    assert outside == []
    page.close()


def test_a_records_register_entry_opens_from_the_procedure(
    browser: Any, registers_site: str
) -> None:
    page = browser.new_page()
    page.goto(registers_site + "procedures/qp-072/")
    page.click(".qms-control__fields a:has-text('Training and assessment records')")
    page.wait_for_load_state()
    assert page.url.endswith("/records-register/#record-training-and-assessment-record")
    row = page.locator("#record-training-and-assessment-record")
    assert row.is_visible()
    assert page.evaluate("document.querySelector(':target').id") == row.get_attribute("id")
    assert "10 years from end of employment" in (row.text_content() or "")
    top = page.evaluate("document.querySelector(':target').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"]  # the entry is in view
    page.click("#record-training-and-assessment-record a:has-text('QP-072')")
    page.wait_for_load_state()
    assert page.url.endswith("/procedures/qp-072/")
    page.close()
