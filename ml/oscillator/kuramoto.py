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
from collections.abc import Callable
from functools import partial
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
    return stepper(omega, coupling, dt)(theta)


def stepper(omega: FloatArray, coupling: float | FloatArray, dt: float) -> Callable[[FloatArray], FloatArray]:
    """θ ↦ θ after one RK4 step of ``dt``, set up once for many steps."""
    if not isinstance(coupling, np.ndarray) and coupling != 0.0 and omega.shape[0] > 0:
        return MeanFieldRK4(omega, float(coupling), dt).step
    return partial(_rk4_general, omega=omega, coupling=coupling, dt=dt)


def _rk4_general(theta: FloatArray, omega: FloatArray, coupling: float | FloatArray, dt: float) -> FloatArray:
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


class MeanFieldRK4:
    """RK4 steps of length ``dt`` for scalar coupling K, in preallocated buffers (the hot loop of
    ``KuramotoNetwork.run``).

    At N = 50 a step costs the number of numpy calls, not arithmetic, so the work is arranged to need few:
    the phases are shifted once per step into the rows (θ + π/2, θ), so one ``sin`` over a stage's rows
    gives cos and sin of every phase (the O(N²) sin(θ_j − θ_i) become O(N) through the mean field,
    ⟨sin θ⟩ cos θ_i − ⟨cos θ⟩ sin θ_i); the slope is one dot product of (K ⟨sin θ⟩, −K ⟨cos θ⟩, 1) with
    the rows (cos θ, sin θ, ω), so ω comes in without a separate addition; the four slopes land in the rows
    of one array, and the RK4 combination is one more dot product. Six calls per stage, two to combine.
    """

    def __init__(self, omega: FloatArray, coupling: float, dt: float) -> None:
        n = omega.shape[0]
        self._scale = (float(coupling) / n) * _PLUS_MINUS
        self._rows = np.empty((3, n))  # cos and sin of the stage's phases; ω
        self._rows[2] = omega
        self._trig = self._rows[:2]
        self._weights = np.ones(3)  # K ⟨sin θ⟩, −K ⟨cos θ⟩ (set per stage), 1
        self._coupling_weights = self._weights[:2]
        self._sums = np.empty(2)
        self._ones = np.ones(n)
        self._slopes = np.empty((4, n))
        self._shifted = np.empty((2, n))
        self._stage = np.empty((2, n))
        self._increment = np.empty(n)
        self._half = 0.5 * dt
        self._dt = dt
        self._combination = (dt / 6.0) * np.array([1.0, 2.0, 2.0, 1.0])

    def step(self, theta: FloatArray) -> FloatArray:
        """θ after one step (unwrapped; a new array, ``theta`` is not changed)."""
        sin, add, multiply, dot = np.sin, np.add, np.multiply, np.dot
        rows, trig, sums, weights, ones = self._rows, self._trig, self._sums, self._weights, self._ones
        scale, coupling_weights = self._scale, self._coupling_weights
        k1, k2, k3, k4 = self._slopes
        shifted, stage, increment = self._shifted, self._stage, self._increment
        add(_COS_SIN_SHIFT, theta, shifted)
        sin(shifted, trig)
        dot(trig, ones, sums)  # Σ cos θ, Σ sin θ (a matrix-vector product beats add.reduce into a buffer)
        multiply(sums[::-1], scale, coupling_weights)
        dot(weights, rows, k1)
        for previous, slope, length in ((k1, k2, self._half), (k2, k3, self._half), (k3, k4, self._dt)):
            multiply(previous, length, increment)
            add(shifted, increment, stage)
            sin(stage, trig)
            dot(trig, ones, sums)
            multiply(sums[::-1], scale, coupling_weights)
            dot(weights, rows, slope)
        result: FloatArray = dot(self._combination, self._slopes)
        result += theta
        return result


def advance(theta: FloatArray, omega: FloatArray, coupling: float | FloatArray, duration: float,
            max_dt: float) -> FloatArray:
    """Integrate over ``duration`` in equal RK4 steps no longer than ``max_dt``; returns wrapped phases."""
    if duration <= 0.0 or theta.shape[0] == 0:
        return wrap(theta.copy())
    steps = max(1, math.ceil(duration / max_dt))
    advance_once = stepper(omega, coupling, duration / steps)
    current = theta
    for _ in range(steps):
        current = advance_once(current)
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
        advance_once = stepper(self._omega, coupling, step)
        for done in range(1, steps + 1):
            theta = advance_once(theta)
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
