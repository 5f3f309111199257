"""Prime contract: honest uncertainty, determinism, idempotent late feedback, exact resume, validation."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ml.prime import STRATEGIES, Prime, PrimeResult
from ml.prime import synthetic as deals
from ml.validation import FieldError

SUBPRIME = {"fico": 540, "ltv_pct": 120, "pti_pct": 14, "down_pct": 5, "term_months": 72, "apr": 0.189}
PRIME_DEAL = {"fico": 790, "ltv_pct": 85, "pti_pct": 8, "down_pct": 20, "term_months": 60, "apr": 0.049}


def play(engine: Prime, n: int, seed: int, market: deals.Market | None = None, prefix: str = "d") -> None:
    """Recommend and report outcomes immediately, against the known market."""
    rng = np.random.default_rng(seed)
    market = market or deals.Market()
    for t in range(n):
        deal = deals.deal(rng)
        choice = engine.recommend(deal).strategy
        success = rng.random() < market.probabilities(deal)[STRATEGIES.index(choice)]
        engine.record_outcome(f"{prefix}{t}", choice, deal, bool(success))


@pytest.fixture(scope="module")
def trained_state() -> dict[str, Any]:
    engine = Prime(seed=4)
    play(engine, 600, seed=4)
    return engine.to_state()


def test_a_new_engine_is_honestly_uncertain() -> None:
    engine = Prime(seed=0)
    result = engine.recommend(SUBPRIME)
    assert isinstance(result, PrimeResult)
    assert result.strategy in STRATEGIES
    assert set(engine.expected_success(SUBPRIME).values()) == {0.5}
    for estimate in result.ranking:
        assert estimate.expected_success == 0.5
        low, high = estimate.interval
        assert low < 0.2 and high > 0.8
        assert abs(estimate.probability_best - 1 / 7) < 0.03
        assert estimate.evidence == 0.0
    assert "little recent history" in result.explanation


def test_result_fields_are_consistent(trained_state: dict[str, Any]) -> None:
    result = Prime.from_state(trained_state).recommend(SUBPRIME)
    assert [e.strategy for e in result.ranking] != []
    assert sorted(e.strategy for e in result.ranking) == sorted(STRATEGIES)
    scores = [e.expected_success for e in result.ranking]
    assert scores == sorted(scores, reverse=True)
    assert math.isclose(sum(e.probability_best for e in result.ranking), 1.0, abs_tol=1e-9)
    for estimate in result.ranking:
        low, high = estimate.interval
        assert 0.0 < low < estimate.expected_success < high < 1.0
    chosen = next(e for e in result.ranking if e.strategy == result.strategy)
    assert (result.expected_success, result.interval, result.probability_best) == (
        chosen.expected_success, chosen.interval, chosen.probability_best)
    assert result.exploring == (result.ranking[0].strategy != result.strategy)
    assert result.interval_level == 0.9
    assert f"{result.expected_success:.0%}" in result.explanation
    json.dumps(result.to_dict())


def test_the_explanation_reads_like_advice(trained_state: dict[str, Any]) -> None:
    result = Prime.from_state(trained_state).recommend(SUBPRIME)
    text = result.explanation
    assert text.startswith("Suggested: ")
    assert "100%" not in text and " 0%" not in text
    assert text.count("FICO 540") <= 1  # one deal value is named once, even when two features describe it
    assert "recent outcomes" in text


def test_expected_success_is_deterministic_and_changes_nothing(trained_state: dict[str, Any]) -> None:
    engine = Prime.from_state(trained_state)
    first = engine.expected_success(SUBPRIME)
    assert engine.expected_success(SUBPRIME) == first
    assert engine.to_state() == trained_state
    assert set(first) == set(STRATEGIES)
    assert engine.predict_one(SUBPRIME) == max(first, key=lambda name: first[name])


def test_probability_best_does_not_jitter(trained_state: dict[str, Any]) -> None:
    a, b = Prime.from_state(trained_state), Prime.from_state(trained_state)
    b.recommend(PRIME_DEAL)  # advance b's Thompson generator
    ranking_a = {e.strategy: e.probability_best for e in a.recommend(SUBPRIME).ranking}
    ranking_b = {e.strategy: e.probability_best for e in b.recommend(SUBPRIME).ranking}
    assert ranking_a == ranking_b


def test_context_changes_the_advice(trained_state: dict[str, Any]) -> None:
    engine = Prime.from_state(trained_state)
    subprime, prime = engine.expected_success(SUBPRIME), engine.expected_success(PRIME_DEAL)
    # In the simulated market a co-signer rescues subprime deals and does nothing for strong credit.
    assert subprime["add_cosigner"] > prime["add_cosigner"] + 0.15
    assert prime["optimize_rate"] > subprime["optimize_rate"]


def test_same_seed_same_inputs_same_outputs() -> None:
    first, second = Prime(seed=8), Prime(seed=8)
    play(first, 150, seed=1)
    play(second, 150, seed=1)
    assert first.to_state() == second.to_state()
    assert first.recommend(SUBPRIME) == second.recommend(SUBPRIME)
    other = Prime(seed=9)
    play(other, 150, seed=1)
    assert other.to_state() != first.to_state()


def test_resume_after_save_and_load_is_exact(tmp_path: Path, trained_state: dict[str, Any]) -> None:
    uninterrupted = Prime.from_state(trained_state)
    path = tmp_path / "prime.json"
    uninterrupted.save(path)
    assert json.loads(path.read_text())["engine"] == "prime"
    resumed = Prime.load(path)
    from_table = Prime.from_state(json.loads(json.dumps(uninterrupted.to_state())))
    rng = np.random.default_rng(77)
    for t in range(100):
        deal = deals.deal(rng)
        expected = uninterrupted.recommend(deal)
        assert resumed.recommend(deal) == expected
        assert from_table.recommend(deal) == expected
        success = bool(rng.random() < 0.5)
        for engine in (uninterrupted, resumed, from_table):
            engine.record_outcome(f"after-{t}", expected.strategy, deal, success)
    assert resumed.to_state() == uninterrupted.to_state() == from_table.to_state()


def test_a_damaged_state_is_refused_with_a_value_error(trained_state: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(trained_state))
    broken["state"]["posteriors"]["precision"] = [[1.0]]
    with pytest.raises(ValueError, match="posteriors"):
        Prime.from_state(broken)
    missing = json.loads(json.dumps(trained_state))
    del missing["state"]["seen_deals"]
    with pytest.raises(ValueError, match="malformed"):
        Prime.from_state(missing)
    with pytest.raises(ValueError, match="not a saved prime engine"):
        Prime.from_state({**trained_state, "engine": "whaco"})


def test_feedback_is_idempotent_per_deal(trained_state: dict[str, Any]) -> None:
    once, twice = Prime.from_state(trained_state), Prime.from_state(trained_state)
    assert once.record_outcome("D-1", "extend_term", SUBPRIME, True)
    assert twice.record_outcome("D-1", "extend_term", SUBPRIME, True)
    assert not twice.record_outcome("D-1", "extend_term", SUBPRIME, True)
    # A conflicting repeat of the same deal is ignored too: the first report stands.
    assert not twice.record_outcome("D-1", "add_cosigner", PRIME_DEAL, False)
    assert twice.to_state() == once.to_state()
    assert twice.seen("D-1") and not twice.seen("D-2")
    # 7 and "7" are the same deal id.
    assert once.record_outcome(7, "extend_term", SUBPRIME, False)
    assert not once.record_outcome("7", "extend_term", SUBPRIME, False)


def test_late_and_out_of_order_outcomes_are_all_used() -> None:
    engine = Prime(seed=2)
    rng = np.random.default_rng(2)
    pending = []
    for t in range(60):
        deal = deals.deal(rng)
        pending.append((f"late-{t}", engine.recommend(deal).strategy, deal, bool(rng.random() < 0.5)))
    order = np.random.default_rng(3).permutation(len(pending))
    for i in order:
        assert engine.record_outcome(*pending[i])
    assert engine.outcomes == 60
    assert all(engine.seen(deal_id) for deal_id, *_ in pending)
    evidence = sum(e.evidence for e in engine.recommend(SUBPRIME).ranking)
    assert 55 < evidence <= 60  # all 60 counted, slightly decayed by forgetting


@pytest.mark.parametrize(
    ("field", "context"),
    [
        ("fico", {"fico": math.nan}),
        ("fico", {"fico": -700}),
        ("fico", {"fico": 900}),
        ("fico", {"fico": "720"}),
        ("ltv_pct", {"ltv_pct": math.inf}),
        ("pti_pct", {"pti_pct": -math.inf}),
        ("down_pct", {"down_pct": True}),
        ("has_trade", {"has_trade": "yes"}),
        ("term_months", {"term_months": 0}),
        ("monthly_income", {"monthly_income": [5000]}),
    ],
)
def test_bad_context_names_the_field_and_changes_nothing(
    trained_state: dict[str, Any], field: str, context: dict[str, Any]
) -> None:
    engine = Prime.from_state(trained_state)
    for call in (
        lambda: engine.recommend(context),
        lambda: engine.expected_success(context),
        lambda: engine.record_outcome("bad-1", "extend_term", context, True),
    ):
        with pytest.raises(ValueError) as caught:
            call()
        assert isinstance(caught.value, FieldError) and caught.value.field == field
    assert engine.to_state() == trained_state  # random state included: no draw was taken
    assert not engine.seen("bad-1")


@pytest.mark.parametrize(
    ("field", "args"),
    [
        ("deal_id", (None, "extend_term", {}, True)),
        ("deal_id", ("", "extend_term", {}, True)),
        ("strategy", ("D-9", "sell_harder", {}, True)),
        ("strategy", ("D-9", None, {}, True)),
        ("success", ("D-9", "extend_term", {}, "yes")),
        ("success", ("D-9", "extend_term", {}, None)),
        ("context", ("D-9", "extend_term", [("fico", 700)], True)),
    ],
)
def test_bad_outcomes_name_the_field_and_change_nothing(
    trained_state: dict[str, Any], field: str, args: tuple[Any, ...]
) -> None:
    engine = Prime.from_state(trained_state)
    with pytest.raises(FieldError) as caught:
        engine.record_outcome(*args)
    assert caught.value.field == field
    assert engine.to_state() == trained_state


def test_a_real_zero_is_zero(trained_state: dict[str, Any]) -> None:
    engine = Prime.from_state(trained_state)
    zero_down = engine.expected_success({**SUBPRIME, "down_pct": 0})
    unknown_down = engine.expected_success({k: v for k, v in SUBPRIME.items() if k != "down_pct"})
    assert zero_down != unknown_down
    derived = engine.expected_success({**{k: v for k, v in SUBPRIME.items() if k != "down_pct"},
                                       "down_payment": 0, "vehicle_price": 30_000})
    assert derived == zero_down
    # APR as a fraction or as a percent is the same rate; a 0 % APR is a real promotional rate.
    assert engine.expected_success({**SUBPRIME, "apr": 18.9}) == engine.expected_success(SUBPRIME)
    assert engine.expected_success({**SUBPRIME, "apr": 0}) != engine.expected_success(SUBPRIME)


def test_an_empty_context_still_gets_advice_and_unknown_fields_are_ignored(
    trained_state: dict[str, Any],
) -> None:
    engine = Prime.from_state(trained_state)
    assert engine.recommend({}).strategy in STRATEGIES
    assert engine.expected_success({**SUBPRIME, "customer_name": "Ann"}) == engine.expected_success(SUBPRIME)


def test_ratios_are_derived_from_the_amounts() -> None:
    engine = Prime(seed=0)
    play(engine, 200, seed=5)
    given = {"fico": 650, "ltv_pct": 120.0, "pti_pct": 15.0}
    derived = {"fico": 650, "amount_financed": 24_000, "book_value": 20_000, "monthly_payment": 600,
               "monthly_income": 4_000}
    assert engine.expected_success(derived) == pytest.approx(engine.expected_success(given), abs=1e-12)


def test_a_new_strategy_starts_uncertain(trained_state: dict[str, Any]) -> None:
    engine = Prime.from_state(trained_state)
    engine.add_strategy("dealer_rebate")
    estimate = next(e for e in engine.recommend(SUBPRIME).ranking if e.strategy == "dealer_rebate")
    assert estimate.expected_success == 0.5
    assert estimate.interval[0] < 0.2 and estimate.interval[1] > 0.8
    assert estimate.probability_best < 1.0
    assert Prime.from_state(engine.to_state()).strategies[-1] == "dealer_rebate"
    with pytest.raises(FieldError, match="strategy"):
        engine.add_strategy("extend_term")


def test_estimates_follow_a_change_in_the_market() -> None:
    engine = Prime(seed=6)
    before, after = deals.Market(), deals.Market().change()
    play(engine, 800, seed=6, market=before)
    high_ltv = {"fico": 700, "ltv_pct": 125, "pti_pct": 12, "down_pct": 10, "term_months": 66, "apr": 0.08}
    old = engine.expected_success(high_ltv)["reduce_vehicle_price"]
    play(engine, 800, seed=7, market=after, prefix="after-")
    new = engine.expected_success(high_ltv)["reduce_vehicle_price"]
    truth_after = after.probabilities({**high_ltv, "has_trade": False, "trade_value": 0, "trade_payoff": 0})
    assert old < 0.35
    assert new > old + 0.2
    assert abs(new - truth_after[STRATEGIES.index("reduce_vehicle_price")]) < 0.2


def test_constructor_arguments_are_validated() -> None:
    with pytest.raises(FieldError, match="seed"):
        Prime(seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(FieldError, match="strategies"):
        Prime(seed=1, strategies=["a", "a"])
