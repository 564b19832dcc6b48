"""Shared helpers: small real sites in tmp_path, built with MkDocs in this process."""

from __future__ import annotations

import logging
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from .gitrepo import GitRepo, git_env

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-23"


def front_matter(**fields: Any) -> str:
    """A controlled document's text with sensible defaults, overridden by ``fields``.

    A value of ``None`` removes the field.
    """
    data: dict[str, Any] = {
        "doc_id": "QP-001",
        "title": "Test procedure",
        "type": "procedure",
        "revision": "B",
        "status": "effective",
        "owner": "Quality Manager",
        "approved_by": "Managing Director",
        "approval_date": "2026-01-05",
        "effective_date": "2026-01-12",
        "review_interval_months": 24,
        "iso9001_clauses": ["7.5"],
        "change_summary": "First issue.",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n"


def document(body: str = "## Purpose\n\nSome text.\n", **fields: Any) -> str:
    return front_matter(**fields) + "\n" + body


@dataclass
class Site:
    """A small MkDocs project in a temporary folder."""

    root: Path
    options: dict[str, Any] = field(default_factory=lambda: {"today": TODAY})
    warnings: list[str] = field(default_factory=list)
    # Sites live in a Git repository, as real manuals do: build() commits what changed since
    # the last build, unless auto_commit is off (to test uncommitted work) or git is off.
    git: bool = True
    auto_commit: bool = True
    extra_config: dict[str, Any] = field(default_factory=dict)  # more mkdocs.yml settings

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    def write(self, path: str, text: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(textwrap.dedent(text) if text.startswith("\n") else text, "utf-8")
        return target

    def config_text(self, strict: bool) -> str:
        config = {
            "site_name": "Test manual",
            "docs_dir": "docs",
            "site_dir": "site",
            "strict": strict,
            "theme": {"name": "material", "font": False, "features": ["navigation.footer"]},
            "plugins": ["search", {"qms": self.options}],
            **self.extra_config,
        }
        return yaml.safe_dump(config, sort_keys=False)

    def build(self, strict: bool = False) -> None:
        """Build the site; raises mkdocs' Abort if strict and there were warnings."""
        if not (self.root / "docs" / "index.md").exists():
            self.write("docs/index.md", "# Home\n")
        (self.root / "procedures").mkdir(exist_ok=True)
        self.write("mkdocs.yml", self.config_text(strict))
        if self.git:
            repo = GitRepo(self.root)
            if self.auto_commit and repo.git("status", "--porcelain", "--", "docs", "procedures"):
                repo.commit("Update the manual")
        self.warnings.clear()
        handler = _ListHandler(self.warnings)
        logger = logging.getLogger("mkdocs")
        logger.addHandler(handler)
        try:
            build(load_config(str(self.root / "mkdocs.yml")))
        finally:
            logger.removeHandler(handler)

    def page(self, url: str) -> str:
        path = self.site_dir / url
        if url.endswith("/") or not url:
            path = path / "index.html"
        return path.read_text("utf-8")


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    yield Site(tmp_path / "project")


SAMPLE_FILES = ("docs", "procedures", "records_schema", "mkdocs.yml", "glossary.yml")


def clone_sample(root: Path) -> GitRepo:
    """A clone of this repository at ``root`` with the sample manual as the working tree has it:
    the sample's real history, and edits not committed yet committed in the clone. The tool's
    own code is left out of the clone's working tree, so that a ``qms`` run there imports the
    code under test."""
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(root)], check=True, env=git_env())
    repo = GitRepo(root)
    repo.git("checkout", "--quiet", "-B", "main")
    identity = GitRepo._identity(
        ("Test User", "test.user@example.com"), f"{TODAY}T12:00:00+00:00", None, None
    )
    # Gone from the clone's history too, so that no checkout there brings them back.
    repo.git("rm", "-r", "--quiet", "qms_plugin", "tests", "benchmarks")
    repo.git("commit", "--quiet", "--no-verify", "-m", "The sample only", env=identity)
    for name in SAMPLE_FILES:
        source, target = REPO / name, root / name
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    if repo.git("status", "--porcelain", "--", *SAMPLE_FILES):
        repo.git("add", "--all", "--", *SAMPLE_FILES)
        repo.git("commit", "--quiet", "--no-verify", "-m", "Work on the sample", env=identity)
    return repo


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample manual in a clone of this repository, so tests never write into the checkout."""
    return clone_sample(tmp_path_factory.mktemp("sample") / "manual").path


@pytest.fixture(scope="session")
def sample_site(sample_root: Path) -> Path:
    """The sample manual built once, strictly, exactly as the README builds it."""
    import os

    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    config = load_config(str(sample_root / "mkdocs.yml"), site_dir=str(sample_root / "site"))
    try:
        build(config)
    except Abort as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"the sample manual does not build strictly: {exc}")
    return sample_root / "site"
