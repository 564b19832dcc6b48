"""Reading YAML safely and within bounds: the one way the plugin reads every YAML text.

Front matter, the organisation's glossary and schema files, and the packaged data all come
through here. YAML can make a small text expand into billions of values through aliases
("billion laughs"), nest deeper than Python recurses, or hold numbers longer than Python reads;
here the text is composed into nodes once and turned into values by a builder that counts
every value it makes and every level it descends, so a hostile text costs a bounded amount of
time and memory and ends in an error that names its line. Only plain data comes out (no Python
objects), whatever tags the text carries.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Hashable
from typing import Any

import yaml

# libyaml's safe parser, where installed, composes the same nodes (with line marks) about five
# times faster than the pure-Python one.
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Values that aliases may add beyond those written out: a front matter holds a few dozen, a
# glossary a few thousand written ones.
MAX_NODES = 20_000
# Levels of nesting: data files use four or five.
MAX_DEPTH = 64
# A YAML file larger than this is not configuration or a glossary.
MAX_FILE_CHARS = 10_000_000

MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_RESOLVED = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"


class YamlLimitError(yaml.MarkedYAMLError):
    """The text is too large, nests too deep, or expands too far through aliases."""


class YamlValueError(yaml.MarkedYAMLError):
    """One value cannot be read: a merge key where none is allowed, an unknown tag, a number
    too long, a key that is a list."""


def _error(kind: type[yaml.MarkedYAMLError], problem: str, node: yaml.Node | None) -> Exception:
    return kind(problem=problem, problem_mark=node.start_mark if node is not None else None)


def line_of(exc: yaml.YAMLError, offset: int = 1) -> int | None:
    """The line a YAML error points at, counted from ``offset`` for the text's first line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return int(mark.line) + offset if mark is not None else None


def compose(text: str, max_chars: int = MAX_FILE_CHARS) -> yaml.Node | None:
    """The text's node graph (aliases are shared nodes, not yet expanded)."""
    if len(text) > max_chars:
        raise YamlLimitError(
            problem=f"the text is {len(text):,} characters long (limit {max_chars:,})"
        )
    try:
        return yaml.compose(text, Loader=YAML_LOADER)
    except RecursionError:  # the pure-Python composer recurses once per level
        raise YamlLimitError(problem=f"it is nested more than {MAX_DEPTH} levels deep") from None


def written_nodes(root: yaml.Node) -> int:
    """How many distinct nodes the text writes out (an alias counts once, where defined)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen)


class Builder:
    """Turns composed nodes into plain Python values, counting them.

    ``max_nodes`` bounds the values made (aliases expanded); ``merge_keys`` says whether
    ``<<: *alias`` merges a mapping in (YAML 1.1) or is an error; ``dates_as_text`` keeps plain
    dates as ISO text rather than ``datetime.date``.
    """

    def __init__(
        self, max_nodes: int, *, merge_keys: bool = True, dates_as_text: bool = False
    ) -> None:
        self.max_nodes = max_nodes
        self.merge_keys = merge_keys
        self.dates_as_text = dates_as_text
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes = 0

    def value(self, node: yaml.Node, as_text: bool = False, depth: int = 0) -> Any:
        """The value of ``node``; with ``as_text``, plain scalars keep the text as written."""
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _error(
                YamlLimitError,
                "it expands to too many values (more than "
                f"{self.max_nodes:,}, through YAML aliases?); write it out plainly",
                node,
            )
        if depth > MAX_DEPTH:
            raise _error(YamlLimitError, f"it is nested more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, as_text, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, as_text, depth + 1) for item in node.value]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, as_text)

    def key(self, node: yaml.Node, depth: int = 0) -> Hashable:
        """A mapping key: a scalar (a list or mapping cannot be one)."""
        if node.tag == MERGE_TAG:
            raise _error(
                YamlValueError,
                "'<<' (a YAML merge key) is not supported here; write the fields out",
                node,
            )
        value = self.value(node, depth=depth + 1)
        if not isinstance(value, Hashable):
            raise _error(YamlValueError, "a key must be text, not a list or a mapping", node)
        return value

    def _mapping(self, node: yaml.MappingNode, as_text: bool, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG and self.merge_keys:
                self._merge(value_node, merged, depth)
                continue
            result[self.key(key_node, depth)] = self.value(value_node, as_text, depth + 1)
        return {**merged, **result} if merged else result

    def _merge(self, node: yaml.Node, into: dict[Any, Any], depth: int) -> None:
        """``<<: *a`` or ``<<: [*a, *b]``: keys not set already come from the mappings, the
        first mapping first."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise _error(YamlValueError, "'<<' (a YAML merge key) must name a mapping", source)
            for key, value in self.value(source, depth=depth + 1).items():
                into.setdefault(key, value)

    def _scalar(self, node: yaml.ScalarNode, as_text: bool) -> Any:
        if node.tag in _PLAIN_RESOLVED and not node.style:  # plain: None (Python) or "" (C)
            if as_text:
                return str(node.value)
            if node.tag == _TIMESTAMP and self.dates_as_text:
                return _timestamp_text(self._construct(node, lambda: str(node.value)))
        value = self._construct(node)
        # A date tagged explicitly (!!timestamp '2026-01-05') is text too.
        return _timestamp_text(value) if self.dates_as_text else value

    def _construct(self, node: yaml.ScalarNode, on_error: Callable[[], Any] | None = None) -> Any:
        """What PyYAML's safe constructor makes of a scalar; its errors (of many kinds, for
        values such as ``!!bool maybe``) become one error that names the line."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:  # ValueError, KeyError, IndexError, AttributeError ...
            if on_error is not None:
                return on_error()
            raise _error(YamlValueError, _scalar_problem(node, exc), node) from None


def _timestamp_text(value: Any) -> Any:
    """Dates become ISO text; an impossible date stays as written for the schema to report."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _scalar_problem(node: yaml.ScalarNode, exc: Exception) -> str:
    if isinstance(exc, yaml.constructor.ConstructorError) and exc.problem:
        return str(exc.problem)
    text = str(node.value)
    shown = text if len(text) <= 40 else text[:37] + "..."
    limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
    if node.tag == _INT and len(text) > limit:
        return (
            f"the number has {len(text):,} digits, more than can be read ({limit:,}); "
            "write a smaller number, or quote it to keep it as text"
        )
    kind = node.tag.rsplit(":", 1)[-1]
    return f"'{shown}' cannot be read as {kind}; correct it, or quote it to keep it as text"


def load(text: str, max_chars: int = MAX_FILE_CHARS) -> Any:
    """The data of a YAML file (None for an empty one), read safely and within bounds.

    Raises ``yaml.YAMLError`` (with the line in ``problem_mark`` where known) for text that is
    not YAML, too large, too deep, or expands too far through aliases.
    """
    root = compose(text, max_chars)
    if root is None:
        return None
    return Builder(written_nodes(root) + MAX_NODES).value(root)
