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
   its payments (``t`` grows by the interval). This is what (b)(5) gives for monthly series; for
   semimonthly series counting back from each date can make the fraction alternate, and the Bureau's
   APR tables assume a constant odd-days fraction, which is what we keep.
3. Solve the general equation ((b)(8)) for the unit-period rate ``i`` (:mod:`.solver`); the APR is
   ``i`` × unit-periods per year ((b)(1)).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from calc.errors import CalcInputError
from calc.finance.checks import require_money, require_whole
from calc.finance.solver import Flow, solve_rate
from calc.finance.unit_period import (
    UNITS,
    Span,
    UnitPeriod,
    add_months,
    classify,
    full_months_back,
    measure,
    nearest_standard,
    step_date,
)

MAX_PAYMENTS = 1200
_HUNDRED = Decimal(100)
# 12 CFR 1026.22(a)(2) and (a)(3): tolerances in APR as a fraction (⅛ and ¼ of a percentage point).
REGULAR_TOLERANCE = Decimal("0.00125")
IRREGULAR_TOLERANCE = Decimal("0.0025")


@dataclass(frozen=True, slots=True)
class PaymentStream:
    """``count`` payments of ``amount``, the first on ``first_date``, then every ``multiple`` × ``unit``.

    ``unit`` is ``"month"``, ``"semimonth"``, ``"week"``, ``"day"`` or ``None`` for a single payment.
    """

    amount: Decimal
    count: int
    first_date: date
    unit: str | None = "month"
    multiple: int = 1

    @property
    def period(self) -> UnitPeriod | None:
        return None if self.unit is None else UnitPeriod(self.unit, self.multiple)

    def dates(self) -> list[date]:
        period = self.period
        if period is None:
            return [self.first_date]
        return [step_date(self.first_date, period, k) for k in range(self.count)]


@dataclass(frozen=True, slots=True)
class AprResult:
    """The actuarial APR of a schedule and the figures a Truth in Lending disclosure shows with it."""

    apr: Decimal  # fraction, full solver precision (0.0968570... = 9.68570... %)
    unit_period: UnitPeriod
    periods_per_year: Decimal
    rate_per_period: Decimal
    amount_financed: Decimal
    total_of_payments: Decimal
    finance_charge: Decimal
    irregular: bool  # an "irregular transaction" under 1026.22(a)(3): the ¼-point tolerance applies

    @property
    def apr_percent(self) -> Decimal:
        return self.apr * _HUNDRED

    def percent(self, places: int = 2) -> Decimal:
        """The APR in percent rounded half-up to ``places`` decimals, as disclosed."""
        return self.apr_percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class _Payment:
    when: date
    amount: Decimal
    stream: int
    index: int


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
    schedule = _expand(advance_date, payments)
    total = sum((p.amount for p in schedule), Decimal(0))
    if total < amount:
        raise CalcInputError(
            "payments", f"total of payments {total} is less than the amount financed {amount}"
        )
    unit, single = _unit_period(advance_date, schedule, payments)
    flows = _flows(advance_date, schedule, payments, unit, single)
    rate = solve_rate(amount, flows)
    per_year = unit.per_year
    return AprResult(
        apr=rate * per_year,
        unit_period=unit,
        periods_per_year=per_year,
        rate_per_period=rate,
        amount_financed=amount,
        total_of_payments=total,
        finance_charge=total - amount,
        irregular=not single and _irregular(schedule, payments, unit),
    )


def _expand(advance_date: date, streams: Sequence[PaymentStream]) -> list[_Payment]:
    if not streams:
        raise CalcInputError("payments", "at least one payment is required")
    expanded: list[_Payment] = []
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
        expanded += [_Payment(d, amount, s, k) for k, d in enumerate(stream.dates())]
        if len(expanded) > MAX_PAYMENTS:
            raise CalcInputError(f"{field}.count", f"more than {MAX_PAYMENTS} payments in all")
    expanded.sort(key=lambda p: (p.when, p.stream, p.index))
    if sum((p.amount for p in expanded), Decimal(0)) <= 0:
        raise CalcInputError("payments", "the payments must total more than zero")
    return expanded


def _unit_period(
    advance_date: date, schedule: Sequence[_Payment], streams: Sequence[PaymentStream]
) -> tuple[UnitPeriod, bool]:
    """(b)(4): the unit-period, and whether the single-advance single-payment rule applied."""
    if len(schedule) == 1:
        return _single_payment_period(advance_date, schedule[0].when), True
    periods = _periods(advance_date, schedule, streams)
    counts = Counter(p for p in periods if p.approx_days <= 366)
    common = [(n, p) for p, n in counts.items() if n > 1]
    if common:
        best = max(n for n, _ in common)
        return min((p for n, p in common if n == best), key=lambda p: p.approx_days), False
    lengths = [Decimal((b.when - a.when).days) for a, b in itertools.pairwise(schedule)]
    lengths.append(Decimal((schedule[0].when - advance_date).days))
    return nearest_standard(sum(lengths, Decimal(0)) / len(lengths)), False


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


def _periods(
    advance_date: date, schedule: Sequence[_Payment], streams: Sequence[PaymentStream]
) -> list[UnitPeriod]:
    """Every period of the transaction ((b)(3)(i)), each as the standard interval it spans."""
    periods = [_between(advance_date, schedule[0].when)]
    for before, after in itertools.pairwise(schedule):
        if after.when == before.when:
            continue
        if after.stream == before.stream and after.index == before.index + 1:
            declared = streams[after.stream].period
            assert declared is not None  # a stream with two payments has an interval
            periods.append(declared)
        else:
            periods.append(_between(before.when, after.when))
    return periods


def _between(earlier: date, later: date) -> UnitPeriod:
    standard = classify(earlier, later)
    if standard is not None:
        return standard
    return UnitPeriod("day", max((later - earlier).days, 1))


def _flows(
    advance_date: date,
    schedule: Sequence[_Payment],
    streams: Sequence[PaymentStream],
    unit: UnitPeriod,
    single: bool,
) -> list[Flow]:
    if single:
        # (b)(5)(vi)-(vii): a term of a year or less is exactly one unit-period.
        only = schedule[0]
        span = Span(1, Decimal(0)) if unit.unit != "year" else measure(advance_date, only.when, unit)
        return [Flow(only.amount, span.whole, span.fraction)]
    firsts = [measure(advance_date, s.first_date, unit) for s in streams]
    flows: list[Flow] = []
    for payment in schedule:
        stream = streams[payment.stream]
        ratio = _units_per_step(stream.period, unit)
        if ratio is not None:
            first = firsts[payment.stream]
            flows.append(Flow(payment.amount, first.whole + ratio * payment.index, first.fraction))
        else:
            span = measure(advance_date, payment.when, unit)
            flows.append(Flow(payment.amount, span.whole, span.fraction))
    return flows


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


def _irregular(schedule: Sequence[_Payment], streams: Sequence[PaymentStream], unit: UnitPeriod) -> bool:
    """1026.22(a)(3): irregular periods or amounts, not counting the first period or first/last payment."""
    middle = {p.amount for p in schedule[1:-1]}
    if len(middle) > 1:
        return True
    for before, after in itertools.pairwise(schedule):
        if after.stream == before.stream and after.index == before.index + 1:
            step = streams[after.stream].period
        else:
            step = _between(before.when, after.when)
        if step != unit and _units_per_step(step, unit) != 1:
            return True
    return False
