"""The worked examples of 12 CFR 1026 Appendix J (c), "Examples for the actuarial method".

Source: Regulation Z, Appendix J to Part 1026, paragraph (c)
(https://www.consumerfinance.gov/rules-policy/regulations/1026/j/, also eCFR title 12 part 1026).
Each test states the example's figures as the regulation gives them (amount advanced, payments, dates)
and the APR it discloses; the engine must compute the same APR to two decimals.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from calc.finance import PaymentStream, UnitPeriod, reg_z_apr
from calc.finance.unit_period import Span, measure


def d(text: str) -> Decimal:
    return Decimal(text)


def apr_of(amount: str, advanced: date, *streams: PaymentStream) -> Decimal:
    return reg_z_apr(d(amount), advanced, streams).percent(2)


def single(amount: str, on: date) -> PaymentStream:
    return PaymentStream(d(amount), 1, on, None)


# (c)(1): single advance, with or without an odd first period, otherwise regular.


def test_c1i_monthly_regular_first_period() -> None:
    # $5,000 advanced 1/10/78; 24 monthly payments of $230 from 2/10/78; f = 0, t = 0 → 9.69 %.
    result = reg_z_apr(d("5000"), date(1978, 1, 10), [PaymentStream(d("230"), 24, date(1978, 2, 10))])
    assert result.percent(2) == d("9.69")
    assert result.unit_period == UnitPeriod("month")
    assert result.finance_charge == d("520.00")
    assert result.total_of_payments == d("5520.00")
    assert not result.irregular


def test_c1ii_monthly_long_first_period() -> None:
    # $6,000 advanced 2/10/78; 36 payments of $200 from 4/1/78; t = 1, f = 19/30 → 11.82 %.
    assert measure(date(1978, 2, 10), date(1978, 4, 1), UnitPeriod("month")) == Span(1, d(19) / 30)
    assert apr_of("6000", date(1978, 2, 10), PaymentStream(d("200"), 36, date(1978, 4, 1))) == d("11.82")


def test_c1iii_semimonthly_short_first_period() -> None:
    # $5,000 advanced 2/23/78; 24 payments of $219.17 on the 1st and 16th from 3/1/78; f = 6/15 → 10.34 %.
    assert measure(date(1978, 2, 23), date(1978, 3, 1), UnitPeriod("semimonth")) == Span(0, d(6) / 15)
    stream = PaymentStream(d("219.17"), 24, date(1978, 3, 1), "semimonth")
    assert stream.dates()[:4] == [date(1978, 3, 1), date(1978, 3, 16), date(1978, 4, 1), date(1978, 4, 16)]
    result = reg_z_apr(d("5000"), date(1978, 2, 23), [stream])
    assert result.unit_period == UnitPeriod("semimonth")
    assert result.periods_per_year == 24
    assert result.percent(2) == d("10.34")


def test_c1iv_quarterly_long_first_period() -> None:
    # $10,000 advanced 5/23/78; 40 quarterly payments of $385 from 10/1/78; t = 1, f = 39/90 → 8.97 %.
    assert measure(date(1978, 5, 23), date(1978, 10, 1), UnitPeriod("month", 3)) == Span(1, d(39) / 90)
    stream = PaymentStream(d("385"), 40, date(1978, 10, 1), "month", 3)
    assert apr_of("10000", date(1978, 5, 23), stream) == d("8.97")


def test_c1v_weekly_long_first_period() -> None:
    # $500 advanced 3/20/78; 30 weekly payments of $17.60 from 4/21/78; t = 4, f = 4/7 → 14.96 %.
    assert measure(date(1978, 3, 20), date(1978, 4, 21), UnitPeriod("week")) == Span(4, d(4) / 7)
    result = reg_z_apr(
        d("500"), date(1978, 3, 20), [PaymentStream(d("17.60"), 30, date(1978, 4, 21), "week")]
    )
    assert result.periods_per_year == 52
    assert result.percent(2) == d("14.96")


# (c)(2): odd first payment.


def test_c2i_monthly_odd_first_payment() -> None:
    # $5,000 advanced 1/10/78; $250 on 2/10/78, then 23 payments of $230 from 3/10/78 → 10.08 %.
    assert apr_of(
        "5000",
        date(1978, 1, 10),
        single("250", date(1978, 2, 10)),
        PaymentStream(d("230"), 23, date(1978, 3, 10)),
    ) == d("10.08")


def test_c2ii_every_four_weeks_long_first_period_odd_first_payment() -> None:
    # $400 advanced 3/18/78; $39.50 on 4/20/78, then 11 payments of $38.31 every 4 weeks from 5/18/78;
    # t = 1, f = 5/28 → 28.50 %.
    assert measure(date(1978, 3, 18), date(1978, 4, 20), UnitPeriod("week", 4)) == Span(1, d(5) / 28)
    result = reg_z_apr(
        d("400"),
        date(1978, 3, 18),
        [single("39.50", date(1978, 4, 20)), PaymentStream(d("38.31"), 11, date(1978, 5, 18), "week", 4)],
    )
    assert result.unit_period == UnitPeriod("week", 4)
    assert result.periods_per_year == 13
    assert result.percent(2) == d("28.50")


# (c)(3): odd final payment.


def test_c3i_monthly_odd_final_payment() -> None:
    # $5,000 advanced 1/10/78; 23 payments of $230 from 2/10/78, then $280 on 1/10/80 → 10.50 %.
    assert apr_of(
        "5000",
        date(1978, 1, 10),
        PaymentStream(d("230"), 23, date(1978, 2, 10)),
        single("280", date(1980, 1, 10)),
    ) == d("10.50")


def test_c3ii_biweekly_short_first_period_odd_final_payment() -> None:
    # $200 advanced 4/3/78; 19 payments of $9.50 every 2 weeks from 4/11/78, then $30 two weeks after the
    # 19th; f = 8/14 → 12.22 %.
    last = date(1978, 4, 11) + timedelta(days=14 * 19)
    assert apr_of(
        "200",
        date(1978, 4, 3),
        PaymentStream(d("9.50"), 19, date(1978, 4, 11), "week", 2),
        single("30.00", last),
    ) == d("12.22")


# (c)(4): odd first and final payments.


def test_c4i_monthly_odd_first_and_final_payments() -> None:
    # $5,000 advanced 1/10/78; $250 on 2/10/78, 22 × $230 from 3/10/78, $280 on 1/10/80 → 10.90 %.
    assert apr_of(
        "5000",
        date(1978, 1, 10),
        single("250", date(1978, 2, 10)),
        PaymentStream(d("230"), 22, date(1978, 3, 10)),
        single("280", date(1980, 1, 10)),
    ) == d("10.90")


def test_c4ii_every_two_months_short_first_period_odd_first_and_final() -> None:
    # $8,000 advanced 1/10/78; $449.36 on 3/1/78, 18 × $465 every 2 months from 5/1/78, $200 on 5/1/81;
    # f = 52/60 → 7.30 %.
    assert measure(date(1978, 1, 10), date(1978, 3, 1), UnitPeriod("month", 2)) == Span(0, d(52) / 60)
    result = reg_z_apr(
        d("8000"),
        date(1978, 1, 10),
        [
            single("449.36", date(1978, 3, 1)),
            PaymentStream(d("465"), 18, date(1978, 5, 1), "month", 2),
            single("200", date(1981, 5, 1)),
        ],
    )
    assert result.unit_period == UnitPeriod("month", 2)
    assert result.percent(2) == d("7.30")


# (c)(5): single advance, single payment.


def test_c5i_single_payment_term_in_days() -> None:
    # $1,000 advanced 1/3/78, $1,080 due 9/15/78: 255 days, one unit-period, 365/255 a year → 11.45 %.
    result = reg_z_apr(d("1000"), date(1978, 1, 3), [single("1080", date(1978, 9, 15))])
    assert result.unit_period == UnitPeriod("day", 255)
    assert result.percent(2) == d("11.45")


def test_single_payment_term_in_whole_months() -> None:
    # (b)(5)(vi): a term of whole months under a year is one unit-period of that many months. Our own
    # figures: $1,000 advanced 7/15/78, $1,044 due 4/15/79 → i = 4.4 % per 9 months, × 12/9 = 5.87 %.
    result = reg_z_apr(d("1000"), date(1978, 7, 15), [single("1044", date(1979, 4, 15))])
    assert result.unit_period == UnitPeriod("month", 9)
    assert result.percent(2) == d("5.87")


@pytest.mark.parametrize(
    ("due", "whole", "fraction"),
    [
        (date(1980, 1, 3), 2, Decimal(0)),  # exactly two years
        (date(1980, 4, 3), 2, Decimal(3) / 12),  # (b)(5)(v)(A): whole months over 12
        (date(1980, 1, 13), 2, Decimal(10) / 365),  # (b)(5)(v)(B): days over 365
    ],
)
def test_single_payment_longer_than_a_year_uses_the_year_rule(
    due: date, whole: int, fraction: Decimal
) -> None:
    result = reg_z_apr(d("1000"), date(1978, 1, 3), [single("1250", due)])
    assert result.unit_period == UnitPeriod("year")
    i = result.rate_per_period
    # The general equation balances with t full years and the (b)(5)(v) fraction.
    balance = d("1250") / ((1 + fraction * i) * (1 + i) ** whole)
    assert abs(balance - 1000) < Decimal("1e-15")
    assert result.apr == i


def test_odd_first_period_and_odd_first_or_final_payments_are_not_irregular() -> None:
    # 1026.22(a)(3) excludes these irregularities, so the ⅛-point tolerance still applies.
    result = reg_z_apr(
        d("5000"),
        date(1978, 1, 10),
        [
            single("250", date(1978, 2, 10)),
            PaymentStream(d("230"), 22, date(1978, 3, 10)),
            single("280", date(1980, 1, 10)),
        ],
    )
    assert not result.irregular
    stepped = reg_z_apr(
        d("5000"),
        date(1978, 1, 10),
        [PaymentStream(d("200"), 12, date(1978, 2, 10)), PaymentStream(d("260"), 12, date(1979, 2, 10))],
    )
    assert stepped.irregular  # a step-up in the middle of the schedule is an irregular amount
