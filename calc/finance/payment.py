"""Installment payment, amortization schedule and Truth in Lending figures of a simple auto loan.

Conventions (the rounding points are the ones a retail installment contract shows):

* ``apr`` is a fraction (0.0599 = 5.99 %); the monthly rate is ``apr / 12``.
* First period. ``days_to_first_payment`` (None means 30: one regular month) is measured the way
  Regulation Z Appendix J measures an odd first period with a monthly unit-period: whole 30-day months
  ``t`` plus a fraction ``f = remaining days / 30``. The balance grows by ``(1 + f·i)·(1 + i)^t`` until
  the first payment: full months compound, the extra days earn simple interest. So a 45-day first
  period adds half a month of simple interest, a 20-day one charges 2/3 of a month, and a deferred
  first payment (90 days) compounds two extra months. The same ``(t, f)`` feeds the APR, so a loan
  priced at a rate discloses that rate back (up to cent rounding).
* The level payment is the exact annuity payment for that first period, rounded half-up to the cent.
* Each row's interest is the exact balance × apr / 12, rounded half-up to the cent; the final payment
  is whatever clears the balance (principal rows therefore sum to the amount financed exactly).
* Finance charge = total of payments − amount financed; the disclosed APR is the Appendix J rate of the
  schedule as actually rounded (:mod:`.solver`).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from typing import Final, NamedTuple, SupportsIndex

from calc.errors import CalcInputError
from calc.finance.checks import require_money, require_rate, require_term, require_whole
from calc.finance.solver import PRECISION, Run, level_loan_rate, solve_rate
from calc.model import Record
from calc.money import round_cents

_ONE: Final = Decimal(1)
_ZERO: Final = Decimal(0)
_TWELVE: Final = Decimal(12)
_THIRTY: Final = Decimal(30)
# The float solver is good to about 1e-13 of the rate; this is far wider, and still rarely hit.
_TIE_WINDOW: Final = 1e-7
MAX_DAYS_TO_FIRST_PAYMENT: Final = 366


class ScheduleRow(NamedTuple):
    """One payment: ``period`` = months from the contract date to this payment (first one may be odd).

    A named tuple, so a row unpacks and indexes like the table row it fills.
    """

    number: int
    period: Decimal
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


class _Plan(Record):
    """Everything needed to replay the amortization, in integer cents and an exact monthly rate."""

    balance: Final[int]
    level: Final[int]
    first_interest: Final[int]
    numerator: Final[int]
    denominator: Final[int]  # monthly rate = numerator / denominator
    term: Final[int]
    start: Final[Decimal]  # months from the contract date to the first payment

    __match_args__ = ("balance", "level", "first_interest", "numerator", "denominator", "term", "start")

    def __init__(
        self,
        balance: int,
        level: int,
        first_interest: int,
        numerator: int,
        denominator: int,
        term: int,
        start: Decimal,
    ) -> None:
        self.balance = balance
        self.level = level
        self.first_interest = first_interest
        self.numerator = numerator
        self.denominator = denominator
        self.term = term
        self.start = start


class FinanceTerms(Record):
    """What a Truth in Lending box shows for the loan, plus the full amortization schedule.

    ``schedule`` is built on first access and kept: quotes and grids need only the totals (which
    already account for every month's rounding), so they never pay for the rows.
    """

    amount_financed: Final[Decimal]
    note_rate: Final[Decimal]  # the contract rate the payment was priced at (fraction)
    term_months: Final[int]
    monthly_payment: Final[Decimal]
    final_payment: Final[Decimal]
    finance_charge: Final[Decimal]
    total_of_payments: Final[Decimal]
    apr: Final[Decimal]  # Appendix J APR of the rounded schedule (fraction, full precision)
    _plan: Final[_Plan]

    __match_args__ = (
        "amount_financed",
        "note_rate",
        "term_months",
        "monthly_payment",
        "final_payment",
        "finance_charge",
        "total_of_payments",
        "apr",
        "_plan",
    )

    def __init__(
        self,
        amount_financed: Decimal,
        note_rate: Decimal,
        term_months: int,
        monthly_payment: Decimal,
        final_payment: Decimal,
        finance_charge: Decimal,
        total_of_payments: Decimal,
        apr: Decimal,
        _plan: _Plan,
    ) -> None:
        self.amount_financed = amount_financed
        self.note_rate = note_rate
        self.term_months = term_months
        self.monthly_payment = monthly_payment
        self.final_payment = final_payment
        self.finance_charge = finance_charge
        self.total_of_payments = total_of_payments
        self.apr = apr
        self._plan = _plan
        self._rows: tuple[ScheduleRow, ...] | None = None  # the schedule, once built

    @property
    def apr_percent(self) -> Decimal:
        return self.apr * 100

    @property
    def schedule(self) -> tuple[ScheduleRow, ...]:
        """Every payment with its interest, principal and remaining balance (final row balance 0)."""
        if self._rows is None:
            # Not a field: a cache written once, past the records' assign-once guard.
            object.__setattr__(self, "_rows", _rows(self._plan))
        assert self._rows is not None
        return self._rows


def first_period_days(days_to_first_payment: SupportsIndex | None) -> tuple[int, int]:
    """Whole 30-day months and remaining days before the first payment (see module docs)."""
    if days_to_first_payment is None:
        return 1, 0
    days = require_whole(
        days_to_first_payment, "days_to_first_payment", minimum=1, maximum=MAX_DAYS_TO_FIRST_PAYMENT
    )
    return divmod(days, 30)


def first_period(days_to_first_payment: SupportsIndex | None) -> tuple[int, Decimal]:
    """Whole months and fraction of a month before the first payment (30-day months, see module docs)."""
    whole, rest = first_period_days(days_to_first_payment)
    return whole, Decimal(rest) / _THIRTY


def _growth_to_first(rate: Decimal, whole: int, fraction: Decimal) -> Decimal:
    """Factor a balance grows by between the contract date and the first payment."""
    return (_ONE + fraction * rate) * (_ONE + rate) ** whole


def exact_payment(
    principal: Decimal, apr: Decimal, term_months: int, whole: int, fraction: Decimal
) -> Decimal:
    """Unrounded level payment (validated inputs). Used by the desking grid to skip re-validation."""
    if apr == 0:
        return principal / term_months
    with localcontext() as ctx:
        ctx.prec = PRECISION
        rate = apr / _TWELVE
        annuity = (_ONE - (_ONE + rate) ** -term_months) / rate
        # Paying at the end of each month after the first payment date minus one month.
        return principal * _growth_to_first(rate, whole, fraction) / (_ONE + rate) / annuity


def monthly_payment(
    principal: Decimal,
    apr: Decimal,
    term_months: SupportsIndex,
    days_to_first_payment: SupportsIndex | None = None,
) -> Decimal:
    """Level monthly payment, rounded half-up to the cent (see module docs for the first period)."""
    amount = require_money(principal, "amount_financed", positive=True)
    rate = require_rate(apr, "apr")
    term = require_term(term_months)
    whole, fraction = first_period(days_to_first_payment)
    return round_cents(exact_payment(amount, rate, term, whole, fraction))


def _contract(
    amount: Decimal, rate: Decimal, term: int, whole: int, rest_days: int
) -> tuple[Decimal, Decimal, _Plan]:
    """Level payment, final payment and amortization plan of validated loan terms."""
    fraction = Decimal(rest_days) / _THIRTY
    payment = round_cents(exact_payment(amount, rate, term, whole, fraction))
    plan = _plan(amount, rate, term, payment, whole, rest_days)
    final = _cents(_final_payment(plan))
    if final <= 0 or payment <= 0:
        raise CalcInputError("amount_financed", f"is too small to spread over {term} payments")
    return payment, final, plan


def finance_charge_at(
    amount_financed: Decimal,
    apr: Decimal,
    term_months: SupportsIndex,
    days_to_first_payment: SupportsIndex | None = None,
) -> Decimal:
    """The finance charge the same loan would have at another note rate (payments rounded as a
    contract rounds them); what a lender keeps at its buy rate (:mod:`calc.finance.reserve`)."""
    amount = require_money(amount_financed, "amount_financed", positive=True)
    rate = require_rate(apr, "apr")
    term = require_term(term_months)
    payment, final, _ = _contract(amount, rate, term, *first_period_days(days_to_first_payment))
    return payment * (term - 1) + final - amount


def finance_terms(
    amount_financed: Decimal,
    apr: Decimal,
    term_months: SupportsIndex,
    days_to_first_payment: SupportsIndex | None = None,
) -> FinanceTerms:
    """Payment, finance charge, total of payments, disclosed APR and schedule of a monthly loan."""
    amount = require_money(amount_financed, "amount_financed", positive=True)
    rate = require_rate(apr, "apr")
    term = require_term(term_months)
    whole, rest_days = first_period_days(days_to_first_payment)
    fraction = Decimal(rest_days) / _THIRTY
    payment, final, plan = _contract(amount, rate, term, whole, rest_days)
    total = payment * (term - 1) + final
    # The disclosed rate is solved in floating point (solver module docs: exact to far below the
    # 1/100 point it is disclosed to); every amount above stays Decimal. The product is exact: at
    # most 17 digits times 12.
    disclosed = level_loan_rate(amount, payment, term, final, whole, fraction, rate / _TWELVE) * _TWELVE
    if _near_a_disclosure_tie(disclosed):
        # Within float error of half a hundredth of a point (a one-payment loan can land exactly on
        # one): the 38-digit solver decides which way the disclosed figure rounds.
        runs = [Run(payment, whole, fraction, term - 1, 1), Run(final, whole + term - 1, fraction)]
        disclosed = solve_rate(amount, runs, rate / _TWELVE) * _TWELVE
    return FinanceTerms(
        amount_financed=amount,
        note_rate=rate,
        term_months=term,
        monthly_payment=payment,
        final_payment=final,
        finance_charge=total - amount,
        total_of_payments=total,
        apr=disclosed,
        _plan=plan,
    )


def _near_a_disclosure_tie(apr: Decimal) -> bool:
    hundredths = float(apr) * 10000.0  # 1 = 0.01 % (the disclosed figure's last digit)
    return abs(hundredths - math.floor(hundredths) - 0.5) < _TIE_WINDOW


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero (ROUND_HALF_UP), for a positive denominator."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def _cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _plan(amount: Decimal, apr: Decimal, term: int, payment: Decimal, whole: int, rest_days: int) -> _Plan:
    """The amortization in integer cents with the monthly rate as an exact ratio (apr / 12).

    Each month's interest is then the exact product rounded half-up to the cent: the same as Decimal
    arithmetic, minus the 28-digit rounding of apr / 12, and several times faster (every quote and
    grid cell runs this loop).
    """
    numerator, denominator = apr.as_integer_ratio()
    den = 12 * denominator
    balance = int(amount.scaleb(2))
    # First period: (1 + f·i)(1 + i)^t − 1 with f = rest_days / 30 and i = numerator / den, exactly:
    # ((30·den + rest·numerator)(den + numerator)^t − 30·den^(t+1)) / (30·den^(t+1)).
    scale = 30 * den ** (whole + 1)
    growth = (30 * den + rest_days * numerator) * (den + numerator) ** whole - scale
    first = _half_up(balance * growth, scale)
    start = whole + Decimal(rest_days) / _THIRTY
    return _Plan(balance, int(payment.scaleb(2)), first, numerator, den, term, start)


def _final_payment(plan: _Plan) -> int:
    """The last payment, in cents, that clears the balance after term − 1 level payments."""
    if plan.term == 1:
        return plan.balance + plan.first_interest
    balance = plan.balance + plan.first_interest - plan.level
    numerator, den, level = plan.numerator, plan.denominator, plan.level
    twice_numerator = 2 * numerator
    twice_den = 2 * den
    for _ in range(plan.term - 2):  # hot loop; balances stay positive, so _half_up is inlined
        balance += (balance * twice_numerator + den) // twice_den - level
    return balance + _half_up(balance * numerator, den)


def _rows(plan: _Plan) -> tuple[ScheduleRow, ...]:
    balance = plan.balance
    interest = plan.first_interest
    rows: list[ScheduleRow] = []
    for number in range(1, plan.term + 1):
        due = balance + interest if number == plan.term else plan.level
        principal = due - interest
        balance -= principal
        period = plan.start + number - 1
        rows.append(
            ScheduleRow(number, period, _cents(due), _cents(interest), _cents(principal), _cents(balance))
        )
        interest = _half_up(balance * plan.numerator, plan.denominator)
    return tuple(rows)
