"""Strict means strict: `mkdocs build --strict` fails on a document-control finding whatever the
log level, and an overdue periodic review never stops the manual from being published."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import Site, document
from tests.gitrepo import GitRepo, git_env


def mkdocs(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    """`mkdocs build ARGS` as CI runs it, on the manual committed to Git."""
    site.write("docs/index.md", "# Home\n")
    site.write("mkdocs.yml", site.config_text(strict=False))
    GitRepo(site.root).commit("The manual")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", *args],
        cwd=site.root,
        env=git_env({"NO_MKDOCS_2_WARNING": "1"}),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("quiet", [True, False], ids=["quiet", "default log level"])
def test_a_duplicate_id_fails_a_strict_build_whatever_the_log_level(
    site: Site, quiet: bool
) -> None:
    site.write("procedures/qp-001.md", document())
    site.write("procedures/qp-002.md", document(title="The same ID again"))
    result = mkdocs(site, "--strict", *(["-q"] if quiet else []))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "doc_id QP-001 is already used by procedures/qp-001.md" in output
    assert "[duplicate-id]" in output
    assert "Traceback" not in output
    if quiet:
        assert "fail this strict build (the log level hid the warnings" in output
        assert not (site.site_dir / "procedures").exists()  # nothing rejected is published


def test_a_deprecated_term_fails_a_quiet_strict_build(site: Site) -> None:
    site.write("procedures/qp-001.md", document(body="## Purpose\n\nLog each non-conformance.\n"))
    result = mkdocs(site, "--strict", "-q")
    assert result.returncode == 1
    assert "'non-conformance' is a house-style variant of 'nonconformity'" in result.stderr


def test_quiet_without_strict_still_builds(site: Site) -> None:
    site.write("procedures/qp-001.md", document())
    site.write("procedures/qp-002.md", document(title="The same ID again"))
    result = mkdocs(site, "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("args", [("--strict",), ("--strict", "-q")])
def test_an_overdue_review_is_shown_but_never_stops_the_site(site: Site, args: tuple[str]) -> None:
    # Today is 2026-11-23 (conftest); the review fell due the day before.
    site.write("procedures/qp-001.md", document(next_review="2026-11-22"))
    result = mkdocs(site, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (site.site_dir / "procedures/qp-001/index.html").read_text("utf-8")
    assert "Periodic review overdue since 22 Nov 2026" in page
    # One coherent message: not a "do not rely on this page" box beside "still in force".
    assert "qms-banner--invalid" not in page and "Do not rely on this page" not in page


def test_the_overdue_review_is_logged_as_information(site: Site) -> None:
    site.write("procedures/qp-001.md", document(next_review="2026-11-22"))
    result = mkdocs(site, "--strict")
    assert "INFO" in result.stderr and "[review-overdue]" in result.stderr
    assert "WARNING" not in result.stderr
