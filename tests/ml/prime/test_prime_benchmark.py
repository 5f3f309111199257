"""pytest-benchmark figure for Prime ``recommend`` (target < 1 ms; no timing is asserted)."""

from __future__ import annotations

from itertools import cycle

import numpy as np
from pytest_benchmark.fixture import BenchmarkFixture

from ml.prime import STRATEGIES, Prime
from ml.prime import synthetic as deals


def test_recommend(benchmark: BenchmarkFixture) -> None:
    rng = np.random.default_rng(5)
    engine = Prime(seed=5)
    market = deals.Market()
    for t in range(300):
        deal = deals.deal(rng)
        choice = engine.recommend(deal).strategy
        won = bool(rng.random() < market.probabilities(deal)[STRATEGIES.index(choice)])
        engine.record_outcome(f"warm-{t}", choice, deal, won)
    contexts = cycle([deals.deal(rng) for _ in range(64)])
    result = benchmark(lambda: engine.recommend(next(contexts)))
    assert result.strategy in STRATEGIES


def test_record_outcome(benchmark: BenchmarkFixture) -> None:
    rng = np.random.default_rng(6)
    engine = Prime(seed=6)
    counter = iter(range(10**9))
    contexts = cycle([deals.deal(rng) for _ in range(64)])

    def record() -> bool:
        return engine.record_outcome(f"d{next(counter)}", "extend_term", next(contexts), True)

    assert benchmark(record)
