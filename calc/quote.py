"""Cash, finance and lease quotes: jurisdiction, taxes, fees, then the deal's own arithmetic.

Rounding points outside the tax lines (see :mod:`calc.tax.sale` and :mod:`calc.tax.lease`):
a residual given as a percentage is rounded to the cent (the amount the lease contract states); the
lease base payment and the loan payment are rounded by :mod:`calc.finance`. Every other figure is a
sum of cent amounts and needs no rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from calc.contract_output import quote_to_dict
from calc.errors import CalcInputError
from calc.fees import build_fees
from calc.finance.lease import lease_payment, resolve_money_factor
from calc.finance.payment import finance_charge_at, finance_terms
from calc.finance.reserve import (
    DEFAULT_MARKUP_CAP,
    DEFAULT_SPLIT,
    RESERVE_SOURCE,
    dealer_reserve,
    reserve_from_finance_charges,
)
from calc.model import (
    CashResult,
    DueAtSigningItem,
    Fees,
    FinanceInput,
    FinanceResult,
    LeaseResult,
    QuoteRequest,
    QuoteResult,
    render_step,
)
from calc.money import ZERO, round_cents
from calc.request_parsing import parse_quote_request
from calc.rules.book import RuleBook, StateRules, rule_book
from calc.rules.local_rates import LocalRateTable, embedded_local_rates
from calc.tax.jurisdiction import ResolvedRates, resolve_rates
from calc.tax.lease import LeaseFigures, compute_lease_tax
from calc.tax.sale import compute_sale_tax
from calc.tax.trace import Pct, Trace


def _rules_for(request: QuoteRequest, book: RuleBook) -> StateRules:
    rules = book.for_state(request.customer.state, request.as_of)
    if rules is None:
        raise CalcInputError("as_of", f"no {request.customer.state} rules are in force on {request.as_of}")
    return rules


_RULES_TEXT: Final[dict[int, tuple[StateRules, str, str, str]]] = {}


def _rules_text(rules: StateRules, as_of: date) -> tuple[str, str]:
    """The rules step and low-confidence warning (empty if none): rendered once per rules version,
    the delivery date put in between per quote."""
    hit = _RULES_TEXT.get(id(rules))
    if hit is None or hit[0] is not rules:
        marker = "\x00"
        text = render_step(
            (
                "Rules: {} ({}) in force from {} for delivery on {}; confidence {}",
                (rules.name, rules.tax_name, rules.effective_from, marker, rules.confidence),
                rules.source,
            )
        )
        before, after = text.split(marker)
        warning = ""
        if rules.confidence == "low":
            warning = (
                f"{rules.state} rules are low-confidence (mostly secondary sources); open questions: "
                + "; ".join(rules.open_questions)
            )
        if len(_RULES_TEXT) >= 4096:
            _RULES_TEXT.clear()
        hit = _RULES_TEXT[id(rules)] = (rules, before, after, warning)
    return f"{hit[1]}{_date_text(as_of)}{hit[2]}", hit[3]


_DATE_TEXT: Final[dict[date, str]] = {}


def _date_text(day: date) -> str:
    """``YYYY-MM-DD``, kept per date: a batch's deals share a few hundred delivery dates, and formatting
    a date costs as much as looking up a dozen."""
    text = _DATE_TEXT.get(day)
    if text is None:
        text = day.isoformat()
        if len(_DATE_TEXT) < 4096:
            _DATE_TEXT[day] = text
    return text


def _context(request: QuoteRequest, rules: StateRules, book: RuleBook, trace: Trace) -> None:
    step, warning = _rules_text(rules, request.as_of)
    trace.text(step)
    if warning:
        trace.warn(warning)
    dealer = request.dealer_state
    if dealer is not None and dealer != request.customer.state:
        trace.step(
            "Out-of-state buyer: taxed under the registration state {} (dealer in {}); the dealer collects "
            "it where the two states allow",
            request.customer.state,
            dealer,
        )
        dealer_rules = book.for_state(dealer, request.as_of)
        if dealer_rules is not None and dealer_rules.reciprocity_note:
            trace.step("Dealer state {} on tax and other states: {}", dealer, dealer_rules.reciprocity_note,
                       source=dealer_rules.source)  # fmt: skip
        trace.warn(
            f"Buyer registers in {request.customer.state}, dealer is in {dealer}: confirm {dealer}'s "
            f"nonresident rules (collect {request.customer.state} tax, or exempt with the buyer's affidavit)."
        )


def _trade_totals(request: QuoteRequest) -> tuple[Decimal, Decimal]:
    """(net trade equity as a positive credit, negative equity owed) across all trade-ins."""
    net = ZERO
    for trade in request.trade_ins:
        net += trade.allowance - trade.payoff
    return (net, ZERO) if net >= 0 else (ZERO, -net)


def _rebate_totals(request: QuoteRequest) -> tuple[Decimal, Decimal]:
    """(manufacturer, dealer) rebate totals."""
    maker = dealer = ZERO
    for rebate in request.rebates:
        if rebate.source == "manufacturer":
            maker += rebate.amount
        else:
            dealer += rebate.amount
    return maker, dealer


def _products_total(request: QuoteRequest) -> Decimal:
    total = ZERO
    for product in request.products:
        total += product.price
    return total


def _finance_error(error: CalcInputError, prefix: str) -> CalcInputError:
    """The finance module names its own arguments; name the deal field a person would change instead."""
    if error.field in ("amount_financed", "adjusted_cap_cost"):
        # Derived amounts: the cash down (or other reductions) is what makes them unworkable.
        return CalcInputError("cash_down", f"leaves an amount financed that {error.message}")
    field = error.field if "." in error.field else f"{prefix}.{error.field}"
    return CalcInputError(field, error.message)


def quote(
    request: QuoteRequest,
    *,
    local_rates: LocalRateTable | None = None,
    book: RuleBook | None = None,
    fee_defaults: Mapping[str, Decimal] | None = None,
) -> QuoteResult:
    """Quote one deal.

    ``local_rates`` replaces the embedded local rate table (a dealer's imported file); ``fee_defaults``
    is the dealership's fee template (code -> amount), used for fees the deal does not itemise before
    the state defaults.
    """
    rule_data = book or rule_book()
    rules = _rules_for(request, rule_data)
    trace = Trace()
    _context(request, rules, rule_data, trace)
    resolved = resolve_rates(
        request, rules, rule_data.rules_version, local_rates or embedded_local_rates(), trace
    )
    fees = build_fees(request, trace, fee_defaults)
    products_total = _products_total(request)
    if request.deal_type == "lease":
        return _lease_quote(request, rules, resolved, fees, products_total, trace)

    taxes = compute_sale_tax(request, rules, resolved, trace)
    maker, dealer_rebates = _rebate_totals(request)
    rebates = maker + dealer_rebates
    equity, negative = _trade_totals(request)
    vehicle = request.vehicle
    total_due = (
        vehicle.price + vehicle.accessories + request.doc_fee + fees.total + products_total + taxes.total
        - rebates - equity + negative
    )  # fmt: skip
    trace.step(
        "Out the door ${} = price ${} + doc fee ${} + fees ${} + products ${} + tax ${} - rebates ${} - "
        "trade equity ${} + negative equity ${}",
        total_due,
        vehicle.price + vehicle.accessories,
        request.doc_fee,
        fees.total,
        products_total,
        taxes.total,
        rebates,
        equity,
        negative,
    )
    if request.deal_type == "cash":
        if request.cash_down > 0:
            trace.step(
                "cash_down is part of the cash payment; the total due is the whole out-the-door amount"
            )
        return QuoteResult(
            request.deal_type,
            resolved.jurisdiction,
            taxes,
            fees,
            products_total,
            CashResult(total_due),
            None,
            None,
            trace.explanation(),
            tuple(trace.warnings),
        )

    terms_in = request.finance
    if terms_in is None:  # parse_quote_request guarantees it; kept for direct API callers
        raise CalcInputError("finance", "is required for a finance deal")
    amount_financed = total_due - request.cash_down
    if amount_financed <= 0:
        raise CalcInputError(
            "cash_down", f"covers the whole deal (${total_due}); there is nothing to finance"
        )
    try:
        terms = finance_terms(
            amount_financed, terms_in.apr, terms_in.term_months, terms_in.days_to_first_payment
        )
    except CalcInputError as error:
        raise _finance_error(error, "finance") from None
    # Reg Z downpayment: cash, manufacturer rebates applied and trade equity. A dealer discount lowers
    # the cash price instead, so total sale price = cash price + finance charge holds.
    down = request.cash_down + maker + equity
    trace.step(
        "Amount financed ${} = out the door ${} - cash down ${}; {} payments of ${} at {} (disclosed APR "
        "{}%); total sale price = total of payments + downpayment (cash, manufacturer rebates, trade equity)",
        amount_financed,
        total_due,
        request.cash_down,
        terms_in.term_months,
        terms.monthly_payment,
        Pct(terms_in.apr),
        round(terms.apr * 100, 2),
        source="Regulation Z 1026.18; Appendix J",
    )
    reserve = markup = None
    if terms_in.buy_rate is not None:
        markup, reserve = _dealer_reserve(terms_in, amount_financed, terms.finance_charge, trace)
    finance = FinanceResult(
        amount_financed=amount_financed,
        monthly_payment=terms.monthly_payment,
        finance_charge=terms.finance_charge,
        total_of_payments=terms.total_of_payments,
        apr=terms.apr,
        total_sale_price=terms.total_of_payments + down,
        term_months=terms.term_months,
        down_payment=down,
        buy_rate=terms_in.buy_rate,
        rate_markup=markup,
        dealer_reserve=reserve,
    )
    return QuoteResult(
        request.deal_type,
        resolved.jurisdiction,
        taxes,
        fees,
        products_total,
        None,
        finance,
        None,
        trace.explanation(),
        tuple(trace.warnings),
    )


def quote_deal(
    data: Mapping[str, Any],
    *,
    local_rates: LocalRateTable | None = None,
    fee_defaults: Mapping[str, Decimal] | None = None,
) -> dict[str, Any]:
    """Quote one deal given as contract JSON; returns the contract's result object.

    ``local_rates`` is a dealer-imported rate table (:func:`calc.rules.load_local_rates_csv`) used
    instead of the embedded one; ``fee_defaults`` the dealership's fee template (code -> amount).
    """
    request = parse_quote_request(data)
    return quote_to_dict(quote(request, local_rates=local_rates, fee_defaults=fee_defaults))


def _dealer_reserve(
    terms: FinanceInput, amount_financed: Decimal, finance_charge: Decimal, trace: Trace
) -> tuple[Decimal, Decimal]:
    """(rate markup, dealer reserve) of a finance deal written above the lender's buy rate."""
    buy = terms.buy_rate
    assert buy is not None
    if buy > terms.apr:
        raise CalcInputError(
            "finance.buy_rate", f"{buy} is above the contract rate finance.apr {terms.apr} (negative markup)"
        )
    markup = terms.apr - buy
    split = DEFAULT_SPLIT if terms.reserve_split is None else terms.reserve_split
    if terms.reserve_method == "level":
        reserve = dealer_reserve(amount_financed, buy, terms.apr, terms.term_months, split=split)
        trace.step(
            "Dealer reserve ${} = {} of the buy-rate present value of the payment difference; rate markup {} "
            "(sell {} - buy {})",
            reserve, Pct(split), Pct(markup), Pct(terms.apr), Pct(buy),
            source="rate participation, present-value method (calc.finance.reserve)",
        )  # fmt: skip
    else:
        at_buy = finance_charge_at(amount_financed, buy, terms.term_months, terms.days_to_first_payment)
        reserve = reserve_from_finance_charges(finance_charge, at_buy, split)
        trace.step(
            "Dealer reserve ${} = {} x (finance charge ${} at the sell rate {} - ${} at the buy rate {}); "
            "rate markup {}",
            reserve, Pct(split), finance_charge, Pct(terms.apr), at_buy, Pct(buy), Pct(markup),
            source=RESERVE_SOURCE,
        )  # fmt: skip
    cap = DEFAULT_MARKUP_CAP if terms.markup_cap is None else terms.markup_cap
    if markup > cap:
        trace.warn(
            f"Rate markup {Pct(markup)} over the buy rate is above the {Pct(cap)} markup cap"
            + (" (a common lender cap; send finance.markup_cap for this lender's)" if terms.markup_cap is None
               else " given for this lender")
            + ": the lender may refuse the contract or limit the reserve."
        )  # fmt: skip
    return markup, reserve


def _lease_quote(
    request: QuoteRequest,
    rules: StateRules,
    resolved: ResolvedRates,
    fees: Fees,
    products_total: Decimal,
    trace: Trace,
) -> QuoteResult:
    terms = request.lease
    if terms is None:
        raise CalcInputError("lease", "is required for a lease deal")
    try:
        money_factor = resolve_money_factor(terms.money_factor, terms.apr)
    except CalcInputError as error:
        raise _finance_error(error, "lease") from None
    vehicle = request.vehicle
    agreed = vehicle.price + vehicle.accessories
    if terms.residual_value is not None:
        residual = terms.residual_value
        residual_field = "lease.residual_value"
    else:
        percent = terms.residual_percent or ZERO
        basis = vehicle.msrp if vehicle.msrp is not None else agreed
        if vehicle.msrp is None:
            trace.warn("Residual percent applied to the selling price because vehicle.msrp was not given.")
        residual = round_cents(basis * percent)  # the residual amount the contract states
        residual_field = "lease.residual_percent"
    if residual > agreed:
        raise CalcInputError(residual_field, f"residual ${residual} is above the vehicle price ${agreed}")

    maker, dealer = _rebate_totals(request)
    equity, negative = _trade_totals(request)
    acquisition_capitalized = terms.acquisition_fee if terms.acquisition_fee_capitalized else ZERO
    gross_cap = agreed + acquisition_capitalized + negative + products_total
    reduction = request.cash_down + maker + dealer + equity
    adjusted = gross_cap - reduction
    trace.step(
        "Gross cap cost ${} = price ${} + capitalized acquisition fee ${} + negative equity ${} + products "
        "${}; cap cost reduction ${} (cash ${}, rebates ${}, trade equity ${}); adjusted ${}",
        gross_cap,
        agreed,
        acquisition_capitalized,
        negative,
        products_total,
        reduction,
        request.cash_down,
        maker + dealer,
        equity,
        adjusted,
        source="Regulation M 1013.4 (lease disclosures)",
    )
    if adjusted <= 0:
        raise CalcInputError("cash_down", f"cap cost reductions (${reduction}) exceed the capitalized cost")
    if residual > adjusted:
        raise CalcInputError(
            residual_field, f"residual ${residual} is above the adjusted cap cost ${adjusted}"
        )
    try:
        payment = lease_payment(adjusted, residual, terms.term_months, money_factor)
    except CalcInputError as error:
        raise _finance_error(error, "lease") from None
    trace.step(
        "Base payment ${} = depreciation ${}/{} + rent (${} + ${}) x {}",
        payment.base_monthly_payment,
        payment.depreciation,
        terms.term_months,
        adjusted,
        residual,
        money_factor,
        source="Regulation M; lessor's money factor",
    )
    figures = LeaseFigures(
        agreed_price=agreed,
        cash_down=request.cash_down,
        manufacturer_rebates=maker,
        dealer_rebates=dealer,
        trade_equity=equity,
        negative_equity=negative,
        acquisition_fee=terms.acquisition_fee,
        acquisition_fee_capitalized=terms.acquisition_fee_capitalized,
        doc_fee=request.doc_fee,
        adjusted_cap_cost=adjusted,
        residual_value=residual,
        money_factor=money_factor,
        term_months=terms.term_months,
        base_payment=payment.base_monthly_payment,
        book_value=vehicle.book_value,
        weight_lbs=vehicle.weight_lbs,
        city_mpg=vehicle.city_mpg,
        electric=vehicle.is_electric,
    )
    if request.origin_tax_paid is not None:
        trace.warn(
            "origin_tax_paid is not applied to leases; adjust the lease tax by hand if a credit is due."
        )
    if request.customer.new_resident:
        trace.warn("New-resident rates are not applied to leases; the regular lease tax was used.")
    taxes = compute_lease_tax(figures, rules, resolved, trace)
    monthly_payment = payment.base_monthly_payment + taxes.monthly
    items = [DueAtSigningItem("first monthly payment", monthly_payment)]
    if request.cash_down > 0:
        items.append(DueAtSigningItem("cash cap cost reduction", request.cash_down))
    if taxes.upfront > 0:
        items.append(DueAtSigningItem("upfront tax", taxes.upfront))
    if terms.acquisition_fee > 0 and not terms.acquisition_fee_capitalized:
        items.append(DueAtSigningItem("acquisition fee", terms.acquisition_fee))
    if request.doc_fee > 0:
        items.append(DueAtSigningItem("doc fee", request.doc_fee))
    items.extend(DueAtSigningItem(f"{fee.code} fee", fee.amount) for fee in fees.items)
    if terms.security_deposit > 0:
        items.append(DueAtSigningItem("refundable security deposit", terms.security_deposit))
    due = ZERO
    for item in items:
        due += item.amount
    listed = ", ".join([f"{item.label} ${item.amount}" for item in items])
    trace.text(f"Due at signing: {listed} = ${due}")
    lease = LeaseResult(
        gross_cap_cost=gross_cap,
        cap_cost_reduction=reduction,
        adjusted_cap_cost=adjusted,
        residual_value=residual,
        depreciation=payment.depreciation,
        rent_charge=payment.disclosed_rent_charge,
        base_monthly_payment=payment.base_monthly_payment,
        monthly_tax=taxes.monthly,
        monthly_payment=monthly_payment,
        upfront_tax=taxes.upfront,
        due_at_signing=due,
        total_of_payments=monthly_payment * terms.term_months,
        money_factor=money_factor,
        term_months=terms.term_months,
        due_at_signing_items=tuple(items),
    )
    return QuoteResult(
        "lease",
        resolved.jurisdiction,
        taxes,
        fees,
        products_total,
        None,
        None,
        lease,
        trace.explanation(),
        tuple(trace.warnings),
    )
