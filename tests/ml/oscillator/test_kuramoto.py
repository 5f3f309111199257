"""The Kuramoto integrator against the model's analytic results."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ml.oscillator import FieldError, KuramotoNetwork

TWO_PI = 2.0 * math.pi


def circular_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest angle between phases, in [0, π]."""
    return np.abs(np.angle(np.exp(1j * (a - b))))


def phase_difference(network: KuramotoNetwork) -> float:
    theta = network.phases()
    return float((theta[1] - theta[0]) % TWO_PI)


def test_free_rotation_is_theta0_plus_omega_t() -> None:
    rng = np.random.default_rng(7)
    omega = rng.normal(0.0, 3.0, 40)
    theta0 = rng.uniform(-10.0, 10.0, 40)
    network = KuramotoNetwork(omega, theta0, 0.0)
    network.run(1000, 0.013)
    for _ in range(37):
        network.step(0.013)
    t = 1037 * 0.013
    assert network.time == pytest.approx(t)
    assert circular_gap(network.phases(), (theta0 + omega * t) % TWO_PI).max() < 1e-9


def test_phases_stay_in_half_open_range() -> None:
    # A phase a hair below zero is where np.mod alone would return exactly 2π.
    network = KuramotoNetwork([-1.0, 2.0, 0.0], [-1e-17, 6.283185307179586, 100.0], 0.5)
    for phases in (network.phases(), *(_run_and_read(network) for _ in range(50))):
        assert np.all(phases >= 0.0)
        assert np.all(phases < TWO_PI)


def _run_and_read(network: KuramotoNetwork) -> np.ndarray:
    network.run(7, 0.3)
    return network.phases()


def test_two_oscillators_lock_just_above_delta_omega() -> None:
    delta = 1.0
    coupling = 1.05 * delta
    network = KuramotoNetwork([0.3, 0.3 + delta], [0.0, 2.0], coupling)
    network.run(8000, 0.01)
    frequencies = network.frequencies()
    assert abs(frequencies[1] - frequencies[0]) < 1e-6
    # Locked offset solves Δω = K sin φ; both oscillators then turn at the mean frequency.
    locked = np.array([math.asin(delta / coupling)])
    assert circular_gap(np.array([phase_difference(network)]), locked)[0] < 1e-6
    assert frequencies[0] == pytest.approx(0.3 + delta / 2.0, abs=1e-6)


def test_exactly_critical_coupling_still_locks() -> None:
    # At K = Δω the fixed point φ = π/2 is marginal: the difference creeps towards it and stops slipping.
    network = KuramotoNetwork([0.0, 1.0], [0.0, -1.0], 1.0)
    unwrapped = _unwrapped_difference(network, steps=20000, dt=0.01)
    assert abs(unwrapped[-1] - unwrapped[0]) < TWO_PI  # never completes a slip
    assert phase_difference(network) == pytest.approx(math.pi / 2.0, abs=0.05)


def test_two_oscillators_slip_just_below_delta_omega_at_the_beat_frequency() -> None:
    delta = 1.0
    coupling = 0.95 * delta
    network = KuramotoNetwork([0.3, 0.3 + delta], [0.0, 0.0], coupling)
    dt, steps = 0.01, 40000
    unwrapped = _unwrapped_difference(network, steps=steps, dt=dt)
    slips = (unwrapped[-1] - unwrapped[0]) / TWO_PI
    assert slips > 10  # not locked
    beat = (unwrapped[-1] - unwrapped[0]) / (steps * dt)
    # Mean drift of φ for dφ/dt = Δω − K sin φ is √(Δω² − K²) (one slip per 2π/√(Δω² − K²)).
    assert beat == pytest.approx(math.sqrt(delta**2 - coupling**2), rel=0.03)


def _unwrapped_difference(network: KuramotoNetwork, steps: int, dt: float) -> np.ndarray:
    samples = []
    for _ in range(steps // 10):
        network.run(10, dt)
        samples.append(phase_difference(network))
    return np.unwrap(np.array(samples))


def test_runge_kutta_error_shrinks_with_fourth_power_of_step() -> None:
    rng = np.random.default_rng(3)
    omega, theta0 = rng.normal(1.0, 0.5, 12), rng.uniform(0.0, TWO_PI, 12)

    def final(dt: float) -> np.ndarray:
        network = KuramotoNetwork(omega, theta0, 2.0)
        network.run(round(4.0 / dt), dt)
        return network.phases()

    reference = final(0.0025)
    coarse = circular_gap(final(0.2), reference).max()
    fine = circular_gap(final(0.1), reference).max()
    assert 10.0 < coarse / fine < 22.0  # 2⁴ = 16 for a fourth-order method


def test_matrix_coupling_with_uniform_weights_equals_mean_field() -> None:
    rng = np.random.default_rng(11)
    omega, theta0 = rng.normal(0.0, 1.0, 9), rng.uniform(0.0, TWO_PI, 9)
    mean_field = KuramotoNetwork(omega, theta0, 1.7)
    matrix = KuramotoNetwork(omega, theta0, np.full((9, 9), 1.7 / 9))
    mean_field.run(300, 0.05)
    matrix.run(300, 0.05)
    assert circular_gap(mean_field.phases(), matrix.phases()).max() < 1e-9


def test_run_and_single_steps_agree_with_coupling() -> None:
    # ``run`` keeps one set of integration buffers for all its steps; ``step`` sets them up each time.
    rng = np.random.default_rng(5)
    omega, theta0 = rng.normal(1.0, 0.5, 30), rng.uniform(0.0, TWO_PI, 30)
    batched, stepped = KuramotoNetwork(omega, theta0, 1.2), KuramotoNetwork(omega, theta0, 1.2)
    batched.run(250, 0.02)
    for _ in range(250):
        stepped.step(0.02)
    assert circular_gap(batched.phases(), stepped.phases()).max() < 1e-10
    assert batched.order_parameter() > KuramotoNetwork(omega, theta0, 1.2).order_parameter()


def lorentzian_population(n: int, gamma: float) -> np.ndarray:
    # Deterministic quantiles of a Cauchy distribution: the sample has exactly the intended spread.
    quantiles = (np.arange(n) + 0.5) / n
    result: np.ndarray = gamma * np.tan(math.pi * (quantiles - 0.5))
    return result


@pytest.mark.parametrize("ratio", [1.5, 2.0, 3.0])
def test_lorentzian_order_parameter_matches_mean_field_theory(ratio: float) -> None:
    gamma = 0.5
    critical = 2.0 * gamma
    coupling = ratio * critical
    omega = lorentzian_population(2000, gamma)
    theta0 = np.random.default_rng(5).uniform(0.0, TWO_PI, 2000)
    network = KuramotoNetwork(omega, theta0, coupling)
    network.run(2400, 0.05)  # relax for 120 time units
    readings = []
    for _ in range(40):  # then average r over 40 more
        network.run(20, 0.05)
        readings.append(network.order_parameter())
    assert float(np.mean(readings)) == pytest.approx(math.sqrt(1.0 - critical / coupling), abs=0.01)


def test_lorentzian_below_critical_coupling_stays_incoherent() -> None:
    gamma = 0.5
    omega = lorentzian_population(2000, gamma)
    theta0 = np.random.default_rng(5).uniform(0.0, TWO_PI, 2000)
    network = KuramotoNetwork(omega, theta0, 0.6 * 2.0 * gamma)
    network.run(2400, 0.05)
    assert network.order_parameter() < 0.1


@pytest.mark.parametrize(
    ("omega", "theta0", "coupling", "field"),
    [
        ([1.0, float("nan")], [0.0, 0.0], 1.0, "omega[1]"),
        ([1.0, 2.0], [0.0, float("inf")], 1.0, "theta0[1]"),
        ([1.0, 2.0], [0.0], 1.0, "theta0"),
        ([1.0, 2.0], [0.0, 0.0], "strong", "coupling"),
        ([1.0, 2.0], [0.0, 0.0], float("nan"), "coupling"),
        ([1.0, 2.0], [0.0, 0.0], [[0.0, 1.0]], "coupling"),
        ("12", [0.0, 0.0], 1.0, "omega"),
        ([1.0, "2"], [0.0, 0.0], 1.0, "omega[1]"),
    ],
)
def test_bad_construction_names_the_field(
    omega: object, theta0: object, coupling: object, field: str
) -> None:
    with pytest.raises(FieldError) as caught:
        KuramotoNetwork(omega, theta0, coupling)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("dt", [0.0, -0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_step_is_rejected_and_leaves_phases_alone(dt: object) -> None:
    network = KuramotoNetwork([1.0, 1.5], [0.2, 0.4], 0.3)
    network.step(0.1)
    before, before_time = network.phases(), network.time
    with pytest.raises(FieldError) as caught:
        network.step(dt)  # type: ignore[arg-type]
    assert caught.value.field == "dt"
    assert np.array_equal(network.phases(), before)
    assert network.time == before_time


def test_state_round_trip_continues_identically(tmp_path: Path) -> None:
    network = KuramotoNetwork([0.1, 0.7, 1.3], [0.0, 1.0, 2.0], 0.9)
    network.run(100, 0.05)
    network.save(tmp_path / "kuramoto.json")
    copy = KuramotoNetwork.load(tmp_path / "kuramoto.json")
    network.run(100, 0.05)
    copy.run(100, 0.05)
    assert np.array_equal(network.phases(), copy.phases())
