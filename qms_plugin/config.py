"""The plugin's options in mkdocs.yml (``plugins: - qms: ...``)."""

from __future__ import annotations

import datetime as dt

from mkdocs.config import base
from mkdocs.config import config_options as c

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
