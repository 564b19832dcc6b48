"""The plugin's options in mkdocs.yml (``plugins: - qms: ...``)."""

from __future__ import annotations

import datetime as dt

from mkdocs.config import base
from mkdocs.config import config_options as c

from .core.glossary import GLOSSARY_EDITIONS, LINK_MODES
from .core.revision import SCHEMES
from .core.standards import EDITIONS


class QmsConfig(base.Config):  # type: ignore[no-untyped-call]
    """Options, grouped by what they control; ``enabled`` first."""

    enabled = c.Type(bool, default=True)

    # Where the controlled documents are and how they are checked.
    procedures_dir = c.Type(str, default="procedures")
    schema = c.Optional(c.Type(str))
    revision_scheme = c.Choice(tuple(SCHEMES), default="letters")
    id_patterns = c.DictOfItems(c.Type(str), default={})
    iso9001_edition = c.Choice(EDITIONS, default="2015")
    review_grace_days = c.Type(int, default=0)
    today = c.Optional(c.Type((str, dt.date)))

    # How they appear in the site.
    section_title = c.Type(str, default="Controlled documents")
    register_page = c.Type(str, default="master-document-list.md")
    register_title = c.Type(str, default="Master document list")
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

    # The glossary: ISO 9000 terms and the organisation's own, linked in every page.
    glossary_enabled = c.Type(bool, default=True)
    glossary = c.Optional(c.Type(str))  # the organisation's glossary file, relative to mkdocs.yml
    glossary_edition = c.Choice(GLOSSARY_EDITIONS, default="2015")
    glossary_links = c.Choice(LINK_MODES, default="first_per_page")
    glossary_page = c.Type(str, default="glossary.md")
    glossary_title = c.Type(str, default="Glossary")

    # Revision history from Git.
    history = c.Type(bool, default=True)
    history_shallow = c.Choice(("error", "mark"), default="error")
    history_baseline = c.Optional(c.Type(str))
    history_signatures = c.Type(bool, default=False)
    history_cache = c.Type(bool, default=True)
    approval_trailers = c.ListOfItems(c.Type(str), default=["Approved-by"])
    review_trailers = c.ListOfItems(c.Type(str), default=["Reviewed-by"])
    editorial_trailer = c.Type(str, default="Editorial-change")
    approval_evidence = c.Choice(("check", "require", "off"), default="check")
    approvers = c.DictOfItems(c.ListOfItems(c.Type(str)), default={})
    history_repo_url = c.Optional(c.Type(str))  # for change links; default: MkDocs' repo_url
    changelog_page = c.Type(str, default="change-log.md")
    changelog_title = c.Type(str, default="Change log")
