"""Oscillator engine figures: routing latency, Kuramoto integration speed, and (--simulate) the sales-floor
comparison of TeamNetwork routing with random and least-loaded routing.

    .venv/bin/python bench/oscillator_bench.py [--simulate] [--days 10] [--seeds 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time

import numpy as np

from ml.oscillator import KuramotoNetwork, TeamNetwork
from ml.oscillator.floor import POLICIES, busy_floor, default_scenario, simulate

ROUTE_TARGET_MS = 1.0
KURAMOTO_TARGET_MS = 50.0


def route_latency(rounds: int = 300) -> list[float]:
    """Seconds per ``route`` on fresh copies of the same 50-rep floor, one minute after its last event."""
    floor = busy_floor(reps=50)
    state = floor.to_state()
    timings = []
    for _ in range(rounds):
        team = TeamNetwork.from_state(state)
        lead = {"lead_id": "walk-in", "at": floor.now + 1.0}
        started = time.perf_counter()
        team.route(lead)
        timings.append(time.perf_counter() - started)
    return timings


def kuramoto_latency(repeats: int = 15) -> list[float]:
    """Seconds per 1,000 RK4 steps of 50 mean-field-coupled oscillators."""
    rng = np.random.default_rng(0)
    network = KuramotoNetwork(rng.normal(1.0, 0.2, 50), rng.uniform(0.0, 2 * np.pi, 50), 0.5)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        network.run(1000, 0.01)
        timings.append(time.perf_counter() - started)
    return timings


def report_speed() -> None:
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; a busy machine slows wall time)")
    route = route_latency()
    print(
        f"route one lead, 50-rep floor: median {statistics.median(route) * 1e3:.3f} ms, "
        f"p95 {np.percentile(route, 95) * 1e3:.3f} ms (target < {ROUTE_TARGET_MS:g} ms)"
    )
    steps = kuramoto_latency()
    print(
        f"1,000 Kuramoto RK4 steps, 50 oscillators: best {min(steps) * 1e3:.1f} ms, "
        f"median {statistics.median(steps) * 1e3:.1f} ms (target < {KURAMOTO_TARGET_MS:g} ms)"
    )


def report_simulation(days: int, seeds: int) -> None:
    base = default_scenario(days=days)
    print(
        f"\nSales floor: {len(base.reps)} reps in two shifts, store open 09:00-21:00, {days} days, "
        f"customer patience ~{base.patience_minutes:g} min; mean of {seeds} seeds"
    )
    header = f"{'customers/h':>11} {'policy':<20}{'arrived':>8}{'deals':>8}{'lost':>8}{'wait min':>9}"
    print(header + f"{'Jain':>7}{'Gini':>7}")
    variants: list[tuple[str, str, dict[str, float]]] = [(policy, policy, {}) for policy in POLICIES]
    variants.append(("team, no fairness", "team", {"fairness": 0.0, "starvation_minutes": 1e9}))
    for rate in (3.0, 5.0, 7.0):
        scenario = dataclasses.replace(base, arrivals_per_hour=rate)
        for label, policy, settings in variants:
            runs = [simulate(scenario, policy, seed, settings) for seed in range(seeds)]

            def mean(values: list[float]) -> float:
                return float(np.mean(values))

            print(
                f"{rate:>11g} {label:<20}{mean([r.arrived for r in runs]):>8.1f}"
                f"{mean([r.deals for r in runs]):>8.1f}{mean([r.lost for r in runs]):>8.1f}"
                f"{mean([r.mean_wait for r in runs]):>9.2f}{mean([r.jain for r in runs]):>7.3f}"
                f"{mean([r.gini for r in runs]):>7.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--simulate", action="store_true", help="also run the sales-floor comparison")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    report_speed()
    if args.simulate:
        report_simulation(args.days, args.seeds)


if __name__ == "__main__":
    main()
