"""The plain Kuramoto model, integrated with classical fourth-order Runge-Kutta.

    dθ_i/dt = ω_i + (K/N) · Σ_j sin(θ_j − θ_i)          (scalar coupling K, mean-field form)
    dθ_i/dt = ω_i + Σ_j K_ij · sin(θ_j − θ_i)            (N×N coupling matrix; the matrix carries any 1/N)

Time unit: whatever unit the natural frequencies are "per". ω is in radians per time unit, ``step(dt)``
advances by ``dt`` of the same unit and K is in radians per time unit too (the team model uses minutes).
ω enters the right-hand side once; ``dt`` multiplies the whole RK4 increment once (the original engine
multiplied ω by dt twice, which shrank the frequency spread and made oscillators lock that cannot).

Known results the tests check: with K = 0 every phase rotates freely, θ_i(t) = θ_i(0) + ω_i·t mod 2π. For
two oscillators the phase difference φ = θ_2 − θ_1 obeys dφ/dt = Δω − K·sin φ, which has a fixed point
(locking) iff K ≥ |Δω|; below that φ slips with mean beat frequency √(Δω² − K²). For a large population
with Lorentzian frequencies of half-width γ the steady order parameter is r = √(1 − K_c/K), K_c = 2γ.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ml import persistence
from ml.oscillator.fields import FieldError, real, real_vector

ENGINE = "oscillator.kuramoto"
VERSION = 1

TWO_PI = 2.0 * math.pi

FloatArray = NDArray[np.float64]

# sin(θ + π/2) = cos θ: one np.sin call over a 2×N array yields both rows.
_COS_SIN_SHIFT = np.array([[math.pi / 2.0], [0.0]])
_PLUS_MINUS = np.array([1.0, -1.0])


def wrap(theta: FloatArray) -> FloatArray:
    """Phases reduced to [0, 2π)."""
    wrapped = np.mod(theta, TWO_PI)
    # np.mod rounds a tiny negative angle up to exactly 2π, which is outside the half-open range.
    wrapped[wrapped >= TWO_PI] = 0.0
    return wrapped


def order_parameter(theta: FloatArray) -> tuple[float, float]:
    """(r, ψ): modulus and angle of the mean of e^{iθ}; r = 1 is full synchrony, r ≈ 0 incoherence."""
    if theta.shape[0] == 0:
        return 0.0, 0.0
    z = complex(np.mean(np.exp(1j * theta)))
    return min(1.0, abs(z)), math.atan2(z.imag, z.real) % TWO_PI


def velocity(theta: FloatArray, omega: FloatArray, coupling: float | FloatArray) -> FloatArray:
    """Right-hand side dθ/dt."""
    if isinstance(coupling, np.ndarray):
        cos, sin = np.cos(theta), np.sin(theta)
        # Σ_j K_ij sin(θ_j − θ_i) = cos θ_i (K sin θ)_i − sin θ_i (K cos θ)_i
        matrix_result: FloatArray = omega + cos * (coupling @ sin) - sin * (coupling @ cos)
        return matrix_result
    if coupling == 0.0 or theta.shape[0] == 0:
        return omega.copy()
    # Mean field: (1/N) Σ_j sin(θ_j − θ_i) = ⟨sin θ⟩ cos θ_i − ⟨cos θ⟩ sin θ_i: O(N), not O(N²). Written
    # as few whole-array operations as possible (cos and sin in one call, both sums in one reduce, the
    # combination as one dot product): at N = 50 numpy's per-call overhead, not arithmetic, is the cost.
    cos_sin = np.sin(_COS_SIN_SHIFT + theta)
    sums = np.add.reduce(cos_sin, axis=1)
    weights = sums[::-1] * ((coupling / theta.shape[0]) * _PLUS_MINUS)
    result: FloatArray = np.dot(weights, cos_sin)
    result += omega
    return result


def rk4(theta: FloatArray, omega: FloatArray, coupling: float | FloatArray, dt: float) -> FloatArray:
    """One classical Runge-Kutta step; returns unwrapped phases."""
    if not isinstance(coupling, np.ndarray) and coupling != 0.0 and theta.shape[0] > 0:
        return _rk4_mean_field(theta, omega, (coupling / theta.shape[0]) * _PLUS_MINUS, dt)
    half = 0.5 * dt
    k1 = velocity(theta, omega, coupling)
    k2 = velocity(theta + half * k1, omega, coupling)
    k3 = velocity(theta + half * k2, omega, coupling)
    k4 = velocity(theta + dt * k3, omega, coupling)
    return _combine(theta, k1, k2, k3, k4, dt)


def _combine(theta: FloatArray, k1: FloatArray, k2: FloatArray, k3: FloatArray, k4: FloatArray,
             dt: float) -> FloatArray:
    k2 += k3
    k2 *= 2.0
    k2 += k1
    k2 += k4
    k2 *= dt / 6.0
    k2 += theta
    return k2


def _rk4_mean_field(theta: FloatArray, omega: FloatArray, weights: FloatArray, dt: float) -> FloatArray:
    """``rk4`` for scalar coupling with ``velocity`` inlined (weights = K/N · (1, −1)): the hot loop of
    ``KuramotoNetwork.run``, where Python call overhead is a measurable share at N = 50."""
    sin, total, dot = np.sin, np.add.reduce, np.dot
    half = 0.5 * dt
    cs = sin(_COS_SIN_SHIFT + theta)
    k1: FloatArray = dot(total(cs, axis=1)[::-1] * weights, cs)
    k1 += omega
    cs = sin(_COS_SIN_SHIFT + (theta + half * k1))
    k2: FloatArray = dot(total(cs, axis=1)[::-1] * weights, cs)
    k2 += omega
    cs = sin(_COS_SIN_SHIFT + (theta + half * k2))
    k3: FloatArray = dot(total(cs, axis=1)[::-1] * weights, cs)
    k3 += omega
    cs = sin(_COS_SIN_SHIFT + (theta + dt * k3))
    k4: FloatArray = dot(total(cs, axis=1)[::-1] * weights, cs)
    k4 += omega
    return _combine(theta, k1, k2, k3, k4, dt)


def advance(theta: FloatArray, omega: FloatArray, coupling: float | FloatArray, duration: float,
            max_dt: float) -> FloatArray:
    """Integrate over ``duration`` in equal RK4 steps no longer than ``max_dt``; returns wrapped phases."""
    if duration <= 0.0 or theta.shape[0] == 0:
        return wrap(theta.copy())
    steps = max(1, math.ceil(duration / max_dt))
    dt = duration / steps
    current = theta
    for _ in range(steps):
        current = rk4(current, omega, coupling, dt)
    return wrap(current)


class KuramotoNetwork:
    """N coupled phase oscillators. ``omega`` and ``coupling`` in radians per time unit (see module doc)."""

    def __init__(self, omega: Any, theta0: Any, coupling: Any) -> None:
        omega_arr = real_vector("omega", omega)
        theta_arr = real_vector("theta0", theta0, length=omega_arr.shape[0])
        self._omega = omega_arr
        self._theta = wrap(theta_arr)
        self._coupling = self._checked_coupling(coupling, omega_arr.shape[0])
        self._time = 0.0

    @staticmethod
    def _checked_coupling(coupling: Any, n: int) -> float | FloatArray:
        if isinstance(coupling, np.ndarray | list | tuple):
            matrix = np.asarray(coupling, dtype=np.float64) if _is_numeric(coupling) else None
            if matrix is None or matrix.shape != (n, n):
                raise FieldError("coupling", f"expected a number or an {n}×{n} matrix of numbers")
            if not np.all(np.isfinite(matrix)):
                raise FieldError("coupling", "must be finite")
            return matrix
        return real("coupling", coupling)

    def __len__(self) -> int:
        return int(self._omega.shape[0])

    @property
    def time(self) -> float:
        """Total time integrated so far, in the model's time unit."""
        return self._time

    def step(self, dt: float) -> None:
        """Advance by one RK4 step of length ``dt`` (> 0, same time unit as ω)."""
        step = real("dt", dt, strictly_positive=True)
        self._theta = wrap(rk4(self._theta, self._omega, self._coupling, step))
        self._time += step

    def run(self, steps: int, dt: float) -> None:
        """``steps`` RK4 steps of length ``dt``; same result as calling ``step(dt)`` that many times."""
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise FieldError("steps", "expected a non-negative integer")
        step = real("dt", dt, strictly_positive=True)
        theta = self._theta
        coupling = self._coupling
        mean_field = not isinstance(coupling, np.ndarray) and coupling != 0.0 and len(self) > 0
        weights = (float(coupling) / max(1, len(self))) * _PLUS_MINUS if mean_field else _PLUS_MINUS
        for done in range(1, steps + 1):
            if mean_field:
                theta = _rk4_mean_field(theta, self._omega, weights, step)
            else:
                theta = rk4(theta, self._omega, coupling, step)
            # Reducing mod 2π costs as much as a quarter of a step at N = 50; unwrapped phases lose no
            # precision worth having over a few dozen steps.
            if done % 32 == 0:
                theta = np.mod(theta, TWO_PI)
        self._theta = wrap(theta)
        self._time += steps * step

    def phases(self) -> FloatArray:
        """Current phases, each in [0, 2π)."""
        return self._theta.copy()

    def frequencies(self) -> FloatArray:
        """Instantaneous dθ/dt of each oscillator (locked oscillators share one value)."""
        return velocity(self._theta, self._omega, self._coupling)

    def order_parameter(self) -> float:
        """r ∈ [0, 1]: |mean of e^{iθ}|."""
        return order_parameter(self._theta)[0]

    def mean_phase(self) -> float:
        return order_parameter(self._theta)[1]

    def to_state(self) -> dict[str, Any]:
        """Versioned JSON-safe snapshot; ``from_state`` continues bit for bit."""
        coupling: float | list[list[float]]
        coupling = self._coupling.tolist() if isinstance(self._coupling, np.ndarray) else self._coupling
        return persistence.envelope(ENGINE, VERSION, {
            "omega": self._omega.tolist(), "theta": self._theta.tolist(), "coupling": coupling,
            "time": self._time})

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> KuramotoNetwork:
        state = persistence.open_envelope(data, ENGINE, VERSION)
        try:
            network = cls(state["omega"], state["theta"], state["coupling"])
            network._time = real("state.time", state["time"])
        except KeyError as error:
            raise FieldError("state", f"missing {error}") from error
        return network

    def save(self, path: str | os.PathLike[str]) -> None:
        persistence.write_atomic(path, persistence.dumps(self.to_state()))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KuramotoNetwork:
        return cls.from_state(persistence.read(path))


def _is_numeric(value: Any) -> bool:
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        return False
    return array.dtype.kind in "iuf"
