"""The change log says what each approved change did, with its revision's days in force; drafts
and revisions in review merged before approval are listed apart."""

from __future__ import annotations

from tests.conftest import Site, document
from tests.gitrepo import GitRepo

TOM = ("Tomasz Nowak", "tom@kestrel.example")
RUTH = "Ruth Okafor <ruth@kestrel.example>"
AMIR = "Amir Haddad <amir@kestrel.example>"
QP = "procedures/qp-001.md"


def merge(
    site: Site, when: str, message: str, body: str = "## Purpose\n\nText.\n", **fields: object
) -> None:
    site.write("docs/index.md", "# Home\n")
    site.write(QP, document(body, **fields))
    GitRepo(site.root).commit(message, author=TOM, date=f"{when}T12:00:00+00:00")


def rows(page: str, table: int = 0) -> list[str]:
    body = page.split("<tbody>")[table + 1].split("</tbody>")[0]
    return [row for row in body.split("<tr")[1:]]


def test_each_change_says_what_it_did(site: Site) -> None:
    merge(
        site,
        "2026-01-05",
        f"QP-001 revision B\n\nApproved-by: {RUTH}\nReviewed-by: {AMIR}",
        revision="B",
        status="approved",
        approved_by="Ruth Okafor",
        effective_date="2026-01-12",
        change_summary="Weekly checks.",
    )
    merge(
        site,
        "2026-01-12",
        "QP-001 revision B in force",
        revision="B",
        status="effective",
        approved_by="Ruth Okafor",
        effective_date="2026-01-12",
        change_summary="Weekly checks.",
    )
    merge(
        site,
        "2026-02-02",
        f"Fix a spelling\n\nApproved-by: {RUTH}\nEditorial-change: QP-001: spelling of 'gauge'",
        body="## Purpose\n\nText, corrected.\n",
        revision="B",
        approved_by="Ruth Okafor",
        effective_date="2026-01-12",
        change_summary="Weekly checks.",
    )
    merge(
        site,
        "2026-03-02",
        "QP-001 revision C for review",
        body="## Purpose\n\nNew text.\n",
        revision="C",
        status="in_review",
        approved_by=None,
        approval_date=None,
        effective_date=None,
        change_summary="Daily checks.",
    )
    site.auto_commit = False
    site.build(strict=True)
    page = site.page("change-log/")
    approved = rows(page)
    assert len(approved) == 3  # the draft of C is not an approved change
    editorial, effective, new = approved
    assert "Editorial correction: spelling of &#39;gauge&#39;" in editorial
    assert "Weekly checks." not in editorial  # the revision's summary is not this change's
    assert "Revision B marked effective" in effective and "Weekly checks." not in effective
    assert "Weekly checks." in new and "reviewed by Amir Haddad" in new
    # Effective date and the days in force (revision B is still in force: C is only in review).
    assert '<time datetime="2026-01-12">12 Jan 2026</time>' in new and "from 12 Jan 2026" in new
    [work] = rows(page, 1)
    assert "Drafts and revisions in review" in page
    assert "In review: Daily checks." in work and ">C<" in work
