"""Dealer reserve: what the lender pays the dealer for a contract written above the lender's buy rate.

Two methods:

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

from calc.errors import CalcInputError
from calc.finance.checks import require_money, require_rate, require_term
from calc.finance.payment import exact_payment
from calc.finance.solver import PRECISION
from calc.money import round_cents

METHODS = ("level", "flat_pct")
_ONE = Decimal(1)


def dealer_reserve(
    amount_financed: Decimal,
    buy_rate: Decimal,
    sell_rate: Decimal,
    term_months: int,
    *,
    split: Decimal = Decimal("0.75"),
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
