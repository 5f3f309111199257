"""Payment grid: every cell equals the full quote of that deal; cash / finance / lease side by side."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.desking import payment_grid
from calc.errors import CalcInputError
from calc.model import Customer, QuoteRequest, replace
from calc.quote import quote

TERMS = (36, 48, 60, 72, 84)
DOWNS = tuple(Decimal(d) for d in ("0", "1000", "2500", "4000", "6000"))
RATES = (Decimal("0.0399"), Decimal("0.0649"))


def full_finance_payment(deal: QuoteRequest, term: int, down: Decimal, apr: Decimal) -> Decimal:
    assert deal.finance is not None
    request = replace(deal, cash_down=down, finance=replace(deal.finance, apr=apr, term_months=term))
    result = quote(request)
    assert result.finance is not None
    return result.finance.monthly_payment


def test_every_finance_cell_matches_a_full_finance_quote(finance_deal: QuoteRequest) -> None:
    grid = payment_grid(finance_deal, TERMS, DOWNS, RATES, deal_types=("cash", "finance"))
    assert len(grid.finance) == len(TERMS) * len(DOWNS) * len(RATES)
    for cell in grid.finance:
        assert cell.monthly_payment == full_finance_payment(
            finance_deal, cell.term_months, cell.cash_down, cell.apr
        )
    assert grid.lease == ()


def test_every_lease_cell_matches_a_full_lease_quote(lease_deal: QuoteRequest) -> None:
    factors = (Decimal("0.00125"), Decimal("0.00215"))
    grid = payment_grid(lease_deal, (24, 36, 48), DOWNS[:3], money_factors=factors, deal_types=("lease",))
    assert len(grid.lease) == 3 * 3 * 2
    assert lease_deal.lease is not None
    for cell in grid.lease:
        request = replace(
            lease_deal,
            cash_down=cell.cash_down,
            lease=replace(lease_deal.lease, term_months=cell.term_months, money_factor=cell.money_factor),
        )
        result = quote(request)
        assert result.lease is not None
        assert cell.monthly_payment == result.lease.monthly_payment
        assert cell.due_at_signing == result.lease.due_at_signing
    assert grid.finance == ()
    assert grid.cash_total_due is None


def test_cash_finance_and_lease_side_by_side(finance_deal: QuoteRequest) -> None:
    grid = payment_grid(finance_deal, TERMS, DOWNS)
    cash = quote(replace(finance_deal, deal_type="cash", finance=None, lease=None))
    assert cash.cash is not None
    assert grid.cash_total_due == cash.cash.total_due
    assert grid.rates == (Decimal("0.0649"),)  # the deal's own rate by default
    assert grid.money_factors == (Decimal("0.00215"),)
    assert len(grid.finance) == len(grid.lease) == 25
    assert grid.finance_payment(60, Decimal("2500"), Decimal("0.0649")) > 0
    assert grid.lease_payment(36, Decimal("2500"), Decimal("0.00215")) > 0
    with pytest.raises(KeyError):
        grid.finance_payment(61, Decimal("2500"), Decimal("0.0649"))


def test_payments_fall_with_term_and_down_and_rise_with_rate(finance_deal: QuoteRequest) -> None:
    grid = payment_grid(finance_deal, TERMS, DOWNS, RATES, deal_types=("finance",))
    for rate in RATES:
        for down in DOWNS:
            row = [grid.finance_payment(term, down, rate) for term in TERMS]
            assert row == sorted(row, reverse=True)
        for term in TERMS:
            column = [grid.finance_payment(term, down, rate) for down in DOWNS]
            assert column == sorted(column, reverse=True)
    assert grid.finance_payment(60, DOWNS[0], RATES[0]) < grid.finance_payment(60, DOWNS[0], RATES[1])


def test_down_payment_covering_the_deal_leaves_nothing_to_finance(finance_deal: QuoteRequest) -> None:
    grid = payment_grid(finance_deal, (60,), (Decimal("100000"),), deal_types=("finance",))
    (cell,) = grid.finance
    assert cell.amount_financed == 0
    assert cell.monthly_payment == 0


def test_residual_per_term_is_used_for_that_term(lease_deal: QuoteRequest) -> None:
    flat = payment_grid(lease_deal, (36, 48), (Decimal("0"),), deal_types=("lease",))
    tapered = payment_grid(
        lease_deal, (36, 48), (Decimal("0"),), lease_residuals={48: Decimal("0.50")}, deal_types=("lease",)
    )
    assert tapered.lease_payment(36, Decimal("0"), Decimal("0.00215")) == flat.lease_payment(
        36, Decimal("0"), Decimal("0.00215")
    )
    assert tapered.lease_payment(48, Decimal("0"), Decimal("0.00215")) > flat.lease_payment(
        48, Decimal("0"), Decimal("0.00215")
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"terms": ()}, "terms"),
        ({"terms": (36, 0)}, "terms[1]"),
        ({"terms": (36, 48.0)}, "terms[1]"),
        ({"down_payments": (Decimal("0"), Decimal("-1"))}, "down_payments[1]"),
        ({"down_payments": (Decimal("NaN"),)}, "down_payments[0]"),
        ({"down_payments": ()}, "down_payments"),
        ({"rates": (Decimal("6.49"),)}, "rates[0]"),
        ({"rates": (Decimal("Infinity"),)}, "rates[0]"),
        ({"money_factors": (Decimal("0.0649"),)}, "money_factors[0]"),
        ({"terms": tuple(range(12, 12 + 25))}, "terms"),
    ],
)
def test_bad_grid_axes_name_the_field(
    finance_deal: QuoteRequest, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {"terms": TERMS, "down_payments": DOWNS} | kwargs
    with pytest.raises(CalcInputError) as error:
        payment_grid(finance_deal, **args)  # type: ignore[arg-type]
    assert error.value.field == field


def test_lease_side_needs_lease_terms(finance_deal: QuoteRequest) -> None:
    no_lease = replace(finance_deal, lease=None)
    assert payment_grid(no_lease, TERMS, DOWNS).lease == ()
    with pytest.raises(CalcInputError) as error:
        payment_grid(no_lease, TERMS, DOWNS, money_factors=(Decimal("0.002"),))
    assert error.value.field == "lease"


STATES = (
    "AL",
    "CA",
    "CO",
    "FL",
    "GA",
    "IL",
    "LA",
    "MI",
    "NC",
    "NY",
    "OH",
    "SC",
    "TN",
    "TX",
    "VA",
    "WA",
    "WV",
)


@settings(max_examples=25, deadline=None)
@given(
    state=st.sampled_from(STATES),
    price=st.integers(min_value=12_000_00, max_value=90_000_00).map(lambda c: Decimal(c).scaleb(-2)),
    down=st.integers(min_value=0, max_value=8_000_00).map(lambda c: Decimal(c).scaleb(-2)),
    term=st.sampled_from(TERMS),
    apr=st.integers(min_value=0, max_value=2499).map(lambda bp: Decimal(bp).scaleb(-4)),
    days=st.none() | st.integers(min_value=15, max_value=90),
)
def test_grid_cell_equals_full_quote_for_any_deal(
    make_deal: Callable[[str, str], QuoteRequest],
    state: str,
    price: Decimal,
    down: Decimal,
    term: int,
    apr: Decimal,
    days: int | None,
) -> None:
    # Taxes differ by state (caps, tiers, TAVT, HUT...); the shared out-the-door must still give each
    # cell exactly the payment of a full finance quote.
    deal = make_deal("finance", str(price))
    assert deal.finance is not None
    deal = replace(
        deal,
        customer=Customer(state=state),
        dealer_state=state,
        finance=replace(deal.finance, days_to_first_payment=days),
    )
    grid = payment_grid(deal, (term,), (down,), (apr,), deal_types=("finance",))
    assert grid.finance[0].monthly_payment == full_finance_payment(deal, term, down, apr)
