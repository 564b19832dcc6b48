"""`qms pdf`: controlled PDFs through a local Chromium, optional."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qms_plugin.cli import main
from qms_plugin.pdf import PrintJob, find_browser
from tests.conftest import Site, document

CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome")


def _site(site: Site) -> Site:
    steps = "\n\n".join(f"Step {n}: check the gauge and record it." for n in range(80))
    site.write("procedures/qp-001.md", document(f"## Steps\n\n{steps}\n", title="Gauges"))
    site.build(strict=True)
    return site


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium or Chrome on this machine")
def test_qms_pdf_prints_a_controlled_copy_of_every_page(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf import PdfReader

    _site(site)
    monkeypatch.chdir(site.root)
    result = CliRunner().invoke(main, ["pdf", "QP-001", "--site-dir", "site", "-o", "out"])
    assert result.exit_code == 0, result.output
    pdf = site.root / "out" / "QP-001-rev-B.pdf"
    assert result.output.strip() == str(pdf.resolve())
    pages = PdfReader(str(pdf)).pages
    assert len(pages) >= 2
    assert round(float(pages[0].mediabox.width)) == 595  # A4, the default paper
    second = pages[1].extract_text() or ""
    assert "QP-001 Gauges" in second and "Revision B · Effective, in force" in second
    assert "Uncontrolled when printed — printed on" in second
    assert f"Page 2 of {len(pages)}" in second


def test_qms_pdf_says_clearly_when_there_is_no_browser(
    site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("QMS_BROWSER", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["pdf"])
    assert result.exit_code == 2
    assert "no Chromium or Chrome found" in result.output
    assert "apt-get install chromium" in result.output and "optional" in result.output


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium or Chrome on this machine")
def test_qms_pdf_refuses_an_unknown_id(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    _site(site)
    monkeypatch.chdir(site.root)
    result = CliRunner().invoke(main, ["pdf", "QP-999", "--site-dir", "site"])
    assert result.exit_code == 2
    assert "no published document with the ID QP-999" in result.output


def test_a_named_browser_that_is_not_there_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from qms_plugin.pdf import PdfError

    with pytest.raises(PdfError, match="no browser at '/no/such/browser'"):
        find_browser("/no/such/browser")


def test_pdf_file_names_carry_the_revision() -> None:
    assert PrintJob("QP-001", "B", "x/").file_name == "QP-001-rev-B.pdf"
    assert PrintJob("QP-001", "", "x/").file_name == "QP-001.pdf"
