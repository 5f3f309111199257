"""A seeded deal-desk environment with known success probabilities (demo data and evaluation).

Each strategy's true success probability depends on the deal: a larger down payment helps most when LTV is
high, extending the term when payment-to-income is high, working the rate for good credit on a high APR,
maximising the trade only when there is one with equity, a co-signer for subprime credit. ``change()``
returns the market after a lender policy change (co-signers refused, long terms penalised, rates down), to
test adaptation: the once-hopeless price reduction starts working (a manufacturer incentive), so an
engine that is sure of the old answer must notice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Market:
    cosigner_intercept: float = -0.8
    term_pti_weight: float = 1.0
    rate_intercept: float = -0.9
    price_intercept: float = -1.2

    def change(self) -> Market:
        return replace(
            self, cosigner_intercept=-2.2, term_pti_weight=-0.5, rate_intercept=-0.3, price_intercept=0.3
        )

    def probabilities(self, deal: dict[str, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """True success probability of each strategy, in ``STRATEGIES`` order, for this deal."""
        f = (deal["fico"] - 680.0) / 80.0
        sub = max(0.0, (620.0 - deal["fico"]) / 60.0)
        ltv = (deal["ltv_pct"] - 100.0) / 25.0
        pti = (deal["pti_pct"] - 12.0) / 6.0
        down = (deal["down_pct"] - 12.0) / 10.0
        has_trade = 1.0 if deal["has_trade"] else 0.0
        equity = (deal["trade_value"] - deal["trade_payoff"]) / 10_000.0 if deal["has_trade"] else 0.0
        term = (deal["term_months"] - 66.0) / 12.0
        apr = (deal["apr"] * 100.0 - 8.0) / 5.0
        logits = np.array(
            [
                -0.6 + 0.9 * ltv - 0.8 * down + 0.2 * f,  # high_down_payment
                -0.5 + self.term_pti_weight * pti - 0.9 * term,  # extend_term
                self.rate_intercept + 0.8 * f + 0.7 * apr,  # optimize_rate
                -1.4 + 2.0 * has_trade + 0.8 * equity,  # maximize_trade
                self.price_intercept + 0.6 * ltv,  # reduce_vehicle_price
                self.cosigner_intercept - 0.7 * f + 1.2 * sub,  # add_cosigner
                -0.1 + 0.0 * f,  # balanced_structure
            ]
        )
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)




def deal(rng: np.random.Generator) -> dict[str, Any]:
    fico = float(np.clip(rng.normal(680.0, 80.0), 450.0, 840.0))
    has_trade = bool(rng.random() < 0.5)
    trade_value = float(rng.lognormal(np.log(12_000.0), 0.5)) if has_trade else 0.0
    trade_payoff = float(trade_value * rng.uniform(0.0, 1.4)) if has_trade else 0.0
    apr = max(2.9, 22.0 - (fico - 500.0) * 0.05 + rng.normal(0.0, 1.5))
    return {
        "fico": fico,
        "ltv_pct": float(np.clip(rng.normal(105.0, 20.0), 60.0, 170.0)),
        "pti_pct": float(np.clip(rng.normal(12.0, 5.0), 2.0, 30.0)),
        "down_pct": float(np.clip(rng.gamma(2.0, 6.0), 0.0, 60.0)),
        "has_trade": has_trade,
        "trade_value": trade_value,
        "trade_payoff": trade_payoff,
        "term_months": float(rng.choice([48, 60, 72, 84])),
        "apr": apr / 100.0,
    }
