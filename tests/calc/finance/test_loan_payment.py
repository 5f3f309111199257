"""Loan payment, odd first period, amortization schedule and disclosed figures."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from calc.finance import PaymentStream, finance_terms, monthly_payment, reg_z_apr
from calc.finance.unit_period import add_months
from calc.money import round_cents


def float_annuity(principal: float, apr: float, n: int) -> Decimal:
    """Independent oracle: the textbook annuity formula in binary floating point, rounded to cents."""
    i = apr / 12
    payment = principal * i / (1 - (1 + i) ** -n)
    return Decimal(repr(payment)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("principal", "apr", "term"),
    [("20000", "0.06", 60), ("31250.55", "0.0599", 72), ("8999.99", "0.1899", 48), ("45000", "0.0349", 84)],
)
def test_regular_payment_matches_the_annuity_formula(principal: str, apr: str, term: int) -> None:
    expected = float_annuity(float(principal), float(apr), term)
    assert monthly_payment(Decimal(principal), Decimal(apr), term) == expected
    assert monthly_payment(Decimal(principal), Decimal(apr), term, 30) == expected


def test_zero_rate_divides_the_principal() -> None:
    terms = finance_terms(Decimal("10000"), Decimal("0"), 36)
    assert terms.monthly_payment == Decimal("277.78")
    assert terms.final_payment == Decimal("10000") - Decimal("277.78") * 35
    assert terms.finance_charge == 0
    assert terms.apr == 0


def test_long_first_period_adds_simple_interest_for_the_extra_days() -> None:
    # 45 days = one month + 15/30: the balance grows by (1 + i/2) before the regular annuity starts.
    i = Decimal("0.06") / 12
    regular = float_annuity(20000.0, 0.06, 60)
    odd = monthly_payment(Decimal("20000"), Decimal("0.06"), 60, 45)
    assert odd > regular
    exact_regular = Decimal(20000) * i / (1 - (1 + i) ** -60)
    expected = (exact_regular * (1 + i / 2)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert odd == expected


def test_short_first_period_lowers_the_payment_and_deferral_raises_it() -> None:
    amount, apr = Decimal("20000"), Decimal("0.06")
    payments = [monthly_payment(amount, apr, 60, days) for days in (15, 30, 45, 60, 90)]
    assert payments == sorted(payments)
    assert len(set(payments)) == 5
    # A 90-day deferral compounds two extra months of interest onto the balance.
    i = apr / 12
    exact = amount * (1 + i) ** 2 * i / (1 - (1 + i) ** -60)
    assert payments[-1] == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("days", [None, 12, 30, 45, 75])
def test_schedule_pays_off_exactly(days: int | None) -> None:
    terms = finance_terms(Decimal("27345.67"), Decimal("0.0749"), 66, days)
    rows = terms.schedule
    assert len(rows) == 66
    assert sum(r.principal for r in rows) == terms.amount_financed
    assert sum(r.interest for r in rows) == terms.finance_charge
    assert sum(r.payment for r in rows) == terms.total_of_payments
    assert rows[-1].balance == 0
    assert rows[-1].payment == terms.final_payment
    assert all(r.payment == terms.monthly_payment for r in rows[:-1])
    assert abs(terms.final_payment - terms.monthly_payment) < 1  # rounding drift only
    assert all(a.balance > b.balance for a, b in itertools.pairwise(rows))
    assert all(r.interest == r.payment - r.principal for r in rows)


def test_first_row_carries_the_odd_days_interest() -> None:
    terms = finance_terms(Decimal("12000"), Decimal("0.12"), 24, 45)
    # One month at 1 % plus 15 days at 1 %/30 a day: 12000 × (1.01 × 1.005 − 1) = 180.60.
    assert terms.schedule[0].interest == Decimal("180.60")
    assert terms.schedule[0].period == Decimal("1.5")
    assert terms.schedule[1].interest == round_cents(terms.schedule[0].balance * Decimal("0.01"))


@pytest.mark.parametrize("days", [None, 20, 45, 90])
def test_disclosed_apr_equals_the_appendix_j_apr_of_the_dated_schedule(days: int | None) -> None:
    # Put the schedule on a calendar whose first period has the same (t, f) and ask reg_z_apr.
    terms = finance_terms(Decimal("18500"), Decimal("0.0825"), 48, days)
    advanced = date(2025, 1, 1)
    offset = days if days is not None else 31
    first = date.fromordinal(advanced.toordinal() + offset)
    if days is not None and days >= 30:
        # Whole 30-day months become calendar months so Appendix J counts back the same (t, f).
        first = add_months(advanced, days // 30)
        first = date.fromordinal(first.toordinal() + days % 30)
    streams = [
        PaymentStream(terms.monthly_payment, 47, first),
        PaymentStream(terms.final_payment, 1, add_months(first, 47), None),
    ]
    dated = reg_z_apr(Decimal("18500"), advanced, streams)
    # The quote's APR is solved in binary floating point (calc.finance.solver), the apr command's in
    # 38-digit Decimal: they agree to about 1e-16, ten orders below the 1/100 point disclosed.
    assert abs(dated.apr - terms.apr) < Decimal("1e-13")
    assert round(dated.apr * 100, 6) == round(terms.apr * 100, 6)
    # And the disclosed rate is the note rate up to cent rounding, far inside the ⅛-point tolerance.
    assert abs(terms.apr - Decimal("0.0825")) < Decimal("0.00005")
