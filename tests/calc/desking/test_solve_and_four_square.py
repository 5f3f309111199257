"""Solve-for (target payment → price, down payment, term) and the four-square worksheet."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calc.desking import four_square, solve_for
from calc.errors import CalcInputError
from calc.model import QuoteRequest, replace
from calc.quote import quote

CENT = Decimal("0.01")


def payment_of(request: QuoteRequest) -> Decimal:
    result = quote(request)
    if result.finance is not None:
        return result.finance.monthly_payment
    assert result.lease is not None
    return result.lease.monthly_payment


def with_price(request: QuoteRequest, price: Decimal) -> QuoteRequest:
    return replace(request, vehicle=replace(request.vehicle, price=price))


@pytest.mark.parametrize("target", ["450", "525.50", "700"])
def test_price_solved_is_the_highest_price_within_the_target(finance_deal: QuoteRequest, target: str) -> None:
    goal = Decimal(target)
    solution = solve_for(finance_deal, goal, "price")
    assert solution.solved_for == "price"
    assert solution.monthly_payment == payment_of(with_price(finance_deal, solution.value)) <= goal
    assert payment_of(with_price(finance_deal, solution.value + CENT)) > goal
    assert solution.quote.finance is not None
    assert solution.quote.finance.monthly_payment == solution.monthly_payment


def test_down_payment_solved_is_the_least_down_within_the_target(finance_deal: QuoteRequest) -> None:
    solution = solve_for(finance_deal, Decimal("480"), "cash_down")
    assert solution.monthly_payment <= Decimal("480")
    assert payment_of(replace(finance_deal, cash_down=solution.value)) == solution.monthly_payment
    assert payment_of(replace(finance_deal, cash_down=solution.value - CENT)) > Decimal("480")


def test_no_down_payment_needed_when_the_deal_already_fits(finance_deal: QuoteRequest) -> None:
    current = payment_of(finance_deal)
    solution = solve_for(finance_deal, current + 50, "cash_down")
    assert solution.value == 0


def test_term_solved_is_the_shortest_offered_term_within_the_target(finance_deal: QuoteRequest) -> None:
    solution = solve_for(finance_deal, Decimal("560"), "term_months", terms=(36, 48, 60, 72, 84))
    term = int(solution.value)
    assert solution.monthly_payment <= Decimal("560")
    assert finance_deal.finance is not None
    shorter = [t for t in (36, 48, 60, 72, 84) if t < term]
    for t in shorter:
        assert payment_of(replace(finance_deal, finance=replace(finance_deal.finance, term_months=t))) > 560


def test_lease_down_payment_and_price_solve(lease_deal: QuoteRequest) -> None:
    down = solve_for(lease_deal, Decimal("300"), "cash_down")
    assert down.quote.lease is not None
    assert down.monthly_payment <= Decimal("300")
    assert payment_of(replace(lease_deal, cash_down=down.value - CENT)) > Decimal("300")
    price = solve_for(lease_deal, Decimal("330"), "price")
    assert price.monthly_payment <= Decimal("330")
    assert payment_of(with_price(lease_deal, price.value + CENT)) > Decimal("330")


@pytest.mark.parametrize(
    ("target", "solve", "field"),
    [
        (Decimal("0"), "price", "target_payment"),
        (Decimal("-100"), "cash_down", "target_payment"),
        (Decimal("NaN"), "price", "target_payment"),
        (Decimal("5"), "term_months", "target_payment"),  # no offered term is that cheap
        (Decimal("500"), "colour", "solve"),
    ],
)
def test_bad_solve_requests_name_the_field(
    finance_deal: QuoteRequest, target: Decimal, solve: str, field: str
) -> None:
    with pytest.raises(CalcInputError) as error:
        solve_for(finance_deal, target, solve)  # type: ignore[arg-type]
    assert error.value.field == field


def test_cash_deal_has_no_payment_to_solve(finance_deal: QuoteRequest) -> None:
    with pytest.raises(CalcInputError) as error:
        solve_for(replace(finance_deal, deal_type="cash", finance=None), Decimal("500"), "price")
    assert error.value.field == "deal_type"


def test_four_square_agrees_with_the_quotes(finance_deal: QuoteRequest) -> None:
    square = four_square(finance_deal, (48, 60, 72))
    assert finance_deal.finance is not None
    full = quote(finance_deal)
    assert full.finance is not None
    assert square.amount_financed == full.finance.amount_financed
    assert square.out_the_door - square.cash_down == full.finance.amount_financed
    assert square.taxes == full.taxes.total
    assert square.trade_equity == Decimal("4000")
    for term, payment in square.payments:
        assert payment == payment_of(
            replace(finance_deal, finance=replace(finance_deal.finance, term_months=term))
        )
    lines = square.lines()
    assert len(lines) == 4
    assert "6.49%" in lines[3]
    assert f"${full.finance.monthly_payment}" in lines[3]


def test_four_square_needs_a_rate(finance_deal: QuoteRequest) -> None:
    with pytest.raises(CalcInputError) as error:
        four_square(replace(finance_deal, finance=None))
    assert error.value.field == "finance"
