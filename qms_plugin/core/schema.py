"""The front-matter schema: loading it and turning jsonschema errors into findings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import yamlread
from .findings import Finding

DEFAULT_SCHEMA = "document.schema.yaml"


class SchemaError(ValueError):
    """The schema file itself is missing or broken."""


def _read_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yamlread.load(text)
    except yaml.YAMLError as exc:
        line = yamlread.line_of(exc)
        where = f", line {line}" if line else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SchemaError(
            f"{origin}{where}: the schema cannot be read as YAML: {problem}"
        ) from None
    if not isinstance(data, dict):
        raise SchemaError(f"{origin}: the schema must be a YAML mapping (a JSON Schema object)")
    return data


@dataclass(frozen=True)
class DocumentSchema:
    """A compiled front-matter schema."""

    origin: str
    schema: Mapping[str, Any]
    validator: jsonschema.protocols.Validator

    @classmethod
    def load(cls, path: str | Path | None = None) -> DocumentSchema:
        """Load the organisation's schema from ``path``, or the built-in one."""
        if path is None:
            text = (
                resources.files("qms_plugin").joinpath(f"data/{DEFAULT_SCHEMA}").read_text("utf-8")
            )
            origin = f"built-in {DEFAULT_SCHEMA}"
        else:
            try:
                text = Path(path).read_text("utf-8")
            except OSError as exc:
                raise SchemaError(
                    f"cannot read the schema file {path}: {exc.strerror}; check the plugin's "
                    "'schema' option in mkdocs.yml"
                ) from None
            origin = str(path)
        schema = _read_yaml(text, origin)
        validator_class = jsonschema.validators.validator_for(schema)
        try:
            validator_class.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise SchemaError(f"{origin}: not a valid JSON Schema: {exc.message}") from None
        validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
        return cls(origin, schema, validator)

    def text_fields(self) -> frozenset[str]:
        """Top-level fields whose values are text (or lists of text) in the schema."""
        names = set()
        for name, prop in dict(self.schema.get("properties", {})).items():
            if isinstance(prop, Mapping) and _is_text(prop):
                names.add(name)
        return frozenset(names)

    def validate(
        self, data: Mapping[str, Any], path: str, lines: Mapping[str, int]
    ) -> Iterator[Finding]:
        """Yield one finding per schema violation, naming the field and what is allowed."""
        errors = sorted(self.validator.iter_errors(data), key=lambda e: list(map(str, e.path)))
        for error in errors:
            yield _finding(error, path, lines, self.schema)


@cache
def load_packaged_schema(name: str) -> jsonschema.protocols.Validator:
    """A validator for one of the JSON Schemas shipped in ``qms_plugin/data`` (the same files
    as in records_schema/), for input files other than documents."""
    text = resources.files("qms_plugin").joinpath(f"data/{name}").read_text("utf-8")
    schema = _read_yaml(text, f"built-in {name}")
    validator_class = jsonschema.validators.validator_for(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def _is_text(prop: Mapping[str, Any]) -> bool:
    kinds = prop.get("type")
    if kinds == "string" or (isinstance(kinds, list) and "string" in kinds):
        return True
    items = prop.get("items")
    if kinds == "array" and isinstance(items, Mapping) and _is_text(items):
        return True
    branches = list(prop.get("oneOf", [])) + list(prop.get("anyOf", []))
    return any(isinstance(b, Mapping) and _is_text(b) for b in branches)


def _shown(value: Any) -> str:
    if value is None:
        return "empty"
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def _finding(
    error: jsonschema.ValidationError,
    path: str,
    lines: Mapping[str, int],
    schema: Mapping[str, Any],
) -> Finding:
    field_path = [str(p) for p in error.absolute_path]
    top = field_path[0] if field_path else None
    line = lines.get(top) if top else None
    where = ".".join(field_path)
    validator = error.validator
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if field_path:  # inside a field (a record, the training mapping): say which one
            message = f"'{where}' lacks the required field '{missing}'"
            return Finding(path, line or (1 if lines else None), "schema", message, field=top)
        described = _description(schema, missing)
        message = f"required field '{missing}' is missing" + (
            f" ({described})" if described else ""
        )
        return Finding(path, 1 if lines else None, "schema", message, field=missing)
    if validator == "dependentRequired":
        # "'b' is a dependency of 'a'": a is given, so b must be too.
        quoted = error.message.split("'")
        missing, given = (quoted[1], quoted[3]) if len(quoted) >= 4 else (error.message, "")
        described = _description(schema, missing)
        message = f"'{given}' is given, so '{missing}' is required too" + (
            f" ({described})" if described else ""
        )
        return Finding(path, lines.get(given), "schema", message, field=missing)
    if validator == "additionalProperties":
        extra = sorted(set(_mapping(error.instance)) - set(schema.get("properties", {})))
        names = ", ".join(f"'{name}'" for name in extra)
        known = ", ".join(sorted(schema.get("properties", {})))
        line = min((lines.get(name, 0) for name in extra), default=0) or None
        message = (
            f"unknown field {names}: check the spelling, or add it to your schema. "
            f"Known fields: {known}"
        )
        return Finding(path, line, "schema", message, field=extra[0] if extra else None)
    hint = error.schema.get("errorMessage") if isinstance(error.schema, Mapping) else None
    if isinstance(hint, str) and validator not in ("required", "additionalProperties"):
        message = f"'{where}' is {_shown(error.instance)}; {hint}"
    elif validator == "enum":
        allowed = ", ".join(str(v) for v in _sequence(error.validator_value))
        message = f"'{where}' is {_shown(error.instance)}; allowed: {allowed}"
    elif validator == "type":
        message = (
            f"'{where}' is {_shown(error.instance)}; it must be {_kind(error.validator_value)}"
        )
    elif validator == "format" and error.validator_value == "date":
        message = f"'{where}' is {_shown(error.instance)}; write a real date as YYYY-MM-DD"
    elif validator == "pattern":
        message = f"'{where}' is {_shown(error.instance)}; it must match {error.validator_value}"
    elif validator == "oneOf":
        message = f"'{where}' is {_shown(error.instance)}; it must be text or a list of text"
    elif validator == "minLength":
        message = f"'{where}' is empty; give a value or remove the field"
    elif validator == "uniqueItems":
        message = f"'{where}' lists the same value twice; remove the repeat"
    elif validator in ("minimum", "maximum"):
        word = "at least" if validator == "minimum" else "at most"
        message = (
            f"'{where}' is {_shown(error.instance)}; it must be {word} {error.validator_value}"
        )
    else:
        message = f"'{where}': {error.message}"
    return Finding(path, line, "schema", message, field=top)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _kind(value: Any) -> str:
    names = {
        "string": "text",
        "integer": "a whole number",
        "array": "a list",
        "object": "a mapping",
    }
    if isinstance(value, list):
        return " or ".join(names.get(str(v), str(v)) for v in value)
    return names.get(value, str(value))


def _description(schema: Mapping[str, Any], name: str) -> str:
    prop = dict(schema.get("properties", {})).get(name)
    if isinstance(prop, Mapping):
        return str(prop.get("description", ""))
    return ""
