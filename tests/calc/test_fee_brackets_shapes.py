"""The bracket options of ``fees.json`` (``below``, ``label``, ``electric``, ``if_missing``,
``class_width``) are refused with the row named when written wrong, so a data mistake never reaches a
quote."""

from __future__ import annotations

from typing import Any

import pytest

from calc import quote_deal
from calc.fees import compile_fee_defaults
from calc.rules import RuleDataError

HP_BRACKETS: list[dict[str, Any]] = [
    {"below": "12", "amount": "10", "label": "small"},
    {"up_to": None, "amount": "20", "label": "large"},
]


def _table(part: dict[str, Any]) -> dict[str, Any]:
    row = {"code": "registration", "effective_from": "2020-01-01", "source": "test", "parts": [part]}
    return {"states": {"ZZ": [row]}}


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (
            {"basis": "taxable_horsepower", "brackets": [{"up_to": "5", "below": "5", "amount": "1"}]},
            r"ZZ\[0\]\.parts\[0\]\.brackets: a bracket has either up_to or below",
        ),
        (
            {"basis": "taxable_horsepower", "brackets": HP_BRACKETS, "if_missing": {"bracket": "medium"}},
            r"ZZ\[0\]\.parts\[0\]\.if_missing\.bracket: must name a flat bracket",
        ),
        (
            {"basis": "value", "brackets": HP_BRACKETS, "if_missing": {"bracket": "small"}},
            r"ZZ\[0\]\.parts\[0\]\.if_missing: must be",
        ),
        (
            {"basis": "value", "value_of": "price", "rate": "0.01", "class_width": "0.5"},
            r"ZZ\[0\]\.parts\[0\]\.class_width",
        ),
        (
            {"basis": "combined_mpg", "brackets": HP_BRACKETS, "electric": "-3"},
            r"ZZ\[0\]\.parts\[0\]\.electric: out of range",
        ),
        (
            {"basis": "cylinders", "brackets": HP_BRACKETS},
            r"ZZ\[0\]\.parts\[0\]: a fee needs an amount, value_of, or a basis",
        ),
    ],
)
def test_bad_bracket_options_are_refused_naming_the_row(part: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleDataError, match=message):
        compile_fee_defaults(_table(part))


def test_a_valid_bracket_part_compiles_with_its_warning_built_once() -> None:
    part = {
        "name": "size fee",
        "basis": "taxable_horsepower",
        "brackets": HP_BRACKETS,
        "electric": "5",
        "if_missing": {"bracket": "large", "hint": "see the title"},
    }
    (row,) = compile_fee_defaults(_table(part))["ZZ"]
    (compiled,) = row.parts
    assert compiled.assumed is not None and compiled.assumed.label == "large"
    assert compiled.missing_warning == (
        "ZZ registration fee: vehicle.taxable_horsepower not given; charged at the large bracket ($20). "
        "Brackets: small $10, large $20, electric (vehicle.fuel) $5. "
        "Send vehicle.taxable_horsepower (see the title) for the exact fee."
    )


def test_quotes_reuse_a_plan_only_for_the_same_vehicle_values() -> None:
    # Fee plans are kept per state, date and the vehicle fields the brackets read: alternating vehicles
    # must each get their own fee, explanation and warnings, unchanged by the quotes in between.
    def deal(**vehicle: Any) -> dict[str, Any]:
        car = {"price": "30000.00", "model_year": 2026} | vehicle
        return {"deal_type": "cash", "as_of": "2026-06-01", "customer": {"state": "MO"}, "vehicle": car}

    first = quote_deal(deal(taxable_horsepower=30))
    missing = quote_deal(deal())
    electric = quote_deal(deal(fuel="electric"))
    again = quote_deal(deal(taxable_horsepower=30))
    assert again == first
    registration = [
        next(i["amount"] for i in r["fees"]["items"] if i["code"] == "registration")
        for r in (first, missing, electric)
    ]
    assert registration == ["30.25", "27.25", "24.25"]
    assert sum("vehicle.taxable_horsepower" in w for w in missing["warnings"]) == 1
    assert not any("vehicle.taxable_horsepower" in w for w in again["warnings"])
