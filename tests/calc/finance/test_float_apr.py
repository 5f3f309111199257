"""The quote's APR is solved in binary floating point (calc.finance.solver.level_loan_rate); the apr
command keeps the 38-digit Decimal solver. Both must give the same disclosed figures."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from calc.finance.payment import finance_terms
from calc.finance.solver import Run, level_loan_rate, solve_rate

d = Decimal


def _percent(rate_per_month: Decimal) -> Decimal:
    return (rate_per_month * 1200).quantize(d("0.01"))


def test_appendix_j_regular_monthly_example_through_the_float_solver() -> None:
    # Appendix J (c)(1)(i): 5,000 advanced, 24 monthly payments of 230, first one month later: 9.69 %.
    assert _percent(level_loan_rate(d("5000"), d("230"), 24, d("230"), 1, d(0), d("0.008"))) == d("9.69")


def test_appendix_j_odd_first_period_example_through_the_float_solver() -> None:
    # Appendix J (c)(1)(ii): 6,000 advanced 1978-02-10, 36 payments of 200 from 1978-04-01 (1 month and
    # 19 days: t = 1, f = 19/30): 11.82 %.
    rate = level_loan_rate(d("6000"), d("200"), 36, d("200"), 1, d(19) / 30, d("0.01"))
    assert _percent(rate) == d("11.82")


def test_no_finance_charge_is_a_zero_rate() -> None:
    assert level_loan_rate(d("1200"), d("100"), 12, d("100"), 1, d(0), d("0.01")) == 0


loans = st.tuples(
    st.integers(min_value=50_000, max_value=9_000_000).map(lambda cents: d(cents) / 100),
    st.integers(min_value=0, max_value=2999).map(lambda bp: d(bp) / 10000),
    st.integers(min_value=1, max_value=96),
    st.one_of(st.none(), st.integers(min_value=5, max_value=120)),
)


@settings(max_examples=150, deadline=None)
@given(loans)
def test_float_apr_matches_the_decimal_solver(loan: tuple[Decimal, Decimal, int, int | None]) -> None:
    amount, apr, term, days = loan
    terms = finance_terms(amount, apr, term, days)
    whole, rest = (1, 0) if days is None else divmod(days, 30)
    runs = [
        Run(terms.monthly_payment, whole, d(rest) / 30, term - 1, 1),
        Run(terms.final_payment, whole + term - 1, d(rest) / 30),
    ]
    exact = solve_rate(amount, runs) * 12
    assert abs(terms.apr - exact) < d("1e-13")
    assert round(terms.apr * 100, 2) == round(exact * 100, 2)


def test_an_apr_exactly_on_a_rounding_tie_is_disclosed_as_the_exact_solver_rounds_it() -> None:
    # 500 repaid in one payment 16 days later at 13.8 %: the schedule's APR is exactly 13.815 %, where
    # the float solver's last bits decided between 13.81 and 13.82.
    terms = finance_terms(d("500"), d("0.138"), 1, 16)
    runs = [Run(terms.monthly_payment, 0, d(16) / 30, 0, 1), Run(terms.final_payment, 0, d(16) / 30)]
    exact = solve_rate(d("500"), runs) * 12
    assert round(exact * 100, 4) == d("13.8150")
    assert round(terms.apr * 100, 2) == round(exact * 100, 2)
