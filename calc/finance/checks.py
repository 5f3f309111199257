"""Argument checks shared by the finance functions: each failure names the field a person must fix.

The typed API receives ``Decimal`` and ``int`` values (the CLI parses text with :mod:`calc.money`
first), but a caller can still pass a NaN, an infinity, a float or a negative amount; these checks
turn every such value into :class:`~calc.errors.CalcInputError` before any arithmetic happens.

Public functions declare the whole numbers they check (terms, days) as ``SupportsIndex``, not ``int``:
compiled (``calc.native``), an ``int`` parameter is converted on entry, so ``True`` would arrive as 1
and ``60.5`` as a ``TypeError`` before these checks could name the field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from calc.errors import CalcInputError
from calc.money import CENT, parse_rate

MAX_TERM_MONTHS: Final = 600
MAX_RATE: Final = Decimal(1)  # 100 % APR: far above any lawful retail installment rate


def require_decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise CalcInputError(field, f"must be a Decimal, got {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise CalcInputError(field, "must be a finite number")
    return number


def require_money(value: object, field: str, *, positive: bool) -> Decimal:
    """A money amount: finite, not negative (positive when ``positive``), at most cent precision."""
    amount = require_decimal(value, field)
    if amount < 0 or (positive and amount == 0):
        raise CalcInputError(field, "must be greater than zero" if positive else "must not be negative")
    if amount != amount.quantize(CENT):
        raise CalcInputError(field, "must be a whole number of cents")
    return amount


def require_rate(value: object, field: str, *, maximum: Decimal = MAX_RATE) -> Decimal:
    """A rate as a fraction (0.0599 = 5.99 %) from 0 to ``maximum``."""
    return parse_rate(require_decimal(value, field), field, maximum=maximum)


def require_whole(value: object, field: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CalcInputError(field, f"must be a whole number, got {type(value).__name__}")
    if not minimum <= value <= maximum:
        raise CalcInputError(field, f"must be between {minimum} and {maximum}")
    return value


def require_term(value: object, field: str = "term_months") -> int:
    return require_whole(value, field, minimum=1, maximum=MAX_TERM_MONTHS)
