"""Flat taxes in lieu of the rate for old, low-value vehicles (MN: $10 instead of 6.875 %).

Minn. Stat. 297B.02 subd. 2 and 297B.025 subd. 1: a passenger automobile in its tenth or later year of
vehicle life (the model year is the first year) that does not have a resale value of $3,000 or more
pays $10 instead of the motor vehicle sales tax. MN DVS adds that the purchase price before any
trade-in must also be under $3,000, and that a trade-in of equal or greater value leaves no tax at all,
while a smaller trade-in still leaves the full $10. The resale value is ``vehicle.book_value``; without
it the regular tax is charged and the quote says the vehicle may qualify (never a silent discount).
Collector-plate vehicles ($150 in-lieu tax) are a registration class a dealer quote does not carry.
"""

from __future__ import annotations

from decimal import Decimal

from calc.model import QuoteRequest, TaxComponent
from calc.rules.book import StateRules
from calc.tax.trace import Trace


def in_lieu_components(
    request: QuoteRequest,
    rules: StateRules,
    taxable: Decimal,
    components: list[TaxComponent],
    trace: Trace,
) -> list[TaxComponent]:
    """The tax lines: the in-lieu tax where the vehicle qualifies, else ``components`` unchanged."""
    rule = rules.mechanics.in_lieu_tax
    vehicle = request.vehicle
    if rule is None or vehicle.model_year is None:
        return components
    life_year = request.as_of.year - vehicle.model_year + 1
    price = vehicle.price + vehicle.accessories
    if life_year < rule.min_life_year or price >= rule.value_below:
        return components
    if vehicle.book_value is None:
        trace.warn(
            f"{rules.state}: a passenger car in year {life_year} of its life priced under "
            f"${rule.value_below} pays ${rule.amount} instead of the tax when its resale value is under "
            f"${rule.value_below}; "
            f"send vehicle.book_value to apply it (the regular tax was charged)."
        )
        return components
    if vehicle.book_value >= rule.value_below:
        trace.step(
            "Resale value ${} is not under ${}: the in-lieu tax does not apply",
            vehicle.book_value,
            rule.value_below,
            source=rule.source,
        )
        return components
    if taxable <= 0:
        trace.step(
            "Vehicle qualifies for the ${} in-lieu tax, but the trade-in covers the whole price: no tax",
            rule.amount,
            source=rule.source,
        )
        return []
    trace.step(
        "Year {} of vehicle life, price ${} and resale value ${} both under ${}: ${} in-lieu tax replaces "
        "the rate",
        life_year,
        price,
        vehicle.book_value,
        rule.value_below,
        rule.amount,
        source=rule.source,
    )
    return [TaxComponent("state", f"{rules.state} in-lieu tax", None, taxable, rule.amount)]
