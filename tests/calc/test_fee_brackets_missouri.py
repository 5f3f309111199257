"""Missouri registration by taxable horsepower (RSMo 301.055, the DOR fee table): the optional
``vehicle.taxable_horsepower`` picks the bracket a customer pays; without it the quote charges the
12-23 HP bracket and says so, naming every bracket and what to send; bad input is refused by field."""

from __future__ import annotations

from typing import Any

import pytest

from calc import quote_deal
from tests.calc.fee_quotes import default_fee_deal, fee_amounts, quote_lines_through_cli

PROCESSING = "6.00"  # the license office's one-year processing fee since HB 499 (2019-08-28)


def _deal(as_of: str = "2026-06-01", **vehicle: Any) -> dict[str, Any]:
    return default_fee_deal("MO", as_of=as_of, **vehicle)



def _horsepower_warnings(result: dict[str, Any]) -> list[str]:
    return [w for w in result["warnings"] if "vehicle.taxable_horsepower" in w]


@pytest.mark.parametrize(
    ("horsepower", "expected"),
    [
        ("11.99", "24.25"),  # under 12 HP: $18.25 + $6
        (12, "27.25"),  # "12 horsepower and less than 24": $21.25 + $6
        ("23.9", "27.25"),
        (24, "30.25"),  # 24-35 HP: $24.25 + $6 (24 is no longer "less than 24")
        ("29.4", "30.25"),  # a typical V6: 0.4 x 6 cylinders x 3.5 in bore squared
        ("35.99", "30.25"),
        (36, "39.25"),  # 36-47 HP: $33.25 + $6
        ("47.5", "39.25"),
        (48, "45.25"),  # 48-59 HP: $39.25 + $6
        (60, "51.25"),  # 60-71 HP: $45.25 + $6
        ("71.99", "51.25"),
        (72, "57.25"),  # 72 HP and over: $51.25 + $6
        (400, "57.25"),
    ],
)
def test_registration_follows_the_taxable_horsepower_bracket(horsepower: object, expected: str) -> None:
    result = quote_deal(_deal(taxable_horsepower=horsepower))
    assert fee_amounts(result) == {"title": "14.50", "registration": expected}  # title $8.50 + $6 processing
    assert not _horsepower_warnings(result)
    assert any(f"{horsepower} taxable HP" in step for step in result["explain"])


def test_without_horsepower_the_12_to_23_bracket_is_charged_and_the_quote_says_what_to_send() -> None:
    result = quote_deal(_deal())
    assert fee_amounts(result)["registration"] == "27.25"
    (warning,) = _horsepower_warnings(result)
    assert warning.startswith("MO registration fee, horsepower fee: vehicle.taxable_horsepower not given")
    assert "charged at the 12-23 HP bracket ($21.25)" in warning
    for bracket in ("under 12 HP $18.25", "24-35 HP $24.25", "36-47 HP $33.25", "72 HP and over $51.25"):
        assert bracket in warning
    assert "on the title" in warning
    assert any("12-23 HP assumed" in step for step in result["explain"])


@pytest.mark.parametrize("fuel", ["electric", "EV", "bev"])
def test_an_electric_vehicle_pays_the_lowest_fee_without_horsepower(fuel: str) -> None:
    result = quote_deal(_deal(fuel=fuel))
    assert fee_amounts(result)["registration"] == "24.25"  # "under 12 HP or electric vehicle" $18.25 + $6
    assert not _horsepower_warnings(result)
    # the fuel decides even when a figure is sent
    assert fee_amounts(quote_deal(_deal(fuel=fuel, taxable_horsepower=50)))["registration"] == "24.25"


def test_a_gasoline_vehicle_is_not_taken_for_electric() -> None:
    assert fee_amounts(quote_deal(_deal(fuel="gasoline", taxable_horsepower=50)))["registration"] == "45.25"


@pytest.mark.parametrize(
    ("as_of", "title", "registration"),
    [
        ("2019-08-27", "11.00", "27.75"),  # $2.50 title / $3.50 registration processing before HB 499
        ("2019-08-28", "14.50", "30.25"),
    ],
)
def test_processing_fees_follow_hb_499(as_of: str, title: str, registration: str) -> None:
    result = quote_deal(_deal(as_of=as_of, taxable_horsepower=30))
    assert fee_amounts(result) == {"title": title, "registration": registration}


def test_the_earlier_schedule_has_no_electric_line_so_an_ev_without_horsepower_is_warned() -> None:
    result = quote_deal(_deal(as_of="2019-01-15", fuel="electric"))
    assert fee_amounts(result)["registration"] == "24.75"  # 12-23 HP $21.25 + $3.50
    assert _horsepower_warnings(result)


def test_a_registration_fee_in_the_deal_replaces_the_default_and_its_warning() -> None:
    deal = _deal() | {"fees": [{"code": "registration", "amount": "33.25"}]}
    result = quote_deal(deal)
    assert fee_amounts(result)["registration"] == "33.25"
    assert not _horsepower_warnings(result)


def test_bad_horsepower_is_refused_by_field_through_the_cli_and_other_deals_still_quote() -> None:
    bad_values: list[object] = ["abc", 0, "-5", True, "1001", "NaN"]
    lines = [_deal(taxable_horsepower=value) for value in bad_values] + [_deal(taxable_horsepower="29.4")]
    _, results = quote_lines_through_cli(lines)
    assert len(results) == len(lines)
    for result in results[:-1]:
        assert result["error"]["field"] == "vehicle.taxable_horsepower"
        assert result["error"]["message"]
    assert fee_amounts(results[-1])["registration"] == "30.25"
