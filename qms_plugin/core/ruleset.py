"""The one registry of rules: every finding the site build or ``qms check`` can report.

The build and the check run the same rules (``gate.py`` puts them together); this registry says
what each rule catches, where its findings come from and how severe they are, so that both sides
report a finding the same way and the documentation can list every rule. A rule name that is not
registered here is a bug (a test reads every rule name in the source and looks it up).

Severities:

- ``error``: a document-control finding. It fails ``qms check`` (exit code 1) and a
  ``mkdocs build --strict`` (logged as a warning; with ``-q`` the plugin fails the build itself).
- ``review``: a periodic review is overdue. The manual must stay available, so it never stops a
  build: the page shows it, the build logs it as information, the Reviews page and
  ``qms reviews`` list it, and ``qms check`` exits with 3 when nothing worse was found.
- ``request``: something a pull request asks the approver to decide (an editorial change that
  keeps the revision). Reported prominently; the merge decides.
- ``info``: worth knowing, never a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .findings import Finding

ERROR = "error"
REVIEW = "review"
REQUEST = "request"
INFO = "info"
SEVERITIES = (ERROR, REVIEW, REQUEST, INFO)

# Where a rule's findings come from (for the documentation and the parity test).
FILE = "file"  # reading one file's front matter
DOCUMENT = "document"  # the documents' front matter (and the configuration)
HISTORY = "history"  # the documents against their history in Git
GLOSSARY = "glossary"  # the glossary file and the documents' wording
CHANGE = "change"  # a change against the branch it targets (qms check --base, change_base)

# Exit codes of `qms check` (2 is "could not run", from the command line itself).
EXIT_PASSED = 0
EXIT_FINDINGS = 1
EXIT_REVIEWS_DUE = 3


@dataclass(frozen=True)
class RuleInfo:
    """One rule: its stable name, what it catches and how severe a finding of it is."""

    name: str
    source: str
    catches: str
    severity: str = ERROR
    # The severity in `qms check` where it differs from the build's: the check runs before
    # committing, so uncommitted edits are what it checks, not a problem.
    check_severity: str | None = None

    def severity_in(self, where: str) -> str:
        if where == "check" and self.check_severity is not None:
            return self.check_severity
        return self.severity


_RULES = (
    # reading the files
    RuleInfo("front-matter", FILE, "front matter that cannot be read (YAML, duplicate keys)"),
    RuleInfo("schema", FILE, "a field missing, unknown or with a value the schema does not allow"),
    RuleInfo("encoding", FILE, "a file that is not UTF-8"),
    RuleInfo("unreadable", FILE, "a file that cannot be read at all"),
    RuleInfo("too-large", FILE, "a document of more than 5 MB"),
    RuleInfo(
        "unsafe-link",
        FILE,
        "a symbolic link in the procedures folder that leaves the project, points at a folder "
        "or at nothing: never read or published",
    ),
    RuleInfo(
        "not-controlled",
        FILE,
        "a Markdown file whose suffix MkDocs would publish as a raw download (.MD, .Markdown)",
    ),
    # the documents' front matter
    RuleInfo("duplicate-id", DOCUMENT, "two documents with the same doc_id"),
    RuleInfo("id-pattern", DOCUMENT, "a doc_id that does not fit the pattern of its type"),
    RuleInfo("revision-scheme", DOCUMENT, "a revision outside the configured scheme"),
    RuleInfo("unknown-clause", DOCUMENT, "an ISO 9001 clause number that does not exist"),
    RuleInfo(
        "unknown-reference",
        DOCUMENT,
        "supersedes, superseded_by, related or a document ID in the text naming no document",
    ),
    RuleInfo("approval-missing", DOCUMENT, "approved or effective without approver or date"),
    RuleInfo("effective-before-approval", DOCUMENT, "effective_date earlier than approval_date"),
    RuleInfo("empty-document", DOCUMENT, "an approved or effective document with no text"),
    RuleInfo("approver-is-owner", DOCUMENT, "the approver is the document's owner"),
    RuleInfo(
        "approval-authority",
        DOCUMENT,
        "approved_by, or an Approved-by trailer in Git, names someone the approval_authority "
        "option does not allow to approve the document",
    ),
    RuleInfo("review-missing", DOCUMENT, "a document in force with no periodic review planned"),
    RuleInfo(
        "review-interval-too-long",
        DOCUMENT,
        "a next review further from the last review than review_max_months allows",
    ),
    RuleInfo("review-overdue", DOCUMENT, "a periodic review past its date", REVIEW),
    RuleInfo("retired-without-successor", DOCUMENT, "superseded or obsolete without successor"),
    # the manual as a system: references, clauses, records, external documents, training
    RuleInfo(
        "withdrawn-reference",
        DOCUMENT,
        "a document in use naming a superseded or obsolete one (text, link or related)",
    ),
    RuleInfo("not-applicable-cited", DOCUMENT, "a document citing a clause that does not apply"),
    RuleInfo(
        "not-applicable-statement",
        DOCUMENT,
        "clauses declared not applicable, but no document shows the statement",
    ),
    RuleInfo(
        "record-conflict",
        DOCUMENT,
        "one record declared with another retention, location, form, disposition or owner in "
        "two documents",
    ),
    RuleInfo("record-retention", DOCUMENT, "a declared record with no retention"),
    RuleInfo("record-incomplete", DOCUMENT, "a record without location or disposition"),
    RuleInfo("record-form", DOCUMENT, "a record naming a form that does not exist or is no form"),
    RuleInfo("form-without-record", DOCUMENT, "a form in use that defines no declared record"),
    RuleInfo(
        "external-fields",
        DOCUMENT,
        "an external document without issuer, identifier, edition or controlled copy (or our "
        "own document with those fields)",
    ),
    RuleInfo(
        "currency-check-missing", DOCUMENT, "an external document in use never checked for currency"
    ),
    RuleInfo(
        "currency-check-overdue",
        DOCUMENT,
        "an external document whose currency check is past its date",
        REVIEW,
    ),
    RuleInfo("training-roles", DOCUMENT, "a training role not configured, or no role"),
    RuleInfo(
        "marker-shows-nothing",
        DOCUMENT,
        "a qms marker that is unknown, or a records marker in a document declaring no records",
    ),
    # the documents against Git
    RuleInfo("approval-evidence", HISTORY, "approved_by and the Approved-by trailers disagree"),
    RuleInfo(
        "unrevised-change",
        HISTORY,
        "the text changed on the published branch but the revision did not, and the change "
        "that landed it carries no Editorial-change naming the document",
    ),
    RuleInfo(
        "effective-before-merge",
        HISTORY,
        "an effective date earlier than the day the revision was merged (backdating)",
    ),
    RuleInfo(
        "approved-after-merge",
        HISTORY,
        "an approval date later than the day the revision was merged",
    ),
    RuleInfo(
        "unreadable-version",
        HISTORY,
        "a version of a document kept in Git whose front matter cannot be read (until the next "
        "revision, or a baseline after it)",
    ),
    RuleInfo(
        "git-replace",
        HISTORY,
        "git replace objects in the repository, which would show other commits or approvals "
        "than Git stores (history is read without them)",
    ),
    RuleInfo(
        "uncommitted",
        HISTORY,
        "a document whose file differs from the last commit (the site shows committed text)",
        check_severity=INFO,
    ),
    # the glossary
    RuleInfo("deprecated-term", GLOSSARY, "a deprecated term in a controlled document"),
    RuleInfo("unknown-term", GLOSSARY, "a glossary reference naming no term"),
    RuleInfo("glossary-duplicate", GLOSSARY, "a term defined twice in the glossary file"),
    RuleInfo("glossary-file", GLOSSARY, "a glossary file that cannot be read"),
    RuleInfo("unused-term", GLOSSARY, "an organisation term no page uses", INFO),
    # a change against the branch it targets
    RuleInfo("revision-not-bumped", CHANGE, "published text changed, revision kept"),
    RuleInfo("revision-skipped", CHANGE, "a new revision that is not the next one"),
    RuleInfo("revision-backwards", CHANGE, "a revision earlier than the one it replaces"),
    RuleInfo("change-summary-unchanged", CHANGE, "a new revision with the old change_summary"),
    RuleInfo("status-transition", CHANGE, "a status moving back within a revision"),
    RuleInfo("approval-carried-over", CHANGE, "a new revision with the old effective date"),
    RuleInfo("self-approval", CHANGE, "approved_by names an author of the change"),
    RuleInfo("id-reused", CHANGE, "a new document with an ID used before"),
    RuleInfo("document-deleted", CHANGE, "a controlled document deleted"),
    RuleInfo("document-renamed", CHANGE, "a controlled document moved to another file"),
    RuleInfo(
        "controlled-folder-changed",
        CHANGE,
        "the controlled folder (procedures_dir) moved or was renamed",
    ),
    RuleInfo(
        "mailmap-changed",
        CHANGE,
        "a change of .mailmap (who Git says wrote each commit) together with documents",
    ),
    RuleInfo(
        "editorial-change-requested",
        CHANGE,
        "a branch commit asks for a text change to keep its revision: the approver decides, "
        "in the merge message",
        REQUEST,
    ),
)

REGISTRY: dict[str, RuleInfo] = {rule.name: rule for rule in _RULES}

# The rules that need a base to compare with; without one (main's build, `qms check`) they
# cannot run, and every other rule runs in both the build and the check.
CHANGE_RULE_NAMES = frozenset(r.name for r in _RULES if r.source == CHANGE)


def rule_info(name: str) -> RuleInfo:
    """The registered rule; an unknown name (a bug) counts as an error, never as harmless."""
    return REGISTRY.get(name) or RuleInfo(name, DOCUMENT, "unregistered rule")


def severity(finding: Finding, where: str = "build") -> str:
    """How severe ``finding`` is in the build (``build``) or in ``qms check`` (``check``)."""
    return rule_info(finding.rule).severity_in(where)


def errors(findings: Iterable[Finding], where: str = "build") -> list[Finding]:
    """The findings that fail a strict build (or ``qms check``)."""
    return [f for f in findings if severity(f, where) == ERROR]


def exit_code(findings: Iterable[Finding]) -> int:
    """``qms check``'s exit code: 1 for any error, else 3 for an overdue review, else 0."""
    found = {severity(f, "check") for f in findings}
    if ERROR in found:
        return EXIT_FINDINGS
    if REVIEW in found:
        return EXIT_REVIEWS_DUE
    return EXIT_PASSED
