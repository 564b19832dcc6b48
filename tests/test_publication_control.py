"""Nothing is published without document control: every page MkDocs makes of the procedures
folder is a controlled document, a build publishes only what Git tracks, links cannot reach
outside the project, and history is read as Git stores it."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from qms_plugin.core.documents import load_documents
from qms_plugin.core.schema import DocumentSchema
from tests.conftest import Site, document
from tests.gitrepo import GitRepo
from tests.test_check_base import qms

TOKEN = "qms-test-secret-4c1d"


def register_ids(site: Site) -> list[str]:
    exported = json.loads((site.site_dir / "qms" / "register.json").read_text("utf-8"))
    return [d["id"] for d in exported["documents"]]


def published(site: Site) -> str:
    """Every byte of the built site, as text."""
    return "".join(
        p.read_bytes().decode("utf-8", "replace") for p in site.site_dir.rglob("*") if p.is_file()
    )


def serve_build(site: Site) -> list[logging.LogRecord]:
    """Build as `mkdocs serve` does (its startup event says so); the records logged."""
    site.write("mkdocs.yml", site.config_text(strict=False))
    config = load_config(str(site.root / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=False)
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        build(config)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        # MkDocs keeps one plugin object per process; tell it the next builds are builds.
        config.plugins.on_startup(command="build", dirty=False)
    return records


# --- every Markdown file MkDocs makes a page of is controlled ----------------------------------


@pytest.mark.parametrize("name", ["qp-002.markdown", "qp-002.mdown", "qp-002.mkdn", "qp-002.mkd"])
def test_every_file_mkdocs_makes_a_page_of_is_read_as_a_document(tmp_path: Path, name: str) -> None:
    (tmp_path / "index.markdown").write_text("# A section page\n", "utf-8")
    (tmp_path / name).write_text(document(doc_id="QP-002"), "utf-8")
    (tmp_path / "notes.txt").write_text("an attachment\n", "utf-8")
    docs = load_documents(tmp_path, tmp_path, "procedures", DocumentSchema.load())
    assert [(d.path, d.doc_id) for d in docs] == [(name, "QP-002")]
    assert docs[0].src_uri == f"procedures/{name}"


def test_a_markdown_file_is_a_controlled_document_in_the_site(site: Site) -> None:
    suffix = ".markdown"
    site.write("procedures/qp-001.md", document())
    site.write(f"procedures/qp-002{suffix}", document(doc_id="QP-002", owner=None))
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any(f"qp-002{suffix}" in w and "'owner' is missing" in w for w in site.warnings)
    site.build()
    assert 'class="qms-control"' in site.page("procedures/qp-002/")
    assert register_ids(site) == ["QP-001", "QP-002"]
    history = qms(site.root, "history", "--json")
    assert history.returncode == 0, history.stderr
    paths = [d["path"] for d in json.loads(history.stdout)["documents"]]
    assert f"procedures/qp-002{suffix}" in paths


def test_qms_check_base_sees_a_markdown_file_of_any_suffix(tmp_path: Path) -> None:
    from tests.test_check_base import make_manual

    repo = make_manual(tmp_path / "manual")
    repo.remove("procedures/qp-002.md")
    repo.commit("Remove QP-002")
    result = qms(repo, "check", "--base", "main", "--format", "json")
    assert result.returncode == 1 and "document-deleted" in result.stdout
    repo.write("procedures/qp-002.markdown", repo.git("show", "main:procedures/qp-002.md"))
    repo.commit("QP-002 back, as .markdown")
    result = qms(repo, "check", "--base", "main", "--format", "json")
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert "document-deleted" not in rules and "document-renamed" in rules


def test_a_markdown_suffix_in_another_case_is_refused(site: Site) -> None:
    site.write("procedures/qp-001.md", document())
    site.write("procedures/qp-002.MD", document(doc_id="QP-002", title=f"Secret {TOKEN}"))
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("qp-002.MD" in w and "[not-controlled]" in w for w in site.warnings)
    site.build()
    assert TOKEN not in published(site)
    result = qms(site.root, "check")
    assert result.returncode == 1 and "[not-controlled]" in result.stdout


# --- a build publishes what Git tracks ------------------------------------------------------------


def test_an_ignored_document_is_a_finding_and_not_published(site: Site) -> None:
    site.write(".gitignore", "procedures/drafts/\n")
    site.write("procedures/qp-001.md", document())
    site.write("procedures/drafts/qp-009.md", document(doc_id="QP-009", title=f"Draft {TOKEN}"))
    with pytest.raises(Abort):
        site.build(strict=True)
    [warning] = [w for w in site.warnings if "qp-009.md" in w]
    assert "[uncommitted]" in warning and "Git ignores this file" in warning
    site.build()
    assert register_ids(site) == ["QP-001"] and TOKEN not in published(site)


def test_an_untracked_attachment_is_not_published_in_a_build(site: Site) -> None:
    site.write("procedures/qp-001.md", document())
    site.build(strict=True)
    site.auto_commit = False
    site.write("procedures/notes.txt", f"not reviewed {TOKEN}\n")
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("notes.txt" in w and "untracked" in w for w in site.warnings)
    site.build()
    assert TOKEN not in published(site)
    GitRepo(site.root).commit("Add the notes")
    site.build(strict=True)
    assert TOKEN in (site.site_dir / "procedures" / "notes.txt").read_text("utf-8")


def test_serve_shows_the_working_copy_and_says_what_a_build_leaves_out(site: Site) -> None:
    site.write(".gitignore", "procedures/drafts/\n")
    site.write("procedures/qp-001.md", document())
    site.build()
    # Approved today, not merged yet: the dates are fine; only Git's ignoring it is news.
    draft = document(doc_id="QP-009", approval_date="2026-11-23", effective_date="2026-11-30")
    site.write("procedures/drafts/qp-009.md", draft)
    records = serve_build(site)
    [info] = [r for r in records if "qp-009.md" in r.getMessage()]
    assert info.levelno == logging.INFO and "Git ignores this file" in info.getMessage()
    assert not [r for r in records if r.levelno >= logging.WARNING]
    assert register_ids(site) == ["QP-001", "QP-009"]


def test_a_repository_without_commits_fails_a_strict_build(site: Site) -> None:
    site.auto_commit = False
    GitRepo(site.root)  # git init, nothing committed
    site.write("procedures/qp-001.md", document())
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("has no commits yet" in w for w in site.warnings)
    records = serve_build(site)
    assert any(
        "has no commits yet" in r.getMessage() and r.levelno == logging.INFO for r in records
    )


# --- links ----------------------------------------------------------------------------------------


def test_links_out_of_the_project_are_neither_read_nor_published(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QMS_TEST_TOKEN", TOKEN)
    outside = tmp_path / "outside.txt"
    outside.write_text(f"outside {TOKEN}\n", "utf-8")
    site.write("procedures/qp-001.md", document())
    site.write("docs/shared.pdf", b"%PDF-1.4 shared\n")
    procedures = site.root / "procedures"
    links = {
        "environ.md": Path("/proc/self/environ"),
        "config.txt": site.root / ".git" / "config",
        "outside.txt": outside,
        "folder": tmp_path,
        "shared.pdf": Path("../docs/shared.pdf"),  # inside the project: fine
    }
    site.build()  # the repository exists from here on
    for name, target in links.items():
        (procedures / name).symlink_to(target)
    GitRepo(site.root).commit("Links")
    with pytest.raises(Abort):
        site.build(strict=True)
    refused = sorted(w.split(":")[1].strip() for w in site.warnings if "[unsafe-link]" in w)
    assert refused == [
        "procedures/config.txt",
        "procedures/environ.md",
        "procedures/folder",
        "procedures/outside.txt",
    ]
    site.build()
    text = published(site)
    assert TOKEN not in text and "[core]" not in text
    assert (site.site_dir / "procedures" / "shared.pdf").read_bytes() == b"%PDF-1.4 shared\n"
    check = qms(site.root, "check")
    assert check.returncode == 1 and check.stdout.count("[unsafe-link]") == 4
    assert TOKEN not in check.stdout


def test_a_link_to_a_file_git_does_not_track_is_not_published(site: Site) -> None:
    site.write(".gitignore", "secret.env\n")
    site.write("secret.env", f"TOKEN={TOKEN}\n")
    site.write("procedures/qp-001.md", document())
    site.build()
    (site.root / "procedures" / "settings.txt").symlink_to(Path("../secret.env"))
    GitRepo(site.root).commit("A link to the settings")
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("settings.txt" in w and "secret.env" in w for w in site.warnings)
    site.build()
    assert TOKEN not in published(site)


def test_procedures_inside_docs_dir_keep_their_links_refused(site: Site, tmp_path: Path) -> None:
    site.options["procedures_dir"] = "docs/procedures"
    site.write("docs/procedures/qp-001.md", document())
    site.build()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"root:{TOKEN}\n", "utf-8")
    (site.root / "docs" / "procedures" / "etc").symlink_to(tmp_path / "etc")
    (site.root / "docs" / "procedures" / "env.md").symlink_to("/proc/self/environ")
    GitRepo(site.root).commit("Links")
    os.environ["QMS_TEST_TOKEN"] = TOKEN
    try:
        site.build()
    finally:
        del os.environ["QMS_TEST_TOKEN"]
    assert TOKEN not in published(site)


# --- history as Git stores it -----------------------------------------------------------------


def test_replacement_objects_are_not_believed_and_are_reported(site: Site) -> None:
    site.options["approval_evidence"] = "require"
    site.write("procedures/qp-001.md", document(approved_by="Ruth Okafor"))
    site.build()
    repo = GitRepo(site.root)
    head = repo.head()
    forged = repo.git(
        "commit-tree",
        f"{head}^{{tree}}",
        "-m",
        "Update the manual\n\nApproved-by: Ruth Okafor <ruth@example.com>",
    ).strip()
    repo.git("replace", head, forged)
    assert "Approved-by" in repo.git("log", "-1", "--format=%B")  # what Git shows by default
    with pytest.raises(Abort):
        site.build(strict=True)
    rules = sorted(w.rsplit("[", 1)[1] for w in site.warnings)
    assert rules == ["approval-evidence]", "git-replace]"]
    assert any(forged[:12] not in w and head[:12] in w for w in site.warnings if "git-replace" in w)


# --- qms new writes where it should, and only there ---------------------------------------------


def test_qms_new_never_writes_outside_the_procedures_folder(tmp_path: Path) -> None:
    from tests.test_check_base import make_manual

    repo = make_manual(tmp_path / "manual")
    outside = tmp_path / "outside"
    outside.mkdir()
    # A dangling link where the next document would go.
    (repo.path / "procedures" / "qp-003.md").symlink_to(outside / "planted.md")
    result = qms(repo, "new", "procedure")
    assert result.returncode == 1 and "already exists" in result.stderr
    assert not (outside / "planted.md").exists()

    # A permissive ID pattern, and an ID that climbs out.
    config = yaml.safe_load(repo.read("mkdocs.yml"))
    config["plugins"][1]["qms"]["id_patterns"] = {"procedure": ".+"}
    repo.write("mkdocs.yml", yaml.safe_dump(config))
    for doc_id in ("../../../outside/evil", "..", "a\\b", ".hidden"):
        result = qms(repo, "new", "procedure", "--id", doc_id)
        assert result.returncode == 2, (doc_id, result.stderr)
        assert "cannot be a file name" in result.stderr
    assert list(outside.iterdir()) == []

    result = qms(repo, "new", "procedure", "--id", "QP-050")  # a valid alternative
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "procedures/qp-050.md"
