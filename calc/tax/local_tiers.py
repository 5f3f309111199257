"""Local rates with a single-item tier: the row's rate up to a threshold, another rate on the portion over.

Arizona cities tax the retail sale of a single item this way ("portion over" rates: Phoenix 2.3 % on the
first $13,886 and 2.0 % on the rest from 2024). A tier belongs to one local rate row
(:class:`calc.rules.local_rates.RateTier`), so the county line of the same place stays flat, unlike a
state-wide ``local_base_cap``. A ``rate_above`` of 0 is a per-row base cap.

ADOR's filing instructions for portion-over cities prorate deductions between the two levels, so when
the taxable amount is less than the amount before deductions (a trade-in credit), the portion over the
threshold is reduced in the same proportion as the whole. That prorated portion is the one extra
rounding point: it is rounded half-up to the cent, and the part at the regular rate is the rest of the
line's base, so the two parts always add up to the line's base exactly.
"""

from __future__ import annotations

from decimal import Decimal

from calc.model import TaxComponent
from calc.money import ZERO, round_cents
from calc.rules.local_rates import RateTier
from calc.tax.jurisdiction import RateLine
from calc.tax.trace import Pct, Trace

TIER_SOURCE = (
    "ADOR, Explanation of Tiered Rates in Arizona (portion-over rates: the regular rate up to the amount, "
    "the portion-over rate on the rest; deductions prorated)"
)


def split_at_tier(tier: RateTier, base: Decimal, item: Decimal, before_deductions: Decimal) -> Decimal:
    """The part of ``base`` taxed at ``rate_above``.

    ``item`` is the single item's amount before deductions, ``before_deductions`` the whole amount the
    line's base was reduced from (the item plus anything else taxed with it)."""
    over = item - tier.threshold
    if over <= 0 or base <= 0:
        return ZERO
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
    if base != before_deductions:
        trace.step(
            "{}: deductions prorated between the levels: ${} of the item's ${} over ${} stays taxable",
            line.name,
            above,
            item - tier.threshold,
            tier.threshold,
            source=TIER_SOURCE,
        )
    low_amount = round_cents(below * line.rate)
    trace.step("{}: {} x ${} = ${}", below_name, Pct(line.rate), below, low_amount, source=line.source)
    out = [TaxComponent(line.level, below_name, line.rate, below, low_amount, timing)]  # type: ignore[arg-type]
    if tier.rate_above == 0:
        trace.step(
            "{}: ${} over the threshold is not taxed at this rate", above_name, above, source=line.source
        )
        return out
    high_amount = round_cents(above * tier.rate_above)
    trace.step("{}: {} x ${} = ${}", above_name, Pct(tier.rate_above), above, high_amount, source=line.source)
    out.append(TaxComponent(line.level, above_name, tier.rate_above, above, high_amount, timing))  # type: ignore[arg-type]
    return out
