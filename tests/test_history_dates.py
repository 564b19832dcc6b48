"""A commit whose date Git cannot read is shown as "date unknown", never as git's placeholder."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import Site, document
from tests.gitrepo import GitRepo
from tests.test_history_site import SCHEMA, qms


def raw_commit(repo: GitRepo, message: str, ident: str) -> str:
    """Commit the staged tree with author and committer lines written as given (a date git
    cannot read, say), as a damaged or hand-made commit object has them."""
    repo.git("add", "--all")
    tree = repo.git("write-tree").strip()
    text = f"tree {tree}\nparent {repo.head()}\nauthor {ident}\ncommitter {ident}\n\n{message}\n"
    path = repo.path / ".git" / "raw-commit"
    path.write_text(text, "utf-8")
    sha = repo.git("hash-object", "-t", "commit", "-w", "--literally", str(path)).strip()
    path.unlink()
    repo.git("update-ref", "HEAD", sha)
    return sha


@pytest.mark.parametrize(
    "ident",
    [
        "Mallory <m@example.com> notadate +0000",  # git prints "%cI"
        "Mallory <m@example.com> 1767603600 +9999",  # git prints a zone of "+99:99"
    ],
)
def test_an_unreadable_commit_date_is_shown_as_unknown(site: Site, ident: str) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    repo = GitRepo(site.root)
    site.write("procedures/qp-001.md", document("## Purpose\n\nNew.\n", revision="C"))
    sha = raw_commit(repo, "Revision C", ident)
    site.build()

    page = site.page("procedures/qp-001/")
    assert "date unknown" in page and "%cI" not in page and "99:99" not in page
    changelog = site.page("change-log/")
    assert "date unknown" in changelog and "%cI" not in changelog
    export = json.loads((site.site_dir / "qms" / "history.json").read_text("utf-8"))
    jsonschema.validate(export, SCHEMA)
    [commit] = [c for c in export["documents"][0]["commits"] if c["sha"] == sha]
    assert commit["date"] is None and commit["author_date"] is None
    assert export["documents"][0]["revisions"][0]["first_date"] is None

    text = qms(site.root, "history", "procedures/qp-001.md")
    assert text.returncode == 0, text.stderr
    assert "date unknown" in text.stdout and "%cI" not in text.stdout


def test_an_unreadable_identity_is_not_shown_as_a_placeholder(site: Site) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    repo = GitRepo(site.root)
    site.write("procedures/qp-001.md", document("## Purpose\n\nNew.\n", revision="C"))
    raw_commit(repo, "Revision C", "garbage")
    site.build()
    page = site.page("procedures/qp-001/")
    assert "%aN" not in page and "%cI" not in page and "date unknown" in page
