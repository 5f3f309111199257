"""Solve the Appendix J general equation for the unit-period rate, in Decimal.

The general equation of 12 CFR 1026 Appendix J (b)(8), for one advance at the start of the term::

    A = Σ  P_k / ((1 + f_k·i) · (1 + i)^t_k)

``t_k`` full unit-periods and ``f_k`` fraction of a unit-period from the start of the term to payment
``k`` (see :mod:`calc.finance.unit_period`). The right side falls strictly as ``i`` grows, so the root is
unique. We run Newton's method in ``Decimal`` under a local context of 40 significant digits (no floats
anywhere, so the result is the same on every machine) and fall back to bisection whenever a Newton step
leaves the bracket that is known to hold the root. Iteration stops when a step moves the rate by less
than 1e-22 per unit-period, far below the 1e-8 percentage-point accuracy promised for the APR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

PRECISION = 40
_STEP_TOLERANCE = Decimal("1e-22")
_MAX_ITERATIONS = 200
_ONE = Decimal(1)
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Flow:
    """One payment of the general equation: ``amount`` after ``whole`` unit-periods and ``fraction``."""

    amount: Decimal
    whole: int
    fraction: Decimal


def present_value(flows: Sequence[Flow], rate: Decimal) -> tuple[Decimal, Decimal]:
    """Σ discounted payments at ``rate`` and its derivative with respect to ``rate``.

    Flows must be sorted by ``whole`` so powers of the discount factor are built by multiplication.
    """
    growth = _ONE + rate
    discount = _ONE / growth
    power = _ONE
    exponent = 0
    value = _ZERO
    slope = _ZERO
    for flow in flows:
        step = flow.whole - exponent
        if step == 1:
            power *= discount
        elif step:
            power *= discount**step
        exponent = flow.whole
        simple = _ONE + flow.fraction * rate
        term = flow.amount * power / simple
        value += term
        slope -= term * (flow.fraction / simple + flow.whole / growth)
    return value, slope


def solve_rate(amount: Decimal, flows: Sequence[Flow]) -> Decimal:
    """The unit-period rate ``i`` at which the payments' present value equals ``amount``.

    Raises ``ValueError`` when the payments total no more than the amount (no positive rate exists;
    a zero finance charge gives exactly 0).
    """
    ordered = sorted(flows, key=lambda f: f.whole)
    total = sum((f.amount for f in ordered), _ZERO)
    if total == amount:
        return _ZERO
    if total < amount:
        raise ValueError("payments total less than the amount financed")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        low, high = _ZERO, _ONE
        # Grow the bracket until the present value drops below the amount (rates above 100 % a period
        # only occur in deliberately absurd schedules, but they must still terminate).
        while present_value(ordered, high)[0] > amount:
            low, high = high, high * 2
            if high > Decimal(1_000_000):
                raise ValueError("no rate below 100,000,000 % per period balances these payments")
        rate = _first_guess(amount, ordered, total, high)
        for _ in range(_MAX_ITERATIONS):
            value, slope = present_value(ordered, rate)
            gap = value - amount
            if gap > 0:
                low = max(low, rate)
            else:
                high = min(high, rate)
            candidate = rate - gap / slope if slope else (low + high) / 2
            if not low < candidate < high:
                candidate = (low + high) / 2
            if abs(candidate - rate) < _STEP_TOLERANCE:
                rate = candidate
                break
            rate = candidate
    return rate


def _first_guess(amount: Decimal, flows: Sequence[Flow], total: Decimal, high: Decimal) -> Decimal:
    """Simple-interest estimate: finance charge over the payment-weighted time outstanding."""
    weighted = sum((f.amount * (f.whole + f.fraction) for f in flows), _ZERO)
    if weighted <= 0:
        return high / 2
    guess = (total - amount) / (weighted / total) / amount
    return min(guess, high / 2)
