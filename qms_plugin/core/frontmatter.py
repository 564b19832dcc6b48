"""Read a Markdown file's YAML front matter ourselves.

MkDocs drops a broken front matter silently, and plain YAML turns ``revision: 1.10`` into the
number 1.1 and ``no`` into false. Here the YAML is composed into nodes, so every key keeps its line
and every plain scalar keeps the text that was written; fields that the schema declares as text
keep that text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import yaml

from .findings import Finding

# A front matter larger than this is not metadata; refusing it also bounds alias expansion.
MAX_FRONT_MATTER_CHARS = 64_000
MAX_NODES = 20_000

# libyaml's safe parser, where installed, composes the same nodes (with line marks) about five
# times faster than the pure-Python one; every YAML file the plugin reads goes through it.
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_RESOLVED = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
}


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


class _Builder:
    """Turns composed YAML nodes into Python values, keeping written text where wanted."""

    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.line_offset = line_offset
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes = 0

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.line_offset

    def value(self, node: yaml.Node, as_text: bool = False) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge
        if isinstance(node, yaml.MappingNode):
            return {str(self.value(k)): self.value(v) for k, v in node.value}
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, as_text) for item in node.value]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag in _PLAIN_RESOLVED and not node.style:  # plain: None (Python) or "" (C)
            if as_text:
                return str(node.value)
            if node.tag == "tag:yaml.org,2002:timestamp":
                return self._timestamp(node)
        return self.constructor.construct_object(node, deep=True)

    def _timestamp(self, node: yaml.ScalarNode) -> str:
        """Dates become ISO text; an impossible date stays as written for the schema to report."""
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ValueError:
            return str(node.value)
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if not value.time() else value.isoformat()
        assert isinstance(value, dt.date)
        return value.isoformat()


class _TooLarge(Exception):
    pass


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
        node = yaml.compose(front, Loader=YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 2 if mark else 2
        problem = exc.problem or "invalid YAML"
        hint = (
            "; values containing ': ' or starting with a special character such as '@', '`', "
            "'*', '&', '[' or '{' must be quoted"
        )
        finding = Finding(
            path, line, "front-matter", f"the front matter is not valid YAML: {problem}{hint}"
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

    builder = _Builder(path, line_offset=2)
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    findings: list[Finding] = []
    try:
        for key_node, value_node in node.value:
            key = str(builder.value(key_node))
            line = builder.line(key_node)
            if key in data:
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
            try:
                data[key] = builder.value(value_node, as_text=key in text_fields)
            except yaml.constructor.ConstructorError as exc:
                findings.append(
                    Finding(path, line, "front-matter", f"'{key}': {exc.problem}", field=key)
                )
                continue
            lines[key] = line
    except _TooLarge:
        findings.append(
            Finding(
                path,
                2,
                "front-matter",
                "the front matter expands to too many values (YAML aliases?); write it out plainly",
            )
        )
        return FrontMatter({}, body, True, {}, body_line, findings)
    return FrontMatter(data, body, True, lines, body_line, findings)
