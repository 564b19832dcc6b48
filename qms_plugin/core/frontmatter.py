"""Read a Markdown file's YAML front matter ourselves.

MkDocs drops a broken front matter silently, and plain YAML turns ``revision: 1.10`` into the
number 1.1 and ``no`` into false. Here the YAML is composed into nodes, so every key keeps its line
and every plain scalar keeps the text that was written; fields that the schema declares as text
keep that text.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import yamlread
from .findings import Finding

# A front matter larger than this is not metadata; refusing it also bounds alias expansion.
MAX_FRONT_MATTER_CHARS = 64_000
MAX_NODES = yamlread.MAX_NODES

# The parser every YAML text goes through (libyaml's where installed); see ``yamlread``.
YAML_LOADER = yamlread.YAML_LOADER


@dataclass
class SourceText:
    """A file's text, decoded, with what went wrong while decoding it."""

    text: str
    findings: list[Finding] = field(default_factory=list)


@dataclass
class FrontMatter:
    """The parsed front matter of one file and the Markdown body after it."""

    data: dict[str, Any]
    body: str
    present: bool
    lines: dict[str, int]
    body_start_line: int
    findings: list[Finding] = field(default_factory=list)


def decode(raw: bytes, path: str) -> SourceText:
    """Decode a file's bytes as UTF-8 (with or without a byte-order mark).

    A file in another encoding is still shown, decoded as Windows-1252, and reported, so that
    nothing is lost and the author learns how to fix it.
    """
    try:
        return SourceText(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        text = raw.decode("cp1252", errors="replace")
        message = (
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); it is shown as "
            "Windows-1252. Re-save it as UTF-8 in your editor"
        )
        return SourceText(text, [Finding(path, line, "encoding", message)])


def split(text: str) -> tuple[str | None, str, int]:
    """Split text into (front matter, body, line of the body), or (None, text, 1) if none."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    return "", text, 1  # opened but never closed: reported by parse()


def parse(text: str, path: str, text_fields: Collection[str] = ()) -> FrontMatter:
    """Parse front matter and body, reporting every problem with its line.

    ``text_fields`` names the keys whose plain values are kept exactly as written (the schema's
    string fields), so ``revision: 1.10`` stays ``"1.10"``.
    """
    front, body, body_line = split(text)
    if front is None:
        return FrontMatter({}, body, False, {}, 1)
    if body_line == 1:
        finding = Finding(
            path,
            1,
            "front-matter",
            "the front matter opened with '---' on line 1 is never closed; "
            "add a line with '---' after the last field",
        )
        return FrontMatter({}, body, True, {}, 1, [finding])
    if len(front) > MAX_FRONT_MATTER_CHARS:
        finding = Finding(
            path,
            2,
            "front-matter",
            f"the front matter is {len(front):,} characters long (limit "
            f"{MAX_FRONT_MATTER_CHARS:,}); keep document text in the body, below the closing '---'",
        )
        return FrontMatter({}, body, True, {}, body_line, [finding])
    try:
        node = yamlread.compose(front)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or "invalid YAML"
        hint = (
            "; values containing ': ' or starting with a special character such as '@', '`', "
            "'*', '&', '[' or '{' must be quoted"
        )
        finding = Finding(
            path,
            yamlread.line_of(exc, 2) or 2,
            "front-matter",
            f"the front matter is not valid YAML: {problem}{hint}",
        )
        return FrontMatter({}, body, True, {}, body_line, [finding])
    except yaml.YAMLError as exc:
        finding = Finding(path, 2, "front-matter", f"the front matter is not valid YAML: {exc}")
        return FrontMatter({}, body, True, {}, body_line, [finding])

    if node is None:
        return FrontMatter({}, body, True, {}, body_line)
    if not isinstance(node, yaml.MappingNode):
        finding = Finding(
            path,
            2,
            "front-matter",
            "the front matter must be a list of 'field: value' lines, not a single value or a list",
        )
        return FrontMatter({}, body, True, {}, body_line, [finding])

    # The whole front matter may make MAX_NODES values (aliases expanded); merge keys are
    # refused, as the schema could not tell which field a merged value came from.
    builder = yamlread.Builder(MAX_NODES, merge_keys=False, dates_as_text=True)
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    findings: list[Finding] = []
    try:
        for key_node, value_node in node.value:
            line = int(key_node.start_mark.line) + 2
            try:
                key = str(builder.key(key_node))
            except yamlread.YamlValueError as exc:
                findings.append(Finding(path, line, "front-matter", f"{exc.problem}"))
                continue
            if key in data or key in lines:
                findings.append(
                    Finding(
                        path,
                        line,
                        "front-matter",
                        f"'{key}' is given twice (lines {lines[key]} and {line}); keep one",
                        field=key,
                    )
                )
                continue
            lines[key] = line
            try:
                data[key] = builder.value(value_node, as_text=key in text_fields, depth=1)
            except yamlread.YamlValueError as exc:
                where = yamlread.line_of(exc, 2) or line
                findings.append(
                    Finding(path, where, "front-matter", f"'{key}': {exc.problem}", field=key)
                )
    except yamlread.YamlLimitError as exc:
        findings.append(
            Finding(path, 2, "front-matter", f"the front matter cannot be read: {exc.problem}")
        )
        return FrontMatter({}, body, True, {}, body_line, findings)
    return FrontMatter(data, body, True, lines, body_line, findings)
