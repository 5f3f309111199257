"""The few special functions the engines need, in numpy and the standard library.

SciPy supplied them before, but its ``special`` module alone adds about 34 MB (its own copy of
OpenBLAS) to the installed app for five functions. Accuracy is checked against SciPy in the tests
(SciPy stays a test-only dependency): relative error below 1e-9 over the ranges the engines use.

- :func:`expit` — the logistic function.
- :func:`ndtri` — the inverse of the standard normal CDF.
- :func:`chdtrc` / :func:`chdtri` — chi-square survival function and its inverse; :func:`chdtrc_whole`,
  the survival function for whole degrees of freedom by its finite closed form (a few terms, no iteration).
- :func:`betaincinv` — the inverse of the regularized incomplete beta function.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 500


def expit(x: ArrayLike) -> Any:
    """1 / (1 + e^-x), without overflow for large |x| (a float for a float, an array for an array)."""
    values = np.asarray(x, dtype=np.float64)
    positive = values >= 0
    exp = np.exp(-np.abs(values))
    result = np.where(positive, 1.0 / (1.0 + exp), exp / (1.0 + exp))
    return float(result) if result.ndim == 0 else result


def ndtri(p: float) -> float:
    return NormalDist().inv_cdf(p)


def _gamma_series(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) by its series (good for x < a + 1)."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_ITER):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_fraction(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) by its continued fraction (good for x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gammaincc(a: float, x: float) -> float:
    """Regularized upper incomplete gamma function Q(a, x)."""
    if x <= 0.0:
        return 1.0
    if x < a + 1.0:
        return 1.0 - _gamma_series(a, x)
    return _gamma_fraction(a, x)


def chdtrc(k: float, x: float) -> float:
    """P(X > x) for X chi-square distributed with k degrees of freedom."""
    return gammaincc(k / 2.0, x / 2.0)


_GAMMA_THREE_HALVES = math.sqrt(math.pi) / 2.0
_WHOLE_UP_TO = 64  # beyond this many degrees of freedom the finite sum is no longer the short path


def chdtrc_whole(k: int, x: float) -> float:
    """P(X > x) for X chi-square with a whole number ``k`` of degrees of freedom.

    For even k = 2n, Q = e^-y Σ_{i<n} y^i / i!; for odd k = 2n + 1, Q = erfc(√y) + e^-y Σ_{1<=i<=n}
    y^(i-1/2) / Γ(i + 1/2), with y = x / 2. All terms are positive, so the far tail keeps its relative
    precision; e^-y is folded in through a logarithm so it does not underflow before the product does.
    """
    if k > _WHOLE_UP_TO or k < 1:
        return chdtrc(k, x)
    if x <= 0.0:
        return 1.0
    y = x / 2.0
    if k % 2 == 0:
        term = total = 1.0
        for i in range(1, k // 2):
            term *= y / i
            total += term
        return math.exp(-y + math.log(total))
    root = math.sqrt(y)
    if k == 1:
        return math.erfc(root)
    term = total = root / _GAMMA_THREE_HALVES  # y^(1/2) / Γ(3/2)
    for i in range(2, k // 2 + 1):
        term *= y / (i - 0.5)
        total += term
    tail = math.exp(-y + math.log(total)) if total > 0.0 else 0.0  # 0 when y is subnormal
    return math.erfc(root) + tail


def _bisect(f: Any, low: float, high: float, iterations: int = 200) -> float:
    """The root of an increasing ``f`` between ``low`` and ``high``."""
    for _ in range(iterations):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if f(middle) < 0.0:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


def chdtri(k: float, p: float) -> float:
    """The x with P(X > x) = p for X chi-square with k degrees of freedom."""
    if not 0.0 < p < 1.0:
        raise ValueError("p: must be strictly between 0 and 1")
    high = max(1.0, k)
    while chdtrc(k, high) > p:
        high *= 2.0
    return _bisect(lambda x: p - chdtrc(k, x), 0.0, high)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (Lentz's method)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = _TINY if abs(d) < _TINY else d
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = _TINY if abs(d) < _TINY else d
        c = 1.0 + aa / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def betaincinv(a: float, b: float, y: float) -> float:
    """The x in [0, 1] with I_x(a, b) = y."""
    if y <= 0.0:
        return 0.0
    if y >= 1.0:
        return 1.0
    return _bisect(lambda x: betainc(a, b, x) - y, 0.0, 1.0)
