"""Shared deal builder for the tax tests (plain contract JSON, as the app and the CLI send it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

DealFactory = Callable[..., dict[str, Any]]


def _make_deal(**changes: Any) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "deal_type": "cash",
        "as_of": "2026-06-01",
        "dealer_state": "TX",
        "customer": {"state": "TX", "county": "Travis", "city": "Austin"},
        "vehicle": {"price": "35000.00", "condition": "new"},
        "trade_ins": [{"allowance": "10000.00", "payoff": "6000.00"}],
        "rebates": [
            {"amount": "1500.00", "source": "manufacturer"},
            {"amount": "500.00", "source": "dealer"},
        ],
        "cash_down": "3000.00",
        "doc_fee": "150.00",
        "products": [{"kind": "service_contract", "price": "2000.00"}],
    }
    deal.update(changes)
    return deal


@pytest.fixture
def make_deal() -> DealFactory:
    return _make_deal
