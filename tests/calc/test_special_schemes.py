"""Kentucky's used-vehicle valuation floor and Minnesota's $10 in-lieu tax, each checked against a
deal worked by hand from the statute's words (see calc/tax/valuation_floor.py and calc/tax/in_lieu.py)."""

from __future__ import annotations

from typing import Any

import pytest

from calc import quote_deal

NO_FEES = [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}]


def _deal(state: str, vehicle: dict[str, Any], trade: str | None = None) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "deal_type": "cash",
        "as_of": "2026-06-01",
        "customer": {"state": state},
        "vehicle": vehicle,
        "fees": NO_FEES,
    }
    if trade is not None:
        deal["trade_ins"] = [{"allowance": trade, "payoff": "0"}]
    return deal


# --------------------------------------------------------------------------------- Kentucky floor


def test_kentucky_used_vehicle_is_taxed_on_half_the_guide_value_difference_when_sold_below_it() -> None:
    # Price $9,000 less the $2,000 trade = $7,000 on the affidavit. Floor: 50% x (NADA trade-in value of
    # the purchased car $24,000 - trade value $2,000) = $11,000 > $7,000, so 6% x $11,000 = $660.00.
    car = {"price": "9000", "condition": "used", "book_value": "24000"}
    taxes = quote_deal(_deal("KY", car, trade="2000"))["taxes"]
    assert taxes["taxable_base"] == "11000.00"
    assert taxes["total"] == "660.00"


def test_kentucky_floor_does_not_raise_a_fair_price() -> None:
    # $20,000 - $2,000 = $18,000, above the $11,000 floor: 6% x $18,000 = $1,080.00.
    car = {"price": "20000", "condition": "used", "book_value": "24000"}
    result = quote_deal(_deal("KY", car, trade="2000"))
    assert result["taxes"]["total"] == "1080.00"
    assert any("is not below the floor" in step for step in result["explain"])


def test_kentucky_floor_without_a_guide_value_warns_and_uses_the_price() -> None:
    result = quote_deal(_deal("KY", {"price": "9000", "condition": "used"}, trade="2000"))
    assert result["taxes"]["total"] == "420.00"  # 6% x $7,000
    assert any("vehicle.book_value was not given" in w for w in result["warnings"])


def test_kentucky_floor_is_for_used_vehicles_only() -> None:
    car = {"price": "9000", "condition": "new", "book_value": "24000"}
    assert quote_deal(_deal("KY", car, trade="2000"))["taxes"]["total"] == "420.00"


# ---------------------------------------------------------------------------- Minnesota in-lieu tax


def _mn(price: str, model_year: int, book: str | None = "2200", trade: str | None = None) -> dict[str, Any]:
    car: dict[str, Any] = {"price": price, "condition": "used", "model_year": model_year}
    if book is not None:
        car["book_value"] = book
    return quote_deal(_deal("MN", car, trade))


def test_minnesota_old_low_value_car_pays_ten_dollars_instead_of_the_rate() -> None:
    # 2016 model in 2026 = 11th year of vehicle life; price $2,500 and resale $2,200 both under $3,000.
    result = _mn("2500", 2016)
    assert result["taxes"]["total"] == "10.00"
    assert [c["name"] for c in result["taxes"]["components"]] == ["MN in-lieu tax"]


def test_minnesota_tenth_year_is_the_first_that_qualifies() -> None:
    assert _mn("2500", 2017)["taxes"]["total"] == "10.00"  # 10th year of life
    assert _mn("2500", 2018)["taxes"]["total"] == "171.88"  # 9th year: 6.875% x $2,500 = $171.875


@pytest.mark.parametrize(
    ("price", "book", "expected"),
    [
        ("3000", "2200", "206.25"),  # price not under $3,000: 6.875% x $3,000
        ("2500", "3000", "171.88"),  # resale value not under $3,000
    ],
)
def test_minnesota_in_lieu_tax_needs_price_and_value_under_the_limit(
    price: str, book: str, expected: str
) -> None:
    assert _mn(price, 2016, book)["taxes"]["total"] == expected


def test_minnesota_trade_in_either_covers_the_price_or_leaves_the_full_ten_dollars() -> None:
    assert _mn("2500", 2016, trade="1000")["taxes"]["total"] == "10.00"  # not 6.875% x $1,500
    covered = _mn("2500", 2016, trade="2500")
    assert covered["taxes"]["total"] == "0.00"
    assert any("trade-in covers the whole price" in step for step in covered["explain"])


def test_minnesota_without_a_resale_value_charges_the_rate_and_says_it_may_qualify() -> None:
    result = _mn("2500", 2016, book=None)
    assert result["taxes"]["total"] == "171.88"
    assert any("send vehicle.book_value" in w for w in result["warnings"])
