"""Bayesian logistic regression per strategy, updated online by a Laplace approximation, with forgetting.

For each strategy the weights have a Gaussian posterior N(mean, precision⁻¹) over the deal features.
An outcome (x, y) is folded in exactly as the Laplace approximation of "Gaussian prior × one logistic
likelihood" prescribes: the mode lies on the line mean + Σx·t, so it is a one-dimensional Newton solve,
and the precision gains p(1-p)·x xᵀ at the mode.

Forgetting: before each outcome every strategy's precision is pulled towards the prior,
P ← γ P + (1 − γ) P₀. Old evidence therefore fades with a memory of about 1/(1 − γ) outcomes, uncertainty
grows back for strategies nobody has tried lately, and the model follows lenders that change behaviour.
Without any outcomes a strategy is exactly the prior: success 50 % with a wide interval, never 100 %.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def prior_precision(dim: int, intercept_sd: float = 1.0, weight_sd: float = 0.5) -> FloatArray:
    sd = np.full(dim, weight_sd)
    sd[0] = intercept_sd
    return np.asarray(np.diag(1.0 / sd**2), dtype=np.float64)


class StrategyPosteriors:
    def __init__(self, count: int, dim: int, memory: float) -> None:
        self.prior = prior_precision(dim)
        self.decay = 1.0 - 1.0 / memory
        self.mean = np.zeros((count, dim))
        self.precision = np.repeat(self.prior[None], count, axis=0)
        self.evidence = np.zeros(count)  # decayed number of outcomes per strategy
        self._refresh()

    def add_strategy(self) -> None:
        dim = self.prior.shape[0]
        self.mean = np.vstack([self.mean, np.zeros((1, dim))])
        self.precision = np.concatenate([self.precision, self.prior[None]], axis=0)
        self.evidence = np.append(self.evidence, 0.0)
        self._refresh()

    def logit_moments(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and variance of each strategy's logit at context x."""
        mu = self.mean @ x
        var = np.einsum("i,sij,j->s", x, self.covariance, x)
        return mu, np.maximum(var, 1e-12)

    def observe(self, strategy: int, x: FloatArray, success: bool) -> None:
        self.precision = self.decay * self.precision + (1.0 - self.decay) * self.prior[None]
        self.evidence *= self.decay
        self.evidence[strategy] += 1.0
        cov = np.linalg.inv(self.precision[strategy])
        m = self.mean[strategy]
        sx = cov @ x
        a = float(m @ x)
        v = float(x @ sx)
        y = 1.0 if success else 0.0
        eta = a
        for _ in range(50):  # Newton on η = a + v (y − σ(η)); converges in a handful of steps
            p = _sigmoid(eta)
            step = (eta - a - v * (y - p)) / (1.0 + v * p * (1.0 - p))
            eta -= step
            if abs(step) < 1e-12:
                break
        p = _sigmoid(eta)
        self.mean[strategy] = m + sx * (y - p)
        self.precision[strategy] = self.precision[strategy] + p * (1.0 - p) * np.outer(x, x)
        self._refresh()

    def _refresh(self) -> None:
        # Covariances are derived (never stored), so a loaded engine computes exactly the same ones.
        self.covariance = np.linalg.inv(self.precision)

    def to_state(self) -> dict[str, Any]:
        return {
            "mean": self.mean.tolist(),
            "precision": self.precision.tolist(),
            "evidence": self.evidence.tolist(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        count, dim = self.mean.shape
        mean = np.asarray(state["mean"], dtype=np.float64)
        precision = np.asarray(state["precision"], dtype=np.float64)
        evidence = np.asarray(state["evidence"], dtype=np.float64)
        if mean.shape != (count, dim) or precision.shape != (count, dim, dim) or evidence.shape != (count,):
            raise ValueError("state.posteriors: shapes do not match the strategies")
        if not all(np.all(np.isfinite(array)) for array in (mean, precision, evidence)):
            raise ValueError("state.posteriors: non-finite values")
        self.mean, self.precision, self.evidence = mean, precision, evidence
        self._refresh()


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)
