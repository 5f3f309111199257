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
        f"{chosen.expected_success:.0%} of the time ({level:.0%} likely between {low:.0%} and {high:.0%}); "
        f"{chosen.probability_best:.0%} chance it is the best of the {len(ranking)} options."
    ]
    if exploring:
        top = ranking[0]
        parts.append(
            f"{title(top.strategy).capitalize()} has the best estimate ({top.expected_success:.0%}), but "
            "this option is still uncertain enough that it may be better here; trying it keeps the advice "
            "current."
        )
    if chosen.evidence < 5:
        parts.append("There is little recent history for this option yet, so the range is wide.")
    else:
        parts.append(f"Based on about {chosen.evidence:.0f} recent outcomes with this option.")
    reasons: list[str] = []
    for name, effect in drivers:
        if abs(effect) < _MIN_EFFECT or len(reasons) == 2:
            continue
        described = ctx.describe(name, known)
        if described is None:
            continue
        reasons.append(f"{described} {'favours' if effect > 0 else 'counts against'} it")
    if reasons:
        parts.append("Here, " + " and ".join(reasons) + " compared with the other options.")
    return " ".join(parts)
