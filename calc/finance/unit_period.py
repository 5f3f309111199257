"""Time measurement of Regulation Z Appendix J: unit-periods, full periods and fractions.

12 CFR 1026 Appendix J (b)(3)-(5) decide how the time between two dates is expressed: a whole number of
unit-periods ``t`` counted *back* from the later date, plus a fraction ``f`` of a unit-period for what
is left. The general equation (b)(8) discounts a payment by ``(1 + f·i)·(1 + i)^t``: the fraction earns
simple interest, the full periods compound.

Rules implemented here (paragraph numbers of Appendix J (b)(5)):

* (ii) month: full months counted back from the later date; remaining days over 30.
* (iii) semimonth and multiples of a month: 30 × full months + remaining days, divided by 15 (semimonth)
  or by 30 × the multiple (two months, quarter...); the quotient is the full unit-periods, the remainder
  the fraction.
* (iv) day, week, multiple of a week: days divided by the days in the unit-period.
* (v) year: full years counted back; the rest is months / 12 when it is a whole number of months,
  otherwise days / 365.
* (b)(3)(iv) months are all equal; a series on the 29th-31st uses the last day of shorter months.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from calc.model import Record

UNITS: Final = ("month", "semimonth", "week", "day")

_DAYS_PER_YEAR: Final = Decimal(365)


class UnitPeriod(Record):
    """A standard interval of time: ``multiple`` × ``unit`` (``year`` = the single-payment term rule)."""

    unit: Final[str]
    multiple: Final[int]

    __match_args__ = ("unit", "multiple")

    def __init__(self, unit: str, multiple: int = 1) -> None:
        self.unit = unit
        self.multiple = multiple

    @property
    def per_year(self) -> Decimal:
        """Unit-periods in a year (Appendix J (b)(5)): 12 months, 24 semimonths, 52 weeks, 365 days."""
        if self.unit == "month":
            return Decimal(12) / self.multiple  # 12 months is the year rule of (b)(5)(v): 1 a year
        if self.unit == "semimonth":
            return Decimal(24) / self.multiple
        if self.unit == "week":
            return Decimal(52) / self.multiple
        if self.unit == "day":
            return _DAYS_PER_YEAR / self.multiple
        return Decimal(1)  # year

    @property
    def approx_days(self) -> Decimal:
        """Length used only to compare periods (ties go to the smaller one, (b)(4)(i)(A))."""
        return _DAYS_PER_YEAR / self.per_year

    def describe(self) -> str:
        if self.multiple == 1:
            return self.unit
        return f"{self.multiple} {self.unit}s"


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(start: date, months: int) -> date:
    """``start`` moved by ``months`` (negative goes back), the day clipped to the month's length.

    Series are always stepped from their first date, so a series on the 29th, 30th or 31st falls on the
    last day of shorter months and returns to its day afterwards, as (b)(3)(iv) requires.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, last_day(year, month)))


def add_semimonths(start: date, count: int) -> date:
    """The ``count``-th semimonthly date after ``start``: two semimonths make a month.

    Odd steps land half a month later: day + 15 in the same month for a date in the first half,
    day − 15 in the next month for one in the second half (1st ⇄ 16th, 15th ⇄ last day...).
    """
    months, half = divmod(count, 2)
    base = add_months(start, months)
    if half == 0:
        return base
    if start.day <= 15:
        return date(base.year, base.month, min(start.day + 15, last_day(base.year, base.month)))
    following = add_months(date(base.year, base.month, 1), 1)
    length = last_day(following.year, following.month)
    return date(following.year, following.month, min(start.day - 15, length))


def step_date(first: date, period: UnitPeriod, k: int) -> date:
    """Date of the ``k``-th payment (0-based) of a series that starts on ``first``."""
    if period.unit == "month":
        return add_months(first, k * period.multiple)
    if period.unit == "semimonth":
        return add_semimonths(first, k * period.multiple)
    if period.unit == "week":
        return first + timedelta(days=7 * k * period.multiple)
    if period.unit == "day":
        return first + timedelta(days=k * period.multiple)
    return add_months(first, 12 * k)


def full_months_back(later: date, earlier: date) -> tuple[int, int]:
    """Full months counted back from ``later`` without passing ``earlier``, and the days left over."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    while months > 0 and add_months(later, -months) < earlier:
        months -= 1
    months = max(months, 0)
    anchor = add_months(later, -months)
    return months, (anchor - earlier).days


class Span(Record):
    """Time from the start of the term to a payment: ``whole`` unit-periods plus ``fraction``."""

    whole: Final[int]
    fraction: Final[Decimal]

    __match_args__ = ("whole", "fraction")

    def __init__(self, whole: int, fraction: Decimal) -> None:
        self.whole = whole
        self.fraction = fraction

    @property
    def total(self) -> Decimal:
        return self.whole + self.fraction


def measure(earlier: date, later: date, period: UnitPeriod) -> Span:
    """Unit-periods between two dates per Appendix J (b)(5), counted back from ``later``."""
    if later < earlier:
        raise ValueError("later date precedes earlier date")
    if period.unit in ("week", "day"):
        days = (later - earlier).days
        size = period.multiple * (7 if period.unit == "week" else 1)
        whole, rest = divmod(days, size)
        return Span(whole, Decimal(rest) / size)
    months, days = full_months_back(later, earlier)
    if period.unit == "year" or (period.unit == "month" and period.multiple == 12):
        years, months_left = divmod(months, 12)
        if days == 0:
            return Span(years, Decimal(months_left) / 12)
        anchor = add_months(later, -12 * years)
        return Span(years, Decimal((anchor - earlier).days) / _DAYS_PER_YEAR)
    if period.unit == "month" and period.multiple == 1:
        # (b)(5)(ii): whole months, then the days over 30 (a 31-day remainder is one month and 1/30).
        extra, rest = divmod(days, 30)
        return Span(months + extra, Decimal(rest) / 30)
    size = 15 * period.multiple if period.unit == "semimonth" else 30 * period.multiple
    whole, rest = divmod(30 * months + days, size)
    return Span(whole, Decimal(rest) / size)


def classify(earlier: date, later: date) -> UnitPeriod | None:
    """The standard interval two dates are apart, or ``None`` when it is no standard interval."""
    months, days = full_months_back(later, earlier)
    if months and days == 0 and months <= 12:
        return UnitPeriod("month", months)
    total = (later - earlier).days
    if total == 1:
        return UnitPeriod("day")
    if total and total % 7 == 0 and total <= 364:
        return UnitPeriod("week", total // 7)
    return None


def nearest_standard(days: Decimal) -> UnitPeriod:
    """(b)(4)(i)(B): the average period rounded to the nearest standard interval; the lower on a tie."""
    candidates = [UnitPeriod("day"), UnitPeriod("semimonth")]
    candidates += [UnitPeriod("week", k) for k in range(1, 53)]
    candidates += [UnitPeriod("month", k) for k in range(1, 13)]
    return min(candidates, key=lambda p: (abs(p.approx_days - days), p.approx_days))
