"""Appendix J rules beyond the published examples: unit-period choice, date arithmetic, tolerance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from calc.finance import PaymentStream, UnitPeriod, apr_within_tolerance, reg_z_apr
from calc.finance.unit_period import Span, add_semimonths, measure, nearest_standard, step_date


def test_month_series_on_the_31st_uses_the_last_day_of_shorter_months() -> None:
    # (b)(3)(iv): a series on the 29th-31st falls on the last day of February and returns afterwards.
    dates = [step_date(date(2025, 1, 31), UnitPeriod("month"), k) for k in range(4)]
    assert dates == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]


def test_semimonthly_dates_pair_the_15th_with_the_last_day() -> None:
    assert [add_semimonths(date(2025, 1, 15), k) for k in range(4)] == [
        date(2025, 1, 15),
        date(2025, 1, 30),
        date(2025, 2, 15),
        date(2025, 2, 28),
    ]
    assert add_semimonths(date(2025, 1, 20), 1) == date(2025, 2, 5)


def test_a_remainder_of_thirty_or_more_days_is_a_whole_month() -> None:
    # Jan 1 → Jan 31 is 30 days: one full 30-day month, no fraction left.
    assert measure(date(2025, 1, 1), date(2025, 1, 31), UnitPeriod("month")).total == 1


def test_monthly_fraction_counts_days_over_thirty_whatever_the_calendar_month() -> None:
    # February is short, but the fraction is still days / 30 ((b)(5)(ii)).
    assert measure(date(2025, 2, 1), date(2025, 3, 15), UnitPeriod("month")) == Span(1, Decimal(14) / 30)


def test_measure_refuses_reversed_dates() -> None:
    with pytest.raises(ValueError, match="precedes"):
        measure(date(2025, 3, 1), date(2025, 2, 1), UnitPeriod("month"))


def test_unit_period_is_the_most_frequent_common_period() -> None:
    # 3 biweekly payments then 12 monthly ones: the monthly period occurs most often.
    result = reg_z_apr(
        Decimal("1000"),
        date(2025, 1, 1),
        [
            PaymentStream(Decimal("50"), 3, date(2025, 1, 15), "week", 2),
            PaymentStream(Decimal("80"), 12, date(2025, 3, 1)),
        ],
    )
    assert result.unit_period == UnitPeriod("month")
    assert result.irregular  # two payment sizes and two period lengths: ¼-point tolerance


def test_tie_between_common_periods_goes_to_the_smaller() -> None:
    # Two weekly periods and two monthly periods: (b)(4)(i)(A) picks the week.
    result = reg_z_apr(
        Decimal("500"),
        date(2025, 1, 3),
        [
            PaymentStream(Decimal("100"), 3, date(2025, 1, 8), "week"),
            PaymentStream(Decimal("100"), 3, date(2025, 3, 22)),
        ],
    )
    assert result.unit_period == UnitPeriod("week")


def test_without_common_period_the_average_is_rounded_to_a_standard_interval() -> None:
    # Periods of 40 and 20 days: average 30 → one month ((b)(4)(i)(B)).
    result = reg_z_apr(
        Decimal("1000"),
        date(2025, 1, 1),
        [
            PaymentStream(Decimal("520"), 1, date(2025, 2, 10), None),
            PaymentStream(Decimal("520"), 1, date(2025, 3, 2), None),
        ],
    )
    assert result.unit_period == UnitPeriod("month")
    assert nearest_standard(Decimal("10.5")) == UnitPeriod("week")  # nearer 7 than 15.2
    assert nearest_standard(Decimal(1)) == UnitPeriod("day")


def test_zero_finance_charge_gives_zero_apr() -> None:
    result = reg_z_apr(
        Decimal("1200"), date(2025, 1, 1), [PaymentStream(Decimal("100"), 12, date(2025, 2, 1))]
    )
    assert result.apr == 0
    assert result.finance_charge == 0


def test_daily_payments() -> None:
    # 30 daily payments of $35 on $1,000: the APR is the daily rate × 365 of that annuity.
    result = reg_z_apr(
        Decimal("1000"), date(2025, 1, 1), [PaymentStream(Decimal("35"), 30, date(2025, 1, 2), "day")]
    )
    assert result.unit_period == UnitPeriod("day")
    i = result.rate_per_period
    pv = sum(Decimal(35) / (1 + i) ** k for k in range(1, 31))
    assert abs(pv - 1000) < Decimal("1e-15")
    assert abs(result.apr - i * 365) < Decimal("1e-20")


def test_skipped_months_make_the_transaction_irregular() -> None:
    # Seasonal schedule: 6 payments, a 3-month skip, 6 more. Periods differ → irregular.
    result = reg_z_apr(
        Decimal("5000"),
        date(2025, 1, 1),
        [
            PaymentStream(Decimal("450"), 6, date(2025, 2, 1)),
            PaymentStream(Decimal("450"), 6, date(2025, 10, 1)),
        ],
    )
    assert result.unit_period == UnitPeriod("month")
    assert result.irregular


def test_apr_solution_balances_the_general_equation_to_high_precision() -> None:
    result = reg_z_apr(
        Decimal("6000"), date(1978, 2, 10), [PaymentStream(Decimal("200"), 36, date(1978, 4, 1))]
    )
    i = result.rate_per_period
    f = Decimal(19) / 30
    pv = sum(Decimal(200) / ((1 + f * i) * (1 + i) ** (1 + k)) for k in range(36))
    assert abs(pv - 6000) < Decimal("1e-18")
    # Newton converges far beyond the 1e-8 percentage-point accuracy promised for apr_exact.
    nudged = i + Decimal("1e-12")
    pv_nudged = sum(Decimal(200) / ((1 + f * nudged) * (1 + nudged) ** (1 + k)) for k in range(36))
    assert abs(pv_nudged - 6000) > abs(pv - 6000)


@pytest.mark.parametrize(
    ("disclosed", "actual", "irregular", "accurate"),
    [
        ("0.0969", "0.0969", False, True),
        ("0.098150", "0.0969", False, True),  # exactly ⅛ point above
        ("0.098151", "0.0969", False, False),
        ("0.095650", "0.0969", False, True),  # exactly ⅛ point below
        ("0.0994", "0.0969", True, True),  # ¼ point for irregular transactions
        ("0.0994", "0.0969", False, False),
        ("0.09941", "0.0969", True, False),
    ],
)
def test_tolerance_of_1026_22(disclosed: str, actual: str, irregular: bool, accurate: bool) -> None:
    assert apr_within_tolerance(Decimal(disclosed), Decimal(actual), irregular) is accurate


def test_interleaved_streams_are_measured_payment_by_payment() -> None:
    # Two monthly streams on the 1st and the 16th make a semimonthly schedule; the engine splits them
    # into single payments and must land within the ¼-point tolerance of the declared semimonthly one.
    advanced = date(2025, 1, 1)
    declared = reg_z_apr(
        Decimal("4500"), advanced, [PaymentStream(Decimal("200"), 24, date(2025, 1, 16), "semimonth")]
    )
    interleaved = reg_z_apr(
        Decimal("4500"),
        advanced,
        [
            PaymentStream(Decimal("200"), 12, date(2025, 1, 16)),
            PaymentStream(Decimal("200"), 12, date(2025, 2, 1)),
        ],
    )
    assert declared.unit_period == UnitPeriod("semimonth")
    assert interleaved.finance_charge == declared.finance_charge
    assert apr_within_tolerance(interleaved.apr, declared.apr, irregular=True)


def test_semimonthly_series_from_the_second_half_of_the_month() -> None:
    stream = PaymentStream(Decimal("100"), 4, date(2025, 1, 16), "semimonth")
    assert stream.dates() == [date(2025, 1, 16), date(2025, 2, 1), date(2025, 2, 16), date(2025, 3, 1)]
