"""The loan amortization runs in integer cents with the monthly rate as an exact ratio (apr / 12) for
speed. These tests replay the same contract arithmetic in Decimal, month by month, and require the
same payment, interest rows and final payment to the cent.

The Decimal replay multiplies before it divides (``balance * apr / 12``): the product is exact, and a
quotient that does not terminate (n / 12 repeats 3s or 6s) never sits on a half-cent, so rounding it
half-up to the cent gives the contract's figure.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

from calc.errors import CalcInputError
from calc.finance import finance_terms

CENT = Decimal("0.01")
amounts = st.integers(min_value=50_000, max_value=20_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
# Rates with up to six decimals (a lender's 5.999 % or a subvented 0.0125 %), not only whole points.
rates = st.integers(min_value=0, max_value=300_000).map(lambda n: Decimal(n).scaleb(-6))
terms = st.integers(min_value=1, max_value=96)
first_days = st.none() | st.integers(min_value=1, max_value=120)


def _first_interest(amount: Decimal, apr: Decimal, days: int | None) -> Decimal:
    """Interest to the first payment: (1 + f·i)(1 + i)^t − 1 on the amount, exactly, then to the cent."""
    whole, rest = (1, 0) if days is None else divmod(days, 30)
    monthly = Fraction(apr) / 12
    growth = (1 + Fraction(rest, 30) * monthly) * (1 + monthly) ** whole - 1
    exact = Fraction(amount) * growth  # a quotient that terminates is exact at 60 digits
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, ROUND_HALF_UP)


def _decimal_replay(
    amount: Decimal, apr: Decimal, term: int, payment: Decimal, days: int | None
) -> tuple[list[Decimal], Decimal]:
    """Each month's interest and the final payment, in Decimal dollars and cents."""
    with localcontext() as ctx:
        ctx.prec = 60
        interest = _first_interest(amount, apr, days)
        interests = [interest]
        balance = amount
        for _ in range(term - 1):
            balance = balance + interest - payment
            interest = (balance * apr / 12).quantize(CENT, ROUND_HALF_UP)
            interests.append(interest)
        return interests, balance + interest


@settings(max_examples=300, deadline=None)
@given(amounts, rates, terms, first_days)
@example(Decimal("500.00"), Decimal("0.01"), 2, None)
@example(Decimal("35000.00"), Decimal("0.0599"), 72, 45)
@example(Decimal("12000.00"), Decimal("0"), 60, None)
def test_integer_cent_amortization_equals_the_decimal_replay(
    amount: Decimal, rate: Decimal, term: int, days: int | None
) -> None:
    try:
        terms_out = finance_terms(amount, rate, term, days)
    except CalcInputError as error:  # too small to spread over the term: refused, nothing to compare
        assert error.field == "amount_financed"
        return
    interests, final = _decimal_replay(amount, rate, term, terms_out.monthly_payment, days)
    assert terms_out.final_payment == final
    assert [row.interest for row in terms_out.schedule] == interests
    assert terms_out.total_of_payments == terms_out.monthly_payment * (term - 1) + final


def test_exact_half_cent_interest_rounds_up_as_the_contract_says() -> None:
    # 6.00 at 1 % a year is exactly half a cent for the month: half-up charges the cent.
    terms_out = finance_terms(Decimal("6.00"), Decimal("0.01"), 1)
    assert terms_out.schedule[0].interest == CENT
    assert terms_out.final_payment == Decimal("6.01")
