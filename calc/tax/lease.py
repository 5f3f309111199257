"""Per-state lease taxation: monthly on each payment, up front on the total of payments, up front on the
price (TX) or price minus residual (VT), MN's statutory formula, GA TAVT on leases, NC's alternate tax.

Rounding: the base monthly payment is rounded to the cent before tax (lenders bill the rounded
payment); each tax line is then rounded half-up to the cent, per payment for monthly lines and once for
upfront lines. The monthly tax is the sum of the rounded monthly lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from calc.model import Record, TaxComponent, Taxes
from calc.money import ZERO, format_percent, round_cents
from calc.rules.book import StateRules
from calc.tax.jurisdiction import RateLine, ResolvedRates
from calc.tax.local_tiers import tiered_components
from calc.tax.sale import ROUNDING_SOURCE
from calc.tax.trace import Pct, Trace


class LeaseFigures(Record):
    """What the lease tax needs from the lease structure (money in, nothing rounded but the payment)."""

    agreed_price: Final[Decimal]  # vehicle price + accessories
    cash_down: Final[Decimal]  # cash capitalized cost reduction
    manufacturer_rebates: Final[Decimal]
    dealer_rebates: Final[Decimal]
    trade_equity: Final[Decimal]  # positive trade equity applied as a cap cost reduction
    negative_equity: Final[Decimal]  # capitalized negative equity
    acquisition_fee: Final[Decimal]
    acquisition_fee_capitalized: Final[bool]
    doc_fee: Final[Decimal]
    adjusted_cap_cost: Final[Decimal]
    residual_value: Final[Decimal]
    money_factor: Final[Decimal]
    term_months: Final[int]
    base_payment: Final[Decimal]  # rounded to the cent
    book_value: Final[Decimal | None]
    weight_lbs: Final[int | None]
    city_mpg: Final[int | None]
    electric: Final[bool]

    __match_args__ = (
        "agreed_price",
        "cash_down",
        "manufacturer_rebates",
        "dealer_rebates",
        "trade_equity",
        "negative_equity",
        "acquisition_fee",
        "acquisition_fee_capitalized",
        "doc_fee",
        "adjusted_cap_cost",
        "residual_value",
        "money_factor",
        "term_months",
        "base_payment",
        "book_value",
        "weight_lbs",
        "city_mpg",
        "electric",
    )

    def __init__(
        self,
        agreed_price: Decimal,
        cash_down: Decimal,
        manufacturer_rebates: Decimal,
        dealer_rebates: Decimal,
        trade_equity: Decimal,
        negative_equity: Decimal,
        acquisition_fee: Decimal,
        acquisition_fee_capitalized: bool,
        doc_fee: Decimal,
        adjusted_cap_cost: Decimal,
        residual_value: Decimal,
        money_factor: Decimal,
        term_months: int,
        base_payment: Decimal,
        book_value: Decimal | None = None,
        weight_lbs: int | None = None,
        city_mpg: int | None = None,
        electric: bool = False,
    ) -> None:
        self.agreed_price = agreed_price
        self.cash_down = cash_down
        self.manufacturer_rebates = manufacturer_rebates
        self.dealer_rebates = dealer_rebates
        self.trade_equity = trade_equity
        self.negative_equity = negative_equity
        self.acquisition_fee = acquisition_fee
        self.acquisition_fee_capitalized = acquisition_fee_capitalized
        self.doc_fee = doc_fee
        self.adjusted_cap_cost = adjusted_cap_cost
        self.residual_value = residual_value
        self.money_factor = money_factor
        self.term_months = term_months
        self.base_payment = base_payment
        self.book_value = book_value
        self.weight_lbs = weight_lbs
        self.city_mpg = city_mpg
        self.electric = electric


def _doc_fee_taxable(rules: StateRules, figures: LeaseFigures, trace: Trace) -> Decimal:
    if figures.doc_fee <= 0:
        return ZERO
    if rules.doc_fee_taxable is None:
        trace.warn(f"Doc fee taxability in {rules.state} is not verified; it was taxed at signing.")
        return figures.doc_fee
    return figures.doc_fee if rules.doc_fee_taxable else ZERO


def _lines(rules: StateRules, resolved: ResolvedRates, figures: LeaseFigures, trace: Trace) -> list[RateLine]:
    lines = list(resolved.lines)
    overridden = resolved.jurisdiction.source == "override"
    table = rules.mechanics.weight_mpg_table
    if table is not None and not overridden:
        # DC: the titling excise rate comes from the weight x MPG table, as for a sale.
        if figures.electric and rules.mechanics.electric_exempt:
            rate = ZERO
        elif figures.weight_lbs is None or figures.city_mpg is None:
            rate = table.rows[-1][1][0]
            trace.warn(
                f"{rules.state} excise depends on weight and city MPG; vehicle.weight_lbs/city_mpg missing, "
                f"so the highest rate was used."
            )
        else:
            rate = table.rate_for(figures.weight_lbs, figures.city_mpg)
        lines = [
            RateLine(line.level, f"{rules.state} excise {format_percent(rate)}", rate, table.source)
            if line.level == "state"
            else line
            for line in lines
        ]
    replaced = rules.lease.components
    if replaced is not None and not overridden:
        lines = [RateLine(c.level, c.name, c.rate, c.source) for c in replaced] + [  # type: ignore[arg-type]
            line for line in lines if line.level != "state"
        ]
    lines.extend(RateLine("special", c.name, c.rate, c.source) for c in rules.lease.extra_components)
    for line in lines:
        if line.tier is not None:
            trace.warn(
                f"{line.name}: its single-item tier is a retail-sale rule; whether it reaches lease amounts "
                f"is not verified, so it was applied to each amount taxed (payment, amount at signing)."
            )
    return lines


def _levy(
    lines: list[RateLine], base: Decimal, rules: StateRules, timing: str, what: str, trace: Trace
) -> list[TaxComponent]:
    out: list[TaxComponent] = []
    cap = rules.mechanics.local_base_cap
    for line in lines:
        line_base = base
        if line.level not in ("state", "special") and cap is not None and line_base > cap.amount:
            line_base = cap.amount
        if line.tier is not None:  # each levied amount (a payment, the lease total) is one item
            below = f"{line.tier.below_name} on {what}"
            above = f"{line.tier.above_name} on {what}"
            out.extend(
                tiered_components(
                    line, line.tier, below, above, line_base, line_base, line_base, trace, timing
                )
            )
            continue
        amount = round_cents(line_base * line.rate)
        trace.step(
            "{} on {}: {} x ${} = ${}", line.name, what, Pct(line.rate), line_base, amount, source=line.source
        )
        out.append(TaxComponent(line.level, line.name, line.rate, line_base, amount, timing))  # type: ignore[arg-type]
    return out


def compute_lease_tax(
    figures: LeaseFigures, rules: StateRules, resolved: ResolvedRates, trace: Trace
) -> Taxes:
    lease = rules.lease
    method = lease.method
    source = lease.note or rules.source
    lines = _lines(rules, resolved, figures, trace)
    upfront: list[TaxComponent] = []
    monthly: list[TaxComponent] = []
    doc = _doc_fee_taxable(rules, figures, trace) if lease.include_doc_fee else ZERO
    unpaid_acq = ZERO if figures.acquisition_fee_capitalized else figures.acquisition_fee
    taxable_base = ZERO
    if lease.warning:
        trace.warn(lease.warning)
    if method is None:
        trace.warn(
            f"How {rules.state} taxes leases is not verified; tax was computed monthly on each payment "
            f"(confirm, or send tax_override)."
        )
        method = "monthly_payment"

    if method in ("monthly_payment", "nc_alternate"):
        if method == "nc_alternate" and lease.alternate_rate is not None:
            alternate = format_percent(lease.alternate_rate)
            name = f"{rules.state} alternate highway use tax {alternate} on lease receipts"
            lines = [RateLine("state", name, lease.alternate_rate, source)]
            titling = round_cents(figures.agreed_price * lease.alternate_rate)
            trace.warn(
                f"{rules.state}: assumes the lessor elected the alternate tax on lease receipts; otherwise "
                f"{format_percent(lease.alternate_rate)} is due on the vehicle at titling (${titling})."
            )
        at_signing = figures.cash_down + doc + unpaid_acq
        if figures.manufacturer_rebates > 0:
            at_signing += figures.manufacturer_rebates
            trace.warn(
                f"Manufacturer rebate applied to the lease in {rules.state} was taxed at signing as a "
                f"cap cost reduction (not verified)."
            )
        if figures.trade_equity > 0:
            if lease.include_trade_equity or rules.trade_in == "none":
                # No trade-in credit on this lease: equity applied to it is consideration like cash down.
                at_signing += figures.trade_equity
                trace.step(
                    "Trade-in equity ${} applied to the lease is taxed at signing (no trade-in credit on {} "
                    "leases)",
                    figures.trade_equity,
                    rules.state,
                    source=source,
                )
            else:
                trace.step(
                    "Trade-in equity ${} applied to the lease is not taxed ({} gives trade-in credit)",
                    figures.trade_equity,
                    rules.state,
                    source=rules.trade_in_note or rules.source,
                )
                trace.warn(
                    f"Lease trade-in treatment in {rules.state} follows its sale rule (credit given); "
                    f"not verified for leases."
                )
        trace.step(
            "{} taxes each lease payment; at signing the cap cost reduction and taxable charges (${}) are "
            "taxed",
            rules.state,
            at_signing,
            source=source,
        )
        if at_signing > 0:
            upfront = _levy(lines, at_signing, rules, "upfront", "amounts due at signing", trace)
        monthly = _levy(lines, figures.base_payment, rules, "monthly", "each payment", trace)
        taxable_base = at_signing + figures.base_payment * figures.term_months
    elif method == "upfront_total_payments":
        total_payments = figures.base_payment * figures.term_months
        taxable_base = total_payments + figures.cash_down + doc + unpaid_acq
        trace.step(
            "{} taxes the lease up front on the total of payments (${}) plus the cash down (${}) and "
            "taxable charges",
            rules.state,
            total_payments,
            figures.cash_down,
            source=source,
        )
        if lease.include_manufacturer_rebate and figures.manufacturer_rebates > 0:
            taxable_base += figures.manufacturer_rebates
            trace.step(
                "Plus manufacturer rebate applied as cap reduction ${}",
                figures.manufacturer_rebates,
                source=source,
            )
        elif figures.manufacturer_rebates > 0 and not lease.rebate_treatment_verified:
            trace.warn(
                f"Whether a manufacturer rebate applied to the lease is part of {rules.state}'s taxed lease "
                f"amount is not verified; the ${figures.manufacturer_rebates} rebate was not taxed."
            )
        if lease.include_trade_equity and figures.trade_equity > 0:
            taxable_base += figures.trade_equity
            trace.step(
                "Plus trade-in equity applied ${} (no lease trade-in credit)",
                figures.trade_equity,
                source=source,
            )
        elif figures.trade_equity > 0 and not lease.trade_treatment_verified:
            trace.warn(
                f"Whether trade-in equity applied to the lease is part of {rules.state}'s taxed lease amount "
                f"is not verified; the ${figures.trade_equity} of equity was not taxed."
            )
        if lease.exclude_negative_equity and figures.negative_equity > 0:
            # Portion of the payments that repays capitalized negative equity: its straight-line share plus
            # its rent charge, over the whole term (NE + NE x MF x term).
            excluded = (
                figures.negative_equity + figures.negative_equity * figures.money_factor * figures.term_months
            )
            taxable_base -= excluded
            trace.step("Less the negative-equity portion of the payments ${}", excluded, source=source)
        upfront = _levy(lines, taxable_base, rules, "upfront", "the lease total", trace)
    elif method == "mn_formula":
        rebates = figures.manufacturer_rebates + figures.dealer_rebates
        total_rent = (
            (figures.adjusted_cap_cost + figures.residual_value) * figures.money_factor * figures.term_months
        )
        taxable_base = (
            figures.agreed_price - rebates - figures.residual_value - figures.trade_equity + total_rent
        )
        trace.step(
            "{} lease price = value ${} - rebates ${} - residual ${} - trade-in ${} + total rent charge "
            "${} = ${}",
            rules.state,
            figures.agreed_price,
            rebates,
            figures.residual_value,
            figures.trade_equity,
            total_rent,
            taxable_base,
            source=source,
        )
        upfront = _levy(lines, taxable_base, rules, "upfront", "the lease price", trace)
    elif method == "upfront_price":
        taxable_base = figures.agreed_price
        trace.step(
            "{} taxes the lessor's purchase price ${} at registration",
            rules.state,
            taxable_base,
            source=source,
        )
        if figures.trade_equity > 0 or figures.manufacturer_rebates > 0:
            trace.warn(
                f"Whether a lessee's trade-in or rebate reduces {rules.state}'s lease tax is not verified."
            )
        upfront = _levy(lines, taxable_base, rules, "upfront", "the vehicle price", trace)
    elif method == "upfront_price_minus_residual":
        taxable_base = figures.agreed_price - figures.residual_value
        trace.step(
            "{} taxes acquisition cost ${} minus lease-end value ${}",
            rules.state,
            figures.agreed_price,
            figures.residual_value,
            source=source,
        )
        upfront = _levy(lines, taxable_base, rules, "upfront", "cost minus residual", trace)
    elif method == "tavt_lease":
        depreciation = figures.adjusted_cap_cost - figures.residual_value
        taxable_base = depreciation + figures.cash_down
        trace.step(
            "{} TAVT on leases: depreciation and amortized amounts ${} plus cash down ${}",
            rules.state,
            depreciation,
            figures.cash_down,
            source=source,
        )
        state_lines = [line for line in lines if line.level == "state"]
        upfront = _levy(state_lines, taxable_base, rules, "upfront", "the lease value", trace)
        value = max(figures.agreed_price, figures.book_value or ZERO) - figures.trade_equity
        alternative = round_cents(max(value - figures.manufacturer_rebates - figures.dealer_rebates, ZERO)
                                  * sum((line.rate for line in state_lines), ZERO))  # fmt: skip
        trace.warn(
            f"{rules.state} also allows the value method (agreed or book value less trade and rebates): "
            f"${alternative}; the payments method was used."
        )
    else:  # "none"
        trace.step("No state tax on long-term vehicle leases in {}", rules.state, source=source)

    if rules.mechanics.max_tax is not None:
        total_now = sum((c.amount for c in upfront), ZERO)
        cap = rules.mechanics.max_tax
        if total_now > cap.amount:
            trace.step(
                "Lease tax ${} over the ${} cap: ${} due",
                total_now,
                cap.amount,
                cap.amount,
                source=cap.source,
            )
            upfront = [TaxComponent("state", f"{lines[0].name} capped at ${cap.amount}", None, taxable_base,
                                    cap.amount)]  # fmt: skip

    trace.step(
        "Rounding: the base payment is rounded to the cent before tax; each tax line is rounded half-up "
        "to the cent (monthly lines per payment)",
        source=ROUNDING_SOURCE,
    )
    upfront_total = sum((c.amount for c in upfront), ZERO)
    monthly_total = sum((c.amount for c in monthly), ZERO)
    return Taxes(
        total=upfront_total + monthly_total * figures.term_months,
        taxable_base=taxable_base,
        trade_in_credit=ZERO,
        reciprocity_credit=ZERO,
        method=f"{rules.state} lease: {method}",
        components=tuple(upfront + monthly),
        upfront=upfront_total,
        monthly=monthly_total,
    )
