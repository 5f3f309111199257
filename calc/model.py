"""Typed request and result of a quote.

A :class:`QuoteRequest` is immutable, so the desking code derives variants with :func:`replace`
(``replace(request, cash_down=...)``) without touching the original. Every money value is a
``Decimal``; rates are fractions (``Decimal("0.0725")`` = 7.25 %). Results mirror the JSON contract
(``shared/contracts`` §1); :mod:`calc.contract_output` turns them into that JSON.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from types import FunctionType
from typing import Any, ClassVar, Final, Literal, TypeVar, overload

DealType = Literal["cash", "finance", "lease"]
Condition = Literal["new", "used"]
RebateSource = Literal["manufacturer", "dealer"]
FeeCode = Literal["title", "registration", "plate", "inspection", "tire", "other"]
ProductKind = Literal["service_contract", "gap", "tire_wheel", "maintenance", "theft", "other"]
TaxLevel = Literal["state", "county", "city", "district", "special"]

DEAL_TYPES: Final[tuple[DealType, ...]] = ("cash", "finance", "lease")
CONDITIONS: Final[tuple[Condition, ...]] = ("new", "used")
REBATE_SOURCES: Final[tuple[RebateSource, ...]] = ("manufacturer", "dealer")
FEE_CODES: Final[tuple[FeeCode, ...]] = ("title", "registration", "plate", "inspection", "tire", "other")
PRODUCT_KINDS: Final[tuple[ProductKind, ...]] = (
    "service_contract",
    "gap",
    "tire_wheel",
    "maintenance",
    "theft",
    "other",
)
TAX_LEVELS: Final[tuple[TaxLevel, ...]] = ("state", "county", "city", "district", "special")

ZERO: Final = Decimal("0")
# vehicle.fuel values that mean a battery-electric vehicle.
ELECTRIC_FUELS: Final = frozenset({"electric", "ev", "bev", "zev"})


_R = TypeVar("_R", bound="Record")


class Record:
    """Base of the engine's immutable records (requests, results, rule rows).

    Each record lists its fields in ``__match_args__`` (constructor order, as a dataclass does) and
    declares them ``Final``, assigned once in a hand-written ``__init__``. Not dataclasses: the compiled
    engine (:mod:`calc.native`) can only build a dataclass through the ``__init__`` that dataclasses
    generates in Python, which made constructing records a fifth of a quote's cost and generating them
    half of the start-up. Written out, ``__init__`` compiles to direct stores.

    Immutability: mypy refuses any assignment to a ``Final`` field outside ``__init__``; at run time the
    compiled engine gives the attribute no setter, and under plain Python :func:`_assign_once` refuses
    a second assignment.
    ``tests/calc/test_model_records.py`` holds every record's ``__match_args__`` to its ``__init__``.
    Equality, hashing, ``repr``, pickling and :func:`replace` work on the listed fields.
    """

    __match_args__: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple([getattr(self, name) for name in self.__match_args__])

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        pairs = zip(self.__match_args__, self._values(), strict=True)
        shown = ", ".join(f"{name}={value!r}" for name, value in pairs)
        return f"{type(self).__qualname__}({shown})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # Pickling and copy.deepcopy rebuild the record through its constructor.
        return type(self), self._values()


def _assign_once(record: object, name: str, value: object) -> None:
    """``__setattr__`` of records under plain Python: each field is set once, by ``__init__``."""
    values: dict[str, object] = record.__dict__
    if name in values:
        raise AttributeError(f"cannot assign to field {name!r}")
    values[name] = value


if isinstance(_assign_once, FunctionType):
    # Plain Python only. In the compiled build (where this module's functions are not Python functions)
    # the Final fields have no setter already, and a __setattr__ in the class would route __init__'s
    # stores through it.
    Record.__setattr__ = _assign_once  # type: ignore[method-assign]


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` applied (the record itself is left as it was)."""
    values = dict(zip(record.__match_args__, record._values(), strict=True))
    unknown = changes.keys() - values.keys()
    if unknown:
        raise TypeError(f"{type(record).__qualname__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(record)(**values)


# --------------------------------------------------------------------------------------------- request


class Customer(Record):
    """Where the vehicle will be registered (drives the tax jurisdiction)."""

    state: Final[str]
    zip: Final[str | None]
    county: Final[str | None]
    city: Final[str | None]
    new_resident: Final[bool]

    __match_args__ = ("state", "zip", "county", "city", "new_resident")

    def __init__(
        self,
        state: str,
        zip: str | None = None,
        county: str | None = None,
        city: str | None = None,
        new_resident: bool = False,
    ) -> None:
        self.state = state
        self.zip = zip
        self.county = county
        self.city = city
        self.new_resident = new_resident


class Vehicle(Record):
    price: Final[Decimal]
    condition: Final[Condition]
    msrp: Final[Decimal | None]
    model_year: Final[int | None]
    accessories: Final[Decimal]
    weight_lbs: Final[int | None]
    fuel: Final[str | None]
    city_mpg: Final[int | None]
    book_value: Final[Decimal | None]
    # Optional contract extensions read by state fee defaults (calc/rules/README.md, fees.json):
    # Missouri's taxable horsepower (on the title) and the EPA combined MPG rating (Oregon).
    taxable_horsepower: Final[Decimal | None]
    combined_mpg: Final[int | None]

    __match_args__ = (
        "price",
        "condition",
        "msrp",
        "model_year",
        "accessories",
        "weight_lbs",
        "fuel",
        "city_mpg",
        "book_value",
        "taxable_horsepower",
        "combined_mpg",
    )

    def __init__(
        self,
        price: Decimal,
        condition: Condition = "new",
        msrp: Decimal | None = None,
        model_year: int | None = None,
        accessories: Decimal = ZERO,
        weight_lbs: int | None = None,
        fuel: str | None = None,
        city_mpg: int | None = None,
        book_value: Decimal | None = None,
        taxable_horsepower: Decimal | None = None,
        combined_mpg: int | None = None,
    ) -> None:
        self.price = price
        self.condition = condition
        self.msrp = msrp
        self.model_year = model_year
        self.accessories = accessories
        self.weight_lbs = weight_lbs
        self.fuel = fuel
        self.city_mpg = city_mpg
        self.book_value = book_value
        self.taxable_horsepower = taxable_horsepower
        self.combined_mpg = combined_mpg

    @property
    def is_electric(self) -> bool:
        """Battery-electric, as the tax and fee rules read ``fuel`` (EV exemptions, rates and fees)."""
        return self.fuel is not None and self.fuel.lower() in ELECTRIC_FUELS


class TradeIn(Record):
    allowance: Final[Decimal]
    payoff: Final[Decimal]

    __match_args__ = ("allowance", "payoff")

    def __init__(self, allowance: Decimal, payoff: Decimal = ZERO) -> None:
        self.allowance = allowance
        self.payoff = payoff

    @property
    def equity(self) -> Decimal:
        """Positive equity, or negative equity when the payoff exceeds the allowance."""
        return self.allowance - self.payoff


class Rebate(Record):
    amount: Final[Decimal]
    source: Final[RebateSource]

    __match_args__ = ("amount", "source")

    def __init__(self, amount: Decimal, source: RebateSource) -> None:
        self.amount = amount
        self.source = source


class Fee(Record):
    code: Final[FeeCode]
    amount: Final[Decimal]

    __match_args__ = ("code", "amount")

    def __init__(self, code: FeeCode, amount: Decimal) -> None:
        self.code = code
        self.amount = amount


class Product(Record):
    kind: Final[ProductKind]
    price: Final[Decimal]

    __match_args__ = ("kind", "price")

    def __init__(self, kind: ProductKind, price: Decimal) -> None:
        self.kind = kind
        self.price = price


class RateOverride(Record):
    level: Final[TaxLevel]
    rate: Final[Decimal]
    name: Final[str | None]
    # A single-item tier, as on a local rate row: ``rate`` up to ``threshold``, ``rate_above`` over it.
    threshold: Final[Decimal | None]
    rate_above: Final[Decimal | None]
    tier_kind: Final[str]  # or "single_item_over": the whole item over the threshold

    __match_args__ = ("level", "rate", "name", "threshold", "rate_above", "tier_kind")

    def __init__(
        self,
        level: TaxLevel,
        rate: Decimal,
        name: str | None = None,
        threshold: Decimal | None = None,
        rate_above: Decimal | None = None,
        tier_kind: str = "portion_over",
    ) -> None:
        self.level = level
        self.rate = rate
        self.name = name
        self.threshold = threshold
        self.rate_above = rate_above
        self.tier_kind = tier_kind


class OriginTaxPaid(Record):
    state: Final[str]
    amount: Final[Decimal]

    __match_args__ = ("state", "amount")

    def __init__(self, state: str, amount: Decimal) -> None:
        self.state = state
        self.amount = amount


ReserveMethod = Literal["finance_charge", "level"]
RESERVE_METHODS: Final[tuple[ReserveMethod, ...]] = ("finance_charge", "level")


class FinanceInput(Record):
    """``apr`` is the sell (contract) rate. With ``buy_rate`` (the lender's rate for the deal) the quote
    shows the markup and the dealer reserve (:mod:`calc.finance.reserve`)."""

    apr: Final[Decimal]
    term_months: Final[int]
    days_to_first_payment: Final[int | None]
    buy_rate: Final[Decimal | None]
    reserve_split: Final[Decimal | None]  # dealer's share of the reserve; None: the 75 % default
    markup_cap: Final[Decimal | None]  # lender's cap on sell - buy; None: the 2.5-point default
    reserve_method: Final[ReserveMethod]

    __match_args__ = (
        "apr",
        "term_months",
        "days_to_first_payment",
        "buy_rate",
        "reserve_split",
        "markup_cap",
        "reserve_method",
    )

    def __init__(
        self,
        apr: Decimal,
        term_months: int,
        days_to_first_payment: int | None = None,
        buy_rate: Decimal | None = None,
        reserve_split: Decimal | None = None,
        markup_cap: Decimal | None = None,
        reserve_method: ReserveMethod = "finance_charge",
    ) -> None:
        self.apr = apr
        self.term_months = term_months
        self.days_to_first_payment = days_to_first_payment
        self.buy_rate = buy_rate
        self.reserve_split = reserve_split
        self.markup_cap = markup_cap
        self.reserve_method = reserve_method


class LeaseInput(Record):
    """Exactly one of ``money_factor``/``apr`` and one of ``residual_percent``/``residual_value`` is set."""

    term_months: Final[int]
    money_factor: Final[Decimal | None]
    apr: Final[Decimal | None]
    residual_percent: Final[Decimal | None]
    residual_value: Final[Decimal | None]
    acquisition_fee: Final[Decimal]
    acquisition_fee_capitalized: Final[bool]
    security_deposit: Final[Decimal]
    miles_per_year: Final[int | None]

    __match_args__ = (
        "term_months",
        "money_factor",
        "apr",
        "residual_percent",
        "residual_value",
        "acquisition_fee",
        "acquisition_fee_capitalized",
        "security_deposit",
        "miles_per_year",
    )

    def __init__(
        self,
        term_months: int,
        money_factor: Decimal | None = None,
        apr: Decimal | None = None,
        residual_percent: Decimal | None = None,
        residual_value: Decimal | None = None,
        acquisition_fee: Decimal = ZERO,
        acquisition_fee_capitalized: bool = True,
        security_deposit: Decimal = ZERO,
        miles_per_year: int | None = None,
    ) -> None:
        self.term_months = term_months
        self.money_factor = money_factor
        self.apr = apr
        self.residual_percent = residual_percent
        self.residual_value = residual_value
        self.acquisition_fee = acquisition_fee
        self.acquisition_fee_capitalized = acquisition_fee_capitalized
        self.security_deposit = security_deposit
        self.miles_per_year = miles_per_year


class QuoteRequest(Record):
    deal_type: Final[DealType]
    as_of: Final[date]
    customer: Final[Customer]
    vehicle: Final[Vehicle]
    dealer_state: Final[str | None]
    trade_ins: Final[tuple[TradeIn, ...]]
    rebates: Final[tuple[Rebate, ...]]
    cash_down: Final[Decimal]
    doc_fee: Final[Decimal]
    fees: Final[tuple[Fee, ...]]
    products: Final[tuple[Product, ...]]
    tax_override: Final[tuple[RateOverride, ...] | None]
    origin_tax_paid: Final[OriginTaxPaid | None]
    finance: Final[FinanceInput | None]
    lease: Final[LeaseInput | None]

    __match_args__ = (
        "deal_type",
        "as_of",
        "customer",
        "vehicle",
        "dealer_state",
        "trade_ins",
        "rebates",
        "cash_down",
        "doc_fee",
        "fees",
        "products",
        "tax_override",
        "origin_tax_paid",
        "finance",
        "lease",
    )

    def __init__(
        self,
        deal_type: DealType,
        as_of: date,
        customer: Customer,
        vehicle: Vehicle,
        dealer_state: str | None = None,
        trade_ins: tuple[TradeIn, ...] = (),
        rebates: tuple[Rebate, ...] = (),
        cash_down: Decimal = ZERO,
        doc_fee: Decimal = ZERO,
        fees: tuple[Fee, ...] = (),
        products: tuple[Product, ...] = (),
        tax_override: tuple[RateOverride, ...] | None = None,
        origin_tax_paid: OriginTaxPaid | None = None,
        finance: FinanceInput | None = None,
        lease: LeaseInput | None = None,
    ) -> None:
        self.deal_type = deal_type
        self.as_of = as_of
        self.customer = customer
        self.vehicle = vehicle
        self.dealer_state = dealer_state
        self.trade_ins = trade_ins
        self.rebates = rebates
        self.cash_down = cash_down
        self.doc_fee = doc_fee
        self.fees = fees
        self.products = products
        self.tax_override = tax_override
        self.origin_tax_paid = origin_tax_paid
        self.finance = finance
        self.lease = lease


# ---------------------------------------------------------------------------------------------- result


class RateUsed(Record):
    level: Final[TaxLevel]
    name: Final[str]
    rate: Final[Decimal]

    __match_args__ = ("level", "name", "rate")

    def __init__(self, level: TaxLevel, name: str, rate: Decimal) -> None:
        self.level = level
        self.name = name
        self.rate = rate


class Jurisdiction(Record):
    state: Final[str]
    county: Final[str | None]
    city: Final[str | None]
    rates: Final[tuple[RateUsed, ...]]
    source: Final[Literal["embedded", "override"]]
    rules_version: Final[str]
    rate_sources: Final[tuple[str, ...]]

    __match_args__ = ("state", "county", "city", "rates", "source", "rules_version", "rate_sources")

    def __init__(
        self,
        state: str,
        county: str | None,
        city: str | None,
        rates: tuple[RateUsed, ...],
        source: Literal["embedded", "override"],
        rules_version: str,
        rate_sources: tuple[str, ...] = (),
    ) -> None:
        self.state = state
        self.county = county
        self.city = city
        self.rates = rates
        self.source = source
        self.rules_version = rules_version
        self.rate_sources = rate_sources


class TaxComponent(Record):
    level: Final[TaxLevel]
    name: Final[str]
    rate: Final[Decimal | None]  # None for flat amounts (minimum tax, capped fee)
    base: Final[Decimal]
    amount: Final[Decimal]
    timing: Final[Literal["upfront", "monthly"]]

    __match_args__ = ("level", "name", "rate", "base", "amount", "timing")

    def __init__(
        self,
        level: TaxLevel,
        name: str,
        rate: Decimal | None,
        base: Decimal,
        amount: Decimal,
        timing: Literal["upfront", "monthly"] = "upfront",
    ) -> None:
        self.level = level
        self.name = name
        self.rate = rate
        self.base = base
        self.amount = amount
        self.timing = timing


class Taxes(Record):
    total: Final[Decimal]
    taxable_base: Final[Decimal]
    trade_in_credit: Final[Decimal]
    reciprocity_credit: Final[Decimal]
    method: Final[str]
    components: Final[tuple[TaxComponent, ...]]
    upfront: Final[Decimal]
    monthly: Final[Decimal]

    __match_args__ = (
        "total",
        "taxable_base",
        "trade_in_credit",
        "reciprocity_credit",
        "method",
        "components",
        "upfront",
        "monthly",
    )

    def __init__(
        self,
        total: Decimal,
        taxable_base: Decimal,
        trade_in_credit: Decimal,
        reciprocity_credit: Decimal,
        method: str,
        components: tuple[TaxComponent, ...],
        upfront: Decimal,
        monthly: Decimal,
    ) -> None:
        self.total = total
        self.taxable_base = taxable_base
        self.trade_in_credit = trade_in_credit
        self.reciprocity_credit = reciprocity_credit
        self.method = method
        self.components = components
        self.upfront = upfront
        self.monthly = monthly


class FeeItem(Record):
    code: Final[str]
    amount: Final[Decimal]
    taxable: Final[bool]
    source: Final[str]

    __match_args__ = ("code", "amount", "taxable", "source")

    def __init__(self, code: str, amount: Decimal, taxable: bool, source: str = "") -> None:
        self.code = code
        self.amount = amount
        self.taxable = taxable
        self.source = source


class Fees(Record):
    total: Final[Decimal]
    items: Final[tuple[FeeItem, ...]]

    __match_args__ = ("total", "items")

    def __init__(self, total: Decimal, items: tuple[FeeItem, ...]) -> None:
        self.total = total
        self.items = items


class CashResult(Record):
    total_due: Final[Decimal]

    __match_args__ = ("total_due",)

    def __init__(self, total_due: Decimal) -> None:
        self.total_due = total_due


class FinanceResult(Record):
    amount_financed: Final[Decimal]
    monthly_payment: Final[Decimal]
    finance_charge: Final[Decimal]
    total_of_payments: Final[Decimal]
    apr: Final[Decimal]
    total_sale_price: Final[Decimal]
    term_months: Final[int]
    down_payment: Final[Decimal]
    buy_rate: Final[Decimal | None]
    rate_markup: Final[Decimal | None]  # sell rate - buy rate (fraction)
    dealer_reserve: Final[Decimal | None]

    __match_args__ = (
        "amount_financed",
        "monthly_payment",
        "finance_charge",
        "total_of_payments",
        "apr",
        "total_sale_price",
        "term_months",
        "down_payment",
        "buy_rate",
        "rate_markup",
        "dealer_reserve",
    )

    def __init__(
        self,
        amount_financed: Decimal,
        monthly_payment: Decimal,
        finance_charge: Decimal,
        total_of_payments: Decimal,
        apr: Decimal,
        total_sale_price: Decimal,
        term_months: int,
        down_payment: Decimal,
        buy_rate: Decimal | None = None,
        rate_markup: Decimal | None = None,
        dealer_reserve: Decimal | None = None,
    ) -> None:
        self.amount_financed = amount_financed
        self.monthly_payment = monthly_payment
        self.finance_charge = finance_charge
        self.total_of_payments = total_of_payments
        self.apr = apr
        self.total_sale_price = total_sale_price
        self.term_months = term_months
        self.down_payment = down_payment
        self.buy_rate = buy_rate
        self.rate_markup = rate_markup
        self.dealer_reserve = dealer_reserve


class DueAtSigningItem(Record):
    label: Final[str]
    amount: Final[Decimal]

    __match_args__ = ("label", "amount")

    def __init__(self, label: str, amount: Decimal) -> None:
        self.label = label
        self.amount = amount


class LeaseResult(Record):
    gross_cap_cost: Final[Decimal]
    cap_cost_reduction: Final[Decimal]
    adjusted_cap_cost: Final[Decimal]
    residual_value: Final[Decimal]
    depreciation: Final[Decimal]
    rent_charge: Final[Decimal]
    base_monthly_payment: Final[Decimal]
    monthly_tax: Final[Decimal]
    monthly_payment: Final[Decimal]
    upfront_tax: Final[Decimal]
    due_at_signing: Final[Decimal]
    total_of_payments: Final[Decimal]
    money_factor: Final[Decimal]
    term_months: Final[int]
    due_at_signing_items: Final[tuple[DueAtSigningItem, ...]]

    __match_args__ = (
        "gross_cap_cost",
        "cap_cost_reduction",
        "adjusted_cap_cost",
        "residual_value",
        "depreciation",
        "rent_charge",
        "base_monthly_payment",
        "monthly_tax",
        "monthly_payment",
        "upfront_tax",
        "due_at_signing",
        "total_of_payments",
        "money_factor",
        "term_months",
        "due_at_signing_items",
    )

    def __init__(
        self,
        gross_cap_cost: Decimal,
        cap_cost_reduction: Decimal,
        adjusted_cap_cost: Decimal,
        residual_value: Decimal,
        depreciation: Decimal,
        rent_charge: Decimal,
        base_monthly_payment: Decimal,
        monthly_tax: Decimal,
        monthly_payment: Decimal,
        upfront_tax: Decimal,
        due_at_signing: Decimal,
        total_of_payments: Decimal,
        money_factor: Decimal,
        term_months: int,
        due_at_signing_items: tuple[DueAtSigningItem, ...] = (),
    ) -> None:
        self.gross_cap_cost = gross_cap_cost
        self.cap_cost_reduction = cap_cost_reduction
        self.adjusted_cap_cost = adjusted_cap_cost
        self.residual_value = residual_value
        self.depreciation = depreciation
        self.rent_charge = rent_charge
        self.base_monthly_payment = base_monthly_payment
        self.monthly_tax = monthly_tax
        self.monthly_payment = monthly_payment
        self.upfront_tax = upfront_tax
        self.due_at_signing = due_at_signing
        self.total_of_payments = total_of_payments
        self.money_factor = money_factor
        self.term_months = term_months
        self.due_at_signing_items = due_at_signing_items


ExplainStep = tuple[str, tuple[object, ...], str]  # (str.format template, arguments, source)


_PRINTF: Final[dict[str, str]] = {}  # str.format template -> the same template in printf style ("" if none)


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
            self._text = tuple([render_step(step) for step in self._steps])
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


class QuoteResult(Record):
    deal_type: Final[DealType]
    jurisdiction: Final[Jurisdiction]
    taxes: Final[Taxes]
    fees: Final[Fees]
    products_total: Final[Decimal]
    cash: Final[CashResult | None]
    finance: Final[FinanceResult | None]
    lease: Final[LeaseResult | None]
    explain: Final[Explanation]
    warnings: Final[tuple[str, ...]]

    __match_args__ = (
        "deal_type",
        "jurisdiction",
        "taxes",
        "fees",
        "products_total",
        "cash",
        "finance",
        "lease",
        "explain",
        "warnings",
    )

    def __init__(
        self,
        deal_type: DealType,
        jurisdiction: Jurisdiction,
        taxes: Taxes,
        fees: Fees,
        products_total: Decimal,
        cash: CashResult | None = None,
        finance: FinanceResult | None = None,
        lease: LeaseResult | None = None,
        explain: Explanation | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self.deal_type = deal_type
        self.jurisdiction = jurisdiction
        self.taxes = taxes
        self.fees = fees
        self.products_total = products_total
        self.cash = cash
        self.finance = finance
        self.lease = lease
        self.explain = Explanation() if explain is None else explain
        self.warnings = warnings
