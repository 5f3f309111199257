"""Any valid customer, however extreme or incomplete, gets a well-formed answer and leaves a sound state."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml import persistence
from ml.whaco import SEGMENT_NAMES, UNASSIGNED, Whaco
from ml.whaco.features import FEATURES


def _field(feature: Any) -> st.SearchStrategy[object]:
    if feature.boolean:
        return st.booleans()
    if feature.integer:
        return st.integers(min_value=int(feature.minimum), max_value=int(feature.maximum))
    return st.floats(min_value=feature.minimum, max_value=feature.maximum, allow_nan=False)


customers = st.fixed_dictionaries(
    {"customer_id": st.text(min_size=1, max_size=8).filter(str.strip)},
    optional={feature.name: _field(feature) for feature in FEATURES},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(customers, min_size=1, max_size=25))
def test_any_valid_customers_get_well_formed_results(batch: list[dict[str, Any]]) -> None:
    engine = Whaco(seed=0, memory=50)
    for customer in batch:
        result = engine.process(customer)
        assert result.segment in (*SEGMENT_NAMES, UNASSIGNED)
        assert 0.0 <= result.confidence <= 1.0
        assert 0.0 <= result.outlier_score <= 1.0
        assert 0.0 <= result.priority <= 1.0
        assert math.isfinite(result.mahalanobis_sq) and result.mahalanobis_sq >= -1e-9
        if result.segment != UNASSIGNED:
            assert math.isclose(sum(result.probabilities.values()), 1.0, rel_tol=1e-9)
            assert all(math.isfinite(r.z) and math.isfinite(r.contribution) for r in result.reasons)
    # The state stays finite: the JSON writer refuses NaN and infinity.
    json.loads(persistence.dumps(engine.to_state()))
