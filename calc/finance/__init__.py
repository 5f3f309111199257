"""Finance math of the calc engine: loan payments and schedules, Regulation Z APR, leases, reserve.

All amounts are ``Decimal``; rates are fractions (0.0599 = 5.99 %). Each module documents its rounding
points. Bad arguments raise :class:`calc.errors.CalcInputError` naming the argument
(``amount_financed``, ``apr``, ``term_months``, ``residual_value``, ``payments[0].count``...).

The names below are loaded on first use: a quote needs the payment and lease modules but not the
Appendix J date arithmetic, and ``python -m calc quote`` pays for every import before its first line.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
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

_HOMES: Final = {
    "AprResult": "regz",
    "FinanceTerms": "payment",
    "LeasePayment": "lease",
    "PaymentStream": "regz",
    "ScheduleRow": "payment",
    "UnitPeriod": "unit_period",
    "apr_from_money_factor": "lease",
    "apr_within_tolerance": "regz",
    "dealer_reserve": "reserve",
    "finance_terms": "payment",
    "lease_payment": "lease",
    "money_factor_from_apr": "lease",
    "monthly_payment": "payment",
    "reg_z_apr": "regz",
    "resolve_money_factor": "lease",
}

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


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'calc.finance' has no attribute {name!r}")
    return getattr(import_module(f"calc.finance.{home}"), name)
