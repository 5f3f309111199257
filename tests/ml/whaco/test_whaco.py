"""WHACO contract: segments, calibrated outliers, reasons, determinism, exact resume, validation."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ml.validation import FieldError
from ml.whaco import SEGMENT_NAMES, UNASSIGNED, Whaco, WhacoResult, synthetic
from ml.whaco.segments import SEGMENTS


def prototype(name: str, **changes: Any) -> dict[str, Any]:
    segment = next(s for s in SEGMENTS if s.name == name)
    customer: dict[str, Any] = {"customer_id": f"proto-{name}", **segment.prototype}
    customer["co_buyer"] = customer["co_buyer"] >= 0.5
    customer["previous_visits"] = round(customer["previous_visits"])
    customer.update(changes)
    return customer


@pytest.fixture(scope="module")
def stream() -> list[synthetic.Customer]:
    return synthetic.stream(21, 1200)


@pytest.fixture(scope="module")
def trained_state(stream: list[synthetic.Customer]) -> dict[str, Any]:
    engine = Whaco(seed=5)
    for customer in stream:
        engine.process(customer.record)
    return engine.to_state()


def test_each_prototype_lands_in_its_own_segment_with_a_stable_id() -> None:
    for cluster_id, name in enumerate(SEGMENT_NAMES):
        result = Whaco(seed=0).process(prototype(name))
        assert result.segment == name
        assert result.cluster_id == cluster_id
        assert result.confidence > 0.9
        assert not result.is_outlier
        assert "100%" not in result.explanation


def test_result_fields_are_consistent(trained_state: dict[str, Any]) -> None:
    engine = Whaco.from_state(trained_state)
    result = engine.process(prototype("motivated_shopper", customer_id="x1", vehicle_price=41_000))
    assert result.segment in SEGMENT_NAMES
    assert 0.0 <= result.confidence <= 1.0
    assert math.isclose(sum(result.probabilities.values()), 1.0, rel_tol=1e-9)
    assert result.confidence == max(result.probabilities.values())
    assert 0.0 <= result.outlier_score <= 1.0
    assert math.isclose(result.outlier_score + result.outlier_p_value, 1.0, abs_tol=1e-9)
    # Reasons decompose the squared Mahalanobis distance, largest first, one per observed field.
    assert len(result.reasons) == result.observed_features == 12
    assert math.isclose(sum(r.contribution for r in result.reasons), result.mahalanobis_sq, rel_tol=1e-6)
    magnitudes = [abs(r.contribution) for r in result.reasons]
    assert magnitudes == sorted(magnitudes, reverse=True)
    price = next(r for r in result.reasons if r.feature == "vehicle_price")
    assert price.value == 41_000
    assert "vehicle price $41,000" in price.text
    assert result.recommended_approach
    assert result.priority_label in {"high", "medium", "low"}
    json.dumps(result.to_dict())  # serialisable for the app


def test_same_seed_same_inputs_same_outputs(stream: list[synthetic.Customer]) -> None:
    first, second = Whaco(seed=9), Whaco(seed=9)
    for customer in stream[:400]:
        assert first.process(customer.record) == second.process(customer.record)
    assert first.to_state() == second.to_state()


def test_resume_after_save_and_load_is_exact(tmp_path: Path, stream: list[synthetic.Customer]) -> None:
    uninterrupted = Whaco(seed=3)
    for customer in stream[:500]:
        uninterrupted.process(customer.record)
    path = tmp_path / "whaco.json"
    uninterrupted.save(path)
    saved = json.loads(path.read_text())
    assert saved["engine"] == "whaco" and saved["version"] == 1
    resumed = Whaco.load(path)
    from_table = Whaco.from_state(json.loads(json.dumps(uninterrupted.to_state())))
    for customer in stream[500:900]:
        expected = uninterrupted.process(customer.record)
        assert resumed.process(customer.record) == expected
        assert from_table.process(customer.record) == expected
    assert resumed.to_state() == uninterrupted.to_state()


def test_a_damaged_state_is_refused_with_a_value_error(trained_state: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(trained_state))
    broken["state"]["mixture"]["mean"] = [[0.0]]
    with pytest.raises(ValueError, match=r"mixture\.mean"):
        Whaco.from_state(broken)
    missing = json.loads(json.dumps(trained_state))
    del missing["state"]["rng"]
    with pytest.raises(ValueError, match="malformed"):
        Whaco.from_state(missing)
    future = {**trained_state, "version": 99}
    with pytest.raises(ValueError, match="version"):
        Whaco.from_state(future)


def test_loading_another_engines_state_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "autolytiq.ml", "engine": "prime", "version": 1, "state": {}}))
    with pytest.raises(ValueError, match="not a saved whaco engine"):
        Whaco.load(path)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fico_score", math.nan),
        ("fico_score", math.inf),
        ("fico_score", -650),
        ("fico_score", 900),
        ("fico_score", "720"),
        ("annual_income", -math.inf),
        ("annual_income", True),
        ("down_payment_pct", 140),
        ("previous_visits", 1.5),
        ("engagement_score", 101),
        ("payment_sensitivity", -0.1),
        ("co_buyer", "yes"),
        ("desired_term_months", "sixty"),
        ("customer_id", None),
        ("customer_id", ""),
        ("down_payment", -1),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    trained_state: dict[str, Any], field: str, value: object
) -> None:
    engine = Whaco.from_state(trained_state)
    customer = prototype("prime_buyer", customer_id="bad")
    customer[field] = value
    with pytest.raises(ValueError) as caught:
        engine.process(customer)
    assert isinstance(caught.value, FieldError)
    assert caught.value.field == field
    assert engine.to_state() == trained_state
    # And the engine still works afterwards.
    assert engine.process(prototype("prime_buyer")).segment in SEGMENT_NAMES


def test_a_customer_that_is_not_a_mapping_is_refused() -> None:
    engine = Whaco(seed=0)
    before = engine.to_state()
    with pytest.raises(ValueError, match="customer: must be a mapping"):
        engine.process([("fico_score", 700)])  # type: ignore[arg-type]
    assert engine.to_state() == before


def test_a_real_zero_is_zero_and_missing_is_not_invented() -> None:
    engine = Whaco(seed=0)
    zero = prototype("cash_strong", down_payment_pct=0, trade_in_value=0)
    missing = prototype("cash_strong")
    del missing["down_payment_pct"], missing["trade_in_value"]
    with_zero, without = engine.predict_one(zero), engine.predict_one(missing)
    assert with_zero.observed_features == 12
    assert without.observed_features == 10
    down = next(r for r in with_zero.reasons if r.feature == "down_payment_pct")
    assert down.value == 0.0 and down.z < -1  # 0 % down is far below a cash-strong customer's 45 %
    assert {r.feature for r in without.reasons}.isdisjoint({"down_payment_pct", "trade_in_value"})
    assert with_zero.mahalanobis_sq > without.mahalanobis_sq


def test_decimal_money_and_extra_fields_are_accepted() -> None:
    engine = Whaco(seed=0)
    as_float = engine.predict_one(prototype("prime_buyer", vehicle_price=35_000.0, annual_income=98_500.0))
    as_decimal = engine.predict_one(prototype("prime_buyer", vehicle_price=Decimal("35000.00"),
                                              annual_income=Decimal("98500"), full_name="Ann Example"))
    assert as_decimal == as_float


def test_scores_out_of_100_are_read_on_that_scale() -> None:
    engine = Whaco(seed=0)
    unit = engine.predict_one(prototype("motivated_shopper", engagement_score=0.85, payment_sensitivity=0.6))
    hundred = engine.predict_one(prototype("motivated_shopper", engagement_score=85, payment_sensitivity=60))
    assert hundred == unit


def test_down_payment_percent_follows_from_amount_and_price() -> None:
    engine = Whaco(seed=0)
    customer = prototype("prime_buyer", vehicle_price=40_000, down_payment=10_000)
    del customer["down_payment_pct"]
    reason = next(r for r in engine.predict_one(customer).reasons if r.feature == "down_payment_pct")
    assert reason.value == pytest.approx(25.0)


def test_too_little_information_is_unassigned_and_not_learned() -> None:
    engine = Whaco(seed=0)
    before = engine.to_state()["state"]["mixture"]
    result = engine.process({"customer_id": "c", "fico_score": 700})
    assert isinstance(result, WhacoResult)
    assert result.segment == UNASSIGNED and result.cluster_id == -1
    assert result.confidence == 0.0 and not result.is_outlier
    assert engine.to_state()["state"]["mixture"] == before


def test_partial_customers_are_scored_on_what_is_known(trained_state: dict[str, Any]) -> None:
    engine = Whaco.from_state(trained_state)
    result = engine.process({"customer_id": "p", "fico_score": 560, "payment_sensitivity": 0.9,
                             "deal_complexity": 0.85})
    assert result.segment == "credit_challenged"
    assert result.observed_features == 3 and len(result.reasons) == 3


def test_predict_one_does_not_learn_and_learn_one_does(trained_state: dict[str, Any]) -> None:
    engine = Whaco.from_state(trained_state)
    engine.predict_one(prototype("tire_kicker"))
    assert engine.to_state() == trained_state
    engine.learn_one(prototype("tire_kicker"))
    assert engine.to_state() != trained_state


def test_an_ambiguous_customer_gets_an_honest_confidence() -> None:
    engine = Whaco(seed=0)
    prime = next(s for s in SEGMENTS if s.name == "prime_buyer").prototype
    cash = next(s for s in SEGMENTS if s.name == "cash_strong").prototype
    halfway = {k: (prime[k] + cash[k]) / 2 for k in prime}
    halfway["co_buyer"] = False
    halfway["previous_visits"] = 1
    result = engine.predict_one({"customer_id": "mid", **halfway})
    assert result.segment in {"prime_buyer", "cash_strong"}
    assert 0.3 < result.confidence < 0.85
    assert result.probabilities["prime_buyer"] + result.probabilities["cash_strong"] > 0.95


def test_extreme_and_wrong_combination_customers_are_flagged(trained_state: dict[str, Any]) -> None:
    engine = Whaco.from_state(trained_state)
    extreme = engine.predict_one(prototype("prime_buyer", customer_id="e", annual_income=2_500_000,
                                           time_on_lot_minutes=2_000))
    assert extreme.is_outlier and extreme.outlier_score > 0.999
    top_two = {extreme.reasons[0].feature, extreme.reasons[1].feature}
    assert top_two == {"annual_income", "time_on_lot_minutes"}
    assert "Unusual for this segment" in extreme.explanation
    assert extreme.recommended_approach.startswith("Unusual for this segment")
    ordinary = engine.predict_one(prototype("prime_buyer", customer_id="o"))
    assert not ordinary.is_outlier


def test_a_quiet_segment_does_not_die(stream: list[synthetic.Customer]) -> None:
    engine = Whaco(seed=1, memory=300)
    quiet = SEGMENT_NAMES.index("tire_kicker")
    for customer in stream:
        if customer.segment != quiet:
            engine.process(customer.record)
    share = {row["segment"]: row["share"] for row in engine.summary()}
    assert share["tire_kicker"] > 0.0
    result = engine.process(prototype("tire_kicker"))
    assert result.segment == "tire_kicker" and result.confidence > 0.5


def test_constructor_arguments_are_validated() -> None:
    with pytest.raises(FieldError, match="seed"):
        Whaco(seed=-1)
    with pytest.raises(FieldError, match="seed"):
        Whaco(seed="1")  # type: ignore[arg-type]
    with pytest.raises(FieldError, match="outlier_alpha"):
        Whaco(seed=1, outlier_alpha=0.9)
