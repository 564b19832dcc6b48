"""Who may approve: the approver is not the owner, the approval-authority matrix (with roles)
is checked against approved_by and against the Approved-by trailers in Git; and a document in
force has text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from qms_plugin.cli import main
from qms_plugin.core.approval import (
    ApprovalConfigError,
    AuthorityRule,
    Roles,
    parse_authority,
    parse_policy,
)
from qms_plugin.core.history import Person
from tests.conftest import Site, document
from tests.gitrepo import GitRepo
from tests.test_check_base import CONTROLLER, config

RUTH = "Ruth Okafor <ruth.okafor@kestrel.example>"
TOM = "Tomasz Nowak <tomasz.nowak@kestrel.example>"
ROLES = {"Managing Director": [RUTH], "Quality Manager": [TOM]}


def manual(
    tmp_path: Path, options: dict[str, Any], files: dict[str, str], message: str = "The manual"
) -> GitRepo:
    repo = GitRepo(tmp_path / "manual")
    settings = yaml.safe_load(config())
    settings["plugins"][1]["qms"].update(options)
    repo.write("mkdocs.yml", yaml.safe_dump(settings))
    repo.write("docs/index.md", "# Home\n")
    for path, text in files.items():
        repo.write(path, text)
    repo.commit(message, author=CONTROLLER)
    return repo


def check(repo: GitRepo) -> tuple[int, list[tuple[str, str]], str]:
    result = CliRunner().invoke(
        main, ["check", "-f", str(repo.path / "mkdocs.yml"), "--format", "json"]
    )
    if result.exit_code == 2:
        return 2, [], result.output
    report = json.loads(result.output)
    return result.exit_code, [(f["rule"], f["message"]) for f in report["findings"]], ""


# --- approver-is-owner ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "approved_by", "roles", "owner_rule"),
    [
        ("Tomasz Nowak (Quality Manager)", "Ruth Okafor (Managing Director)", {}, False),
        ("Tomasz Nowak (Quality Manager)", "tomasz nowak", {}, True),
        ("Tomasz Nowak (Quality Manager)", "Tomasz Nowak (Quality Manager)", {}, True),
        # a role as owner: whoever signs in that role is the owner
        ("Quality Manager", "Tomasz Nowak (Quality Manager)", {}, True),
        ("Quality Manager", "Tomasz Nowak", ROLES, True),
        ("Quality Manager", "Ruth Okafor (Managing Director)", ROLES, False),
        # two people in one role are still two people
        ("Anna Lee (Quality Manager)", "Tomasz Nowak (Quality Manager)", {}, False),
    ],
)
def test_the_approver_is_not_the_owner(
    tmp_path: Path, owner: str, approved_by: str, roles: dict[str, list[str]], owner_rule: bool
) -> None:
    doc = document(owner=owner, approved_by=approved_by)
    repo = manual(tmp_path, {"roles": roles}, {"procedures/qp-001.md": doc})
    code, found, _ = check(repo)
    assert [r for r, _ in found] == (["approver-is-owner"] if owner_rule else [])
    assert code == (1 if owner_rule else 0)
    if owner_rule:
        assert found[0][1].startswith(f"approved_by names {approved_by}, who is the document's")
        assert "approver_is_owner: off" in found[0][1]


def test_approver_is_owner_can_be_switched_off(tmp_path: Path) -> None:
    doc = document(owner="Tomasz Nowak", approved_by="Tomasz Nowak")
    repo = manual(tmp_path, {"approver_is_owner": "off"}, {"procedures/qp-001.md": doc})
    assert check(repo)[:2] == (0, [])


def test_the_owner_approving_in_git_is_reported(tmp_path: Path) -> None:
    doc = document(owner="Tomasz Nowak (Quality Manager)", approved_by="Ruth Okafor")
    files = {"procedures/qp-001.md": doc}
    message = f"QP-001 revision B\n\nApproved-by: {RUTH}\nApproved-by: {TOM}"
    repo = manual(tmp_path, {}, files, message)
    _, found, _ = check(repo)
    assert [r for r, _ in found] == ["approver-is-owner"]
    assert f"Git records revision B as approved by {TOM}" in found[0][1]


def test_one_merge_can_carry_the_approvers_of_several_documents(tmp_path: Path) -> None:
    # Tomasz approves QP-002 (Ruth's) and Ruth approves QP-001 (Tomasz's) in one merge: each
    # trailer belongs to the document that names its person, so nobody approved their own.
    files = {
        "procedures/qp-001.md": document(
            owner="Tomasz Nowak (Quality Manager)", approved_by="Ruth Okafor"
        ),
        "procedures/qp-002.md": document(
            doc_id="QP-002", owner="Ruth Okafor", approved_by="Tomasz Nowak"
        ),
    }
    message = f"Two documents\n\nApproved-by: {RUTH}\nApproved-by: {TOM}"
    assert check(manual(tmp_path / "a", {}, files, message))[:2] == (0, [])
    # A trailer that no document of the merge names is still read as approving each of them.
    outsider = "Priya Shah <priya@kestrel.example>"
    matrix = [{"approvers": ["Managing Director", "Quality Manager"]}]
    options = {"roles": ROLES, "approval_authority": matrix}
    extra = f"{message}\nApproved-by: {outsider}"
    _, found, _ = check(manual(tmp_path / "b", options, files, extra))
    assert [r for r, _ in found] == ["approval-authority", "approval-authority"]


# --- the approval-authority matrix -------------------------------------------------------------

MATRIX = [
    {"approvers": ["Managing Director"]},
    {"type": ["work_instruction", "form"], "approvers": ["Quality Manager", "Gareth Evans"]},
    {"folder": "calibration", "clause": "7.1.5", "approvers": ["Quality Manager"]},
]


def _doc(**fields: Any) -> Any:
    from qms_plugin.core.documents import parse_document
    from qms_plugin.core.schema import DocumentSchema

    schema = DocumentSchema.load()
    path = fields.pop("path", "procedures/qp-001.md")
    parsed = parse_document(document(**fields).encode(), path, path, schema, schema.text_fields())
    assert parsed is not None
    return parsed


@pytest.mark.parametrize(
    ("fields", "folder_path", "entry"),
    [
        ({}, "qp-001.md", 1),  # the catch-all entry
        ({"doc_id": "WI-001-01", "type": "work_instruction"}, "wi-001-01.md", 2),
        # the last matching entry decides (CODEOWNERS-like)
        ({"iso9001_clauses": ["7.1.5.1"]}, "calibration/qp-001.md", 3),
        ({"iso9001_clauses": ["7.1"]}, "calibration/qp-001.md", 1),  # 7.1 is not 7.1.5
        ({"iso9001_clauses": ["7.1.5"]}, "calibrations/qp-001.md", 1),  # another folder
    ],
)
def test_the_last_matching_entry_decides(
    fields: dict[str, Any], folder_path: str, entry: int
) -> None:
    policy = parse_policy(ROLES, MATRIX)
    rule = policy.rule_for(_doc(**fields), folder_path)
    assert rule is not None and rule.number == entry


@pytest.mark.parametrize(
    ("approvers", "text", "allowed"),
    [
        (["Managing Director"], "Ruth Okafor", True),  # holds the role
        (["Managing Director"], "Ruth Okafor (Managing Director)", True),
        (["Managing Director"], "Bob Smith (Managing Director)", False),  # claims a held role
        (["Managing Director"], "Managing Director", True),  # the role itself
        (["Managing Director"], "Tomasz Nowak", False),
        (["Gareth Evans"], "Gareth Evans (Production Manager)", True),  # a person by name
        (["Production Manager"], "Gareth Evans (Production Manager)", True),  # role not in roles
        (["Production Manager"], "Gareth Evans", False),  # nothing says he holds it
    ],
)
def test_who_approved_by_may_name(approvers: list[str], text: str, allowed: bool) -> None:
    policy = parse_policy(ROLES, [])
    assert policy.may_approve(AuthorityRule(tuple(approvers)), text) is allowed


@pytest.mark.parametrize(
    ("approvers", "person", "allowed"),
    [
        (["Managing Director"], RUTH, True),
        (["Managing Director"], "Ruth Okafor <ruth@home.example>", True),  # same name
        (["Managing Director"], TOM, False),
        (["Production Manager"], "Gareth Evans <gareth@kestrel.example>", False),
        (["gareth@kestrel.example"], "G. Evans <gareth@kestrel.example>", True),
    ],
)
def test_who_an_approved_by_trailer_may_name(
    approvers: list[str], person: str, allowed: bool
) -> None:
    policy = parse_policy(ROLES, [])
    rule = AuthorityRule(tuple(approvers))
    assert policy.may_approve_person(rule, Person.parse(person)) is allowed


def test_roles_and_people() -> None:
    roles = Roles({"Quality Manager": ("Tomasz Nowak <tomasz.nowak@kestrel.example>",)})
    assert roles.role("quality  manager") == "Quality Manager"
    assert roles.role("Tomasz Nowak (Quality Manager)") is None
    assert roles.names("Quality Manager", Person("T. Nowak", "TOMASZ.NOWAK@kestrel.example"))


def test_approved_by_outside_the_matrix_is_reported(tmp_path: Path) -> None:
    files = {
        "procedures/qp-001.md": document(
            owner="Helen Marsh", approved_by="Tomasz Nowak (Quality Manager)"
        ),
        "procedures/wi-001-01.md": document(
            doc_id="WI-001-01",
            type="work_instruction",
            owner="Helen Marsh",
            approved_by="Tomasz Nowak",
        ),
    }
    repo = manual(tmp_path, {"roles": ROLES, "approval_authority": MATRIX}, files)
    code, found, _ = check(repo)
    assert code == 1
    assert found == [
        (
            "approval-authority",
            "approved_by names Tomasz Nowak (Quality Manager), who may not approve documents: "
            "approval_authority (entry 1) allows Managing Director; ask one of them to approve, "
            "or correct approved_by (a role is matched with the people listed under 'roles')",
        )
    ]


def test_git_approvals_outside_the_matrix_are_reported(tmp_path: Path) -> None:
    files = {"procedures/qp-001.md": document(approved_by="Ruth Okafor")}
    options = {"roles": ROLES, "approval_authority": MATRIX}
    allowed = manual(tmp_path / "a", options, files, f"QP-001 B\n\nApproved-by: {RUTH}")
    assert check(allowed)[:2] == (0, [])
    outsider = "Priya Shah <priya@kestrel.example>"
    message = f"QP-001 B\n\nApproved-by: {RUTH}\nApproved-by: {outsider}"
    repo = manual(tmp_path / "b", options, files, message)
    _, found, _ = check(repo)
    assert [r for r, _ in found] == ["approval-authority"]
    assert f"Git records revision B as approved by {outsider}" in found[0][1]
    assert "list them under the qms plugin's 'roles'" in found[0][1]


def test_the_older_approvers_option_still_names_who_holds_a_role(tmp_path: Path) -> None:
    files = {"procedures/qp-001.md": document(approved_by="Ruth Okafor")}
    options = {"approvers": {"Managing Director": [RUTH]}, "approval_authority": MATRIX[:1]}
    repo = manual(tmp_path, options, files, f"QP-001 B\n\nApproved-by: {RUTH}")
    assert check(repo)[:2] == (0, [])


@pytest.mark.parametrize(
    ("matrix", "words"),
    [
        ([{"type": "procedure"}], "entry 1: 'approvers' is missing"),
        ([{"approvers": ["X"], "types": "procedure"}], "entry 1: unknown key types"),
        ([{"approvers": ["X"]}, {"approvers": "X", "type": "sop"}], "entry 2: type sop is not"),
        ([{"approvers": ["X"], "clause": [7.5]}], 'write clause numbers in quotes, e.g. "7.1.5"'),
        (["Managing Director"], "each entry is a mapping"),
    ],
)
def test_a_broken_matrix_is_a_clear_error(matrix: list[Any], words: str) -> None:
    with pytest.raises(ApprovalConfigError, match="approval_authority") as raised:
        parse_authority(matrix)
    assert words in str(raised.value)


def test_a_broken_matrix_stops_check_and_build_with_the_message(tmp_path: Path) -> None:
    repo = manual(
        tmp_path,
        {"approval_authority": [{"type": "procedure"}]},
        {"procedures/qp-001.md": document()},
    )
    code, _, output = check(repo)
    assert code == 2
    assert "approval_authority, entry 1: 'approvers' is missing" in output
    assert "Traceback" not in output


# --- a document in force has text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "empty"),
    [
        ("", "effective", True),
        ("## Purpose\n\n## Scope\n\n<!-- to do -->\n---\n", "approved", True),
        ("## Purpose\n\nKeep the gauges calibrated.\n", "effective", False),
        ("| Field | Value |\n|---|---|\n", "effective", False),  # a form can be a table
        ("", "draft", False),  # a draft may be empty
    ],
)
def test_a_document_in_force_has_text(site: Site, body: str, status: str, empty: bool) -> None:
    fields: dict[str, Any] = {"status": status}
    if status == "draft":
        fields.update(approved_by=None, approval_date=None, effective_date=None)
    site.write("procedures/qp-001.md", document(body, **fields))
    site.build()
    found = [w for w in site.warnings if "[empty-document]" in w]
    assert bool(found) is empty, site.warnings
    if empty:
        assert (
            f"procedures/qp-001.md:6: status is {status} but the document has no text" in (found[0])
        )
