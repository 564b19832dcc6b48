"""Fuzzing (hypothesis): random front matter in small random Git histories (renames, merges,
odd dates, odd encodings, control characters, HTML in titles, names and subjects) go through
`mkdocs build`, `qms check` and `qms history --json`.

Whatever the input: no traceback; exit codes as documented (check: 0 passed, 1 findings;
history: 0); every export is valid; and no page holds an element or an event handler that the
input's Markdown did not write (the bodies here write none).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mkdocs.commands.build import build
from mkdocs.config import load_config

from qms_plugin.cli import main
from tests.conftest import TODAY
from tests.gitrepo import GitRepo
from tests.test_history_site import SCHEMA as HISTORY_SCHEMA

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(2)>',
    "</title><script>alert(3)</script>",
    "<!-- x --><iframe src=javascript:alert(4)>",
    "&lt;img src=x onerror=alert(5)&gt;",
]
ODD = ["\x1b[2J", "\r", "\n", "\t", "\u202e", "\x00", "\ufeff", "—", "é", "|", "@team", "#12", "`"]

texts = st.lists(
    st.one_of(
        st.sampled_from(PAYLOADS + ODD),
        st.text("abcdefXYZ 0123-.:", min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=4,
).map("".join)
revisions = st.one_of(st.sampled_from(["A", "B", "C", "1.10", "D\t# note", ""]), texts)
dates = st.one_of(
    st.sampled_from(["2026-01-12", "9999-12-31", "2026-02-30", "1899-01-01", "soon"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2199, 12, 31)).map(str),
)


@st.composite
def front_matters(draw: st.DrawFn) -> str:
    data: dict[str, Any] = {
        "doc_id": draw(st.sampled_from(["QP-001", "QP-002", "X", "QP-001"])),
        "title": draw(texts),
        "type": draw(st.sampled_from(["procedure", "form", "memo"])),
        "revision": draw(revisions),
        "status": draw(st.sampled_from(["draft", "effective", "approved", "obsolete", "odd"])),
        "owner": draw(texts),
    }
    if draw(st.booleans()):
        data["approved_by"] = draw(st.one_of(texts, st.lists(texts, max_size=2)))
        data["effective_date"] = draw(dates)
        data["review_interval_months"] = draw(st.sampled_from([1, 24, 120, 0, 100_000]))
    if draw(st.booleans()):
        data["iso9001_clauses"] = draw(
            st.lists(st.sampled_from(["7.5", "8.7", *PAYLOADS]), max_size=2)
        )
        data["description"] = draw(texts)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    extra = draw(
        st.sampled_from(
            ["", "", "x_defaults: &d {a: 1}\n<<: *d\n", f"x_n: {'9' * 4400}\n", "bad: [\n"]
        )
    )
    return f"---\n{text}{extra}---\n"


body_text = st.text(
    st.characters(codec="utf-8", exclude_characters="<>&`\\[]!*_|#"), max_size=60
).map(lambda t: "## Purpose\n\n" + (t.strip() or "Text.") + "\n")


@st.composite
def encodings(draw: st.DrawFn) -> Any:
    """How a version is written: UTF-8, with a byte-order mark, CRLF, or Windows-1252."""
    kind = draw(st.sampled_from(["utf-8", "utf-8", "bom", "crlf", "cp1252"]))

    def encode(text: str) -> bytes:
        if kind == "bom":
            return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
        if kind == "crlf":
            return text.replace("\n", "\r\n").encode("utf-8", "surrogatepass")
        if kind == "cp1252":
            return text.encode("cp1252", "replace")
        return text.encode("utf-8", "surrogatepass")

    return encode


# Git drops '<' and '>' from names (and refuses a name of nothing else): HTML in names reaches
# history through trailers, below.
people = st.tuples(
    texts.map(lambda t: "Ann " + t.replace("\x00", "").replace("\n", " ")),
    st.just("a@example.com"),
)
messages = st.one_of(
    texts,
    st.builds(lambda s, who: f"{s}\n\nApproved-by: {who} <x@example.com>", texts, texts),
)


@dataclass
class Step:
    kind: str  # "edit", "rename", "merge", "bad-date"
    path: str
    front: str
    body: str
    encode: Any
    author: tuple[str, str]
    subject: str
    day: int


steps = st.builds(
    Step,
    st.sampled_from(["edit", "edit", "rename", "merge", "bad-date"]),
    st.sampled_from(["qp-001.md", "sub/qp-001.md", "qp 001 é.markdown", "qp-002.md"]),
    front_matters(),
    body_text,
    encodings(),
    people,
    messages,
    st.integers(1, 28),
)


def _message(text: str) -> str:
    """A message git accepts (no NUL; git refuses one that is only white space)."""
    return "Change " + text.replace("\x00", "")


def _commit(repo: GitRepo, step: Step) -> None:
    date = f"2026-03-{step.day:02d}T10:00:00+01:00"
    subject = _message(step.subject)
    if step.kind == "bad-date":
        repo.git("add", "--all")
        tree = repo.git("write-tree").strip()
        raw = repo.path / ".git" / "raw"
        raw.write_text(
            f"tree {tree}\nparent {repo.head()}\nauthor A <a@x> notadate +0000\n"
            f"committer A <a@x> 1 +9999\n\n{subject}\n",
            "utf-8",
            "surrogatepass",
        )
        sha = repo.git("hash-object", "-t", "commit", "-w", "--literally", str(raw)).strip()
        raw.unlink()
        repo.git("update-ref", "HEAD", sha)
        return
    repo.commit(subject, author=step.author, date=date, allow_empty=True)


def _apply(repo: GitRepo, current: list[str], step: Step) -> None:
    """One step of history: write the document (moving it first, for a rename)."""
    target = f"procedures/{step.path}"
    if step.kind == "rename" and current and current[-1] != target:
        repo.move(current[-1], target)
    elif current:
        target = current[-1]
    current.append(target)
    if step.kind == "merge":
        repo.branch(f"change-{len(current)}")
        repo.write(target, step.encode(step.front + "\n" + step.body))
        repo.commit("Draft", author=step.author, allow_empty=True)
        repo.checkout("main")
        message = f"Merge pull request #{len(current)} from x\n\n{_message(step.subject)}"
        repo.merge(f"change-{len(current)}", message, author=step.author)
        return
    repo.write(target, step.encode(step.front + "\n" + step.body))
    _commit(repo, step)


class _Elements(HTMLParser):
    """Elements and attributes that run or fetch something, and scripts' text."""

    def __init__(self) -> None:
        super().__init__()
        self.dangerous: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("img", "iframe", "object", "embed"):
            self.dangerous.append(tag)
        self.dangerous += [name for name, _ in attrs if name.startswith("on")]
        self.in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and "alert(" in data:
            self.dangerous.append("script")


@contextmanager
def _quiet_mkdocs() -> Iterator[None]:
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _site(root: Path) -> None:
    config = {
        "site_name": "Fuzz",
        "theme": {"name": "material", "font": False, "features": ["content.tooltips"]},
        "plugins": ["search", {"qms": {"today": TODAY}}],
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config), "utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Home\n", "utf-8")


@settings(
    # Each example builds a site: a few, to keep the suite quick. Fuzz longer with
    # QMS_FUZZ_EXAMPLES=500 python -m pytest tests/test_fuzz.py
    max_examples=int(os.environ.get("QMS_FUZZ_EXAMPLES", "6")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(steps, min_size=1, max_size=4))
def test_random_histories_never_crash_or_inject(history: list[Step]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _site(root)
        repo = GitRepo(root)
        repo.commit("The manual")
        current: list[str] = []
        for step in history:
            _apply(repo, current, step)

        with _quiet_mkdocs():
            build(load_config(str(root / "mkdocs.yml"), site_dir=str(root / "site")))
        for page in (root / "site").rglob("*.html"):
            parser = _Elements()
            parser.feed(page.read_text("utf-8"))
            assert parser.dangerous == [], page
        exported = json.loads((root / "site" / "qms" / "history.json").read_text("utf-8"))
        jsonschema.validate(exported, HISTORY_SCHEMA)
        json.loads((root / "site" / "qms" / "register.json").read_text("utf-8"))

        cwd = os.getcwd()
        os.chdir(root)
        try:
            runner = CliRunner()
            check = runner.invoke(main, ["check"])
            history_json = runner.invoke(main, ["history", "--json"])
        finally:
            os.chdir(cwd)
        assert check.exit_code in (0, 1), check.output
        assert not isinstance(check.exception, Exception) or isinstance(
            check.exception, SystemExit
        ), check.output
        assert (check.exit_code == 0) == ("check passed" in check.output)
        assert "\x1b" not in check.output and "\r" not in check.output
        assert history_json.exit_code == 0, history_json.output
        jsonschema.validate(json.loads(history_json.stdout), HISTORY_SCHEMA)
