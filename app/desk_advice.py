"""Advice for the desk from the ML engines: the customer's segment and the deal structure Prime favours.

Shown as advice, never applied: the salesperson decides. Engines are the dealership's saved ones
(``app.ml_engines``), loaded on first use; asking for advice never trains them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from app.ml_engines import load_prime, load_whaco, prime_context, whaco_record
from app.policy import Principal
from app.store.database import Store
from app.store.models import Customer

if TYPE_CHECKING:
    from ml.prime import Prime
    from ml.whaco import Whaco


@dataclass(frozen=True, slots=True)
class DeskAdvice:
    segment: str
    segment_confidence: float
    approach: str
    outlier: bool
    strategy: str
    expected_success: float
    interval: tuple[float, float]
    probability_best: float
    explanation: str

    def lines(self) -> tuple[str, str]:
        segment = self.segment.replace("_", " ")
        low, high = self.interval
        return (
            f"Customer looks like a {segment} ({self.segment_confidence:.0%} sure)"
            + (" — unusual profile, check the details" if self.outlier else "")
            + f". {self.approach}",
            f"Structure to try: {self.strategy.replace('_', ' ')} — works about {self.expected_success:.0%} "
            f"of the time on deals like this (90% likely {low:.0%}–{high:.0%}); "
            f"{self.probability_best:.0%} chance it is the best option.",
        )


def _number(text: object) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(Decimal(str(text).replace(",", "")))
    except (InvalidOperation, ValueError):
        return None


class DeskAdvisor:
    def __init__(self, store: Store, principal: Principal) -> None:
        self._store = store
        self._principal = principal
        self._whaco: Whaco | None = None
        self._prime: Prime | None = None

    def advise(
        self, customer: Customer, form: dict[str, str], finance_quote: dict[str, Any] | None
    ) -> DeskAdvice:
        if self._whaco is None:
            self._whaco = load_whaco(self._store, self._principal)
        if self._prime is None:
            self._prime = load_prime(self._store, self._principal)
        price = _number(form.get("vehicle.price"))
        down = _number(form.get("cash_down"))
        trade = _number(form.get("trade_ins[0].allowance"))
        term = _number(form.get("finance.term_months"))
        apr_percent = _number(form.get("finance.apr_percent"))
        finance = (finance_quote or {}).get("finance") or {}
        segment = self._whaco.predict_one(
            whaco_record(customer, price=price, down=down, trade_value=trade, term=term)
        )
        strategy = self._prime.recommend(
            prime_context(
                customer,
                price=price,
                down=down,
                trade_value=trade,
                trade_payoff=_number(form.get("trade_ins[0].payoff")),
                term=term,
                apr=apr_percent / 100 if apr_percent is not None else None,
                amount_financed=_number(finance.get("amount_financed")),
                monthly_payment=_number(finance.get("monthly_payment")),
            )
        )
        return DeskAdvice(
            segment=segment.segment,
            segment_confidence=float(segment.confidence),
            approach=segment.recommended_approach,
            outlier=bool(segment.is_outlier),
            strategy=strategy.strategy,
            expected_success=float(strategy.expected_success),
            interval=(float(strategy.interval[0]), float(strategy.interval[1])),
            probability_best=float(strategy.probability_best),
            explanation=strategy.explanation,
        )
