"""Revision history in built sites and in `qms history`: what auditors and staff see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from mkdocs.exceptions import Abort

from tests.conftest import REPO, Site, document
from tests.gitrepo import GitRepo, git_env

RUTH = ("Ruth Okafor", "ruth.okafor@kestrel.example")
TOM = ("Tomasz Nowak", "tomasz.nowak@kestrel.example")
SCHEMA = yaml.safe_load((REPO / "records_schema" / "history.schema.yaml").read_text("utf-8"))


def day(n: int) -> str:
    return f"2026-03-{n:02d}T14:30:00+00:00"


def qms(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qms_plugin", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=git_env({"NO_MKDOCS_2_WARNING": "1"}),
        check=False,
    )


def _merge_workflow(site: Site) -> tuple[GitRepo, str, list[str]]:
    """QP-075: revision C committed, then revision D drafted on a branch and merged as PR #12."""
    site.write("docs/index.md", "# Home\n")
    site.write(
        "procedures/qp-075.md",
        document(doc_id="QP-075", revision="C", approved_by="Ruth Okafor (Managing Director)"),
    )
    site.write("mkdocs.yml", site.config_text(strict=True))
    repo = GitRepo(site.root)
    repo.commit(
        "Add QP-075 revision C\n\nApproved-by: Ruth Okafor <ruth.okafor@kestrel.example>",
        date=day(1),
    )
    repo.branch("qp-075-rev-d")
    drafts = []
    for n, words in enumerate(("First draft of D.", "Second draft of D."), start=2):
        site.write(
            "procedures/qp-075.md",
            document(
                f"## Purpose\n\n{words}\n",
                doc_id="QP-075",
                revision="D",
                approved_by="Ruth Okafor (Managing Director)",
                effective_date="2026-03-20",
                change_summary="Scanning replaces the paper register.",
            ),
        )
        drafts.append(repo.commit(f"Draft step {n}", author=TOM, date=day(n)))
    repo.checkout("main")
    merge = repo.merge(
        "qp-075-rev-d",
        "Merge pull request #12 from kestrel/qp-075-rev-d\n\n"
        "QP-075 revision D <b>now</b>\n\n"
        "Approved-by: Ruth Okafor <ruth.okafor@kestrel.example>\n"
        "Reviewed-by: <img src=x onerror=alert(1)> Mallory",
        author=RUTH,
        date=day(5),
    )
    return repo, merge, drafts


def test_controlled_page_shows_the_revision_history(site: Site) -> None:
    site.options["history_repo_url"] = "https://github.com/kestrel/qms"
    _, merge, drafts = _merge_workflow(site)
    site.build(strict=True)
    page = site.page("procedures/qp-075/")
    history = page.split('id="revision-history"', 1)[1]
    rows = history.split("<tr")
    current = next(r for r in rows if 'class="qms-history__current"' in r)
    assert '<a href="rev/D/" title="Read revision D as approved">D</a>' in current
    assert "in force</span>" in current
    assert "20 Mar 2026" in current
    assert "Ruth Okafor (Managing Director)" in current
    # The Git evidence: who approved it and when the approval was merged; who reviewed it.
    assert "&#10003; approval recorded in Git: Ruth Okafor, merged 2026-03-05 14:30" in current
    assert "reviewed by &lt;img src=x onerror=alert(1)&gt; Mallory" in current
    assert "Scanning replaces the paper register." in current
    assert 'href="https://github.com/kestrel/qms/pull/12"' in current
    assert "<td>2</td>" in current  # two drafting commits
    assert f"https://github.com/kestrel/qms/commit/{drafts[0]}" in history
    assert merge[:8] in history
    assert "Draft step 2" in history and "Draft step 3" in history
    older = next(r for r in rows if ">C</a>" in r)
    assert 'class="qms-history__replaced"' in older and ">superseded</span>" in older
    # Nothing from commit messages or trailers reaches the page as markup.
    assert "<img src=x" not in page and "<b>now</b>" not in page


def test_change_log_page_and_history_export(site: Site) -> None:
    site.options["history_repo_url"] = "https://github.com/kestrel/qms"
    _, merge, _ = _merge_workflow(site)
    site.build(strict=True)
    log = site.page("change-log/")
    rows = log.split("<tbody>", 1)[1].split("<tr")[1:]
    assert len(rows) == 2
    assert 'data-doc="QP-075" data-date="2026-03-05"' in rows[0]  # newest first
    assert "#12" in rows[0] and "Ruth Okafor" in rows[0]
    assert 'data-date="2026-03-01"' in rows[1]
    assert 'href="../qms/history.json"' in log

    exported = (site.site_dir / "qms" / "history.json").read_text("utf-8")
    data = json.loads(exported)
    jsonschema.validate(data, SCHEMA)
    (doc,) = data["documents"]
    assert doc["doc_id"] == "QP-075" and doc["url"] == "procedures/qp-075/"
    assert [r["revision"] for r in doc["revisions"]] == ["D", "C"]
    assert doc["revisions"][0]["approvers"] == [
        {"name": "Ruth Okafor", "email": "ruth.okafor@kestrel.example"}
    ]
    latest = doc["commits"][0]
    assert latest["sha"] == merge
    assert latest["change_ref"]["label"] == "#12"
    assert latest["change_url"] == "https://github.com/kestrel/qms/pull/12"
    assert latest["date"] == "2026-03-05T14:30:00+00:00"
    assert [d["subject"] for d in latest["drafting"]] == ["Draft step 2", "Draft step 3"]
    assert latest["reviewers"] == [{"name": "<img src=x onerror=alert(1)> Mallory", "email": ""}]
    # The CLI prints the very same data.
    result = qms(site.root, "history", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stdout == exported


def test_generated_tables_are_on_pages_but_not_in_the_search_index(site: Site) -> None:
    """Search finds procedures by their text, not every change log row that mentions them."""
    _merge_workflow(site)
    site.build(strict=True)
    assert "Draft step 2" in site.page("procedures/qp-075/")
    assert "Draft step 2" not in site.page("change-log/")  # drafting shows on the page only
    assert "Scanning replaces the paper register." in site.page("change-log/")
    assert "QP-075" in site.page("master-document-list/").split("<tbody>", 1)[1]
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    text = {d["location"]: d["title"] + " " + d["text"] for d in index["docs"]}
    assert "Second draft of D." in text["procedures/qp-075/#purpose"]
    everything = " ".join(text.values())
    assert "Draft step" not in everything and "Scanning replaces" not in everything
    assert "Change log" in text["change-log/"]  # the pages themselves are still found
    assert "Master document list" in text["master-document-list/"]


def test_qms_history_matches_git_for_any_markdown_file(site: Site) -> None:
    repo, _, _ = _merge_workflow(site)
    site.write("docs/index.md", "# Home\n\nWelcome.\n")
    repo.commit("Welcome text", date=day(6))
    for path, args in (
        ("docs/index.md", ["--follow"]),
        ("procedures/qp-075.md", ["--first-parent"]),
    ):
        result = qms(site.root, "history", path, "--json")
        assert result.returncode == 0, result.stderr
        (doc,) = json.loads(result.stdout)["documents"]
        expected = repo.git("log", "--format=%H", *args, "--", path).split()
        assert [c["sha"] for c in doc["commits"]] == expected
    text = qms(site.root, "history", "procedures/qp-075.md")
    assert "Merge pull request #12" in text.stdout and "approved by Ruth Okafor" in text.stdout
    missing = qms(site.root, "history", "docs/nothing.md")
    assert missing.returncode == 1 and "no committed history" in missing.stderr


def test_uncommitted_document_fails_a_strict_build_and_is_marked(site: Site) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build(strict=True)
    site.auto_commit = False
    site.write("procedures/qp-001.md", document("## Purpose\n\nEdited.\n", revision="C"))
    site.write("procedures/qp-002.md", document(doc_id="QP-002"))
    with pytest.raises(Abort):
        site.build(strict=True)
    messages = [w for w in site.warnings if "[uncommitted]" in w]
    assert len(messages) == 2
    assert any("qp-002.md" in m and "untracked" in m for m in messages)
    site.build(strict=False)
    assert "Uncommitted changes" in site.page("procedures/qp-001/")


def test_unrevised_change_fails_a_strict_build(site: Site) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build(strict=True)
    site.write("procedures/qp-001.md", document("## Purpose\n\nQuietly changed.\n", revision="B"))
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("[unrevised-change]" in w and "revision stayed B" in w for w in site.warnings)


def test_history_baseline_exempts_changes_before_it(site: Site) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    site.write("procedures/qp-001.md", document("## Purpose\n\nBefore control.\n", revision="B"))
    site.build()
    site.options["history_baseline"] = GitRepo(site.root).head()
    site.build(strict=True)
    assert not site.warnings


def test_shallow_clone_fails_with_the_fix_or_is_marked(site: Site, tmp_path: Path) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    site.write("procedures/qp-001.md", document(revision="C"))
    site.build()
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{site.root}", str(clone)],
        check=True,
        env=git_env(),
    )
    shallow = Site(clone, options=dict(site.options))
    with pytest.raises(Abort):
        shallow.build()
    assert any("git fetch --unshallow" in w for w in shallow.warnings)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=clone,
        capture_output=True,
        text=True,
        env=git_env({"NO_MKDOCS_2_WARNING": "1"}),
        check=False,
    )
    assert result.returncode != 0
    assert "git fetch --unshallow" in result.stderr and "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr
    shallow.options["history_shallow"] = "mark"
    shallow.build(strict=True)
    assert "History incomplete" in shallow.page("procedures/qp-001/")
    assert "History incomplete" in shallow.page("change-log/")


def test_not_a_git_repository_is_a_clear_error(site: Site) -> None:
    site.git = False
    site.write("docs/index.md", "# Home\n")
    site.write("procedures/qp-001.md", document())
    site.write("mkdocs.yml", site.config_text(strict=False))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build"],
        cwd=site.root,
        capture_output=True,
        text=True,
        env=git_env({"NO_MKDOCS_2_WARNING": "1"}),
        check=False,
    )
    assert result.returncode != 0
    assert "is not inside a Git repository" in result.stderr
    assert "history: false" in result.stderr and "Traceback" not in result.stderr
    site.options["history"] = False
    site.build(strict=True)
    assert "revision-history" not in site.page("procedures/qp-001/")


def test_a_new_commit_is_never_hidden_by_the_cache(site: Site) -> None:
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    assert 'title="Read revision C as approved"' not in site.page("procedures/qp-001/")
    site.write("procedures/qp-001.md", document("## Purpose\n\nC.\n", revision="C"))
    site.build()
    table = site.page("procedures/qp-001/").split('id="revision-history"')[1]
    assert '<a href="rev/C/" title="Read revision C as approved">C</a>' in table


def test_public_repo_url_is_flagged_for_an_intranet_site(site: Site) -> None:
    site.extra_config["repo_url"] = "https://gitlab.com/kestrel/qms"
    site.write("procedures/qp-001.md", document())
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("history_repo_url" in w for w in site.warnings)
    site.options["offline_check"] = False
    site.build(strict=True)
    # MkDocs' repo_url still gives change links, in GitLab's form.
    sha = GitRepo(site.root).head()
    assert f"https://gitlab.com/kestrel/qms/-/commit/{sha}" in site.page("procedures/qp-001/")
