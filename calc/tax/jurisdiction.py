"""Which rates apply to a deal: the registration state's own rates plus local rates, or the override."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from calc.model import ExplainStep, Jurisdiction, QuoteRequest, RateOverride, RateUsed, Record, TaxLevel
from calc.money import format_percent
from calc.rules.book import StateRules
from calc.rules.local_rates import LocalRate, LocalRateTable, RateTier, make_tier
from calc.rules.zip_places import SOURCE as ZIP_SOURCE
from calc.rules.zip_places import place_for_zip
from calc.tax.trace import Pct, Trace, prerendered

_LEVEL_ORDER: Final = {"state": 0, "county": 1, "city": 2, "district": 3, "special": 4}
OVERRIDE_SOURCE: Final = "tax_override (rates entered or imported by the dealership)"


class RateLine(Record):
    level: Final[TaxLevel]
    name: Final[str]
    rate: Final[Decimal]
    source: Final[str]
    trade_in: Final[bool]  # the trade-in credit reduces this line's base
    products: Final[bool]  # taxable F&I products are taxed at this line's rate
    tier: Final[RateTier | None]  # single-item tier of a local row (calc.tax.local_tiers)

    __match_args__ = ("level", "name", "rate", "source", "trade_in", "products", "tier")

    def __init__(
        self,
        level: TaxLevel,
        name: str,
        rate: Decimal,
        source: str,
        trade_in: bool = True,
        products: bool = True,
        tier: RateTier | None = None,
    ) -> None:
        self.level = level
        self.name = name
        self.rate = rate
        self.source = source
        self.trade_in = trade_in
        self.products = products
        self.tier = tier


class ResolvedRates(Record):
    jurisdiction: Final[Jurisdiction]
    lines: Final[tuple[RateLine, ...]]
    rows: Final[tuple[LocalRate, ...]]  # the local rate rows it was built from (none under an override)

    __match_args__ = ("jurisdiction", "lines", "rows")

    def __init__(
        self,
        jurisdiction: Jurisdiction,
        lines: tuple[RateLine, ...],
        rows: tuple[LocalRate, ...] = (),
    ) -> None:
        self.jurisdiction = jurisdiction
        self.lines = lines
        self.rows = rows


_MEMO_LIMIT: Final = 4096


class _Resolution(Record):
    """A resolved place, kept with the rule and table objects it came from and its explanation
    already rendered."""

    rules: Final[StateRules]
    table: Final[LocalRateTable]
    resolved: Final[ResolvedRates]
    steps: Final[tuple[ExplainStep, ...]]
    warnings: Final[tuple[str, ...]]

    __match_args__ = ("rules", "table", "resolved", "steps", "warnings")

    def __init__(
        self,
        rules: StateRules,
        table: LocalRateTable,
        resolved: ResolvedRates,
        steps: tuple[ExplainStep, ...],
        warnings: tuple[str, ...],
    ) -> None:
        self.rules = rules
        self.table = table
        self.resolved = resolved
        self.steps = steps
        self.warnings = warnings


# Two memos, both holding compiled rates and rendered text for a place, never a quote's figures:
# - by place: the periods over which the place's local rate rows stay the same, each with its
#   resolution, so a deal on any date inside a known period (most of them) is a lookup;
# - by place and the rows in force: a new period usually brings the same rows for this place (another
#   place's row changed), so only the row lookup is redone.
_Period = tuple[date, date | None, _Resolution]  # [start, end) and the resolution in force then
_BY_PLACE: Final[dict[tuple[object, ...], list[_Period]]] = {}
_BY_ROWS: Final[dict[tuple[object, ...], _Resolution]] = {}


def resolve_rates(
    request: QuoteRequest, rules: StateRules, rules_version: str, local_table: LocalRateTable, trace: Trace
) -> ResolvedRates:
    """The rates for the deal's place and date; the explanation steps and warnings go to ``trace``.

    Embedded lookups are memoised per place (a desk quotes the same place over and over); a memo entry
    is only reused for the same rule and table objects it was built from.
    """
    if request.tax_override is not None:
        return _resolve(request, rules, rules_version, local_table, trace)
    c = request.customer
    as_of = request.as_of
    place = (id(rules), id(local_table), rules_version, c.state, c.county, c.city, c.zip)
    periods = _BY_PLACE.get(place)
    found: _Resolution | None = None
    if periods is not None:
        for start, end, hit in periods:
            in_period = start <= as_of and (end is None or as_of < end)
            if in_period and hit.rules is rules and hit.table is local_table:
                found = hit
                break
    if found is None:
        found, start, end = _resolution_in_force(request, rules, rules_version, local_table, place)
        if periods is None:
            if len(_BY_PLACE) >= _MEMO_LIMIT:
                _BY_PLACE.clear()
            periods = _BY_PLACE[place] = []
        periods.append((start, end, found))
    trace.steps.extend(found.steps)
    for warning in found.warnings:
        trace.warn(warning)
    return found.resolved


def _resolution_in_force(
    request: QuoteRequest,
    rules: StateRules,
    rules_version: str,
    local_table: LocalRateTable,
    place: tuple[object, ...],
) -> tuple[_Resolution, date, date | None]:
    """The place's resolution on the deal's date, and the period the local rows it used are in force."""
    county, city = _derived_place(request, Trace())
    customer = request.customer
    rows, start, end = local_table.rates_in_force(customer.state, county, city, customer.zip, request.as_of)
    key = (*place, *map(id, rows))
    hit = _BY_ROWS.get(key)
    if hit is not None and hit.rules is rules and hit.table is local_table and hit.resolved.rows == rows:
        return hit, start, end
    local_trace = Trace()
    resolved = _resolve(request, rules, rules_version, local_table, local_trace)
    hit = _Resolution(
        rules, local_table, resolved, prerendered(local_trace.steps), tuple(local_trace.warnings)
    )
    if len(_BY_ROWS) >= _MEMO_LIMIT:
        _BY_ROWS.clear()
    _BY_ROWS[key] = hit
    return hit, start, end


def _derived_place(request: QuoteRequest, trace: Trace) -> tuple[str | None, str | None]:
    """County and city as given, or found from the ZIP code when the county is missing."""
    customer = request.customer
    county, city = customer.county, customer.city
    if county is None and customer.zip:
        found = place_for_zip(customer.zip)
        if found is None:
            trace.warn(f"ZIP {customer.zip} was not found; no county could be derived from it.")
        elif found.state != customer.state:
            trace.warn(f"ZIP {customer.zip} is in {found.state}, not {customer.state}; it was not used.")
        else:
            county, city = found.county, city or found.city
            trace.step("ZIP {} is in {} ({})", customer.zip, county, city, source=ZIP_SOURCE)
    return county, city


def _override_line(o: RateOverride, rules: StateRules, state: str) -> RateLine:
    """An entered rate; where it equals one of the state's own rates it keeps that rate's trade-in and
    product treatment (OK's excise takes no trade-in credit, GA TAVT does not reach F&I products).

    An entered single-item tier is compiled as a rate file row's is, so ``calc.tax.local_tiers`` applies
    it and the quote names its two levels the same way."""
    for component in rules.components:
        if component.level == o.level and component.rate == o.rate:
            name = o.name or component.name
            return RateLine(
                o.level,
                name,
                o.rate,
                OVERRIDE_SOURCE,
                component.trade_in,
                component.products,
                _override_tier(o, name),
            )
    # A 'special' override is a vehicle-only levy (like WA's motor vehicle tax), not a sales tax.
    name = o.name or f"{state} {o.level} rate (override)"
    return RateLine(
        o.level, name, o.rate, OVERRIDE_SOURCE, products=o.level != "special", tier=_override_tier(o, name)
    )


def _override_tier(o: RateOverride, name: str) -> RateTier | None:
    if o.threshold is None or o.rate_above is None:
        return None
    return make_tier(name, o.rate, o.threshold, o.rate_above, o.tier_kind)


def _described(line: RateLine) -> str:
    """An override line for the explanation: its rate, or its tier as a rate file row's tier is shown."""
    if line.tier is not None:
        return f"{line.name} ({line.tier.summary})"
    return f"{line.name} {format_percent(line.rate)}"


def _resolve(
    request: QuoteRequest, rules: StateRules, rules_version: str, local_table: LocalRateTable, trace: Trace
) -> ResolvedRates:
    customer = request.customer
    county, city = customer.county, customer.city
    rows: tuple[LocalRate, ...] = ()
    lines: list[RateLine]
    if request.tax_override is not None:
        lines = [_override_line(o, rules, customer.state) for o in request.tax_override]
        lines.sort(key=lambda line: _LEVEL_ORDER[line.level])
        trace.step(
            "{}",
            "Rates: tax_override replaces the jurisdiction lookup: " + ", ".join(map(_described, lines)),
            source=OVERRIDE_SOURCE,
        )
        source = "override"
    else:
        county, city = _derived_place(request, trace)
        lines = [
            RateLine(c.level, c.name, c.rate, c.source, c.trade_in, c.products)  # type: ignore[arg-type]
            for c in rules.components
        ]
        for line in lines:
            if "%" in line.name:
                trace.step("Rate: {} for {}", line.name, rules.name, source=line.source)
            else:
                trace.step("Rate: {} ({}) for {}", line.name, Pct(line.rate), rules.name, source=line.source)
        local = rows = local_table.rates_for(customer.state, county, city, customer.zip, request.as_of)
        place = ", ".join(p for p in (city, county) if p) or customer.zip or ""
        if rules.local_taxes_apply is False:
            if local:
                trace.step(
                    "Local rates on file for {} ({}) do not apply to motor vehicles in {}",
                    place,
                    ", ".join(r.name for r in local),
                    customer.state,
                    source=rules.local_note or rules.source,
                )
        else:
            for row in local:
                lines.append(
                    RateLine(row.level, row.name, row.rate, row.source, tier=row.tier)  # type: ignore[arg-type]
                )
                if row.tier is not None:
                    trace.step(
                        "Local rate: {} ({}) for {}", row.name, row.tier.summary, place, source=row.source
                    )
                else:
                    trace.step(
                        "Local rate: {} ({}) for {}", row.name, Pct(row.rate), place, source=row.source
                    )
                if row.warning:
                    trace.warn(row.warning)
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
        county=county,
        city=city,
        rates=tuple(RateUsed(line.level, line.name, line.rate) for line in lines),
        source=source,  # type: ignore[arg-type]
        rules_version=rules_version,
        rate_sources=tuple(dict.fromkeys(line.source for line in lines)),
    )
    return ResolvedRates(jurisdiction, tuple(lines), rows)
