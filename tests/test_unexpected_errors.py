"""An error nobody foresaw: `qms` exits 2 (1 means findings) with one line naming the file it
was reading, and `mkdocs build` stops with a PluginError naming it, never a traceback.

No input we know of still raises one, so these tests make our own code raise (the parser of
one file, the renderer of one page); MkDocs and Git run for real.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mkdocs.exceptions import Abort

from qms_plugin.cli import main
from qms_plugin.core import frontmatter
from qms_plugin.core.history import reading as history_reading
from qms_plugin.render import Renderer
from tests.conftest import Site, document
from tests.test_check_base import qms

BOOM = "a bug\nover two lines"


def _fail_for(path_part: str, real: Any) -> Any:
    def parse(text: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if path_part in path:
            raise RuntimeError(BOOM)
        return real(text, path, *args, **kwargs)

    return parse


@pytest.fixture
def manual(site: Site) -> Site:
    site.write("procedures/qp-001.md", document())
    site.write("procedures/qp-002.md", document(doc_id="QP-002"))
    site.build()
    return site


def _run(monkeypatch: pytest.MonkeyPatch, root: Path, *args: str) -> Any:
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [["check"], ["register"], ["check", "--format", "json"]])
def test_the_cli_exits_2_naming_the_file(
    manual: Site, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setattr(frontmatter, "parse", _fail_for("qp-002", frontmatter.parse))
    result = _run(monkeypatch, manual.root, *command)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "unexpected error while reading procedures/qp-002.md" in lines[0]
    assert "RuntimeError: a bug over two lines" in lines[0]


def test_history_names_the_version_it_was_reading(
    manual: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    def snapshot_of(raw: bytes) -> Any:
        raise RuntimeError(BOOM)

    monkeypatch.setattr(history_reading, "snapshot_of", snapshot_of)
    result = _run(monkeypatch, manual.root, "history", "--json")
    assert result.exit_code == 2, result.output
    assert (
        "while reading procedures/qp-00" in result.output
        and "(the version in blob" in result.output
    )


def test_a_configuration_mkdocs_refuses_exits_2(site: Site) -> None:
    site.write("mkdocs.yml", site.config_text(strict=False))  # docs/ does not exist
    result = qms(site.root, "check")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "mkdocs.yml" in result.stderr and "Traceback" not in result.stderr


def test_a_build_stops_with_a_plugin_error_naming_the_file(
    manual: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(frontmatter, "parse", _fail_for("qp-002", frontmatter.parse))
    with caplog.at_level(logging.ERROR, logger="mkdocs"), pytest.raises(Abort):
        manual.build()
    [error] = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.startswith("qms: unexpected error while reading procedures/qp-002.md")


def test_a_page_that_cannot_be_rendered_is_named(
    manual: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def control_block(self: Renderer, doc: Any, *args: Any, **kwargs: Any) -> str:
        raise KeyError("state")

    monkeypatch.setattr(Renderer, "control_block", control_block)
    with caplog.at_level(logging.ERROR, logger="mkdocs"), pytest.raises(Abort):
        manual.build()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert (
        "qms: unexpected error while reading procedures/qp-001.md: KeyError: 'state'"
        in (errors[-1])
    )
