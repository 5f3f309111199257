"""The engines' special functions agree with SciPy's (a test-only dependency) to ~1e-9 relative."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from ml import special_functions as ours


@settings(max_examples=300, deadline=None)
@given(k=st.integers(min_value=1, max_value=20), x=st.floats(min_value=0.0, max_value=120.0))
def test_chi_square_survival(k: int, x: float) -> None:
    expected = float(special.chdtrc(k, x))
    assert ours.chdtrc(k, x) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@settings(max_examples=300, deadline=None)
@given(k=st.integers(min_value=1, max_value=64), x=st.floats(min_value=0.0, max_value=1400.0))
def test_chi_square_survival_for_whole_degrees_of_freedom(k: int, x: float) -> None:
    # The closed form WHACO scores with; far into the tail (x = 1400 is a p-value near 1e-300).
    expected = float(special.chdtrc(k, x))
    assert ours.chdtrc_whole(k, x) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("k", [1, 2, 5, 10, 14])
@pytest.mark.parametrize("p", [1e-6, 0.001, 0.05, 0.5, 0.95, 0.999])
def test_chi_square_inverse(k: int, p: float) -> None:
    assert ours.chdtri(k, p) == pytest.approx(float(special.chdtri(k, p)), rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    a=st.floats(min_value=0.2, max_value=500.0),
    b=st.floats(min_value=0.2, max_value=500.0),
    y=st.floats(min_value=1e-6, max_value=1 - 1e-6),
)
def test_inverse_incomplete_beta(a: float, b: float, y: float) -> None:
    assert ours.betaincinv(a, b, y) == pytest.approx(float(special.betaincinv(a, b, y)), rel=1e-9, abs=1e-12)


def test_logistic_and_normal_quantile() -> None:
    xs = np.linspace(-800, 800, 2001)
    assert np.max(np.abs(ours.expit(xs) - special.expit(xs))) < 1e-15
    assert isinstance(ours.expit(0.3), float)
    for p in (1e-9, 0.025, 0.5, 0.975):
        assert ours.ndtri(p) == pytest.approx(float(special.ndtri(p)), rel=1e-12)


def test_bad_probability_is_refused() -> None:
    with pytest.raises(ValueError, match="p"):
        ours.chdtri(3, 1.5)
