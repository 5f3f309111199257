"""Desking: the payment grid, solve-for, and the four-square worksheet, built on :func:`calc.quote.quote`.

Payment grid. Taxes and fees are what make a quote expensive, and for a retail sale they depend on the
deal (price, trade, rebates, products, down payment) but not on the loan's term or rate. So the grid
quotes the deal once per down payment, as a cash deal (out-the-door total, no loan math), and then runs
only the payment formula for every term × rate: ``amount financed = out the door − cash down``, exactly
the build-up :func:`calc.quote.quote` uses, and each cell's payment is the one a full finance quote
gives (a test checks every cell against a full quote). Lease cells are full lease quotes: lease tax
depends on the payment itself in most states (tax on each payment) and on cap cost reductions in some,
so nothing can be shared safely.

Solve-for. Payment falls as the down payment rises and rises with the price (tax never falls when the
price rises), so the price or down payment that meets a target payment is found by bisection on whole
cents, quoting the deal at each step; the answer is the highest price (lowest down payment) whose
payment is at most the target. Term: the shortest of the offered terms whose payment fits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal

from calc.errors import CalcInputError
from calc.finance.checks import require_money, require_rate, require_term
from calc.finance.lease import MAX_MONEY_FACTOR, resolve_money_factor
from calc.finance.payment import exact_payment, first_period
from calc.model import DealType, QuoteRequest, QuoteResult, Record, replace
from calc.money import CENT, ZERO, format_percent, round_cents
from calc.quote import quote

MAX_AXIS: Final = 24
DEFAULT_TERMS: Final = (24, 36, 48, 60, 72, 84)
SolveFor = Literal["price", "cash_down", "term_months"]
_PRICE_CEILING: Final = Decimal("10000000")
_Predicate = Callable[[int], bool]


class FinanceCell(Record):
    term_months: Final[int]
    cash_down: Final[Decimal]
    apr: Final[Decimal]
    amount_financed: Final[Decimal]  # 0 when the down payment covers the whole deal
    monthly_payment: Final[Decimal]

    __match_args__ = ("term_months", "cash_down", "apr", "amount_financed", "monthly_payment")

    def __init__(
        self,
        term_months: int,
        cash_down: Decimal,
        apr: Decimal,
        amount_financed: Decimal,
        monthly_payment: Decimal,
    ) -> None:
        self.term_months = term_months
        self.cash_down = cash_down
        self.apr = apr
        self.amount_financed = amount_financed
        self.monthly_payment = monthly_payment


class LeaseCell(Record):
    term_months: Final[int]
    cash_down: Final[Decimal]
    money_factor: Final[Decimal]
    base_monthly_payment: Final[Decimal]
    monthly_payment: Final[Decimal]  # with monthly tax
    due_at_signing: Final[Decimal]

    __match_args__ = (
        "term_months",
        "cash_down",
        "money_factor",
        "base_monthly_payment",
        "monthly_payment",
        "due_at_signing",
    )

    def __init__(
        self,
        term_months: int,
        cash_down: Decimal,
        money_factor: Decimal,
        base_monthly_payment: Decimal,
        monthly_payment: Decimal,
        due_at_signing: Decimal,
    ) -> None:
        self.term_months = term_months
        self.cash_down = cash_down
        self.money_factor = money_factor
        self.base_monthly_payment = base_monthly_payment
        self.monthly_payment = monthly_payment
        self.due_at_signing = due_at_signing


class PaymentGrid(Record):
    """Cash, finance and lease side by side for the same deal."""

    terms: Final[tuple[int, ...]]
    down_payments: Final[tuple[Decimal, ...]]
    rates: Final[tuple[Decimal, ...]]
    money_factors: Final[tuple[Decimal, ...]]
    cash_total_due: Final[Decimal | None]
    finance: Final[tuple[FinanceCell, ...]]
    lease: Final[tuple[LeaseCell, ...]]

    __match_args__ = (
        "terms",
        "down_payments",
        "rates",
        "money_factors",
        "cash_total_due",
        "finance",
        "lease",
    )

    def __init__(
        self,
        terms: tuple[int, ...],
        down_payments: tuple[Decimal, ...],
        rates: tuple[Decimal, ...],
        money_factors: tuple[Decimal, ...],
        cash_total_due: Decimal | None,
        finance: tuple[FinanceCell, ...],
        lease: tuple[LeaseCell, ...],
    ) -> None:
        self.terms = terms
        self.down_payments = down_payments
        self.rates = rates
        self.money_factors = money_factors
        self.cash_total_due = cash_total_due
        self.finance = finance
        self.lease = lease

    def finance_payment(self, term_months: int, cash_down: Decimal, apr: Decimal) -> Decimal:
        for cell in self.finance:
            if (cell.term_months, cell.cash_down, cell.apr) == (term_months, cash_down, apr):
                return cell.monthly_payment
        raise KeyError((term_months, cash_down, apr))

    def lease_payment(self, term_months: int, cash_down: Decimal, money_factor: Decimal) -> Decimal:
        for cell in self.lease:
            key = (cell.term_months, cell.cash_down, cell.money_factor)
            if key == (term_months, cash_down, money_factor):
                return cell.monthly_payment
        raise KeyError((term_months, cash_down, money_factor))


class Solution(Record):
    """The value that meets the target payment and the full quote at that value."""

    solved_for: Final[SolveFor]
    target_payment: Final[Decimal]
    value: Final[Decimal]  # price or cash down in dollars, or the term in months
    monthly_payment: Final[Decimal]
    quote: Final[QuoteResult]

    __match_args__ = ("solved_for", "target_payment", "value", "monthly_payment", "quote")

    def __init__(
        self,
        solved_for: SolveFor,
        target_payment: Decimal,
        value: Decimal,
        monthly_payment: Decimal,
        quote: QuoteResult,
    ) -> None:
        self.solved_for = solved_for
        self.target_payment = target_payment
        self.value = value
        self.monthly_payment = monthly_payment
        self.quote = quote


class FourSquare(Record):
    """The desk's worksheet: price, trade, down payment and payments, with the totals behind them."""

    price: Final[Decimal]
    trade_allowance: Final[Decimal]
    trade_payoff: Final[Decimal]
    trade_equity: Final[Decimal]
    cash_down: Final[Decimal]
    payments: Final[tuple[tuple[int, Decimal], ...]]  # (term in months, monthly payment)
    apr: Final[Decimal]
    out_the_door: Final[Decimal]
    taxes: Final[Decimal]
    fees: Final[Decimal]
    amount_financed: Final[Decimal]

    __match_args__ = (
        "price",
        "trade_allowance",
        "trade_payoff",
        "trade_equity",
        "cash_down",
        "payments",
        "apr",
        "out_the_door",
        "taxes",
        "fees",
        "amount_financed",
    )

    def __init__(
        self,
        price: Decimal,
        trade_allowance: Decimal,
        trade_payoff: Decimal,
        trade_equity: Decimal,
        cash_down: Decimal,
        payments: tuple[tuple[int, Decimal], ...],
        apr: Decimal,
        out_the_door: Decimal,
        taxes: Decimal,
        fees: Decimal,
        amount_financed: Decimal,
    ) -> None:
        self.price = price
        self.trade_allowance = trade_allowance
        self.trade_payoff = trade_payoff
        self.trade_equity = trade_equity
        self.cash_down = cash_down
        self.payments = payments
        self.apr = apr
        self.out_the_door = out_the_door
        self.taxes = taxes
        self.fees = fees
        self.amount_financed = amount_financed

    def lines(self) -> tuple[str, ...]:
        """The four squares as text, top-left to bottom-right."""
        payments = ", ".join(f"{term} mo ${payment}" for term, payment in self.payments)
        return (
            f"Price: ${self.price} (out the door ${self.out_the_door}, tax ${self.taxes}, fees ${self.fees})",
            f"Trade: allowance ${self.trade_allowance}, payoff ${self.trade_payoff}, "
            f"equity ${self.trade_equity}",
            f"Down: ${self.cash_down} (amount financed ${self.amount_financed})",
            f"Payments at {format_percent(self.apr)}: {payments}",
        )


# ------------------------------------------------------------------------------------------------ grid


def payment_grid(
    request: QuoteRequest,
    terms: Sequence[int],
    down_payments: Sequence[Decimal],
    rates: Sequence[Decimal] | None = None,
    *,
    money_factors: Sequence[Decimal] | None = None,
    lease_residuals: Mapping[int, Decimal] | None = None,
    deal_types: Sequence[DealType] = ("cash", "finance", "lease"),
) -> PaymentGrid:
    """Payments for every term × down payment × rate, cash / finance / lease side by side.

    ``rates`` are finance APRs (default: the request's ``finance.apr``); ``money_factors`` lease money
    factors (default: the request's lease money factor or APR / 24). ``lease_residuals`` maps a term to
    its residual percent (residuals fall with the term); terms not in it use the request's residual.
    A side is left empty when the request has no terms for it (no ``finance`` / ``lease`` input) and no
    rates were given.
    """
    term_list = _terms(terms)
    downs = _down_payments(down_payments)
    rate_list = _rates(request, rates) if "finance" in deal_types else ()
    factors = _money_factors(request, money_factors) if "lease" in deal_types else ()
    cash_total = _out_the_door(request, downs[0]) if "cash" in deal_types and not rate_list else None
    finance_cells: list[FinanceCell] = []
    if rate_list:
        days = request.finance.days_to_first_payment if request.finance else None
        whole, fraction = first_period(days)
        for down in downs:
            total_due = _out_the_door(request, down)
            cash_total = cash_total or total_due
            amount = max(total_due - down, ZERO)
            for rate in rate_list:
                for term in term_list:
                    payment = _level_payment(amount, rate, term, whole, fraction)
                    finance_cells.append(FinanceCell(term, down, rate, amount, payment))
    lease_cells = [
        _lease_cell(request, term, down, factor, lease_residuals)
        for factor in factors
        for down in downs
        for term in term_list
    ]
    return PaymentGrid(
        terms=term_list,
        down_payments=downs,
        rates=rate_list,
        money_factors=factors,
        cash_total_due=cash_total if "cash" in deal_types else None,
        finance=tuple(finance_cells),
        lease=tuple(lease_cells),
    )


def _level_payment(amount: Decimal, apr: Decimal, term: int, whole: int, fraction: Decimal) -> Decimal:
    """The loan payment a finance quote would show (:func:`calc.finance.monthly_payment` rounding)."""
    return round_cents(exact_payment(amount, apr, term, whole, fraction)) if amount > 0 else ZERO


def _out_the_door(request: QuoteRequest, cash_down: Decimal) -> Decimal:
    """The deal's out-the-door total, quoted as a cash deal (taxes and fees, no loan arithmetic)."""
    cash = quote(replace(request, deal_type="cash", cash_down=cash_down, finance=None, lease=None))
    assert cash.cash is not None  # a cash quote always carries its total
    return cash.cash.total_due


def _lease_cell(
    request: QuoteRequest,
    term: int,
    down: Decimal,
    money_factor: Decimal,
    residuals: Mapping[int, Decimal] | None,
) -> LeaseCell:
    result = quote(_lease_request(request, term, down, money_factor, residuals))
    lease = result.lease
    assert lease is not None  # a lease quote always carries its lease figures
    return LeaseCell(
        term, down, money_factor, lease.base_monthly_payment, lease.monthly_payment, lease.due_at_signing
    )


def _lease_request(
    request: QuoteRequest,
    term: int,
    down: Decimal,
    money_factor: Decimal,
    residuals: Mapping[int, Decimal] | None,
) -> QuoteRequest:
    if request.lease is None:
        raise CalcInputError("lease", "the deal needs lease terms (residual) for lease payments")
    lease = replace(request.lease, term_months=term, money_factor=money_factor, apr=None)
    if residuals is not None and term in residuals:
        percent = require_rate(residuals[term], f"lease_residuals[{term}]")
        lease = replace(lease, residual_percent=percent, residual_value=None)
    return replace(request, deal_type="lease", cash_down=down, finance=None, lease=lease)


def _terms(terms: Sequence[object]) -> tuple[int, ...]:
    if not terms:
        raise CalcInputError("terms", "at least one term is required")
    if len(terms) > MAX_AXIS:
        raise CalcInputError("terms", f"at most {MAX_AXIS} terms")
    return tuple(require_term(term, f"terms[{n}]") for n, term in enumerate(terms))


def _down_payments(downs: Sequence[Decimal]) -> tuple[Decimal, ...]:
    if not downs:
        raise CalcInputError("down_payments", "at least one down payment is required")
    if len(downs) > MAX_AXIS:
        raise CalcInputError("down_payments", f"at most {MAX_AXIS} down payments")
    return tuple(require_money(down, f"down_payments[{n}]", positive=False) for n, down in enumerate(downs))


def _rates(request: QuoteRequest, rates: Sequence[Decimal] | None) -> tuple[Decimal, ...]:
    if rates is None:
        return () if request.finance is None else (request.finance.apr,)
    if len(rates) > MAX_AXIS:
        raise CalcInputError("rates", f"at most {MAX_AXIS} rates")
    return tuple(require_rate(rate, f"rates[{n}]") for n, rate in enumerate(rates))


def _money_factors(request: QuoteRequest, factors: Sequence[Decimal] | None) -> tuple[Decimal, ...]:
    if factors is None:
        if request.lease is None:
            return ()
        return (resolve_money_factor(request.lease.money_factor, request.lease.apr),)
    if len(factors) > MAX_AXIS:
        raise CalcInputError("money_factors", f"at most {MAX_AXIS} money factors")
    limit = MAX_MONEY_FACTOR
    return tuple(require_rate(mf, f"money_factors[{n}]", maximum=limit) for n, mf in enumerate(factors))


# ------------------------------------------------------------------------------------------- solve-for


def solve_for(
    request: QuoteRequest,
    target_payment: Decimal,
    solve: SolveFor,
    *,
    terms: Sequence[int] = DEFAULT_TERMS,
) -> Solution:
    """The price, cash down or term at which the deal's monthly payment meets ``target_payment``.

    The deal type of ``request`` (finance or lease) decides which payment is meant.
    """
    target = require_money(target_payment, "target_payment", positive=True)
    if request.deal_type == "cash":
        raise CalcInputError("deal_type", "a cash deal has no monthly payment to solve for")
    if solve == "term_months":
        return _solve_term(request, target, _terms(terms))
    if solve == "price":
        return _solve_price(request, target)
    if solve == "cash_down":
        return _solve_down(request, target)
    raise CalcInputError("solve", "must be price, cash_down or term_months")


def _payment(request: QuoteRequest) -> Decimal:
    """Monthly payment of the deal; the finance one skips the loan schedule (only the payment is needed)."""
    if request.deal_type == "finance":
        if request.finance is None:
            raise CalcInputError("finance", "is required for a finance deal")
        amount = _out_the_door(request, request.cash_down) - request.cash_down
        if amount <= 0:
            return ZERO
        terms = request.finance
        apr = require_rate(terms.apr, "finance.apr")
        term = require_term(terms.term_months, "finance.term_months")
        whole, fraction = first_period(terms.days_to_first_payment)
        return _level_payment(amount, apr, term, whole, fraction)
    result = quote(request)
    if result.lease is None:
        raise CalcInputError("lease", "is required for a lease deal")
    return result.lease.monthly_payment


def _solution(request: QuoteRequest, solve: SolveFor, target: Decimal, value: Decimal) -> Solution:
    result = quote(request)
    payment = (
        result.finance.monthly_payment
        if result.finance is not None
        else result.lease.monthly_payment
        if result.lease is not None
        else ZERO
    )
    return Solution(solve, target, value, payment, result)


def _with_price(request: QuoteRequest, price: Decimal) -> QuoteRequest:
    return replace(request, vehicle=replace(request.vehicle, price=price))


def _solve_price(request: QuoteRequest, target: Decimal) -> Solution:
    def fits(cents: int) -> bool:
        try:
            return _payment(_with_price(request, Decimal(cents) * CENT)) <= target
        except CalcInputError as error:
            # A lease residual above a (too low) price: that region lies below every valid price, so
            # counting it as a fit keeps the predicate monotone; the final quote re-checks the answer.
            if error.field.startswith("lease.residual"):
                return True
            raise

    low = 1
    if not fits(low):
        raise CalcInputError("target_payment", f"${target} is below the payment of this deal at any price")
    high = max(int(request.vehicle.price / CENT), 2)
    while fits(high):
        low, high = high, high * 2
        if high * CENT > _PRICE_CEILING:
            raise CalcInputError("target_payment", f"${target} buys more than ${_PRICE_CEILING}")
    best = _bisect_last_true(fits, low, high)
    price = Decimal(best) * CENT
    try:
        return _solution(_with_price(request, price), "price", target, price)
    except CalcInputError as error:
        if error.field.startswith("lease.residual"):
            raise CalcInputError(
                "target_payment", f"${target} needs a price below this lease's residual value"
            ) from None
        raise


def _solve_down(request: QuoteRequest, target: Decimal) -> Solution:
    def fits(cents: int) -> bool:
        try:
            return _payment(replace(request, cash_down=Decimal(cents) * CENT)) <= target
        except CalcInputError as error:
            # A lease refuses reductions past the residual: treat as "too much down", never a fit.
            if error.field == "cash_down" or error.field.startswith("lease.residual"):
                return False
            raise

    if fits(0):
        return _solution(replace(request, cash_down=ZERO), "cash_down", target, ZERO)
    high = int(_largest_down(request) / CENT)
    if not fits(high):
        raise CalcInputError(
            "target_payment", f"${target} cannot be reached with any down payment on this deal"
        )
    best = _bisect_first_true(fits, 0, high)
    down = Decimal(best) * CENT
    return _solution(replace(request, cash_down=down), "cash_down", target, down)


def _largest_down(request: QuoteRequest) -> Decimal:
    """Most cash down the deal can take: the whole loan, or a lease down to its residual value."""
    if request.deal_type == "finance":
        return _out_the_door(request, ZERO)
    lease = quote(replace(request, cash_down=ZERO)).lease
    if lease is None:
        raise CalcInputError("lease", "is required for a lease deal")
    return lease.adjusted_cap_cost - lease.residual_value


def _solve_term(request: QuoteRequest, target: Decimal, terms: tuple[int, ...]) -> Solution:
    for term in sorted(terms):
        candidate = _with_term(request, term)
        if _payment(candidate) <= target:
            return _solution(candidate, "term_months", target, Decimal(term))
    raise CalcInputError("target_payment", f"${target} is below the payment at every offered term")


def _with_term(request: QuoteRequest, term: int) -> QuoteRequest:
    if request.deal_type == "finance" and request.finance is not None:
        return replace(request, finance=replace(request.finance, term_months=term))
    if request.deal_type == "lease" and request.lease is not None:
        return replace(request, lease=replace(request.lease, term_months=term))
    raise CalcInputError(request.deal_type, f"is required to change the term of a {request.deal_type} deal")


def _bisect_last_true(fits: _Predicate, low: int, high: int) -> int:
    """Largest n in [low, high) with fits(n), given fits(low) and not fits(high), fits monotone."""
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def _bisect_first_true(fits: _Predicate, low: int, high: int) -> int:
    """Smallest n in (low, high] with fits(n), given not fits(low) and fits(high), fits monotone."""
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    return high


# ------------------------------------------------------------------------------------------ four-square


def four_square(request: QuoteRequest, terms: Sequence[int] = DEFAULT_TERMS[1:5]) -> FourSquare:
    """The four-square worksheet of a finance deal, with payments at each of ``terms``."""
    if request.finance is None:
        raise CalcInputError("finance", "the four-square needs the deal's rate (finance.apr)")
    term_list = _terms(terms)
    cash = quote(replace(request, deal_type="cash", finance=None, lease=None))
    assert cash.cash is not None
    out_the_door = cash.cash.total_due
    amount = max(out_the_door - request.cash_down, ZERO)
    whole, fraction = first_period(request.finance.days_to_first_payment)
    apr = require_rate(request.finance.apr, "finance.apr")
    payments = tuple((term, _level_payment(amount, apr, term, whole, fraction)) for term in term_list)
    allowance = sum((t.allowance for t in request.trade_ins), ZERO)
    payoff = sum((t.payoff for t in request.trade_ins), ZERO)
    return FourSquare(
        price=request.vehicle.price + request.vehicle.accessories,
        trade_allowance=allowance,
        trade_payoff=payoff,
        trade_equity=allowance - payoff,
        cash_down=request.cash_down,
        payments=payments,
        apr=request.finance.apr,
        out_the_door=out_the_door,
        taxes=cash.taxes.total,
        fees=cash.fees.total,
        amount_financed=amount,
    )
