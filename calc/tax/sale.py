"""Tax on a cash or financed sale: taxable base build-up, component lines, caps, tiers and schemes.

Rounding (documented per rule, as the reference and the state tables do it): every amount is exact
``Decimal`` until a tax line is produced; each component line is rounded half-up to the cent
(:func:`calc.money.round_cents`) and totals are sums of rounded lines. Caps and minimums compare those
rounded totals. Bases are never rounded (they are sums of cent amounts already).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from calc.model import Product, QuoteRequest, Record, TaxComponent, Taxes
from calc.money import ZERO, format_percent, round_cents
from calc.rules.book import StateRules
from calc.tax.in_lieu import in_lieu_components
from calc.tax.jurisdiction import RateLine, ResolvedRates
from calc.tax.local_tiers import tiered_components
from calc.tax.trace import Pct, Trace
from calc.tax.valuation_floor import apply_valuation_floor

ROUNDING_STEP: Final = (
    "Rounding: each tax line is rounded half-up to the cent; totals are sums of rounded lines"
)
ROUNDING_SOURCE: Final = (
    "calc engine rounding rule (as in the reference worked examples; no state source prescribes otherwise)"
)


class SaleBase(Record):
    """The pieces of the taxable base, kept so leases and explanations can reuse them."""

    pre_trade: Final[Decimal]  # vehicle base before the trade-in credit
    after_trade: Final[Decimal]  # vehicle base after it (what most components are levied on)
    trade_in_credit: Final[Decimal]
    products_in_base: Final[Decimal]
    products_separate: Final[Decimal]

    __match_args__ = ("pre_trade", "after_trade", "trade_in_credit", "products_in_base", "products_separate")

    def __init__(
        self,
        pre_trade: Decimal,
        after_trade: Decimal,
        trade_in_credit: Decimal,
        products_in_base: Decimal,
        products_separate: Decimal,
    ) -> None:
        self.pre_trade = pre_trade
        self.after_trade = after_trade
        self.trade_in_credit = trade_in_credit
        self.products_in_base = products_in_base
        self.products_separate = products_separate


def product_taxable(rules: StateRules, product: Product, trace: Trace) -> bool:
    """Whether an F&I product is taxable in the state (unverified: assumed taxable, with a warning)."""
    flag: bool | None
    if product.kind == "service_contract":
        flag = rules.service_contract_taxable
    elif product.kind == "gap":
        flag = rules.gap_taxable
    else:
        flag = None
    if flag is None:
        trace.warn(
            f"{product.kind} taxability in {rules.state} is not verified; it was treated as taxable "
            f"(confirm, or send tax_override)."
        )
        return True
    return flag


def _rebate_reduces(flag: bool | None, kind: str, amount: Decimal, rules: StateRules, trace: Trace) -> bool:
    if flag is None:
        trace.warn(
            f"Whether a {kind} rebate reduces the taxable price in {rules.state} is not verified; "
            f"the ${amount} rebate was left in the taxable price."
        )
        return False
    return flag


def build_sale_base(request: QuoteRequest, rules: StateRules, trace: Trace) -> SaleBase:
    vehicle = request.vehicle
    price = vehicle.price + vehicle.accessories
    trace.step("Selling price ${} (vehicle ${} + accessories ${})", price, vehicle.price, vehicle.accessories)
    gross = price

    if request.doc_fee > 0:
        taxable_doc = rules.doc_fee_taxable
        if taxable_doc is None:
            trace.warn(
                f"Doc fee taxability in {rules.state} is not verified; the ${request.doc_fee} doc fee was "
                f"treated as taxable."
            )
            taxable_doc = True
        if taxable_doc:
            gross += request.doc_fee
            trace.step("Add taxable doc fee ${} -> ${}", request.doc_fee, gross, source=rules.source)
        else:
            trace.step("Doc fee ${} is not taxable in {}", request.doc_fee, rules.state, source=rules.source)
        if rules.doc_fee_cap is not None and request.doc_fee > rules.doc_fee_cap:
            trace.warn(f"Doc fee ${request.doc_fee} exceeds {rules.state}'s cap of ${rules.doc_fee_cap}.")

    if rules.book_value_basis:
        if vehicle.book_value is not None:
            gross = vehicle.book_value
            trace.step("{} taxes the fair market (book) value: ${}", rules.state, gross, source=rules.source)
        else:
            trace.warn(
                f"{rules.state} taxes the vehicle's fair market value; vehicle.book_value was not given, "
                f"so the selling price was used."
            )
    elif rules.book_value_floor and vehicle.book_value is not None and vehicle.book_value > gross:
        trace.step(
            "Greater of price (${}) and book value (${}) -> ${}",
            gross,
            vehicle.book_value,
            vehicle.book_value,
            source=rules.source,
        )
        gross = vehicle.book_value

    dealer = maker = ZERO
    for rebate in request.rebates:
        if rebate.source == "dealer":
            dealer += rebate.amount
        else:
            maker += rebate.amount
    if dealer > 0:
        if _rebate_reduces(rules.dealer_rebate_reduces_base, "dealer", dealer, rules, trace):
            gross -= dealer
            trace.step(
                "Less dealer rebate/discount ${} -> ${}",
                dealer,
                gross,
                source=rules.rebate_note or rules.source,
            )
        else:
            trace.step(
                "Dealer rebate ${} stays in the taxable price",
                dealer,
                source=rules.rebate_note or rules.source,
            )
    if maker > 0:
        if _rebate_reduces(rules.manufacturer_rebate_reduces_base, "manufacturer", maker, rules, trace):
            gross -= maker
            trace.step(
                "Less manufacturer rebate ${} -> ${}", maker, gross, source=rules.rebate_note or rules.source
            )
        else:
            trace.step(
                "Manufacturer rebate ${} stays in the taxable price",
                maker,
                source=rules.rebate_note or rules.source,
            )

    negative_equity = ZERO
    for trade in request.trade_ins:
        if trade.payoff > trade.allowance:
            negative_equity += trade.payoff - trade.allowance
    if negative_equity > 0:
        if rules.negative_equity_taxable:
            gross += negative_equity
            trace.step(
                "Add negative equity ${} (taxable in {}) -> ${}",
                negative_equity,
                rules.state,
                gross,
                source=rules.source,
            )
        elif rules.negative_equity_taxable is None:
            trace.warn(
                f"Negative equity taxability in {rules.state} is not verified; the ${negative_equity} of "
                f"negative equity was not taxed."
            )
        else:
            trace.step(
                "Negative equity ${} is not taxable in {}", negative_equity, rules.state, source=rules.source
            )

    # Products: in the vehicle's base, or on their own line where the state taxes them at other rates.
    in_base = ZERO
    separate = ZERO
    for product in request.products:
        if product.price <= 0:
            continue
        if product_taxable(rules, product, trace):
            if rules.products_separate:
                separate += product.price
            else:
                in_base += product.price
            trace.step(
                "{} ${} is taxable in {}",
                product.kind,
                product.price,
                rules.state,
                source=rules.fi_note or rules.source,
            )
        else:
            trace.step(
                "{} ${} is not taxable in {}",
                product.kind,
                product.price,
                rules.state,
                source=rules.fi_note or rules.source,
            )

    pre_trade = max(gross, ZERO) + in_base
    credit = trade_in_credit(request, rules, pre_trade, trace)
    after = apply_valuation_floor(request, rules, pre_trade - credit, trace)
    return SaleBase(pre_trade, after, credit, in_base, separate)


def trade_in_credit(request: QuoteRequest, rules: StateRules, limit: Decimal, trace: Trace) -> Decimal:
    """Gross allowance deducted per the state's mode, never more than the base it reduces (no carry-over)."""
    if not request.trade_ins:
        return ZERO
    allowance = sum((t.allowance for t in request.trade_ins), ZERO)
    if allowance <= 0:
        return ZERO
    mode = rules.trade_in
    note = rules.trade_in_note or rules.source
    credit: Decimal
    if mode is None:
        trace.warn(
            f"Trade-in credit in {rules.state} is not verified; no credit was given for the ${allowance} "
            f"allowance (confirm, or send tax_override)."
        )
        return ZERO
    if mode == "none":
        trace.step(
            "No trade-in credit in {}: the ${} allowance stays taxable", rules.state, allowance, source=note
        )
        return ZERO
    if mode == "new_only" and request.vehicle.condition != "new":
        trace.step(
            "{} gives trade-in credit only on new vehicles: none on this used vehicle",
            rules.state,
            source=note,
        )
        return ZERO
    if mode == "capped" and rules.trade_in_cap is not None:
        # Only one trade counts where the credit is capped (MI: MADA FAQ).
        single = max(t.allowance for t in request.trade_ins)
        credit = min(single, rules.trade_in_cap)
        trace.step(
            "Trade-in credit limited to ${} (allowance ${})", rules.trade_in_cap, allowance, source=note
        )
    else:
        credit = allowance
        if mode == "partial":
            trace.warn(
                f"{rules.state} restricts the trade-in credit ({rules.trade_in_note}); full credit was given."
            )
    if credit > limit:
        trace.step("Trade-in credit limited to the taxable price ${} (no carry-over)", limit, source=note)
        credit = limit
    trace.step("Less trade-in credit ${} -> ${}", credit, limit - credit, source=note)
    return credit


def _line(line: RateLine, name: str, rate: Decimal, base: Decimal, trace: Trace) -> TaxComponent:
    amount = round_cents(base * rate)  # each tax line rounded half-up to the cent
    trace.step("{}: {} x ${} = ${}", name, Pct(rate), base, amount, source=line.source)
    return TaxComponent(line.level, name, rate, base, amount)


def compute_sale_tax(
    request: QuoteRequest, rules: StateRules, resolved: ResolvedRates, trace: Trace
) -> Taxes:
    base = build_sale_base(request, rules, trace)
    mech = rules.mechanics
    vehicle = request.vehicle
    new_resident = request.customer.new_resident
    overridden = resolved.jurisdiction.source == "override"
    components: list[TaxComponent] = []

    luxury = False
    if mech.luxury_rate is not None:
        tested = vehicle.price + vehicle.accessories + (request.doc_fee if rules.doc_fee_taxable else ZERO)
        luxury = tested > mech.luxury_rate.threshold
        if luxury and base.trade_in_credit > 0:
            trace.warn(
                f"{rules.state}: whether the trade-in reduces the amount tested against "
                f"${mech.luxury_rate.threshold} is not confirmed; the price before trade-in was tested."
            )

    electric = vehicle.is_electric
    exempt_electric = mech.electric_exempt is not None and electric
    for line in resolved.lines:
        rate = line.rate
        name = line.name
        line_base = base.after_trade if line.trade_in else base.pre_trade
        if line.level == "state" and not overridden:
            if mech.weight_mpg_table is not None:
                if vehicle.weight_lbs is None or vehicle.city_mpg is None:
                    trace.warn(
                        f"{rules.state} excise depends on weight and city MPG; vehicle.weight_lbs/city_mpg "
                        f"missing, so the highest rate was used."
                    )
                    rate = mech.weight_mpg_table.rows[-1][1][0]
                else:
                    rate = mech.weight_mpg_table.rate_for(vehicle.weight_lbs, vehicle.city_mpg)
                name = (
                    f"{rules.state} excise {format_percent(rate)} "
                    f"({vehicle.weight_lbs} lb, {vehicle.city_mpg} mpg city)"
                )
                trace.step("Weight x MPG table gives {}", Pct(rate), source=mech.weight_mpg_table.source)
            if exempt_electric and mech.electric_exempt:
                trace.step(
                    "Fully electric vehicle: exempt from {} excise", rules.state, source=mech.electric_exempt
                )
                rate = ZERO
            if electric and mech.electric_rate is not None:
                rate = mech.electric_rate.rate
                name = f"{line.name} (zero-emission vehicle {format_percent(rate)})"
                trace.step("Zero-emission vehicle rate {}", Pct(rate), source=mech.electric_rate.source)
            if new_resident and mech.new_resident_rate is not None:
                rate = mech.new_resident_rate.rate
                name = f"{line.name.rsplit(' ', 1)[0]} {format_percent(rate)} (new resident)"
                trace.step("New resident rate {}", Pct(rate), source=mech.new_resident_rate.source)
            if luxury and mech.luxury_rate is not None and line.products:
                rate = mech.luxury_rate.rate
                name = mech.luxury_rate.name
                trace.step(
                    "Price over ${}: rate {}",
                    mech.luxury_rate.threshold,
                    Pct(rate),
                    source=mech.luxury_rate.source,
                )
            if vehicle.condition == "used" and mech.used_price_tiers is not None:
                for below, tier_rate in mech.used_price_tiers.tiers:
                    if line_base < below:
                        rate = tier_rate
                        name = f"{line.name} (used under ${below}: {format_percent(rate)})"
                        trace.step(
                            "Used vehicle under ${}: state rate {}",
                            below,
                            Pct(rate),
                            source=mech.used_price_tiers.source,
                        )
                        break
            if vehicle.condition == "used" and mech.used_excise is not None and not line.trade_in:
                ex = mech.used_excise
                amount = ex.flat + round_cents(max(line_base - ex.first, ZERO) * rate)
                trace.step(
                    "Used-vehicle excise: ${} on the first ${} + {} of the rest = ${}",
                    ex.flat,
                    ex.first,
                    Pct(rate),
                    amount,
                    source=ex.source,
                )
                components.append(TaxComponent(line.level, f"{line.name} (used)", None, line_base, amount))
                continue
        elif (
            line.level != "state"
            and mech.local_base_cap is not None
            and line_base > mech.local_base_cap.amount
        ):
            trace.step(
                "{} applies to the first ${} only",
                line.name,
                mech.local_base_cap.amount,
                source=mech.local_base_cap.source,
            )
            line_base = mech.local_base_cap.amount
            if line.tier is not None:  # capped first: the tier splits the capped amount as one item
                tier = line.tier
                components.extend(
                    tiered_components(
                        line, tier, tier.below_name, tier.above_name, line_base, line_base, line_base, trace
                    )
                )  # fmt: skip
                continue
        if line.tier is not None:
            # The vehicle (with its taxable charges) is the single item; F&I products in the base are
            # separate items, so they stay at the regular rate.
            tier = line.tier
            item = base.pre_trade - base.products_in_base
            components.extend(
                tiered_components(
                    line, tier, tier.below_name, tier.above_name, line_base, item, base.pre_trade, trace
                )
            )  # fmt: skip
            continue
        components.append(_line(line, name, rate, line_base, trace))

    if mech.band_tax is not None:
        band = mech.band_tax
        slice_base = min(max(base.after_trade - band.lower, ZERO), band.upper - band.lower)
        if slice_base > 0:
            band_line = RateLine("state", band.name, band.rate, band.source)
            components.append(_line(band_line, band.name, band.rate, slice_base, trace))

    if base.products_separate > 0:
        product_lines = [line for line in resolved.lines if line.products]
        product_rate = sum((line.rate for line in product_lines), ZERO)
        components.append(
            _line(
                RateLine("state", "products", product_rate, rules.fi_note or rules.source),
                f"F&I products at {format_percent(product_rate)}",
                product_rate,
                base.products_separate,
                trace,
            )
        )

    if mech.lfivs is not None and vehicle.condition == "new" and not electric:
        lf = mech.lfivs
        fuel_inefficient = vehicle.city_mpg is not None and vehicle.city_mpg < lf.mpg_threshold
        if vehicle.city_mpg is None and vehicle.price < lf.price_threshold:
            trace.warn(
                f"{rules.state} LFIVS also applies under {lf.mpg_threshold} mpg; "
                "vehicle.city_mpg was not given."
            )
        if vehicle.price >= lf.price_threshold or fuel_inefficient:
            lf_line = RateLine("special", "LFIVS", lf.rate, lf.source)
            lf_name = f"{rules.state} LFIVS {format_percent(lf.rate)}"
            components.append(_line(lf_line, lf_name, lf.rate, vehicle.price, trace))

    total = sum((c.amount for c in components), ZERO)
    label = rules.components[0].name if rules.components else f"{rules.state} tax"
    if new_resident and mech.new_resident_flat is not None:
        flat = mech.new_resident_flat
        trace.step("New resident: flat ${} instead of {}", flat.amount, label, source=flat.source)
        components = [
            TaxComponent("state", f"{label} (new resident flat)", None, base.after_trade, flat.amount)
        ]
    elif new_resident and mech.new_resident_max_tax is not None and total > mech.new_resident_max_tax.amount:
        cap = mech.new_resident_max_tax
        trace.step("New resident: tax limited to ${}", cap.amount, source=cap.source)
        components = [
            TaxComponent("state", f"{label} (new resident, capped)", None, base.after_trade, cap.amount)
        ]
    elif mech.max_tax is not None and total > mech.max_tax.amount:
        cap = mech.max_tax
        trace.step("Tax ${} is over the ${} cap: ${} due", total, cap.amount, cap.amount, source=cap.source)
        components = [
            TaxComponent("state", f"{label} capped at ${cap.amount}", None, base.after_trade, cap.amount)
        ]
    elif mech.minimum_tax is not None and base.after_trade > 0 and total < mech.minimum_tax.amount:
        floor = mech.minimum_tax
        trace.step(
            "Tax ${} is under the ${} minimum: ${} due",
            total,
            floor.amount,
            floor.amount,
            source=floor.source,
        )
        components = [TaxComponent("state", f"{label} minimum", None, base.after_trade, floor.amount)]
    components = in_lieu_components(request, rules, base.after_trade, components, trace)
    total = sum((c.amount for c in components), ZERO)

    trace.step(ROUNDING_STEP, source=ROUNDING_SOURCE)
    reciprocity = reciprocity_credit(request, rules, total, trace)
    method = f"{rules.state}: {rules.tax_name}"
    return Taxes(
        total=total - reciprocity,
        taxable_base=base.after_trade,
        trade_in_credit=base.trade_in_credit,
        reciprocity_credit=reciprocity,
        method=method,
        components=tuple(components),
        upfront=total - reciprocity,
        monthly=ZERO,
    )


def reciprocity_credit(request: QuoteRequest, rules: StateRules, total: Decimal, trace: Trace) -> Decimal:
    paid = request.origin_tax_paid
    if paid is None or paid.amount <= 0:
        return ZERO
    if paid.state == rules.state:
        trace.warn("origin_tax_paid names the registration state itself; no credit was applied.")
        return ZERO
    if rules.reciprocity_credit is None:
        trace.warn(
            f"Credit for tax paid to {paid.state} is not verified for {rules.state}; no credit was applied "
            f"(confirm, then adjust)."
        )
        return ZERO
    if not rules.reciprocity_credit:
        trace.step(
            "{} gives no credit for tax paid to {}",
            rules.state,
            paid.state,
            source=rules.reciprocity_note or rules.source,
        )
        return ZERO
    credit = min(paid.amount, total)
    trace.step(
        "Credit for ${} tax paid to {}, limited to {}'s tax: -${}",
        paid.amount,
        paid.state,
        rules.state,
        credit,
        source=rules.reciprocity_note or rules.source,
    )
    return credit
