"""State tax rules: loaded from ``states.json`` once, validated, and compiled into frozen tables.

``states.json`` holds, per state, a list of *versions*. The first version is complete; each later one
carries an ``effective_from`` date and only the fields that changed (MI's trade-in cap by year, MD's
6.5 % from 2025-07-01, WA's 0.5 % motor vehicle tax from 2026-01-01...). Compiling merges the versions
cumulatively, so a lookup for a delivery date is a bisect over pre-built :class:`StateRules` objects:
no JSON is parsed and no Decimal is built per quote.

A ``null`` in the data means *not verified* (the reference's convention). It is kept as ``None`` so the
tax code can say so in ``warnings`` instead of silently treating it as false or zero.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal, cast

from calc.loaded_once import LoadedOnce
from calc.model import Record
from calc.rules import read_rule_file

TradeInMode = Literal["full", "none", "capped", "new_only", "partial"]
LeaseMethod = Literal[
    "monthly_payment",
    "upfront_total_payments",
    "mn_formula",
    "upfront_price",
    "upfront_price_minus_residual",
    "tavt_lease",
    "nc_alternate",
    "none",
]
TRADE_IN_MODES: Final[frozenset[str]] = frozenset({"full", "none", "capped", "new_only", "partial"})
LEASE_METHODS: Final[frozenset[str]] = frozenset(LeaseMethod.__args__)  # type: ignore[attr-defined]
LEVELS: Final[frozenset[str]] = frozenset({"state", "county", "city", "district", "special"})


class RuleDataError(ValueError):
    """The embedded or imported rule data is malformed (a packaging error, never a user error)."""


class Component(Record):
    """One rate the state itself levies (local rates come from the local rate table)."""

    level: Final[str]
    name: Final[str]
    rate: Final[Decimal]
    source: Final[str]
    trade_in: Final[bool]  # the trade-in credit reduces this component's base (OK excise: no)
    products: Final[bool]  # taxable F&I products are taxed at this component's rate (WA 0.5 %: no)

    __match_args__ = ("level", "name", "rate", "source", "trade_in", "products")

    def __init__(
        self,
        level: str,
        name: str,
        rate: Decimal,
        source: str,
        trade_in: bool = True,
        products: bool = True,
    ) -> None:
        self.level = level
        self.name = name
        self.rate = rate
        self.source = source
        self.trade_in = trade_in
        self.products = products


class Amount(Record):
    amount: Final[Decimal]
    source: Final[str]

    __match_args__ = ("amount", "source")

    def __init__(self, amount: Decimal, source: str) -> None:
        self.amount = amount
        self.source = source


class RateRule(Record):
    rate: Final[Decimal]
    source: Final[str]
    name: Final[str]

    __match_args__ = ("rate", "source", "name")

    def __init__(self, rate: Decimal, source: str, name: str = "") -> None:
        self.rate = rate
        self.source = source
        self.name = name


class BandTax(Record):
    """An extra rate on the slice of the price between ``lower`` and ``upper`` (TN single article)."""

    name: Final[str]
    rate: Final[Decimal]
    lower: Final[Decimal]
    upper: Final[Decimal]
    source: Final[str]

    __match_args__ = ("name", "rate", "lower", "upper", "source")

    def __init__(self, name: str, rate: Decimal, lower: Decimal, upper: Decimal, source: str) -> None:
        self.name = name
        self.rate = rate
        self.lower = lower
        self.upper = upper
        self.source = source


class UsedPriceTiers(Record):
    """Reduced state rates for used vehicles below price thresholds (AR): ((below, rate), ...)."""

    tiers: Final[tuple[tuple[Decimal, Decimal], ...]]
    source: Final[str]

    __match_args__ = ("tiers", "source")

    def __init__(self, tiers: tuple[tuple[Decimal, Decimal], ...], source: str) -> None:
        self.tiers = tiers
        self.source = source


class LuxuryRate(Record):
    threshold: Final[Decimal]
    rate: Final[Decimal]
    name: Final[str]
    source: Final[str]

    __match_args__ = ("threshold", "rate", "name", "source")

    def __init__(self, threshold: Decimal, rate: Decimal, name: str, source: str) -> None:
        self.threshold = threshold
        self.rate = rate
        self.name = name
        self.source = source


class Lfivs(Record):
    rate: Final[Decimal]
    price_threshold: Final[Decimal]
    mpg_threshold: Final[int]
    source: Final[str]

    __match_args__ = ("rate", "price_threshold", "mpg_threshold", "source")

    def __init__(self, rate: Decimal, price_threshold: Decimal, mpg_threshold: int, source: str) -> None:
        self.rate = rate
        self.price_threshold = price_threshold
        self.mpg_threshold = mpg_threshold
        self.source = source


class WeightMpgTable(Record):
    """DC excise: rows by maximum unladen weight (None = no limit), columns by city-MPG band."""

    rows: Final[tuple[tuple[int | None, tuple[Decimal, ...]], ...]]
    mpg_bands: Final[tuple[int, ...]]  # upper bounds of all bands but the last
    source: Final[str]

    __match_args__ = ("rows", "mpg_bands", "source")

    def __init__(
        self,
        rows: tuple[tuple[int | None, tuple[Decimal, ...]], ...],
        mpg_bands: tuple[int, ...],
        source: str,
    ) -> None:
        self.rows = rows
        self.mpg_bands = mpg_bands
        self.source = source

    def rate_for(self, weight_lbs: int, city_mpg: int) -> Decimal:
        column = bisect.bisect_left(self.mpg_bands, city_mpg)
        for max_weight, rates in self.rows:
            if max_weight is None or weight_lbs <= max_weight:
                return rates[column]
        raise RuleDataError("weight table has no open-ended last row")


class UsedExcise(Record):
    """OK used-vehicle excise: a flat amount on the first slice, the state rate on the rest."""

    first: Final[Decimal]
    flat: Final[Decimal]
    source: Final[str]

    __match_args__ = ("first", "flat", "source")

    def __init__(self, first: Decimal, flat: Decimal, source: str) -> None:
        self.first = first
        self.flat = flat
        self.source = source


class ValuationFloor(Record):
    """The taxable price may not fall below ``share`` x (book value - trade value) (KY used vehicles)."""

    share: Final[Decimal]
    applies_to: Final[str]  # "used" or "new"
    source: Final[str]

    __match_args__ = ("share", "applies_to", "source")

    def __init__(self, share: Decimal, applies_to: str, source: str) -> None:
        self.share = share
        self.applies_to = applies_to
        self.source = source


class InLieuTax(Record):
    """A flat tax replacing the rate for old, low-value vehicles (MN $10)."""

    amount: Final[Decimal]
    min_life_year: Final[int]  # year of vehicle life from which it applies (model year = first year)
    value_below: Final[Decimal]  # price and resale value must both be under this
    source: Final[str]

    __match_args__ = ("amount", "min_life_year", "value_below", "source")

    def __init__(self, amount: Decimal, min_life_year: int, value_below: Decimal, source: str) -> None:
        self.amount = amount
        self.min_life_year = min_life_year
        self.value_below = value_below
        self.source = source


class Mechanics(Record):
    max_tax: Final[Amount | None]
    minimum_tax: Final[Amount | None]
    new_resident_flat: Final[Amount | None]
    new_resident_max_tax: Final[Amount | None]
    new_resident_rate: Final[RateRule | None]
    local_base_cap: Final[Amount | None]
    band_tax: Final[BandTax | None]
    used_price_tiers: Final[UsedPriceTiers | None]
    luxury_rate: Final[LuxuryRate | None]
    lfivs: Final[Lfivs | None]
    weight_mpg_table: Final[WeightMpgTable | None]
    electric_exempt: Final[str | None]  # the source, when fully electric vehicles are exempt
    electric_rate: Final[RateRule | None]  # a reduced state rate for zero-emission vehicles (NJ)
    used_excise: Final[UsedExcise | None]
    valuation_floor: Final[ValuationFloor | None]
    in_lieu_tax: Final[InLieuTax | None]

    __match_args__ = (
        "max_tax",
        "minimum_tax",
        "new_resident_flat",
        "new_resident_max_tax",
        "new_resident_rate",
        "local_base_cap",
        "band_tax",
        "used_price_tiers",
        "luxury_rate",
        "lfivs",
        "weight_mpg_table",
        "electric_exempt",
        "electric_rate",
        "used_excise",
        "valuation_floor",
        "in_lieu_tax",
    )

    def __init__(
        self,
        max_tax: Amount | None = None,
        minimum_tax: Amount | None = None,
        new_resident_flat: Amount | None = None,
        new_resident_max_tax: Amount | None = None,
        new_resident_rate: RateRule | None = None,
        local_base_cap: Amount | None = None,
        band_tax: BandTax | None = None,
        used_price_tiers: UsedPriceTiers | None = None,
        luxury_rate: LuxuryRate | None = None,
        lfivs: Lfivs | None = None,
        weight_mpg_table: WeightMpgTable | None = None,
        electric_exempt: str | None = None,
        electric_rate: RateRule | None = None,
        used_excise: UsedExcise | None = None,
        valuation_floor: ValuationFloor | None = None,
        in_lieu_tax: InLieuTax | None = None,
    ) -> None:
        self.max_tax = max_tax
        self.minimum_tax = minimum_tax
        self.new_resident_flat = new_resident_flat
        self.new_resident_max_tax = new_resident_max_tax
        self.new_resident_rate = new_resident_rate
        self.local_base_cap = local_base_cap
        self.band_tax = band_tax
        self.used_price_tiers = used_price_tiers
        self.luxury_rate = luxury_rate
        self.lfivs = lfivs
        self.weight_mpg_table = weight_mpg_table
        self.electric_exempt = electric_exempt
        self.electric_rate = electric_rate
        self.used_excise = used_excise
        self.valuation_floor = valuation_floor
        self.in_lieu_tax = in_lieu_tax


class LeaseRule(Record):
    method: Final[LeaseMethod | None]
    note: Final[str]
    include_manufacturer_rebate: Final[bool]
    include_trade_equity: Final[bool]
    include_doc_fee: Final[bool]  # a taxable doc fee paid at signing joins the upfront lease base
    rebate_treatment_verified: Final[bool]  # whether a rebate cap reduction is in the lease base is sourced
    trade_treatment_verified: Final[bool]  # same for trade equity applied to the lease
    exclude_negative_equity: Final[bool]
    extra_components: Final[tuple[Component, ...]]
    alternate_rate: Final[Decimal | None]
    # Where leases pay a different state tax than sales (SD's gross receipts tax), it replaces the
    # state components for lease quotes.
    components: Final[tuple[Component, ...] | None]
    warning: Final[str]  # said on every lease quote (e.g. a lessor election the engine had to assume)

    __match_args__ = (
        "method",
        "note",
        "include_manufacturer_rebate",
        "include_trade_equity",
        "include_doc_fee",
        "rebate_treatment_verified",
        "trade_treatment_verified",
        "exclude_negative_equity",
        "extra_components",
        "alternate_rate",
        "components",
        "warning",
    )

    def __init__(
        self,
        method: LeaseMethod | None,
        note: str,
        include_manufacturer_rebate: bool = False,
        include_trade_equity: bool = False,
        include_doc_fee: bool = True,
        rebate_treatment_verified: bool = False,
        trade_treatment_verified: bool = False,
        exclude_negative_equity: bool = False,
        extra_components: tuple[Component, ...] = (),
        alternate_rate: Decimal | None = None,
        components: tuple[Component, ...] | None = None,
        warning: str = "",
    ) -> None:
        self.method = method
        self.note = note
        self.include_manufacturer_rebate = include_manufacturer_rebate
        self.include_trade_equity = include_trade_equity
        self.include_doc_fee = include_doc_fee
        self.rebate_treatment_verified = rebate_treatment_verified
        self.trade_treatment_verified = trade_treatment_verified
        self.exclude_negative_equity = exclude_negative_equity
        self.extra_components = extra_components
        self.alternate_rate = alternate_rate
        self.components = components
        self.warning = warning


class StateRules(Record):
    state: Final[str]
    name: Final[str]
    tax_name: Final[str]
    confidence: Final[str]
    effective_from: Final[date]
    source: Final[str]
    components: Final[tuple[Component, ...]]
    local_taxes_apply: Final[bool | None]
    local_note: Final[str]
    trade_in: Final[TradeInMode | None]
    trade_in_cap: Final[Decimal | None]
    trade_in_note: Final[str]
    manufacturer_rebate_reduces_base: Final[bool | None]
    dealer_rebate_reduces_base: Final[bool | None]
    rebate_note: Final[str]
    doc_fee_taxable: Final[bool | None]
    doc_fee_cap: Final[Decimal | None]
    service_contract_taxable: Final[bool | None]
    gap_taxable: Final[bool | None]
    negative_equity_taxable: Final[bool | None]
    fi_note: Final[str]
    products_separate: Final[bool]
    book_value_floor: Final[bool]
    book_value_basis: Final[bool]
    mechanics: Final[Mechanics]
    lease: Final[LeaseRule]
    reciprocity_credit: Final[bool | None]
    reciprocity_note: Final[str]
    open_questions: Final[tuple[str, ...]]
    sources: Final[tuple[str, ...]]

    __match_args__ = (
        "state",
        "name",
        "tax_name",
        "confidence",
        "effective_from",
        "source",
        "components",
        "local_taxes_apply",
        "local_note",
        "trade_in",
        "trade_in_cap",
        "trade_in_note",
        "manufacturer_rebate_reduces_base",
        "dealer_rebate_reduces_base",
        "rebate_note",
        "doc_fee_taxable",
        "doc_fee_cap",
        "service_contract_taxable",
        "gap_taxable",
        "negative_equity_taxable",
        "fi_note",
        "products_separate",
        "book_value_floor",
        "book_value_basis",
        "mechanics",
        "lease",
        "reciprocity_credit",
        "reciprocity_note",
        "open_questions",
        "sources",
    )

    def __init__(
        self,
        state: str,
        name: str,
        tax_name: str,
        confidence: str,
        effective_from: date,
        source: str,
        components: tuple[Component, ...],
        local_taxes_apply: bool | None,
        local_note: str,
        trade_in: TradeInMode | None,
        trade_in_cap: Decimal | None,
        trade_in_note: str,
        manufacturer_rebate_reduces_base: bool | None,
        dealer_rebate_reduces_base: bool | None,
        rebate_note: str,
        doc_fee_taxable: bool | None,
        doc_fee_cap: Decimal | None,
        service_contract_taxable: bool | None,
        gap_taxable: bool | None,
        negative_equity_taxable: bool | None,
        fi_note: str,
        products_separate: bool,
        book_value_floor: bool,
        book_value_basis: bool,
        mechanics: Mechanics,
        lease: LeaseRule,
        reciprocity_credit: bool | None,
        reciprocity_note: str,
        open_questions: tuple[str, ...],
        sources: tuple[str, ...],
    ) -> None:
        self.state = state
        self.name = name
        self.tax_name = tax_name
        self.confidence = confidence
        self.effective_from = effective_from
        self.source = source
        self.components = components
        self.local_taxes_apply = local_taxes_apply
        self.local_note = local_note
        self.trade_in = trade_in
        self.trade_in_cap = trade_in_cap
        self.trade_in_note = trade_in_note
        self.manufacturer_rebate_reduces_base = manufacturer_rebate_reduces_base
        self.dealer_rebate_reduces_base = dealer_rebate_reduces_base
        self.rebate_note = rebate_note
        self.doc_fee_taxable = doc_fee_taxable
        self.doc_fee_cap = doc_fee_cap
        self.service_contract_taxable = service_contract_taxable
        self.gap_taxable = gap_taxable
        self.negative_equity_taxable = negative_equity_taxable
        self.fi_note = fi_note
        self.products_separate = products_separate
        self.book_value_floor = book_value_floor
        self.book_value_basis = book_value_basis
        self.mechanics = mechanics
        self.lease = lease
        self.reciprocity_credit = reciprocity_credit
        self.reciprocity_note = reciprocity_note
        self.open_questions = open_questions
        self.sources = sources


class StateTimeline(Record):
    dates: Final[tuple[date, ...]]
    versions: Final[tuple[StateRules, ...]]

    __match_args__ = ("dates", "versions")

    def __init__(self, dates: tuple[date, ...], versions: tuple[StateRules, ...]) -> None:
        self.dates = dates
        self.versions = versions

    def at(self, as_of: date) -> StateRules | None:
        index = bisect.bisect_right(self.dates, as_of) - 1
        return self.versions[index] if index >= 0 else None


class RuleBook(Record):
    rules_version: Final[str]
    states: Final[Mapping[str, StateTimeline]]

    __match_args__ = ("rules_version", "states")

    def __init__(self, rules_version: str, states: Mapping[str, StateTimeline]) -> None:
        self.rules_version = rules_version
        self.states = states

    def for_state(self, state: str, as_of: date) -> StateRules | None:
        timeline = self.states.get(state)
        return timeline.at(as_of) if timeline is not None else None


# --------------------------------------------------------------------------------------------- compile

_VERSION_KEYS: Final = frozenset(
    {
        "effective_from", "source", "state_components", "local_taxes_apply", "local_note", "trade_in",
        "trade_in_cap", "trade_in_note", "manufacturer_rebate_reduces_base", "dealer_rebate_reduces_base",
        "rebate_note", "doc_fee_taxable", "doc_fee_cap", "service_contract_taxable", "gap_taxable",
        "negative_equity_taxable", "fi_note", "products_separate", "book_value_floor", "book_value_basis",
        "mechanics", "lease", "reciprocity_credit", "reciprocity_note",
    }
)  # fmt: skip


def _dec(value: object, where: str, *, rate: bool = False) -> Decimal:
    if not isinstance(value, str):
        raise RuleDataError(f"{where}: expected a decimal string, got {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RuleDataError(f"{where}: not a decimal: {value!r}") from None
    if not number.is_finite() or number < 0 or (rate and number > 1):
        raise RuleDataError(f"{where}: out of range: {value!r}")
    return number


def _opt_dec(value: object, where: str) -> Decimal | None:
    return None if value is None else _dec(value, where)


def _opt_bool(value: object, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise RuleDataError(f"{where}: expected true/false/null, got {value!r}")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _component(raw: Mapping[str, Any], where: str) -> Component:
    level = raw.get("level", "state")
    if level not in LEVELS:
        raise RuleDataError(f"{where}.level: unknown level {level!r}")
    source = raw.get("source")
    if not isinstance(source, str) or not source:
        raise RuleDataError(f"{where}.source: every rate needs a source")
    return Component(
        level=level,
        name=str(raw["name"]),
        rate=_dec(raw["rate"], f"{where}.rate", rate=True),
        source=source,
        trade_in=bool(raw.get("trade_in", True)),
        products=bool(raw.get("products", True)),
    )


def _mechanics(items: list[Mapping[str, Any]], where: str) -> Mechanics:
    found: dict[str, Any] = {}
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        kind = item.get("kind")
        source = item.get("source")
        if not isinstance(source, str) or not source:
            raise RuleDataError(f"{at}.source: every mechanic needs a source")
        if kind in {"max_tax", "minimum_tax", "new_resident_flat", "new_resident_max_tax"}:
            found[kind] = Amount(_dec(item["amount"], f"{at}.amount"), source)
        elif kind == "local_base_cap":
            found[kind] = Amount(_dec(item["max_base"], f"{at}.max_base"), source)
        elif kind == "new_resident_rate":
            found[kind] = RateRule(_dec(item["rate"], f"{at}.rate", rate=True), source)
        elif kind == "band_tax":
            found[kind] = BandTax(
                str(item["name"]),
                _dec(item["rate"], f"{at}.rate", rate=True),
                _dec(item["from"], f"{at}.from"),
                _dec(item["to"], f"{at}.to"),
                source,
            )
        elif kind == "used_price_tiers":
            tiers = tuple(
                (_dec(t["below"], f"{at}.below"), _dec(t["rate"], f"{at}.rate", rate=True))
                for t in item["tiers"]
            )
            found["used_price_tiers"] = UsedPriceTiers(tiers, source)
        elif kind == "luxury_rate":
            found[kind] = LuxuryRate(
                _dec(item["threshold"], f"{at}.threshold"),
                _dec(item["rate"], f"{at}.rate", rate=True),
                str(item["name"]),
                source,
            )
        elif kind == "lfivs":
            found[kind] = Lfivs(
                _dec(item["rate"], f"{at}.rate", rate=True),
                _dec(item["price_threshold"], f"{at}.price_threshold"),
                int(item["mpg_threshold"]),
                source,
            )
        elif kind == "dc_weight_mpg_table":
            bands = tuple(int(b) for b in item["mpg_bands"])
            rows = tuple(
                (
                    None if row["max_weight"] is None else int(row["max_weight"]),
                    tuple(_dec(r, f"{at}.rates", rate=True) for r in row["rates"]),
                )
                for row in item["rows"]
            )
            if any(len(rates) != len(bands) + 1 for _, rates in rows) or rows[-1][0] is not None:
                raise RuleDataError(f"{at}: each row needs one rate per MPG band and the last row no limit")
            found["weight_mpg_table"] = WeightMpgTable(rows, bands, source)
        elif kind == "electric_rate":
            found[kind] = RateRule(_dec(item["rate"], f"{at}.rate", rate=True), source)
        elif kind == "electric_exempt":
            found[kind] = source
        elif kind == "ok_used_excise":
            found["used_excise"] = UsedExcise(
                _dec(item["first"], f"{at}.first"), _dec(item["flat"], f"{at}.flat"), source
            )
        elif kind == "valuation_floor":
            applies_to = item.get("applies_to")
            if applies_to not in {"new", "used"}:
                raise RuleDataError(f"{at}.applies_to: must be new or used")
            found[kind] = ValuationFloor(_dec(item["share"], f"{at}.share", rate=True), applies_to, source)
        elif kind == "in_lieu_tax":
            found[kind] = InLieuTax(
                _dec(item["amount"], f"{at}.amount"),
                int(item["min_life_year"]),
                _dec(item["value_below"], f"{at}.value_below"),
                source,
            )
        else:
            raise RuleDataError(f"{at}.kind: unknown mechanic {kind!r}")
    return Mechanics(**found)


def _lease(raw: Mapping[str, Any], where: str) -> LeaseRule:
    method = raw.get("method")
    if method is not None and method not in LEASE_METHODS:
        raise RuleDataError(f"{where}.method: unknown lease method {method!r}")
    extras = tuple(
        _component({"level": "special", **c}, f"{where}.extra_components[{i}]")
        for i, c in enumerate(raw.get("extra_components", []))
    )
    replaced = raw.get("components")
    return LeaseRule(
        components=None
        if replaced is None
        else tuple(_component(c, f"{where}.components[{i}]") for i, c in enumerate(replaced)),
        method=cast("LeaseMethod | None", method),
        warning=_text(raw.get("warning")),
        note=_text(raw.get("note")),
        include_manufacturer_rebate=bool(raw.get("include_manufacturer_rebate", False)),
        include_trade_equity=bool(raw.get("include_trade_equity", False)),
        include_doc_fee=bool(raw.get("include_doc_fee", True)),
        rebate_treatment_verified=bool(raw.get("rebate_treatment_verified", False)),
        trade_treatment_verified=bool(raw.get("trade_treatment_verified", False)),
        exclude_negative_equity=bool(raw.get("exclude_negative_equity", False)),
        extra_components=extras,
        alternate_rate=_opt_dec(raw.get("alternate_rate"), f"{where}.alternate_rate"),
    )


def _compile_version(state: str, meta: Mapping[str, Any], merged: Mapping[str, Any]) -> StateRules:
    where = f"{state}@{merged['effective_from']}"
    trade_in = merged.get("trade_in")
    if trade_in is not None and trade_in not in TRADE_IN_MODES:
        raise RuleDataError(f"{where}.trade_in: unknown mode {trade_in!r}")
    trade_in_cap = _opt_dec(merged.get("trade_in_cap"), f"{where}.trade_in_cap")
    if trade_in == "capped" and trade_in_cap is None:
        raise RuleDataError(f"{where}: a capped trade-in credit needs trade_in_cap")
    return StateRules(
        state=state,
        name=str(meta["name"]),
        tax_name=str(meta["tax_name"]),
        confidence=str(meta["confidence"]),
        effective_from=date.fromisoformat(merged["effective_from"]),
        source=_text(merged.get("source")),
        components=tuple(
            _component(c, f"{where}.state_components[{i}]") for i, c in enumerate(merged["state_components"])
        ),
        local_taxes_apply=_opt_bool(merged.get("local_taxes_apply"), f"{where}.local_taxes_apply"),
        local_note=_text(merged.get("local_note")),
        trade_in=cast("TradeInMode | None", trade_in),
        trade_in_cap=trade_in_cap,
        trade_in_note=_text(merged.get("trade_in_note")),
        manufacturer_rebate_reduces_base=_opt_bool(merged.get("manufacturer_rebate_reduces_base"), where),
        dealer_rebate_reduces_base=_opt_bool(merged.get("dealer_rebate_reduces_base"), where),
        rebate_note=_text(merged.get("rebate_note")),
        doc_fee_taxable=_opt_bool(merged.get("doc_fee_taxable"), where),
        doc_fee_cap=_opt_dec(merged.get("doc_fee_cap"), f"{where}.doc_fee_cap"),
        service_contract_taxable=_opt_bool(merged.get("service_contract_taxable"), where),
        gap_taxable=_opt_bool(merged.get("gap_taxable"), where),
        negative_equity_taxable=_opt_bool(merged.get("negative_equity_taxable"), where),
        fi_note=_text(merged.get("fi_note")),
        products_separate=bool(merged.get("products_separate", False)),
        book_value_floor=bool(merged.get("book_value_floor", False)),
        book_value_basis=bool(merged.get("book_value_basis", False)),
        mechanics=_mechanics(list(merged.get("mechanics", [])), f"{where}.mechanics"),
        lease=_lease(merged.get("lease") or {}, f"{where}.lease"),
        reciprocity_credit=_opt_bool(merged.get("reciprocity_credit"), where),
        reciprocity_note=_text(merged.get("reciprocity_note")),
        open_questions=tuple(str(q) for q in meta.get("open_questions") or ()),
        sources=tuple(f"{s['title']} <{s['url']}>" for s in meta.get("sources") or ()),
    )


def compile_rule_book(document: Mapping[str, Any]) -> RuleBook:
    """Validate a ``states.json`` document and build the lookup tables (raises :class:`RuleDataError`)."""
    states: dict[str, StateTimeline] = {}
    for state, meta in document["states"].items():
        if len(state) != 2 or not state.isupper():
            raise RuleDataError(f"{state}: state codes are two capital letters")
        versions_raw = meta["versions"]
        merged: dict[str, Any] = {}
        compiled: list[StateRules] = []
        for index, version in enumerate(versions_raw):
            unknown = set(version) - _VERSION_KEYS
            if unknown:
                raise RuleDataError(f"{state}.versions[{index}]: unknown fields {sorted(unknown)}")
            if "effective_from" not in version:
                raise RuleDataError(f"{state}.versions[{index}]: effective_from is required")
            merged = {**merged, **version}
            compiled.append(_compile_version(state, meta, merged))
        dates = tuple(v.effective_from for v in compiled)
        if list(dates) != sorted(set(dates)):
            raise RuleDataError(f"{state}: versions must have increasing effective_from dates")
        states[state] = StateTimeline(dates, tuple(compiled))
    return RuleBook(rules_version=str(document["rules_version"]), states=states)


def _load_rule_book() -> RuleBook:
    return compile_rule_book(json.loads(read_rule_file("states.json")))


_RULE_BOOK: Final = LoadedOnce(_load_rule_book)


def rule_book() -> RuleBook:
    """The embedded rule book, compiled on first use and shared afterwards."""
    return _RULE_BOOK.get()
