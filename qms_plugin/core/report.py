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

from .changes import Comparison, DocumentChange, Impact, Reference
from .documents import Document
from .findings import Finding
from .manual import DocumentSet
from .redline import Redline, to_markdown
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

    @property
    def findings(self) -> list[Finding]:
        findings = list(self.docset.findings)
        if self.comparison is not None:
            findings += self.comparison.findings
        return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule, f.message))

    @property
    def passed(self) -> bool:
        return not self.findings

    def headline(self) -> str:
        """One sentence: passed or failed, and how much."""
        count = len(self.docset.documents)
        findings = self.findings
        if not findings:
            return f"{count} controlled documents, no problems."
        files = len({f.path for f in findings})
        plural = "s" if len(findings) != 1 else ""
        return f"{len(findings)} problem{plural} in {files} of {count} documents."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _from_to(old: str | None, new: str | None) -> str:
    if old == new:
        return old or "—"
    return f"{old or '—'} → {new or '—'}"


# --- text ---------------------------------------------------------------------------------------


def render_text(report: CheckReport) -> str:
    """``path:line: message [rule]`` per finding, the changes, then a one-line verdict."""
    lines = [str(f) for f in report.findings]
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
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "rule": f.rule,
                "message": f.message,
                "doc_id": f.doc_id,
                "field": f.field,
            }
            for f in report.findings
        ],
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
    findings = report.findings
    comparison = report.comparison
    verdict = "passed" if report.passed else "failed"
    lines = [f"**Document control check {verdict}**: {report.headline()}"]
    if comparison is not None:
        lines += [
            "",
            f"Compared with {_code(comparison.base_ref)} at {_code(comparison.merge_base[:12])}.",
        ]
    if findings:
        lines += ["", "| Document | Where | Rule | Problem |", "|---|---|---|---|"]
        for f in findings:
            lines.append(
                f"| {_cell(f.doc_id or '—')} | {_code(f.location(), True)} | {_code(f.rule, True)} "
                f"| {_cell(f.message)} |"
            )
        by_rule = Counter(f.rule for f in findings)
        lines += [
            "",
            "By rule: " + ", ".join(f"`{rule}` {n}" for rule, n in sorted(by_rule.items())),
        ]
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
    return "\n".join(lines) + "\n"


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
