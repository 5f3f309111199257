"""Bad input is refused with the contract's error naming the field, and the caller's data is untouched."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from calc import CalcInputError, quote_deal

LEASE = {"term_months": 36, "money_factor": "0.00125", "residual_value": "24000"}
FINANCE = {"apr": "0.0599", "term_months": 60}


def _error(deal: dict[str, Any]) -> CalcInputError:
    before = copy.deepcopy(deal)
    with pytest.raises(CalcInputError) as caught:
        quote_deal(deal)
    assert deal == before
    return caught.value


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vehicle": {"price": "-1"}}, "vehicle.price"),
        ({"vehicle": {"price": "NaN"}}, "vehicle.price"),
        ({"vehicle": {"price": "Infinity"}}, "vehicle.price"),
        ({"vehicle": {"price": "abc"}}, "vehicle.price"),
        ({"vehicle": {"price": "0"}}, "vehicle.price"),
        ({"vehicle": {"price": "30000", "colour": "red"}}, "vehicle.colour"),
        ({"vehicle": {"price": "30000", "condition": "demo"}}, "vehicle.condition"),
        ({"doc_fee": "-5"}, "doc_fee"),
        ({"cash_down": "-Infinity"}, "cash_down"),
        ({"customer": {"state": "ZZ"}}, "customer.state"),
        ({"customer": {"state": "TX", "zip": "7870"}}, "customer.zip"),
        ({"dealer_state": "XX"}, "dealer_state"),
        ({"trade_ins": [{"allowance": "-1"}]}, "trade_ins[0].allowance"),
        ({"trade_ins": [{"allowance": "100", "payoff": "-1"}]}, "trade_ins[0].payoff"),
        ({"rebates": [{"amount": "100", "source": "bank"}]}, "rebates[0].source"),
        ({"fees": [{"code": "title", "amount": "-3"}]}, "fees[0].amount"),
        ({"fees": [{"code": "lunch", "amount": "3"}]}, "fees[0].code"),
        ({"products": [{"kind": "gap", "price": "-1"}]}, "products[0].price"),
        ({"tax_override": {"rates": [{"level": "state", "rate": "7.25"}]}}, "tax_override.rates[0].rate"),
        ({"tax_override": {"rates": [{"level": "galaxy", "rate": "0.01"}]}}, "tax_override.rates[0].level"),
        ({"origin_tax_paid": {"state": "OK", "amount": "-1"}}, "origin_tax_paid.amount"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"deal_type": "rent"}, "deal_type"),
        ({"surprise": 1}, "surprise"),
        ({"deal_type": "finance"}, "finance"),
        ({"deal_type": "finance", "finance": {"apr": "0.05", "term_months": 0}}, "finance.term_months"),
        ({"deal_type": "finance", "finance": {"apr": "-0.01", "term_months": 60}}, "finance.apr"),
        ({"deal_type": "finance", "finance": {**FINANCE, "balloon": 1}}, "finance.balloon"),
        ({"deal_type": "finance", "finance": FINANCE, "cash_down": "90000"}, "cash_down"),
        ({"deal_type": "cash", "finance": FINANCE}, "finance"),
        ({"deal_type": "lease", "lease": {**LEASE, "term_months": 0}}, "lease.term_months"),
        ({"deal_type": "lease", "lease": {**LEASE, "apr": "0.03"}}, "lease.money_factor"),
        ({"deal_type": "lease", "lease": {**LEASE, "residual_value": "40000"}}, "lease.residual_value"),
        (
            {"deal_type": "lease", "lease": {"term_months": 36, "apr": "0.03", "residual_percent": "1.2"}},
            "lease.residual_percent",
        ),
        ({"deal_type": "lease", "lease": {**LEASE, "money_factor": "0.5"}}, "lease.money_factor"),
    ],
)
def test_bad_input_names_the_field(
    make_deal: Callable[..., dict[str, Any]], changes: dict[str, Any], field: str
) -> None:
    error = _error(make_deal(**changes))
    assert error.field == field
    assert error.message


def test_residual_percent_above_price_is_refused(make_deal: Callable[..., dict[str, Any]]) -> None:
    deal = make_deal(
        deal_type="lease",
        vehicle={"price": "30000", "msrp": "40000"},
        lease={"term_months": 36, "money_factor": "0.001", "residual_percent": "0.9"},
    )
    assert _error(deal).field == "lease.residual_percent"


def test_error_converts_to_contract_shape() -> None:
    error = CalcInputError("vehicle.price", "must not be negative")
    assert error.as_dict() == {"field": "vehicle.price", "message": "must not be negative"}


def test_an_amount_too_small_to_finance_names_the_cash_down() -> None:
    deal = {
        "deal_type": "finance",
        "customer": {"state": "NH"},
        "vehicle": {"price": "600"},
        "fees": [{"code": "title", "amount": "0"}, {"code": "registration", "amount": "0"}],
        "cash_down": "599.95",
        "finance": {"apr": "0.19", "term_months": 12},
    }
    error = _error(deal)
    assert error.field == "cash_down" and "too small" in error.message
