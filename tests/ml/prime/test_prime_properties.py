"""Any valid deal context gets well-formed estimates, and outcomes on any context keep the state sound."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml import persistence
from ml.prime import STRATEGIES, Prime
from ml.prime.context import NUMERIC_FIELDS

contexts = st.fixed_dictionaries(
    {},
    optional={
        **{
            name: st.floats(min_value=low, max_value=high, allow_nan=False)
            for name, (low, high) in NUMERIC_FIELDS.items()
        },
        "has_trade": st.booleans(),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(contexts, st.sampled_from(STRATEGIES), st.booleans()), min_size=1, max_size=25))
def test_any_valid_contexts_get_well_formed_results(batch: list[tuple[dict[str, Any], str, bool]]) -> None:
    engine = Prime(seed=0, memory=20)
    for i, (context, strategy, success) in enumerate(batch):
        result = engine.recommend(context)
        assert result.strategy in STRATEGIES
        assert math.isclose(sum(e.probability_best for e in result.ranking), 1.0, abs_tol=1e-9)
        for estimate in result.ranking:
            low, high = estimate.interval
            assert 0.0 <= low <= estimate.expected_success <= high <= 1.0
        assert engine.record_outcome(f"deal-{i}", strategy, context, success)
    json.loads(persistence.dumps(engine.to_state()))
