"""References between documents: reading the Markdown, and the rules on what it names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from qms_plugin.core.changes import DocumentChange, impact
from qms_plugin.core.documents import DEFAULT_ID_PATTERNS, Document, parse_document
from qms_plugin.core.manual import DocumentSet
from qms_plugin.core.references import References, id_pattern, read_prose
from qms_plugin.core.schema import DocumentSchema
from tests.conftest import document
from tests.test_documents_and_rules import load

SCHEMA = DocumentSchema.load(None)
PATTERN = id_pattern(DEFAULT_ID_PATTERNS)


def doc(path: str = "procedures/qp-001.md", body: str = "Text.\n", **fields: Any) -> Document:
    parsed = parse_document(
        document(body, **fields).encode("utf-8"), path, path, SCHEMA, SCHEMA.text_fields()
    )
    assert parsed is not None
    return parsed


def mentions(body: str) -> list[str]:
    return [name for _, name in read_prose(body, 1, PATTERN).mentions]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("See QP-075.", ["QP-075"]),
        ("(QP-075) and QP-075's scope", ["QP-075", "QP-075"]),
        ("WI-085-03 and F-087-01", ["WI-085-03", "F-087-01"]),
        ("QP-075\u2013QP-080", ["QP-075", "QP-080"]),  # an en dash between two IDs
        ("XQP-075, QP-0755, QP-075-9, QP-075x, qp-075", []),  # not whole IDs of our shapes
        ("WI-085", []),  # a work instruction has two numbers
        ("EXT-001 is ISO 9001", ["EXT-001"]),
        ("KPE-M-0142 is a gauge number", []),
    ],
)
def test_an_id_is_a_whole_token_of_a_configured_shape(text: str, found: list[str]) -> None:
    assert mentions(text) == found


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("Use `QP-075` here.", []),  # inline code
        ("Use ``x `QP-075` y`` here.", []),
        ("```\nQP-075\n```\nQP-076", ["QP-076"]),  # fenced code, then prose
        ("~~~~\n```\nQP-075\n```\n~~~~\nQP-076", ["QP-076"]),  # a longer fence holds a shorter
        ("# About QP-075\n\nQP-076", ["QP-076"]),  # ATX heading
        ("About QP-075\n---\n\nQP-076", ["QP-076"]),  # setext heading
        ("About QP-075\n===", []),
        ("[QP-075](qp-075.md) and [the form F-001-01][f]", []),  # link text is not a mention
        ("![QP-075 diagram](img.png)", []),
        ('<a href="x">QP-075</a> <span>QP-076</span>', ["QP-076"]),  # raw HTML link
        ("<!-- QP-075 -->QP-076", ["QP-076"]),
        ("<!--\nQP-075\n-->\nQP-076", ["QP-076"]),  # a comment over lines
        ('!!! note "QP-075"\n    QP-076', ["QP-076"]),  # admonition title
        ("| QP-075 | text |\n|---|---|\n| a | QP-076 |", ["QP-075", "QP-076"]),  # tables are prose
        ("Text {: #QP-075 }", []),  # attribute list
    ],
)
def test_mentions_are_read_from_prose_only(body: str, found: list[str]) -> None:
    assert mentions(body) == found


def test_mentions_and_links_carry_their_line_in_the_file() -> None:
    prose = read_prose("Intro.\n\nSee QP-002 and [form](../f.md).\n\n[r]: wi.md\n", 10, PATTERN)
    assert prose.mentions == ((12, "QP-002"),)
    assert prose.links == ((12, "../f.md"), (14, "wi.md"))


def test_references_name_every_way_once() -> None:
    source = doc(
        body="See QP-002, [QP-002](qp-002.md) and QP-003.\n\nQP-001 is this one.\n",
        related=["QP-002"],
        records=[{"name": "Log", "form": "F-001-01"}],
    )
    target = doc("procedures/qp-002.md", doc_id="QP-002")
    form = doc("procedures/f-001-01.md", doc_id="F-001-01", type="form")
    references = References([source, target, form])
    named = references.named_by(source)
    assert {k: v.ways for k, v in named.items()} == {
        "QP-002": ("related", "link", "text"),
        "F-001-01": ("record",),
        "QP-003": ("text",),
    }
    assert [(d.doc_id, n.ways) for d, n in references.referencing("QP-002")] == [
        ("QP-001", ("related", "link", "text"))
    ]


def test_impact_uses_the_same_references() -> None:
    changed = doc("procedures/f-001-01.md", doc_id="F-001-01", type="form")
    user = doc(body="Fill in F-001-01.\n")
    keeper = doc(
        "procedures/qp-002.md",
        doc_id="QP-002",
        records=[{"name": "Log", "form": "F-001-01"}],
    )
    [item] = impact([DocumentChange(changed, changed)], [changed, user, keeper])
    assert [(r.doc.doc_id, r.via) for r in item.referenced_by] == [
        ("QP-001", ("text",)),
        ("QP-002", ("record",)),
    ]


TODAY = dt.date(2026, 11, 23)


def findings(docset: DocumentSet, *rules: str) -> list[str]:
    return [f"{f.doc_id}:{f.line}:{f.message}" for f in docset.findings if f.rule in rules]


def test_an_unknown_id_in_the_text_is_reported_with_its_line(tmp_path: Path) -> None:
    docset = load(tmp_path, {"qp-001.md": document("## Purpose\n\nAs in QP-404.\n")})
    [finding] = [f for f in docset.findings if f.rule == "unknown-reference"]
    assert finding.line == docset.documents[0].body_start_line + 3
    assert "names QP-404" in finding.message and "write it as code" in finding.message
    quiet = load(tmp_path, {"qp-001.md": document("## Purpose\n\nAs in `QP-404`.\n")})
    assert findings(quiet, "unknown-reference") == []


SUPERSEDED = document(
    doc_id="QP-002",
    status="superseded",
    superseded_by="QP-003",
    title="Old way",
)
OBSOLETE = document(
    doc_id="QP-004",
    status="obsolete",
    obsolete_reason="Folded into QP-005.",
    title="Gone",
)


@pytest.mark.parametrize(
    ("fields", "body", "expected"),
    [
        ({}, "Follow QP-002.\n", "names QP-002 in the text, but QP-002 is superseded"),
        ({}, "Follow [the old way](qp-002.md).\n", "in a link"),
        ({"related": ["QP-002"]}, "Text.\n", "in related"),
        ({}, "Follow QP-004.\n", "QP-004 is obsolete"),
        ({}, "Follow `QP-002`.\n", None),  # code is not a reference
        ({"supersedes": ["QP-002"]}, "Replaces QP-002.\n", None),  # the successor may say so
        ({"status": "obsolete", "obsolete_reason": "x"}, "Follow QP-002.\n", None),  # history
        ({"doc_id": "QP-003"}, "Replaces QP-002.\n", None),  # named as the successor
        ({"doc_id": "QP-005"}, "Took over from QP-004.\n", None),  # its reason names this one
    ],
)
def test_a_document_in_use_does_not_send_staff_to_a_withdrawn_one(
    tmp_path: Path, fields: dict[str, Any], body: str, expected: str | None
) -> None:
    files = {
        "qp-002.md": SUPERSEDED,
        "qp-004.md": OBSOLETE,
        "qp-003.md": document(doc_id="QP-003"),
        "qp-005.md": document(doc_id="QP-005"),
    }
    name = f"{str(fields.get('doc_id', 'QP-001')).lower()}.md"
    files[name] = document(body, **fields)
    found = findings(load(tmp_path, files), "withdrawn-reference")
    if expected is None:
        assert found == []
    else:
        [message] = found
        assert expected in message
        assert ("name its successor QP-003" in message) or ("no successor" in message)
