"""Prime: which deal structure to try first, by contextual Thompson sampling.

``recommend(context)`` draws one plausible success rate per strategy from its posterior at this deal and
proposes the highest draw (Thompson sampling): a strategy is proposed about as often as it is likely to be
the best here, so the desk keeps learning without wasting many deals. The numbers around it are
deterministic for a given state and context:

- ``expected_success``: posterior mean success probability at this context (probit approximation of the
  logistic-Gaussian integral);
- ``interval``: a central credible interval (90 % by default) of the success probability; exact for the
  Laplace posterior, because the logistic function is monotone;
- ``probability_best``: the posterior probability that this strategy is the best one for this deal,
  estimated from a fixed set of internal draws (seeded from the engine seed), so it never jitters.

Context fields outside the contract's list are ignored (the app may pass its whole deal row).

``record_outcome(deal_id, strategy, context, success)`` is idempotent per ``deal_id`` (the first report
wins; later ones are ignored and return False), and outcomes may arrive late and in any order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Self

import numpy as np

from ml import persistence, validation
from ml import special_functions as special
from ml.prime import context as ctx
from ml.prime.explain import explain
from ml.prime.posterior import StrategyPosteriors

STRATEGIES: tuple[str, ...] = (
    "high_down_payment",
    "extend_term",
    "optimize_rate",
    "maximize_trade",
    "reduce_vehicle_price",
    "add_cosigner",
    "balanced_structure",
)
_BEST_DRAWS = 2000
_BEST_STREAM = 0x9B1D  # fixed stream id of the internal draws behind ``probability_best``


@dataclass(frozen=True)
class StrategyEstimate:
    strategy: str
    expected_success: float
    interval: tuple[float, float]
    probability_best: float
    evidence: float  # recent outcomes recorded for this strategy (decayed count)


@dataclass(frozen=True)
class PrimeResult:
    strategy: str  # the strategy to try (Thompson draw)
    expected_success: float
    interval: tuple[float, float]
    probability_best: float
    ranking: tuple[StrategyEstimate, ...]  # all strategies, best expected success first
    explanation: str
    exploring: bool  # True when the proposal is not the one with the best estimate
    interval_level: float = 0.9  # probability that the true success rate lies inside ``interval``

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Prime(persistence.SeededEngine):
    """Deal-strategy recommender. Construct with an explicit ``seed``.

    Save/load: ``to_state()`` / ``Prime.from_state(data)`` (the app's ``ml_state`` row), ``save(path)`` /
    ``Prime.load(path)`` (a JSON file), from ``ml.persistence.SeededEngine``.
    """

    def __init__(
        self,
        seed: int,
        *,
        strategies: Sequence[str] = STRATEGIES,
        memory: float = 1000.0,
        interval_level: float = 0.9,
    ) -> None:
        seed_value = validation.seed(seed)
        memory_value = validation.number(memory, "memory", minimum=10.0, required=True)
        level = validation.number(interval_level, "interval_level", minimum=0.5, maximum=0.999, required=True)
        assert memory_value is not None and level is not None
        names = list(strategies)
        if not names or len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
            raise validation.FieldError("strategies", "must be distinct, non-empty names")
        self.seed = seed_value
        self.memory = memory_value
        self.interval_level = level
        self._z_interval = float(special.ndtri(0.5 + level / 2.0))
        self.strategies: list[str] = names
        self._posteriors = StrategyPosteriors(len(names), ctx.DIM, memory_value)
        self._rng = np.random.default_rng(self.seed)
        self._seen: set[str] = set()
        self.outcomes = 0
        self._draws = self._best_draws()

    # -- contract ----------------------------------------------------------------------------------------
    def recommend(self, context: Mapping[str, Any]) -> PrimeResult:
        deal = ctx.parse(context)
        mu, var = self._posteriors.logit_moments(deal.x)
        sd = np.sqrt(var)
        sampled = mu + sd * self._rng.standard_normal(len(self.strategies))
        chosen = int(np.argmax(sampled))
        ranking = self._ranking(mu, sd)
        estimate = next(e for e in ranking if e.strategy == self.strategies[chosen])
        exploring = ranking[0].strategy != estimate.strategy
        text = explain(
            estimate, ranking, exploring, deal.values, self._drivers(chosen, deal.x), self.interval_level
        )
        return PrimeResult(
            strategy=estimate.strategy,
            expected_success=estimate.expected_success,
            interval=estimate.interval,
            probability_best=estimate.probability_best,
            ranking=ranking,
            explanation=text,
            exploring=exploring,
            interval_level=self.interval_level,
        )

    def record_outcome(
        self, deal_id: object, strategy: object, context: Mapping[str, Any], success: object
    ) -> bool:
        """Fold in one outcome; returns False (and changes nothing) if this deal was already recorded."""
        key = validation.identifier(deal_id, "deal_id")
        name = validation.choice(strategy, "strategy", self.strategies)
        deal = ctx.parse(context)
        won = validation.flag(success, "success", required=True)
        if key in self._seen:
            return False
        self._posteriors.observe(self.strategies.index(name), deal.x, bool(won))
        self._seen.add(key)
        self.outcomes += 1
        return True

    def expected_success(self, context: Mapping[str, Any]) -> dict[str, float]:
        deal = ctx.parse(context)
        mu, var = self._posteriors.logit_moments(deal.x)
        probs = _predictive(mu, var)
        return {name: float(probs[i]) for i, name in enumerate(self.strategies)}

    # -- extras ----------------------------------------------------------------------------------------------
    def predict_one(self, context: Mapping[str, Any]) -> str:
        """The strategy with the best expected success here (no exploration, no state change)."""
        scores = self.expected_success(context)
        return max(self.strategies, key=lambda name: scores[name])

    def add_strategy(self, name: str) -> None:
        """A new strategy starts at the prior: 50 % expected, wide interval, no history."""
        if not isinstance(name, str) or not name or name in self.strategies:
            raise validation.FieldError("strategy", f"must be a new, non-empty name; got {name!r}")
        self.strategies.append(name)
        self._posteriors.add_strategy()
        self._draws = self._best_draws()

    def seen(self, deal_id: object) -> bool:
        return validation.identifier(deal_id, "deal_id") in self._seen

    # -- state (the envelope, seed and generator are ml.persistence's) ---------------------------------------
    ENGINE = "prime"
    VERSION = 1  # of the saved format; a change comes with a migration in MIGRATIONS

    def _payload(self) -> dict[str, Any]:
        return {
            "memory": self.memory,
            "interval_level": self.interval_level,
            "strategies": list(self.strategies),
            "outcomes": self.outcomes,
            "seen_deals": sorted(self._seen),
            "posteriors": self._posteriors.to_state(),
        }

    @classmethod
    def _from_payload(cls, seed: int, payload: Mapping[str, Any]) -> Self:
        engine = cls(
            seed,
            strategies=payload["strategies"],
            memory=payload["memory"],
            interval_level=payload["interval_level"],
        )
        engine._posteriors.load_state(payload["posteriors"])
        engine._seen = {str(deal) for deal in payload["seen_deals"]}
        engine.outcomes = int(payload["outcomes"])
        return engine

    # -- internals -----------------------------------------------------------------------------------------
    def _best_draws(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        rng = np.random.default_rng([self.seed, _BEST_STREAM, len(self.strategies)])
        return rng.standard_normal((len(self.strategies), _BEST_DRAWS))

    def _ranking(
        self, mu: np.ndarray[Any, np.dtype[np.float64]], sd: np.ndarray[Any, np.dtype[np.float64]]
    ) -> tuple[StrategyEstimate, ...]:
        probs = _predictive(mu, sd**2)
        low = special.expit(mu - self._z_interval * sd)
        high = special.expit(mu + self._z_interval * sd)
        sampled = mu[:, None] + sd[:, None] * self._draws  # (strategies, draws)
        best = (sampled == sampled.max(axis=0)).sum(axis=1) / _BEST_DRAWS
        evidence = self._posteriors.evidence
        order = sorted(range(len(self.strategies)), key=lambda i: (-probs[i], i))
        return tuple(
            StrategyEstimate(
                self.strategies[i],
                float(probs[i]),
                (float(low[i]), float(high[i])),
                float(best[i]),
                float(evidence[i]),
            )
            for i in order
        )

    def _drivers(self, chosen: int, x: np.ndarray[Any, np.dtype[np.float64]]) -> list[tuple[str, float]]:
        """Per feature, how much more it favours the chosen strategy than the average alternative (logit)."""
        mean = self._posteriors.mean
        others = np.delete(mean, chosen, axis=0).mean(axis=0) if len(mean) > 1 else np.zeros_like(x)
        effect = (mean[chosen] - others) * x
        order = np.argsort(-np.abs(effect[1:]), kind="stable") + 1  # the intercept is not a deal feature
        return [(ctx.FEATURES[i][0], float(effect[i])) for i in order.tolist()]


def _predictive(
    mu: np.ndarray[Any, np.dtype[np.float64]], var: np.ndarray[Any, np.dtype[np.float64]]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """E[σ(θ)] for θ ~ N(mu, var), by the probit approximation σ(mu / √(1 + π var / 8))."""
    return np.asarray(special.expit(mu / np.sqrt(1.0 + math.pi * var / 8.0)), dtype=np.float64)
