"""Calc engine figures: one finance quote, one lease quote, one tax-only calculation, a 5 x 5 payment
grid, and 10,000 quotes through the CLI batch. Plain script; prints fastest and median with loadavg.

Run: ``.venv/bin/python bench/calc_bench.py``. Targets (one core): finance or lease quote < 100 us,
tax-only < 20 us, 5 x 5 grid < 2 ms, CLI batch > 10,000 quotes/s.

The batch is 10,000 *distinct* deals (:func:`realistic_deal`: cash, finance and lease, 32 places, six
months of delivery dates, prices, terms, rates, trades, rebates and products all drawn per deal), so
no cache keyed by input could make it cheap. The machine is shared, so the CLI figure is given both
in wall time and in CPU time of the process (what one core spends on it).
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calc import native, parse_quote_request, quote  # noqa: E402
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


def timed_us(fn: Callable[[], object], *, calls: int = 2000) -> tuple[float, float]:
    """(fastest, median) of individually timed calls: the fastest shows the code's own cost, the median
    what a shared, loaded machine gives."""
    for _ in range(20):
        fn()
    clock = time.perf_counter
    samples = []
    for _ in range(calls):
        start = clock()
        fn()
        samples.append(clock() - start)
    return min(samples) * 1e6, statistics.median(samples) * 1e6


def _figure(label: str, fastest: float, median: float, unit: str, target: str) -> None:
    print(f"{label:34s} fastest {fastest:9.3f} {unit}  median {median:9.3f} {unit}  target {target}")


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


# Places a dealer's deals register in: the embedded local-rate places plus plain state-only customers.
PLACES: tuple[tuple[str, str | None, str | None], ...] = (
    ("TX", "Travis", "Austin"), ("TX", None, None), ("IL", "Cook", "Chicago"), ("IL", "Cook", None),
    ("CA", "Los Angeles", None), ("AZ", "Maricopa", "Phoenix"), ("GA", "Fulton", "Atlanta"),
    ("NC", "Mecklenburg", None), ("FL", "Miami-Dade", None), ("WA", "King", "Seattle"),
    ("OH", "Franklin", None), ("NY", "New York", None), ("TN", "Davidson", None),
    ("PA", "Philadelphia", None), ("PA", "Allegheny", None), ("NJ", None, None), ("MI", None, None),
    ("MN", None, None), ("VA", None, None), ("SC", None, None), ("CO", None, None), ("MA", None, None),
    ("MD", None, None), ("NV", None, None), ("OK", None, None), ("AR", None, None), ("VT", None, None),
    ("WV", None, None), ("MO", None, None), ("IN", None, None), ("UT", None, None), ("IA", None, None),
)  # fmt: skip


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low * 100, high * 100) / 100:.2f}"


def realistic_deal(rng: random.Random, n: int) -> dict[str, Any]:
    """One plausible desk deal: mixed deal types, places, delivery dates, prices, terms and add-ons."""
    state, county, city = PLACES[rng.randrange(len(PLACES))]
    kind = rng.choices(("cash", "finance", "lease"), weights=(2, 5, 3))[0]
    new = kind == "lease" or rng.random() < 0.6
    # Whole dollars plus n's own cents keep every line distinct even where two deals draw alike.
    price = Decimal(rng.randint(22_000 if kind == "lease" else 9_000, 78_000)) + Decimal(n % 100) / 100
    customer: dict[str, Any] = {"state": state}
    if county:
        customer["county"] = county
    if city:
        customer["city"] = city
    vehicle: dict[str, Any] = {"price": str(price), "condition": "new" if new else "used"}
    if new:
        vehicle["msrp"] = str(price + rng.randint(0, 2_500))
    vehicle["model_year"] = 2026 if new else rng.randint(2014, 2025)
    deal: dict[str, Any] = {
        "deal_type": kind,
        "as_of": (date(2026, 1, 2) + timedelta(days=rng.randrange(180))).isoformat(),
        "dealer_state": state if rng.random() < 0.9 else PLACES[rng.randrange(len(PLACES))][0],
        "customer": customer,
        "vehicle": vehicle,
        "doc_fee": _money(rng, 85, 899),
        "cash_down": _money(rng, 0, 6_000 if kind != "lease" else 2_500),
    }
    if rng.random() < 0.45:
        # A trade worth a fraction of the new deal (more would leave nothing to finance or lease).
        allowance = rng.randint(1_000, int(price) * (15 if kind == "lease" else 40) // 100)
        payoff = rng.choice((0, rng.randint(0, allowance + 3_000)))
        deal["trade_ins"] = [{"allowance": f"{allowance}.00", "payoff": f"{payoff}.00"}]
    rebates = []
    if new and rng.random() < 0.4:
        rebates.append({"amount": f"{rng.choice((500, 750, 1000, 1500, 2500))}.00", "source": "manufacturer"})
    if rng.random() < 0.2:
        rebates.append({"amount": f"{rng.choice((250, 500, 1000))}.00", "source": "dealer"})
    if rebates:
        deal["rebates"] = rebates
    products = []
    if rng.random() < 0.4:
        products.append({"kind": "service_contract", "price": _money(rng, 900, 3_200)})
    if kind == "finance" and rng.random() < 0.3:
        products.append({"kind": "gap", "price": _money(rng, 400, 995)})
    if products:
        deal["products"] = products
    if rng.random() < 0.15:
        deal["fees"] = [{"code": "title", "amount": _money(rng, 15, 95)}]
    if kind == "finance":
        finance: dict[str, Any] = {
            "apr": f"{rng.randint(0, 2199) / 10000:.4f}",
            "term_months": rng.choice((24, 36, 48, 60, 60, 72, 72, 75, 84)),
        }
        if rng.random() < 0.2:
            finance["days_to_first_payment"] = rng.choice((15, 20, 40, 45, 60))
        deal["finance"] = finance
    elif kind == "lease":
        lease: dict[str, Any] = {
            "term_months": rng.choice((24, 36, 36, 39, 48)),
            "residual_percent": f"{rng.randint(42, 66) / 100:.2f}",
            "acquisition_fee": f"{rng.choice((595, 695, 795, 995))}.00",
        }
        if rng.random() < 0.7:
            lease["money_factor"] = f"{rng.randint(50, 350) / 100000:.5f}"
        else:
            lease["apr"] = f"{rng.randint(100, 899) / 10000:.4f}"
        if rng.random() < 0.25:
            lease["acquisition_fee_capitalized"] = False
        deal["lease"] = lease
    return deal


def batch_lines(count: int, *, seed: int = 20261124) -> str:
    """``count`` distinct deals as JSON Lines (checked: no line repeats, so no cache can shortcut one)."""
    rng = random.Random(seed)
    lines = [json.dumps(realistic_deal(rng, n)) for n in range(count)]
    if len(set(lines)) != count:
        raise SystemExit("batch has repeated deals")
    return "\n".join(lines) + "\n"


def cli_batch(text: str, count: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``python -m calc quote FILE`` on the batch, start-up included.

    CPU time (user + system of the child) is what one core spends; on a shared, loaded machine the
    wall time also counts the time the process waited for a core.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.jsonl"
        path.write_text(text, encoding="utf-8")
        result = Path(tmp) / "quotes.jsonl"
        # Output to a file, as a batch job would write it: capturing 40 MB through a pipe would time
        # this process decoding it too.
        with result.open("wb") as sink:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "calc", "quote", str(path)],
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        with result.open("rb") as written:
            outputs = sum(1 for _ in written)
    if proc.returncode != 0 or outputs != count:
        raise SystemExit(f"CLI batch failed: exit {proc.returncode}, {outputs} lines, {proc.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def warm_bytecode() -> None:
    """Run the CLI once with bytecode caching allowed, so the timed runs load compiled modules as an
    installed copy does (pip compiles at install). Under ``PYTHONDONTWRITEBYTECODE`` a module edited
    since its last ``.pyc`` would otherwise be compiled again in every timed run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "calc", "quote"], cwd=ROOT, input="", text=True, env=env, check=True
    )


def startup_cpu(runs: int = 5) -> float:
    """Fewest CPU seconds of ``python -m calc quote`` on empty input: interpreter and imports only."""
    best = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "calc", "quote"], cwd=ROOT, input="", text=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def main() -> None:
    print(f"loadavg at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    # The figures depend on it: plain Python, or the mypyc build of scripts/build_native.py.
    print(f"calc engine: {native.status()}")
    finance_request = parse_quote_request(FINANCE_DEAL)
    lease_request = parse_quote_request(LEASE_DEAL)
    _figure("finance quote (quote())", *timed_us(lambda: quote(finance_request)), "us", "< 100 us")
    _figure("lease quote (quote())", *timed_us(lambda: quote(lease_request)), "us", "< 100 us")
    _figure("tax-only calculation", *timed_us(tax_only_fn(), calls=5000), "us", "< 20 us")
    grid = grid_fn()
    if grid is not None:
        fastest, median = timed_us(grid, calls=300)
        _figure("5 x 5 payment grid", fastest / 1000, median / 1000, "ms", "< 2 ms")
    count = 10_000
    text = batch_lines(count)
    warm_bytecode()
    print(f"CLI start-up on empty input (interpreter + imports): best {startup_cpu() * 1000:.0f} ms CPU")
    runs = [cli_batch(text, count) for _ in range(3)]
    walls = [wall for wall, _ in runs]
    cpus = [cpu for _, cpu in runs]
    print(
        f"CLI batch, {count} distinct deals (cash/finance/lease, {len(PLACES)} places), interpreter start-up "
        f"included, 3 runs  target > 10,000/s\n"
        f"  wall: best {count / min(walls):,.0f} quotes/s, median {count / statistics.median(walls):,.0f}\n"
        f"  CPU time of the process: best {count / min(cpus):,.0f} quotes per CPU-second, "
        f"median {count / statistics.median(cpus):,.0f}"
    )
    lines = text.splitlines()
    inner_wall = []
    inner_cpu = []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        run_lines(lines, HANDLERS["quote"], io.StringIO())
        inner_wall.append(time.perf_counter() - start)
        inner_cpu.append(time.process_time() - start_cpu)
    print(
        f"  same batch in-process (run_lines, no start-up): wall best {count / min(inner_wall):,.0f}/s, "
        f"median {count / statistics.median(inner_wall):,.0f}/s; CPU best {count / min(inner_cpu):,.0f}/s"
    )
    print(f"loadavg at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
