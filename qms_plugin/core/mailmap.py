"""Git's ``.mailmap``, read from a given commit rather than from the working tree.

``git log --use-mailmap`` always reads the working tree's ``.mailmap``, so a pull request that
edits it could rename its own author into someone else (and past the self-approval rule). The
change check reads authors as Git recorded them and maps them with the ``.mailmap`` of the branch
the change targets, as Git itself would (see ``git help gitmailmap``): e-mail addresses and names
are compared ignoring case, and an entry for an address and a name wins over one for the address
alone.
"""

from __future__ import annotations

import re

from .history import Person

_ENTRY = re.compile(r"^\s*([^<#]*?)\s*<([^>]*)>\s*(?:([^<]*?)\s*<([^>]*)>)?")


class Mailmap:
    """Proper names and addresses by the address (and name) a commit was made with."""

    def __init__(self, text: str = "") -> None:
        # commit e-mail -> {commit name or None: (proper name or None, proper e-mail or None)}
        self.entries: dict[str, dict[str | None, tuple[str | None, str | None]]] = {}
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                continue
            match = _ENTRY.match(line)
            if match is None:
                continue
            proper_name, proper_email, old_name, old_email = match.groups()
            if old_email is None:  # "Proper Name <address>": a name for an address
                self._add(proper_email, None, proper_name or None, None)
            else:
                self._add(old_email, old_name or None, proper_name or None, proper_email or None)

    def _add(
        self, email: str, name: str | None, new_name: str | None, new_email: str | None
    ) -> None:
        by_name = self.entries.setdefault(email.casefold(), {})
        key = name.casefold() if name else None
        had_name, had_email = by_name.get(key, (None, None))
        by_name[key] = (new_name or had_name, new_email or had_email)

    def person(self, name: str, email: str) -> Person:
        """The person a commit made as ``name <email>`` stands for."""
        by_name = self.entries.get(email.casefold())
        if not by_name:
            return Person(name, email)
        found = by_name.get(name.casefold()) or by_name.get(None)
        if found is None:
            return Person(name, email)
        return Person(found[0] or name, found[1] or email)
