"""pytest-benchmark figures (CI runs them once under --benchmark-disable); bench/oscillator_bench.py prints
the same figures without pytest. No timing is asserted here."""

from __future__ import annotations

from typing import Any

import numpy as np
from pytest_benchmark.fixture import BenchmarkFixture

from ml.oscillator import KuramotoNetwork, TeamNetwork
from ml.oscillator.floor import busy_floor


def test_route_one_lead_on_a_50_rep_floor(benchmark: BenchmarkFixture) -> None:
    floor = busy_floor(reps=50)
    state = floor.to_state()

    def fresh() -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (TeamNetwork.from_state(state), {"lead_id": "walk-in", "at": floor.now + 1.0}), {}

    def route(team: TeamNetwork, lead: dict[str, Any]) -> str | None:
        return team.route(lead)

    chosen = benchmark.pedantic(route, setup=fresh, rounds=100)
    assert chosen in floor.reps()


def test_thousand_kuramoto_steps_for_50_oscillators(benchmark: BenchmarkFixture) -> None:
    rng = np.random.default_rng(0)
    omega, theta0 = rng.normal(1.0, 0.2, 50), rng.uniform(0.0, 2 * np.pi, 50)

    def run() -> float:
        network = KuramotoNetwork(omega, theta0, 2.0)
        network.run(1000, 0.01)
        return network.order_parameter()

    assert 0.9 < benchmark(run) <= 1.0  # K well above the spread: the 50 lock together
