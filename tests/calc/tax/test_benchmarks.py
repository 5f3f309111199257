"""pytest-benchmark figures for the calc engine (run once each under ``--benchmark-disable`` in CI).

Targets on one core: finance or lease quote < 100 us median, tax-only < 20 us, 5 x 5 grid < 2 ms,
CLI batch > 10,000 quotes/s. No timing is asserted here; each benchmark checks its result instead.
``bench/calc_bench.py`` prints the same figures as a plain script.
"""

from __future__ import annotations

import importlib.util
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture

from calc import parse_quote_request, quote
from calc.cli import HANDLERS, run_lines
from calc.desking import payment_grid
from calc.rules import embedded_local_rates, rule_book
from calc.tax.jurisdiction import resolve_rates
from calc.tax.sale import compute_sale_tax
from calc.tax.trace import Trace

FINANCE: dict[str, Any] = {
    "deal_type": "finance",
    "as_of": "2026-06-01",
    "customer": {"state": "TX", "county": "Travis", "city": "Austin"},
    "vehicle": {"price": "35000.00"},
    "trade_ins": [{"allowance": "10000.00", "payoff": "6000.00"}],
    "rebates": [{"amount": "1500.00", "source": "manufacturer"}],
    "cash_down": "3000.00",
    "doc_fee": "150.00",
    "finance": {"apr": "0.0599", "term_months": 60},
}
LEASE: dict[str, Any] = {
    **{k: v for k, v in FINANCE.items() if k != "finance"},
    "deal_type": "lease",
    "customer": {"state": "IL", "county": "Cook", "city": "Chicago"},
    "lease": {"term_months": 36, "money_factor": "0.00125", "residual_value": "21000.00"},
}


def test_bench_finance_quote(benchmark: BenchmarkFixture) -> None:
    request = parse_quote_request(FINANCE)
    result = benchmark(quote, request)
    assert result.finance is not None and result.finance.monthly_payment > 0


def test_bench_lease_quote(benchmark: BenchmarkFixture) -> None:
    request = parse_quote_request(LEASE)
    result = benchmark(quote, request)
    assert result.lease is not None and result.taxes.total > 0


def test_bench_tax_only(benchmark: BenchmarkFixture) -> None:
    request = parse_quote_request({**FINANCE, "deal_type": "cash", "finance": None})
    book = rule_book()
    table = embedded_local_rates()

    def tax() -> Decimal:
        rules = book.for_state("TX", request.as_of)
        assert rules is not None
        trace = Trace()
        return compute_sale_tax(
            request, rules, resolve_rates(request, rules, book.rules_version, table, trace), trace
        ).total

    # TX: 6.25 % of (35,000 + 150 doc fee - 1,500 manufacturer rebate - 10,000 trade), rounded half-up
    assert benchmark(tax) == Decimal("1478.13")


def test_bench_five_by_five_grid(benchmark: BenchmarkFixture) -> None:
    request = parse_quote_request(FINANCE)
    downs = tuple(Decimal(d) for d in ("0", "1000", "2000", "3000", "5000"))
    grid = benchmark(payment_grid, request, (36, 48, 60, 72, 84), downs, deal_types=("cash", "finance"))
    assert len(grid.finance) == 25


def _distinct_batch(count: int) -> list[str]:
    """The benchmark script's batch: distinct realistic deals (no repeat a cache could make cheap)."""
    path = Path(__file__).resolve().parents[3] / "bench" / "calc_bench.py"
    spec = importlib.util.spec_from_file_location("calc_bench", path)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lines: list[str] = bench.batch_lines(count).splitlines()
    return lines


def test_bench_cli_batch_of_10000(benchmark: BenchmarkFixture) -> None:
    deals = _distinct_batch(10_000)
    assert len(set(deals)) == len(deals)

    def batch() -> int:
        out = io.StringIO()
        status = run_lines(deals, HANDLERS["quote"], out)
        assert out.getvalue().count("\n") == len(deals)
        return status

    assert benchmark.pedantic(batch, rounds=1, iterations=1) == 0
