"""Sales-floor simulation: TeamNetwork routing against random and least-loaded routing on the same customers.

Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import numpy as np
import pytest

from ml.oscillator.floor import POLICIES, FloorResult, default_scenario, simulate

SEEDS = (11, 12, 13, 14)


@pytest.fixture(scope="module")
def results() -> dict[str, list[FloorResult]]:
    scenario = default_scenario(days=10)
    outcome = {policy: [simulate(scenario, policy, seed) for seed in SEEDS] for policy in POLICIES}
    print(f"\nSales floor, {len(scenario.reps)} reps, {scenario.arrivals_per_hour:g} customers/h, "
          f"{scenario.days} days, mean of {len(SEEDS)} seeds")
    print(f"{'policy':<14}{'arrived':>9}{'deals':>9}{'lost':>9}{'wait min':>10}{'Jain':>8}{'Gini':>8}")
    for policy, runs in outcome.items():
        def mean(attribute: str, runs: list[FloorResult] = runs) -> float:
            return float(np.mean([getattr(run, attribute) for run in runs]))
        print(f"{policy:<14}{mean('arrived'):>9.1f}{mean('deals'):>9.1f}{mean('lost'):>9.1f}"
              f"{mean('mean_wait'):>10.2f}{mean('jain'):>8.3f}{mean('gini'):>8.3f}")
    return outcome


def total(runs: list[FloorResult], attribute: str) -> float:
    return float(sum(getattr(run, attribute) for run in runs))


def test_team_routing_closes_at_least_as_many_deals_as_random(results: dict[str, list[FloorResult]]) -> None:
    assert total(results["team"], "deals") >= total(results["random"], "deals")


def test_team_routing_loses_no_more_customers_than_random(results: dict[str, list[FloorResult]]) -> None:
    assert total(results["team"], "lost") <= total(results["random"], "lost")


def test_team_routing_keeps_customers_waiting_no_longer_than_random(
    results: dict[str, list[FloorResult]],
) -> None:
    team_wait = np.mean([r.mean_wait for r in results["team"]])
    assert team_wait <= np.mean([r.mean_wait for r in results["random"]])


def test_team_routing_starves_nobody_and_stays_fair(results: dict[str, list[FloorResult]]) -> None:
    for run in results["team"]:
        per_hour = {rep: run.handled[rep] / run.shift_hours[rep] for rep in run.handled}
        assert min(per_hour.values()) >= 0.4 * float(np.mean(list(per_hour.values())))
        assert run.jain >= 0.85


def test_team_learns_the_true_close_rates_that_entered_skills_got_wrong(
    results: dict[str, list[FloorResult]],
) -> None:
    reps = default_scenario().reps
    true = np.array([rep.close_rate for rep in reps])
    entered = np.array([rep.entered_skill for rep in reps])
    assert spearman(entered, true) < 0.0  # the manager's ratings point the wrong way
    for run in results["team"]:
        learned = np.array([run.learned_close_rates[rep.rep_id] for rep in reps])
        assert spearman(learned, true) > 0.7


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    rank_a, rank_b = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(rank_a, rank_b)[0, 1])


def test_every_policy_sees_the_same_customers(results: dict[str, list[FloorResult]]) -> None:
    arrivals = {policy: [run.arrived for run in runs] for policy, runs in results.items()}
    assert arrivals["team"] == arrivals["random"] == arrivals["least_loaded"]
    for runs in results.values():
        for run in runs:
            assert run.served + run.lost <= run.arrived
            assert run.deals <= run.served


def test_simulation_is_reproducible() -> None:
    scenario = default_scenario(days=2)
    first, second = simulate(scenario, "team", 3), simulate(scenario, "team", 3)
    assert (first.deals, first.lost, first.total_wait, first.handled) == (
        second.deals, second.lost, second.total_wait, second.handled)


def test_unknown_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="policy"):
        simulate(default_scenario(days=1), "astrology", 1)
