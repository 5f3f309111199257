"""Closed-end lease base payment and money factor ⇄ APR.

Standard industry (and Regulation M disclosure) arithmetic:

* depreciation = adjusted capitalized cost − residual value, spread evenly: ``(cap − res) / n``;
* rent charge per month = ``(cap + res) × money factor`` (the average of the opening and closing
  balances, times the rate per month: this is why the money factor is APR / 24, not APR / 12);
* base monthly payment = the two, rounded half-up to the cent (the one rounding point).

The money factor converts to and from an APR as a *fraction*: ``mf = apr / 24`` (0.06 → 0.0025),
which is the dealer rule "APR in percent / 2400" (6 / 2400 = 0.0025). Neither conversion rounds; a
lender's rate sheet quotes money factors to 5 or 6 decimals, and callers round there if they must.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, SupportsIndex

from calc.errors import CalcInputError
from calc.finance.checks import require_decimal, require_money, require_rate, require_term
from calc.model import Record
from calc.money import round_cents

_TWENTY_FOUR: Final = Decimal(24)
# 0.01 is a 24 % APR: no captive or bank lease program goes near it, so larger values are typos
# (most often an APR typed where the money factor belongs).
MAX_MONEY_FACTOR: Final = Decimal("0.01")


class LeasePayment(Record):
    """The base payment's parts: exact amounts, and the rounded payment a lease contract shows."""

    adjusted_cap_cost: Final[Decimal]
    residual_value: Final[Decimal]
    term_months: Final[int]
    money_factor: Final[Decimal]
    depreciation: Final[Decimal]  # total over the term: cap − residual
    monthly_depreciation: Final[Decimal]  # exact
    monthly_rent_charge: Final[Decimal]  # exact
    rent_charge: Final[Decimal]  # exact total over the term
    base_monthly_payment: Final[Decimal]  # rounded to the cent
    total_base_payments: Final[Decimal]  # base payment × term
    disclosed_rent_charge: Final[Decimal]  # total base payments − depreciation (Reg M itemisation adds up)

    __match_args__ = (
        "adjusted_cap_cost",
        "residual_value",
        "term_months",
        "money_factor",
        "depreciation",
        "monthly_depreciation",
        "monthly_rent_charge",
        "rent_charge",
        "base_monthly_payment",
        "total_base_payments",
        "disclosed_rent_charge",
    )

    def __init__(
        self,
        adjusted_cap_cost: Decimal,
        residual_value: Decimal,
        term_months: int,
        money_factor: Decimal,
        depreciation: Decimal,
        monthly_depreciation: Decimal,
        monthly_rent_charge: Decimal,
        rent_charge: Decimal,
        base_monthly_payment: Decimal,
        total_base_payments: Decimal,
        disclosed_rent_charge: Decimal,
    ) -> None:
        self.adjusted_cap_cost = adjusted_cap_cost
        self.residual_value = residual_value
        self.term_months = term_months
        self.money_factor = money_factor
        self.depreciation = depreciation
        self.monthly_depreciation = monthly_depreciation
        self.monthly_rent_charge = monthly_rent_charge
        self.rent_charge = rent_charge
        self.base_monthly_payment = base_monthly_payment
        self.total_base_payments = total_base_payments
        self.disclosed_rent_charge = disclosed_rent_charge


def money_factor_from_apr(apr: Decimal) -> Decimal:
    """Money factor for an APR given as a fraction: ``apr / 24`` (= APR percent / 2400). Not rounded."""
    return require_rate(apr, "apr") / _TWENTY_FOUR


def apr_from_money_factor(mf: Decimal) -> Decimal:
    """APR as a fraction for a money factor: ``mf × 24`` (0.0025 → 0.06 = 6 %). Not rounded."""
    return require_rate(mf, "money_factor", maximum=MAX_MONEY_FACTOR) * _TWENTY_FOUR


def resolve_money_factor(
    money_factor: Decimal | None, apr: Decimal | None, *, field_prefix: str = "lease"
) -> Decimal:
    """The lease's money factor when exactly one of money factor and APR is given."""
    if money_factor is not None and apr is not None:
        raise CalcInputError(f"{field_prefix}.apr", "give a money factor or an APR, not both")
    if money_factor is not None:
        return require_rate(money_factor, f"{field_prefix}.money_factor", maximum=MAX_MONEY_FACTOR)
    if apr is not None:
        return require_rate(apr, f"{field_prefix}.apr") / _TWENTY_FOUR
    raise CalcInputError(f"{field_prefix}.money_factor", "a money factor or an APR is required")


def lease_payment(
    adjusted_cap_cost: Decimal, residual_value: Decimal, term_months: SupportsIndex, money_factor: Decimal
) -> LeasePayment:
    """Depreciation + rent charge of a lease (see module docs)."""
    cap = require_money(adjusted_cap_cost, "adjusted_cap_cost", positive=True)
    residual = require_decimal(residual_value, "residual_value")
    if residual < 0:
        raise CalcInputError("residual_value", "must not be negative")
    if residual > cap:
        raise CalcInputError("residual_value", f"{residual} is above the adjusted capitalized cost {cap}")
    term = require_term(term_months)
    factor = require_rate(money_factor, "money_factor", maximum=MAX_MONEY_FACTOR)
    depreciation = cap - residual
    monthly_depreciation = depreciation / term
    monthly_rent = (cap + residual) * factor
    base = round_cents(monthly_depreciation + monthly_rent)
    total = base * term
    return LeasePayment(
        adjusted_cap_cost=cap,
        residual_value=residual,
        term_months=term,
        money_factor=factor,
        depreciation=depreciation,
        monthly_depreciation=monthly_depreciation,
        monthly_rent_charge=monthly_rent,
        rent_charge=monthly_rent * term,
        base_monthly_payment=base,
        total_base_payments=total,
        disclosed_rent_charge=total - depreciation,
    )
