"""Which rates apply to a deal: the registration state's own rates plus local rates, or the override."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from calc.model import Jurisdiction, QuoteRequest, RateUsed, TaxLevel
from calc.rules.book import StateRules
from calc.rules.local_rates import LocalRateTable
from calc.tax.trace import Trace

_LEVEL_ORDER = {"state": 0, "county": 1, "city": 2, "district": 3, "special": 4}
OVERRIDE_SOURCE = "tax_override (rates entered or imported by the dealership)"


@dataclass(frozen=True, slots=True)
class RateLine:
    level: TaxLevel
    name: str
    rate: Decimal
    source: str
    trade_in: bool = True  # the trade-in credit reduces this line's base
    products: bool = True  # taxable F&I products are taxed at this line's rate


@dataclass(frozen=True, slots=True)
class ResolvedRates:
    jurisdiction: Jurisdiction
    lines: tuple[RateLine, ...]


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def resolve_rates(
    request: QuoteRequest, rules: StateRules, rules_version: str, local_table: LocalRateTable, trace: Trace
) -> ResolvedRates:
    customer = request.customer
    lines: list[RateLine]
    if request.tax_override is not None:
        lines = [
            RateLine(
                level=o.level,
                name=o.name or f"{customer.state} {o.level} rate (override)",
                rate=o.rate,
                source=OVERRIDE_SOURCE,
                # A 'special' override is a vehicle-only levy (like WA's motor vehicle tax), not a sales tax.
                products=o.level != "special",
            )
            for o in request.tax_override
        ]
        lines.sort(key=lambda line: _LEVEL_ORDER[line.level])
        trace.step(
            "Rates: tax_override replaces the jurisdiction lookup: "
            + ", ".join(f"{line.name} {_pct(line.rate)}" for line in lines),
            OVERRIDE_SOURCE,
        )
        source = "override"
    else:
        lines = [
            RateLine(c.level, c.name, c.rate, c.source, c.trade_in, c.products)  # type: ignore[arg-type]
            for c in rules.components
        ]
        for line in lines:
            trace.step(f"Rate: {line.name} ({_pct(line.rate)}) for {rules.name}", line.source)
        local = local_table.rates_for(
            customer.state, customer.county, customer.city, customer.zip, request.as_of
        )
        place = ", ".join(p for p in (customer.city, customer.county) if p) or customer.zip or ""
        if rules.local_taxes_apply is False:
            if local:
                trace.step(
                    f"Local rates on file for {place} ({', '.join(r.name for r in local)}) do not apply to "
                    f"motor vehicles in {customer.state}",
                    rules.local_note or rules.source,
                )
        else:
            for row in local:
                lines.append(RateLine(row.level, row.name, row.rate, row.source))  # type: ignore[arg-type]
                trace.step(f"Local rate: {row.name} ({_pct(row.rate)}) for {place}", row.source)
            if rules.local_taxes_apply is None:
                trace.warn(
                    f"Whether local taxes apply to vehicle sales in {customer.state} is not verified; "
                    + ("local rates on file were applied" if local else "no local rate was applied")
                    + " - confirm and use tax_override if needed."
                )
            elif not local:
                where = f" for {place}" if place else " (no county, city or ZIP given)"
                trace.warn(
                    f"{customer.state} levies local taxes on vehicles but no local rate is on file{where}; "
                    f"only the state rate was applied. Import the state's rate file or send tax_override."
                )
        lines.sort(key=lambda line: _LEVEL_ORDER[line.level])
        source = "embedded"
    jurisdiction = Jurisdiction(
        state=customer.state,
        county=customer.county,
        city=customer.city,
        rates=tuple(RateUsed(line.level, line.name, line.rate) for line in lines),
        source=source,  # type: ignore[arg-type]
        rules_version=rules_version,
        rate_sources=tuple(dict.fromkeys(line.source for line in lines)),
    )
    return ResolvedRates(jurisdiction, tuple(lines))
