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

:func:`solve_rate_float` solves the same equation in binary floating point; the quote path uses it.
An APR is disclosed to 1/100 of a percentage point (and tolerated to 1/8 point, 1026.22(a)(2)); a
double carries 15-16 significant digits, so the disclosed rate (and the six decimals the quote's
``apr`` shows) come out the same, at a twentieth of the cost. Money never goes through a float: the
payments, amount financed and finance charge stay ``Decimal`` and only the *rate* is a float. The
geometric sums use ``expm1``/``log1p`` so that they keep full precision for rates near zero, where
``1 - v^n`` and ``1 - v`` would cancel. :func:`reg_z_apr` (the ``apr`` command, the figure an
auditor checks to ten decimals) keeps the Decimal solver; tests hold the two within 1e-12 of each
other, and the Appendix J examples through both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

PRECISION = 38  # two 19-digit words in libmpdec: ten digits more than 28 at no extra cost
_STEP_TOLERANCE = Decimal("1e-22")
_NEWTON_FINAL_STEP = Decimal("1e-13")
# Below this distance from 1 the closed-form geometric sums lose too many digits; sum term by term.
_SERIES_CUTOFF = Decimal("1e-12")
_MAX_ITERATIONS = 200
_ONE = Decimal(1)
_ZERO = Decimal(0)
_TWO = Decimal(2)


@dataclass(frozen=True, slots=True)
class Run:
    """``count`` payments of ``amount``: the first after ``whole`` unit-periods and ``fraction``, the
    others ``step`` whole unit-periods apart (same fraction)."""

    amount: Decimal
    whole: int
    fraction: Decimal
    count: int = 1
    step: int = 0

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

_FLOAT_ITERATIONS = 100
_FLOAT_NEWTON_FINAL = 1e-8
# Below this, term-by-term sums: the closed-form slope divides by (1 - ratio)^2.
_FLOAT_SERIES_CUTOFF = 1e-6


def _present_value_float(
    runs: Sequence[tuple[float, int, float, int, int]], rate: float
) -> tuple[float, float]:
    """:func:`present_value` in floats: runs as (amount, whole, fraction, count, step)."""
    log_growth = math.log1p(rate)
    growth = 1.0 + rate
    value = 0.0
    slope = 0.0
    for amount, whole, fraction, count, step in runs:
        start = math.exp(-whole * log_growth)
        if count == 1:
            plain = start
            timed = whole * start
        else:
            log_ratio = step * log_growth
            if log_ratio > _FLOAT_SERIES_CUTOFF:
                ratio_less_one = math.expm1(-log_ratio)  # ratio - 1, exact for small rates
                ratio_n_less_one = math.expm1(-count * log_ratio)
                geometric = ratio_n_less_one / ratio_less_one
                ratio = 1.0 + ratio_less_one
                ratio_n = 1.0 + ratio_n_less_one
                # Only the slope uses this form (it cancels near ratio 1; Newton needs no exact slope).
                indexed = (ratio - count * ratio_n + (count - 1) * ratio_n * ratio) / (
                    ratio_less_one * ratio_less_one
                )
            else:
                ratio = math.exp(-log_ratio)
                geometric = indexed = 0.0
                power = 1.0
                for k in range(count):
                    geometric += power
                    indexed += k * power
                    power *= ratio
            plain = start * geometric
            timed = start * (whole * geometric + step * indexed)
        simple = 1.0 + fraction * rate
        scaled = amount / simple
        value += scaled * plain
        slope -= scaled * (fraction / simple * plain + timed / growth)
    return value, slope


def solve_rate_float(amount: Decimal, runs: Sequence[Run], guess: Decimal | None = None) -> Decimal:
    """:func:`solve_rate` in binary floating point (see the module docs for why that is enough).

    Same safeguards: Newton steps inside the bracket known to hold the root, bisection otherwise.
    Stops when a step no longer moves the rate by more than a few units in the last place.
    """
    total = sum((r.total for r in runs), _ZERO)
    if total == amount:
        return _ZERO
    if total < amount:
        raise ValueError("payments total less than the amount financed")
    target = float(amount)
    plain_runs = [(float(r.amount), r.whole, float(r.fraction), r.count, r.step) for r in runs]
    if guess is not None and guess > 0:
        rate = float(guess)
    else:
        weighted = sum(float(r.weighted_time) for r in runs)
        rate = float(total - amount) / (weighted / float(total)) / target if weighted > 0 else 1.0
    low = 0.0
    high = math.inf
    for _ in range(_FLOAT_ITERATIONS):
        value, slope = _present_value_float(plain_runs, rate)
        gap = value - target
        if gap > 0:
            low = max(low, rate)
        else:
            high = min(high, rate)
        candidate = rate - gap / slope if slope else low
        newton = low < candidate < high
        if newton and abs(candidate - rate) <= _FLOAT_NEWTON_FINAL * candidate:
            # Quadratic convergence: the error after a step this small is ~1e-19 of the rate,
            # below what a double resolves, so evaluating again would change nothing.
            return Decimal(repr(candidate))
        if not newton:
            if high == math.inf:
                high = max(low * 2, 1.0)
                while _present_value_float(plain_runs, high)[0] > target:
                    high *= 2
                    if high > 1e6:
                        raise ValueError("no rate below 100,000,000 % per period balances these payments")
            candidate = (low + high) / 2
        step = abs(candidate - rate)
        rate = candidate
        if step <= 4e-16 * rate or (high < math.inf and high - low <= 4e-16 * high):
            break
    return Decimal(repr(rate))
