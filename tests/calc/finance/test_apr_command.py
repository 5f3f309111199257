"""The ``apr`` command's line contract (shared/contracts §1) through :func:`run_apr_line`."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from calc.errors import CalcInputError
from calc.finance.apr_command import run_apr_line


def contract_example() -> dict[str, Any]:
    return {
        "amount_financed": "5000.00",
        "advance_date": "1978-01-10",
        "payments": [
            {
                "amount": "230.00",
                "count": 24,
                "first_date": "1978-02-10",
                "every": {"unit": "month", "multiple": 1},
            }
        ],
    }


def test_contract_example() -> None:
    out = run_apr_line(contract_example())
    assert out["apr_percent"] == "9.69"
    assert out["apr_exact"].startswith("9.685708")
    assert len(out["apr_exact"].split(".")[1]) >= 6
    assert out["finance_charge"] == "520.00"
    assert out["total_of_payments"] == "5520.00"
    assert out["unit_period"] == "month"
    assert out["irregular"] is False


def test_numbers_and_single_payment_without_interval() -> None:
    out = run_apr_line(
        {
            "amount_financed": 1000,
            "advance_date": "1978-01-03",
            "payments": [{"amount": 1080, "first_date": "1978-09-15", "every": None}],
        }
    )
    assert out["apr_percent"] == "11.45"
    assert Decimal(out["unit_periods_per_year"]) == Decimal(365) / 255


def test_multiple_streams_and_multiples() -> None:
    out = run_apr_line(
        {
            "amount_financed": "400",
            "advance_date": "1978-03-18",
            "payments": [
                {"amount": "39.50", "count": 1, "first_date": "1978-04-20"},
                {
                    "amount": "38.31",
                    "count": "11",
                    "first_date": "1978-05-18",
                    "every": {"unit": "week", "multiple": 4},
                },
            ],
        }
    )
    assert out["apr_percent"] == "28.50"
    # JSON 11.0 read as Decimal by the CLI is the same count.
    same = run_apr_line(
        {
            "amount_financed": "400",
            "advance_date": "1978-03-18",
            "payments": [
                {"amount": "39.50", "count": 1, "first_date": "1978-04-20"},
                {
                    "amount": "38.31",
                    "count": Decimal("11.0"),
                    "first_date": "1978-05-18",
                    "every": {"unit": "week", "multiple": 4},
                },
            ],
        }
    )
    assert same == out
    assert out["unit_period"] == "4 weeks"


def _set(obj: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = obj
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("amount_financed",), "-5", "amount_financed"),
        (("amount_financed",), "0", "amount_financed"),
        (("amount_financed",), "NaN", "amount_financed"),
        (("amount_financed",), "Infinity", "amount_financed"),
        (("amount_financed",), "abc", "amount_financed"),
        (("amount_financed",), _DELETE, "amount_financed"),
        (("advance_date",), "1978-13-01", "advance_date"),
        (("advance_date",), 19780110, "advance_date"),
        (("payments",), [], "payments"),
        (("payments", 0, "count"), 0, "payments[0].count"),
        (("payments", 0, "count"), 2.5, "payments[0].count"),
        (("payments", 0, "count"), Decimal("2.5"), "payments[0].count"),
        (("payments", 0, "count"), True, "payments[0].count"),
        (("payments", 0, "count"), 5000, "payments[0].count"),
        (("payments", 0, "amount"), "-230", "payments[0].amount"),
        (("payments", 0, "amount"), "230.001", "payments[0].amount"),
        (("payments", 0, "first_date"), "1977-12-10", "payments[0].first_date"),
        (("payments", 0, "every"), None, "payments[0].every"),
        (("payments", 0, "every", "unit"), "fortnight", "payments[0].every.unit"),
        (("payments", 0, "every", "multiple"), 0, "payments[0].every.multiple"),
        (("payments", 0, "colour"), "red", "payments[0].colour"),
        (("extra",), 1, "extra"),
        (("payments", 0, "amount"), "100", "payments"),  # payments total less than the amount financed
    ],
)
def test_bad_input_names_the_field_and_leaves_the_input_alone(
    path: tuple[Any, ...], value: Any, field: str
) -> None:
    line = contract_example()
    _set(line, path, value)
    before = copy.deepcopy(line)
    with pytest.raises(CalcInputError) as error:
        run_apr_line(line)
    assert error.value.field == field
    assert error.value.message
    assert line == before


def test_input_must_be_an_object() -> None:
    with pytest.raises(CalcInputError) as error:
        run_apr_line([1, 2])  # type: ignore[arg-type]
    assert error.value.field == "input"
