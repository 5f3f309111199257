"""Customer fields → one consistent feature scale for WHACO.

Every feature goes through a fixed, documented transform (log for money, counts and minutes, identity for
scores) and is then standardised with fixed reference values, so "one unit" means roughly one typical spread
across all customers for every feature, today and after a restart. The scale never moves with the data:
learned statistics stay comparable over time, and prototypes written in dollars and minutes land in the
same space as the customers.

Units: ``down_payment_pct`` is a percent (20 = 20 %); ``engagement_score``, ``deal_complexity`` and
``payment_sensitivity`` are scores in [0, 1], and because CRMs often keep such scores out of 100, a value
above 1 (up to 100) is read on that scale (85 = 0.85); ``desired_term_months`` in months; money in dollars.

Missing values stay missing (``observed`` is False); the only derived value is ``down_payment_pct`` from
``down_payment / vehicle_price`` when both are given, which is arithmetic on what the customer told us.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ml import validation

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _log_thousands(raw: float) -> float:
    return math.log1p(raw / 1000.0)


def _inv_log_thousands(value: float) -> float:
    return max(0.0, math.expm1(value) * 1000.0)


def _log1p(raw: float) -> float:
    return math.log1p(raw)


def _inv_log1p(value: float) -> float:
    return max(0.0, math.expm1(value))


def _identity(raw: float) -> float:
    return raw


@dataclass(frozen=True)
class Feature:
    """One model dimension: the customer field it reads, its valid range, and its fixed scale."""

    name: str
    minimum: float
    maximum: float
    center: float  # reference value on the transformed scale
    spread: float  # one typical spread on the transformed scale
    label: str  # what a salesperson calls it
    unit: str
    variance_floor: float = 0.02  # in standardised units²: no segment can become infinitely sure of a value
    integer: bool = False
    boolean: bool = False
    score: bool = False  # a [0, 1] score that may also arrive out of 100
    transform: Callable[[float], float] = _identity
    inverse: Callable[[float], float] = _identity

    def standardise(self, raw: float) -> float:
        return (self.transform(raw) - self.center) / self.spread

    def raw(self, standardised: float) -> float:
        value = self.inverse(standardised * self.spread + self.center)
        return min(self.maximum, max(self.minimum, value))


FEATURES: tuple[Feature, ...] = (
    Feature("fico_score", 300, 850, 680.0, 80.0, "FICO score", ""),
    Feature("annual_income", 0, 1e8, math.log1p(60.0), 0.6, "annual income", "$",
            transform=_log_thousands, inverse=_inv_log_thousands),
    Feature("vehicle_price", 0, 1e7, math.log1p(30.0), 0.45, "vehicle price", "$",
            transform=_log_thousands, inverse=_inv_log_thousands),
    Feature("down_payment_pct", 0, 100, 12.0, 10.0, "down payment", "%"),
    Feature("trade_in_value", 0, 1e7, 1.5, 1.2, "trade-in value", "$",
            transform=_log_thousands, inverse=_inv_log_thousands),
    Feature("previous_visits", 0, 10_000, 0.8, 0.6, "previous visits", "", integer=True,
            transform=_log1p, inverse=_inv_log1p),
    Feature("time_on_lot_minutes", 0, 10_080, 4.0, 0.8, "time on lot", "min",
            transform=_log1p, inverse=_inv_log1p),
    Feature("engagement_score", 0, 1, 0.5, 0.25, "engagement", "", score=True),
    Feature("deal_complexity", 0, 1, 0.5, 0.25, "deal complexity", "", score=True),
    Feature("desired_term_months", 0, 120, 66.0, 12.0, "desired term", "months"),
    Feature("payment_sensitivity", 0, 1, 0.5, 0.25, "payment sensitivity", "", score=True),
    # A yes/no feature: its floor keeps a segment with no co-buyers from calling every co-buyer absurd.
    Feature("co_buyer", 0, 1, 0.3, 0.5, "co-buyer", "", variance_floor=0.36, boolean=True),
)
NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}
DIM = len(FEATURES)
VARIANCE_FLOOR: FloatArray = np.array([feature.variance_floor for feature in FEATURES])


# How a dimension is read (plain strings: comparing them is cheaper than looking up enum members).
_NUMBER, _SCORE, _FLAG = "number", "score", "flag"  # a score is in [0, 1], or out of 100


def _kind(feature: Feature) -> str:
    return _FLAG if feature.boolean else _SCORE if feature.score else _NUMBER


# How each dimension is read, flattened once (the per-customer loop avoids attribute look-ups):
# (index, field, kind, minimum, maximum, integer, transform, center, spread); scores accept up to 100.
_READ = tuple(
    (
        i,
        feature.name,
        _kind(feature),
        0.0 if feature.score else feature.minimum,
        100.0 if feature.score else feature.maximum,
        feature.integer,
        feature.transform,
        feature.center,
        feature.spread,
    )
    for i, feature in enumerate(FEATURES)
)
# Read from the customer besides the model dimensions: the down payment in dollars (for the percent).
_MAX_DOWN_PAYMENT = 1e7
_PRICE = INDEX["vehicle_price"]
_DOWN_PCT = INDEX["down_payment_pct"]


class Encoded(NamedTuple):
    customer_id: str
    raw: list[float]  # customer values in their own units (NaN where missing)
    x: FloatArray  # standardised values (0.0 where missing, and ignored there)
    observed_index: tuple[int, ...]  # the dimensions the customer gave, in feature order
    missing_index: tuple[int, ...]  # the others

    @property
    def observed(self) -> BoolArray:
        mask = np.zeros(DIM, dtype=bool)
        mask[list(self.observed_index)] = True
        return mask


def encode(customer: object) -> Encoded:
    """Validate a customer mapping and put it on the model scale; raises ``FieldError`` naming the field."""
    data = validation.record(customer, "customer")
    customer_id = validation.identifier(data.get("customer_id"), "customer_id")
    get = data.get
    raw = [math.nan] * DIM  # NaN: not given
    for i, field, kind, minimum, maximum, integer, _, _, _ in _READ:
        value = get(field)
        if value is None:  # not known (the validators would return None too; this skips the call)
            continue
        if kind == _FLAG:
            raw[i] = float(bool(validation.flag(value, field)))
            continue
        number = validation.number(value, field, minimum=minimum, maximum=maximum, integer=integer)
        assert number is not None  # only None reads as None
        raw[i] = number / 100.0 if number > 1.0 and kind == _SCORE else number
    down = validation.number(get("down_payment"), "down_payment", minimum=0.0, maximum=_MAX_DOWN_PAYMENT)
    price = raw[_PRICE]
    pct = raw[_DOWN_PCT]
    if pct != pct and down is not None and price > 0:  # the percent is NaN (not given); NaN > 0 is False
        # A down payment above the price is a data-entry slip we cannot resolve; it still means "all of it".
        raw[_DOWN_PCT] = min(100.0, 100.0 * down / price)
    x = [0.0] * DIM
    observed: list[int] = []
    missing: list[int] = []
    for i, _, _, _, _, _, transform, center, spread in _READ:
        value = raw[i]
        if value != value:  # NaN
            missing.append(i)
        else:
            x[i] = (transform(value) - center) / spread  # Feature.standardise, without the method calls
            observed.append(i)
    return Encoded(customer_id, raw, np.array(x), tuple(observed), tuple(missing))


def standardise_profile(profile: Mapping[str, float]) -> FloatArray:
    """A complete profile in customer units (e.g. a segment prototype) on the model scale."""
    missing = [name for name in NAMES if name not in profile]
    if missing:
        raise ValueError(f"profile: missing {', '.join(missing)}")
    return np.array([feature.standardise(float(profile[feature.name])) for feature in FEATURES])
