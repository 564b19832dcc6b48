"""Script injection, tried in Chromium: a hostile title, description and clause number open no
dialog, on load or when the places Material re-reads as HTML are hovered."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Site, document
from tests.test_browser import _Quiet, browser  # noqa: F401 (the module's Chromium fixture)

HOSTILE_TITLE = (
    "Calibration of every measuring instrument used in goods-in inspection "
    "<img src=x onerror=alert(document.domain)> and on the shop floor </title>"
    "<script>alert('title')</script>"
)
HOSTILE_DESCRIPTION = "\"><img src=x onerror=alert('description')>"
HOSTILE_CLAUSE = "<img src=x onerror=alert('clause')>"


@pytest.fixture
def hostile_site(site: Site) -> Iterator[str]:
    """A site (Material with content.tooltips) whose document's text tries to run scripts,
    served over HTTP; yields the document's URL."""
    site.extra_config["theme"] = {
        "name": "material",
        "font": False,
        "features": ["content.tooltips", "navigation.sections"],
    }
    body = "## Purpose\n\n" + "\n\n".join(f"Paragraph {n} of the procedure." for n in range(80))
    site.write(
        "procedures/qp-001.md",
        document(
            body,
            title=HOSTILE_TITLE,
            description=HOSTILE_DESCRIPTION,
            iso9001_clauses=["7.1.5", HOSTILE_CLAUSE],
        ),
    )
    site.build()  # not strict: the clause is a finding, and the page must be safe all the same
    handler = functools.partial(_Quiet, directory=str(site.site_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/procedures/qp-001/"
    httpd.shutdown()
    httpd.server_close()


def _open(browser: Any, url: str, dialogs: list[str]) -> Any:  # noqa: F811
    page = browser.new_page(viewport={"width": 1300, "height": 700})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url, wait_until="load")
    return page


def _hover_shows_text(page: Any, target: Any, dialogs: list[str]) -> None:
    """Hover ``target`` until Material's tooltip shows; it holds the hostile text as text."""
    target.hover()
    tooltip = page.locator('[role="tooltip"].md-tooltip2--active').last
    tooltip.wait_for(state="visible", timeout=5000)
    assert dialogs == []
    assert tooltip.locator("img, script").count() == 0
    assert "onerror" in tooltip.inner_text()


def test_title_description_and_clause_open_no_dialog(
    browser: Any,  # noqa: F811
    hostile_site: str,
) -> None:
    dialogs: list[str] = []
    page = _open(browser, hostile_site, dialogs)
    # On load: the description in <meta>, the title in <title> stay text.
    assert page.evaluate("document.querySelector('meta[name=description]').content") == (
        HOSTILE_DESCRIPTION
    )
    assert "alert('title')" in page.title()
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0

    # The header: scrolled past the heading, the page title shows there, cut short; Material
    # puts it back in full as an HTML tooltip on hover.
    page.mouse.wheel(0, 2500)
    header = page.locator('[data-md-component="header-topic"] .md-ellipsis').last
    header.wait_for(state="visible", timeout=5000)
    _hover_shows_text(page, header, dialogs)
    # The clause number is listed in the control block as text; hovering and clicking it
    # runs nothing.
    page.mouse.wheel(0, -5000)
    clause = page.locator(".qms-control .qms-clause").nth(1)
    clause.hover()
    clause.click()
    assert "onerror" in clause.inner_text() and clause.locator("img").count() == 0

    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert dialogs == []
    page.close()


def test_the_probe_would_see_a_dialog(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    """The same check on a page that does run the injected HTML: the test can fail."""
    (tmp_path / "index.html").write_text(
        f"<!doctype html><title>x</title><p>{HOSTILE_CLAUSE}</p>", "utf-8"
    )
    dialogs: list[str] = []
    page = _open(browser, (tmp_path / "index.html").as_uri(), dialogs)
    page.wait_for_function("document.querySelector('img').complete")
    page.evaluate("() => new Promise(r => setTimeout(r, 0))")
    assert dialogs == ["clause"]
    page.close()
