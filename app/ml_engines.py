"""The dealership's ML engines as the app uses them: loaded from ``ml_state``, fed from its records.

One place builds WHACO's customer record and Prime's deal context from the store's customers and the
desk's numbers, so the desk's hints and the assistant's answers see the same inputs. An engine is the
dealership's saved one when there is one, else a fresh engine with a fixed seed; reading advice never
trains an engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.policy import Principal
from app.store.database import Actor, Store
from app.store.models import Customer, MlState

if TYPE_CHECKING:  # the engines pull in SciPy: imported when first used, not when the app starts
    from ml.prime import Prime
    from ml.whaco import Whaco

WHACO = "whaco"
PRIME = "prime"
TEAM = "oscillator.team"
ENGINE_SEED = 7


def saved_state(store: Store, principal: Principal, engine: str) -> dict[str, Any] | None:
    actor = Actor(principal.tenant_id, principal.user_id, store.device_id)
    with store.session(actor, capture_changes=False) as session:
        row = session.scalars(
            select(MlState).where(MlState.engine == engine).order_by(MlState.saved_at.desc()).limit(1)
        ).first()
        return dict(row.state) if row is not None else None


def load_whaco(store: Store, principal: Principal) -> Whaco:
    from ml.whaco import Whaco

    state = saved_state(store, principal, WHACO)
    return Whaco.from_state(state) if state else Whaco(seed=ENGINE_SEED)


def load_prime(store: Store, principal: Principal) -> Prime:
    from ml.prime import Prime

    state = saved_state(store, principal, PRIME)
    return Prime.from_state(state) if state else Prime(seed=ENGINE_SEED)


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def whaco_record(
    customer: Customer,
    *,
    price: float | None = None,
    down: float | None = None,
    trade_value: float | None = None,
    term: float | None = None,
) -> dict[str, Any]:
    """WHACO's customer fields from the profile and, when a deal is being worked, its numbers."""
    return _present(
        {
            "customer_id": customer.id,
            "fico_score": customer.credit_score,
            "annual_income": float(customer.annual_income) if customer.annual_income is not None else None,
            "vehicle_price": price,
            "down_payment": down,
            "down_payment_pct": (100 * down / price) if price and down is not None else None,
            "trade_in_value": trade_value,
            "desired_term_months": term,
        }
    )


def prime_context(
    customer: Customer,
    *,
    price: float | None = None,
    down: float | None = None,
    trade_value: float | None = None,
    trade_payoff: float | None = None,
    term: float | None = None,
    apr: float | None = None,
    amount_financed: float | None = None,
    monthly_payment: float | None = None,
) -> dict[str, Any]:
    """Prime's deal context: the customer's credit and income with the structure on the desk."""
    income = float(customer.annual_income) if customer.annual_income is not None else None
    monthly_income = income / 12 if income else None
    return _present(
        {
            "fico": customer.credit_score,
            "vehicle_price": price,
            "down_payment": down,
            "down_pct": (100 * down / price) if price and down is not None else None,
            "has_trade": trade_value is not None,
            "trade_value": trade_value,
            "trade_payoff": trade_payoff,
            "term_months": term,
            "monthly_income": monthly_income,
            "apr": apr,
            "amount_financed": amount_financed,
            "ltv_pct": (100 * amount_financed / price) if price and amount_financed else None,
            "monthly_payment": monthly_payment,
            "pti_pct": (100 * monthly_payment / monthly_income)
            if monthly_payment and monthly_income
            else None,
        }
    )
