"""Typed request and result of a quote.

A :class:`QuoteRequest` is frozen so the desking code can derive variants with
``dataclasses.replace(request, cash_down=...)`` without touching the original. Every money value is a
``Decimal``; rates are fractions (``Decimal("0.0725")`` = 7.25 %). Results mirror the JSON contract
(``shared/contracts`` §1); :mod:`calc.contract_output` turns them into that JSON.
"""

from __future__ import annotations

import copyreg
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from decimal import Decimal
from types import GetSetDescriptorType, MemberDescriptorType
from typing import Literal, TypeVar, overload

DealType = Literal["cash", "finance", "lease"]
Condition = Literal["new", "used"]
RebateSource = Literal["manufacturer", "dealer"]
FeeCode = Literal["title", "registration", "plate", "inspection", "tire", "other"]
ProductKind = Literal["service_contract", "gap", "tire_wheel", "maintenance", "theft", "other"]
TaxLevel = Literal["state", "county", "city", "district", "special"]

DEAL_TYPES: tuple[DealType, ...] = ("cash", "finance", "lease")
CONDITIONS: tuple[Condition, ...] = ("new", "used")
REBATE_SOURCES: tuple[RebateSource, ...] = ("manufacturer", "dealer")
FEE_CODES: tuple[FeeCode, ...] = ("title", "registration", "plate", "inspection", "tire", "other")
PRODUCT_KINDS: tuple[ProductKind, ...] = (
    "service_contract",
    "gap",
    "tire_wheel",
    "maintenance",
    "theft",
    "other",
)
TAX_LEVELS: tuple[TaxLevel, ...] = ("state", "county", "city", "district", "special")

ZERO = Decimal("0")
# vehicle.fuel values that mean a battery-electric vehicle.
ELECTRIC_FUELS = frozenset({"electric", "ev", "bev", "zev"})


_T = TypeVar("_T")


def fast_init(cls: type[_T]) -> type[_T]:
    """Give a frozen dataclass an ``__init__`` that stores each field through its descriptor.

    The generated one calls ``object.__setattr__(self, name, value)`` per field (frozen classes must
    bypass their own ``__setattr__``); writing through the field's descriptor (a slot, or a native
    attribute in the compiled build, where dataclasses still generates ``__init__`` in Python) does the
    same thing at about half the cost, and a quote builds some 150 fields of these objects. Same
    signature, same defaults and factories, still frozen afterwards.
    """
    descriptor = cls.__dict__.get(fields(cls)[0].name)  # type: ignore[arg-type]
    if not isinstance(descriptor, MemberDescriptorType | GetSetDescriptorType):
        return cls  # fields kept in an instance __dict__: nothing to write through
    namespace: dict[str, object] = {"_MISSING": MISSING}
    params: list[str] = []
    body: list[str] = []
    for item in fields(cls):  # type: ignore[arg-type]
        name = item.name
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        if not item.init:  # not a parameter: its default (or factory) is stored as dataclasses does
            namespace[f"_default_{name}"] = item.default
            if item.default_factory is not MISSING:
                namespace[f"_factory_{name}"] = item.default_factory
                body.append(f"_set_{name}(self, _factory_{name}())")
            else:
                body.append(f"_set_{name}(self, _default_{name})")
            continue
        if item.default is not MISSING:
            namespace[f"_default_{name}"] = item.default
            params.append(f"{name}=_default_{name}")
        elif item.default_factory is not MISSING:
            namespace[f"_factory_{name}"] = item.default_factory
            params.append(f"{name}=_MISSING")
            body.append(f"if {name} is _MISSING: {name} = _factory_{name}()")
        else:
            params.append(name)
        body.append(f"_set_{name}(self, {name})")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body)
    exec(source, namespace)  # the technique dataclasses itself uses to build __init__
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    setattr(cls, "__init__", init)  # noqa: B010  # a method set on the class object, as dataclasses does
    return cls


def _constructor_arguments(record: object) -> tuple[type, tuple[object, ...]]:
    cls = type(record)
    return cls, tuple(getattr(record, item.name) for item in fields(cls) if item.init)  # type: ignore[arg-type]


def prepare_records(namespace: Mapping[str, object], module: str) -> None:
    """Finish every frozen dataclass defined in ``module``: :func:`fast_init`, and pickling
    (and ``copy.deepcopy``) by constructor arguments, which works the same for plain and native classes.

    Called after the class statements rather than used as a decorator: the compiled build
    (:mod:`calc.native`) makes a dataclass with no other decorator a native class (attributes read
    directly by compiled code), and its frozen ``__setattr__`` would refuse the dataclass way of
    unpickling.
    """
    for value in list(namespace.values()):
        params = getattr(value, "__dataclass_params__", None)
        mine = isinstance(value, type) and value.__module__ == module
        if mine and params is not None and params.frozen:
            copyreg.pickle(value, _constructor_arguments)  # type: ignore[arg-type]
            fast_init(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- request


@dataclass(frozen=True, slots=True)
class Customer:
    """Where the vehicle will be registered (drives the tax jurisdiction)."""

    state: str
    zip: str | None = None
    county: str | None = None
    city: str | None = None
    new_resident: bool = False


@dataclass(frozen=True, slots=True)
class Vehicle:
    price: Decimal
    condition: Condition = "new"
    msrp: Decimal | None = None
    model_year: int | None = None
    accessories: Decimal = ZERO
    weight_lbs: int | None = None
    fuel: str | None = None
    city_mpg: int | None = None
    book_value: Decimal | None = None
    # Optional contract extensions read by state fee defaults (calc/rules/README.md, fees.json):
    # Missouri's taxable horsepower (on the title) and the EPA combined MPG rating (Oregon).
    taxable_horsepower: Decimal | None = None
    combined_mpg: int | None = None

    @property
    def is_electric(self) -> bool:
        """Battery-electric, as the tax and fee rules read ``fuel`` (EV exemptions, rates and fees)."""
        return self.fuel is not None and self.fuel.lower() in ELECTRIC_FUELS


@dataclass(frozen=True, slots=True)
class TradeIn:
    allowance: Decimal
    payoff: Decimal = ZERO

    @property
    def equity(self) -> Decimal:
        """Positive equity, or negative equity when the payoff exceeds the allowance."""
        return self.allowance - self.payoff


@dataclass(frozen=True, slots=True)
class Rebate:
    amount: Decimal
    source: RebateSource


@dataclass(frozen=True, slots=True)
class Fee:
    code: FeeCode
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Product:
    kind: ProductKind
    price: Decimal


@dataclass(frozen=True, slots=True)
class RateOverride:
    level: TaxLevel
    rate: Decimal
    name: str | None = None
    # A single-item tier, as on a local rate row: ``rate`` up to ``threshold``, ``rate_above`` over it.
    threshold: Decimal | None = None
    rate_above: Decimal | None = None
    tier_kind: str = "portion_over"  # or "single_item_over": the whole item over the threshold


@dataclass(frozen=True, slots=True)
class OriginTaxPaid:
    state: str
    amount: Decimal


ReserveMethod = Literal["finance_charge", "level"]
RESERVE_METHODS: tuple[ReserveMethod, ...] = ("finance_charge", "level")


@dataclass(frozen=True, slots=True)
class FinanceInput:
    """``apr`` is the sell (contract) rate. With ``buy_rate`` (the lender's rate for the deal) the quote
    shows the markup and the dealer reserve (:mod:`calc.finance.reserve`)."""

    apr: Decimal
    term_months: int
    days_to_first_payment: int | None = None
    buy_rate: Decimal | None = None
    reserve_split: Decimal | None = None  # dealer's share of the reserve; None: the 75 % default
    markup_cap: Decimal | None = None  # lender's cap on sell - buy; None: the 2.5-point default
    reserve_method: ReserveMethod = "finance_charge"


@dataclass(frozen=True, slots=True)
class LeaseInput:
    """Exactly one of ``money_factor``/``apr`` and one of ``residual_percent``/``residual_value`` is set."""

    term_months: int
    money_factor: Decimal | None = None
    apr: Decimal | None = None
    residual_percent: Decimal | None = None
    residual_value: Decimal | None = None
    acquisition_fee: Decimal = ZERO
    acquisition_fee_capitalized: bool = True
    security_deposit: Decimal = ZERO
    miles_per_year: int | None = None


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    deal_type: DealType
    as_of: date
    customer: Customer
    vehicle: Vehicle
    dealer_state: str | None = None
    trade_ins: tuple[TradeIn, ...] = ()
    rebates: tuple[Rebate, ...] = ()
    cash_down: Decimal = ZERO
    doc_fee: Decimal = ZERO
    fees: tuple[Fee, ...] = ()
    products: tuple[Product, ...] = ()
    tax_override: tuple[RateOverride, ...] | None = None
    origin_tax_paid: OriginTaxPaid | None = None
    finance: FinanceInput | None = None
    lease: LeaseInput | None = None


# ---------------------------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True)
class RateUsed:
    level: TaxLevel
    name: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    state: str
    county: str | None
    city: str | None
    rates: tuple[RateUsed, ...]
    source: Literal["embedded", "override"]
    rules_version: str
    rate_sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaxComponent:
    level: TaxLevel
    name: str
    rate: Decimal | None  # None for flat amounts (minimum tax, capped fee)
    base: Decimal
    amount: Decimal
    timing: Literal["upfront", "monthly"] = "upfront"


@dataclass(frozen=True, slots=True)
class Taxes:
    total: Decimal
    taxable_base: Decimal
    trade_in_credit: Decimal
    reciprocity_credit: Decimal
    method: str
    components: tuple[TaxComponent, ...]
    upfront: Decimal
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class FeeItem:
    code: str
    amount: Decimal
    taxable: bool
    source: str = ""


@dataclass(frozen=True, slots=True)
class Fees:
    total: Decimal
    items: tuple[FeeItem, ...]


@dataclass(frozen=True, slots=True)
class CashResult:
    total_due: Decimal


@dataclass(frozen=True, slots=True)
class FinanceResult:
    amount_financed: Decimal
    monthly_payment: Decimal
    finance_charge: Decimal
    total_of_payments: Decimal
    apr: Decimal
    total_sale_price: Decimal
    term_months: int
    down_payment: Decimal
    buy_rate: Decimal | None = None
    rate_markup: Decimal | None = None  # sell rate - buy rate (fraction)
    dealer_reserve: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DueAtSigningItem:
    label: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LeaseResult:
    gross_cap_cost: Decimal
    cap_cost_reduction: Decimal
    adjusted_cap_cost: Decimal
    residual_value: Decimal
    depreciation: Decimal
    rent_charge: Decimal
    base_monthly_payment: Decimal
    monthly_tax: Decimal
    monthly_payment: Decimal
    upfront_tax: Decimal
    due_at_signing: Decimal
    total_of_payments: Decimal
    money_factor: Decimal
    term_months: int
    due_at_signing_items: tuple[DueAtSigningItem, ...] = ()


ExplainStep = tuple[str, tuple[object, ...], str]  # (str.format template, arguments, source)


_PRINTF: dict[str, str] = {}  # str.format template -> the same template in printf style ("" if none)


def _printf(template: str) -> str:
    converted = template.replace("%", "%%").replace("{}", "%s")
    if "{" in converted or "}" in converted:  # indexed or formatted fields: keep str.format
        converted = ""
    if len(_PRINTF) < 4096:
        _PRINTF[template] = converted
    return converted


def render_step(step: ExplainStep) -> str:
    template, args, source = step
    if args:
        # Steps are written as str.format templates with plain "{}" fields. Rendered printf-style
        # ("%s", converted once per template) they come out the same at about half the cost: "%"
        # converts each argument with str() in C, with no format-spec parsing per field.
        printf = _PRINTF.get(template)
        if printf is None:
            printf = _printf(template)
        try:
            template = printf % args if printf else template.format(*map(str, args))
        except TypeError:  # an argument count the template does not match: str.format's leniency
            template = template.format(*map(str, args))
    return f"{template} [source: {source}]" if source else template


class Explanation(Sequence[str]):
    """The ``explain`` steps of a quote: a sequence of strings, rendered on first read.

    Each step reads ``"<what was done> [source: <rule and its source>]"``.
    """

    __slots__ = ("_steps", "_text")

    def __init__(self, steps: tuple[ExplainStep, ...] = ()) -> None:
        self._steps = steps
        self._text: tuple[str, ...] | None = None

    def _rendered(self) -> tuple[str, ...]:
        if self._text is None:
            # render_step inlined for the common shapes (a quote reads a dozen steps, a batch millions):
            # text rendered in advance passes through, a template already converted is filled in here.
            text: list[str] = []
            add = text.append
            printf_of = _PRINTF.get
            for step in self._steps:
                template, args, source = step
                if not args:
                    add(f"{template} [source: {source}]" if source else template)
                    continue
                printf = printf_of(template)
                if printf:
                    try:
                        line = printf % args
                    except TypeError:
                        add(render_step(step))
                        continue
                    add(f"{line} [source: {source}]" if source else line)
                else:  # first use of this template, or one only str.format can fill
                    add(render_step(step))
            self._text = tuple(text)
        return self._text

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._rendered()[index]

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[str]:
        return iter(self._rendered())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Explanation):
            return self._rendered() == other._rendered()
        if isinstance(other, tuple):
            return self._rendered() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._rendered())

    def __repr__(self) -> str:
        return f"Explanation({list(self._rendered())!r})"


@dataclass(frozen=True, slots=True)
class QuoteResult:
    deal_type: DealType
    jurisdiction: Jurisdiction
    taxes: Taxes
    fees: Fees
    products_total: Decimal
    cash: CashResult | None = None
    finance: FinanceResult | None = None
    lease: LeaseResult | None = None
    explain: Explanation = field(default_factory=Explanation)
    warnings: tuple[str, ...] = field(default=())


prepare_records(globals(), __name__)
