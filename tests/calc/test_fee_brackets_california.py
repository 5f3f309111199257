"""California registration: $74 registration + $32 CHP + the vehicle license fee (0.65 % of the middle
of the vehicle's $200 value class, in whole dollars) + the transportation improvement fee by value
bracket, CPI-adjusted amounts from 2024 and the statute's base schedule before."""

from __future__ import annotations

from typing import Any

import pytest

from calc import quote_deal

FLAT = 74 + 32  # registration fee + CHP fee


def _deal(price: str, as_of: str = "2026-06-01", **vehicle: Any) -> dict[str, Any]:
    car = {"price": price, "model_year": 2026} | vehicle
    return {"deal_type": "cash", "as_of": as_of, "customer": {"state": "CA"}, "vehicle": car, "fees": []}


def _registration(result: dict[str, Any]) -> str:
    amount: str = next(item["amount"] for item in result["fees"]["items"] if item["code"] == "registration")
    return amount


# VLF worked by hand: class lower bound = price rounded down to $200, value = lower + $99.995,
# x 0.65 %, half a dollar or more counts as a dollar (R&TC 10753.2, 10759).
@pytest.mark.parametrize(
    ("price", "vlf", "tif"),
    [
        ("4999.99", 32, 32),  # class $4,800: 4,899.995 x 0.65 % = 31.85 -> $32; TIF $0-$4,999
        ("5000.00", 33, 65),  # class $5,000: 33.15 -> $33; TIF $5,000-$24,999
        ("24999.99", 162, 65),  # class $24,800: 161.85 -> $162
        ("25000.00", 163, 129),  # 163.15 -> $163; TIF $25,000-$34,999
        ("34999.99", 227, 129),  # class $34,800: 226.85 -> $227
        ("35000.00", 228, 194),  # 228.15 -> $228; TIF $35,000-$59,999
        ("59999.99", 389, 194),  # class $59,800: 389.35 -> $389
        ("60000.00", 391, 227),  # 390.65 -> $391; TIF $60,000 and over
        ("30000.00", 196, 129),  # 195.65 -> $196 (0.65 % of the bare price would be $195.00)
    ],
)
def test_each_tif_bracket_with_the_vehicle_license_fee(price: str, vlf: int, tif: int) -> None:
    result = quote_deal(_deal(price))
    assert _registration(result) == f"{FLAT + vlf + tif}.00"
    assert any(f"vehicle license fee ${vlf} " in step for step in result["explain"])


def test_accessories_count_in_the_value_class() -> None:
    # $29,900 + $100 of dealer-installed accessories is a $30,000 cost price: class $30,000.
    result = quote_deal(_deal("29900.00", accessories="100.00"))
    assert _registration(result) == f"{FLAT + 196 + 129}.00"


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2023-12-31", FLAT + 196 + 100),  # statute base TIF $100 for $25,000-$34,999
        ("2024-01-01", FLAT + 196 + 129),  # CPI-adjusted 2024 amount
    ],
)
def test_the_adjusted_tif_applies_from_2024_and_the_base_schedule_before(as_of: str, expected: int) -> None:
    result = quote_deal(_deal("30000.00", as_of=as_of))
    assert _registration(result) == f"{expected}.00"


def test_the_quote_says_which_tif_amounts_it_could_not_confirm() -> None:
    current = quote_deal(_deal("30000.00"))["warnings"]
    assert any("CA registration fee is approximate" in w and "2025 and 2026 amounts" in w for w in current)
    older = quote_deal(_deal("30000.00", as_of="2021-03-01"))["warnings"]
    assert any("statute base is used" in w for w in older)


def test_no_registration_default_before_the_tif_existed() -> None:
    result = quote_deal(_deal("30000.00", as_of="2017-12-31"))
    assert all(item["code"] != "registration" for item in result["fees"]["items"])
    assert any("No default registration fee on file for CA" in w for w in result["warnings"])
