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

With about a dozen dimensions and five segments the cost of a customer is the number of numpy calls, not
arithmetic, so scoring works on all segments at once in the full feature space: missing fields get a zero
difference and are then eliminated from the cached precision matrices, one Schur complement step per field
(a few whole-array operations), so what remains is exactly the precision of the observed block; nothing is
sliced out and inverted per segment. Precomputing the precisions with each single field eliminated at every
refresh was tried: it costs more per refresh than it saves on the customers in between. The few
per-segment scalars (Student-t log-densities, posterior, robust gains) are handled as Python floats.

Assignment uses heavy-tailed (Student-t) densities so a customer far from every segment is not given a
false certainty; the outlier score uses the Gaussian Mahalanobis distance, whose chi-square law on the
observed dimensions gives the calibrated p-value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ml import special_functions as special
from ml.whaco.features import VARIANCE_FLOOR, FloatArray

IntArray = npt.NDArray[np.intp]
_RESCALE_BELOW = 1e-150  # fold the global decay scale into the weights before it underflows
_MASK_PATTERNS = 256  # missing-field patterns whose masks are kept
# Up to this many missing fields are eliminated one by one; beyond, one batched solve is fewer numpy calls.
_ELIMINATE_UP_TO = 3


class Assessment(NamedTuple):
    """One customer scored against every segment on its observed dimensions (full-width arrays).

    The arrays are snapshots: learning afterwards replaces the mixture's cached parameters, never edits these.
    """

    responsibilities: list[float]  # (K,) posterior probability of each segment
    mahalanobis_sq: list[float]  # (K,) squared Mahalanobis distance on the observed dims
    diff: FloatArray  # (K, D) customer minus segment mean; 0 on the missing dims
    whitened: FloatArray  # (K, D) observed-block precision · diff; (numerically) 0 on the missing dims
    std: FloatArray  # (K, D) segment standard deviation per dim
    observed_index: tuple[int, ...]


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
        # Weights in undecayed units: the true weight is the stored one times ``scale``. A feature's own
        # weight is the pair weight of (feature, feature): both learn from exactly the same customers.
        self.scale = 1.0
        self.count = np.zeros(k)
        self.pair_weight = np.zeros((k, d, d))
        self.mean = self.prior_mean.copy()
        self.scatter = np.zeros((k, d, d))
        self.learned = 0
        self._diag = np.arange(d)
        self._ones = np.ones(d)
        self._cutoffs: dict[int, float] = {}
        self._mask_cache: dict[tuple[int, ...], tuple[FloatArray, FloatArray]] = {}
        # Cached scoring parameters.
        self.eff_mean = np.zeros((k, d))
        self.eff_cov = np.zeros((k, d, d))
        self.eff_prec = np.zeros((k, d, d))
        self.eff_logdet = np.zeros(k)
        self.eff_std = np.zeros((k, d))
        self.eff_log_weights = np.zeros(k)
        self._log_prior_density: list[float] = []  # log weight - ½ log|Σ| per segment, full dimension
        self.version = 0  # bumped whenever the cached scoring parameters change
        self._refresh()

    @property
    def dim_weight(self) -> FloatArray:
        """Per segment and feature, the (undecayed) weight of the customers that gave the feature."""
        return np.asarray(self.pair_weight[:, self._diag, self._diag], dtype=np.float64)

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

    def _refresh(self, ks: IntArray | None = None) -> None:
        """Recompute the shrunk mean and covariance (and its inverse) of segments ``ks`` (default: all).

        The cached arrays are replaced, not edited, so an ``Assessment`` taken before stays as it was.
        """
        kappa_m, kappa_c = self.config.kappa_mean, self.config.kappa_cov
        rows = slice(None) if ks is None else ks  # a slice takes views, not copies
        pair_weight = self.pair_weight[rows] * self.scale
        dim_weight = pair_weight[:, self._diag, self._diag]
        weighted_mean = dim_weight * self.mean[rows] + kappa_m * self.prior_mean[rows]
        cov = (pair_weight * self.scatter[rows] + kappa_c * self.prior_cov[rows]) / (pair_weight + kappa_c)
        diag = cov[:, self._diag, self._diag]
        cov[:, self._diag, self._diag] = np.maximum(diag, VARIANCE_FLOOR)
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            cov = _positive_definite(cov)
            chol = np.linalg.cholesky(cov)
        fresh = {
            "eff_mean": weighted_mean / (dim_weight + kappa_m),
            "eff_cov": cov,
            "eff_prec": np.linalg.inv(cov),
            "eff_logdet": 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1),
            "eff_std": np.sqrt(np.diagonal(cov, axis1=1, axis2=2)),
        }
        for name, value in fresh.items():
            if ks is not None:
                merged = getattr(self, name).copy()
                merged[ks] = value
                value = merged
            setattr(self, name, value)
        self.eff_log_weights = self.log_weights()
        self._derive()

    def _derive(self) -> None:
        """Per-segment constants of the score, from the cached parameters (also run after a load)."""
        self._log_prior_density = (self.eff_log_weights - 0.5 * self.eff_logdet).tolist()
        self.version += 1

    # -- scoring ---------------------------------------------------------------------------------------------
    def assess(self, x: FloatArray, observed: tuple[int, ...], missing: tuple[int, ...]) -> Assessment:
        """Score ``x`` (standardised, any value on the ``missing`` dims) against every segment."""
        prec = self.eff_prec
        diff = x - self.eff_mean
        if missing:
            diff[:, missing] = 0.0
        whitened = np.matmul(prec, diff[:, :, None])[:, :, 0]
        base = self._log_prior_density
        if missing:
            # The observed block's precision is the Schur complement of the missing block in the cached
            # precision, P_oo - P_om P_mm⁻¹ P_mo, and log|Σ_oo| = log|Σ| + log|P_mm|. Since diff is 0 on the
            # missing dims, P·diff already holds P_oo·diff_o (observed rows) and P_mo·diff_o (missing rows).
            if len(missing) <= _ELIMINATE_UP_TO:
                whitened, log_det_mm = _eliminate(prec, whitened, missing)
            else:
                columns = list(missing)
                p_m = prec[:, :, columns]  # (K, D, m)
                p_mm = p_m[:, columns, :]
                solved = np.linalg.solve(p_mm, whitened[:, columns, None])
                whitened = whitened - np.matmul(p_m, solved)[:, :, 0]
                log_det_mm = np.linalg.slogdet(p_mm)[1]
            base = [b - 0.5 * extra for b, extra in zip(base, log_det_mm.tolist(), strict=True)]
        maha = ((diff * whitened) @ self._ones).tolist()
        # Student-t log-densities and the posterior over five segments: cheaper as floats than as arrays.
        nu = self.config.tail_dof
        half_dof = 0.5 * (nu + len(observed))
        log1p, exp = math.log1p, math.exp
        logits = [b - half_dof * log1p(q / nu) for b, q in zip(base, maha, strict=True)]
        top = max(logits)
        weights = [exp(value - top) for value in logits]
        total = sum(weights)
        resp = [w / total for w in weights]
        return Assessment(resp, maha, diff, whitened, self.eff_std, observed)

    # -- learning --------------------------------------------------------------------------------------------
    def update(self, x: FloatArray, missing: tuple[int, ...], assessment: Assessment) -> None:
        p = len(assessment.observed_index)
        cutoff = self._cutoffs.get(p)
        if cutoff is None:
            cutoff = self._cutoffs[p] = float(special.chdtri(p, self.config.robust_alpha))
        self.scale *= self.config.decay
        self.learned += 1
        min_gain = self.config.min_gain
        mask = pair = None
        if missing:
            mask, pair = self._masks(missing)
        scores = zip(assessment.responsibilities, assessment.mahalanobis_sq, strict=True)
        for k, (resp, maha) in enumerate(scores):
            gain = resp * min(1.0, cutoff / max(maha, 1e-12))  # Huber-type: far points pull less
            if gain < min_gain:  # usually all but one segment
                continue
            # Stored in undecayed units, so only the segments that learn are touched.
            g = gain / self.scale
            self.count[k] += g
            pair_weight = self.pair_weight[k]
            if mask is None or pair is None:
                pair_weight += g
                g_pair = g / pair_weight
                delta = x - self.mean[k]
            else:
                pair_weight += g * pair
                # Unobserved fields get zero gain (a never-observed weight of 0 gives 0 / tiny).
                g_pair = g * pair / np.maximum(pair_weight, 1e-300)
                delta = (x - self.mean[k]) * mask
            # Exponentially weighted covariance update, C' = (1 - g)(C + g δδᵀ), per feature pair.
            scatter = self.scatter[k]
            scatter += g_pair * np.multiply.outer(delta, delta)
            scatter *= 1.0 - g_pair
            self.mean[k] += g_pair.diagonal() * delta  # a feature's gain is its (feature, feature) pair's
        if self.scale < _RESCALE_BELOW:
            self._fold_scale()
        if self.learned % self.config.revive_every == 0:
            self._revive()
        if self.learned % self.config.refresh_every == 0:
            self._refresh()

    def _masks(self, missing: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
        """1 for the observed fields and for the pairs of observed fields (read-only; few patterns recur)."""
        cached = self._mask_cache.get(missing)
        if cached is None:
            if len(self._mask_cache) >= _MASK_PATTERNS:
                self._mask_cache.clear()
            mask = np.ones(self._diag.size)
            mask[list(missing)] = 0.0
            cached = self._mask_cache[missing] = (mask, np.multiply.outer(mask, mask))
        return cached

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
                self.pair_weight[target] = self.pair_weight[j] / 2.0 if target == k else self.pair_weight[j]
            self.count[j] /= 2.0
            self.pair_weight[j] /= 2.0
            self._refresh(np.array([j, k]))

    def _fold_scale(self) -> None:
        self.count *= self.scale
        self.pair_weight *= self.scale
        self.scale = 1.0
        self._refresh()

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
        # ``dim_weight`` is written for readers of the saved format; it is the diagonal of ``pair_weight``.
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
        del loaded["dim_weight"]  # derived from pair_weight (this code always kept the two equal)
        for name, value in loaded.items():
            setattr(self, name, value)
        self.scale = scale
        self.learned = int(state["learned"])
        self._derive()


def _eliminate(
    prec: FloatArray, whitened: FloatArray, missing: tuple[int, ...]
) -> tuple[FloatArray, FloatArray]:
    """Eliminate the ``missing`` dims from ``whitened = P·diff`` (diff 0 there), one Schur step each.

    Returns the observed-block precision times diff (full width) and log|P_mm| per segment (the product of
    the elimination pivots).
    """
    columns: list[tuple[FloatArray, FloatArray]] = []
    pivots: FloatArray | None = None
    for j in missing:
        column = prec[:, :, j]
        for earlier, pivot in columns:  # column j of the precision after the earlier eliminations
            column = column - earlier * (earlier[:, j] / pivot)[:, None]
        pivot = column[:, j]
        whitened = whitened - column * (whitened[:, j] / pivot)[:, None]
        columns.append((column, pivot))
        pivots = pivot if pivots is None else pivots * pivot
    assert pivots is not None
    return whitened, np.log(pivots)


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
