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
