"""A seeded synthetic customer stream with known segments and injected anomalies (demo data and evaluation).

Segments are drawn around centres that deliberately differ from the engine's prototypes (so the engine must
learn), with correlated, segment-specific covariances, unequal sizes and missing fields. Two kinds of
anomaly are injected:

- ``extreme``: one or two fields far outside anything the segment produces;
- ``combination``: every field individually ordinary for the segment, but pushed along the segment's
  least-variable direction, so only the *combination* is wrong.

``drift_at`` shifts every segment's centre mid-stream (credit and price inflation, engagement changes), to
check that the engine follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.whaco import features, segments
from ml.whaco.features import DIM, FloatArray

SEGMENT_SHARES = np.array([0.30, 0.25, 0.20, 0.15, 0.10])


@dataclass(frozen=True)
class Customer:
    record: dict[str, Any]
    segment: int  # true segment index (as in ``ml.whaco.SEGMENT_NAMES``)
    anomaly: str | None  # None, "extreme" or "combination"


@dataclass(frozen=True)
class Population:
    centres: FloatArray  # (K, D) standardised
    covariances: FloatArray  # (K, D, D)


def population(seed: int, separation: float = 1.0) -> Population:
    """Segment centres and covariances; ``separation`` < 1 pulls the centres together (more overlap)."""
    rng = np.random.default_rng(seed)
    k = segments.COUNT
    prototypes = segments.prototype_means()
    pulled = prototypes.mean(axis=0) + separation * (prototypes - prototypes.mean(axis=0))
    centres = pulled + rng.normal(0.0, 0.35, size=(k, DIM))
    covs = np.empty((k, DIM, DIM))
    for j in range(k):
        loadings = rng.normal(0.0, 0.4, size=(DIM, 2))
        noise = rng.uniform(0.2, 0.4, size=DIM) ** 2
        covs[j] = loadings @ loadings.T + np.diag(noise)
    return Population(centres, covs)


def drifted(pop: Population, seed: int) -> Population:
    """The same segments after a market change: every centre moves by about half a spread."""
    rng = np.random.default_rng(seed + 1)
    shift = rng.normal(0.0, 0.5, size=pop.centres.shape)
    return Population(pop.centres + shift, pop.covariances)


def stream(
    seed: int,
    n: int,
    *,
    anomaly_rate: float = 0.02,
    missing_rate: float = 0.08,
    drift_at: int | None = None,
    separation: float = 1.0,
) -> list[Customer]:
    rng = np.random.default_rng(seed)
    before = population(seed, separation)
    after = drifted(before, seed)
    out: list[Customer] = []
    for t in range(n):
        pop = after if drift_at is not None and t >= drift_at else before
        k = int(rng.choice(segments.COUNT, p=SEGMENT_SHARES))
        z = rng.multivariate_normal(pop.centres[k], pop.covariances[k])
        anomaly: str | None = None
        if rng.random() < anomaly_rate:
            anomaly = "combination" if rng.random() < 0.5 else "extreme"
            z = _anomalous(rng, z, pop, k, anomaly)
        out.append(Customer(_record(rng, f"c{t}", z, missing_rate), k, anomaly))
    return out


def _anomalous(rng: np.random.Generator, z: FloatArray, pop: Population, k: int, kind: str) -> FloatArray:
    if kind == "extreme":
        z = z.copy()
        for i in rng.choice(DIM - 1, size=2, replace=False):  # not co_buyer, which is yes/no
            z[i] += rng.choice([-1.0, 1.0]) * rng.uniform(4.0, 6.0) * np.sqrt(pop.covariances[k][i, i])
        return z
    values, vectors = np.linalg.eigh(pop.covariances[k])
    direction = vectors[:, 0]  # the least-variable combination of this segment
    # 5-7 spreads along it; each single field moves far less, relative to its own spread.
    return np.asarray(z + rng.choice([-1.0, 1.0]) * rng.uniform(5.0, 7.0) * np.sqrt(values[0]) * direction)


def _record(rng: np.random.Generator, cid: str, z: FloatArray, missing_rate: float) -> dict[str, Any]:
    record: dict[str, Any] = {"customer_id": cid}
    for i, feature in enumerate(features.FEATURES):
        if rng.random() < missing_rate:
            continue  # the field was not captured
        value = feature.raw(float(z[i]))
        if feature.boolean:
            record[feature.name] = bool(value >= 0.5)
        elif feature.integer:
            record[feature.name] = round(value)
        else:
            record[feature.name] = value
    return record
