"""Scoring with missing fields equals scoring with the Gaussian marginal of the observed fields.

The mixture never slices and inverts the observed sub-covariance; it eliminates the missing fields from the
cached precision. These tests compute the marginal the textbook way (sub-vector, sub-matrix, solve) and
compare, for each way a customer can be incomplete: nothing, up to three fields (eliminated one by one) and
more (one batched solve).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.whaco import Whaco, synthetic
from ml.whaco.features import DIM


@pytest.fixture(scope="module")
def engine() -> Whaco:
    trained = Whaco(seed=2)
    for customer in synthetic.stream(8, 600, missing_rate=0.2):
        trained.process(customer.record)
    return trained


@pytest.mark.parametrize("missing", [(), (4,), (0, 11), (3, 5, 9), (1, 2, 6, 7, 8, 10)])
def test_scores_match_the_observed_block_of_the_covariance(engine: Whaco, missing: tuple[int, ...]) -> None:
    mixture = engine._mixture
    rng = np.random.default_rng(len(missing))
    x = rng.normal(0.0, 1.0, DIM)
    observed = tuple(i for i in range(DIM) if i not in missing)
    assessment = mixture.assess(x.copy(), observed, missing)

    idx = list(observed)
    nu = mixture.config.tail_dof
    logits, distances = [], []
    for k in range(mixture.eff_mean.shape[0]):
        diff = x[idx] - mixture.eff_mean[k, idx]
        cov = mixture.eff_cov[k][np.ix_(idx, idx)]
        maha = float(diff @ np.linalg.solve(cov, diff))
        logdet = float(np.linalg.slogdet(cov)[1])
        distances.append(maha)
        tail = 0.5 * (nu + len(idx)) * math.log1p(maha / nu)
        logits.append(mixture.eff_log_weights[k] - 0.5 * logdet - tail)
    weights = np.exp(np.array(logits) - max(logits))
    assert assessment.mahalanobis_sq == pytest.approx(distances, rel=1e-8)
    posterior = (weights / weights.sum()).tolist()
    assert assessment.responsibilities == pytest.approx(posterior, rel=1e-8, abs=1e-12)
    # Per-field contributions add up to the distance and only observed fields carry any.
    contributions = assessment.diff * assessment.whitened
    assert np.allclose(contributions.sum(axis=1), distances, rtol=1e-8)
    assert np.all(assessment.diff[:, list(missing)] == 0.0)


def test_an_assessment_is_a_snapshot_that_learning_does_not_edit(engine: Whaco) -> None:
    mixture = engine._mixture
    x = np.zeros(DIM)
    assessment = mixture.assess(x, tuple(range(DIM)), ())
    std = assessment.std.copy()
    for _ in range(mixture.config.refresh_every):  # forces a refresh of the cached parameters
        mixture.update(x, (), mixture.assess(x, tuple(range(DIM)), ()))
    assert np.array_equal(assessment.std, std)
