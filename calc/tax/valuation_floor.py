"""Taxable-value floors: where the law taxes at least a share of a guide value (KY usage tax).

Kentucky taxes a used vehicle on the selling price attested in the affidavit of total consideration,
"provided that the selling price is not less than fifty percent (50%) of the difference between the
trade-in value of the motor vehicle offered for registration and the trade-in value of any motor
vehicle offered in trade" (KY DOR, Motor Vehicle Usage Tax - Taxing Methods; KRS 138.4602(2)(a)).
The guide value of the purchased vehicle is ``vehicle.book_value`` (NADA trade-in value); the trade's
guide value is not part of a deal, so its allowance stands in for it and the explanation says so.
The floor is compared with the price after the trade-in, the figure the affidavit states.
"""

from __future__ import annotations

from decimal import Decimal

from calc.model import QuoteRequest
from calc.money import ZERO
from calc.rules.book import StateRules
from calc.tax.trace import Pct, Trace


def apply_valuation_floor(
    request: QuoteRequest, rules: StateRules, taxable: Decimal, trace: Trace
) -> Decimal:
    """The taxable value after the state's floor, if it has one for this vehicle."""
    floor_rule = rules.mechanics.valuation_floor
    vehicle = request.vehicle
    if floor_rule is None or vehicle.condition != floor_rule.applies_to:
        return taxable
    if vehicle.book_value is None:
        trace.warn(
            f"{rules.state} taxes a {vehicle.condition} vehicle on at least {Pct(floor_rule.share)} of its "
            f"guide trade-in value less the trade's; vehicle.book_value was not given, so the price was "
            f"used without that check."
        )
        return taxable
    trade_value = sum((t.allowance for t in request.trade_ins), ZERO)
    floor = floor_rule.share * max(vehicle.book_value - trade_value, ZERO)
    if taxable >= floor:
        trace.step(
            "Taxable price ${} is not below the floor {} x (book ${} - trade ${}) = ${}",
            taxable,
            Pct(floor_rule.share),
            vehicle.book_value,
            trade_value,
            floor,
            source=floor_rule.source,
        )
        return taxable
    trace.step(
        "Taxable price ${} is below the floor {} x (book ${} - trade ${}, the trade's allowance standing "
        "in for its guide value): taxed on ${}",
        taxable,
        Pct(floor_rule.share),
        vehicle.book_value,
        trade_value,
        floor,
        source=floor_rule.source,
    )
    return floor
