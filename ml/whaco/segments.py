"""The five named customer segments: interpretable prototypes, and what the floor should do with each.

Each segment starts from a prototype written in customer units, so its identity means something from the
first customer on; learning then moves the statistics towards this dealership's real customers while the
name, id and playbook of the segment stay fixed. The prototype stays a weak prior: a segment that stops
receiving customers drifts back towards it instead of dying.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.whaco.features import DIM, FloatArray, standardise_profile

UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class Segment:
    name: str
    description: str
    approach: str
    priority: float  # 0..1, how much floor time this customer deserves right now
    prototype: dict[str, float]
    spread: float  # prior standard deviation around the prototype, in standardised units


SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "prime_buyer",
        "Strong credit and income, buying now",
        "Move quickly: show the vehicles they came for with the best available rate, keep the process short "
        "and aim to close today.",
        0.9,
        {"fico_score": 770, "annual_income": 115_000, "vehicle_price": 45_000, "down_payment_pct": 20,
         "trade_in_value": 12_000, "previous_visits": 1, "time_on_lot_minutes": 75, "engagement_score": 0.75,
         "deal_complexity": 0.25, "desired_term_months": 60, "payment_sensitivity": 0.25, "co_buyer": 0.3},
        0.8,
    ),
    Segment(
        "motivated_shopper",
        "Decent credit, highly engaged, ready to buy at the right payment",
        "Build rapport and focus on value: present a comfortable monthly payment, flexible terms and a "
        "clear path to drive home today.",
        0.8,
        {"fico_score": 690, "annual_income": 65_000, "vehicle_price": 30_000, "down_payment_pct": 10,
         "trade_in_value": 6_000, "previous_visits": 3, "time_on_lot_minutes": 120, "engagement_score": 0.85,
         "deal_complexity": 0.5, "desired_term_months": 72, "payment_sensitivity": 0.65, "co_buyer": 0.3},
        0.8,
    ),
    Segment(
        "tire_kicker",
        "Browsing, low engagement, short visits",
        "Keep the time investment low: answer questions, capture contact details and preferences, and "
        "schedule a follow-up.",
        0.25,
        {"fico_score": 670, "annual_income": 55_000, "vehicle_price": 28_000, "down_payment_pct": 5,
         "trade_in_value": 2_000, "previous_visits": 0, "time_on_lot_minutes": 20, "engagement_score": 0.15,
         "deal_complexity": 0.3, "desired_term_months": 66, "payment_sensitivity": 0.5, "co_buyer": 0.15},
        0.8,
    ),
    Segment(
        "credit_challenged",
        "Subprime credit, needs special financing",
        "Set realistic expectations early: go to subprime-capable lenders first, structure a larger down "
        "payment or a co-buyer, and keep the payment inside the lender's payment-to-income limit.",
        0.55,
        {"fico_score": 560, "annual_income": 40_000, "vehicle_price": 20_000, "down_payment_pct": 8,
         "trade_in_value": 2_500, "previous_visits": 2, "time_on_lot_minutes": 100, "engagement_score": 0.6,
         "deal_complexity": 0.8, "desired_term_months": 75, "payment_sensitivity": 0.85, "co_buyer": 0.4},
        0.8,
    ),
    Segment(
        "cash_strong",
        "Large down payment or cash, moderate credit, short term",
        "Lead with the out-the-door price and use their cash position: a short term or a cash deal, "
        "minimal payment talk.",
        0.75,
        {"fico_score": 720, "annual_income": 90_000, "vehicle_price": 35_000, "down_payment_pct": 45,
         "trade_in_value": 15_000, "previous_visits": 2, "time_on_lot_minutes": 60, "engagement_score": 0.6,
         "deal_complexity": 0.2, "desired_term_months": 36, "payment_sensitivity": 0.2, "co_buyer": 0.25},
        0.8,
    ),
)
NAMES: tuple[str, ...] = tuple(segment.name for segment in SEGMENTS)
COUNT = len(SEGMENTS)

UNASSIGNED_APPROACH = (
    "Not enough information yet: collect credit, budget, down payment and trade details before choosing "
    "an approach."
)
UNASSIGNED_PRIORITY = 0.5


def prototype_means() -> FloatArray:
    return np.stack([standardise_profile(segment.prototype) for segment in SEGMENTS])


def prototype_covariances() -> FloatArray:
    return np.stack([np.eye(DIM) * segment.spread**2 for segment in SEGMENTS])


def priority_label(priority: float) -> str:
    if priority >= 0.7:
        return "high"
    if priority >= 0.45:
        return "medium"
    return "low"
