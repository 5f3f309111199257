"""Regulation Z annual percentage rate: 12 CFR 1026 Appendix J actuarial method, any payment schedule.

A schedule is one advance (the amount financed, on the advance date) and one or more payment streams
(``count`` equal payments, ``every`` unit-period apart, from ``first_date``); a stream without an
interval is a single payment. Streams express every case of Appendix J (c): regular schedules, odd
first periods, odd first or final payments, single payment loans, weekly / biweekly / semimonthly /
monthly / quarterly series and any mix.

Steps, in Appendix J order:

1. Unit-period ((b)(4)): the common period (occurring more than once, at most a year) that occurs most
   often, the smaller one on a tie, or the average period rounded to the nearest standard interval when
   no period repeats. A single advance repaid by a single payment uses the term itself ((b)(4)(ii)),
   or a year when the term is longer ((b)(5)(v)).
2. Time to each payment in full unit-periods ``t`` and fraction ``f`` ((b)(5), :mod:`.unit_period`).
   A stream whose interval is a whole number of unit-periods keeps the first payment's fraction for all
   its payments (``t`` grows by the interval). This is what (b)(5) gives for monthly series. For some
   semimonthly series, counting back from each date separately makes the fraction alternate between
   payments; we keep the single odd-first-period fraction, the way an "odd first period" is treated
   everywhere else in Appendix J. Streams that interleave (two monthly streams on the 1st and 16th)
   are measured payment by payment.
3. Solve the general equation ((b)(8)) for the unit-period rate ``i`` (:mod:`.solver`); the APR is
   ``i`` × unit-periods per year ((b)(1)).

Scope: one advance (the auto-loan case). Multiple-advance transactions (construction loans) and the
United States Rule method are not implemented.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Final

from calc.errors import CalcInputError
from calc.finance.checks import require_money, require_whole
from calc.finance.solver import PRECISION, Run, solve_rate
from calc.finance.unit_period import (
    UNITS,
    UnitPeriod,
    add_months,
    classify,
    full_months_back,
    measure,
    nearest_standard,
    step_date,
)
from calc.model import Record

MAX_PAYMENTS: Final = 1200
_HUNDRED: Final = Decimal(100)
# 12 CFR 1026.22(a)(2) and (a)(3): tolerances in APR as a fraction (⅛ and ¼ of a percentage point).
REGULAR_TOLERANCE: Final = Decimal("0.00125")
IRREGULAR_TOLERANCE: Final = Decimal("0.0025")


class PaymentStream(Record):
    """``count`` payments of ``amount``, the first on ``first_date``, then every ``multiple`` × ``unit``.

    ``unit`` is ``"month"``, ``"semimonth"``, ``"week"``, ``"day"`` or ``None`` for a single payment.
    """

    amount: Final[Decimal]
    count: Final[int]
    first_date: Final[date]
    unit: Final[str | None]
    multiple: Final[int]

    __match_args__ = ("amount", "count", "first_date", "unit", "multiple")

    def __init__(
        self,
        amount: Decimal,
        count: int,
        first_date: date,
        unit: str | None = "month",
        multiple: int = 1,
    ) -> None:
        self.amount = amount
        self.count = count
        self.first_date = first_date
        self.unit = unit
        self.multiple = multiple

    @property
    def period(self) -> UnitPeriod | None:
        return None if self.unit is None else UnitPeriod(self.unit, self.multiple)

    def dates(self) -> list[date]:
        period = self.period
        if period is None:
            return [self.first_date]
        return [step_date(self.first_date, period, k) for k in range(self.count)]


class AprResult(Record):
    """The actuarial APR of a schedule and the figures a Truth in Lending disclosure shows with it."""

    apr: Final[Decimal]  # fraction, full solver precision (0.0968570... = 9.68570... %)
    unit_period: Final[UnitPeriod]
    periods_per_year: Final[Decimal]
    rate_per_period: Final[Decimal]
    amount_financed: Final[Decimal]
    total_of_payments: Final[Decimal]
    finance_charge: Final[Decimal]
    irregular: Final[bool]  # an "irregular transaction" under 1026.22(a)(3): the ¼-point tolerance applies

    __match_args__ = (
        "apr",
        "unit_period",
        "periods_per_year",
        "rate_per_period",
        "amount_financed",
        "total_of_payments",
        "finance_charge",
        "irregular",
    )

    def __init__(
        self,
        apr: Decimal,
        unit_period: UnitPeriod,
        periods_per_year: Decimal,
        rate_per_period: Decimal,
        amount_financed: Decimal,
        total_of_payments: Decimal,
        finance_charge: Decimal,
        irregular: bool,
    ) -> None:
        self.apr = apr
        self.unit_period = unit_period
        self.periods_per_year = periods_per_year
        self.rate_per_period = rate_per_period
        self.amount_financed = amount_financed
        self.total_of_payments = total_of_payments
        self.finance_charge = finance_charge
        self.irregular = irregular

    @property
    def apr_percent(self) -> Decimal:
        return self.apr * _HUNDRED

    def percent(self, places: int = 2) -> Decimal:
        """The APR in percent rounded half-up to ``places`` decimals, as disclosed."""
        return self.apr_percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class _Segment(Record):
    """Validated payments: ``count`` × ``amount`` from ``first`` to ``last`` every ``period``."""

    amount: Final[Decimal]
    count: Final[int]
    first: Final[date]
    last: Final[date]
    period: Final[UnitPeriod | None]

    __match_args__ = ("amount", "count", "first", "last", "period")

    def __init__(
        self,
        amount: Decimal,
        count: int,
        first: date,
        last: date,
        period: UnitPeriod | None,
    ) -> None:
        self.amount = amount
        self.count = count
        self.first = first
        self.last = last
        self.period = period


def apr_within_tolerance(disclosed: Decimal, actual: Decimal, irregular: bool) -> bool:
    """Whether a disclosed APR is accurate under 12 CFR 1026.22(a)(2)-(3).

    Both rates are fractions (0.0969 = 9.69 %). Regular transactions allow ⅛ of a percentage point
    either way, irregular ones (multiple advances, irregular periods or amounts other than an odd first
    period or odd first/final payment) ¼ point. The bounds are inclusive ("not more than").
    """
    tolerance = IRREGULAR_TOLERANCE if irregular else REGULAR_TOLERANCE
    return abs(disclosed - actual) <= tolerance


def reg_z_apr(amount_financed: Decimal, advance_date: date, payments: Sequence[PaymentStream]) -> AprResult:
    """Appendix J actuarial APR of one advance repaid by ``payments`` (see module docs for the steps)."""
    amount = require_money(amount_financed, "amount_financed", positive=True)
    segments = _validated(advance_date, payments)
    total = sum((s.amount * s.count for s in segments), Decimal(0))
    if total <= 0:
        raise CalcInputError("payments", "the payments must total more than zero")
    if total < amount:
        raise CalcInputError(
            "payments", f"total of payments {total} is less than the amount financed {amount}"
        )
    if sum(s.count for s in segments) == 1:
        unit = _single_payment_period(advance_date, segments[0].first)
        runs = [_single_payment_run(advance_date, segments[0], unit)]
        irregular = False
    else:
        segments = _in_order(segments)
        unit = _unit_period(advance_date, segments)
        runs = _runs(advance_date, segments, unit)
        irregular = _irregular(segments, unit)
    rate = solve_rate(amount, runs)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        per_year = unit.per_year
        apr = rate * per_year
    return AprResult(
        apr=apr,
        unit_period=unit,
        periods_per_year=per_year,
        rate_per_period=rate,
        amount_financed=amount,
        total_of_payments=total,
        finance_charge=total - amount,
        irregular=irregular,
    )


def _validated(advance_date: date, streams: Sequence[PaymentStream]) -> list[_Segment]:
    if not isinstance(advance_date, date):
        raise CalcInputError("advance_date", "must be a date")
    if not streams:
        raise CalcInputError("payments", "at least one payment is required")
    segments: list[_Segment] = []
    payments = 0
    for s, stream in enumerate(streams):
        field = f"payments[{s}]"
        amount = require_money(stream.amount, f"{field}.amount", positive=False)
        count = require_whole(stream.count, f"{field}.count", minimum=1, maximum=MAX_PAYMENTS)
        if stream.unit is None:
            if count != 1:
                raise CalcInputError(f"{field}.every", "an interval is required for more than one payment")
        else:
            if stream.unit not in UNITS:
                raise CalcInputError(f"{field}.every.unit", f"must be one of {', '.join(UNITS)}")
            require_whole(stream.multiple, f"{field}.every.multiple", minimum=1, maximum=366)
        if not isinstance(stream.first_date, date):
            raise CalcInputError(f"{field}.first_date", "must be a date")
        if stream.first_date < advance_date:
            raise CalcInputError(f"{field}.first_date", "must not be before the advance date")
        payments += count
        if payments > MAX_PAYMENTS:
            raise CalcInputError(f"{field}.count", f"more than {MAX_PAYMENTS} payments in all")
        period = stream.period
        last = stream.first_date if period is None else step_date(stream.first_date, period, count - 1)
        segments.append(_Segment(amount, count, stream.first_date, last, period))
    return segments


def _in_order(segments: list[_Segment]) -> list[_Segment]:
    """Streams sorted by date; streams that interleave are split into single payments."""
    ordered = sorted(segments, key=lambda s: (s.first, s.last))
    if all(a.last < b.first for a, b in itertools.pairwise(ordered)):
        return ordered
    singles = [_Segment(s.amount, 1, when, when, None) for s in segments for when in _dates(s)]
    return sorted(singles, key=lambda s: s.first)


def _dates(segment: _Segment) -> list[date]:
    if segment.period is None:
        return [segment.first]
    return [step_date(segment.first, segment.period, k) for k in range(segment.count)]


def _single_payment_period(advance_date: date, due: date) -> UnitPeriod:
    """(b)(4)(ii), (b)(5)(v)-(vii): the term itself when it is a year or less, else a year."""
    months, days = full_months_back(due, advance_date)
    if months <= 12 and days == 0 and months > 0:
        return UnitPeriod("month", months)
    if add_months(advance_date, 12) < due:
        return UnitPeriod("year")
    term_days = (due - advance_date).days
    if term_days == 0:
        raise CalcInputError("payments[0].first_date", "a single payment must fall after the advance date")
    return UnitPeriod("day", term_days)


def _single_payment_run(advance_date: date, only: _Segment, unit: UnitPeriod) -> Run:
    if unit.unit == "year":
        span = measure(advance_date, only.first, unit)
        return Run(only.amount, span.whole, span.fraction)
    # (b)(5)(vi)-(vii): a term of a year or less is exactly one unit-period.
    return Run(only.amount, 1, Decimal(0))


def _unit_period(advance_date: date, segments: Sequence[_Segment]) -> UnitPeriod:
    """(b)(4)(i): the most frequent common period, the smaller on a tie, else the rounded average."""
    periods: Counter[UnitPeriod] = Counter()
    periods[_between(advance_date, segments[0].first)] += 1
    for segment in segments:
        if segment.count > 1 and segment.period is not None:
            periods[segment.period] += segment.count - 1
    for before, after in itertools.pairwise(segments):
        if after.first > before.last:
            periods[_between(before.last, after.first)] += 1
    common = [(n, p) for p, n in periods.items() if n > 1 and p.approx_days <= 366]
    if common:
        best = max(n for n, _ in common)
        return min((p for n, p in common if n == best), key=lambda p: p.approx_days)
    span = Decimal((segments[-1].last - advance_date).days)
    return nearest_standard(span / sum(periods.values()))


def _between(earlier: date, later: date) -> UnitPeriod:
    standard = classify(earlier, later)
    if standard is not None:
        return standard
    return UnitPeriod("day", max((later - earlier).days, 1))


def _runs(advance_date: date, segments: Sequence[_Segment], unit: UnitPeriod) -> list[Run]:
    runs: list[Run] = []
    for segment in segments:
        first = measure(advance_date, segment.first, unit)
        if segment.count == 1:
            runs.append(Run(segment.amount, first.whole, first.fraction))
            continue
        ratio = _units_per_step(segment.period, unit)
        if ratio is not None:
            runs.append(Run(segment.amount, first.whole, first.fraction, segment.count, ratio))
            continue
        for when in _dates(segment):
            span = measure(advance_date, when, unit)
            runs.append(Run(segment.amount, span.whole, span.fraction))
    return runs


def _units_per_step(step: UnitPeriod | None, unit: UnitPeriod) -> int | None:
    """How many whole unit-periods one step of a stream spans, or None when not a whole number."""
    if step is None:
        return 0
    # Calendar units convert among themselves (a month is two semimonths), day counts likewise.
    scale = {"semimonth": ("calendar", 1), "month": ("calendar", 2), "day": ("days", 1), "week": ("days", 7)}
    if unit.unit == "year":
        return step.multiple // 12 if step.unit == "month" and step.multiple % 12 == 0 else None
    step_kind, step_size = scale[step.unit]
    unit_kind, unit_size = scale[unit.unit]
    if step_kind != unit_kind:
        return None
    steps, rest = divmod(step.multiple * step_size, unit.multiple * unit_size)
    return steps if rest == 0 and steps > 0 else None


def _irregular(segments: Sequence[_Segment], unit: UnitPeriod) -> bool:
    """1026.22(a)(3): irregular periods or amounts, not counting the first period or first/last payment."""
    remaining = [s.count for s in segments]
    remaining[0] -= 1
    remaining[-1] -= 1
    if len({s.amount for s, left in zip(segments, remaining, strict=True) if left > 0}) > 1:
        return True
    for segment in segments:
        if segment.count > 1 and _units_per_step(segment.period, unit) != 1:
            return True
    return any(
        after.first > before.last and step_date(before.last, unit, 1) != after.first
        for before, after in itertools.pairwise(segments)
    )
