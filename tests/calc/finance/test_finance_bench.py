"""Benchmarks (run with ``--benchmark-enable``; under CI's ``--benchmark-disable`` each runs once)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pytest_benchmark.fixture import BenchmarkFixture

from calc.finance import PaymentStream, finance_terms, lease_payment, monthly_payment, reg_z_apr


def test_bench_monthly_payment(benchmark: BenchmarkFixture) -> None:
    result = benchmark(monthly_payment, Decimal("27345.67"), Decimal("0.0649"), 72, 45)
    assert result > 0


def test_bench_finance_terms_with_apr(benchmark: BenchmarkFixture) -> None:
    result = benchmark(finance_terms, Decimal("27345.67"), Decimal("0.0649"), 72)
    assert result.final_payment > 0


def test_bench_finance_terms_with_schedule(benchmark: BenchmarkFixture) -> None:
    rows = benchmark(lambda: finance_terms(Decimal("27345.67"), Decimal("0.0649"), 72).schedule)
    assert len(rows) == 72


def test_bench_reg_z_apr_solve(benchmark: BenchmarkFixture) -> None:
    streams = [PaymentStream(Decimal("459.81"), 72, date(2025, 3, 1))]
    result = benchmark(reg_z_apr, Decimal("27345.67"), date(2025, 1, 15), streams)
    assert result.apr > 0


def test_bench_lease_payment(benchmark: BenchmarkFixture) -> None:
    result = benchmark(lease_payment, Decimal("38500"), Decimal("22330"), 36, Decimal("0.00215"))
    assert result.base_monthly_payment > 0
