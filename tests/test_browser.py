"""The sample site in headless Chromium: what a person clicking around sees.

Needs Playwright (in the ``test`` extra) and a Chromium at /usr/bin/chromium (Debian package
``chromium``; .ci/run installs it). Skipped, with the reason, where either is missing.
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def server(sample_site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(sample_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


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
    assert _visible_ids(page) == ["QP-087"]
    page.fill('[data-qms-filter="text"]', "")

    page.click("th:nth-child(1)")  # ID, already ascending: now descending
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
    page.goto(server + "procedures/work-instructions/wi-085-02/")
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
