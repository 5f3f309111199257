"""Lease base payment, money factor ⇄ APR, dealer reserve."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calc.errors import CalcInputError
from calc.finance import (
    apr_from_money_factor,
    dealer_reserve,
    lease_payment,
    money_factor_from_apr,
    monthly_payment,
    resolve_money_factor,
)
from calc.money import round_cents


def test_lease_payment_is_depreciation_plus_rent_charge() -> None:
    lease = lease_payment(Decimal("32000"), Decimal("19200"), 36, Decimal("0.00125"))
    assert lease.depreciation == Decimal("12800")
    assert lease.monthly_depreciation * 36 == Decimal("12800")
    assert lease.monthly_rent_charge == (Decimal("32000") + Decimal("19200")) * Decimal("0.00125")
    assert lease.base_monthly_payment == round_cents(Decimal("12800") / 36 + Decimal("64"))
    assert lease.total_base_payments == lease.base_monthly_payment * 36
    # The Reg M itemisation adds up to the cent: depreciation + rent charge = total of base payments.
    assert lease.depreciation + lease.disclosed_rent_charge == lease.total_base_payments


def test_zero_money_factor_leaves_depreciation_only() -> None:
    lease = lease_payment(Decimal("30000"), Decimal("15000"), 24, Decimal("0"))
    assert lease.base_monthly_payment == Decimal("625.00")
    assert lease.rent_charge == 0


def test_residual_equal_to_cap_cost_is_rent_only() -> None:
    lease = lease_payment(Decimal("20000"), Decimal("20000"), 12, Decimal("0.002"))
    assert lease.depreciation == 0
    assert lease.base_monthly_payment == Decimal("80.00")


@pytest.mark.parametrize(("apr", "mf"), [("0.06", "0.0025"), ("0.024", "0.001"), ("0", "0")])
def test_money_factor_is_apr_over_24(apr: str, mf: str) -> None:
    assert money_factor_from_apr(Decimal(apr)) == Decimal(mf)
    assert apr_from_money_factor(Decimal(mf)) == Decimal(apr)


def test_money_factor_round_trip_is_exact_for_quoted_factors() -> None:
    for text in ("0.00001", "0.00089", "0.00215", "0.00417"):
        mf = Decimal(text)
        assert money_factor_from_apr(apr_from_money_factor(mf)) == mf


def test_resolve_money_factor_takes_exactly_one() -> None:
    assert resolve_money_factor(Decimal("0.002"), None) == Decimal("0.002")
    assert resolve_money_factor(None, Decimal("0.048")) == Decimal("0.002")
    with pytest.raises(CalcInputError) as both:
        resolve_money_factor(Decimal("0.002"), Decimal("0.048"))
    assert both.value.field == "lease.apr"
    with pytest.raises(CalcInputError) as neither:
        resolve_money_factor(None, None)
    assert neither.value.field == "lease.money_factor"


def test_level_reserve_is_the_present_value_of_the_payment_difference() -> None:
    amount, buy, sell, term = Decimal("25000"), Decimal("0.0499"), Decimal("0.0699"), 60
    reserve = dealer_reserve(amount, buy, sell, term)
    # Independent check with the rounded customer payment: the lender pays PV(at buy) of P(sell) − amount.
    i = buy / 12
    annuity = (1 - (1 + i) ** -term) / i
    approx = Decimal("0.75") * (monthly_payment(amount, sell, term) * annuity - amount)
    assert abs(reserve - approx) < Decimal("0.30")  # differs only by the payment's cent rounding
    assert reserve > 0


def test_reserve_grows_with_markup_and_split() -> None:
    amount, buy = Decimal("25000"), Decimal("0.05")
    one = dealer_reserve(amount, buy, Decimal("0.06"), 60)
    two = dealer_reserve(amount, buy, Decimal("0.07"), 60)
    assert 0 < one < two
    assert dealer_reserve(amount, buy, Decimal("0.07"), 60, split=Decimal("1")) > two
    assert dealer_reserve(amount, buy, buy, 60) == 0


def test_flat_reserve_is_a_percentage_of_the_amount_financed() -> None:
    reserve = dealer_reserve(
        Decimal("25000"),
        Decimal("0.05"),
        Decimal("0.05"),
        60,
        method="flat_pct",
        flat_percent=Decimal("0.015"),
    )
    assert reserve == Decimal("375.00")
