"""The plugin's options in mkdocs.yml (``plugins: - qms: ...``)."""

from __future__ import annotations

import datetime as dt

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError

from .core.glossary import GLOSSARY_EDITIONS, LINK_MODES
from .core.revision import SCHEME_NAMES
from .core.standards import EDITIONS


class ClauseReasons(c.DictOfItems[str]):
    """Clause number -> justification. YAML reads an unquoted 8.3 as a number (and 8.10 as 8.1),
    so a key that is not text is refused with the fix."""

    def run_validation(self, value: object) -> dict[str, str]:
        if isinstance(value, dict):
            numbers = [k for k in value if not isinstance(k, str)]
            if numbers:
                raise ValidationError(
                    f"write the clause number {numbers[0]!r} in quotes ('8.3': why it does not "
                    "apply); YAML reads an unquoted number as a decimal, and 8.10 as 8.1"
                )
        return super().run_validation(value)


class QmsConfig(base.Config):  # type: ignore[no-untyped-call]
    """Options, grouped by what they control; ``enabled`` first."""

    enabled = c.Type(bool, default=True)

    # Where the controlled documents are and how they are checked.
    procedures_dir = c.Type(str, default="procedures")
    schema = c.Optional(c.Type(str))
    revision_scheme = c.Choice(SCHEME_NAMES, default="letters")
    revision_pattern = c.Optional(c.Type(str))  # revision_scheme: custom
    revision_first = c.Optional(c.Type(str))  # revision_scheme: custom
    id_patterns = c.DictOfItems(c.Type(str), default={})
    iso9001_edition = c.Choice(EDITIONS, default="2015")
    review_grace_days = c.Type(int, default=0)
    review_max_months = c.Type(int, default=36)  # the longest a next review may lie ahead
    review_due_soon_days = c.Type(int, default=60)  # "due soon" on the Reviews page
    today = c.Optional(c.Type((str, dt.date)))

    # Who may approve what (see core/approval.py and docs/document-control-workflow.md).
    roles = c.DictOfItems(c.ListOfItems(c.Type(str)), default={})  # role -> people in Git
    approval_authority = c.ListOfItems(c.Type(dict), default=[])  # last matching entry decides
    approver_is_owner = c.Choice(("error", "off"), default="error")

    # How they appear in the site.
    section_title = c.Type(str, default="Controlled documents")
    register_page = c.Type(str, default="master-document-list.md")
    register_title = c.Type(str, default="Master document list")
    reviews_page = c.Type(str, default="reviews.md")
    reviews_title = c.Type(str, default="Periodic reviews")
    print_notice = c.Type(str, default="Uncontrolled when printed")
    exports_dir = c.Type(str, default="qms")
    offline_check = c.Type(bool, default=True)

    # Publication: the revision in force on each page, revision pages with redlines, withdrawn
    # documents, and the manual as of a date.
    archive = c.Choice(("all", "retention", "none"), default="all")
    archive_retention_years = c.Type(int, default=10)
    work_in_progress = c.Choice(("hide", "preview", "serve"), default="serve")
    withdrawn_in_nav = c.Choice(("section", "hide", "keep"), default="section")
    withdrawn_section_title = c.Type(str, default="Withdrawn documents")
    withdrawn_search = c.Choice(("demote", "exclude", "keep"), default="demote")
    # Documents with no approved revision yet (draft, in review): in the navigation of a preview
    # build only (see work_in_progress), always, or never. Their pages are built either way.
    drafts_in_nav = c.Choice(("preview", "show", "hide"), default="preview")
    as_of_page = c.Type(str, default="manual-as-of.md")
    as_of_title = c.Type(str, default="Manual on a date")

    # The manual as a system: clause coverage, records, external documents, document-ID links,
    # training and awareness.
    clauses_page = c.Type(str, default="iso9001-clause-matrix.md")
    clauses_title = c.Type(str, default="ISO 9001 clause matrix")
    clauses_not_applicable = ClauseReasons(c.Type(str), default={})
    clauses_mapping = c.Optional(
        c.Type(str)
    )  # a mapping to the next edition, relative to mkdocs.yml
    records_page = c.Type(str, default="records-register.md")
    records_title = c.Type(str, default="Records register")
    external_page = c.Type(str, default="external-documents.md")
    external_title = c.Type(str, default="External documents")
    external_check_months = c.Type(int, default=12)
    doc_links = c.Type(bool, default=True)  # bare document IDs in the text become links
    training_roles = c.DictOfItems(c.Type(str), default={})  # role key -> name
    training_days = c.Type(int, default=30)
    training_page = c.Type(str, default="whats-changing.md")
    training_title = c.Type(str, default="What's changing")

    # The glossary: ISO 9000 terms and the organisation's own, linked in every page.
    glossary_enabled = c.Type(bool, default=True)
    glossary = c.Optional(c.Type(str))  # the organisation's glossary file, relative to mkdocs.yml
    glossary_edition = c.Choice(GLOSSARY_EDITIONS, default="2015")
    glossary_links = c.Choice(LINK_MODES, default="first_per_page")
    # Table cells are mostly labels and fragments; the first use in prose is linked instead.
    glossary_table_cells = c.Type(bool, default=False)
    # Everyday words of ISO 9000 (document, information, system, ...) linked only when asked.
    glossary_generic_words = c.Type(bool, default=False)
    # The packaged variants that are house style, not ISO's spelling (non-conformance, ...).
    glossary_house_style = c.Type(bool, default=True)
    glossary_page = c.Type(str, default="glossary.md")
    glossary_title = c.Type(str, default="Glossary")

    # Revision history from Git.
    history = c.Type(bool, default=True)
    history_shallow = c.Choice(("error", "mark"), default="error")
    history_baseline = c.Optional(c.Type((str, dt.date)))  # a commit, or a date (YYYY-MM-DD)
    history_signatures = c.Type(bool, default=False)
    history_cache = c.Type(bool, default=True)
    approval_trailers = c.ListOfItems(c.Type(str), default=["Approved-by"])
    review_trailers = c.ListOfItems(c.Type(str), default=["Reviewed-by"])
    editorial_trailer = c.Type(str, default="Editorial-change")
    periodic_review_trailer = c.Type(str, default="Periodic-review")
    approval_evidence = c.Choice(("check", "require", "off"), default="check")
    approvers = c.DictOfItems(c.ListOfItems(c.Type(str)), default={})  # older name of roles
    # The branch a pull request's build will be merged into (CI sets QMS_CHANGE_BASE): the build
    # then checks the change as `qms check --base` does.
    change_base = c.Optional(c.Type(str))
    history_repo_url = c.Optional(c.Type(str))  # for change links; default: MkDocs' repo_url
    changelog_page = c.Type(str, default="change-log.md")
    changelog_title = c.Type(str, default="Change log")
