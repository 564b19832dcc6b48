"""Change-control rules on pairs of documents (before and after), as tables of cases."""

from __future__ import annotations

from typing import Any

import pytest

from qms_plugin.core.changes import (
    ChangeContext,
    DocumentChange,
    impact,
    linked_paths,
    pair_documents,
    run_change_rules,
)
from qms_plugin.core.documents import Document, parse_document
from qms_plugin.core.history import Person
from qms_plugin.core.revision import get_scheme
from qms_plugin.core.schema import DocumentSchema
from tests.conftest import document

SCHEMA = DocumentSchema.load()
BODY = "## Purpose\n\nSome text.\n"
EDITED = "## Purpose\n\nSome better text.\n"
RUTH = Person("Ruth Okafor", "ruth@kestrel.example")


def doc(path: str = "procedures/qp-001.md", body: str = BODY, **fields: Any) -> Document:
    parsed = parse_document(
        document(body, **fields).encode("utf-8"), path, path, SCHEMA, SCHEMA.text_fields()
    )
    assert parsed is not None
    return parsed


def findings(
    old: Document | None, new: Document | None, scheme: str = "letters", **context: Any
) -> list[tuple[str, str]]:
    changes = pair_documents([old] if old else [], [new] if new else [])
    chosen = get_scheme(scheme, r"v([0-9]+)", "v1") if scheme == "custom" else get_scheme(scheme)
    ctx = ChangeContext(scheme=chosen, base="main", **context)
    return [(f.rule, f.message) for f in run_change_rules(changes, ctx)]


def rules(found: list[tuple[str, str]]) -> list[str]:
    return [rule for rule, _ in found]


# (before, after, rule or None, words in the message); "body" in after means the text changed.
NEXT_REVISION: dict[str, Any] = {
    "revision": "C",
    "change_summary": "Clarified the purpose.",
    "status": "in_review",
    "approved_by": None,
    "approval_date": None,
    "effective_date": None,
}


NEW_APPROVAL: dict[str, Any] = {
    "status": "effective",
    "approved_by": "Tomasz Nowak (Quality Manager)",
    "approval_date": "2026-03-02",
    "effective_date": "2026-03-16",
}


@pytest.mark.parametrize(
    ("before", "after", "context", "rule", "words"),
    [
        # revision-not-bumped
        ({}, {"body": EDITED}, {}, "revision-not-bumped", "set revision to C"),
        ({}, {"body": EDITED, **NEXT_REVISION}, {}, None, ""),
        ({}, {"body": EDITED}, {"editorial": ("typo",)}, None, ""),
        ({"status": "draft"}, {"body": EDITED, "status": "draft"}, {}, None, ""),
        ({"status": "in_review"}, {"body": EDITED, "status": "draft"}, {}, None, ""),
        (
            {"status": "superseded", "superseded_by": "QP-002"},
            {"body": EDITED},
            {},
            "revision-not-bumped",
            "published (superseded)",
        ),
        ({}, {"change_summary": "Reworded."}, {}, None, ""),
        # revision-skipped / revision-backwards
        ({}, {**NEXT_REVISION, "revision": "E"}, {}, "revision-skipped", "after B is C"),
        ({}, {**NEXT_REVISION, "revision": "A"}, {}, "revision-backwards", "went back"),
        ({"revision": "H"}, {**NEXT_REVISION, "revision": "J"}, {}, None, ""),
        ({"revision": "H"}, {**NEXT_REVISION, "revision": "K"}, {}, "revision-skipped", "is J"),
        ({"revision": "Y"}, {**NEXT_REVISION, "revision": "AA"}, {}, None, ""),
        # change-summary-unchanged
        (
            {},
            {**NEXT_REVISION, "change_summary": "First issue."},
            {},
            "change-summary-unchanged",
            "is the one of revision B",
        ),
        (
            {},
            {**NEXT_REVISION, "change_summary": None},
            {},
            "change-summary-unchanged",
            "is missing",
        ),
        # status-transition
        ({}, {"status": "draft"}, {}, "status-transition", "back from effective to draft"),
        ({}, {"status": "approved"}, {}, "status-transition", "start revision C"),
        (
            {"status": "obsolete", "obsolete_reason": "Gone."},
            {"status": "effective"},
            {},
            "status-transition",
            "from obsolete to effective",
        ),
        ({"status": "in_review", "approved_by": None}, {"status": "draft"}, {}, None, ""),
        ({"status": "draft"}, {"status": "in_review"}, {}, None, ""),
        ({"status": "approved"}, {"status": "effective"}, {}, None, ""),
        ({}, {"status": "obsolete", "obsolete_reason": "Work moved out."}, {}, None, ""),
        ({}, {"status": "superseded", "superseded_by": "QP-002"}, {}, None, ""),
        ({}, {**NEXT_REVISION, "status": "draft"}, {}, None, ""),
        # approval-carried-over
        (
            {},
            {**NEXT_REVISION, "status": "effective", "effective_date": "2026-01-12"},
            {},
            "approval-carried-over",
            "effective date of revision B",
        ),
        (
            {},
            {**NEXT_REVISION, **NEW_APPROVAL},
            {},
            None,
            "",
        ),
        # self-approval
        (
            {},
            {**NEXT_REVISION, "status": "approved", "approved_by": "Ruth Okafor (MD)"},
            {"authors": (RUTH,)},
            "self-approval",
            "names Ruth Okafor (MD), who is an author of this change",
        ),
        (
            {},
            {"approved_by": ["Tomasz Nowak", "Someone <RUTH@kestrel.example>"]},
            {"authors": (RUTH,)},
            "self-approval",
            "Someone <RUTH@kestrel.example>",
        ),
        (
            {},
            {**NEXT_REVISION, "status": "approved", "approved_by": "Tomasz Nowak (QM)"},
            {"authors": (RUTH,)},
            None,
            "",
        ),
        # An approval given earlier is not this change's approval.
        (
            {"approved_by": "Ruth Okafor"},
            {"approved_by": "Ruth Okafor", "status": "obsolete", "obsolete_reason": "Gone."},
            {"authors": (RUTH,)},
            None,
            "",
        ),
    ],
)
def test_change_rules(
    before: dict[str, Any],
    after: dict[str, Any],
    context: dict[str, Any],
    rule: str | None,
    words: str,
) -> None:
    after = {**before, **after}
    body = after.pop("body", BODY)
    found = findings(doc(**before), doc(body=body, **after), **context)
    if rule is None:
        assert found == []
    else:
        assert rules(found) == [rule], found
        assert words in found[0][1]


@pytest.mark.parametrize(
    ("scheme", "old", "new", "rule"),
    [
        ("letters", "C", "D", None),
        ("letters", "C", "E", "revision-skipped"),
        ("letters", "N", "P", None),
        ("integer", "3", "4", None),
        ("integer", "3", "5", "revision-skipped"),
        ("integer", "3", "2", "revision-backwards"),
        ("major.minor", "1.2", "1.3", None),
        ("major.minor", "1.2", "2.0", None),
        ("major.minor", "1.9", "1.10", None),
        ("major.minor", "1.2", "1.4", "revision-skipped"),
        ("major.minor", "1.2", "2.1", "revision-skipped"),
        ("major.minor", "1.10", "1.9", "revision-backwards"),
        ("major.minor", "1.2", "1.2", "revision-not-bumped"),
        ("dotted", "1.0.3", "1.0.4", None),
        ("dotted", "1.0.3", "1.1.0", None),
        ("dotted", "1.0.3", "2.0.0", None),
        ("dotted", "1.0.3", "1.0.5", "revision-skipped"),
        ("dotted", "1.0.3", "1.1.1", "revision-skipped"),
        ("dotted", "1.0.3", "1.0", "revision-backwards"),
        ("custom", "v2", "v3", None),
        ("custom", "v2", "v7", None),  # a custom scheme knows the order, not the steps
        ("custom", "v10", "v9", "revision-backwards"),
    ],
)
def test_each_revision_scheme(scheme: str, old: str, new: str, rule: str | None) -> None:
    after = {**NEXT_REVISION, **NEW_APPROVAL, "revision": new}
    found = findings(doc(revision=old), doc(body=EDITED, **after), scheme=scheme)
    assert rules(found) == ([rule] if rule else []), found


def test_scheme_successors_and_first() -> None:
    assert get_scheme("letters").successors("H") == ("J",)
    assert get_scheme("major.minor").successors("1.9") == ("1.10", "2.0")
    assert [get_scheme(s).first for s in ("letters", "integer", "major.minor")] == [
        "A",
        "1",
        "1.0",
    ]


def test_new_deleted_renamed_and_reused() -> None:
    kept = doc("procedures/qp-001.md")
    gone = doc("procedures/qp-002.md", doc_id="QP-002")
    moved_old = doc("procedures/qp-003.md", doc_id="QP-003")
    moved_new = doc("procedures/done/qp-003.md", doc_id="QP-003")
    added = doc("procedures/qp-004.md", doc_id="QP-004")
    changes = pair_documents([kept, gone, moved_old], [kept, moved_new, added])
    assert [(c.doc_id, c.kind) for c in changes] == [
        ("QP-003", "renamed"),
        ("QP-002", "deleted"),
        ("QP-004", "added"),
    ]
    context = ChangeContext(
        scheme=get_scheme("letters"),
        ids_ever_used={"QP-004": "procedures/old/qp-004.md"},
        base="main",
    )
    found = run_change_rules(changes, context)
    assert [(f.rule, f.doc_id, f.path) for f in found] == [
        ("document-renamed", "QP-003", "procedures/done/qp-003.md"),
        ("document-deleted", "QP-002", "procedures/qp-002.md"),
        ("id-reused", "QP-004", "procedures/qp-004.md"),
    ]
    assert "Document-moved: QP-003" in found[0].message
    assert "status: obsolete" in found[1].message and found[1].line is None
    assert "procedures/old/qp-004.md" in found[2].message
    assert found[2].line == 2  # the doc_id line

    accepted = ChangeContext(scheme=get_scheme("letters"), moved=("QP-003, QP-009",))
    assert rules([(f.rule, f.message) for f in run_change_rules(changes, accepted)]) == [
        "document-deleted"
    ]


@pytest.mark.parametrize(
    ("fields", "reported"),
    [
        ({"status": "effective"}, True),
        ({"status": "obsolete", "obsolete_reason": "Gone."}, True),
        ({"status": "draft", "revision": "A"}, False),  # a first draft, never in force
        ({"status": "in_review", "revision": "A"}, False),
        ({"status": "draft", "revision": "C"}, True),  # revision B of it is in force
    ],
)
def test_deleting_a_document(fields: dict[str, Any], reported: bool) -> None:
    found = findings(doc(**fields), None)
    assert rules(found) == (["document-deleted"] if reported else [])


def test_unchanged_documents_are_not_changes_and_broken_ones_are_not_deletions() -> None:
    same = doc()
    assert pair_documents([same], [doc()]) == []
    broken = parse_document(b"---\ndoc_id: [\n---\n", same.path, same.path, SCHEMA, frozenset())
    assert broken is not None
    assert pair_documents([same], [broken]) == []


def test_a_duplicated_id_pairs_the_file_at_the_old_path() -> None:
    old = doc("procedures/qp-001.md")
    copy = doc("procedures/a-copy.md")
    changes = pair_documents([old], [copy, doc("procedures/qp-001.md", body=EDITED)])
    assert [(c.kind, c.path) for c in changes] == [
        ("added", "procedures/a-copy.md"),
        ("modified", "procedures/qp-001.md"),
    ]


@pytest.mark.parametrize(
    ("approver", "author", "same"),
    [
        ("Ruth Okafor (Managing Director)", RUTH, True),
        ("  ruth   OKAFOR ", RUTH, True),
        ("R. Okafor <ruth@kestrel.example>", RUTH, True),
        ("ruth@kestrel.example", RUTH, True),
        ("Ruth Okafor-Smith", RUTH, False),
        ("Tomasz Nowak (Quality Manager)", RUTH, False),
        ("Managing Director", Person("Managing Director", ""), True),
        ("(Managing Director)", Person("", ""), False),
    ],
)
def test_an_approved_by_entry_names_a_person(approver: str, author: Person, same: bool) -> None:
    assert author.is_named_by(approver) is same


def test_line_endings_alone_do_not_change_the_body() -> None:
    old = doc(body="## Purpose\n\nText.\n")
    crlf = document("## Purpose\n\nText.\n").replace("\n", "\r\n").encode("utf-8")
    new = parse_document(crlf, old.path, old.src_uri, SCHEMA, SCHEMA.text_fields())
    assert new is not None
    assert DocumentChange(old, new).body_changed is False
    assert pair_documents([old], [new]) == []


def test_links_and_impact() -> None:
    changed = doc(
        "procedures/qp/qp-001.md",
        body=(
            "See [the form](../forms/f-001-01.md#part-1), [the web](https://example.com), "
            "[top](#purpose) and [ref].\n\n[ref]: ../wi/wi-001-01.md\n\n"
            "```\n[not a link](../forms/f-999-01.md)\n```\n"
        ),
        related=["QP-002"],
    )
    form = doc("procedures/forms/f-001-01.md", doc_id="F-001-01", type="form")
    wi = doc(
        "procedures/wi/wi-001-01.md",
        doc_id="WI-001-01",
        type="work_instruction",
        related=["QP-001"],
    )
    other = doc("procedures/qp/qp-002.md", doc_id="QP-002", body="[x](qp-001.md)\n")
    assert linked_paths(changed) == {
        "procedures/forms/f-001-01.md",
        "procedures/wi/wi-001-01.md",
    }
    old = doc("procedures/qp/qp-001.md")
    [item] = impact([DocumentChange(old, changed)], [changed, form, wi, other])
    assert [(r.doc.doc_id, r.via) for r in item.references] == [
        ("F-001-01", ("link",)),
        ("QP-002", ("related",)),
        ("WI-001-01", ("link",)),
    ]
    assert [(r.doc.doc_id, r.via) for r in item.referenced_by] == [
        ("WI-001-01", ("related",)),
        ("QP-002", ("link",)),
    ]
