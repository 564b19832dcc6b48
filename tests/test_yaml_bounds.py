"""Every YAML text the plugin reads goes through one safe, bounded reader (``core.yamlread``):
front matter, the organisation's glossary and schema, the packaged data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from mkdocs.exceptions import Abort

from qms_plugin.core import frontmatter, yamlread
from qms_plugin.core.glossary import parse_organisation_glossary
from qms_plugin.core.schema import DocumentSchema, SchemaError
from tests.conftest import Site, document

TEXT_FIELDS = DocumentSchema.load().text_fields()


def parse(text: str) -> frontmatter.FrontMatter:
    return frontmatter.parse(text, "procedures/x.md", TEXT_FIELDS)


def laughs(levels: int, key: str = "a") -> str:
    """YAML whose last alias expands to 10**levels values (a "billion laughs" at 9)."""
    lines = [f"{key}0: &{key}0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"{key}{i}: &{key}{i} [" + ", ".join([f"*{key}{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# --- front matter -------------------------------------------------------------------------------


def test_merge_key_is_a_finding_naming_line_and_field() -> None:
    parsed = parse(
        "---\ndoc_id: QP-001\nbase: &b {owner: Ann}\n<<: *b\ntitle: Calibration\n---\nbody\n"
    )
    [finding] = parsed.findings
    assert finding.line == 4 and finding.rule == "front-matter"
    assert "merge key" in finding.message and "write the fields out" in finding.message
    assert parsed.data["title"] == "Calibration"  # the other fields are still read
    assert parsed.body == "body\n"


def test_merge_key_inside_a_field_names_that_field() -> None:
    parsed = parse("---\nbase: &b {a: 1}\nextra:\n  <<: *b\n  c: 2\n---\n")
    [finding] = parsed.findings
    assert (finding.line, finding.field) == (4, "extra")
    assert "merge key" in finding.message


@pytest.mark.parametrize("field", ["review_interval_months", "x_custom"])
def test_number_too_long_to_read_is_a_finding(field: str) -> None:
    parsed = parse(f"---\ndoc_id: QP-001\n{field}: {'7' * 5000}\n---\n")
    [finding] = parsed.findings
    assert (finding.line, finding.field) == (3, field)
    assert "5,000 digits" in finding.message and "quote it" in finding.message


def test_long_number_in_a_text_field_stays_text() -> None:
    parsed = parse(f"---\nrevision: {'7' * 5000}\n---\n")
    assert parsed.findings == []
    assert parsed.data["revision"] == "7" * 5000


@pytest.mark.parametrize(
    "value",
    ["!!bool maybe", "!!timestamp 'soon'", "!!int ''", "!!float abc", "!custom x", "!!binary 'a'"],
)
def test_values_a_tag_cannot_make_are_findings(value: str) -> None:
    parsed = parse(f"---\ndoc_id: QP-001\nx_custom: {value}\n---\n")
    [finding] = parsed.findings
    assert (finding.line, finding.field, finding.rule) == (3, "x_custom", "front-matter")
    assert parsed.data == {"doc_id": "QP-001"}


def test_tags_never_make_python_objects() -> None:
    parsed = parse("---\nx_custom: !!python/object:os.system {a: 1}\n---\n")
    assert parsed.findings == []
    assert parsed.data == {"x_custom": {"a": 1}}


def test_a_key_that_is_a_list_is_a_finding() -> None:
    parsed = parse("---\n? [a, b]\n: 1\ntitle: T\n---\n")
    assert parsed.data == {"title": "T"}
    [finding] = parsed.findings
    assert finding.line == 2 and "key must be text" in finding.message


def test_deep_nesting_is_a_finding_not_a_recursion_error(monkeypatch: pytest.MonkeyPatch) -> None:
    deep = "x_custom: " + "[" * 200 + "]" * 200
    parsed = parse(f"---\n{deep}\n---\nbody\n")
    assert "levels deep" in parsed.findings[0].message
    monkeypatch.setattr(yamlread, "YAML_LOADER", yaml.SafeLoader)  # the pure-Python composer
    parsed = parse(f"---\n{'x_custom: ' + '[' * 900 + ']' * 900}\n---\nbody\n")
    assert "levels deep" in parsed.findings[0].message and parsed.body == "body\n"


def test_nesting_within_the_limit_is_read() -> None:
    depth = yamlread.MAX_DEPTH - 1
    parsed = parse("---\nx_custom: " + "[" * depth + "1" + "]" * depth + "\n---\n")
    assert parsed.findings == []


def test_aliases_within_the_limit_are_read() -> None:
    parsed = parse("---\n" + laughs(3) + "---\n")  # 1,000 values: fine
    assert parsed.findings == []
    assert len(parsed.data["a2"]) == 10


# --- other YAML files ---------------------------------------------------------------------------


def test_billion_laughs_in_the_glossary_is_a_finding_with_its_line() -> None:
    # 10**6 values unbounded: seconds and hundreds of megabytes; bounded, refused at once.
    text = laughs(6, "g") + "terms: *g5\n"
    parsed = parse_organisation_glossary(text, "glossary.yml")
    [finding] = parsed.findings
    assert finding.rule == "glossary-file" and finding.path == "glossary.yml"
    assert "too many values" in finding.message
    assert finding.line is not None and finding.line <= 7


def test_glossary_merge_keys_still_work() -> None:
    text = textwrap.dedent(
        """\
        shared: &shared
          explanation: A board that decides what happens to nonconforming product.
        terms:
          - term: MRB
            <<: *shared
          - term: Review board
            <<: *shared
            explanation: Our own words.
        """
    )
    assert yamlread.load(text)["terms"][1]["explanation"] == "Our own words."
    assert yamlread.load(text)["terms"][0]["explanation"].startswith("A board")


def test_billion_laughs_in_the_schema_file_is_refused_with_its_line(tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text(laughs(6, "s") + "properties: *s5\n", "utf-8")
    with pytest.raises(SchemaError) as caught:
        DocumentSchema.load(schema)
    message = str(caught.value)
    assert str(schema) in message and "too many values" in message and "line " in message


def test_a_large_file_that_writes_its_values_out_is_read() -> None:
    # Many written values are fine: only what aliases add is bounded.
    items = "".join(f"  - term: T{i}\n    explanation: E{i}\n" for i in range(6000))
    data = yamlread.load("terms:\n" + items)
    assert len(data["terms"]) == 6000


def test_a_build_with_a_hostile_glossary_reports_it(site: Site) -> None:
    site.options["glossary"] = "glossary.yml"
    site.write("glossary.yml", laughs(6, "g") + "terms: *g5\n")
    site.write("procedures/qp-001.md", document())
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("glossary.yml" in w and "too many values" in w for w in site.warnings)
