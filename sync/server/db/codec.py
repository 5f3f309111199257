"""Field values between their wire encoding (see ``sync.schema``) and what PostgreSQL stores.

Every refusal names the field, so a rejected op tells the desktop exactly which value was wrong.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb
from pydantic import JsonValue

from sync.schema import FieldType

_BIGINT = 2**63
_MAX_TEXT = 100_000
_MAX_DECIMAL_DIGITS = 30


class FieldValueError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _has_nul(value: object) -> bool:
    # PostgreSQL text and jsonb cannot hold U+0000; refusing it here beats a database error later.
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def to_db(field: str, kind: FieldType, value: JsonValue) -> Any:
    """Validate a wire value and convert it for a parameter of the field's column."""
    if value is None:
        return None
    if kind == "text":
        if not isinstance(value, str):
            raise FieldValueError(field, "expected a string")
        if _has_nul(value) or len(value) > _MAX_TEXT:
            raise FieldValueError(field, "text must not contain NUL and be at most 100000 characters")
        return value
    if kind == "uuid":
        if not isinstance(value, str):
            raise FieldValueError(field, "expected a UUID string")
        try:
            return UUID(value)
        except ValueError:
            raise FieldValueError(field, f"not a UUID: {value[:40]!r}") from None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldValueError(field, "expected an integer")
        if not -_BIGINT <= value < _BIGINT:
            raise FieldValueError(field, "integer out of range")
        return value
    if kind == "decimal":
        return _decimal(field, value)
    if kind == "date":
        if not isinstance(value, str):
            raise FieldValueError(field, "expected a date string YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FieldValueError(field, f"not a date YYYY-MM-DD: {value[:40]!r}") from None
    if kind == "datetime":
        return _datetime(field, value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise FieldValueError(field, "expected true or false")
        return value
    if kind == "json":
        if _has_nul(value):
            raise FieldValueError(field, "JSON strings must not contain NUL")
        if len(json.dumps(value)) > 1_000_000:
            raise FieldValueError(field, "JSON value larger than 1 MB")
        return Jsonb(value)
    raise FieldValueError(field, f"unsupported field type {kind}")


def _decimal(field: str, value: JsonValue) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FieldValueError(field, 'expected a decimal string such as "1234.50"')
    try:
        number = Decimal(value) if isinstance(value, int) else Decimal(value.strip())
    except InvalidOperation:
        raise FieldValueError(field, f"not a decimal number: {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise FieldValueError(field, "must be a finite number")
    digits = number.as_tuple()
    if len(digits.digits) > _MAX_DECIMAL_DIGITS or abs(number.adjusted()) > _MAX_DECIMAL_DIGITS:
        raise FieldValueError(field, "decimal has too many digits")
    return number


def _datetime(field: str, value: JsonValue) -> datetime:
    if not isinstance(value, str):
        raise FieldValueError(field, "expected an ISO 8601 date-time string with an offset")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FieldValueError(field, f"not an ISO 8601 date-time: {value[:40]!r}") from None
    if moment.tzinfo is None:
        raise FieldValueError(field, "date-time needs a UTC offset, e.g. 2026-01-31T15:00:00+00:00")
    return moment.astimezone(UTC)


def to_wire(kind: FieldType, value: Any) -> JsonValue:
    """A stored value in its wire encoding."""
    if value is None:
        return None
    if kind == "uuid":
        return str(value)
    if kind == "decimal":
        return str(value)
    if kind == "date":
        return str(value.isoformat())
    if kind == "datetime":
        return str(value.astimezone(UTC).isoformat())
    if kind == "json":
        return value  # type: ignore[no-any-return]
    return value  # type: ignore[no-any-return]
