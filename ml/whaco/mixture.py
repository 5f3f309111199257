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
  share, so it can pick customers up again instead of dying. When a neighbour has swallowed a segment's
  customers (segments overlapping more than their prototypes suggest), the neighbour is split along the
  direction of the starving segment's prototype and the segment takes the half on its side (``_revive``).

Speed: decay is applied lazily (weights are stored in "undecayed" units with one global scale), and the
scoring parameters (shrunk means, covariances, their inverses and log-determinants) are cached and
recomputed every ``refresh_every`` learned customers: scores lag the statistics by at most that many
customers, which is nothing against a memory of thousands. Customers whose responsibility for a segment is
below ``min_gain`` do not move it. The cache is part of the saved state, so a loaded engine continues
exactly.

Assignment uses heavy-tailed (Student-t) densities so a customer far from every segment is not given a
false certainty; the outlier score uses the Gaussian Mahalanobis distance, whose chi-square law on the
observed dimensions gives the calibrated p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ml import special_functions as special
from ml.whaco.features import VARIANCE_FLOOR, BoolArray, FloatArray

IntArray = npt.NDArray[np.intp]
_RESCALE_BELOW = 1e-150  # fold the global decay scale into the weights before it underflows


@dataclass(frozen=True)
class Assessment:
    """One customer scored against every segment on its observed dimensions."""

    responsibilities: FloatArray  # (K,) posterior probability of each segment
    mahalanobis_sq: FloatArray  # (K,) squared Mahalanobis distance on the observed dims
    diff: FloatArray  # (K, p) customer minus segment mean, observed dims
    whitened: FloatArray  # (K, p) covariance⁻¹ · diff
    std: FloatArray  # (K, p) segment standard deviation per observed dim
    mean: FloatArray  # (K, D) effective segment means
    observed_index: IntArray


@dataclass
class MixtureConfig:
    memory: float = 2000.0  # customers; decay per learned customer is 1 - 1/memory
    kappa_mean: float = 2.0  # prototype pseudo-count for the mean
    kappa_cov: float = 10.0  # prototype pseudo-count for the covariance
    dirichlet: float = 5.0  # pseudo-customers per segment in the mixing weights
    tail_dof: float = 8.0  # Student-t degrees of freedom for assignment
    robust_alpha: float = 0.01  # updates are down-weighted beyond this tail probability
    min_gain: float = 1e-3  # smaller shares of a customer do not move a segment
    refresh_every: int = 10  # learned customers between refreshes of the segments' scoring parameters
    revive_every: int = 200  # learned customers between checks for starving segments
    revive_share: float = 0.02  # a segment with a smaller share of recent customers is revived

    @property
    def decay(self) -> float:
        return 1.0 - 1.0 / self.memory


class SegmentMixture:
    def __init__(self, prior_mean: FloatArray, prior_cov: FloatArray, config: MixtureConfig) -> None:
        k, d = prior_mean.shape
        self.config = config
        self.prior_mean = prior_mean.astype(np.float64)
        self.prior_cov = prior_cov.astype(np.float64)
        # Weights in undecayed units: the true weight is the stored one times ``scale``.
        self.scale = 1.0
        self.count = np.zeros(k)
        self.dim_weight = np.zeros((k, d))
        self.pair_weight = np.zeros((k, d, d))
        self.mean = self.prior_mean.copy()
        self.scatter = np.zeros((k, d, d))
        self.learned = 0
        self._diag = np.arange(d)
        self._cutoffs: dict[int, float] = {}
        # Cached scoring parameters.
        self.eff_mean = np.zeros((k, d))
        self.eff_cov = np.zeros((k, d, d))
        self.eff_prec = np.zeros((k, d, d))
        self.eff_logdet = np.zeros(k)
        self.eff_std = np.zeros((k, d))
        self.eff_log_weights = np.zeros(k)
        self.version = 0  # bumped whenever the cached scoring parameters change
        self._all_observed_pair = np.ones((d, d))
        self._refresh(np.arange(k))

    # -- parameters used for scoring ---------------------------------------------------------------------
    def log_weights(self) -> FloatArray:
        alpha = self.config.dirichlet
        count = self.count * self.scale
        share = (count + alpha) / (count.sum() + alpha * count.size)
        return np.asarray(np.log(share), dtype=np.float64)

    def shares(self) -> FloatArray:
        return np.asarray(np.exp(self.log_weights()), dtype=np.float64)

    def recent_counts(self) -> FloatArray:
        return np.asarray(self.count * self.scale, dtype=np.float64)

    def _refresh(self, ks: IntArray) -> None:
        """Recompute the shrunk mean and covariance (and its inverse) of segments ``ks``."""
        kappa_m, kappa_c = self.config.kappa_mean, self.config.kappa_cov
        dim_weight = self.dim_weight[ks] * self.scale
        pair_weight = self.pair_weight[ks] * self.scale
        weighted_mean = dim_weight * self.mean[ks] + kappa_m * self.prior_mean[ks]
        self.eff_mean[ks] = weighted_mean / (dim_weight + kappa_m)
        cov = (pair_weight * self.scatter[ks] + kappa_c * self.prior_cov[ks]) / (pair_weight + kappa_c)
        diag = cov[:, self._diag, self._diag]
        cov[:, self._diag, self._diag] = np.maximum(diag, VARIANCE_FLOOR)
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            cov = _positive_definite(cov)
            chol = np.linalg.cholesky(cov)
        self.eff_cov[ks] = cov
        self.eff_prec[ks] = np.linalg.inv(cov)
        self.eff_logdet[ks] = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        self.eff_std[ks] = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        self.eff_log_weights = self.log_weights()
        self.version += 1

    # -- scoring ---------------------------------------------------------------------------------------------
    def assess(self, x: FloatArray, observed: BoolArray) -> Assessment:
        idx = np.flatnonzero(observed)
        p = idx.size
        mean = self.eff_mean
        if p == x.size:
            # Every field known: the cached inverse covariances apply directly.
            diff = x[None, :] - mean
            whitened = np.matmul(self.eff_prec, diff[:, :, None])[:, :, 0]
            logdet = self.eff_logdet
            std = self.eff_std
        else:
            # Marginalise onto the observed block. Its inverse is the Schur complement of the missing block
            # in the cached precision, P_oo - P_om P_mm⁻¹ P_mo, and log|Σ_oo| = log|Σ| + log|P_mm|.
            missing = np.flatnonzero(~observed)
            prec = self.eff_prec
            diff = x[idx] - mean[:, idx]
            p_oo = prec[:, idx[:, None], idx]
            p_mo = prec[:, missing[:, None], idx]
            direct = np.matmul(p_oo, diff[:, :, None])[:, :, 0]
            if missing.size == 1:
                p_mm = prec[:, missing[0], missing[0]]
                row = p_mo[:, 0, :]
                whitened = direct - row * ((row * diff).sum(axis=1) / p_mm)[:, None]
                logdet = self.eff_logdet + np.log(p_mm)
            else:
                p_mm = prec[:, missing[:, None], missing]
                through = np.matmul(p_mo, diff[:, :, None])  # (K, m, 1)
                solved = np.linalg.solve(p_mm, through)
                whitened = direct - np.matmul(p_mo.transpose(0, 2, 1), solved)[:, :, 0]
                logdet = self.eff_logdet + np.linalg.slogdet(p_mm)[1]
            std = self.eff_std[:, idx]
        maha = (diff * whitened).sum(axis=1)
        nu = self.config.tail_dof
        logits = self.eff_log_weights - 0.5 * logdet - 0.5 * (nu + p) * np.log1p(maha / nu)
        logits -= logits.max()
        resp = np.exp(logits)
        resp /= resp.sum()
        return Assessment(resp, maha, diff, whitened, std, mean, idx)

    # -- learning --------------------------------------------------------------------------------------------
    def update(self, x: FloatArray, observed: BoolArray, assessment: Assessment) -> None:
        p = int(assessment.observed_index.size)
        cutoff = self._cutoffs.get(p)
        if cutoff is None:
            cutoff = self._cutoffs[p] = float(special.chdtri(p, self.config.robust_alpha))
        robust = np.minimum(1.0, cutoff / np.maximum(assessment.mahalanobis_sq, 1e-12))
        gain = assessment.responsibilities * robust  # (K,)
        self.scale *= self.config.decay
        self.learned += 1
        active = np.flatnonzero(gain >= self.config.min_gain)
        complete = p == x.size
        m = observed.astype(np.float64)
        pair = self._all_observed_pair if complete else np.outer(m, m)
        for k in active.tolist():  # usually a single segment
            # Stored in undecayed units, so only the segments that learn are touched.
            g = float(gain[k]) / self.scale
            self.count[k] += g
            dim_weight = self.dim_weight[k]
            pair_weight = self.pair_weight[k]
            if complete:
                dim_weight += g
                pair_weight += g
                g_dim = g / dim_weight
                g_pair = g / pair_weight
                delta = x - self.mean[k]
            else:
                dim_weight += g * m
                pair_weight += g * pair
                # Unobserved fields get zero gain (a never-observed weight of 0 gives 0 / tiny).
                g_dim = g * m / np.maximum(dim_weight, 1e-300)
                g_pair = g * pair / np.maximum(pair_weight, 1e-300)
                delta = (x - self.mean[k]) * m
            # Exponentially weighted covariance update, C' = (1 - g)(C + g δδᵀ), per feature pair.
            scatter = self.scatter[k]
            scatter += g_pair * np.multiply.outer(delta, delta)
            scatter *= 1.0 - g_pair
            self.mean[k] += g_dim * delta
        if self.scale < _RESCALE_BELOW:
            self._fold_scale()
        if self.learned % self.config.revive_every == 0:
            self._revive()
        if self.learned % self.config.refresh_every == 0:
            self._refresh(np.arange(self.count.size))

    def _revive(self) -> None:
        """Give a starving segment back its customers by splitting the segment that swallowed them.

        When segments overlap more than their prototypes suggest, a neighbour can absorb a segment's
        customers early on and the segment starves. The neighbour chosen is the one whose distribution
        covers the starving segment's prototype best; it is split in two along the direction towards that
        prototype (split-and-merge EM): the half on the prototype's side becomes the revived segment, so
        the name keeps its meaning, and each half takes half of the neighbour's evidence.
        """
        total = float(self.count.sum())
        if total <= 0.0 or self.learned < self.config.revive_every:
            return
        share = self.count / total
        for k in np.flatnonzero(share < self.config.revive_share).tolist():
            share = self.count / float(self.count.sum())
            toward = self.prior_mean[k][None, :] - self.eff_mean
            distance = np.einsum("kd,kde,ke->k", toward, self.eff_prec, toward)
            distance[share < 4 * self.config.revive_share] = np.inf  # only a well-fed segment is split
            j = int(np.argmin(distance))
            if not np.isfinite(distance[j]) or j == k:
                continue
            cov = self.eff_cov[j]
            direction = toward[j]
            spread = cov @ direction
            shift = spread / np.sqrt(max(float(direction @ spread), 1e-12))  # one SD towards the prototype
            centre = self.eff_mean[j].copy()
            split_cov = cov - 0.6 * np.outer(shift, shift)
            for target, sign in ((k, 1.0), (j, -1.0)):
                self.mean[target] = centre + sign * shift
                self.scatter[target] = split_cov
                self.count[target] = self.count[j] / 2.0 if target == k else self.count[j]
                self.dim_weight[target] = self.dim_weight[j] / 2.0 if target == k else self.dim_weight[j]
                self.pair_weight[target] = self.pair_weight[j] / 2.0 if target == k else self.pair_weight[j]
            self.count[j] /= 2.0
            self.dim_weight[j] /= 2.0
            self.pair_weight[j] /= 2.0
            self._refresh(np.array([j, k]))

    def _fold_scale(self) -> None:
        self.count *= self.scale
        self.dim_weight *= self.scale
        self.pair_weight *= self.scale
        self.scale = 1.0
        self._refresh(np.arange(self.count.size))

    # -- state -----------------------------------------------------------------------------------------------
    _ARRAYS = (
        "count",
        "dim_weight",
        "pair_weight",
        "mean",
        "scatter",
        "eff_mean",
        "eff_cov",
        "eff_prec",
        "eff_logdet",
        "eff_std",
        "eff_log_weights",
    )

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {name: getattr(self, name).tolist() for name in self._ARRAYS}
        state["scale"] = self.scale
        state["learned"] = self.learned
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        loaded: dict[str, FloatArray] = {}
        for name in self._ARRAYS:
            current = getattr(self, name)
            value = np.asarray(state[name], dtype=np.float64)
            if value.shape != current.shape or not np.all(np.isfinite(value)):
                raise ValueError(f"state.mixture.{name}: malformed")
            loaded[name] = value
        scale = float(state["scale"])
        if not (0.0 < scale <= 1.0):
            raise ValueError("state.mixture.scale: malformed")
        for name, value in loaded.items():
            setattr(self, name, value)
        self.scale = scale
        self.learned = int(state["learned"])
        self.version += 1


def _positive_definite(cov: FloatArray) -> FloatArray:
    """Pairwise-observed statistics can be slightly indefinite; clip the eigenvalues of those that are."""
    repaired = cov.copy()
    for k in range(cov.shape[0]):
        try:
            np.linalg.cholesky(cov[k])
        except np.linalg.LinAlgError:
            values, vectors = np.linalg.eigh(cov[k])
            floor = float(VARIANCE_FLOOR.min())
            repaired[k] = (vectors * np.maximum(values, floor)) @ vectors.T
    return repaired
