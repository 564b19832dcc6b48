"""Our own front-matter parse: YAML traps, line numbers, encodings."""

from __future__ import annotations

import pytest

from qms_plugin.core import frontmatter, yamlread
from qms_plugin.core.schema import DocumentSchema

TEXT_FIELDS = DocumentSchema.load().text_fields()


def parse(text: str) -> frontmatter.FrontMatter:
    return frontmatter.parse(text, "procedures/x.md", TEXT_FIELDS)


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("revision: 1.10", "revision", "1.10"),
        ("revision: 3", "revision", "3"),
        ("revision: 2.0", "revision", "2.0"),
        ("owner: no", "owner", "no"),
        ("title: Yes", "title", "Yes"),
        ("doc_id: QP-075", "doc_id", "QP-075"),
        ("effective_date: 2026-03-01", "effective_date", "2026-03-01"),
        ("iso9001_clauses: [7.5, 8.4, 10]", "iso9001_clauses", ["7.5", "8.4", "10"]),
        ("iso9001_clauses: [7.10]", "iso9001_clauses", ["7.10"]),
        ("review_interval_months: 24", "review_interval_months", 24),
        ("revision: '1.10'", "revision", "1.10"),
        ("approved_by: [Ann, Bob]", "approved_by", ["Ann", "Bob"]),
    ],
)
def test_values_keep_what_was_written(line: str, key: str, expected: object) -> None:
    parsed = parse(f"---\n{line}\n---\nbody\n")
    assert parsed.findings == []
    assert parsed.data[key] == expected


def test_byte_order_mark_and_windows_line_endings() -> None:
    raw = "\ufeff---\r\ndoc_id: QP-001\r\nrevision: 1.10\r\n---\r\n## Purpose\r\n".encode()
    source = frontmatter.decode(raw, "procedures/x.md")
    parsed = parse(source.text)
    assert source.findings == []
    assert parsed.data == {"doc_id": "QP-001", "revision": "1.10"}
    assert parsed.body == "## Purpose\n"
    assert parsed.lines == {"doc_id": 2, "revision": 3}


def test_invalid_yaml_names_the_line_and_keeps_the_body() -> None:
    parsed = parse("---\ndoc_id: QP-001\ntitle: Scope: what we do\n---\n## Purpose\n")
    assert parsed.data == {}
    assert parsed.body == "## Purpose\n"
    [finding] = parsed.findings
    assert finding.line == 3
    assert "not valid YAML" in finding.message
    assert "quoted" in finding.message


def test_unclosed_front_matter_is_reported() -> None:
    parsed = parse("---\ndoc_id: QP-001\n## Purpose\n")
    [finding] = parsed.findings
    assert "never closed" in finding.message
    assert "## Purpose" in parsed.body  # nothing is lost


def test_duplicate_key_is_reported_with_both_lines() -> None:
    parsed = parse("---\nrevision: B\nowner: Ann\nrevision: C\n---\n")
    [finding] = parsed.findings
    assert finding.line == 4
    assert "lines 2 and 4" in finding.message
    assert parsed.data["revision"] == "B"


def test_front_matter_that_is_not_a_mapping() -> None:
    parsed = parse("---\n- a\n- b\n---\n")
    assert "field: value" in parsed.findings[0].message


def test_no_front_matter() -> None:
    parsed = parse("# Just a page\n")
    assert not parsed.present
    assert parsed.findings == []


def test_impossible_date_stays_text_for_the_schema() -> None:
    parsed = parse("---\nnext_review: 2026-13-45\n---\n")
    assert parsed.findings == []
    assert parsed.data["next_review"] == "2026-13-45"


def test_alias_expansion_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    parsed = parse("---\n" + "\n".join(lines) + "\n---\nbody\n")
    assert parsed.data == {}
    assert "too many values" in parsed.findings[0].message
    assert parsed.body == "body\n"


def test_huge_front_matter_is_refused_without_losing_the_body() -> None:
    parsed = parse("---\ntitle: " + "x" * 70_000 + "\n---\nbody\n")
    assert "characters long" in parsed.findings[0].message
    assert parsed.body == "body\n"


def test_file_in_another_encoding_is_shown_and_reported() -> None:
    raw = "---\ntitle: Pr\u00fcfung\n---\nSt\u00fcck\n".encode("cp1252")
    source = frontmatter.decode(raw, "procedures/x.md")
    assert "Pr\u00fcfung" in source.text
    [finding] = source.findings
    assert finding.rule == "encoding"
    assert finding.line == 2
    assert "UTF-8" in finding.message


def test_pure_python_yaml_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "---\nrevision: 1.10\nowner: no\neffective_date: 2026-03-01\nmonths: 24\n---\n"
    fast = parse(text)
    monkeypatch.setattr(yamlread, "YAML_LOADER", yamlread.yaml.SafeLoader)
    slow = parse(text)
    assert (
        slow.data
        == fast.data
        == {
            "revision": "1.10",
            "owner": "no",
            "effective_date": "2026-03-01",
            "months": 24,
        }
    )
    assert slow.lines == fast.lines
