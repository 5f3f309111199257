"""Measured rep performance, shrunk towards priors so a handful of leads cannot swing a decision.

Close rate: Beta-Binomial. The prior is the manager's entered skill worth ``strength`` pseudo-leads, so a new
rep starts at the entered figure and measured outcomes take over as they accumulate.
Service time: the mean is shrunk towards the team mean (itself shrunk towards a configured default) with a
weight of a few pseudo-leads, the usual normal-normal partial pooling.
Patience (how long a waiting customer stays): exponential with a Gamma prior on the hazard; the posterior mean
patience is (prior minutes · prior losses + total minutes customers spent waiting) / (prior losses + losses).
"""

from __future__ import annotations

from ml.special_functions import betaincinv

SKILL_FLOOR = 0.01  # a 0 or 1 entered skill would make the prior improper / unmovable


def close_rate_prior(skill: float, strength: float) -> tuple[float, float]:
    clipped = min(max(skill, SKILL_FLOOR), 1.0 - SKILL_FLOOR)
    return clipped * strength, (1.0 - clipped) * strength


def close_rate_posterior(skill: float, strength: float, wins: int, losses: int) -> tuple[float, float]:
    alpha, beta = close_rate_prior(skill, strength)
    return alpha + wins, beta + losses


def measured_interval(wins: int, losses: int, level: float) -> tuple[float, float, float]:
    """(mean, low, high) of the close rate from outcomes alone (uniform prior): what mentoring may rely on."""
    alpha, beta = 1.0 + wins, 1.0 + losses
    tail = (1.0 - level) / 2.0
    low = float(betaincinv(alpha, beta, tail))
    high = float(betaincinv(alpha, beta, 1.0 - tail))
    return alpha / (alpha + beta), low, high


def shrunk_mean(total: float, count: int, prior_mean: float, prior_weight: float) -> float:
    return (prior_weight * prior_mean + total) / (prior_weight + count)


def patience_minutes(exposure: float, losses: int, prior_minutes: float, prior_losses: float) -> float:
    return (prior_minutes * prior_losses + exposure) / (prior_losses + losses)
