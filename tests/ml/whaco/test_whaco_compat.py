"""A state saved by the first release of the format still loads and continues as that release did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ml.whaco import Whaco, synthetic

DATA = Path(__file__).parent / "data"


def test_a_format_1_state_loads_and_continues_as_before() -> None:
    engine = Whaco.load(DATA / "whaco_v1_state.json")
    expected = json.loads((DATA / "whaco_v1_continuation.json").read_text())["expected"]
    customers = synthetic.stream(17, 340, missing_rate=0.2)[300:]
    assert len(customers) == len(expected)
    for customer, before in zip(customers, expected, strict=True):
        result = engine.process(customer.record)
        assert result.customer_id == before["customer_id"]
        assert (result.cluster_id, result.segment, result.is_outlier) == (
            before["cluster_id"],
            before["segment"],
            before["is_outlier"],
        )
        # Same model; the arithmetic may be arranged differently, so equal to rounding.
        for name in ("confidence", "mahalanobis_sq", "priority"):
            assert getattr(result, name) == pytest.approx(before[name], rel=1e-9, abs=1e-12), name
        assert result.outlier_p_value == pytest.approx(before["outlier_p_value"], rel=1e-9, abs=1e-300)
