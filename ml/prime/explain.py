"""Plain-language explanation of a Prime recommendation, for a desk manager."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ml.prime import context as ctx


class _Estimate(Protocol):
    @property
    def strategy(self) -> str: ...
    @property
    def expected_success(self) -> float: ...
    @property
    def interval(self) -> tuple[float, float]: ...
    @property
    def probability_best(self) -> float: ...
    @property
    def evidence(self) -> float: ...


_TITLES = {
    "high_down_payment": "ask for a larger down payment",
    "extend_term": "extend the term",
    "optimize_rate": "work the rate",
    "maximize_trade": "maximise the trade",
    "reduce_vehicle_price": "reduce the vehicle price",
    "add_cosigner": "add a co-signer",
    "balanced_structure": "balance the structure",
}
_MIN_EFFECT = 0.1  # logit units; smaller driver effects are not worth a sentence


def percent(probability: float) -> str:
    """A probability as a person reads it: never a flat 0 % or 100 % for something merely likely."""
    if probability >= 0.995:
        return "over 99%"
    if probability < 0.005:
        return "under 1%"
    return f"{probability:.0%}"


def title(strategy: str) -> str:
    return _TITLES.get(strategy, strategy.replace("_", " "))


def explain(
    chosen: _Estimate,
    ranking: Sequence[_Estimate],
    exploring: bool,
    known: Mapping[str, float],
    drivers: Sequence[tuple[str, float]],
    level: float,
) -> str:
    low, high = chosen.interval
    parts = [
        f"Suggested: {title(chosen.strategy)}. Deals like this one succeed with it about "
        f"{percent(chosen.expected_success)} of the time ({level:.0%} likely between {percent(low)} and "
        f"{percent(high)}); {percent(chosen.probability_best)} chance it is the best of the {len(ranking)} "
        "options."
    ]
    if exploring:
        top = ranking[0]
        parts.append(
            f"{title(top.strategy).capitalize()} has the best estimate "
            f"({percent(top.expected_success)}), but this option is still uncertain enough that it may be "
            "better here; trying it keeps the advice current."
        )
    if chosen.evidence < 5:
        parts.append("There is little recent history for this option yet, so the range is wide.")
    else:
        parts.append(f"Based on about {chosen.evidence:.0f} recent outcomes with this option.")
    # Several model features can describe one deal value (FICO and subprime depth): add their effects up.
    effects: dict[str, float] = {}
    for name, effect in drivers:
        described = ctx.describe(name, known)
        if described is not None:
            effects[described] = effects.get(described, 0.0) + effect
    strongest = sorted(effects.items(), key=lambda item: -abs(item[1]))[:2]
    reasons = [
        f"{described} {'favours' if effect > 0 else 'counts against'} it"
        for described, effect in strongest
        if abs(effect) >= _MIN_EFFECT
    ]
    if reasons:
        parts.append("Here, " + " and ".join(reasons) + " compared with the other options.")
    return " ".join(parts)
