"""Bandit environment with known, context-dependent success probabilities and a mid-stream lender change.

Regret is the expected number of successes lost against always picking the truly best strategy for each
deal. Outcomes arrive late (up to 25 deals), out of order, and 10 % of them twice. The figures are printed
(run with ``-s``) and come from ``bench/ml_bench.py``, which prints the same ones with ``--simulate``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "ml_bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ml_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures() -> dict[str, float]:
    result: dict[str, float] = _bench().prime_simulation(seed=11, n=3000)
    print("\nPrime bandit (change at deal 1500):", {k: round(v, 3) for k, v in result.items()})
    return result


def test_contextual_thompson_beats_both_baselines_before_the_change(figures: dict[str, float]) -> None:
    assert figures["prime_regret_before"] < 0.6 * figures["uniform_regret_before"]
    assert figures["prime_regret_before"] < 0.75 * figures["context_free_ts_regret_before"]


def test_it_recovers_after_the_lender_change(figures: dict[str, float]) -> None:
    assert figures["prime_regret_after"] < 0.6 * figures["uniform_regret_after"]
    assert figures["prime_regret_after"] < 0.8 * figures["context_free_ts_regret_after"]
    # Settled again by the end: the last 500 deals lose far less than random routing does.
    assert figures["prime_regret_last_500"] < 0.4 * figures["uniform_regret_last_500"]


def test_duplicate_reports_were_ignored(figures: dict[str, float]) -> None:
    assert figures["prime_duplicates_ignored"] > 100


def test_intervals_are_honest_and_forgetting_keeps_them_so(figures: dict[str, float]) -> None:
    # Share of (deal, strategy) pairs whose true success rate lies inside the stated 90 % interval.
    assert figures["prime_interval_coverage_before"] >= 0.85
    assert figures["prime_interval_coverage_after"] >= 0.75
    # Without forgetting, the old evidence makes the intervals confidently wrong after the lender change.
    without = figures["prime_no_forgetting_interval_coverage_after"]
    assert figures["prime_interval_coverage_after"] > without + 0.1
