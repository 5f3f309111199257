"""A Prime state saved by the first release of the format still loads and continues as that release did."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml.prime import Prime
from ml.prime import synthetic as deals

DATA = Path(__file__).parent / "data"


def test_a_format_1_state_loads_and_continues_as_before() -> None:
    engine = Prime.load(DATA / "prime_v1_state.json")
    expected = json.loads((DATA / "prime_v1_continuation.json").read_text())["expected"]
    later = np.random.default_rng(22)
    for before in expected:
        result = engine.recommend(deals.deal(later))
        assert result.strategy == before["strategy"]  # the restored generator draws what it drew then
        assert result.expected_success == pytest.approx(before["expected_success"], rel=1e-12)
        assert list(result.interval) == pytest.approx(before["interval"], rel=1e-12)
        assert result.probability_best == pytest.approx(before["probability_best"], abs=1e-12)
