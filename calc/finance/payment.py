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
* Each row's interest is rounded half-up to the cent; the final payment is whatever clears the balance
  (principal rows therefore sum to the amount financed exactly).
* Finance charge = total of payments − amount financed; the disclosed APR is the Appendix J rate of the
  schedule as actually rounded (:mod:`.solver`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

from calc.errors import CalcInputError
from calc.finance.checks import require_money, require_rate, require_term, require_whole
from calc.finance.solver import PRECISION, Run, solve_rate
from calc.money import CENT, round_cents

_ONE = Decimal(1)
_ZERO = Decimal(0)
_TWELVE = Decimal(12)
_THIRTY = Decimal(30)
MAX_DAYS_TO_FIRST_PAYMENT = 366


class ScheduleRow(NamedTuple):
    """One payment: ``period`` = months from the contract date to this payment (first one may be odd).

    A named tuple rather than a frozen dataclass: a 84-month schedule builds 84 of them per quote, and
    tuple construction is several times cheaper.
    """

    number: int
    period: Decimal
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class FinanceTerms:
    """What a Truth in Lending box shows for the loan, plus the full amortization schedule."""

    amount_financed: Decimal
    note_rate: Decimal  # the contract rate the payment was priced at (fraction)
    term_months: int
    monthly_payment: Decimal
    final_payment: Decimal
    finance_charge: Decimal
    total_of_payments: Decimal
    apr: Decimal  # Appendix J APR of the rounded schedule (fraction, full precision)
    schedule: tuple[ScheduleRow, ...]

    @property
    def apr_percent(self) -> Decimal:
        return self.apr * 100


def first_period(days_to_first_payment: int | None) -> tuple[int, Decimal]:
    """Whole months and fraction of a month before the first payment (30-day months, see module docs)."""
    if days_to_first_payment is None:
        return 1, _ZERO
    days = require_whole(
        days_to_first_payment, "days_to_first_payment", minimum=1, maximum=MAX_DAYS_TO_FIRST_PAYMENT
    )
    whole, rest = divmod(days, 30)
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
    principal: Decimal, apr: Decimal, term_months: int, days_to_first_payment: int | None = None
) -> Decimal:
    """Level monthly payment, rounded half-up to the cent (see module docs for the first period)."""
    amount = require_money(principal, "amount_financed", positive=True)
    rate = require_rate(apr, "apr")
    term = require_term(term_months)
    whole, fraction = first_period(days_to_first_payment)
    return round_cents(exact_payment(amount, rate, term, whole, fraction))


def finance_terms(
    amount_financed: Decimal,
    apr: Decimal,
    term_months: int,
    days_to_first_payment: int | None = None,
    *,
    with_schedule: bool = True,
) -> FinanceTerms:
    """Payment, schedule, finance charge, total of payments and disclosed APR of a monthly loan.

    ``with_schedule=False`` still amortizes (the final payment depends on every month's rounding) but
    does not keep the rows: ``schedule`` is then empty. Quotes and payment grids use it.
    """
    amount = require_money(amount_financed, "amount_financed", positive=True)
    rate = require_rate(apr, "apr")
    term = require_term(term_months)
    whole, fraction = first_period(days_to_first_payment)
    payment = round_cents(exact_payment(amount, rate, term, whole, fraction))
    final, schedule = _amortize(amount, rate, term, payment, whole, fraction, with_schedule)
    if final <= 0 or payment <= 0:
        raise CalcInputError("amount_financed", f"is too small to spread over {term} payments")
    total = payment * (term - 1) + final
    runs = [Run(payment, whole, fraction, term - 1, 1), Run(final, whole + term - 1, fraction)]
    with localcontext() as ctx:
        ctx.prec = PRECISION
        disclosed = solve_rate(amount, runs, guess=rate / _TWELVE) * _TWELVE
    return FinanceTerms(
        amount_financed=amount,
        note_rate=rate,
        term_months=term,
        monthly_payment=payment,
        final_payment=final,
        finance_charge=total - amount,
        total_of_payments=total,
        apr=disclosed,
        schedule=schedule,
    )


def _amortize(
    amount: Decimal, apr: Decimal, term: int, payment: Decimal, whole: int, fraction: Decimal, keep: bool
) -> tuple[Decimal, tuple[ScheduleRow, ...]]:
    """The final payment that clears the balance, and the rows when ``keep``."""
    rate = apr / _TWELVE
    # First month: the odd-period growth; interest rounded half-up to the cent every month.
    interest = (amount * (_growth_to_first(rate, whole, fraction) - _ONE)).quantize(CENT, ROUND_HALF_UP)
    if not keep:
        balance = amount + interest - payment
        for _ in range(term - 2):  # hot loop of quotes and grids: no rows, round_cents inlined
            balance += (balance * rate).quantize(CENT, ROUND_HALF_UP) - payment
        if term == 1:
            return amount + interest, ()
        return balance + (balance * rate).quantize(CENT, ROUND_HALF_UP), ()
    balance = amount
    rows: list[ScheduleRow] = []
    start = whole + fraction
    for number in range(1, term + 1):
        due = balance + interest if number == term else payment
        principal = due - interest
        balance -= principal
        rows.append(ScheduleRow(number, start + number - 1, due, interest, principal, balance))
        interest = (balance * rate).quantize(CENT, ROUND_HALF_UP)
    return rows[-1].payment, tuple(rows)
