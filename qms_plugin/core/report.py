"""What ``qms check`` prints: findings, and with a base the changed documents and their impact.

Three renderings of one report: plain lines for a terminal, JSON for tools (shape:
``records_schema/check.schema.yaml``), and Markdown for a pull-request comment or a CI job
summary.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .changes import ChangeTrailer, Comparison, DocumentChange, Impact, Reference
from .documents import Document
from .findings import Finding
from .manual import DocumentSet
from .redline import Redline, to_markdown
from .ruleset import ERROR, REQUEST, REVIEW, exit_code, severity
from .text import markdown_text, visible

CHECK_FORMAT = "mkdocs-qms/check"
CHECK_FORMAT_VERSION = 1


@dataclass
class CheckReport:
    """Every finding about the documents, and the change against a base if one was given."""

    docset: DocumentSet
    comparison: Comparison | None = None
    # What changed in each changed document's text, word by word, by its path (the CLI renders
    # both sides as the site does; the Markdown report shows them folded).
    redlines: dict[str, Redline] = field(default_factory=dict)
    # Findings from outside the documents and the change: terminology, uncommitted files.
    extra: list[Finding] = field(default_factory=list)
    # The trailers the merge or squash message must carry (see merge_trailers()).
    merge_message: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        findings = list(self.docset.findings) + self.extra
        if self.comparison is not None:
            findings += self.comparison.findings
        return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message))

    def of_severity(self, *wanted: str) -> list[Finding]:
        return [f for f in self.findings if severity(f, "check") in wanted]

    @property
    def passed(self) -> bool:
        """No document-control problem (overdue reviews and requests aside)."""
        return not self.of_severity(ERROR)

    @property
    def exit_code(self) -> int:
        """0 passed, 1 problems, 3 only overdue periodic reviews."""
        return exit_code(self.findings)

    @property
    def editorial(self) -> list[ChangeTrailer]:
        return self.comparison.editorial if self.comparison else []

    def headline(self) -> str:
        """One sentence: passed or failed, and how much."""
        count = len(self.docset.documents)
        problems = self.of_severity(ERROR)
        overdue = self.of_severity(REVIEW)
        asked = self.of_severity(REQUEST)
        parts = []
        if problems:
            files = len({f.path for f in problems})
            plural = "s" if len(problems) != 1 else ""
            parts.append(f"{len(problems)} problem{plural} in {files} of {count} documents")
        else:
            parts.append(f"{count} controlled documents, no problems")
        if overdue:
            parts.append(_plural(len(overdue), "periodic review") + " overdue")
        if asked:
            parts.append(_plural(len(asked), "editorial change") + " for the approver to decide")
        return "; ".join(parts) + "."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _from_to(old: str | None, new: str | None) -> str:
    if old == new:
        return old or "—"
    return f"{old or '—'} → {new or '—'}"


# --- text ---------------------------------------------------------------------------------------


def _line(finding: Finding) -> str:
    level = severity(finding, "check")
    return str(finding) if level == ERROR else f"{finding} ({level})"


def render_text(report: CheckReport) -> str:
    """``path:line: message [rule]`` per finding, the changes, then a one-line verdict."""
    lines = [_line(f) for f in report.findings]
    comparison = report.comparison
    if comparison is not None:
        base = f"{comparison.base_ref} ({comparison.merge_base[:12]})"
        if comparison.changes:
            lines.append(f"Changed documents since {base}:")
            for change in comparison.changes:
                doc = change.doc
                revision = _from_to(
                    change.old.revision if change.old else None,
                    change.new.revision if change.new else None,
                )
                lines.append(f"  {doc.label} {change.kind}: revision {revision} ({change.path})")
        else:
            lines.append(f"No controlled document changed since {base}.")
        if report.merge_message:
            lines.append("The merge or squash message must end with:")
            lines += [f"  {trailer}" for trailer in report.merge_message]
    verdict = "passed" if report.passed else "failed"
    lines.append(f"Document control check {verdict}: {report.headline()}")
    return "\n".join(visible(line) for line in lines) + "\n"


# --- JSON ---------------------------------------------------------------------------------------


def _doc_ref(doc: Document) -> dict[str, Any]:
    return {"doc_id": doc.doc_id, "title": doc.title, "path": doc.path}


def _reference(ref: Reference) -> dict[str, Any]:
    return {**_doc_ref(ref.doc), "via": list(ref.via)}


def _change(change: DocumentChange) -> dict[str, Any]:
    old, new = change.old, change.new
    return {
        "doc_id": change.doc_id,
        "title": change.doc.title,
        "kind": change.kind,
        "path": change.path,
        "old_path": change.old_path,
        "revision": {
            "from": old.revision if old else None,
            "to": new.revision if new else None,
        },
        "status": {"from": old.status if old else None, "to": new.status if new else None},
        "body_changed": change.body_changed,
    }


def _impact(item: Impact) -> dict[str, Any]:
    return {
        "doc_id": item.change.doc_id,
        "path": item.change.path,
        "references": [_reference(r) for r in item.references],
        "referenced_by": [_reference(r) for r in item.referenced_by],
    }


def report_data(report: CheckReport) -> dict[str, Any]:
    """The report as plain data (the JSON shape; see records_schema/check.schema.yaml)."""
    comparison = report.comparison
    base = None
    if comparison is not None:
        base = {
            "ref": comparison.base_ref,
            "commit": comparison.base_commit,
            "merge_base": comparison.merge_base,
        }
    return {
        "format": CHECK_FORMAT,
        "version": CHECK_FORMAT_VERSION,
        "passed": report.passed,
        "documents": len(report.docset.documents),
        "base": base,
        "exit_code": report.exit_code,
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "rule": f.rule,
                "message": f.message,
                "doc_id": f.doc_id,
                "field": f.field,
                "severity": severity(f, "check"),
            }
            for f in report.findings
        ],
        "editorial": [
            {
                "doc_ids": list(e.doc_ids),
                "reason": e.reason,
                "commit": e.commit.sha,
                "author": {"name": e.commit.author.name, "email": e.commit.author.email},
                "confirmed": e.confirmed,
            }
            for e in report.editorial
        ],
        "merge_message": list(report.merge_message),
        "changes": [_change(c) for c in comparison.changes] if comparison else [],
        "authors": (
            [{"name": a.name, "email": a.email} for a in comparison.authors] if comparison else []
        ),
        "impact": [_impact(i) for i in comparison.impact] if comparison else [],
    }


def render_json(report: CheckReport) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"


# --- Markdown -----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Users' text (titles, names, paths, messages) made inert in Markdown."""
    return markdown_text(text)


def _code(text: str, cell: bool = False) -> str:
    """Users' text as a code span (inert by nature), on one line; ``cell``: inside a table,
    where '|' must be escaped even in code."""
    text = visible(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    if cell:
        text = text.replace("|", "\\|")
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def _names(refs: Sequence[Reference]) -> str:
    return ", ".join(f"{_cell(r.doc.label)} ({', '.join(r.via)})" for r in refs)


def render_markdown(report: CheckReport) -> str:
    """A summary a person can paste into a pull request (or a CI job summary)."""
    comparison = report.comparison
    verdict = "passed" if report.passed else "failed"
    lines = [f"**Document control check {verdict}**: {report.headline()}"]
    if comparison is not None:
        lines += [
            "",
            f"Compared with {_code(comparison.base_ref)} at {_code(comparison.merge_base[:12])}.",
        ]
    # First what the approver decides by approving: text changes that keep their revision.
    lines += _editorial(report)
    problems = report.of_severity(ERROR)
    if problems:
        lines += ["", "| Document | Where | Rule | Problem |", "|---|---|---|---|"]
        for f in problems:
            lines.append(
                f"| {_cell(f.doc_id or '—')} | {_code(f.location(), True)} | {_code(f.rule, True)} "
                f"| {_cell(f.message)} |"
            )
        by_rule = Counter(f.rule for f in problems)
        lines += [
            "",
            "By rule: " + ", ".join(f"`{rule}` {n}" for rule, n in sorted(by_rule.items())),
        ]
    overdue = report.of_severity(REVIEW)
    if overdue:
        lines += [
            "",
            "### Periodic reviews overdue",
            "",
            "These documents stay in force and on the site; their owners should review them. "
            "They do not stop this change (exit code 3 when nothing else is found).",
            "",
            "| Document | Where | Due |",
            "|---|---|---|",
        ]
        for f in overdue:
            lines.append(
                f"| {_cell(f.doc_id or '—')} | {_code(f.location())} | {_cell(f.message)} |"
            )
    notes = report.of_severity("info")
    if notes:
        lines += ["", "Notes:"] + [f"- {_code(f.location())} {_cell(f.message)}" for f in notes]
    if comparison is not None:
        lines += ["", "### Changed documents", ""]
        if not comparison.changes:
            lines.append("No controlled document changed.")
        else:
            lines += [
                "| Document | Title | Change | Revision | Status | Text |",
                "|---|---|---|---|---|---|",
            ]
            for change in comparison.changes:
                old, new = change.old, change.new
                kind = change.kind
                if kind == "renamed":
                    kind = f"renamed from {_code(change.old_path or '', True)}"
                revision = _from_to(old.revision if old else None, new.revision if new else None)
                status = _from_to(old.status if old else None, new.status if new else None)
                text = "changed" if change.body_changed else "—"
                # Statuses are the schema's words (anything else reads as None): no escaping.
                lines.append(
                    f"| {_cell(change.doc.label)} | {_cell(change.doc.title)} | {kind} "
                    f"| {_cell(revision)} | {status} | {text} |"
                )
        lines += _redlines(report, comparison)
        affected = [i for i in comparison.impact if i.references or i.referenced_by]
        if affected:
            lines += [
                "",
                "### Impact",
                "",
                "Documents that reference the changed ones, or that they reference: check that "
                "they still agree.",
                "",
            ]
            for item in affected:
                doc = item.change.doc
                lines.append(f"- **{_cell(doc.label)}** {_cell(doc.title)}")
                if item.referenced_by:
                    lines.append(f"  - referenced by: {_names(item.referenced_by)}")
                if item.references:
                    lines.append(f"  - references: {_names(item.references)}")
        if comparison.authors:
            lines += [
                "",
                "Authors of the change: " + ", ".join(_cell(a.name) for a in comparison.authors),
            ]
        lines += _merge_message(report)
    return "\n".join(lines) + "\n"


def _editorial(report: CheckReport) -> list[str]:
    """The editorial changes the change asks for, or its merge carries: what the approver
    waives (a new revision) and for which documents."""
    entries = [e for e in report.editorial if e.doc_ids]
    if not entries:
        return []
    lines = [
        "",
        "### Editorial changes: text changed, revision kept",
        "",
        "**Approving this change with these trailers in the merge message waives a new "
        "revision** for the documents named: read their redlines below. An editorial change "
        "alters no meaning (spelling, a broken link, wording aligned with the glossary).",
        "",
        "| Documents | Reason | Asked for in | Decision |",
        "|---|---|---|---|",
    ]
    for entry in entries:
        decision = (
            "confirmed in the merge message"
            if entry.confirmed
            else "requested: the approver confirms it in the merge message, or asks for the "
            "next revision"
        )
        lines.append(
            f"| {_cell(', '.join(entry.doc_ids))} | {_cell(entry.reason)} "
            f"| {_code(entry.commit.short)} by {_cell(entry.commit.author.name)} | {decision} |"
        )
    return lines


def _merge_message(report: CheckReport) -> list[str]:
    if not report.merge_message:
        return []
    lines = [visible(line) for line in report.merge_message]  # one line each, always
    # A fence longer than any run of backticks in the lines, so that no text can close it.
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [
        "",
        "### The merge message",
        "",
        "Merge with these lines at the end of the merge or squash message; the site's revision "
        "history reads them as the record of approval:",
        "",
        f"{fence}text",
        *lines,
        fence,
    ]


def _redlines(report: CheckReport, comparison: Comparison) -> list[str]:
    """Per changed document, a folded redline for the approver to read before approving."""
    lines: list[str] = []
    for change in comparison.changes:
        result = report.redlines.get(change.path)
        if result is None or not result.changed:
            continue
        inserted, deleted = result.counts()
        label = _cell(change.doc.label)
        summary = (
            f"Redline of {label}: revision {_cell(result.old_label)} → "
            f"{_cell(result.new_label)} ({_plural(inserted, 'word')} inserted, "
            f"{deleted} deleted)"
        )
        lines += ["", "<details>", f"<summary>{summary}</summary>", "", to_markdown(result)]
        lines.append("</details>")
    if lines:
        lines = ["", "### What changed in the text", *lines]
    return lines


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
