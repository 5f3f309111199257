"""Dealer reserve: what the lender pays the dealer for a contract written above the lender's buy rate.

Three methods:

``"finance_charge"`` (difference in finance charges; what the quote uses)
    The contract is recomputed at the buy rate (same amount financed, term and first period, payments
    rounded to the cent as a contract would be); the lender keeps that finance charge and the dealer
    is paid ``split`` of the rest::

        reserve = split × (finance charge at the sell rate − finance charge at the buy rate)

    This is the method "used by virtually all captive finance companies"; lenders pay "typically
    65%-80%" of the difference to the dealer to cover contracts paid off early (PROM Software,
    *Description of Dealer Reserve Methods*, <https://promsoft.com/dlr_reserve.htm>). The default
    split is 75 %, in the middle of that range. Rounded half-up to the cent.

``"level"`` (rate participation, the usual indirect-lending arrangement)
    The customer pays the level payment at the sell rate; the lender only needs the buy rate. The
    lender buys the contract for the present value, at the buy rate, of the customer's payments, so
    the extra over the amount financed is the present value of the payment difference::

        reserve = split × (P(sell) − P(buy)) × a(n, buy / 12)

    with exact (unrounded) payments, so equal rates give exactly zero. ``split`` is the dealer's share
    (75 % is the common program default). Rounded half-up to the cent.

``"flat_pct"`` (flat fee programs)
    The lender pays a flat percentage of the amount financed (``flat_percent``, default 1 %) whatever the
    markup; programs that pay flat usually cap or forbid markup, so the rates are only validated.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Final, SupportsIndex

from calc.errors import CalcInputError
from calc.finance.checks import require_money, require_rate, require_term
from calc.finance.payment import exact_payment, finance_charge_at
from calc.finance.solver import PRECISION
from calc.money import round_cents

METHODS: Final = ("finance_charge", "level", "flat_pct")
DEFAULT_SPLIT: Final = Decimal("0.75")
# Lenders cap the markup over their buy rate; 2-2.5 points was the common program cap (American Honda
# Finance allowed 2.25 points up to 60 months and 2 beyond until the 2015 CFPB/DOJ consent order,
# 2015-CFPB-0014, cut that to 1.25 and 1). The quote warns above this unless the deal gives its
# lender's own cap.
DEFAULT_MARKUP_CAP: Final = Decimal("0.025")
MARKUP_CAP_SOURCE: Final = (
    "lender markup caps: 2-2.5 points was common (American Honda Finance 2.25/2 points before CFPB "
    "consent order 2015-CFPB-0014 lowered them to 1.25/1)"
)
RESERVE_SOURCE: Final = (
    "difference-in-finance-charges dealer reserve, the captive lenders' method; dealer share typically "
    "65-80 % (PROM Software, Description of Dealer Reserve Methods <https://promsoft.com/dlr_reserve.htm>)"
)
_ONE: Final = Decimal(1)


def dealer_reserve(
    amount_financed: Decimal,
    buy_rate: Decimal,
    sell_rate: Decimal,
    term_months: SupportsIndex,
    *,
    split: Decimal = DEFAULT_SPLIT,
    method: str = "level",
    flat_percent: Decimal = Decimal("0.01"),
) -> Decimal:
    """The dealer's reserve in dollars (see module docs for the methods)."""
    amount = require_money(amount_financed, "amount_financed", positive=True)
    buy = require_rate(buy_rate, "buy_rate")
    sell = require_rate(sell_rate, "sell_rate")
    term = require_term(term_months)
    share = require_rate(split, "split")
    if sell < buy:
        raise CalcInputError("sell_rate", f"{sell} is below the buy rate {buy}")
    if method == "flat_pct":
        return round_cents(amount * require_rate(flat_percent, "flat_percent"))
    if method == "finance_charge":
        return reserve_from_finance_charges(
            finance_charge_at(amount, sell, term), finance_charge_at(amount, buy, term), share
        )
    if method != "level":
        raise CalcInputError("method", f"must be one of {', '.join(METHODS)}")
    regular = (1, Decimal(0))  # first payment one month out: the reserve programs' standard case
    difference = exact_payment(amount, sell, term, *regular) - exact_payment(amount, buy, term, *regular)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if buy == 0:
            annuity = Decimal(term)
        else:
            rate = buy / 12
            annuity = (_ONE - (_ONE + rate) ** -term) / rate
        return round_cents(share * difference * annuity)


def reserve_from_finance_charges(sell_charge: Decimal, buy_charge: Decimal, split: Decimal) -> Decimal:
    """``split`` of the finance charge above what the lender keeps at its buy rate, to the cent."""
    return round_cents(split * (sell_charge - buy_charge))
