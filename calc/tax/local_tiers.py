"""Local rates with a single-item tier: the row's rate up to a threshold, another rate above it.

Arizona cities tax the retail sale of a single item this way, in two kinds (ADOR, "Explanation of Tiered
Rates in Arizona"):

- "portion over" (Phoenix 2.3 % on the first $13,886 and 2.0 % on the rest from 2024): ``rate_above``
  reaches only the portion of the item over the threshold. A ``rate_above`` of 0 is a per-row base cap.
- "single item over" (Glendale 2.2 % instead of 2.9 % on an item over $5,000 from 2012-08): an item
  over the threshold pays ``rate_above`` on its whole price.

A tier belongs to one local rate row or entered override rate (:class:`calc.rules.local_rates.RateTier`),
so the county line of the same place stays flat, unlike a state-wide ``local_base_cap``.

ADOR's filing instructions for portion-over cities prorate deductions between the two levels, so when
the taxable amount is less than the amount before deductions (a trade-in credit), the portion over the
threshold is reduced in the same proportion as the whole. For single-item-over cities the deductions
apply to the item's whole amount; only where other items (F&I products, at the regular rate) share the
line are the deductions shared between them in proportion. That prorated part is the one extra
rounding point: it is rounded half-up to the cent, and the part at the regular rate is the rest of the
line's base, so the two parts always add up to the line's base exactly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from calc.model import TaxComponent
from calc.money import ZERO, round_cents
from calc.rules.local_rates import RateTier
from calc.tax.jurisdiction import RateLine
from calc.tax.trace import Pct, Trace

TIER_SOURCE: Final = (
    "ADOR, Explanation of Tiered Rates in Arizona (portion-over rates: the regular rate up to the amount, "
    "the portion-over rate on the rest; deductions prorated)"
)
WHOLE_ITEM_SOURCE: Final = (
    "ADOR, Explanation of Tiered Rates in Arizona (single-item-over rates: the entire sale at the "
    "single-item-over rate; deductions applied to the full amount)"
)


def split_at_tier(tier: RateTier, base: Decimal, item: Decimal, before_deductions: Decimal) -> Decimal:
    """The part of ``base`` taxed at ``rate_above``.

    ``item`` is the single item's amount before deductions, ``before_deductions`` the whole amount the
    line's base was reduced from (the item plus anything else taxed with it)."""
    over = item - tier.threshold
    if over <= 0 or base <= 0:
        return ZERO
    if tier.whole_item:
        over = item
    if base == before_deductions:
        return over
    return min(round_cents(over * base / before_deductions), base)


def tiered_components(
    line: RateLine,
    tier: RateTier,
    below_name: str,
    above_name: str,
    base: Decimal,
    item: Decimal,
    before_deductions: Decimal,
    trace: Trace,
    timing: str = "upfront",
) -> list[TaxComponent]:
    """The line as one component per level it reaches, each rounded half-up to the cent."""
    above = split_at_tier(tier, base, item, before_deductions)
    below = base - above
    if above == 0:
        amount = round_cents(below * line.rate)
        trace.step(
            "{}: single item ${} is within the {}: {} x ${} = ${}",
            below_name,
            item,
            tier.below_label,
            Pct(line.rate),
            below,
            amount,
            source=line.source,
        )
        return [TaxComponent(line.level, below_name, line.rate, below, amount, timing)]  # type: ignore[arg-type]
    if base != before_deductions and not tier.whole_item:
        trace.step(
            "{}: deductions prorated between the levels: ${} of the item's ${} over ${} stays taxable",
            line.name,
            above,
            item - tier.threshold,
            tier.threshold,
            source=TIER_SOURCE,
        )
    elif base != before_deductions and item != before_deductions:
        trace.step(
            "{}: deductions shared in proportion: ${} of the single item's ${} stays taxable",
            line.name,
            above,
            item,
            source=WHOLE_ITEM_SOURCE,
        )
    out: list[TaxComponent] = []
    if below or not tier.whole_item:  # a whole item over the threshold may leave nothing at the rate
        low_amount = round_cents(below * line.rate)
        trace.step("{}: {} x ${} = ${}", below_name, Pct(line.rate), below, low_amount, source=line.source)
        out.append(TaxComponent(line.level, below_name, line.rate, below, low_amount, timing))  # type: ignore[arg-type]
    if tier.rate_above == 0 and not tier.whole_item:  # a cap: a whole item at 0 % still shows its line
        trace.step(
            "{}: ${} over the threshold is not taxed at this rate", above_name, above, source=line.source
        )
        return out
    high_amount = round_cents(above * tier.rate_above)
    if tier.whole_item:
        trace.step(
            "{}: single item ${} is over the threshold, so its whole amount is taxed at {}",
            above_name,
            item,
            Pct(tier.rate_above),
            source=WHOLE_ITEM_SOURCE,
        )
    trace.step("{}: {} x ${} = ${}", above_name, Pct(tier.rate_above), above, high_amount, source=line.source)
    out.append(TaxComponent(line.level, above_name, tier.rate_above, above, high_amount, timing))  # type: ignore[arg-type]
    return out
