"""Users' text (titles, descriptions, clause numbers, file names, names, commit subjects) is
inert wherever it is shown: HTML that Material re-reads, a pull-request comment in Markdown,
a terminal, a spreadsheet. (The browser itself: tests/test_browser_injection.py.)"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from qms_plugin.core.register import _csv_cell
from qms_plugin.core.report import _cell, _code
from qms_plugin.core.text import visible
from qms_plugin.render import page_title
from tests.conftest import Site, document
from tests.gitrepo import GitRepo
from tests.test_check_base import edit, make_manual, qms

XSS = "<img src=x onerror=alert(document.domain)>"


class Elements(HTMLParser):
    """The elements of a page, with their attributes, as a browser's parser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {"title": "", "script": "", "span": ""}
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))
        self._in = tag if tag in self.text else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self.text[self._in] += data

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.found if tag == name]


# --- the page title, as Material uses it --------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (f"Gauges {XSS}", "Gauges <\u2060img src=x onerror=alert(document.domain)>"),
        ("Close </title><script>alert(1)</script>", "Close <\u2060/title><\u2060script>"),
        ("Comment <!-- x -->", "Comment <\u2060!-- x -->"),
        ("Torque < 5 Nm and a<5", "Torque < 5 Nm and a<5"),  # no tag could start: unchanged
        ("R&D > sales", "R&D > sales"),
    ],
)
def test_page_titles_stay_text_when_read_back_as_html(title: str, shown: str) -> None:
    markup = page_title(title)
    assert "<" not in str(markup)  # escaped once for the page
    text = markup.unescape()  # what the browser shows, and Material reads back
    assert text.startswith(shown.split(">")[0])
    # Read back as HTML (the header's tooltip, the window title), it opens no element.
    parsed = Elements(f"<div>{text}</div>")
    assert [tag for tag, _ in parsed.found] == ["div"]


def test_a_hostile_title_and_description_are_inert_in_the_built_page(site: Site) -> None:
    site.extra_config["theme"] = {
        "name": "material",
        "font": False,
        "features": ["content.tooltips"],
    }
    site.write(
        "procedures/qp-001.md",
        document(
            title=f"Calibration {XSS} </title><script>alert(2)</script>",
            description='"><img src=x onerror=alert(3)> & more',
            iso9001_clauses=["7.5", XSS],
        ),
    )
    site.write("procedures/<b>bold/qp-002.md", document(doc_id="QP-002"))
    site.build()
    html = site.page("procedures/qp-001/")
    page = Elements(html)
    assert page.tags("img") == [] and "alert" not in page.text["script"]
    assert not any(k.startswith("on") for _, attrs in page.found for k in attrs)
    [meta] = [m for m in page.tags("meta") if m.get("name") == "description"]
    assert meta["content"] == '"><img src=x onerror=alert(3)> & more'
    assert "alert(2)" in page.text["title"] and "<\u2060/title>" in page.text["title"]
    # The clause numbers are listed as text (with their titles, where the clause exists).
    assert XSS in page.text["span"]
    # A folder name becomes a navigation section title: text too.
    assert page.tags("b") == [] and "&lt;\u2060b&gt;bold" in html


# --- the pull-request comment (Markdown) --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Plain title",
        "a|b",
        "Title\r# Heading",
        "[x](https://evil.example)",
        "![i](http://evil.example/i.png)",
        "<img src=x>",
        "@admins and #12",
        "**bold** _em_ ~~gone~~ `code` $x$",
        "see www.evil.example",
        "&lt; \\",
    ],
)
def test_markdown_cells_are_inert(text: str) -> None:
    cell = _cell(text)
    assert not any(c in cell for c in "\n\r|@<>[]`*")
    rendered = markdown.markdown(f"| Title |\n|---|\n| {cell} |\n", extensions=["tables"])
    [content] = re.findall(r"<td>(.*)</td>", rendered)
    assert "<" not in content  # no element: no link, image, emphasis, heading or HTML
    shown = html.unescape(content)
    assert shown.replace("\u2060", "") == visible(text)  # the reader sees the text as written
    # ... with a word joiner where GitHub would make a mention, a reference or a link
    assert not re.search(r"[@#]\w|://|www\.", shown)


@pytest.mark.parametrize(
    ("text", "cell", "expected"),
    [
        ("procedures/qp-001.md:3", True, "`procedures/qp-001.md:3`"),
        ("procedures/a|b.md", True, "`procedures/a\\|b.md`"),
        ("procedures/a\nb.md", False, "`procedures/a\\x0ab.md`"),
        ("a`b", False, "``a`b``"),
        ("`a", False, "`` `a ``"),
    ],
)
def test_markdown_code_spans_hold_any_text(text: str, cell: bool, expected: str) -> None:
    assert _code(text, cell) == expected


def test_the_markdown_report_of_a_hostile_change_is_inert(tmp_path: Path) -> None:
    repo = make_manual(tmp_path / "manual")
    edit(repo, "procedures/qp-001.md", "## Purpose\n\nEdited.\n", title="Scope\r# Injected heading")
    repo.write(
        "procedures/we|ird\nname.md", document(doc_id="QP-003", title="![i](http://evil/i.png)")
    )
    repo.commit(
        "Hostile change",
        author=("**Mallory** [click](https://evil.example) @admins <img src=x>", "m@evil.example"),
    )
    result = qms(repo, "check", "--base", "main", "--format", "markdown")
    assert result.returncode in (0, 1), result.stderr
    report = result.stdout
    ours = (
        "**Document control check",
        "Compared with",
        "| ",
        "|---",
        "### ",
        "- ",
        "  - ",
        "By rule",
        "Authors of the change",
        "Documents that",
        "No controlled",
        "<details>",
        "<summary>",
        "</details>",
        "Merge with these lines",  # then the trailers, in a code block
        "```",
    )
    lines = report.splitlines()
    fence = [i for i, line in enumerate(lines) if line.startswith("```")]
    trailers = {i for a, b in zip(fence[::2], fence[1::2], strict=False) for i in range(a + 1, b)}
    assert all(lines[i].startswith(("Approved-by: ", "Editorial-change: ")) for i in trailers)
    for line in (line for i, line in enumerate(lines) if i not in trailers):
        assert not line or line.startswith(ours), line
    # "Changed documents", "What changed in the text" (the redline), "Impact" and "The merge
    # message" only
    assert report.count("\n### ") == 4
    unescaped = re.sub(r"\\.", "", report)
    assert "<img" not in unescaped and "](" not in unescaped and "@admins" not in report
    assert "https://" not in report and "Injected heading" in report


# --- the terminal -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("over\rwrite", "over\\x0dwrite"),
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),
        ("bell\x07 and\x9b", "bell\\x07 and\\x9b"),
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("Prüfung — é", "Prüfung — é"),
    ],
)
def test_control_characters_are_shown_not_sent(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_check_and_history_print_control_characters_as_escapes(site: Site) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    repo = GitRepo(site.root)
    hostile = "C\x1b[2K\rFAKE: all fine"
    site.write(
        "procedures/qp-001.md", document("## Purpose\n\nNew \x1b[8m text.\n", revision=hostile)
    )
    repo.commit("Subject \x1b[31mred\x1b[0m\r", author=("Ann \x1b]0;title\x07", "a@b.example"))
    check = qms(site.root, "check")
    assert check.returncode == 1, check.stderr  # the revision breaks the scheme
    assert "\x1b" not in check.stdout and "\r" not in check.stdout
    assert "C\\x1b[2K\\x0dFAKE" in check.stdout
    history = qms(site.root, "history", "procedures/qp-001.md")
    assert history.returncode == 0, history.stderr
    assert "\x1b" not in history.stdout and "\r" not in history.stdout
    assert "\\x1b[31mred" in history.stdout and "(Ann \\x1b]0;title)" in history.stdout
    diff = qms(site.root, "diff", "QP-001")
    assert diff.returncode == 0, diff.stderr
    assert "\x1b" not in diff.stdout and "\\x1b[8m" in diff.stdout


# --- the spreadsheet ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Plain title", "Plain title"),
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("x;=2+3;", "x;'=2+3;"),
        ("x; -1", "x; '-1"),
        ("a,+b", "a,'+b"),
        ("tab\t=x", "tab\t'=x"),
        ("a-b; c=d", "a-b; c=d"),  # a formula character inside a cell: harmless
    ],
)
def test_csv_cells_never_start_a_formula_at_any_separator(value: str, expected: str) -> None:
    assert _csv_cell(value) == expected
    # However a spreadsheet splits the cell, no part starts like a formula.
    for part in re.split(r"[,;\t]", _csv_cell(value)):
        assert part.lstrip(" ")[:1] not in ("=", "+", "-", "@"), part


def test_the_merge_message_lines_cannot_close_their_code_block() -> None:
    from qms_plugin.core.manual import DocumentSet, Settings
    from qms_plugin.core.report import CheckReport, _merge_message

    docset = DocumentSet(Settings(root=Path("."), today=dt.date(2026, 11, 23)), [], [])
    hostile = "Approved-by: Eve ````\n# Injected heading\n@admins"
    lines = _merge_message(CheckReport(docset, merge_message=[hostile]))
    opening, body, closing = lines[-3], lines[-2], lines[-1]
    assert opening == "`````text" and closing == "`````"  # longer than the text's own run
    assert "\n" not in body and body.startswith("Approved-by: Eve ````")
