"""Government and dealer fees on a quote: the deal's own fees, plus state defaults for title and
registration when the deal does not itemise them (``calc/rules/fees.json``, each with its source).

A state default is one row per fee code and ``effective_from`` date. A row is the sum of one or more
*parts*, each of one shape:

- flat: ``amount``;
- brackets on a ``basis`` (``weight_lbs``, ``age_years``, ``value``, ``taxable_horsepower`` or
  ``combined_mpg``): each bracket applies up to and including ``up_to``, or up to but not including
  ``below`` (MO: "12 horsepower and less than 24"), ``null`` = no limit, and charges ``amount`` plus
  ``rate`` x the measure (HI's weight tax is cents per pound; most tables are flat amounts). A bracket
  may carry a ``label`` (``"12-23 HP"``). Optional: ``electric`` = the amount for an electric vehicle
  (``vehicle.fuel``) whatever the measure; ``if_missing: {bracket, hint}`` = when the vehicle lacks the
  measure, charge the bracket with that label and warn, naming every bracket and what to send (without
  it the fee is left out with a warning);
- ``value``: a percentage of the vehicle's value (``value_of`` = ``msrp`` or ``price``) x ``share`` (AZ
  assesses 60 % of list price), depreciated by an age table of ``{up_to, factor}`` or charged at an age
  table of ``{up_to, rate}`` / flat ``{up_to, amount}`` (CO specific ownership tax, MN registration
  tax), with an optional ``minimum``; ``class_width`` values the vehicle at the middle of its value
  class first (CA: $200 classes, R&TC 10753.2).

Age is the delivery year minus the model year (0 = current model year, never negative); a new vehicle
without ``model_year`` is taken as the current model year. A part may carry a condition (``when``:
minimum MSRP, maximum age) for surcharges such as MT's luxury registration fee. Each part is rounded
half-up to the cent (``round_to`` may say whole dollars where the state rounds so).

Rows carry ``confidence`` (``high`` primary source, ``medium`` primary for the base amount only,
``low`` secondary) and may carry ``approximate``: what the default leaves out (county fees, plate
fees...). That text is repeated in the quote's warnings, because the dealer must check those items.

A dealership overrides a default simply by sending that fee in the deal (``fees: [{code, amount}]``) or
in its fee template; a default is only used for a code neither gives. Government fees are not taxable.
All of this is compiled once per process (``fee_defaults()``); a quote does only the arithmetic. A deal
that itemises no fees reuses the fees, explanation and warnings worked out for the same state and date
(flat defaults) or, where the defaults are brackets on ``weight_lbs`` / ``taxable_horsepower`` /
``combined_mpg`` and flat parts only, for the same values of those fields and ``fuel``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any, Final, Literal

from calc.errors import CalcInputError
from calc.loaded_once import LoadedOnce
from calc.model import FEE_CODES, ExplainStep, FeeItem, Fees, QuoteRequest, Record, render_step, replace
from calc.money import ZERO, round_cents
from calc.rules import read_rule_file
from calc.rules.book import RuleDataError
from calc.tax.trace import Trace

DEFAULTED_CODES: Final = ("title", "registration")
BASES: Final = ("weight_lbs", "age_years", "value", "taxable_horsepower", "combined_mpg")
# The measure each basis reads, as the quote's field (named in warnings), and its unit in explanations.
_MEASURES: Final = {
    "weight_lbs": ("vehicle.weight_lbs", "{} lb"),
    "age_years": ("vehicle.model_year", "{} years old{}"),
    "taxable_horsepower": ("vehicle.taxable_horsepower", "{} taxable HP"),
    "combined_mpg": ("vehicle.combined_mpg", "{} MPG combined"),
}
CENT: Final = Decimal("0.01")
VALUE_OF: Final = ("msrp", "price")
CONFIDENCE: Final = ("high", "medium", "low")
ONE: Final = Decimal("1")
DOLLAR: Final = Decimal("1")
_DEFAULT_STEP: Final = "Default {} {} fee ${} = {} [{} confidence]"


class Bracket(Record):
    up_to: Final[Decimal | None]
    amount: Final[Decimal]
    rate: Final[Decimal]  # per unit of the measure (per lb, per dollar of value)
    factor: Final[Decimal]  # value parts: depreciation factor for this age
    inclusive: Final[bool]  # False: applies below ``up_to`` only
    label: Final[str]  # how the state names the bracket ("12-23 HP"), for warnings

    __match_args__ = ("up_to", "amount", "rate", "factor", "inclusive", "label")

    def __init__(
        self,
        up_to: Decimal | None,
        amount: Decimal = ZERO,
        rate: Decimal = ZERO,
        factor: Decimal = ONE,
        inclusive: bool = True,
        label: str = "",
    ) -> None:
        self.up_to = up_to
        self.amount = amount
        self.rate = rate
        self.factor = factor
        self.inclusive = inclusive
        self.label = label


class FeePart(Record):
    name: Final[str]
    amount: Final[Decimal | None]  # flat
    basis: Final[str | None]  # brackets on weight_lbs / age_years / value
    brackets: Final[tuple[Bracket, ...]]
    value_of: Final[str | None]  # value parts
    share: Final[Decimal]
    rate: Final[Decimal | None]
    by_age: Final[tuple[Bracket, ...]]
    minimum: Final[Decimal | None]
    min_msrp: Final[Decimal | None]  # condition: applies only from this MSRP on
    max_age: Final[int | None]  # condition: applies only up to this age
    min_age: Final[int | None]  # condition: applies only from this age on
    whole_dollars: Final[bool]
    electric_amount: Final[Decimal | None]  # brackets: what an electric vehicle pays instead
    assumed: Final[Bracket | None]  # brackets: charged when the vehicle lacks the measure...
    missing_warning: Final[str]  # ...with this warning (names the brackets and the field to send)
    class_width: Final[Decimal | None]  # value parts: value at the middle of its class this wide

    __match_args__ = (
        "name",
        "amount",
        "basis",
        "brackets",
        "value_of",
        "share",
        "rate",
        "by_age",
        "minimum",
        "min_msrp",
        "max_age",
        "min_age",
        "whole_dollars",
        "electric_amount",
        "assumed",
        "missing_warning",
        "class_width",
    )

    def __init__(
        self,
        name: str,
        amount: Decimal | None = None,
        basis: str | None = None,
        brackets: tuple[Bracket, ...] = (),
        value_of: str | None = None,
        share: Decimal = ONE,
        rate: Decimal | None = None,
        by_age: tuple[Bracket, ...] = (),
        minimum: Decimal | None = None,
        min_msrp: Decimal | None = None,
        max_age: int | None = None,
        min_age: int | None = None,
        whole_dollars: bool = False,
        electric_amount: Decimal | None = None,
        assumed: Bracket | None = None,
        missing_warning: str = "",
        class_width: Decimal | None = None,
    ) -> None:
        self.name = name
        self.amount = amount
        self.basis = basis
        self.brackets = brackets
        self.value_of = value_of
        self.share = share
        self.rate = rate
        self.by_age = by_age
        self.minimum = minimum
        self.min_msrp = min_msrp
        self.max_age = max_age
        self.min_age = min_age
        self.whole_dollars = whole_dollars
        self.electric_amount = electric_amount
        self.assumed = assumed
        self.missing_warning = missing_warning
        self.class_width = class_width


class FeeDefault(Record):
    code: Final[str]
    effective_from: Final[date]
    source: Final[str]
    parts: Final[tuple[FeePart, ...]]
    confidence: Final[str]
    approximate: Final[str]
    approximate_warning: Final[str]  # the quote's warning, built once when the table is compiled
    # Unconditional flat amounts (most states) are summed once: the fee item and its explanation are shared.
    fixed_item: Final[FeeItem | None]
    fixed_details: Final[_Details | None]
    # ...and their explain step is rendered then too: the same sentence on every quote in that state.
    fixed_step: Final[str]

    __match_args__ = (
        "code",
        "effective_from",
        "source",
        "parts",
        "confidence",
        "approximate",
        "approximate_warning",
        "fixed_item",
        "fixed_details",
        "fixed_step",
    )

    def __init__(
        self,
        code: str,
        effective_from: date,
        source: str,
        parts: tuple[FeePart, ...],
        confidence: str = "medium",
        approximate: str = "",
        approximate_warning: str = "",
        fixed_item: FeeItem | None = None,
        fixed_details: _Details | None = None,
        fixed_step: str = "",
    ) -> None:
        self.code = code
        self.effective_from = effective_from
        self.source = source
        self.parts = parts
        self.confidence = confidence
        self.approximate = approximate
        self.approximate_warning = approximate_warning
        self.fixed_item = fixed_item
        self.fixed_details = fixed_details
        self.fixed_step = fixed_step


class _Vehicle(Record):
    """What the fee shapes read from a request, worked out once per quote."""

    age: Final[int | None]
    age_note: Final[str]
    weight: Final[int | None]
    price: Final[Decimal]
    msrp: Final[Decimal | None]
    horsepower: Final[Decimal | None]
    combined_mpg: Final[int | None]
    electric: Final[bool]

    __match_args__ = ("age", "age_note", "weight", "price", "msrp", "horsepower", "combined_mpg", "electric")

    def __init__(
        self,
        age: int | None,
        age_note: str,
        weight: int | None,
        price: Decimal,
        msrp: Decimal | None,
        horsepower: Decimal | None,
        combined_mpg: int | None,
        electric: bool,
    ) -> None:
        self.age = age
        self.age_note = age_note
        self.weight = weight
        self.price = price
        self.msrp = msrp
        self.horsepower = horsepower
        self.combined_mpg = combined_mpg
        self.electric = electric


class _Text:
    """Explanation text formatted only when a quote's explanation is read (Decimals are slow to print)."""

    __slots__ = ("args", "template")

    def __init__(self, template: str = "", *args: object) -> None:
        self.template = template
        self.args = args

    def __bool__(self) -> bool:
        return bool(self.template)

    def __str__(self) -> str:
        return self.template.format(*self.args)

    def __format__(self, spec: str) -> str:
        return str(self)


NO_TEXT: Final = _Text()


class _Assumed(_Text):
    """The basis of a bracket charged by default because the vehicle lacks the measure; the quote warns."""

    __slots__ = ("warning",)

    def __init__(self, warning: str, template: str, *args: object) -> None:
        super().__init__(template, *args)
        self.warning = warning


class _Details:
    """The parts of a default fee, rendered as ``name $amount (basis); ...`` on first read."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[tuple[str, Decimal, _Text]]) -> None:
        self.parts = parts

    def __str__(self) -> str:
        return "; ".join(
            f"{name} ${amount}" + (f" ({basis})" if basis else "") for name, amount, basis in self.parts
        )

    def __format__(self, spec: str) -> str:
        return str(self)


def _bracket_for(brackets: tuple[Bracket, ...], measure: Decimal) -> Bracket | None:
    for bracket in brackets:
        limit = bracket.up_to
        if limit is None or measure < limit or (measure == limit and bracket.inclusive):
            return bracket
    return None


def _round(amount: Decimal, whole_dollars: bool) -> Decimal:
    if whole_dollars:
        return amount.quantize(DOLLAR, rounding=ROUND_HALF_UP)
    return round_cents(amount)


def _part_amount(part: FeePart, v: _Vehicle) -> tuple[Decimal | None, _Text | str]:
    """(amount, what it rests on); amount None means the vehicle lacks what the fee depends on (the text
    then says what is missing). A plain ``str`` with an amount means the part was skipped for that reason."""
    if part.min_msrp is not None:
        if v.msrp is None:
            return ZERO, f"not charged: vehicle.msrp not given (applies from MSRP ${part.min_msrp})"
        if v.msrp < part.min_msrp:
            return ZERO, NO_TEXT
    if part.max_age is not None or part.min_age is not None:
        if v.age is None:
            return None, "vehicle.model_year was not given"
        if (part.max_age is not None and v.age > part.max_age) or (
            part.min_age is not None and v.age < part.min_age
        ):
            return ZERO, NO_TEXT
    if part.amount is not None:
        return part.amount, NO_TEXT
    if part.basis is not None:
        if part.electric_amount is not None and v.electric:
            return part.electric_amount, _Text("electric vehicle")
        basis = part.basis
        raw: int | Decimal | None
        if basis == "value":
            raw = v.price
        elif basis == "weight_lbs":
            raw = v.weight
        elif basis == "age_years":
            raw = v.age
        elif basis == "taxable_horsepower":
            raw = v.horsepower
        else:
            raw = v.combined_mpg
        if raw is None:
            field, _ = _MEASURES[basis]
            if part.assumed is not None:
                return part.assumed.amount, _Assumed(
                    part.missing_warning, "{} assumed: {} not given", part.assumed.label, field
                )
            return None, f"{field} was not given"
        measure = Decimal(raw)
        if basis == "value":
            what = _Text("value ${}", raw)
        elif basis == "age_years":
            what = _Text("{} years old{}", raw, v.age_note)
        else:
            what = _Text(_MEASURES[basis][1], raw)
        bracket = _bracket_for(part.brackets, measure)
        if bracket is None:
            return None, f"no bracket for {what}"
        return _round(bracket.amount + bracket.rate * measure, part.whole_dollars), what
    return _value_amount(part, v)


def _value_amount(part: FeePart, v: _Vehicle) -> tuple[Decimal | None, _Text | str]:
    if part.value_of == "msrp" and v.msrp is not None:
        value, label = v.msrp, "MSRP"
    else:
        value, label = v.price, "price" if part.value_of == "price" else "price (no MSRP given)"
    rate = part.rate
    factor = ONE
    what = _Text("{} ${}", label, value)
    if part.class_width is not None:
        # The state values the vehicle at the middle of its class ($30,000-$30,199.99 -> $30,099.995).
        lowest = value // part.class_width * part.class_width
        value = lowest + (part.class_width - CENT) / 2
        what = _Text("{} ${}, class ${}-${}", label, v.price, lowest, lowest + part.class_width - CENT)
    if part.by_age:
        if v.age is None:
            return None, "vehicle.model_year was not given"
        bracket = _bracket_for(part.by_age, Decimal(v.age))
        if bracket is None:
            return None, f"no age bracket for {v.age} years"
        what = _Text("{} ${}, {} years old{}", label, value, v.age, v.age_note)
        if bracket.amount:
            # a flat amount for this age (CO's $3 from the tenth year; MN's $25 from the eleventh)
            return bracket.amount, what
        rate = bracket.rate or rate
        factor = bracket.factor
    if rate is None:
        return None, "no rate for this vehicle"
    amount = value * part.share * factor * rate
    if part.minimum is not None and amount < part.minimum:
        amount = part.minimum
    return _round(amount, part.whole_dollars), what


def _dec(raw: object, where: str) -> Decimal:
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise RuleDataError(f"fees.json {where}: not a decimal: {raw!r}") from None
    if not number.is_finite() or number < 0:
        raise RuleDataError(f"fees.json {where}: out of range: {raw!r}")
    return number


def _opt_dec(raw: object, where: str) -> Decimal | None:
    return None if raw is None else _dec(raw, where)


def _brackets(raw: object, where: str) -> tuple[Bracket, ...]:
    if not isinstance(raw, list) or not raw:
        raise RuleDataError(f"fees.json {where}: brackets must be a non-empty list")
    for b in raw:
        if "up_to" in b and "below" in b:
            raise RuleDataError(f"fees.json {where}: a bracket has either up_to or below, not both")
    out = tuple(
        Bracket(
            up_to=_opt_dec(b["below"] if "below" in b else b.get("up_to"), f"{where}.up_to"),
            amount=_dec(b.get("amount", "0"), f"{where}.amount"),
            rate=_dec(b.get("rate", "0"), f"{where}.rate"),
            factor=_dec(b.get("factor", "1"), f"{where}.factor"),
            inclusive="below" not in b,
            label=str(b.get("label") or ""),
        )
        for b in raw
    )
    limits = [b.up_to for b in out[:-1]]
    if out[-1].up_to is not None or None in limits or limits != sorted(limits):  # type: ignore[type-var]
        raise RuleDataError(f"fees.json {where}: brackets must rise and the last have no upper limit")
    return out


def _part(raw: Mapping[str, Any], where: str) -> FeePart:
    when = raw.get("when") or {}
    common: dict[str, Any] = {
        "name": str(raw.get("name", "")),
        "min_msrp": _opt_dec(when.get("msrp_at_least"), f"{where}.when.msrp_at_least"),
        "max_age": None if when.get("max_age") is None else int(when["max_age"]),
        "min_age": None if when.get("min_age") is None else int(when["min_age"]),
        "whole_dollars": raw.get("round_to") == "dollar",
    }
    if "amount" in raw:
        return FeePart(amount=_dec(raw["amount"], f"{where}.amount"), **common)
    basis = raw.get("basis")
    if basis == "value" and "value_of" in raw:
        value_of = raw["value_of"]
        if value_of not in VALUE_OF:
            raise RuleDataError(f"fees.json {where}.value_of: must be one of {VALUE_OF}")
        class_width = _opt_dec(raw.get("class_width"), f"{where}.class_width")
        if class_width is not None and class_width < 1:
            raise RuleDataError(f"fees.json {where}.class_width: at least one dollar")
        part = FeePart(
            value_of=str(value_of),
            share=_dec(raw.get("share", "1"), f"{where}.share"),
            rate=_opt_dec(raw.get("rate"), f"{where}.rate"),
            by_age=() if "by_age" not in raw else _brackets(raw["by_age"], f"{where}.by_age"),
            minimum=_opt_dec(raw.get("minimum"), f"{where}.minimum"),
            class_width=class_width,
            **common,
        )
        if part.rate is None and not part.by_age:
            raise RuleDataError(f"fees.json {where}: a value fee needs a rate or a by_age table")
        return part
    if basis not in BASES:
        raise RuleDataError(f"fees.json {where}: a fee needs an amount, value_of, or a basis in {BASES}")
    brackets = _brackets(raw.get("brackets"), f"{where}.brackets")
    electric = _opt_dec(raw.get("electric"), f"{where}.electric")
    assumed, warning = _assumed_bracket(raw.get("if_missing"), str(basis), brackets, electric, where)
    return FeePart(
        basis=str(basis),
        brackets=brackets,
        electric_amount=electric,
        assumed=assumed,
        missing_warning=warning,
        **common,
    )


def _bracket_range(bracket: Bracket, previous: Bracket | None) -> str:
    if bracket.label:
        return bracket.label
    low = "" if previous is None or previous.up_to is None else f"from {previous.up_to} "
    if bracket.up_to is None:
        return f"{low}up" if low else "all"
    return f"{low}{'up to' if bracket.inclusive else 'below'} {bracket.up_to}"


def _assumed_bracket(
    raw: object, basis: str, brackets: tuple[Bracket, ...], electric: Decimal | None, where: str
) -> tuple[Bracket | None, str]:
    """The bracket charged when the vehicle lacks the measure, and the warning that then names every
    bracket and the field to send (built once here, the same words on every such quote)."""
    if raw is None:
        return None, ""
    if not isinstance(raw, Mapping) or basis == "value":
        raise RuleDataError(f"fees.json {where}.if_missing: must be {{bracket, hint}} on a vehicle measure")
    label = raw.get("bracket")
    chosen = next((b for b in brackets if b.label and b.label == label), None)
    if chosen is None or chosen.rate:
        raise RuleDataError(f"fees.json {where}.if_missing.bracket: must name a flat bracket by its label")
    field = _MEASURES[basis][0]
    table = ", ".join(
        f"{_bracket_range(b, brackets[i - 1] if i else None)} ${b.amount}" for i, b in enumerate(brackets)
    )
    if electric is not None:
        table += f", electric (vehicle.fuel) ${electric}"
    hint = str(raw.get("hint") or "")
    warning = (
        f"{field} not given; charged at the {chosen.label} bracket (${chosen.amount}). Brackets: {table}. "
        f"Send {field}{f' ({hint})' if hint else ''} for the exact fee."
    )
    return chosen, warning


def _part_note(part: FeePart, parts: tuple[FeePart, ...]) -> str:
    return f", {part.name}" if part.name and len(parts) > 1 else ""


def _fee_row(state: str, index: int, row: Mapping[str, Any]) -> FeeDefault:
    where = f"{state}[{index}]"
    code, source = row.get("code"), row.get("source")
    if code not in DEFAULTED_CODES:
        raise RuleDataError(f"fees.json {where}.code: must be one of {DEFAULTED_CODES}")
    if not isinstance(source, str) or not source:
        raise RuleDataError(f"fees.json {where}.source: every default needs a source")
    url = row.get("url")
    if url:
        source = f"{source} <{url}>"
    confidence = row.get("confidence", "medium")
    if confidence not in CONFIDENCE:
        raise RuleDataError(f"fees.json {where}.confidence: must be one of {CONFIDENCE}")
    raw_parts = row.get("parts") or [row]
    parts = tuple(_part(p, f"{where}.parts[{i}]") for i, p in enumerate(raw_parts))
    parts = tuple(
        replace(p, missing_warning=f"{state} {code} fee{_part_note(p, parts)}: {p.missing_warning}")
        if p.missing_warning
        else p
        for p in parts
    )
    approximate = str(row.get("approximate") or "")
    fixed_item: FeeItem | None = None
    fixed_details: _Details | None = None
    # ...and their explain step is rendered then too: the same sentence on every quote in that state.
    fixed_step: str = ""
    if all(
        p.amount is not None and p.min_msrp is None and p.max_age is None and p.min_age is None for p in parts
    ):
        total = sum((p.amount for p in parts if p.amount is not None), ZERO)
        fixed_item = FeeItem(str(code), total, False, source)
        fixed_details = _Details(
            [(p.name or str(code), p.amount, NO_TEXT) for p in parts if p.amount is not None]
        )
        fixed_step = render_step(
            (_DEFAULT_STEP, (state, code, total, fixed_details, str(confidence)), source)
        )
    return FeeDefault(
        code=str(code),
        effective_from=date.fromisoformat(str(row["effective_from"])),
        source=source,
        parts=parts,
        confidence=str(confidence),
        approximate=approximate,
        approximate_warning=f"{state} {code} fee is approximate: {approximate}" if approximate else "",
        fixed_item=fixed_item,
        fixed_details=fixed_details,
        fixed_step=fixed_step,
    )


def compile_fee_defaults(document: Mapping[str, Any]) -> Mapping[str, tuple[FeeDefault, ...]]:
    """Validate a ``fees.json`` document; rows per state sorted by date (raises RuleDataError)."""
    table: dict[str, tuple[FeeDefault, ...]] = {}
    for state, rows in document["states"].items():
        if len(state) != 2 or not state.isupper():
            raise RuleDataError(f"fees.json {state}: state codes are two capital letters")
        parsed = [_fee_row(state, i, row) for i, row in enumerate(rows)]
        table[state] = tuple(sorted(parsed, key=lambda d: d.effective_from))
    return table


def _load_fee_defaults() -> Mapping[str, tuple[FeeDefault, ...]]:
    text = read_rule_file("fees.json")
    return compile_fee_defaults(json.loads(text))


_FEE_DEFAULTS: Final = LoadedOnce(_load_fee_defaults)


def fee_defaults() -> Mapping[str, tuple[FeeDefault, ...]]:
    """State fee defaults, validated and sorted by date once per process."""
    return _FEE_DEFAULTS.get()


def _load_fee_index() -> dict[tuple[str, str], tuple[FeeDefault, ...]]:
    index: dict[tuple[str, str], list[FeeDefault]] = {}
    for state, rows in fee_defaults().items():
        for row in rows:
            index.setdefault((state, row.code), []).append(row)
    return {key: tuple(reversed(rows)) for key, rows in index.items()}


_FEE_INDEX: Final = LoadedOnce(_load_fee_index)


def _fee_index() -> dict[tuple[str, str], tuple[FeeDefault, ...]]:
    """Rows per (state, code), latest first, so a lookup stops at the first row in force."""
    return _FEE_INDEX.get()


def default_fee(state: str, code: str, as_of: date) -> FeeDefault | None:
    for row in _fee_index().get((state, code), ()):
        if row.effective_from <= as_of:
            return row
    return None


DEALERSHIP_SOURCE: Final = "dealership fee template"


def _vehicle_facts(request: QuoteRequest) -> _Vehicle:
    vehicle = request.vehicle
    note = ""
    if vehicle.model_year is not None:
        age: int | None = max(request.as_of.year - vehicle.model_year, 0)
    elif vehicle.condition == "new":
        age, note = 0, " (new, model year not given: current model year assumed)"
    else:
        age = None
    return _Vehicle(
        age,
        note,
        vehicle.weight_lbs,
        vehicle.price + vehicle.accessories,
        vehicle.msrp,
        vehicle.taxable_horsepower,
        vehicle.combined_mpg,
        vehicle.is_electric,
    )


def _checked_template(dealership_defaults: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    """The dealership's fee template, refused (naming the entry) when an entry is not a fee amount."""
    for code, amount in dealership_defaults.items():
        field = f"fee_defaults.{code}"
        if code not in FEE_CODES:
            raise CalcInputError(field, f"unknown fee code; use one of {', '.join(FEE_CODES)}")
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise CalcInputError(field, "must be a finite Decimal amount")
        if amount < 0:
            raise CalcInputError(field, "must not be negative")
    return dealership_defaults


def build_fees(
    request: QuoteRequest, trace: Trace, dealership_defaults: Mapping[str, Decimal] | None = None
) -> Fees:
    """The deal's fees; title/registration left out come from the dealership's template, else the state."""
    state = request.customer.state
    if not request.fees and not dealership_defaults:
        plan = _flat_plans.get((state, request.as_of))
        if plan is None:
            plan = _flat_plan(state, request.as_of)
        if plan is _Planned.BY_VEHICLE:
            v = request.vehicle
            key = (state, request.as_of, v.weight_lbs, v.taxable_horsepower, v.combined_mpg, v.fuel)
            plan = _vehicle_plans.get(key) or _vehicle_plan(key, request)
        if plan:
            fees, steps, warnings = plan
            trace.steps.extend(steps)
            for warning in warnings:
                trace.warn(warning)
            return fees
    items = [FeeItem(fee.code, fee.amount, False, "deal") for fee in request.fees]
    given: set[str] = {fee.code for fee in request.fees}
    if dealership_defaults:
        for code, amount in _checked_template(dealership_defaults).items():
            if code not in given:
                items.append(FeeItem(code, amount, False, DEALERSHIP_SOURCE))
                given.add(code)
                trace.step("Dealership default {} fee ${}", code, amount, source=DEALERSHIP_SOURCE)
    facts: _Vehicle | None = None
    for code in DEFAULTED_CODES:
        if code in given:
            continue
        default = default_fee(state, code, request.as_of)
        if default is None:
            trace.warn(f"No default {code} fee on file for {state}; enter it in fees (none was added).")
            continue
        if facts is None and default.fixed_item is None:
            facts = _vehicle_facts(request)
        item = _state_default(state, default, facts, trace)
        if item is not None:
            items.append(item)
    total = sum((item.amount for item in items), ZERO)
    return Fees(total, tuple(items))


_FlatPlan = tuple[Fees, tuple[ExplainStep, ...], tuple[str, ...]]


class _Planned(Enum):
    BY_VEHICLE = "by vehicle"


_ByVehicle = Literal[_Planned.BY_VEHICLE]
# (state, delivery date) -> the fees, explain steps and warnings of a deal that itemises no fees, when
# every default in force that day is a flat amount (most states); BY_VEHICLE when the defaults read
# only the vehicle fields in _VehicleKey (planned per those values below); False when one depends on
# more (price, MSRP, age).
_flat_plans: dict[tuple[str, date], _FlatPlan | _ByVehicle | Literal[False]] = {}
# state, delivery date, weight_lbs, taxable_horsepower, combined_mpg, fuel
_VehicleKey = tuple[str, date, int | None, Decimal | None, int | None, str | None]
_vehicle_plans: dict[_VehicleKey, _FlatPlan] = {}
# Bracket bases read straight off the vehicle: a quote with the same values gets the same fees.
_KEYED_BASES: Final = frozenset({"weight_lbs", "taxable_horsepower", "combined_mpg"})


def _keyed_by_vehicle(default: FeeDefault) -> bool:
    return all(
        (p.amount is not None or p.basis in _KEYED_BASES)
        and p.min_msrp is None
        and p.max_age is None
        and p.min_age is None
        for p in default.parts
    )


def _vehicle_plan(key: _VehicleKey, request: QuoteRequest) -> _FlatPlan:
    state, as_of = key[0], key[1]
    trace = Trace()
    items: list[FeeItem] = []
    facts = _vehicle_facts(request)
    for code in DEFAULTED_CODES:
        default = default_fee(state, code, as_of)
        if default is None:
            trace.warn(f"No default {code} fee on file for {state}; enter it in fees (none was added).")
            continue
        item = _state_default(state, default, facts, trace)
        if item is not None:
            items.append(item)
    total = sum((item.amount for item in items), ZERO)
    plan = (Fees(total, tuple(items)), tuple(trace.steps), tuple(trace.warnings))
    if len(_vehicle_plans) >= 4096:
        _vehicle_plans.clear()
    _vehicle_plans[key] = plan
    return plan


def _flat_plan(state: str, as_of: date) -> _FlatPlan | _ByVehicle | Literal[False]:
    trace = Trace()
    items: list[FeeItem] = []
    for code in DEFAULTED_CODES:
        default = default_fee(state, code, as_of)
        if default is not None and default.fixed_item is None:
            defaults = (default_fee(state, other, as_of) for other in DEFAULTED_CODES)
            by_vehicle = all(d is None or _keyed_by_vehicle(d) for d in defaults)
            plan: _FlatPlan | _ByVehicle | Literal[False] = _Planned.BY_VEHICLE if by_vehicle else False
            break
        if default is None:
            trace.warn(f"No default {code} fee on file for {state}; enter it in fees (none was added).")
            continue
        item = _state_default(state, default, None, trace)
        assert item is not None  # a flat default always gives its item
        items.append(item)
    else:
        total = sum((item.amount for item in items), ZERO)
        plan = (Fees(total, tuple(items)), tuple(trace.steps), tuple(trace.warnings))
    if len(_flat_plans) >= 4096:
        _flat_plans.clear()
    _flat_plans[(state, as_of)] = plan
    return plan


def _state_default(state: str, default: FeeDefault, facts: _Vehicle | None, trace: Trace) -> FeeItem | None:
    code = default.code
    if default.fixed_item is not None:
        trace.text(default.fixed_step)
        if default.approximate_warning:
            trace.warn(default.approximate_warning)
        return default.fixed_item
    assert facts is not None  # built by the caller for every default that depends on the vehicle
    fee = ZERO
    details: list[tuple[str, Decimal, _Text]] = []
    for part in default.parts:
        amount, basis = _part_amount(part, facts)
        if amount is None:
            trace.warn(f"The {state} {code} fee depends on the vehicle but {basis}; enter it in fees.")
            return None
        if type(basis) is _Text:  # the usual case first, one check per part
            if amount or (part.min_msrp is None and part.max_age is None and part.min_age is None):
                details.append((part.name or code, amount, basis))
        elif isinstance(basis, str):
            trace.warn(f"{state} {code} fee: {part.name or code} {basis}.")
        elif isinstance(basis, _Assumed):
            trace.warn(basis.warning)
            details.append((part.name or code, amount, basis))
        fee += amount
    trace.step(
        _DEFAULT_STEP,
        state,
        code,
        fee,
        _Details(details),
        default.confidence,
        source=default.source,
    )
    if default.approximate_warning:
        trace.warn(default.approximate_warning)
    return FeeItem(code, fee, False, default.source)
