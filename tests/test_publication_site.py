"""The controlled state in real sites built from real Git histories: the revision in force on
each page, pending revisions, revision pages with redlines, withdrawal, the manual on a date."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

from tests.conftest import REPO, Site, document
from tests.gitrepo import GitRepo
from tests.test_check_base import qms

TOM = ("Tomasz Nowak", "tom@kestrel.example")
QP = "procedures/qp-001.md"
OLD_TEXT = "## Method\n\nCalibrate every gauge every 12 months.\n"
NEW_TEXT = "## Method\n\nCalibrate every gauge every 6 months, and after a drop.\n"


def at(day: str) -> str:
    return f"{day}T12:00:00+00:00"


def commit(site: Site, when: str, path: str = QP, body: str = OLD_TEXT, **fields: object) -> str:
    site.write("docs/index.md", "# Home\n")
    site.write(path, document(body, **fields))
    return GitRepo(site.root).commit(f"{path} {fields.get('revision')}", author=TOM, date=at(when))


def pending_manual(site: Site) -> None:
    """QP-001: revision C in force since January; D approved in November, in force 7 Dec."""
    commit(site, "2026-01-05", revision="C", effective_date="2026-01-12")
    commit(
        site,
        "2026-11-16",
        body=NEW_TEXT,
        revision="D",
        status="approved",
        approval_date="2026-11-16",
        effective_date="2026-12-07",
        change_summary="Six-monthly calibration.",
    )


def schema(name: str) -> dict[str, object]:
    return yaml.safe_load((REPO / "records_schema" / name).read_text("utf-8"))  # type: ignore[no-any-return]


def main_text(page: str) -> str:
    """The document's own text: after the control block, before the revision history."""
    return page.split('class="qms-control"', 1)[1].split("</dl>", 1)[1].split("revision-history")[0]


def test_the_page_shows_the_revision_in_force_and_announces_the_pending_one(site: Site) -> None:
    pending_manual(site)
    site.build(strict=True)
    page = site.page("procedures/qp-001/")
    assert "<dt>Revision</dt><dd>C</dd>" in page
    assert "every 12 months" in main_text(page) and "6 months" not in main_text(page)
    assert "Revision D approved: in force from 7 Dec 2026" in page
    assert '<a href="rev/D/">Read revision D</a>' in page
    assert '<a href="rev/D/#changes">See what changes</a>' in page
    assert "Change: Six-monthly calibration." in page
    assert '<a href="rev/C/">Permanent link to revision C</a>' in page
    # The master list and its exports: the revision in force, and the one to come.
    exported = json.loads((site.site_dir / "qms/register.json").read_text("utf-8"))
    [row] = exported["documents"]
    assert (row["revision"], row["state"], row["effective_date"]) == ("C", "current", "2026-01-12")
    assert (row["pending_revision"], row["pending_from"]) == ("D", "2026-12-07")
    jsonschema.validate(exported, schema("register.schema.yaml"))


def test_revision_pages_are_read_only_out_of_nav_and_search_with_a_redline(site: Site) -> None:
    pending_manual(site)
    site.build(strict=True)
    pending = site.page("procedures/qp-001/rev/D/")
    assert '<meta name="robots" content="noindex, nofollow">' in pending
    assert 'class="qms-watermark" data-qms-watermark="Pending — not yet in force"' in pending
    assert "comes into force on 7 Dec 2026" in pending
    assert '<a href="../C/">revision C</a>' in pending  # the revision in force until then
    assert "<dt>Revision</dt><dd>D</dd>" in pending  # its own control block
    changes = pending.split('id="changes"', 1)[1]
    assert re.search(r"<del>12 months\.</del>\s*<ins>6 months, and after a drop\.</ins>", changes)
    assert "<td>C</td><td>D</td>" in changes  # the changed revision field
    current = site.page("procedures/qp-001/rev/C/")
    assert "Revision C: In force" in current and "qms-watermark" not in current
    assert "first revision published from Git" in current
    # Out of the navigation, the sitemap and the search index.
    assert "rev/" not in (site.site_dir / "sitemap.xml").read_text("utf-8")
    assert "rev/" not in (site.site_dir / "search/search_index.json").read_text("utf-8")
    assert "rev/D" not in site.page("").split('class="md-content"')[0]
    # The revision history links each revision to its page and says where it stands.
    history = site.page("procedures/qp-001/").split('id="revision-history"', 1)[1]
    assert '<a href="rev/D/" title="Read revision D as approved">D</a>' in history
    assert "approved, not yet in force" in history


def test_on_the_effective_day_the_new_revision_is_in_force(site: Site) -> None:
    pending_manual(site)
    site.options["today"] = "2026-12-07"
    site.build(strict=True)
    page = site.page("procedures/qp-001/")
    assert "<dt>Revision</dt><dd>D</dd>" in page and "6 months" in main_text(page)
    assert "approved: in force from" not in page
    older = site.page("procedures/qp-001/rev/C/")
    assert "Superseded — for reference only" in older
    assert (
        "in force from 12 Jan 2026 to 6 Dec 2026" in older
        and '<a href="../D/">revision D</a>' in older
    )
    site.options["today"] = "2026-12-06"
    site.build(strict=True)
    assert "<dt>Revision</dt><dd>C</dd>" in site.page("procedures/qp-001/")


def test_a_revision_in_review_does_not_take_the_place_of_the_one_in_force(site: Site) -> None:
    commit(site, "2026-01-05", revision="C", effective_date="2026-01-12")
    commit(
        site,
        "2026-11-16",
        body=NEW_TEXT,
        revision="D",
        status="in_review",
        approved_by=None,
        approval_date=None,
        effective_date=None,
    )
    site.build(strict=True)
    page = site.page("procedures/qp-001/")
    assert "<dt>Revision</dt><dd>C</dd>" in page and "12 months" in main_text(page)
    assert "Revision D is in review" in page and "In review: not for use" not in page
    assert not (site.site_dir / "procedures/qp-001/rev/D").exists()
    site.options["work_in_progress"] = "preview"
    site.build(strict=True)
    preview = site.page("procedures/qp-001/rev/D/")
    assert "Preview — not approved" in preview and "6 months" in preview
    assert '<a href="rev/D/">Preview revision D</a>' in site.page("procedures/qp-001/")


def test_a_first_issue_in_draft_is_shown_as_a_draft(site: Site) -> None:
    commit(
        site,
        "2026-11-16",
        revision="A",
        status="draft",
        approved_by=None,
        approval_date=None,
        effective_date=None,
    )
    site.build(strict=True)
    page = site.page("procedures/qp-001/")
    assert "Draft: not for use" in page and "12 months" in main_text(page)
    assert not (site.site_dir / "procedures/qp-001/rev").exists()


def supersession(site: Site) -> None:
    """WI-001-01 replaced by WI-001-02, approved in November, in force from 14 December."""
    old, new = "procedures/wi/wi-001-01.md", "procedures/wi/wi-001-02.md"
    common = {"type": "work_instruction"}
    commit(site, "2026-01-05", old, doc_id="WI-001-01", revision="C", **common)
    site.write(
        old,
        document(
            OLD_TEXT,
            doc_id="WI-001-01",
            revision="C",
            status="superseded",
            superseded_by="WI-001-02",
            **common,
        ),
    )
    commit(
        site,
        "2026-11-16",
        new,
        body=NEW_TEXT,
        doc_id="WI-001-02",
        title="Deburring",
        revision="A",
        status="approved",
        approval_date="2026-11-16",
        effective_date="2026-12-14",
        supersedes=["WI-001-01"],
        **common,
    )


def nav_of(page: str) -> str:
    return page.split('class="md-nav__list"', 1)[1].split('class="md-content"', 1)[0]


def test_a_superseded_document_stays_in_force_until_its_successor_is(site: Site) -> None:
    supersession(site)
    site.build(strict=True)
    old = site.page("procedures/wi/wi-001-01/")
    assert "To be withdrawn on 14 Dec 2026" in old
    assert re.search(r'use\s*<a href="\.\./wi-001-02/">WI-001-02 Deburring</a> instead', old)
    assert "Superseded: do not use" not in old and "qms-watermark" not in old
    assert '<dt>Status</dt><dd><span class="qms-state qms-state--current"' in old
    assert "Withdrawn documents" not in nav_of(old)
    new = site.page("procedures/wi/wi-001-02/")
    assert "Approved: effective from 14 Dec 2026" in new


def test_once_withdrawn_a_document_leaves_the_navigation_marked_and_demoted(site: Site) -> None:
    supersession(site)
    site.options["today"] = "2026-12-14"
    site.build(strict=True)
    old = site.page("procedures/wi/wi-001-01/")
    assert "Superseded: do not use" in old
    assert 'class="qms-watermark" data-qms-watermark="Superseded — for reference only"' in old
    assert "<title>WI-001-01 Test procedure (superseded)" in old
    nav = nav_of(site.page("procedures/wi/wi-001-02/"))
    withdrawn = nav.split("Withdrawn documents", 1)
    assert len(withdrawn) == 2 and "WI-001-01" in withdrawn[1] and "WI-001-02" in withdrawn[0]
    index = json.loads((site.site_dir / "search/search_index.json").read_text("utf-8"))
    entry = next(d for d in index["docs"] if d["location"] == "procedures/wi/wi-001-01/")
    assert entry["boost"] == 0.0005 and "(superseded)" in entry["title"]
    # The last revision in force keeps its page, watermarked.
    kept = site.page("procedures/wi/wi-001-01/rev/C/")
    assert "Withdrawn — for reference only" in kept


def test_withdrawn_documents_can_be_hidden_or_kept_and_left_out_of_search(site: Site) -> None:
    supersession(site)
    site.options.update(today="2026-12-14", withdrawn_in_nav="hide", withdrawn_search="exclude")
    site.build(strict=True)
    nav = nav_of(site.page("procedures/wi/wi-001-02/"))
    assert "WI-001-01" not in nav and "Withdrawn documents" not in nav
    assert (site.site_dir / "procedures/wi/wi-001-01/index.html").is_file()  # still published
    index = (site.site_dir / "search/search_index.json").read_text("utf-8")
    assert "procedures/wi/wi-001-01/" not in index
    site.options.update(withdrawn_in_nav="keep", withdrawn_search="keep")
    site.build(strict=True)
    nav = nav_of(site.page("procedures/wi/wi-001-02/"))
    assert "WI-001-01" in nav and "Withdrawn documents" not in nav


def three_revisions(site: Site) -> None:
    commit(site, "2020-01-06", revision="A", effective_date="2020-01-13")
    commit(site, "2023-01-09", body=NEW_TEXT, revision="B", effective_date="2023-01-16")
    commit(site, "2026-01-05", body=NEW_TEXT + "\nMore.\n", revision="C")


def test_the_archive_can_keep_a_retention_period_or_nothing(site: Site) -> None:
    three_revisions(site)
    site.build(strict=True)
    for label in ("A", "B", "C"):
        assert (site.site_dir / f"procedures/qp-001/rev/{label}/index.html").is_file()
    site.options.update(archive="retention", archive_retention_years=3)
    site.build(strict=True)
    # A ended on 16 Jan 2023, more than three years before 23 Nov 2026: not kept.
    assert not (site.site_dir / "procedures/qp-001/rev/A").exists()
    assert (site.site_dir / "procedures/qp-001/rev/B/index.html").is_file()
    b = site.page("procedures/qp-001/rev/B/")
    assert "The text of revision A is not published" not in b  # the redline is still shown
    assert "<del>" in b or "<ins>" in b
    site.options.update(archive="none")
    site.build(strict=True)
    assert not (site.site_dir / "procedures/qp-001/rev").exists()
    assert "rev/" not in site.page("procedures/qp-001/").split('id="revision-history"')[1]


def test_the_manual_as_of_a_date_and_its_export(site: Site) -> None:
    three_revisions(site)
    site.build(strict=True)
    page = site.page("manual-as-of/")
    assert 'data-qms-source="../qms/revisions.json"' in page
    assert 'value="2026-11-23"' in page and 'min="2020-01-13"' in page
    row = page.split("data-qms-as-of-rows>", 1)[1].split("</tr>")[0]
    assert '<a href="../procedures/qp-001/rev/C/">C</a>' in row and "In force" in row
    exported = json.loads((site.site_dir / "qms/revisions.json").read_text("utf-8"))
    jsonschema.validate(exported, schema("revisions.schema.yaml"))
    [doc] = exported["documents"]
    assert [(r["revision"], r["in_force_from"], r["in_force_until"]) for r in doc["revisions"]] == [
        ("A", "2020-01-13", "2023-01-16"),
        ("B", "2023-01-16", "2026-01-12"),
        ("C", "2026-01-12", None),
    ]
    assert doc["revisions"][0]["url"] == "procedures/qp-001/rev/A/"
    # The command line gives the same list, for any day.
    for day, revision in (("2023-01-15", "A"), ("2023-01-16", "B"), ("2026-11-23", "C")):
        result = qms(site.root, "register", "--as-of", day, "--format", "json")
        assert result.returncode == 0, result.stderr
        listed = json.loads(result.stdout)
        jsonschema.validate(listed, schema("as-of.schema.yaml"))
        assert [(d["id"], d["revision"]) for d in listed["documents"]] == [("QP-001", revision)]
    before = json.loads(
        qms(site.root, "register", "--as-of", "2019-12-31", "--format", "json").stdout
    )
    assert before["documents"] == []
    csv_out = qms(site.root, "register", "--as-of", "2023-01-16").stdout.splitlines()
    assert csv_out[0].startswith("id,title,type,revision,state,in_force_from")
    assert csv_out[1].startswith("QP-001,Test procedure,procedure,B,in_force,2023-01-16,2026-01-12")


def test_qms_diff_compares_revisions_word_by_word(site: Site) -> None:
    pending_manual(site)
    site.build(strict=True)
    text = qms(site.root, "diff", "QP-001")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Revision C -> D\n")
    assert "[-12 months.-] {+6 months, and after a drop.+}" in text.stdout
    assert "  revision: C -> D" in text.stdout
    html = qms(site.root, "diff", "QP-001", "C", "D", "--format", "html").stdout
    assert "<del>12 months.</del>" in html and 'class="qms-redline__fields"' in html
    markdown = qms(site.root, "diff", "QP-001", "C", "D", "--format", "markdown").stdout
    assert "<del>12 months.</del> <ins>6 months, and after a drop.</ins>" in markdown
    backwards = qms(site.root, "diff", "QP-001", "D", "C").stdout
    assert "[-6 months, and after a drop.-] {+12 months.+}" in backwards
    unknown = qms(site.root, "diff", "QP-001", "C", "Z")
    assert unknown.returncode == 2 and "QP-001 has no revision 'Z'; it has C, D" in unknown.stderr
    missing = qms(site.root, "diff", "QP-999")
    assert missing.returncode == 2 and "no controlled document has the ID QP-999" in missing.stderr
    first = qms(site.root, "diff", "QP-001", "C")
    assert first.returncode == 0 and "[-12 months.-]" in first.stdout  # C against the newest


def test_the_pull_request_report_shows_a_folded_redline(tmp_path: Path) -> None:
    from tests.test_check_base import edit, make_manual

    repo = make_manual(tmp_path / "manual")
    edit(
        repo,
        "procedures/qp-001.md",
        body="## Purpose\n\nSome <b>bold</b> @team text, now checked weekly.\n",
        revision="C",
        status="draft",
        approved_by=None,
        approval_date=None,
        effective_date=None,
        change_summary="Weekly checks.",
    )
    repo.commit("Draft revision C")
    result = qms(repo, "check", "--base", "main", "--format", "markdown")
    assert "### What changed in the text" in result.stdout
    details = result.stdout.split("<details>", 1)[1].split("</details>", 1)[0]
    assert "<summary>Redline of QP-001: revision B → C (" in details
    assert "<ins>" in details and "<del>" in details
    assert "<b>" not in details and "@team" not in details  # authors' text stays inert


def _site_files(site: Site) -> dict[Path, bytes]:
    return {
        p.relative_to(site.site_dir): p.read_bytes()
        for p in site.site_dir.rglob("*")
        if p.is_file() and p.suffix != ".gz"
    }


def test_revision_pages_are_byte_identical_from_the_cache_and_without_it(site: Site) -> None:
    three_revisions(site)
    commit(
        site,
        "2026-11-16",
        body=NEW_TEXT + "\nWeekly.\n",
        revision="D",
        status="approved",
        effective_date="2026-12-07",
    )
    site.build(strict=True)
    cold = _site_files(site)
    cache = GitRepo(site.root).git("rev-parse", "--absolute-git-dir").strip()
    assert list((Path(cache) / "qms-cache" / "pages").glob("*.json"))  # revisions were cached
    site.build(strict=True)
    assert _site_files(site) == cold  # read back from the cache
    site.options["history_cache"] = False
    site.build(strict=True)
    assert _site_files(site) == cold  # rendered afresh, nothing cached
    assert Path("procedures/qp-001/rev/D/index.html") in cold
