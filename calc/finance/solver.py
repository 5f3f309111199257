"""Solve the Appendix J general equation for the unit-period rate, in Decimal.

The general equation of 12 CFR 1026 Appendix J (b)(8), for one advance at the start of the term::

    A = Σ  P_k / ((1 + f_k·i) · (1 + i)^t_k)

``t_k`` full unit-periods and ``f_k`` fraction of a unit-period from the start of the term to payment
``k`` (see :mod:`calc.finance.unit_period`). The right side falls strictly as ``i`` grows, so the root is
unique.

Payments come in *runs*: ``count`` equal payments ``step`` unit-periods apart sharing one fraction (a
regular stream). A run's sum is a geometric series, so its value and slope take a handful of Decimal
operations whatever its length; a loan of 84 payments costs as much as one of 12.

We run Newton's method in ``Decimal`` under a local context of 38 significant digits (no floats, so the
result is the same on every machine) and fall back to bisection whenever a Newton step leaves the
bracket known to hold the root. Iteration stops when a step moves the rate by less than 1e-22 per
unit-period (or a Newton step falls under 1e-13, after which quadratic convergence leaves an error
near 1e-26), far below the 1e-8 percentage-point accuracy promised for the APR.

:func:`level_loan_rate` solves the same equation in binary floating point for the one schedule a
quote has (level payments and a final payment after a first period of ``t`` months and ``f``), where
the equation has a closed form. An APR is disclosed to 1/100 of a percentage point (and tolerated to
1/8 point, 1026.22(a)(2)); a double carries 15-16 significant digits, so the disclosed rate (and the six
decimals the quote's ``apr`` shows) come out the same, at a small fraction of the cost. Money never
goes through a float: payments, amount financed and finance charge stay ``Decimal``; only the *rate*
is a float. ``1 - v^n`` and ``1 - v`` come from ``expm1``/``log1p`` so they keep full precision for
rates near zero, where they would cancel. :func:`reg_z_apr` (the ``apr`` command, the figure an
auditor checks to ten decimals, any schedule) keeps the Decimal solver; tests hold the two within
1e-13 of each other in APR, and run the Appendix J examples through both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal, localcontext
from typing import Final

from calc.model import Record

PRECISION: Final = 38  # two 19-digit words in libmpdec: ten digits more than 28 at no extra cost
_STEP_TOLERANCE: Final = Decimal("1e-22")
_NEWTON_FINAL_STEP: Final = Decimal("1e-13")
# Below this distance from 1 the closed-form geometric sums lose too many digits; sum term by term.
_SERIES_CUTOFF: Final = Decimal("1e-12")
_MAX_ITERATIONS: Final = 200
_ONE: Final = Decimal(1)
_ZERO: Final = Decimal(0)
_TWO: Final = Decimal(2)


class Run(Record):
    """``count`` payments of ``amount``: the first after ``whole`` unit-periods and ``fraction``, the
    others ``step`` whole unit-periods apart (same fraction)."""

    amount: Final[Decimal]
    whole: Final[int]
    fraction: Final[Decimal]
    count: Final[int]
    step: Final[int]

    __match_args__ = ("amount", "whole", "fraction", "count", "step")

    def __init__(self, amount: Decimal, whole: int, fraction: Decimal, count: int = 1, step: int = 0) -> None:
        self.amount = amount
        self.whole = whole
        self.fraction = fraction
        self.count = count
        self.step = step

    @property
    def total(self) -> Decimal:
        return self.amount * self.count

    @property
    def weighted_time(self) -> Decimal:
        """Σ amount × time of each payment (for the first guess)."""
        mean_time = self.whole + self.fraction + Decimal(self.step * (self.count - 1)) / _TWO
        return self.total * mean_time


def _power(base: Decimal, exponent: int) -> Decimal:
    """``base ** exponent``, skipping the general power routine for the common 0 and 1."""
    if exponent == 1:
        return base
    if exponent == 0:
        return _ONE
    return base**exponent


def _run_sums(run: Run, rate: Decimal, discount: Decimal) -> tuple[Decimal, Decimal]:
    """Σ v^t and Σ t·v^t over the run's payment times t (v = 1 / (1 + i))."""
    n = run.count
    start = _power(discount, run.whole)
    if n == 1:
        return start, run.whole * start
    ratio = _power(discount, run.step)
    gap = _ONE - ratio
    if abs(gap) < _SERIES_CUTOFF:
        plain = _ZERO
        timed = _ZERO
        power = start
        for k in range(n):
            plain += power
            timed += (run.whole + k * run.step) * power
            power *= ratio
        return plain, timed
    ratio_n = ratio**n
    geometric = (_ONE - ratio_n) / gap  # Σ_k ratio^k
    # Σ_k k·ratio^k = ratio (1 − n ratio^(n−1) + (n−1) ratio^n) / (1 − ratio)²
    indexed = (ratio - n * ratio_n + (n - 1) * ratio_n * ratio) / (gap * gap)
    return start * geometric, start * (run.whole * geometric + run.step * indexed)


def present_value(runs: Sequence[Run], rate: Decimal) -> tuple[Decimal, Decimal]:
    """Σ discounted payments at ``rate`` and its derivative with respect to ``rate``."""
    growth = _ONE + rate
    discount = _ONE / growth
    value = _ZERO
    slope = _ZERO
    for run in runs:
        plain, timed = _run_sums(run, rate, discount)
        simple = _ONE + run.fraction * rate
        scaled = run.amount / simple
        value += scaled * plain
        slope -= scaled * (run.fraction / simple * plain + timed / growth)
    return value, slope


def solve_rate(amount: Decimal, runs: Sequence[Run], guess: Decimal | None = None) -> Decimal:
    """The unit-period rate ``i`` at which the payments' present value equals ``amount``.

    ``guess`` (e.g. the note rate a payment was priced at) only speeds convergence. Raises
    ``ValueError`` when the payments total less than the amount (a zero finance charge gives 0).
    The present value is convex and falling in ``i``, so Newton steps from below the root stay below
    it; a step that leaves the known bracket is replaced by bisection (the upper end of the bracket is
    only searched for when a bisection needs it).
    """
    total = sum((r.total for r in runs), _ZERO)
    if total == amount:
        return _ZERO
    if total < amount:
        raise ValueError("payments total less than the amount financed")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        low = _ZERO
        high: Decimal | None = None
        rate = guess if guess is not None and guess > 0 else _first_guess(amount, runs, total)
        for _ in range(_MAX_ITERATIONS):
            value, slope = present_value(runs, rate)
            gap = value - amount
            if gap > 0:
                low = max(low, rate)
            else:
                high = rate if high is None else min(high, rate)
            candidate = rate - gap / slope if slope else low
            newton = low < candidate and (high is None or candidate < high)
            if not newton:
                if high is None:
                    high = _upper_bound(amount, runs, low)
                candidate = (low + high) / 2
            step = abs(candidate - rate)
            rate = candidate
            # Newton converges quadratically: after a step of 1e-13 the error is ~1e-26 × (term
            # length), already under the tolerance, so one more evaluation would change nothing.
            if step < _STEP_TOLERANCE or (newton and step < _NEWTON_FINAL_STEP):
                break
    return rate


def _upper_bound(amount: Decimal, runs: Sequence[Run], low: Decimal) -> Decimal:
    """A rate whose present value is below the amount (rates above 100 % a period only occur in
    deliberately absurd schedules, but the search must still end)."""
    high = max(low * 2, _ONE)
    while present_value(runs, high)[0] > amount:
        high *= 2
        if high > Decimal(1_000_000):
            raise ValueError("no rate below 100,000,000 % per period balances these payments")
    return high


def _first_guess(amount: Decimal, runs: Sequence[Run], total: Decimal) -> Decimal:
    """Simple-interest estimate: finance charge over the payment-weighted time outstanding."""
    weighted = sum((r.weighted_time for r in runs), _ZERO)
    if weighted <= 0:
        return _ONE
    return (total - amount) / (weighted / total) / amount


# ------------------------------------------------------------------------------------- binary floating point

_FLOAT_ITERATIONS: Final = 100
_FLOAT_NEWTON_FINAL: Final = 1e-8  # relative Newton step after which the error is ~1e-19 of the rate
_FLOAT_SLOW_SUM: Final = 1e-6  # below this rate the closed-form slope cancels; sum its terms instead


def _float_rate(rate: float) -> Decimal:
    """The solved rate as a Decimal to 1e-18: a double's sixteen digits of a monthly rate, where the APR
    is disclosed to 1e-4. Scaled through an integer, because the float's shortest repr costs more than
    the whole solve."""
    return Decimal(round(rate * 1e18)).scaleb(-18)


def level_loan_rate(
    amount: Decimal,
    payment: Decimal,
    count: int,
    final: Decimal,
    whole: int,
    fraction: Decimal,
    guess: Decimal,
) -> Decimal:
    """Unit-period rate of a loan repaid by ``count`` - 1 level payments and a final one, the first
    ``whole`` periods and ``fraction`` after the advance, the rest one period apart; in floats.

    The schedule is regular, so the general equation has a closed form. With ``v = 1/(1 + i)`` and
    ``m = count - 1``::

        A = v^whole (payment (1 - v^m) / (1 - v) + final v^m) / (1 + fraction i)

    ``1 - v^m`` and ``1 - v`` come from ``expm1``/``log1p`` so they keep full precision for rates near
    zero. Newton's method from ``guess`` (the note rate) with the known bracket as a safeguard.
    """
    target = float(amount)
    total = payment * (count - 1) + final
    if total == amount:
        return _ZERO
    if total < amount:
        raise ValueError("payments total less than the amount financed")
    level, last, m, f = float(payment), float(final), count - 1, float(fraction)
    rate = float(guess) if guess > 0 else float(total - amount) / target / max(count / 2, 1)
    low, high = 0.0, math.inf
    for _ in range(_FLOAT_ITERATIONS):
        growth = 1.0 + rate
        log_growth = math.log1p(rate)
        start = math.exp(-whole * log_growth)
        v_m = math.exp(-m * log_growth)
        if m == 0:
            geometric = indexed = 0.0
        else:
            geometric = math.expm1(-m * log_growth) / math.expm1(-log_growth)  # sum of v^k, k < m
            if rate > _FLOAT_SLOW_SUM:  # sum of k v^k, k < m (slope only: Newton needs no exact slope)
                v = 1.0 / growth
                indexed = v * (1.0 - m * v_m / v + (m - 1) * v_m) / ((1.0 - v) * (1.0 - v))
            else:
                indexed = m * (m - 1) / 2.0
        simple = 1.0 + f * rate
        inner = level * geometric + last * v_m
        value = start * inner / simple
        slope = (
            -value * (whole / growth + f / simple)
            - start / simple * (level * indexed + last * m * v_m) / growth
        )
        gap = value - target
        if gap > 0:
            low = max(low, rate)
        else:
            high = min(high, rate)
        candidate = rate - gap / slope if slope else low
        if low < candidate < high:
            if abs(candidate - rate) <= _FLOAT_NEWTON_FINAL * candidate:
                return _float_rate(candidate)
        else:
            candidate = (low + high) / 2 if high < math.inf else max(2 * low, 2 * rate, 1e-6)
        if candidate == rate:
            break
        rate = candidate
    return _float_rate(rate)
