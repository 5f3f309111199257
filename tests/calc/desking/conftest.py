"""Deals the desking tests share: a Texas sale with a trade, products and both finance and lease terms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from calc.model import (
    Customer,
    FinanceInput,
    LeaseInput,
    Product,
    QuoteRequest,
    Rebate,
    TradeIn,
    Vehicle,
)


def texas_deal(deal_type: str = "finance", price: str = "35000") -> QuoteRequest:
    return QuoteRequest(
        deal_type=deal_type,  # type: ignore[arg-type]
        as_of=date(2026, 6, 1),
        customer=Customer(state="TX"),
        dealer_state="TX",
        vehicle=Vehicle(price=Decimal(price), msrp=Decimal("36500")),
        trade_ins=(TradeIn(Decimal("10000"), Decimal("6000")),),
        rebates=(Rebate(Decimal("1000"), "manufacturer"),),
        cash_down=Decimal("2000"),
        doc_fee=Decimal("150"),
        products=(Product("service_contract", Decimal("1800")),),
        finance=FinanceInput(Decimal("0.0649"), 60),
        lease=LeaseInput(36, money_factor=Decimal("0.00215"), residual_percent=Decimal("0.58")),
    )


@pytest.fixture
def finance_deal() -> QuoteRequest:
    return texas_deal("finance")


@pytest.fixture
def lease_deal() -> QuoteRequest:
    return texas_deal("lease")


@pytest.fixture(scope="session")
def make_deal() -> Callable[[str, str], QuoteRequest]:
    """The deal factory itself, for property tests that vary the price."""
    return texas_deal
