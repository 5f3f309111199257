"""Input checks for the oscillator engines: a bad value raises ``FieldError`` naming the field.

``FieldError`` is the ML engines' shared error (``ml.validation``); these helpers add the shapes the
oscillator needs (positive-only numbers, whole counts, phase vectors).

Every public mutator validates all of its inputs before touching any state, so a rejected call leaves
the engine exactly as it was.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ml.validation import FieldError

__all__ = ["FieldError", "flag", "real", "real_vector", "text", "whole"]


def real(field: str, value: object, *, minimum: float | None = None, maximum: float | None = None,
         strictly_positive: bool = False) -> float:
    # bool is an int subclass; True as a capacity or a time is a caller bug, not 1.
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise FieldError(field, f"expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise FieldError(field, f"must be finite, got {number!r}")
    if strictly_positive and number <= 0:
        raise FieldError(field, f"must be > 0, got {number!r}")
    if minimum is not None and number < minimum:
        raise FieldError(field, f"must be >= {minimum}, got {number!r}")
    if maximum is not None and number > maximum:
        raise FieldError(field, f"must be <= {maximum}, got {number!r}")
    return number


def whole(field: str, value: object, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise FieldError(field, f"expected an integer, got {type(value).__name__}")
    number = int(value)
    if number < minimum:
        raise FieldError(field, f"must be >= {minimum}, got {number}")
    return number


def text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(field, "expected a non-empty string")
    return value


def flag(field: str, value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise FieldError(field, f"expected true or false, got {type(value).__name__}")
    return bool(value)


def real_vector(field: str, value: object, *, length: int | None = None) -> NDArray[np.float64]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise FieldError(field, f"expected a sequence of numbers, got {type(value).__name__}")
    items: list[Any] = list(value)
    numbers = np.array([real(f"{field}[{i}]", item) for i, item in enumerate(items)], dtype=np.float64)
    if length is not None and numbers.shape[0] != length:
        raise FieldError(field, f"expected {length} values, got {numbers.shape[0]}")
    return numbers
