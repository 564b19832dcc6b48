"""The qms command, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from qms_plugin.cli import main
from tests.conftest import Site, document
from tests.gitrepo import GitRepo


def run(site_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from qms_plugin.cli import main; main()", *args],
        cwd=site_root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def test_register_matches_the_site_export(sample_root: Path, sample_site: Path) -> None:
    for fmt in ("json", "csv"):
        result = run(sample_root, "register", "--format", fmt)
        assert result.returncode == 0, result.stderr
        exported = (sample_site / "qms" / f"register.{fmt}").read_text("utf-8")
        assert result.stdout.replace("\r\n", "\n") == exported.replace("\r\n", "\n")
    assert json.loads(run(sample_root, "register", "--format", "json").stdout)["documents"]


def test_check_passes_on_the_sample(sample_root: Path) -> None:
    result = run(sample_root, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Document control check passed" in result.stdout


def test_check_fails_naming_document_and_rule(site: Site) -> None:
    site.write("procedures/qp-001.md", document(related=["QP-404"]))
    site.write(
        "procedures/qp-002.md", document(doc_id="QP-002", status="approved", approved_by=None)
    )
    site.write("docs/index.md", "# Home\n")
    site.write("mkdocs.yml", site.config_text(strict=False))
    GitRepo(site.root).commit("The manual")  # as the site reads it: from Git
    config = str(site.root / "mkdocs.yml")
    result = CliRunner().invoke(main, ["check", "-f", config, "--format", "markdown"])
    assert result.exit_code == 1
    assert "| QP-001 | `procedures/qp-001.md:" in result.output
    assert "`unknown-reference`" in result.output
    assert "`approval-missing`" in result.output
    assert "2 problems in 2 of 2 documents" in result.output

    text = CliRunner().invoke(main, ["check", "-f", config])
    assert text.exit_code == 1
    assert "procedures/qp-001.md:" in text.output
    assert "names QP-404, but no document has that doc_id" in text.output
    assert "[unknown-reference]" in text.output
    assert "Document control check failed: 2 problems in 2 of 2 documents." in text.output


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    # Exit code 2: the check could not run (1 is kept for problems found in the documents).
    result = CliRunner().invoke(main, ["check", "-f", str(tmp_path / "mkdocs.yml")])
    assert result.exit_code == 2
    assert "not found" in result.output


def test_config_without_the_plugin(site: Site) -> None:
    site.write("mkdocs.yml", "site_name: x\n")
    site.write("docs/index.md", "# x\n")
    result = CliRunner().invoke(main, ["register", "-f", str(site.root / "mkdocs.yml")])
    assert result.exit_code == 2
    assert "does not enable the qms plugin" in result.output


def test_check_reports_terminology(site: Site) -> None:
    site.write("procedures/qp-001.md", document(body="## Purpose\n\nLog each non-conformance.\n"))
    site.write("glossary.yml", "terms:\n  - term: nonconformity\n    explanation: Ours.\n")
    site.options["glossary"] = "glossary.yml"
    site.write("docs/index.md", "# Home\n")
    site.write("mkdocs.yml", site.config_text(strict=False))
    GitRepo(site.root).commit("The manual")
    result = CliRunner().invoke(main, ["check", "-f", str(site.root / "mkdocs.yml")])
    assert result.exit_code == 1
    assert "procedures/qp-001.md:19: 'non-conformance' is a house-style variant" in result.output
    assert "glossary.yml:2: 'nonconformity' is already ISO 9000:2015 term 3.6.9" in result.output

    # qms check applies the site's glossary options as the build does
    site.options["glossary_house_style"] = False
    site.write("glossary.yml", "terms: []\n")
    site.write("mkdocs.yml", site.config_text(strict=False))
    result = CliRunner().invoke(main, ["check", "-f", str(site.root / "mkdocs.yml")])
    assert result.exit_code == 0, result.output
    assert "non-conformance" not in result.output
