"""Property tests: tax is never negative and never rises with a bigger trade-in, in every jurisdiction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from calc import quote_deal
from calc.rules import rule_book

STATES = sorted(rule_book().states)
money = st.integers(min_value=0, max_value=15_000_000).map(lambda cents: str(Decimal(cents) / 100))


@st.composite
def deals(draw: st.DrawFn) -> dict[str, Any]:
    price = Decimal(draw(st.integers(min_value=500_00, max_value=150_000_00))) / 100
    return {
        "deal_type": "cash",
        "as_of": draw(st.sampled_from(["2024-06-01", "2025-08-01", "2026-06-01"])),
        "customer": {"state": draw(st.sampled_from(STATES)), "new_resident": draw(st.booleans())},
        "vehicle": {
            "price": str(price),
            "condition": draw(st.sampled_from(["new", "used"])),
            "city_mpg": draw(st.integers(min_value=10, max_value=60)),
            "weight_lbs": draw(st.integers(min_value=2000, max_value=7000)),
        },
        "trade_ins": [{"allowance": draw(money), "payoff": draw(money)}],
        "rebates": [
            {"amount": str(Decimal(draw(st.integers(0, 3000_00))) / 100), "source": "manufacturer"},
            {"amount": str(Decimal(draw(st.integers(0, 3000_00))) / 100), "source": "dealer"},
        ],
        "doc_fee": str(Decimal(draw(st.integers(0, 1000_00))) / 100),
        "products": [
            {"kind": "service_contract", "price": str(Decimal(draw(st.integers(0, 4000_00))) / 100)},
            {"kind": "gap", "price": str(Decimal(draw(st.integers(0, 1500_00))) / 100)},
        ],
        "fees": [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}],
    }


@settings(max_examples=150, deadline=None)
@given(deals())
def test_tax_is_never_negative(deal: dict[str, Any]) -> None:
    taxes = quote_deal(deal)["taxes"]
    assert Decimal(taxes["total"]) >= 0
    assert all(Decimal(c["amount"]) >= 0 for c in taxes["components"])
    assert Decimal(taxes["taxable_base"]) >= 0


@settings(max_examples=150, deadline=None)
@given(deals(), st.integers(min_value=1, max_value=20_000_00))
def test_more_trade_in_never_raises_tax(deal: dict[str, Any], extra_cents: int) -> None:
    before = Decimal(quote_deal(deal)["taxes"]["total"])
    bigger = dict(deal)
    trade = deal["trade_ins"][0]
    bigger["trade_ins"] = [
        {**trade, "allowance": str(Decimal(trade["allowance"]) + Decimal(extra_cents) / 100)}
    ]
    after = Decimal(quote_deal(bigger)["taxes"]["total"])
    assert after <= before


@settings(max_examples=100, deadline=None)
@given(deals())
def test_components_add_up_to_the_total(deal: dict[str, Any]) -> None:
    taxes = quote_deal(deal)["taxes"]
    parts = sum((Decimal(c["amount"]) for c in taxes["components"]), Decimal(0))
    assert parts - Decimal(taxes["reciprocity_credit"]) == Decimal(taxes["total"])
    # Money is always written with two decimals.
    assert all(len(c["amount"].split(".")[1]) == 2 for c in taxes["components"])
