"""WHACO: online customer segmentation with calibrated outlier detection.

``Whaco.process(customer)`` scores the customer against the current segments (prequential: the answer is
what the engine believed before seeing this customer) and then learns from them. ``predict_one`` scores
without learning; ``learn_one`` learns without returning anything (river style).

What the numbers mean:
- ``confidence`` is the posterior probability of the returned segment given the observed fields
  (``probabilities`` holds all five).
- ``outlier_score`` is the chi-square CDF of the squared Mahalanobis distance to the customer's own segment,
  on the observed dimensions only: for a typical customer of that segment it is uniform on [0, 1], so with
  ``outlier_alpha = 0.01`` about 1 % of ordinary customers are flagged (``is_outlier``). Because the segment
  covariance is full, a customer whose values are each ordinary but whose combination is not (a high price
  on a low income in a segment where the two move together) scores high as well.
- ``reasons`` are per-feature standardised deviations from the segment (``z``, in segment standard
  deviations) and each feature's share of the Mahalanobis distance (``contribution``; they sum to the squared
  distance), largest first.

Fields outside the contract's list are ignored (the app may pass its whole customer row); units are
described in ``ml.whaco.features``.

A customer with fewer than ``min_observed`` usable fields is ``unassigned`` (``cluster_id`` -1): there is
nothing to segment on, and the engine does not learn from them.

The algorithm is deterministic; ``seed`` seeds the engine's generator, which is saved and restored with
the state so that future randomised features keep the same-seed, same-answers guarantee.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, NamedTuple, Self

import numpy as np

from ml import persistence, validation
from ml import special_functions as special
from ml.whaco import features, segments
from ml.whaco.mixture import Assessment, MixtureConfig, SegmentMixture

NAMES = features.NAMES
_PRIORITIES = tuple(segment.priority for segment in segments.SEGMENTS)


class Reason(NamedTuple):
    """One observed field's part in the customer's distance from their segment."""

    feature: str  # the customer field
    value: float  # the customer's value, in the field's units
    typical: float  # the segment's current centre for this field, in the field's units
    z: float  # (value - centre) / segment standard deviation, on the standardised scale
    contribution: float  # this field's share of the squared Mahalanobis distance (can be negative)
    segment: str

    @property
    def text(self) -> str:
        feature = features.FEATURES[features.INDEX[self.feature]]
        direction = "above" if self.z >= 0 else "below"
        return (
            f"{feature.label} {_format(self.value, feature)} is {abs(self.z):.1f} SD {direction} "
            f"the typical {self.segment.replace('_', ' ')} ({_format(self.typical, feature)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "text": self.text}


# Builds a Reason from a ready tuple without the Python-level NamedTuple constructor (a dozen per customer).
_reason = partial(tuple.__new__, Reason)


@dataclass(frozen=True)
class WhacoResult:
    customer_id: str
    cluster_id: int  # stable: index of the segment in ``ml.whaco.SEGMENT_NAMES``; -1 when unassigned
    segment: str
    is_outlier: bool
    outlier_score: float  # chi-square CDF of the distance, in [0, 1]; 1 - outlier_p_value
    outlier_p_value: float  # share of ordinary segment members at least this unusual (precise in the tail)
    mahalanobis_sq: float
    confidence: float
    probabilities: dict[str, float]
    reasons: tuple[Reason, ...]
    recommended_approach: str
    priority: float
    priority_label: str
    observed_features: int
    explanation: str = field(default="")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = [reason.to_dict() for reason in self.reasons]
        return data


class Whaco(persistence.SeededEngine):
    """Online segmentation into the five named segments. Construct with an explicit ``seed``.

    Save/load: ``to_state()`` / ``Whaco.from_state(data)`` (the app's ``ml_state`` row), ``save(path)`` /
    ``Whaco.load(path)`` (a JSON file), from ``ml.persistence.SeededEngine``.
    """

    def __init__(
        self,
        seed: int,
        *,
        memory: float = 2000.0,
        outlier_alpha: float = 0.01,
        min_observed: int = 2,
    ) -> None:
        self.seed = validation.seed(seed)
        memory_value = validation.number(memory, "memory", minimum=10.0, required=True)
        alpha_value = validation.number(
            outlier_alpha, "outlier_alpha", minimum=1e-9, maximum=0.5, required=True
        )
        min_obs = validation.number(
            min_observed, "min_observed", minimum=1, maximum=features.DIM, integer=True, required=True
        )
        assert memory_value is not None and alpha_value is not None and min_obs is not None
        self.outlier_alpha = alpha_value
        self.min_observed = int(min_obs)
        self._mixture = SegmentMixture(
            segments.prototype_means(), segments.prototype_covariances(), MixtureConfig(memory=memory_value)
        )
        self._rng = np.random.default_rng(self.seed)
        self.processed = 0
        self.outliers_flagged = 0
        self._typical_version = -1
        self._typical_cache: list[list[float]] = []

    # -- contract ----------------------------------------------------------------------------------------
    def process(self, customer: Mapping[str, Any]) -> WhacoResult:
        """Score the customer as the engine stands, then learn from them. Bad input changes nothing."""
        encoded = features.encode(customer)
        result, assessment = self._score(encoded)
        self._learn(encoded, assessment)
        if result.is_outlier:
            self.outliers_flagged += 1
        return result

    # -- river-style ---------------------------------------------------------------------------------------
    def predict_one(self, customer: Mapping[str, Any]) -> WhacoResult:
        """Score without learning."""
        return self._score(features.encode(customer))[0]

    def learn_one(self, customer: Mapping[str, Any]) -> None:
        encoded = features.encode(customer)
        _, assessment = self._score(encoded)
        self._learn(encoded, assessment)

    # -- inspection ----------------------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """Per segment: its current share of recent customers and its centre in customer units."""
        share = self._mixture.shares()
        counts = self._mixture.recent_counts()
        means = self._mixture.eff_mean
        return [
            {
                "cluster_id": k,
                "segment": segment.name,
                "share": float(share[k]),
                "recent_customers": float(counts[k]),
                "centre": {f.name: f.raw(float(means[k, i])) for i, f in enumerate(features.FEATURES)},
            }
            for k, segment in enumerate(segments.SEGMENTS)
        ]

    # -- state (the envelope, seed and generator are ml.persistence's) ---------------------------------------
    ENGINE = "whaco"
    VERSION = 1  # of the saved format; a change comes with a migration in MIGRATIONS

    def _payload(self) -> dict[str, Any]:
        return {
            "memory": self._mixture.config.memory,
            "outlier_alpha": self.outlier_alpha,
            "min_observed": self.min_observed,
            "processed": self.processed,
            "outliers_flagged": self.outliers_flagged,
            "mixture": self._mixture.to_state(),
        }

    @classmethod
    def _from_payload(cls, seed: int, payload: Mapping[str, Any]) -> Self:
        engine = cls(
            seed,
            memory=payload["memory"],
            outlier_alpha=payload["outlier_alpha"],
            min_observed=payload["min_observed"],
        )
        engine._mixture.load_state(payload["mixture"])
        engine.processed = int(payload["processed"])
        engine.outliers_flagged = int(payload["outliers_flagged"])
        return engine

    # -- internals -----------------------------------------------------------------------------------------
    def _score(self, encoded: features.Encoded) -> tuple[WhacoResult, Assessment | None]:
        observed = len(encoded.observed_index)
        if observed < self.min_observed:
            return _unassigned(encoded, observed), None
        assessment = self._mixture.assess(encoded.x, encoded.observed_index, encoded.missing_index)
        resp = assessment.responsibilities
        k = resp.index(max(resp))  # the first of equals, as argmax
        maha = assessment.mahalanobis_sq[k]
        p_value = special.chdtrc_whole(observed, maha)
        score = 1.0 - p_value  # p_value keeps the precision in the far tail; the score need not
        is_outlier = p_value < self.outlier_alpha
        reasons = _reasons(encoded, assessment, k, self._typical()[k])
        segment = segments.SEGMENTS[k]
        priority = math.fsum(r * w for r, w in zip(resp, _PRIORITIES, strict=True))
        approach = segment.approach
        if is_outlier:
            approach = "Unusual for this segment: verify the details before structuring. " + approach
        probabilities = dict(zip(segments.NAMES, resp, strict=True))
        result = WhacoResult(
            customer_id=encoded.customer_id,
            cluster_id=k,
            segment=segment.name,
            is_outlier=is_outlier,
            outlier_score=score,
            outlier_p_value=p_value,
            mahalanobis_sq=maha,
            confidence=float(resp[k]),
            probabilities=probabilities,
            reasons=reasons,
            recommended_approach=approach,
            priority=priority,
            priority_label=segments.priority_label(priority),
            observed_features=observed,
            explanation=_explain(segment, float(resp[k]), is_outlier, p_value, reasons),
        )
        return result, assessment

    def _typical(self) -> list[list[float]]:
        """Segment centres in customer units, recomputed only when the scoring parameters change."""
        if self._typical_version != self._mixture.version:
            means = self._mixture.eff_mean
            pairs = [zip(features.FEATURES, row, strict=True) for row in means.tolist()]
            self._typical_cache = [[f.raw(value) for f, value in row] for row in pairs]
            self._typical_version = self._mixture.version
        return self._typical_cache

    def _learn(self, encoded: features.Encoded, assessment: Assessment | None) -> None:
        self.processed += 1
        if assessment is not None:
            self._mixture.update(encoded.x, encoded.missing_index, assessment)


def _unassigned(encoded: features.Encoded, observed: int) -> WhacoResult:
    return WhacoResult(
        customer_id=encoded.customer_id,
        cluster_id=-1,
        segment=segments.UNASSIGNED,
        is_outlier=False,
        outlier_score=0.0,
        outlier_p_value=1.0,
        mahalanobis_sq=0.0,
        confidence=0.0,
        probabilities={name: 0.0 for name in segments.NAMES},
        reasons=(),
        recommended_approach=segments.UNASSIGNED_APPROACH,
        priority=segments.UNASSIGNED_PRIORITY,
        priority_label=segments.priority_label(segments.UNASSIGNED_PRIORITY),
        observed_features=observed,
        explanation=f"Only {observed} usable field(s) given; not enough to place this customer in a segment.",
    )


def _reasons(
    encoded: features.Encoded, assessment: Assessment, k: int, typical: list[float]
) -> tuple[Reason, ...]:
    segment = segments.SEGMENTS[k].name
    diff = assessment.diff[k]
    contribution = (diff * assessment.whitened[k]).tolist()
    z = (diff / assessment.std[k]).tolist()
    raw = encoded.raw
    weight = [-abs(value) for value in contribution]
    order = sorted(encoded.observed_index, key=weight.__getitem__)  # largest first; ties keep field order
    return tuple([_reason((NAMES[i], raw[i], typical[i], z[i], contribution[i], segment)) for i in order])


def _format(value: float, feature: features.Feature) -> str:
    if feature.boolean:
        return "yes" if value >= 0.5 else "no"
    if feature.unit == "$":
        return f"${value:,.0f}"
    if feature.unit == "%":
        return f"{value:.0f} %"
    if feature.maximum <= 1:
        return f"{value:.2f}"
    text = f"{value:.0f}"
    return f"{text} {feature.unit}" if feature.unit else text


def _explain(
    segment: segments.Segment,
    confidence: float,
    is_outlier: bool,
    p_value: float,
    reasons: tuple[Reason, ...],
) -> str:
    name = segment.name.replace("_", " ")
    shown = "over 99%" if confidence >= 0.995 else f"{confidence:.0%}"  # never a flat 100 %
    lead = f"Most likely {name} ({shown} probability): {segment.description}."
    if not is_outlier:
        return lead
    drivers = "; ".join(reason.text for reason in reasons[:2])
    rarity = 1.0 / max(p_value, 1e-300)
    rare = f"about 1 in {rarity:,.0f}" if math.isfinite(rarity) and rarity < 1e9 else "extremely rare"
    return f"{lead} Unusual for this segment ({rare}): {drivers}."
