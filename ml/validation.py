"""Field validation shared by the ML engines.

Engines receive plain mappings from the app (form values, database rows). Every value is checked before any
state changes: a bad value raises :class:`FieldError` (a ``ValueError``) that names the field and says why,
so the caller can show it next to the input and the engine stays exactly as it was.

Conventions:
- ``None`` or an absent key means "not known"; it is returned as ``None`` and never replaced by a default.
- A real ``0`` is a value like any other (never treated as missing).
- Numbers may be ``int``, ``float``, ``decimal.Decimal`` or numpy scalars; ``bool`` and strings are rejected
  as wrongly typed (``True`` is not a FICO score, and ``"720"`` is most likely an unparsed form field).
- NaN and infinities are rejected, whatever their type.
"""

from __future__ import annotations

import math
import numbers
import uuid
from collections.abc import Collection, Mapping
from decimal import Decimal

import numpy as np


class FieldError(ValueError):
    """A value that cannot be used; ``field`` is its dotted name, ``reason`` says why in plain words."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _is_bool(value: object) -> bool:
    return isinstance(value, bool | np.bool_)


def number(
    value: object,
    field: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    required: bool = False,
) -> float | None:
    """A finite real number within ``[minimum, maximum]``, as float; ``None`` if absent and not required."""
    if value is None:
        if required:
            raise FieldError(field, "is required")
        return None
    if type(value) is float:  # the common cases, checked without the ABC machinery
        result = value
    elif type(value) is int:  # not a bool: its type is bool
        try:
            result = float(value)
        except OverflowError:
            raise FieldError(field, "is too large to be a real value") from None
    elif _is_bool(value):
        raise FieldError(field, f"must be a number, not a boolean ({value!r})")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise FieldError(field, f"must be a finite number, got {value}")
        result = float(value)
    elif isinstance(value, numbers.Real):
        try:
            result = float(value)
        except OverflowError:
            raise FieldError(field, "is too large to be a real value") from None
    else:
        raise FieldError(field, f"must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(result):
        raise FieldError(field, f"must be a finite number, got {result}")
    if integer and not result.is_integer():
        raise FieldError(field, f"must be a whole number, got {result}")
    if minimum is not None and result < minimum:
        raise FieldError(field, f"must be at least {minimum:g}, got {result:g}")
    if maximum is not None and result > maximum:
        raise FieldError(field, f"must be at most {maximum:g}, got {result:g}")
    return result


def seed(value: object, field: str = "seed") -> int:
    """A generator seed: a whole number >= 0 (an integer stays exact however large)."""
    if isinstance(value, int | np.integer) and not _is_bool(value):
        if value < 0:
            raise FieldError(field, f"must be at least 0, got {value}")
        return int(value)
    whole = number(value, field, minimum=0, integer=True, required=True)
    assert whole is not None
    return int(whole)


def flag(value: object, field: str, *, required: bool = False) -> bool | None:
    """A yes/no value: ``bool`` (numpy too) or the integers 0 and 1; ``None`` if absent and not required."""
    if value is None:
        if required:
            raise FieldError(field, "is required")
        return None
    if _is_bool(value):
        return bool(value)
    if isinstance(value, numbers.Integral) and int(value) in (0, 1):
        return bool(int(value))
    raise FieldError(field, f"must be true or false, got {type(value).__name__} {value!r}")


def identifier(value: object, field: str) -> str:
    """A required, non-empty id (string, integer or UUID), returned as a string so ``7`` and ``"7"`` are one
    id (a UUID becomes its canonical text, the form the store keeps)."""
    if value is None:
        raise FieldError(field, "is required")
    if _is_bool(value):
        raise FieldError(field, f"must be a string or integer id, not a boolean ({value!r})")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise FieldError(field, "must not be empty")
        return text
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    raise FieldError(field, f"must be a string or integer id, got {type(value).__name__} {value!r}")


def choice(value: object, field: str, allowed: Collection[str]) -> str:
    """One of ``allowed`` (exact string match)."""
    if not isinstance(value, str):
        raise FieldError(field, f"must be one of {', '.join(sorted(allowed))}; got {type(value).__name__}")
    if value not in allowed:
        raise FieldError(field, f"must be one of {', '.join(sorted(allowed))}; got {value!r}")
    return value


def record(value: object, field: str) -> Mapping[str, object]:
    """A mapping with string keys (the shape of every engine input)."""
    if not isinstance(value, Mapping):
        raise FieldError(field, f"must be a mapping of field names to values, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise FieldError(field, f"field names must be strings, got {key!r}")
    return value
