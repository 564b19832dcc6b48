"""Who may approve what: roles, the approval-authority matrix, and the approver-is-owner rule.

Configured in mkdocs.yml for the qms plugin::

    roles:                                  # who holds each role, as Git knows them
      Managing Director: [Ruth Okafor <ruth.okafor@kestrel.example>]
      Quality Manager: [Tomasz Nowak <tomasz.nowak@kestrel.example>]
    approval_authority:                     # read in order; the last entry that matches decides
      - approvers: [Managing Director]                  # no selector: every document
      - type: [work_instruction, form]
        approvers: [Quality Manager, Production Manager]
      - folder: work-instructions/calibration           # below the procedures folder
        clause: ["7.1.5"]                               # ... and citing clause 7.1.5 (or 7.1.5.x)
        approvers: [Quality Manager]
    approver_is_owner: error                # or off

An approver in the matrix is a role (a name under ``roles``) or a person (a name or an e-mail
address). ``approved_by`` in the front matter and every ``Approved-by:`` trailer of the revision
in force are checked against the entry that matches the document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .documents import DOCUMENT_TYPES, Document
from .history import Person, identity_key


class ApprovalConfigError(ValueError):
    """The roles or the approval-authority matrix cannot be used; the message says why."""


def _roles_in(text: str) -> tuple[str, ...]:
    """The roles written in brackets after a name: ``Ruth Okafor (Managing Director)``."""
    return tuple(" ".join(r.split()).casefold() for r in re.findall(r"\(([^()]*)\)", text))


def _bare(text: str) -> str | None:
    """The whole text folded, if it is a bare name (no role in brackets, no address)."""
    if "(" in text or "<" in text or "@" in text:
        return None
    return " ".join(text.split()).casefold() or None


@dataclass(frozen=True)
class Roles:
    """Who holds each role: role name -> people (``Name <email>``, a name or an address)."""

    holders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def role(self, text: str) -> str | None:
        """The configured role ``text`` names exactly (ignoring case and spacing), if any."""
        wanted = _bare(text)
        if wanted is None:
            return None
        return next((name for name in self.holders if _bare(name) == wanted), None)

    def holds(self, person: Person, role: str) -> bool:
        return any(person.is_named_by(spec) for spec in self.holders.get(role, ()))

    def names(self, text: str, person: Person) -> bool:
        """Whether ``text`` (front matter, matrix) names this Git identity, directly or as a
        role the person holds."""
        if person.is_named_by(text):
            return True
        role = self.role(text)
        return role is not None and self.holds(person, role)

    def same_party(self, one: str, other: str) -> bool:
        """Whether two texts (an owner and an approver, say) name the same person: the same
        name or address; a role and a person who holds it; or a role (not configured under
        ``roles``) and a person who signs in that role (``Tomasz Nowak (Quality Manager)``)."""
        a, b = identity_key(one), identity_key(other)
        if (a[0] and a[0] == b[0]) or (a[1] and a[1] == b[1]):
            return True
        return self._role_of(one, other) or self._role_of(other, one)

    def _role_of(self, role_text: str, person_text: str) -> bool:
        role = self.role(role_text)
        if role is not None:
            holders = [Person.parse(spec) for spec in self.holders[role]]
            return any(holder.is_named_by(person_text) for holder in holders)
        bare = _bare(role_text)
        return bare is not None and bare in _roles_in(person_text)


@dataclass(frozen=True)
class AuthorityRule:
    """One entry of the matrix: which documents it covers, and who may approve them."""

    approvers: tuple[str, ...]
    types: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    number: int = 1  # its place in the option, for messages

    def matches(self, doc: Document, folder_path: str) -> bool:
        """Whether the entry covers ``doc``; ``folder_path`` is its path below the procedures
        folder. Every selector given must match."""
        if self.types and doc.type not in self.types:
            return False
        if self.folders and not any(
            folder_path == f or folder_path.startswith(f + "/") for f in self.folders
        ):
            return False
        return not self.clauses or any(
            cited == c or cited.startswith(c + ".") for c in self.clauses for cited in doc.clauses
        )

    def describe(self) -> str:
        """What the entry covers, for messages: ``procedures``, ``documents in forms/``."""
        parts = []
        if self.types:
            parts.append(" and ".join(t.replace("_", " ") + "s" for t in self.types))
        else:
            parts.append("documents")
        if self.folders:
            parts.append("in " + " or ".join(f"{f}/" for f in self.folders))
        if self.clauses:
            parts.append("citing clause " + " or ".join(self.clauses))
        return " ".join(parts)


@dataclass(frozen=True)
class ApprovalPolicy:
    """The organisation's rules on who approves: roles, the matrix, approver is not owner."""

    roles: Roles = field(default_factory=Roles)
    authority: tuple[AuthorityRule, ...] = ()
    approver_is_owner: str = "error"  # error | off

    def rule_for(self, doc: Document, folder_path: str) -> AuthorityRule | None:
        """The matrix entry that decides for ``doc``: the last one that matches."""
        found = None
        for rule in self.authority:
            if rule.matches(doc, folder_path):
                found = rule
        return found

    def may_approve(self, rule: AuthorityRule, text: str) -> bool:
        """Whether ``approved_by`` text names someone the entry allows."""
        return any(self.roles.same_party(allowed, text) for allowed in rule.approvers)

    def may_approve_person(self, rule: AuthorityRule, person: Person) -> bool:
        """Whether a Git identity (an ``Approved-by:`` trailer) is someone the entry allows."""
        return any(self.roles.names(allowed, person) for allowed in rule.approvers)

    def is_owner(self, doc: Document, text: str) -> bool:
        return doc.owner is not None and self.roles.same_party(doc.owner, text)

    def person_is_owner(self, doc: Document, person: Person) -> bool:
        return doc.owner is not None and self.roles.names(doc.owner, person)


# --- reading the configuration ----------------------------------------------------------------


def _texts(value: Any, where: str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ApprovalConfigError(f"{where}: '{what}' must be a name or a list of names")
    texts = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str) or not item.strip():
            hint = ' (write clause numbers in quotes, e.g. "7.1.5")' if what == "clause" else ""
            raise ApprovalConfigError(
                f"{where}: '{what}' has {item!r}, which is not a non-empty text{hint}"
            )
        texts.append(item.strip())
    return tuple(texts)


def parse_roles(raw: Mapping[str, Any]) -> Roles:
    """``roles`` (and the older ``approvers``, which means the same) from mkdocs.yml."""
    holders = {}
    for role, people in raw.items():
        holders[str(role)] = _texts(people, f"roles: {role}", "people")
    return Roles(holders)


_KEYS = {"approvers", "type", "folder", "clause"}


def parse_authority(raw: Sequence[Any]) -> tuple[AuthorityRule, ...]:
    """``approval_authority`` from mkdocs.yml: a list of entries, each with ``approvers`` and
    optionally ``type``, ``folder`` and ``clause``."""
    rules = []
    for number, entry in enumerate(raw, start=1):
        where = f"approval_authority, entry {number}"
        if not isinstance(entry, Mapping):
            raise ApprovalConfigError(
                f"{where}: each entry is a mapping such as "
                "{type: procedure, approvers: [Managing Director]}"
            )
        unknown = sorted(set(map(str, entry)) - _KEYS)
        if unknown:
            raise ApprovalConfigError(
                f"{where}: unknown key {', '.join(unknown)}; an entry has approvers and "
                "optionally type, folder and clause"
            )
        if "approvers" not in entry:
            raise ApprovalConfigError(f"{where}: 'approvers' is missing (who may approve)")
        types = _texts(entry["type"], where, "type") if "type" in entry else ()
        wrong = [t for t in types if t not in DOCUMENT_TYPES]
        if wrong:
            raise ApprovalConfigError(
                f"{where}: type {', '.join(wrong)} is not a document type; use "
                + ", ".join(DOCUMENT_TYPES)
            )
        folders = _texts(entry["folder"], where, "folder") if "folder" in entry else ()
        rules.append(
            AuthorityRule(
                approvers=_texts(entry["approvers"], where, "approvers"),
                types=types,
                folders=tuple(f.strip("/") for f in folders),
                clauses=_texts(entry["clause"], where, "clause") if "clause" in entry else (),
                number=number,
            )
        )
    return tuple(rules)


def parse_policy(
    roles: Mapping[str, Any],
    authority: Sequence[Any],
    approver_is_owner: str = "error",
) -> ApprovalPolicy:
    """The approval policy from the plugin's options; ApprovalConfigError says what is wrong."""
    return ApprovalPolicy(parse_roles(roles), parse_authority(authority), approver_is_owner)
