"""The repository's own sample manual: complete, strict, offline, and what staff would see."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qms_plugin.core.standards import iso9001_clauses
from tests.conftest import REPO


def register(site: Path) -> list[dict[str, str]]:
    documents: list[dict[str, str]] = json.loads((site / "qms/register.json").read_text("utf-8"))[
        "documents"
    ]
    return documents


def test_sample_has_the_documents_a_small_manufacturer_needs(sample_site: Path) -> None:
    docs = register(sample_site)
    by_type: dict[str, int] = {}
    for doc in docs:
        by_type[doc["type"]] = by_type.get(doc["type"], 0) + 1
    assert by_type["manual"] >= 1
    assert by_type["procedure"] >= 12
    assert by_type["work_instruction"] >= 3
    assert by_type["form"] >= 3


def test_every_banner_appears_somewhere(sample_site: Path) -> None:
    pages = "".join(p.read_text("utf-8") for p in (sample_site / "procedures").rglob("*.html"))
    for banner in (
        "qms-banner--draft",
        "qms-banner--in-review",
        "qms-banner--pending",
        "qms-banner--superseded",
        "qms-banner--obsolete",
    ):
        assert banner in pages, banner
    assert "qms-banner--invalid" not in pages


def test_effective_procedures_cover_clauses_4_to_10() -> None:
    from qms_plugin.core.frontmatter import parse

    cited: set[str] = set()
    for path in (REPO / "procedures").rglob("*.md"):
        parsed = parse(path.read_text("utf-8"), str(path), {"iso9001_clauses"})
        if parsed.data.get("status") in ("effective", "approved"):
            cited.update(parsed.data.get("iso9001_clauses", []))
    catalogue = iso9001_clauses("2015")
    top_level = {c.number for c in catalogue.clauses if c.depth == 0}
    assert top_level == {"4", "5", "6", "7", "8", "9", "10"}
    second_level = {c.number for c in catalogue.clauses if c.depth == 1}
    covered = {n for n in second_level if any(c == n or c.startswith(n + ".") for c in cited)}
    # Design and development (8.3) is excluded in the quality manual's scope.
    assert second_level - covered == {"8.3"}


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {"script": "src", "img": "src", "link": "href", "iframe": "src", "source": "src"}
        for name, value in attrs:
            if name == names.get(tag) and value:
                self.refs.append(value)


def test_site_makes_no_request_to_the_internet(sample_site: Path) -> None:
    for page in sample_site.rglob("*.html"):
        parser = _Refs()
        parser.feed(page.read_text("utf-8"))
        external = [r for r in parser.refs if re.match(r"(https?:)?//", r)]
        assert external == [], f"{page}: {external}"
    for sheet in sample_site.rglob("*.css"):
        imports = re.findall(r"@import\s+url\((['\"]?)(https?:)?//", sheet.read_text("utf-8"))
        assert not imports, sheet
        fonts = re.findall(r"url\((['\"]?)https?://", sheet.read_text("utf-8"))
        assert not fonts, sheet


def test_sample_register_page_lists_every_document(sample_site: Path) -> None:
    html = (sample_site / "master-document-list/index.html").read_text("utf-8")
    assert html.count("<tr data-type=") == len(register(sample_site))


@pytest.mark.parametrize("name", ["finding-a-procedure", "proposing-a-change"])
def test_pages_for_staff_and_document_controllers(sample_site: Path, name: str) -> None:
    assert (sample_site / name / "index.html").is_file()


def test_repository_schema_is_the_packaged_one() -> None:
    packaged = REPO / "qms_plugin/data/document.schema.yaml"
    assert (REPO / "records_schema/document.schema.yaml").read_bytes() == packaged.read_bytes()


def test_the_sample_history_shows_every_state_of_the_controlled_manual(sample_site: Path) -> None:
    """A newcomer who builds the sample sees each state: revisions in force with a history,
    a pending revision, a supersession and a withdrawal still to come, a revision in review over
    the one in force, withdrawn documents, and past revisions with redlines."""
    page = (sample_site / "procedures/quality-procedures/qp-084/index.html").read_text("utf-8")
    assert "<dt>Revision</dt><dd>C</dd>" in page
    assert "Revision D approved: in force from 7 Dec 2026" in page
    pages = {
        "forms/f-084-02": "To be withdrawn on 7 Dec 2026",
        "work-instructions/wi-085-02": "To be withdrawn on 14 Dec 2026",
        "work-instructions/wi-085-03": "Approved: effective from 14 Dec 2026",
        "quality-procedures/qp-092": "Revision F is in review",
        "quality-procedures/qp-088": "Obsolete: withdrawn",
        "work-instructions/wi-086-01": "Superseded: do not use",
    }
    for doc, words in pages.items():
        assert words in (sample_site / f"procedures/{doc}/index.html").read_text("utf-8"), doc
    exported = json.loads((sample_site / "qms/revisions.json").read_text("utf-8"))
    rich = [d["doc_id"] for d in exported["documents"] if len(d["revisions"]) >= 3]
    assert len(rich) >= 6, rich
    older = sample_site / "procedures/quality-procedures/qp-075/rev/E/index.html"
    assert "Superseded — for reference only" in older.read_text("utf-8")
    assert "<ins>" in older.read_text("utf-8")  # what revision E changed from D
