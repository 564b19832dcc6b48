"""Redlines over rendered text: blocks aligned, then words; every word accounted for."""

from __future__ import annotations

import html

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qms_plugin.core.redline import (
    CELL,
    DELETED,
    INSERTED,
    KEPT,
    blocks_of,
    compare_fields,
    markdown_text,
    redline,
    to_html,
    to_markdown,
    to_text,
    words_of,
)

EXTENSIONS = ["tables", "toc", "admonition", "attr_list"]


def render(text: str) -> str:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={"toc": {"permalink": True}})
    return md.convert(text)


def test_words_come_from_the_rendered_text_not_the_markdown() -> None:
    html = render("## Purpose\n\n*Keep* the **gauges** [calibrated](x.md).\n\n1. one\n2. two\n")
    assert words_of(html) == ["Purpose", "Keep", "the", "gauges", "calibrated.", "one", "two"]


def test_a_table_row_is_one_block_with_its_cells() -> None:
    html = render("| Record | Kept |\n|---|---|\n| NCR | 6 years |\n")
    blocks = blocks_of(html)
    assert [b.kind for b in blocks] == ["tr", "tr"]
    assert blocks[1].words == ("NCR", CELL, "6", "years")


def test_a_nested_list_item_is_a_block_of_its_own() -> None:
    html = render("- outer\n    - inner\n- next\n")
    assert [(b.kind, b.words) for b in blocks_of(html)] == [
        ("li", ("outer",)),
        ("li", ("inner",)),
        ("li", ("next",)),
    ]


def test_changed_words_inside_a_paragraph() -> None:
    old = render("Calibrate every 12 months.\n")
    new = render("Calibrate every 6 months.\n")
    result = redline(old, new, "C", "D")
    [block] = result.blocks
    assert block.status == "changed"
    assert list(block.words(DELETED)) == ["12"]
    assert list(block.words(INSERTED)) == ["6"]
    assert result.counts() == (1, 1)


def test_unchanged_text_is_no_change() -> None:
    html = render("## A\n\nSame text.\n")
    result = redline(html, render("## A\n\nSame   text.\n"), "A", "B")
    assert not result.changed
    assert {b.status for b in result.blocks} == {KEPT}


def test_a_rewritten_paragraph_is_deleted_and_inserted_not_matched_word_by_word() -> None:
    old = render("Intro.\n\nThe operator checks the gauge before use.\n")
    new = render("Intro.\n\nSuppliers are scored each quarter on delivery.\n")
    statuses = [b.status for b in redline(old, new, "A", "B").blocks]
    assert statuses == [KEPT, INSERTED, DELETED] or statuses == [KEPT, DELETED, INSERTED]


def test_an_inserted_block_between_kept_ones() -> None:
    old = render("One.\n\nThree.\n")
    new = render("One.\n\nTwo.\n\nThree.\n")
    assert [b.status for b in redline(old, new, "A", "B").blocks] == [KEPT, INSERTED, KEPT]


def test_html_in_the_documents_is_escaped_in_every_rendering() -> None:
    old = render("Plain.\n")
    new = render("Plain `<script>alert(1)</script>` and &lt;img src=x onerror=y&gt;.\n")
    result = redline(old, new, "A", "B")
    out = to_html(result)
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out
    md = to_markdown(result)
    assert "<script" not in md and "<img" not in md


def test_markdown_output_cannot_mention_link_or_format() -> None:
    hostile = "# head @team **bold** [x](https://e.example) ![i](y) | cell <b>b</b> _u_"
    text = markdown_text(hostile)
    assert "@" not in text  # no @-mention, whatever the Markdown flavour
    rendered = markdown.markdown(text, extensions=["tables"])
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    assert "<" not in rendered[3:-4]  # no element: no link, image, emphasis or heading
    # The reader sees the text as written (word joiners, invisible, break GitHub's mentions and
    # links, which it makes from the rendered text).
    assert html.unescape(rendered[3:-4]).replace("\u2060", "") == hostile


def test_compact_output_leaves_out_distant_unchanged_blocks() -> None:
    old = render("\n\n".join(f"Paragraph {n}." for n in range(10)) + "\n")
    new = old.replace("Paragraph 5.", "Paragraph five.")
    text = to_text(redline(old, new, "A", "B"), compact=True)
    assert "Paragraph 0." not in text and "…" in text
    assert "Paragraph 4." in text and "Paragraph 6." in text
    assert "[-5.-] {+five.+}" in text
    full = to_text(redline(old, new, "A", "B"), compact=False)
    assert "Paragraph 0." in full and "…" not in full


def test_changed_fields_are_listed_in_reading_order() -> None:
    changes = compare_fields(
        {"revision": "C", "status": "effective", "related": ["QP-1"], "owner": "Ann"},
        {"revision": "D", "status": "approved", "related": ["QP-1", "QP-2"], "owner": "Ann"},
    )
    assert [(c.name, c.old, c.new) for c in changes] == [
        ("revision", "C", "D"),
        ("status", "effective", "approved"),
        ("related", "QP-1", "QP-1, QP-2"),
    ]


# --- the property: kept + inserted words are the new text, kept + deleted the old ----------

WORDS = st.sampled_from(
    ["gauge", "calibrate", "the", "record", "12", "6", "months", "shall", "NCR", "a", "of"]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["p", "h2", "ul", "table"]))
        if kind == "p":
            parts.append(draw(SENTENCE))
        elif kind == "h2":
            parts.append("## " + draw(SENTENCE))
        elif kind == "ul":
            items = draw(st.lists(SENTENCE, min_size=1, max_size=3))
            parts.append("\n".join(f"- {item}" for item in items))
        else:
            rows = draw(st.lists(st.tuples(SENTENCE, SENTENCE), min_size=1, max_size=3))
            lines = ["| Name | Value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), documents())
def test_redline_accounts_for_every_word_of_both_revisions(old_md: str, new_md: str) -> None:
    old, new = render(old_md), render(new_md)
    result = redline(old, new, "A", "B")
    assert [w for b in result.blocks for w in b.words(KEPT, INSERTED)] == words_of(new)
    assert [w for b in result.blocks for w in b.words(KEPT, DELETED)] == words_of(old)
    if blocks_of(old) == blocks_of(new):
        assert not result.changed
