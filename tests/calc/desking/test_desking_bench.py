"""Desking benchmarks (``--benchmark-enable``); target: a 5 × 5 finance grid under 2 ms on one core."""

from __future__ import annotations

from decimal import Decimal

from pytest_benchmark.fixture import BenchmarkFixture

from calc.desking import payment_grid, solve_for
from calc.model import QuoteRequest

TERMS = (36, 48, 60, 72, 84)
DOWNS = tuple(Decimal(d) for d in ("0", "1000", "2500", "4000", "6000"))


def test_bench_finance_grid_5x5(benchmark: BenchmarkFixture, finance_deal: QuoteRequest) -> None:
    grid = benchmark(payment_grid, finance_deal, TERMS, DOWNS, deal_types=("finance",))
    assert len(grid.finance) == 25


def test_bench_lease_grid_5x5(benchmark: BenchmarkFixture, lease_deal: QuoteRequest) -> None:
    grid = benchmark(payment_grid, lease_deal, TERMS, DOWNS, deal_types=("lease",))
    assert len(grid.lease) == 25


def test_bench_solve_price_for_target_payment(
    benchmark: BenchmarkFixture, finance_deal: QuoteRequest
) -> None:
    solution = benchmark(solve_for, finance_deal, Decimal("525"), "price")
    assert solution.monthly_payment <= Decimal("525")
