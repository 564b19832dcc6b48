"""A version Git keeps that cannot be read never breaks a later build: it is a finding on that
change, and history reads every version exactly as the documents are read."""

from __future__ import annotations

import json

import pytest
from mkdocs.exceptions import Abort

from tests.conftest import Site, document
from tests.gitrepo import GitRepo
from tests.test_history_site import qms


def with_extra(text: str, extra: str) -> str:
    """A document whose front matter ends with ``extra`` lines."""
    head, _, rest = text.partition("\n---\n")
    return f"{head}\n{extra}\n---\n{rest}"


MERGE_KEY = "x_defaults: &d {x_a: 1}\n<<: *d"
LONG_NUMBER = "x_count: " + "9" * 4400


@pytest.mark.parametrize(("extra", "words"), [(MERGE_KEY, "merge key"), (LONG_NUMBER, "digits")])
def test_a_broken_version_committed_then_fixed_is_a_finding_not_a_crash(
    site: Site, extra: str, words: str
) -> None:
    repo = GitRepo(site.root)
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    site.write("procedures/qp-001.md", with_extra(document(revision="B"), extra))
    site.build()
    broken = repo.head()
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()  # the version at `broken` is read from Git by every later build
    assert site.page("procedures/qp-001/")  # published
    with pytest.raises(Abort):
        site.build(strict=True)
    [message] = [w for w in site.warnings if "[unreadable-version]" in w]
    assert "procedures/qp-001.md" in message and broken[:8] in message and words in message
    assert "new revision" in message and "history_baseline" in message

    history = qms(site.root, "history", "procedures/qp-001.md", "--json")
    assert history.returncode == 0, history.stderr
    assert len(json.loads(history.stdout)["documents"][0]["commits"]) == 3

    # A new revision leaves the unreadable version behind, in the revision before.
    site.write(
        "procedures/qp-001.md",
        document(
            "## Purpose\n\nRevised.\n",
            revision="C",
            effective_date="2026-02-01",
            change_summary="Revised.",
        ),
    )
    site.build(strict=True)


def test_history_baseline_past_the_broken_version_accepts_it(site: Site) -> None:
    site.write("procedures/qp-001.md", with_extra(document(revision="B"), MERGE_KEY))
    site.build()
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    site.options["history_baseline"] = GitRepo(site.root).head()
    site.build(strict=True)


def test_a_version_that_is_not_yaml_counts_with_the_revision_around_it(site: Site) -> None:
    """Its revision cannot be read, yet the text change it brought is still checked."""
    site.write("procedures/qp-001.md", document(revision="B"))
    site.build()
    site.write(
        "procedures/qp-001.md",
        document("## Purpose\n\nQuietly changed.\n", revision="B").replace(
            "title: Test procedure", "title: Scope: what we do"
        ),
    )
    site.build()
    site.write("procedures/qp-001.md", document("## Purpose\n\nQuietly changed.\n", revision="B"))
    with pytest.raises(Abort):
        site.build(strict=True)
    rules = sorted(w.rsplit("[", 1)[1] for w in site.warnings)
    assert rules == ["unreadable-version]", "unrevised-change]"]


def test_a_tab_before_a_comment_is_read_as_yaml_reads_it(site: Site) -> None:
    """`revision: D<TAB># note` is revision D in history too, so the history rules apply."""
    site.write(
        "procedures/qp-001.md", document(revision="D").replace("revision: D", "revision: D\t# note")
    )
    site.build(strict=True)
    site.write("procedures/qp-001.md", document("## Purpose\n\nQuietly changed.\n", revision="D"))
    with pytest.raises(Abort):
        site.build(strict=True)
    assert any("[unrevised-change]" in w and "revision stayed D" in w for w in site.warnings)


def test_qms_check_reports_a_merge_key_in_a_current_file(site: Site) -> None:
    site.write("docs/index.md", "# Home\n")
    site.write("procedures/qp-001.md", with_extra(document(), MERGE_KEY))
    site.write("mkdocs.yml", site.config_text(strict=True))
    GitRepo(site.root).commit("The manual")  # qms check reads history too, as the build does
    result = qms(site.root, "check")
    assert result.returncode == 1, result.stderr
    assert "procedures/qp-001.md:16:" in result.stdout and "merge key" in result.stdout
