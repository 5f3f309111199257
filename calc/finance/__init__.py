"""Finance math of the calc engine: loan payments and schedules, Regulation Z APR, leases, reserve.

All amounts are ``Decimal``; rates are fractions (0.0599 = 5.99 %). Each module documents its rounding
points. Bad arguments raise :class:`calc.errors.CalcInputError` naming the argument
(``amount_financed``, ``apr``, ``term_months``, ``residual_value``, ``payments[0].count``...).
"""

from __future__ import annotations

from calc.finance.lease import (
    LeasePayment,
    apr_from_money_factor,
    lease_payment,
    money_factor_from_apr,
    resolve_money_factor,
)
from calc.finance.payment import FinanceTerms, ScheduleRow, finance_terms, monthly_payment
from calc.finance.regz import AprResult, PaymentStream, apr_within_tolerance, reg_z_apr
from calc.finance.reserve import dealer_reserve
from calc.finance.unit_period import UnitPeriod

__all__ = [
    "AprResult",
    "FinanceTerms",
    "LeasePayment",
    "PaymentStream",
    "ScheduleRow",
    "UnitPeriod",
    "apr_from_money_factor",
    "apr_within_tolerance",
    "dealer_reserve",
    "finance_terms",
    "lease_payment",
    "money_factor_from_apr",
    "monthly_payment",
    "reg_z_apr",
    "resolve_money_factor",
]
