"""Model records keep dataclass behaviour with the faster slot-storing __init__ (calc.model.fast_init)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal

import pytest

from calc import parse_quote_request, quote
from calc.finance.payment import finance_terms
from calc.model import Explanation, QuoteResult, Vehicle


def test_defaults_keywords_and_positions_match_the_declared_fields() -> None:
    by_position = Vehicle(Decimal("25000"), "used", None, 2019)
    by_keyword = Vehicle(price=Decimal("25000"), condition="used", model_year=2019)
    assert by_position == by_keyword
    assert by_keyword.accessories == 0 and by_keyword.msrp is None
    assert hash(by_position) == hash(by_keyword)
    with pytest.raises(TypeError):
        Vehicle()  # type: ignore[call-arg]


def test_records_stay_frozen_and_replaceable() -> None:
    vehicle = Vehicle(Decimal("25000"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        vehicle.price = Decimal("1")  # type: ignore[misc]
    cheaper = dataclasses.replace(vehicle, price=Decimal("20000"))
    assert cheaper.price == Decimal("20000") and vehicle.price == Decimal("25000")
    assert pickle.loads(pickle.dumps(cheaper)) == cheaper
    assert copy.deepcopy(cheaper) == cheaper


def test_default_factories_give_each_record_its_own_value() -> None:
    # The factory runs per record, not once when the class is made.
    deal = {"deal_type": "cash", "customer": {"state": "TX"}, "vehicle": {"price": "1"}}
    r = quote(parse_quote_request(deal))
    a = QuoteResult(r.deal_type, r.jurisdiction, r.taxes, r.fees, r.products_total)
    b = QuoteResult(r.deal_type, r.jurisdiction, r.taxes, r.fees, r.products_total)
    assert isinstance(a.explain, Explanation) and a.explain is not b.explain
    assert a.warnings == ()


def test_fields_outside_init_get_their_default() -> None:
    terms = finance_terms(Decimal("10000"), Decimal("0.06"), 12)
    assert len(terms.schedule) == 12  # the lazily built schedule slot started empty
    assert terms.schedule[-1].balance == 0
