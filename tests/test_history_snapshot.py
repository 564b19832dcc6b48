"""History reads every version's front matter exactly as the documents' parse reads the file
now: the quick reader answers only where it agrees with the full parse (random input)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from qms_plugin.core import frontmatter
from qms_plugin.core.history import SNAPSHOT_KEYS, simple_fields, snapshot_of

KEYS = [*SNAPSHOT_KEYS, "owner", "iso9001_clauses", "related", "yes", "x-y", "<<", "a b", "_k"]
# Characters that mean something to YAML, or that YAML reads differently from Python.
SPECIAL = [
    *"#:'\"-[]{},&*!|>%@`?~ \t\\",
    "\x85",
    "\u2028",
    "\u00a0",
    "\u3000",
    "\x00",
    "\x1b",
    "\x7f",
    "\x1c",
    "\ufeff",
    "\r",
    "é",
    "—",
    "null",
    "yes",
    "1.10",
    "2026-13-45",
    "2026-01-05",
    "*a",
    "&a",
    " #",
    "\t#",
    ": ",
]
words = st.lists(
    st.one_of(st.sampled_from(SPECIAL), st.text("abcQP-0123.", min_size=1, max_size=4)),
    max_size=6,
).map("".join)
values = st.one_of(
    words,
    words.map(lambda w: f"'{w}'"),
    words.map(lambda w: f'"{w}"'),
    st.lists(words, max_size=3).map(lambda ws: "[" + ", ".join(ws) + "]"),
    st.just("7" * 4400),
)
key_lines = st.builds(
    lambda key, sep, value: f"{key}{sep}{value}",
    st.sampled_from(KEYS),
    st.sampled_from([":", ": ", ":  ", ":\t", " : ", ":"]),
    values,
)
item_lines = st.builds(
    lambda indent, value: f"{indent}- {value}", st.sampled_from(["", "  ", " "]), values
)
other_lines = st.sampled_from(
    ["", "# note", "  # indented note", "  nested: x", "---", "... x", "-"]
)
fronts = st.lists(st.one_of(key_lines, key_lines, item_lines, other_lines), max_size=8).map(
    "\n".join
)


def full_parse(text: str) -> frontmatter.FrontMatter:
    return frontmatter.parse(text, "", SNAPSHOT_KEYS)


def wanted(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in SNAPSHOT_KEYS if k in data}


@settings(max_examples=400, deadline=None)
@given(fronts)
def test_the_quick_reader_answers_only_what_the_full_parse_gives(front: str) -> None:
    quick = simple_fields(front)
    if quick is None:
        return
    parsed = full_parse(f"---\n{front}\n---\n")
    assert parsed.findings == []
    assert quick == wanted(parsed.data)


openings = st.sampled_from(["---", "---", "--- ", "---\x1c", "--- x", "----", "# Title"])
closings = st.sampled_from(["---", "...", "--- ", "---\x0c", "---\u3000", "--- x", ""])
endings = st.sampled_from(["\n", "\n", "\r\n", "\r"])
bodies = st.sampled_from(["", "Body text.\n", "## Purpose\n\nSt\u00fcck.\n", "---\nmore\n"])


@st.composite
def files(draw: st.DrawFn) -> bytes:
    lines = [draw(openings), *draw(fronts).split("\n"), draw(closings)]
    text = draw(endings).join(lines) + "\n" + draw(bodies)
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        raw = b"\xef\xbb\xbf" + raw
    if draw(st.integers(0, 4)) == 0:  # a byte that is not UTF-8, in the front or the body
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + b"\xe9" + raw[at:]
    return raw


@settings(max_examples=400, deadline=None)
@given(files())
def test_a_version_is_read_as_the_documents_are_read(raw: bytes) -> None:
    snapshot = snapshot_of(raw)
    parsed = full_parse(frontmatter.decode(raw, "").text)
    assert snapshot.has_front_matter == parsed.present
    assert dict(snapshot.fields) == wanted(parsed.data)
    assert (snapshot.problem is None) == (parsed.findings == [])


def test_a_tab_before_a_comment_ends_the_value() -> None:
    snapshot = snapshot_of(b"---\nrevision: D\t# note\n---\nBody\n")
    assert snapshot.text("revision") == "D"
    assert snapshot.problem is None


def test_a_merge_key_is_a_problem_and_the_other_fields_are_read() -> None:
    snapshot = snapshot_of(b"---\nbase: &b {owner: A}\n<<: *b\nrevision: C\n---\nBody\n")
    assert snapshot.text("revision") == "C"
    assert snapshot.problem is not None and "line 3" in snapshot.problem
    assert "merge key" in snapshot.problem


def test_a_number_too_long_is_a_problem() -> None:
    snapshot = snapshot_of(b"---\nrevision: C\nreview_interval_months: " + b"9" * 5000 + b"\n---\n")
    assert snapshot.text("revision") == "C"
    assert snapshot.problem is not None and "5,000 digits" in snapshot.problem


def test_an_unclosed_front_matter_is_a_problem() -> None:
    snapshot = snapshot_of(b"---\nrevision: C\nBody\n")
    assert snapshot.problem is not None and "never closed" in snapshot.problem


def test_the_usual_versions_take_the_shortcut() -> None:
    front = (
        "doc_id: QP-087\ntitle: 'Control of nonconforming output: scope'\nrevision: G\n"
        "status: effective\napproved_by: Ruth Okafor (Managing Director)\n"
        'iso9001_clauses: ["8.7"]\nrelated: [WI-087-01, F-087-01]\nreview_interval_months: 24\n'
        "approval_date: 2025-06-02\neffective_date: 2025-06-16"
    )
    assert simple_fields(front) == {
        "doc_id": "QP-087",
        "title": "Control of nonconforming output: scope",
        "revision": "G",
        "status": "effective",
        "approved_by": "Ruth Okafor (Managing Director)",
        "approval_date": "2025-06-02",
        "effective_date": "2025-06-16",
    }
