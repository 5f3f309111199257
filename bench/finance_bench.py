"""Finance math and desking figures. Plain script; prints medians.

Run: ``.venv/bin/python bench/finance_bench.py``. Target (one core): a 5 x 5 finance payment grid
under 2 ms. The other figures have no target of their own; they feed the finance quote (< 100 us).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc.desking import payment_grid, solve_for  # noqa: E402
from calc.finance import (  # noqa: E402
    PaymentStream,
    finance_terms,
    lease_payment,
    monthly_payment,
    reg_z_apr,
)
from calc.model import (  # noqa: E402
    Customer,
    FinanceInput,
    LeaseInput,
    Product,
    QuoteRequest,
    TradeIn,
    Vehicle,
)

DEAL = QuoteRequest(
    deal_type="finance",
    as_of=date(2026, 6, 1),
    customer=Customer(state="TX"),
    dealer_state="TX",
    vehicle=Vehicle(price=Decimal("35000"), msrp=Decimal("36500")),
    trade_ins=(TradeIn(Decimal("10000"), Decimal("6000")),),
    cash_down=Decimal("2000"),
    doc_fee=Decimal("150"),
    products=(Product("service_contract", Decimal("1800")),),
    finance=FinanceInput(Decimal("0.0649"), 60),
    lease=LeaseInput(36, money_factor=Decimal("0.00215"), residual_percent=Decimal("0.58")),
)
TERMS = (36, 48, 60, 72, 84)
DOWNS = tuple(Decimal(d) for d in ("0", "1000", "2500", "4000", "6000"))


def median_us(fn: Callable[[], object], *, rounds: int = 7, number: int = 200) -> float:
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples) * 1e6


def main() -> None:
    amount, apr = Decimal("27345.67"), Decimal("0.0649")
    streams = [PaymentStream(Decimal("459.81"), 72, date(2025, 3, 1))]
    figures: list[tuple[str, float, str]] = [
        (
            "monthly_payment (45-day first period)",
            median_us(lambda: monthly_payment(amount, apr, 72, 45)),
            "us",
        ),
        ("finance_terms (totals + APR)", median_us(lambda: finance_terms(amount, apr, 72)), "us"),
        (
            "finance_terms + 72-row schedule",
            median_us(lambda: finance_terms(amount, apr, 72).schedule),
            "us",
        ),
        (
            "reg_z_apr, 72 monthly payments",
            median_us(lambda: reg_z_apr(amount, date(2025, 1, 15), streams)),
            "us",
        ),
        (
            "lease_payment",
            median_us(lambda: lease_payment(Decimal("38500"), Decimal("22330"), 36, Decimal("0.00215"))),
            "us",
        ),
    ]
    grid = median_us(lambda: payment_grid(DEAL, TERMS, DOWNS, deal_types=("finance",)), number=20) / 1000
    lease_grid = median_us(lambda: payment_grid(DEAL, TERMS, DOWNS, deal_types=("lease",)), number=10) / 1000
    solve = median_us(lambda: solve_for(DEAL, Decimal("525"), "price"), number=10) / 1000
    figures += [
        ("5 x 5 finance grid (target < 2 ms)", grid, "ms"),
        ("5 x 5 lease grid (full lease quotes)", lease_grid, "ms"),
        ("solve-for price, target payment", solve, "ms"),
    ]
    for label, value, unit in figures:
        print(f"{label:42s} {value:9.3f} {unit}")


if __name__ == "__main__":
    main()
