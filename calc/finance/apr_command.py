"""One line of ``python -m calc apr``: JSON object in, JSON object out (contract §1).

Input::

    {"amount_financed": "5000.00", "advance_date": "1978-01-10",
     "payments": [{"amount": "230.00", "count": 24, "first_date": "1978-02-10",
                   "every": {"unit": "month", "multiple": 1}}]}

``every`` may be null or absent for a single payment (then ``count`` must be 1, its default).
Output: ``apr_percent`` (two decimals, half-up), ``apr_exact`` (percent, ten decimals), ``finance_charge``
and ``total_of_payments`` (money strings), plus ``unit_period``, ``unit_periods_per_year`` and
``irregular`` (whether the ¼-point tolerance of 1026.22(a)(3) applies). Bad input raises
:class:`~calc.errors.CalcInputError` naming the field (``payments[0].count``...).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from calc.errors import CalcInputError
from calc.finance.regz import PaymentStream, reg_z_apr
from calc.finance.unit_period import UNITS
from calc.money import format_money, parse_money

_TOP_FIELDS: Final = frozenset({"amount_financed", "advance_date", "payments"})
_PAYMENT_FIELDS: Final = frozenset({"amount", "count", "first_date", "every"})
_EVERY_FIELDS: Final = frozenset({"unit", "multiple"})
_EXACT_PLACES: Final = Decimal("1e-10")


def run_apr_line(obj: object) -> dict[str, Any]:
    """Compute the Appendix J APR for one contract input object."""
    record = _mapping(obj, "", _TOP_FIELDS)
    amount = parse_money(_required(record, "amount_financed", ""), "amount_financed")
    advance = _date(_required(record, "advance_date", ""), "advance_date")
    raw_payments = _required(record, "payments", "")
    if not isinstance(raw_payments, list) or not raw_payments:
        raise CalcInputError("payments", "must be a non-empty list of payment streams")
    streams = [_stream(item, f"payments[{n}]") for n, item in enumerate(raw_payments)]
    result = reg_z_apr(amount, advance, streams)
    percent = result.apr_percent
    return {
        "apr_percent": str(percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
        "apr_exact": str(percent.quantize(_EXACT_PLACES, rounding=ROUND_HALF_UP)),
        "finance_charge": format_money(result.finance_charge),
        "total_of_payments": format_money(result.total_of_payments),
        "amount_financed": format_money(result.amount_financed),
        "unit_period": result.unit_period.describe(),
        "unit_periods_per_year": str(result.periods_per_year.normalize()),
        "irregular": result.irregular,
    }


def _stream(item: object, field: str) -> PaymentStream:
    record = _mapping(item, field, _PAYMENT_FIELDS)
    amount = parse_money(_required(record, "amount", field), f"{field}.amount")
    count = _whole(record.get("count", 1), f"{field}.count")
    first = _date(_required(record, "first_date", field), f"{field}.first_date")
    every = record.get("every")
    if every is None:
        return PaymentStream(amount, count, first, None)
    interval = _mapping(every, f"{field}.every", _EVERY_FIELDS)
    unit = _required(interval, "unit", f"{field}.every")
    if unit not in UNITS:
        raise CalcInputError(f"{field}.every.unit", f"must be one of {', '.join(UNITS)}")
    multiple = _whole(interval.get("multiple", 1), f"{field}.every.multiple")
    return PaymentStream(amount, count, first, str(unit), multiple)


def _mapping(value: object, field: str, allowed: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise CalcInputError(field or "input", "must be a JSON object")
    for key in value:
        if key not in allowed:
            name = f"{field}.{key}" if field else str(key)
            raise CalcInputError(name, "unknown field")
    return value


def _required(record: Mapping[str, object], key: str, field: str) -> object:
    name = f"{field}.{key}" if field else key
    if key not in record or record[key] is None:
        raise CalcInputError(name, "is required")
    return record[key]


def _whole(value: object, field: str) -> int:
    """A count: a JSON integer (``24`` or ``24.0``), or a string of digits."""
    if isinstance(value, bool):
        raise CalcInputError(field, "must be a whole number, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        number = int(value)  # the CLI reads JSON numbers with a fraction part as Decimal
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise CalcInputError(field, f"must be a whole number, got {value!r}")
    if number < 1:
        raise CalcInputError(field, "must be at least 1")
    return number


def _date(value: object, field: str) -> date:
    if not isinstance(value, str):
        raise CalcInputError(field, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CalcInputError(field, f"is not a date (YYYY-MM-DD): {value!r}") from None
