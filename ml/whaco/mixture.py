"""Decaying, robust per-segment statistics: an online mixture that works on whatever fields were observed.

Each segment keeps exponentially decayed sufficient statistics (count, mean, covariance) in the standardised
feature scale. Three choices carry the design:

- **Missing values are marginalised, not filled in.** A Gaussian's marginal over the observed fields is the
  sub-vector of its mean and the sub-matrix of its covariance, so scores use exactly the fields we have. For
  learning, each feature keeps its own weight and each feature pair its own pair weight, so a statistic only
  learns from customers where its fields were observed.
- **Shrinkage.** The covariance used for scoring blends the learned scatter with the segment's prototype
  covariance (a pseudo-count of ``kappa_cov`` customers) and never lets a variance fall below a floor; with
  few customers this is the prototype, with many it is the data. The same holds for the mean.
- **Robustness and drift.** Updates are weighted by the posterior responsibility times a Huber-type weight
  that caps the pull of points beyond the outlier threshold, so one absurd customer cannot drag a segment.
  Everything decays by ``1 - 1/memory`` per learned customer, so the segments follow drift; a segment that
  stops receiving customers loses weight but falls back to its prototype and keeps a Dirichlet floor on its
  share, so it can pick customers up again instead of dying.

Assignment uses heavy-tailed (Student-t) densities so a customer far from every segment is not given a
false certainty; the outlier score uses the Gaussian Mahalanobis distance, whose chi-square law on the
observed dimensions gives the calibrated p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from ml.whaco.features import VARIANCE_FLOOR, BoolArray, FloatArray


@dataclass(frozen=True)
class Assessment:
    """One customer scored against every segment on its observed dimensions."""

    responsibilities: FloatArray  # (K,) posterior probability of each segment
    mahalanobis_sq: FloatArray  # (K,) squared Mahalanobis distance on the observed dims
    diff: FloatArray  # (K, p) customer minus segment mean, observed dims
    whitened: FloatArray  # (K, p) covariance⁻¹ · diff
    std: FloatArray  # (K, p) segment standard deviation per observed dim
    mean: FloatArray  # (K, D) effective segment means
    observed_index: npt.NDArray[np.intp]


@dataclass
class MixtureConfig:
    memory: float = 2000.0  # customers; decay per learned customer is 1 - 1/memory
    kappa_mean: float = 2.0  # prototype pseudo-count for the mean
    kappa_cov: float = 10.0  # prototype pseudo-count for the covariance
    dirichlet: float = 5.0  # pseudo-customers per segment in the mixing weights
    tail_dof: float = 8.0  # Student-t degrees of freedom for assignment
    robust_alpha: float = 0.01  # updates are down-weighted beyond this tail probability

    @property
    def decay(self) -> float:
        return 1.0 - 1.0 / self.memory


class SegmentMixture:
    def __init__(self, prior_mean: FloatArray, prior_cov: FloatArray, config: MixtureConfig) -> None:
        k, d = prior_mean.shape
        self.config = config
        self.prior_mean = prior_mean.astype(np.float64)
        self.prior_cov = prior_cov.astype(np.float64)
        self.count = np.zeros(k)
        self.dim_weight = np.zeros((k, d))
        self.pair_weight = np.zeros((k, d, d))
        self.mean = self.prior_mean.copy()
        self.scatter = np.zeros((k, d, d))
        self._diag = np.arange(d)

    # -- parameters used for scoring ---------------------------------------------------------------------
    def log_weights(self) -> FloatArray:
        alpha = self.config.dirichlet
        share = (self.count + alpha) / (self.count.sum() + alpha * self.count.size)
        return np.asarray(np.log(share), dtype=np.float64)

    def effective_mean(self) -> FloatArray:
        kappa = self.config.kappa_mean
        weighted = self.dim_weight * self.mean + kappa * self.prior_mean
        return np.asarray(weighted / (self.dim_weight + kappa), dtype=np.float64)

    def effective_cov(self) -> FloatArray:
        """Shrunk covariances; may be slightly indefinite with heavy missingness (``assess`` repairs that)."""
        kappa = self.config.kappa_cov
        cov = (self.pair_weight * self.scatter + kappa * self.prior_cov) / (self.pair_weight + kappa)
        diag = cov[:, self._diag, self._diag]
        cov[:, self._diag, self._diag] = np.maximum(diag, VARIANCE_FLOOR)
        return np.asarray(cov, dtype=np.float64)

    # -- scoring ---------------------------------------------------------------------------------------------
    def assess(self, x: FloatArray, observed: BoolArray) -> Assessment:
        idx = np.flatnonzero(observed)
        p = idx.size
        mean = self.effective_mean()
        cov = self.effective_cov()[:, idx[:, None], idx]
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            cov = _positive_definite(cov)
            chol = np.linalg.cholesky(cov)
        diff = x[idx] - mean[:, idx]
        whitened = np.asarray(np.linalg.solve(cov, diff[:, :, None])[:, :, 0], dtype=np.float64)
        maha = (diff * whitened).sum(axis=1)
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        nu = self.config.tail_dof
        logits = self.log_weights() - 0.5 * logdet - 0.5 * (nu + p) * np.log1p(maha / nu)
        logits -= logits.max()
        resp = np.exp(logits)
        resp /= resp.sum()
        std = np.asarray(np.sqrt(np.diagonal(cov, axis1=1, axis2=2)), dtype=np.float64)
        return Assessment(resp, maha, diff, whitened, std, mean, idx)

    # -- learning --------------------------------------------------------------------------------------------
    def update(self, x: FloatArray, observed: BoolArray, assessment: Assessment) -> None:
        p = int(observed.sum())
        cutoff = float(special.chdtri(p, self.config.robust_alpha))
        robust = np.minimum(1.0, cutoff / np.maximum(assessment.mahalanobis_sq, 1e-12))
        gain = assessment.responsibilities * robust  # (K,)
        decay = self.config.decay
        self.count *= decay
        self.dim_weight *= decay
        self.pair_weight *= decay
        # Only segments with a non-negligible share of this customer move; the rest just decay.
        active = np.flatnonzero(gain > 1e-9)
        g = gain[active]
        m = observed.astype(np.float64)
        pair = np.outer(m, m)
        self.count[active] += g
        dim_weight = self.dim_weight[active] + g[:, None] * m[None, :]
        pair_weight = self.pair_weight[active] + g[:, None, None] * pair[None, :, :]
        g_dim = g[:, None] * m[None, :] / np.where(dim_weight > 0, dim_weight, 1.0)
        g_pair = g[:, None, None] * pair[None] / np.where(pair_weight > 0, pair_weight, 1.0)
        mean = self.mean[active]
        delta = (x[None, :] - mean) * m[None, :]
        # Exponentially weighted covariance update, C' = (1 - g)(C + g δδᵀ), per feature pair.
        outer = delta[:, :, None] * delta[:, None, :]
        self.scatter[active] = (1.0 - g_pair) * (self.scatter[active] + g_pair * outer)
        self.mean[active] = mean + g_dim * delta
        self.dim_weight[active] = dim_weight
        self.pair_weight[active] = pair_weight

    # -- state -----------------------------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {
            "count": self.count.tolist(),
            "dim_weight": self.dim_weight.tolist(),
            "pair_weight": self.pair_weight.tolist(),
            "mean": self.mean.tolist(),
            "scatter": self.scatter.tolist(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        k, d = self.prior_mean.shape
        arrays = {
            "count": (k,),
            "dim_weight": (k, d),
            "pair_weight": (k, d, d),
            "mean": (k, d),
            "scatter": (k, d, d),
        }
        loaded: dict[str, FloatArray] = {}
        for name, shape in arrays.items():
            value = np.asarray(state[name], dtype=np.float64)
            if value.shape != shape or not np.all(np.isfinite(value)):
                raise ValueError(f"state.mixture.{name}: malformed")
            loaded[name] = value
        self.count = loaded["count"]
        self.dim_weight = loaded["dim_weight"]
        self.pair_weight = loaded["pair_weight"]
        self.mean = loaded["mean"]
        self.scatter = loaded["scatter"]


def _positive_definite(cov: FloatArray) -> FloatArray:
    """Pairwise-observed statistics can be slightly indefinite; clip eigenvalues only when they are."""
    try:
        np.linalg.cholesky(cov)
        return cov
    except np.linalg.LinAlgError:
        pass
    repaired = cov.copy()
    for k in range(cov.shape[0]):
        try:
            np.linalg.cholesky(cov[k])
        except np.linalg.LinAlgError:
            values, vectors = np.linalg.eigh(cov[k])
            floor = float(VARIANCE_FLOOR.min())
            repaired[k] = (vectors * np.maximum(values, floor)) @ vectors.T
    return repaired
