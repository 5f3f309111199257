"""Oregon passenger registration by combined MPG rating (ORS 803.420 base + ORS 803.422 tiers, two-year
registration): the optional ``vehicle.combined_mpg`` and ``vehicle.fuel`` pick the tier; without them
the quote charges the 20-39 MPG tier and says so; title is ORS 803.090's $77; bad input is refused."""

from __future__ import annotations

from typing import Any

import pytest

from calc import quote_deal
from tests.calc.fee_quotes import default_fee_deal, fee_amounts, quote_lines_through_cli


def _deal(as_of: str = "2026-06-01", **vehicle: Any) -> dict[str, Any]:
    return default_fee_deal("OR", as_of=as_of, **vehicle)



def _mpg_warnings(result: dict[str, Any]) -> list[str]:
    return [w for w in result["warnings"] if "vehicle.combined_mpg" in w]


# Two years of the $43 base fee ($86) plus two years of the tier's amount.
@pytest.mark.parametrize(
    ("as_of", "vehicle", "expected"),
    [
        # HB 3991 surcharges from 2026-01-01: $20 / $25 / $65 / $145 a year
        ("2026-06-01", {"combined_mpg": 12}, "126.00"),
        ("2026-06-01", {"combined_mpg": 19}, "126.00"),
        ("2026-06-01", {"combined_mpg": 20}, "136.00"),
        ("2026-06-01", {"combined_mpg": 39}, "136.00"),
        ("2026-06-01", {"combined_mpg": 40}, "216.00"),
        ("2026-06-01", {"combined_mpg": 57}, "216.00"),
        ("2026-06-01", {"fuel": "electric"}, "376.00"),
        # ORS 803.422 from 2022: $20 / $25 / $35 / $115 a year -> DMV's $126 / $136 / $156 / $316
        ("2025-12-31", {"combined_mpg": 19}, "126.00"),
        ("2025-12-31", {"combined_mpg": 25}, "136.00"),
        ("2025-12-31", {"combined_mpg": 50}, "156.00"),
        ("2025-12-31", {"fuel": "EV"}, "316.00"),
        # 2020-2021: $18 / $23 / $33 / $110 a year
        ("2021-06-01", {"combined_mpg": 15}, "122.00"),
        ("2021-06-01", {"combined_mpg": 30}, "132.00"),
        ("2021-06-01", {"combined_mpg": 45}, "152.00"),
        ("2021-06-01", {"fuel": "bev"}, "306.00"),
    ],
)
def test_registration_follows_the_mpg_tier(as_of: str, vehicle: dict[str, Any], expected: str) -> None:
    result = quote_deal(_deal(as_of=as_of, **vehicle))
    assert fee_amounts(result) == {"title": "77.00", "registration": expected}
    assert not _mpg_warnings(result)


def test_an_electric_fuel_decides_even_when_an_mpg_figure_is_sent() -> None:
    assert fee_amounts(quote_deal(_deal(fuel="electric", combined_mpg=110)))["registration"] == "376.00"
    assert fee_amounts(quote_deal(_deal(fuel="hybrid", combined_mpg=52)))["registration"] == "216.00"


def test_without_the_rating_the_20_to_39_tier_is_charged_and_the_quote_says_what_to_send() -> None:
    result = quote_deal(_deal(city_mpg=18))  # the contract's city rating is not what Oregon uses
    assert fee_amounts(result)["registration"] == "136.00"
    (warning,) = _mpg_warnings(result)
    assert warning.startswith("OR registration fee, MPG fee for 2 years: vehicle.combined_mpg not given")
    assert "charged at the 20-39 MPG bracket ($50.00)" in warning
    for tier in ("0-19 MPG $40.00", "40+ MPG $130.00", "electric (vehicle.fuel) $290.00"):
        assert tier in warning
    assert any("20-39 MPG assumed" in step for step in result["explain"])


def test_2018_and_2019_registrations_pay_one_flat_added_fee_whatever_the_rating() -> None:
    for vehicle in ({"combined_mpg": 15}, {"combined_mpg": 45}, {"fuel": "electric"}, {}):
        result = quote_deal(_deal(as_of="2019-06-01", **vehicle))
        assert fee_amounts(result)["registration"] == "112.00"  # 2 x ($43 + $13)
        assert not _mpg_warnings(result)


def test_pending_referendum_and_left_out_items_are_in_the_warnings() -> None:
    warnings = quote_deal(_deal(combined_mpg=30))["warnings"]
    assert any("OR title fee is approximate" in w and "$216" in w for w in warnings)
    assert any("OR registration fee is approximate" in w and "$85 a year" in w for w in warnings)


def test_bad_combined_mpg_is_refused_by_field_through_the_cli_and_other_deals_still_quote() -> None:
    bad_values: list[object] = [0, "27.5", "abc", 501, False]
    lines = [_deal(combined_mpg=value) for value in bad_values] + [_deal(combined_mpg=45)]
    _, results = quote_lines_through_cli(lines)
    assert len(results) == len(lines)
    for result in results[:-1]:
        assert result["error"]["field"] == "vehicle.combined_mpg"
    assert fee_amounts(results[-1])["registration"] == "216.00"
