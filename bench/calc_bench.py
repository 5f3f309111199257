"""Calc engine figures: one finance quote, one lease quote, one tax-only calculation, a 5 x 5 payment
grid, and 10,000 quotes through the CLI batch. Plain script; prints medians.

Run: ``.venv/bin/python bench/calc_bench.py``. Targets (one core): finance or lease quote < 100 us,
tax-only < 20 us, 5 x 5 grid < 2 ms, CLI batch > 10,000 quotes/s.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc import parse_quote_request, quote  # noqa: E402
from calc.cli import HANDLERS, run_lines  # noqa: E402
from calc.rules import embedded_local_rates, rule_book  # noqa: E402
from calc.tax.jurisdiction import resolve_rates  # noqa: E402
from calc.tax.sale import compute_sale_tax  # noqa: E402
from calc.tax.trace import Trace  # noqa: E402

FINANCE_DEAL: dict[str, Any] = {
    "deal_type": "finance",
    "as_of": "2026-06-01",
    "dealer_state": "TX",
    "customer": {"state": "TX", "county": "Travis", "city": "Austin"},
    "vehicle": {"price": "35000.00", "condition": "new"},
    "trade_ins": [{"allowance": "10000.00", "payoff": "6000.00"}],
    "rebates": [{"amount": "1500.00", "source": "manufacturer"}, {"amount": "500.00", "source": "dealer"}],
    "cash_down": "3000.00",
    "doc_fee": "150.00",
    "products": [{"kind": "service_contract", "price": "2000.00"}],
    "finance": {"apr": "0.0599", "term_months": 60},
}
LEASE_DEAL: dict[str, Any] = {
    **{k: v for k, v in FINANCE_DEAL.items() if k != "finance"},
    "deal_type": "lease",
    "customer": {"state": "IL", "county": "Cook", "city": "Chicago"},
    "lease": {
        "term_months": 36,
        "money_factor": "0.00125",
        "residual_value": "21000.00",
        "acquisition_fee": "695",
    },
}
STATES = ("TX", "CA", "FL", "NY", "IL", "GA", "NC", "OH", "WA", "AZ")


def median_us(fn: Callable[[], object], *, calls: int = 2000) -> float:
    """Median of individually timed calls (robust to other load on a shared machine)."""
    for _ in range(20):
        fn()
    clock = time.perf_counter
    samples = []
    for _ in range(calls):
        start = clock()
        fn()
        samples.append(clock() - start)
    return statistics.median(samples) * 1e6


def tax_only_fn() -> Callable[[], object]:
    request = parse_quote_request({**FINANCE_DEAL, "deal_type": "cash", "finance": None})
    book = rule_book()
    table = embedded_local_rates()

    def run() -> object:
        rules = book.for_state(request.customer.state, request.as_of)
        assert rules is not None
        trace = Trace()
        resolved = resolve_rates(request, rules, book.rules_version, table, trace)
        return compute_sale_tax(request, rules, resolved, trace)

    return run


def grid_fn() -> Callable[[], object] | None:
    try:
        from calc.desking import payment_grid
    except ImportError:
        return None
    request = parse_quote_request(FINANCE_DEAL)
    terms = (36, 48, 60, 72, 84)
    downs = tuple(Decimal(d) for d in ("0", "1000", "2000", "3000", "5000"))
    return lambda: payment_grid(request, terms, downs, deal_types=("cash", "finance"))


def batch_lines(count: int) -> str:
    lines = []
    for n in range(count):
        deal = dict(FINANCE_DEAL if n % 3 else LEASE_DEAL)
        deal["customer"] = {"state": STATES[n % len(STATES)]}
        price = str(30000 + (n % 500) * 61)
        deal["vehicle"] = {"price": price, "msrp": price, "condition": "new" if n % 2 else "used"}
        if deal["deal_type"] == "lease":
            deal["lease"] = {"term_months": 36, "money_factor": "0.00125", "residual_percent": "0.55"}
        if n % 5 == 0:
            deal = {k: v for k, v in deal.items() if k not in ("finance", "lease")} | {"deal_type": "cash"}
        lines.append(json.dumps(deal))
    return "\n".join(lines) + "\n"


def cli_batch(count: int = 10_000) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.jsonl"
        path.write_text(batch_lines(count), encoding="utf-8")
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "calc", "quote", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
    outputs = proc.stdout.count("\n")
    if proc.returncode != 0 or outputs != count:
        raise SystemExit(f"CLI batch failed: exit {proc.returncode}, {outputs} lines, {proc.stderr[-500:]}")
    return elapsed, outputs


def main() -> None:
    finance_request = parse_quote_request(FINANCE_DEAL)
    lease_request = parse_quote_request(LEASE_DEAL)
    print(
        f"finance quote (quote()):        {median_us(lambda: quote(finance_request)):8.1f} us  target < 100"
    )
    print(f"lease quote (quote()):          {median_us(lambda: quote(lease_request)):8.1f} us  target < 100")
    print(f"tax-only calculation:           {median_us(tax_only_fn(), calls=5000):8.1f} us  target < 20")
    grid = grid_fn()
    if grid is None:
        print("5 x 5 payment grid:             (calc.desking not available)")
    else:
        print(f"5 x 5 payment grid:             {median_us(grid, calls=300) / 1000:8.3f} ms  target < 2")
    elapsed, count = cli_batch()
    print(f"CLI batch: {count} quotes in {elapsed:.2f} s = {count / elapsed:,.0f} quotes/s  target > 10,000")
    lines = batch_lines(10_000).splitlines()
    start = time.perf_counter()
    run_lines(lines, HANDLERS["quote"], io.StringIO())
    inner = time.perf_counter() - start
    print(f"  same batch in-process (no interpreter start-up): {len(lines) / inner:,.0f} quotes/s")


if __name__ == "__main__":
    main()
