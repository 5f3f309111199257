"""Checking a model's tool arguments against the tool's JSON Schema before anything runs.

Models (local ones especially) emit malformed or made-up arguments; each is refused with the dotted
path of the field that is wrong, which goes back to the model so it can correct itself. Only the part
of JSON Schema the tool schemas use is supported; an unsupported keyword is a programming error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from app.errors import ValidationError

_SUPPORTED = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "enum", "minimum", "maximum",
        "minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "description", "default",
    }
)  # fmt: skip


class ArgumentError(ValidationError):
    """A tool argument that does not fit the schema; ``field`` is the dotted path (``vehicle.price``)."""


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _type_ok(value: object, kind: str) -> bool:
    match kind:
        case "object":
            return isinstance(value, Mapping)
        case "array":
            return isinstance(value, list)
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "null":
            return value is None
    raise ValueError(f"unsupported schema type {kind!r}")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def validate(value: object, schema: Mapping[str, Any], path: str = "") -> None:
    """Raise :class:`ArgumentError` naming the first field that does not fit ``schema``."""
    unknown = set(schema) - _SUPPORTED
    if unknown:
        raise ValueError(f"schema at {path or '(root)'} uses unsupported keywords {sorted(unknown)}")
    where = path or "arguments"
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_type_ok(value, kind) for kind in allowed):
            raise ArgumentError(where, f"must be {' or '.join(allowed)}, got {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(repr(choice) for choice in schema["enum"])
        raise ArgumentError(where, f"must be one of {choices}, got {value!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise ArgumentError(where, f"must be at least {schema['minimum']}, got {value}")
        if "maximum" in schema and value > schema["maximum"]:
            raise ArgumentError(where, f"must be at most {schema['maximum']}, got {value}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            raise ArgumentError(where, f"must have at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise ArgumentError(where, f"must have at most {schema['maxLength']} characters")
        if "pattern" in schema and not _regex(schema["pattern"]).fullmatch(value):
            raise ArgumentError(where, f"{value!r} is not in the expected form")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise ArgumentError(where, f"needs at least {schema['minItems']} item(s)")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise ArgumentError(where, f"takes at most {schema['maxItems']} item(s)")
        if "items" in schema:
            for index, item in enumerate(value):
                validate(item, schema["items"], _join(path, index))
    if isinstance(value, Mapping):
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                raise ArgumentError(_join(path, name), "is required")
        if schema.get("additionalProperties", True) is False:
            for name in value:
                if name not in properties:
                    raise ArgumentError(_join(path, str(name)), "is not a known field")
        for name, item in value.items():
            if name in properties:
                validate(item, properties[name], _join(path, str(name)))
