"""``qms new``: the next free ID, the right folder and a valid first draft."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qms_plugin.core.scaffold import IdTemplate, ScaffoldError, next_free_id
from tests.conftest import document
from tests.gitrepo import GitRepo
from tests.test_check_base import CONTROLLER, config, qms, sample_repo


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return sample_repo(tmp_path_factory.mktemp("new") / "sample")


def front(repo: GitRepo, path: str) -> dict[str, object]:
    data = yaml.safe_load(repo.read(path).split("---\n")[1])
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(
    ("args", "path", "doc_id", "related"),
    [
        (
            ("procedure", "--title", "Calibration of gauges"),
            "procedures/quality-procedures/qp-103.md",
            "QP-103",
            None,
        ),
        (
            ("work_instruction", "--parent", "QP-085"),
            "procedures/work-instructions/wi-085-05.md",
            "WI-085-05",
            ["QP-085"],
        ),
        (
            ("form", "--parent", "QP-084"),  # F-084-02 is obsolete: its number stays used
            "procedures/forms/f-084-03.md",
            "F-084-03",
            ["QP-084"],
        ),
        (("policy",), "procedures/manual/pol-002.md", "POL-002", None),
        (("external",), "procedures/external/ext-006.md", "EXT-006", None),
    ],
)
def test_new_documents_in_the_sample(
    sample: GitRepo, args: tuple[str, ...], path: str, doc_id: str, related: list[str] | None
) -> None:
    result = qms(sample, "new", *args, "--owner", "Amir Haddad (Quality Engineer)")
    try:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == path
        data = front(sample, path)
        assert data["doc_id"] == doc_id
        assert (data["status"], data["revision"]) == ("draft", "A")
        assert data.get("related") == related
        assert data["owner"] == "Amir Haddad (Quality Engineer)"
        # Valid front matter, and a draft breaks none of the rules.
        checked = qms(sample, "check")
        assert checked.returncode == 0, checked.stdout
    finally:
        (sample.path / path).unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("procedure", "--id", "QP-075"), 1, "QP-075 is used by procedures/quality-procedures"),
        (("procedure", "--id", "QP-75"), 2, "does not fit the pattern for a procedure"),
        (("work_instruction",), 2, "name it with --parent, for example --parent QP-075"),
        (("work_instruction", "--parent", "QP-404"), 2, "no document has the ID QP-404"),
        (("procedure", "--parent", "QP-075"), 2, "leave out --parent"),
        (("memo",), 2, "Invalid value for 'TYPE'"),
    ],
)
def test_refusals(sample: GitRepo, args: tuple[str, ...], code: int, words: str) -> None:
    result = qms(sample, "new", *args)
    assert result.returncode == code, result.stdout + result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_ids_of_deleted_documents_are_never_given_again(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "manual")
    repo.write("mkdocs.yml", config())
    repo.write("docs/index.md", "# Home\n")
    repo.write("procedures/qp-001.md", document())
    repo.write("procedures/qp-007.md", document(doc_id="QP-007", title="Short-lived"))
    repo.commit("The manual", author=CONTROLLER)
    repo.remove("procedures/qp-007.md")
    repo.commit("Remove QP-007", author=CONTROLLER)

    taken = qms(repo, "new", "procedure", "--id", "QP-007")
    assert taken.returncode == 1
    assert "QP-007 was used before by procedures/qp-007.md; IDs are never reused" in taken.stderr

    made = qms(repo, "new", "procedure", "--title", "Next")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "procedures/qp-008.md"
    # The owner defaults to the configured Git user; the title is as given.
    assert front(repo, "procedures/qp-008.md")["owner"] == "Test User"
    assert front(repo, "procedures/qp-008.md")["title"] == "Next"


@pytest.mark.parametrize(("scheme", "first"), [("integer", "1"), ("major.minor", "1.0")])
def test_first_revision_of_each_scheme_outside_git(tmp_path: Path, scheme: str, first: str) -> None:
    root = tmp_path / "manual"  # files only: no repository
    (root / "docs").mkdir(parents=True)
    (root / "procedures").mkdir()
    (root / "mkdocs.yml").write_text(config(scheme), "utf-8")
    (root / "docs/index.md").write_text("# Home\n", "utf-8")
    (root / "procedures/qp-004.md").write_text(document(doc_id="QP-004", revision=first), "utf-8")
    result = qms(root, "new", "procedure", "--title", "Two: a title with a colon")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "procedures/qp-005.md"
    text = (root / "procedures/qp-005.md").read_text("utf-8")
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["revision"] == first and isinstance(data["revision"], str)
    assert data["title"] == "Two: a title with a colon"
    assert "## Purpose\n" in text and "## Records\n" in text
    # The check runs what the build runs: outside Git, with revision history on, neither can.
    outside = qms(root, "check")
    assert outside.returncode == 2 and "set 'history: false'" in outside.stderr
    settings = yaml.safe_load(config(scheme))
    settings["plugins"][1]["qms"]["history"] = False
    (root / "mkdocs.yml").write_text(yaml.safe_dump(settings), "utf-8")
    assert qms(root, "check").returncode == 0


@pytest.mark.parametrize(
    ("pattern", "used", "prefix", "expected"),
    [
        (r"QP-\d{3}", ["QP-001", "QP-041", "QP-9", "WI-050-01"], (), "QP-042"),
        (r"QP-\d{3}", [], (), "QP-001"),
        (r"WI-\d{3}-\d{2}", ["WI-085-01", "WI-085-04", "WI-086-09"], (85,), "WI-085-05"),
        (r"WI-\d{3}-\d{2}", ["WI-085-01"], (86,), "WI-086-01"),
        (r"DOC\.\d+", ["DOC.9", "DOC.10"], (), "DOC.11"),
        (r"SOP-[0-9]{4}", ["SOP-0100"], (), "SOP-0101"),
    ],
)
def test_next_free_id(
    pattern: str, used: list[str], prefix: tuple[int, ...], expected: str
) -> None:
    assert next_free_id(IdTemplate.parse(pattern), used, prefix) == expected


@pytest.mark.parametrize(
    ("pattern", "used", "words"),
    [
        (r"QP-\d{3}", ["QP-999"], "no free number left"),
        (r"(QP|QM)-\d{3}", [], "pass --id"),
        (r"QP-ABC", [], "has no number"),
    ],
)
def test_next_free_id_failures(pattern: str, used: list[str], words: str) -> None:
    with pytest.raises(ScaffoldError, match=words):
        next_free_id(IdTemplate.parse(pattern), used)


def test_a_custom_revision_scheme_starts_new_documents_at_its_first_revision(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "manual")
    options = {"revision_scheme": "custom", "revision_pattern": "v([0-9]+)", "revision_first": "v1"}
    repo.write(
        "mkdocs.yml",
        yaml.safe_dump(
            {"site_name": "T", "theme": {"name": "material"}, "plugins": [{"qms": options}]}
        ),
    )
    repo.write("docs/index.md", "# Home\n")
    repo.write("procedures/qp-001.md", document(revision="v3"))
    repo.commit("The manual", author=CONTROLLER)
    result = qms(repo, "new", "procedure", "--owner", "Ann")
    assert result.returncode == 0, result.stderr
    assert front(repo, result.stdout.strip())["revision"] == "v1"
