"""One gate: every rule the site build reports, `qms check` reports too.

For each rule of the registry (core/ruleset.py) a real repository where the build reports it;
`qms check` on the same repository must report it as well, and the two must report exactly the
same rules. Change rules need a base: the check gets `--base main`, the build the plugin's
`change_base` (what a pull request's CI build sets). A rule added to one side only fails here:
a rule name the source uses but the registry lacks, a registered rule with no repository below,
or a repository where the two sides disagree.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from mkdocs.commands.build import build
from mkdocs.config import load_config

from qms_plugin.cli import main
from qms_plugin.core.ruleset import INFO, REGISTRY
from tests.conftest import REPO, TODAY, document
from tests.gitrepo import GitRepo

CONTROLLER = ("Tomasz Nowak", "tomasz@kestrel.example")
AUTHOR = ("Amir Haddad", "amir@kestrel.example")
MERGED = "2026-01-05T10:00:00+00:00"  # the day the manual's revisions were merged
LATER = "2026-02-01T10:00:00+00:00"
EDITED = "## Purpose\n\nThe purpose, put better.\n"
QP1 = "procedures/qp-001.md"
QP2 = "procedures/qp-002.md"

# Rules only the build can report, and why: nothing else may be missing from `qms check`.
BUILD_ONLY = {
    "unused-term": "information about the site's pages as a whole (it never fails anything)",
}


@dataclass
class Scenario:
    """What a repository needs besides its commits: plugin options, and a base for a change."""

    options: dict[str, Any] = field(default_factory=dict)
    base: str | None = None


def manual(path: Path) -> GitRepo:
    """Two effective procedures, merged on 5 Jan 2026 and in force from the 12th."""
    repo = GitRepo(path)
    repo.write("docs/index.md", "# Home\n")
    repo.write(QP1, document())
    repo.write(QP2, document(doc_id="QP-002", title="Second procedure"))
    write_config(repo, Scenario())
    repo.commit("The manual", author=CONTROLLER, date=MERGED)
    return repo


def write_config(repo: GitRepo, scenario: Scenario, change_base: str | None = None) -> None:
    options: dict[str, Any] = {"today": TODAY, **scenario.options}
    if change_base:
        options["change_base"] = change_base
    config = {
        "site_name": "Parity",
        "site_dir": str(repo.path.parent / "site"),
        "theme": {"name": "material", "font": False},
        "plugins": ["search", {"qms": options}],
    }
    repo.write("mkdocs.yml", yaml.safe_dump(config, sort_keys=False))


def edit(repo: GitRepo, path: str, body: str | None = None, **fields: Any) -> None:
    _, front, old_body = repo.read(path).split("---\n", 2)
    merged = {k: v for k, v in {**yaml.safe_load(front), **fields}.items() if v is not None}
    text = yaml.safe_dump(merged, sort_keys=False, allow_unicode=True)
    repo.write(path, f"---\n{text}---\n" + (f"\n{body}" if body is not None else old_body))


def on_main(message: str = "Change on main", date: str = LATER) -> Callable[[GitRepo], None]:
    def commit(repo: GitRepo) -> None:
        repo.commit(message, author=CONTROLLER, date=date)

    return commit


def on_branch(repo: GitRepo, change: Callable[[], None], message: str = "Change") -> Scenario:
    repo.branch("change")
    change()
    repo.commit(message, author=AUTHOR, date="2026-11-20T10:00:00+00:00")
    return Scenario(base="main")


NEXT = {"revision": "C", "change_summary": "Clarified the purpose.", "status": "in_review"}
NEXT.update(approved_by=None, approval_date=None, effective_date=None)


def new_revision(repo: GitRepo, **fields: Any) -> None:
    """Revision C of QP-001, approved and merged on 1 Feb 2026."""
    values = {
        **NEXT,
        "status": "effective",
        "approved_by": "Ruth Okafor",
        "approval_date": "2026-02-01",
        "effective_date": "2026-02-10",
        **fields,
    }
    edit(repo, QP1, EDITED, **values)


def _file(repo: GitRepo, path: str, text: str | bytes) -> Scenario:
    repo.write(path, text)
    repo.commit("Add a file", author=CONTROLLER, date=LATER)
    return Scenario()


def _doc(repo: GitRepo, **fields: Any) -> Scenario:
    edit(repo, QP1, **fields)
    repo.commit("Edit QP-001", author=CONTROLLER, date=LATER)
    return Scenario()


NOT_APPLICABLE = {"clauses_not_applicable": {"8.3": "We design nothing."}}
RECORD = {
    "name": "Calibration records",
    "location": "JobTrack",
    "retention": {"period": "10 years", "from": "date of the calibration"},
    "disposition": "Deleted",
}
RECORD_6 = {**RECORD, "retention": {"period": "6 years", "from": "date of the calibration"}}
EXT = "procedures/ext-001.md"
EXTERNAL = {
    "doc_id": "EXT-001",
    "type": "external",
    "issuer": "ISO",
    "identifier": "ISO 9001",
    "edition": "2015",
    "controlled_copy": "Quality shared drive",
    "currency_checked": "2026-11-01",
}


def _files(repo: GitRepo, files: dict[str, str]) -> Scenario:
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("Add files", author=CONTROLLER, date=LATER)
    return Scenario()


def _with_options(scenario: Scenario, options: dict[str, Any]) -> Scenario:
    scenario.options = {**scenario.options, **options}
    return scenario


def _dangling(repo: GitRepo) -> Scenario:
    (repo.path / "procedures/qp-009.md").symlink_to("missing.md")
    repo.commit("Link", author=CONTROLLER, date=LATER)
    return Scenario()


def _unreadable(repo: GitRepo) -> Scenario:
    # The operating system refuses to read the file (root reads every file: skipped as root).
    path = repo.write("procedures/qp-009.md", document(doc_id="QP-009"))
    repo.commit("Add QP-009", author=CONTROLLER, date=LATER)
    path.chmod(0)
    return Scenario()


def _unreadable_version(repo: GitRepo) -> Scenario:
    text = repo.read(QP1)
    repo.write(QP1, text.replace("---\n", "---\nx_defaults: &d {x_a: 1}\n<<: *d\n", 1))
    repo.commit("A merge key", author=CONTROLLER, date=LATER)
    repo.write(QP1, text)
    repo.commit("No merge key", author=CONTROLLER, date=LATER)
    return Scenario()


def _replaced(repo: GitRepo) -> Scenario:
    repo.write("docs/about.md", "# About\n")
    repo.commit("A page", author=CONTROLLER, date=LATER)
    repo.git("replace", "HEAD", "HEAD^")
    return Scenario()


def _history(repo: GitRepo, message: str, **fields: Any) -> Scenario:
    new_revision(repo, **fields)
    repo.commit(message, author=CONTROLLER, date=LATER)
    return Scenario()


def _quiet_edit(repo: GitRepo) -> Scenario:
    edit(repo, QP1, EDITED)
    repo.commit("Tweak the purpose", author=CONTROLLER, date=LATER)
    return Scenario()


def _uncommitted(repo: GitRepo) -> Scenario:
    edit(repo, QP1, EDITED)  # not committed
    return Scenario()


def _glossary(repo: GitRepo, text: str | None, name: str = "glossary.yml") -> Scenario:
    if text is not None:
        repo.write(name, text)
        repo.commit("Our glossary", author=CONTROLLER, date=LATER)
    return Scenario(options={"glossary": name})


def _id_reused(repo: GitRepo) -> Scenario:
    repo.write("procedures/qp-003.md", document(doc_id="QP-003", title="Short-lived"))
    repo.commit("Add QP-003", author=CONTROLLER, date=MERGED)
    repo.remove("procedures/qp-003.md")
    repo.commit("Remove QP-003", author=CONTROLLER, date=MERGED)
    return on_branch(
        repo, lambda: repo.write("procedures/qp-003.md", document(doc_id="QP-003", **NEXT))
    )


def _folder_moved(repo: GitRepo) -> Scenario:
    def move() -> None:
        repo.git("mv", "procedures", "manual")
        write_config(repo, Scenario(options={"procedures_dir": "manual"}))

    scenario = on_branch(repo, move, "Move the manual")
    scenario.options = {"procedures_dir": "manual"}
    return scenario


def _mailmap(repo: GitRepo) -> Scenario:
    def change() -> None:
        repo.write(".mailmap", "Ruth Okafor <ruth@kestrel.example> <amir@kestrel.example>\n")
        edit(repo, QP1, EDITED, **NEXT)

    return on_branch(repo, change)


SCENARIOS: dict[str, Callable[[GitRepo], Scenario]] = {
    # reading the files
    "front-matter": lambda r: _file(r, "procedures/qp-003.md", "---\ndoc_id: [\n---\n\nText.\n"),
    "schema": lambda r: _doc(r, colour="blue"),
    "encoding": lambda r: _file(
        r,
        "procedures/qp-003.md",
        document(body="Caf\xe9 rules.\n", doc_id="QP-003").encode("cp1252"),
    ),
    "unreadable": _unreadable,
    "unsafe-link": _dangling,
    "not-controlled": lambda r: _file(r, "procedures/qp-009.MD", document(doc_id="QP-009")),
    "unreadable-version": _unreadable_version,
    "git-replace": _replaced,
    "too-large": lambda r: _file(
        r,
        "procedures/qp-003.md",
        document(body="```text\n" + "x" * 5_100_000 + "\n```\n", doc_id="QP-003"),
    ),
    # the documents' front matter
    "duplicate-id": lambda r: _file(r, "procedures/qp-003.md", document(title="Another")),
    "id-pattern": lambda r: _doc(r, doc_id="QP-1"),
    "revision-scheme": lambda r: _doc(r, revision="I"),
    "unknown-clause": lambda r: _doc(r, iso9001_clauses=["11.1"]),
    "unknown-reference": lambda r: _doc(r, related=["QP-404"]),
    "approval-missing": lambda r: _doc(r, approved_by=None),
    "effective-before-approval": lambda r: _doc(r, effective_date="2026-01-04"),
    "empty-document": lambda r: _file(r, QP1, document(body="## Purpose\n")),
    "approver-is-owner": lambda r: _doc(r, approved_by="Quality Manager"),
    "approval-authority": lambda r: Scenario(
        options={"approval_authority": [{"approvers": ["Quality Manager"]}]}
    ),
    "review-missing": lambda r: _doc(r, review_interval_months=None),
    "review-interval-too-long": lambda r: _doc(r, next_review="2045-01-01"),
    "review-overdue": lambda r: _doc(r, next_review="2026-11-01"),
    "retired-without-successor": lambda r: _doc(r, status="obsolete"),
    # the manual as a system
    "withdrawn-reference": lambda r: _files(
        r,
        {
            "procedures/qp-003.md": document(
                doc_id="QP-003", status="obsolete", obsolete_reason="No longer needed."
            ),
            QP1: document(body="Follow QP-003.\n"),
        },
    ),
    "not-applicable-cited": lambda r: _with_options(
        _doc(r, iso9001_clauses=["8.3.2"]), NOT_APPLICABLE
    ),
    "not-applicable-statement": lambda r: Scenario(options=NOT_APPLICABLE),
    "record-conflict": lambda r: _files(
        r,
        {QP1: document(records=[RECORD]), QP2: document(doc_id="QP-002", records=[RECORD_6])},
    ),
    "record-retention": lambda r: _doc(r, records=[{**RECORD, "retention": None}]),
    "record-incomplete": lambda r: _doc(r, records=[{**RECORD, "location": None}]),
    "record-form": lambda r: _doc(r, records=[{**RECORD, "form": "F-404-01"}]),
    "form-without-record": lambda r: _files(
        r,
        {
            "procedures/f-001-01.md": document(doc_id="F-001-01", type="form"),
            QP1: document(records=[RECORD]),
        },
    ),
    "external-fields": lambda r: _files(r, {EXT: document(**{**EXTERNAL, "issuer": None})}),
    "currency-check-missing": lambda r: _files(
        r, {EXT: document(**{**EXTERNAL, "currency_checked": None})}
    ),
    "currency-check-overdue": lambda r: _files(
        r, {EXT: document(**{**EXTERNAL, "currency_checked": "2025-01-31"})}
    ),
    "training-roles": lambda r: _doc(r, training={"required": True, "roles": ["welder"]}),
    "marker-shows-nothing": lambda r: _file(r, QP1, document(body="<!-- qms:record -->\n")),
    # the documents against Git
    "approval-evidence": lambda r: _history(
        r, "Revision C\n\nApproved-by: Tomasz Nowak <tomasz@kestrel.example>"
    ),
    "unrevised-change": _quiet_edit,
    "effective-before-merge": lambda r: _history(r, "Revision C", effective_date="2026-01-20"),
    "approved-after-merge": lambda r: _history(r, "Revision C", approval_date="2026-02-05"),
    "uncommitted": _uncommitted,
    # the glossary
    "deprecated-term": lambda r: _file(r, QP1, document(body="Log each non-conformance.\n")),
    "unknown-term": lambda r: _file(r, QP1, document(body="See [x](glossary:no such term).\n")),
    "glossary-duplicate": lambda r: _glossary(
        r, "terms:\n  - term: nonconformity\n    explanation: Ours.\n"
    ),
    "glossary-file": lambda r: _glossary(r, None, "missing.yml"),
    # a change against the branch it targets
    "revision-not-bumped": lambda r: on_branch(r, lambda: edit(r, QP1, EDITED)),
    "revision-skipped": lambda r: on_branch(
        r, lambda: edit(r, QP1, EDITED, **{**NEXT, "revision": "E"})
    ),
    "revision-backwards": lambda r: on_branch(
        r, lambda: edit(r, QP1, EDITED, **{**NEXT, "revision": "A"})
    ),
    "change-summary-unchanged": lambda r: on_branch(
        r, lambda: edit(r, QP1, EDITED, **{**NEXT, "change_summary": "First issue."})
    ),
    "status-transition": lambda r: on_branch(r, lambda: edit(r, QP1, status="draft")),
    "approval-carried-over": lambda r: on_branch(
        r, lambda: edit(r, QP1, EDITED, revision="C", change_summary="Clarified.")
    ),
    "self-approval": lambda r: on_branch(
        r,
        lambda: edit(
            r,
            QP1,
            EDITED,
            **{
                **NEXT,
                "status": "approved",
                "approved_by": "Amir Haddad",
                "approval_date": "2026-11-20",
                "effective_date": "2026-12-01",
            },
        ),
    ),
    "id-reused": _id_reused,
    "document-deleted": lambda r: on_branch(r, lambda: r.remove(QP2)),
    "document-renamed": lambda r: on_branch(r, lambda: r.move(QP2, "procedures/old/qp-002.md")),
    "controlled-folder-changed": _folder_moved,
    "mailmap-changed": _mailmap,
    "editorial-change-requested": lambda r: on_branch(
        r, lambda: edit(r, QP1, EDITED), "Fix a typo\n\nEditorial-change: QP-001: spelling"
    ),
}

_RULE = re.compile(r"\[([a-z0-9]+(?:-[a-z0-9]+)*)\]$")


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_rules(repo: GitRepo, scenario: Scenario) -> set[str]:
    """The rules a (non-strict) build of the repository reports, at any log level."""
    write_config(repo, scenario, scenario.base)
    handler, logger = _Messages(), logging.getLogger("mkdocs")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        build(load_config(str(repo.path / "mkdocs.yml")))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return {m.group(1) for line in handler.messages if (m := _RULE.search(line.strip()))}


def check_rules(repo: GitRepo, scenario: Scenario) -> set[str]:
    """The rules `qms check` (with --base for a change) reports on the same repository."""
    write_config(repo, scenario)
    args = ["check", "-f", str(repo.path / "mkdocs.yml"), "--format", "json"]
    if scenario.base:
        args += ["--base", scenario.base]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1, 3), result.output
    return {finding["rule"] for finding in json.loads(result.output)["findings"]}


def test_every_registered_rule_has_a_repository_here() -> None:
    assert set(BUILD_ONLY) <= set(REGISTRY)
    assert all(REGISTRY[name].severity == INFO for name in BUILD_ONLY)
    assert set(SCENARIOS) == set(REGISTRY) - set(BUILD_ONLY)


def test_a_clean_manual_passes_both(tmp_path: Path) -> None:
    repo = manual(tmp_path / "manual")
    assert build_rules(repo, Scenario()) == check_rules(repo, Scenario()) == set()


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_the_build_and_the_check_report_the_same_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule: str
) -> None:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.delenv("QMS_CHANGE_BASE", raising=False)
    if rule == "unreadable" and os.geteuid() == 0:
        pytest.skip("root can read any file, so no file is unreadable")
    repo = manual(tmp_path / "manual")
    scenario = SCENARIOS[rule](repo)
    built = build_rules(repo, scenario)
    checked = check_rules(repo, scenario)
    assert rule in built, built
    assert rule in checked, checked
    assert built - set(BUILD_ONLY) == checked


def _rule_names_in_source() -> set[str]:
    """Every rule name the package passes when it makes a finding."""
    names = set()
    for path in (REPO / "qms_plugin").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            called = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if called not in ("Finding", "_finding", "finding"):
                continue
            values = [*node.args, *(k.value for k in node.keywords)]
            names |= {
                v.value
                for v in values
                if isinstance(v, ast.Constant)
                and isinstance(v.value, str)
                and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", v.value)
            }
    return names


def test_every_rule_name_in_the_source_is_registered() -> None:
    found = _rule_names_in_source()
    assert {"duplicate-id", "unrevised-change", "glossary-file", "self-approval"} <= found
    assert found - set(REGISTRY) == set()
