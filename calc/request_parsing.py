"""Contract JSON (``shared/contracts`` §1) to :class:`calc.model.QuoteRequest`.

Every refusal is a :class:`calc.errors.CalcInputError` naming the field by its dotted path
(``vehicle.price``, ``trade_ins[0].payoff``, ``lease.money_factor``). Unknown fields are refused so a
misspelt field never silently falls back to a default.

Optional extensions to the contract's ``finance`` object (output under ``finance``: ``buy_rate``,
``rate_markup``, ``dealer_reserve``; all null when no buy rate is given):

- ``buy_rate``: the lender's rate for the contract (fraction); above ``apr`` is refused.
- ``reserve_split``: the dealer's share of the reserve (fraction, default 0.75).
- ``markup_cap``: the lender's cap on ``apr - buy_rate`` (fraction, default 0.025); above it the quote
  warns.
- ``reserve_method``: ``finance_charge`` (difference in finance charges, default) or ``level``
  (present value at the buy rate of the payment difference). See :mod:`calc.finance.reserve`.

The reserve terms without ``buy_rate`` are refused (naming ``finance.buy_rate``) rather than ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, TypeVar, cast

from calc.errors import CalcInputError
from calc.model import (
    CONDITIONS,
    DEAL_TYPES,
    FEE_CODES,
    PRODUCT_KINDS,
    REBATE_SOURCES,
    RESERVE_METHODS,
    TAX_LEVELS,
    ZERO,
    Customer,
    DealType,
    Fee,
    FinanceInput,
    LeaseInput,
    OriginTaxPaid,
    Product,
    QuoteRequest,
    RateOverride,
    Rebate,
    TradeIn,
    Vehicle,
)
from calc.money import parse_decimal, parse_money, parse_rate
from calc.rules.book import rule_book
from calc.rules.local_rates import PORTION_OVER, TIER_KINDS, is_valid_threshold

_T = TypeVar("_T", bound=str)
_TOP: Final = frozenset(
    {
        "deal_type", "as_of", "dealer_state", "customer", "vehicle", "trade_ins", "rebates", "cash_down",
        "doc_fee", "fees", "products", "tax_override", "origin_tax_paid", "finance", "lease",
    }
)  # fmt: skip
# Each object of the input takes exactly the fields of the record it becomes: the record owns the list.
_CUSTOMER: Final = frozenset(Customer.__match_args__)
_VEHICLE: Final = frozenset(Vehicle.__match_args__)
_RESERVE_TERMS: Final = ("reserve_split", "markup_cap", "reserve_method")
_FINANCE: Final = frozenset(FinanceInput.__match_args__)
_LEASE: Final = frozenset(LeaseInput.__match_args__)
_TRADE_IN: Final = frozenset(TradeIn.__match_args__)
_REBATE: Final = frozenset(Rebate.__match_args__)
_FEE: Final = frozenset(Fee.__match_args__)
_PRODUCT: Final = frozenset(Product.__match_args__)
_MAX_APR: Final = Decimal("1")
_MAX_MONEY_FACTOR: Final = Decimal("0.01")  # 24 % APR; larger is an APR typed as a money factor
_MAX_TERM: Final = 120


def _obj(value: object, field: str, allowed: frozenset[str]) -> dict[str, Any]:
    """The JSON object at ``field``, as a dict (the compiled engine reads a dict's items directly, and
    any other mapping's through a Python method call)."""
    # JSON objects arrive as dicts; the exact-type test skips the slower ABC check on that path, and the
    # loop compiles to direct dict and set lookups (a set method call would cost twice as much).
    if type(value) is dict:
        for key in value:
            if key not in allowed:
                break
        else:
            return value
    if not isinstance(value, Mapping):
        raise CalcInputError(field or "deal", "must be a JSON object")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        name = f"{field}.{unknown[0]}" if field else str(unknown[0])
        raise CalcInputError(name, "unknown field")
    return dict(cast("Mapping[str, Any]", value))


def _list(value: object, field: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CalcInputError(field, "must be a list")
    return value


def _choice(value: object, field: str, options: tuple[_T, ...]) -> _T:
    for option in options:
        if value == option:
            return option
    raise CalcInputError(field, f"must be one of {', '.join(options)}")


def _int(value: object, field: str, *, low: int, high: int) -> int:
    if type(value) is int:  # the usual JSON integer: no Decimal round trip
        if not low <= value <= high:
            raise CalcInputError(field, f"must be between {low} and {high}")
        return value
    if isinstance(value, bool):
        raise CalcInputError(field, "must be a whole number")
    number = parse_decimal(value, field)
    if number != number.to_integral_value():
        raise CalcInputError(field, "must be a whole number")
    if not low <= number <= high:
        raise CalcInputError(field, f"must be between {low} and {high}")
    return int(number)


def _opt_int(value: object, field: str, *, low: int, high: int) -> int | None:
    return None if value is None else _int(value, field, low=low, high=high)


def _text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CalcInputError(field, "must be a string")
    return value.strip() or None


def _bool(value: object, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise CalcInputError(field, "must be true or false")
    return value


_STATE_CODES: Final[dict[str, str]] = {}  # text as sent -> its known state code (a batch sends a few dozen)


def _state(value: object, field: str) -> str:
    if type(value) is str:
        known = _STATE_CODES.get(value)
        if known is not None:
            return known
    if not isinstance(value, str) or not value.strip():
        raise CalcInputError(field, "is required (two-letter state code)")
    code = value.strip().upper()
    if code not in rule_book().states:
        raise CalcInputError(field, f"unknown state {value!r} (use a two-letter code of the 50 states or DC)")
    if type(value) is str and len(_STATE_CODES) < 4096:
        _STATE_CODES[value] = code
    return code


def _money(data: dict[str, Any], key: str, field: str) -> Decimal:
    value = data.get(key)
    return ZERO if value is None else parse_money(value, field)


def _opt_money(data: dict[str, Any], key: str, field: str) -> Decimal | None:
    value = data.get(key)
    return None if value is None else parse_money(value, field)


_DATES: Final[dict[str, date]] = {}  # a batch's deals share a few delivery dates: parse each text once


def _date(value: object, field: str) -> date:
    if value is None:
        return date.today()
    if not isinstance(value, str):
        raise CalcInputError(field, "must be a date YYYY-MM-DD")
    parsed = _DATES.get(value)
    if parsed is not None:
        return parsed
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise CalcInputError(field, "must be a date YYYY-MM-DD") from None
    if len(_DATES) < 4096:
        _DATES[value] = parsed
    return parsed


def _customer(value: object) -> Customer:
    data = _obj(value, "customer", _CUSTOMER)
    zip_code = _text(data.get("zip"), "customer.zip")
    if zip_code is not None and not (len(zip_code) in (5, 10) and zip_code[:5].isdigit()):
        raise CalcInputError("customer.zip", "must be a five-digit ZIP code")
    county = data.get("county")
    city = data.get("city")
    new_resident = data.get("new_resident")
    # Positional arguments in field order, here and below: keywords cost a quarter more per object.
    # Absent optional fields (most of them) are tested inline rather than through a helper call.
    return Customer(
        _state(data.get("state"), "customer.state"),
        zip_code,
        None if county is None else _text(county, "customer.county"),
        None if city is None else _text(city, "customer.city"),
        False if new_resident is None else _bool(new_resident, "customer.new_resident", False),
    )


def _vehicle(value: object) -> Vehicle:
    data = _obj(value, "vehicle", _VEHICLE)
    price = data.get("price")
    if price is None:
        raise CalcInputError("vehicle.price", "is required")
    price = parse_money(price, "vehicle.price")
    if price <= 0:
        raise CalcInputError("vehicle.price", "must be greater than zero")
    city_mpg = data.get("city_mpg")
    city_mpg = None if city_mpg is None else _int(city_mpg, "vehicle.city_mpg", low=1, high=500)
    condition = data.get("condition", "new")
    msrp = data.get("msrp")
    model_year = data.get("model_year")
    accessories = data.get("accessories")
    weight = data.get("weight_lbs")
    fuel = data.get("fuel")
    book_value = data.get("book_value")
    # Additive extensions for state fee brackets (calc/rules/README.md): MO taxable horsepower, OR MPG.
    horsepower = data.get("taxable_horsepower")
    combined_mpg = data.get("combined_mpg")
    return Vehicle(
        price,
        _choice(condition, "vehicle.condition", CONDITIONS),
        None if msrp is None else parse_money(msrp, "vehicle.msrp"),
        None if model_year is None else _int(model_year, "vehicle.model_year", low=1900, high=2100),
        ZERO if accessories is None else parse_money(accessories, "vehicle.accessories"),
        None if weight is None else _int(weight, "vehicle.weight_lbs", low=1, high=100_000),
        None if fuel is None else _text(fuel, "vehicle.fuel"),
        city_mpg,
        None if book_value is None else parse_money(book_value, "vehicle.book_value"),
        None if horsepower is None else _horsepower(horsepower),
        None if combined_mpg is None else _int(combined_mpg, "vehicle.combined_mpg", low=1, high=500),
    )


_MAX_HORSEPOWER: Final = Decimal("1000")


def _horsepower(value: object) -> Decimal:
    """Taxable horsepower as a state computes it (Missouri: 0.4 x cylinders x bore in inches squared)."""
    field = "vehicle.taxable_horsepower"
    number = parse_decimal(value, field)  # refuses non-finite numbers itself
    if not 0 < number <= _MAX_HORSEPOWER:
        raise CalcInputError(field, f"must be a number above 0 and at most {_MAX_HORSEPOWER}")
    return number


def _trade_ins(value: object) -> tuple[TradeIn, ...]:
    if value is None:
        return ()
    out = []
    for i, item in enumerate(_list(value, "trade_ins")):
        field = f"trade_ins[{i}]"
        data = _obj(item, field, _TRADE_IN)
        if data.get("allowance") is None:
            raise CalcInputError(f"{field}.allowance", "is required")
        out.append(
            TradeIn(
                parse_money(data["allowance"], f"{field}.allowance"),
                _money(data, "payoff", f"{field}.payoff"),
            )
        )
    return tuple(out)


def _rebates(value: object) -> tuple[Rebate, ...]:
    if value is None:
        return ()
    out = []
    for i, item in enumerate(_list(value, "rebates")):
        field = f"rebates[{i}]"
        data = _obj(item, field, _REBATE)
        out.append(
            Rebate(
                parse_money(data.get("amount"), f"{field}.amount"),
                _choice(data.get("source"), f"{field}.source", REBATE_SOURCES),
            )
        )
    return tuple(out)


def _fees(value: object) -> tuple[Fee, ...]:
    if value is None:
        return ()
    out = []
    for i, item in enumerate(_list(value, "fees")):
        field = f"fees[{i}]"
        data = _obj(item, field, _FEE)
        out.append(
            Fee(
                _choice(data.get("code"), f"{field}.code", FEE_CODES),
                parse_money(data.get("amount"), f"{field}.amount"),
            )
        )
    return tuple(out)


def _products(value: object) -> tuple[Product, ...]:
    if value is None:
        return ()
    out = []
    for i, item in enumerate(_list(value, "products")):
        field = f"products[{i}]"
        data = _obj(item, field, _PRODUCT)
        out.append(
            Product(
                _choice(data.get("kind"), f"{field}.kind", PRODUCT_KINDS),
                parse_money(data.get("price"), f"{field}.price"),
            )
        )
    return tuple(out)


_OVERRIDE_RATE: Final = frozenset(RateOverride.__match_args__)
_TAX_OVERRIDE: Final = frozenset({"rates"})
_ORIGIN_TAX_PAID: Final = frozenset(OriginTaxPaid.__match_args__)
_MAX_OVERRIDE_RATE: Final = Decimal("0.25")


def _override(value: object) -> tuple[RateOverride, ...] | None:
    """``tax_override.rates``, each ``{level, rate, name?, threshold?, rate_above?, tier_kind?}``.

    Extension to the contract: ``threshold`` (money) with ``rate_above`` (fraction) gives the entry a
    single-item tier, like the columns of the same names in a rate file (``calc.rules.local_rates``):
    ``rate`` on the first ``threshold`` dollars of a single item, ``rate_above`` on the portion over;
    with ``tier_kind: "single_item_over"``, ``rate_above`` on the whole of an item over ``threshold``.
    Both or neither; an entry without them is read and quoted exactly as before."""
    if value is None:
        return None
    data = _obj(value, "tax_override", _TAX_OVERRIDE)
    rates = _list(data.get("rates"), "tax_override.rates")
    out = []
    for i, item in enumerate(rates):
        field = f"tax_override.rates[{i}]"
        entry = _obj(item, field, _OVERRIDE_RATE)
        level = _choice(entry.get("level"), f"{field}.level", TAX_LEVELS)
        rate = parse_rate(entry.get("rate"), f"{field}.rate", maximum=_MAX_OVERRIDE_RATE)
        name = _text(entry.get("name"), f"{field}.name")
        threshold, above, kind = entry.get("threshold"), entry.get("rate_above"), entry.get("tier_kind")
        if threshold is None and above is None and kind is None:
            out.append(RateOverride(level, rate, name))
            continue
        out.append(RateOverride(level, rate, name, *_override_tier(threshold, above, kind, field)))
    return tuple(out)


def _override_tier(
    threshold_value: object, above_value: object, kind: object, field: str
) -> tuple[Decimal, Decimal, str]:
    """An override's single-item tier: both parts or neither, checked like a rate file's tier columns."""
    if threshold_value is None:
        raise CalcInputError(f"{field}.threshold", "is required with rate_above or tier_kind")
    if above_value is None:
        raise CalcInputError(f"{field}.rate_above", "is required with threshold (0: nothing above it)")
    threshold = parse_money(threshold_value, f"{field}.threshold")
    if not is_valid_threshold(threshold):
        raise CalcInputError(f"{field}.threshold", "must be a positive amount of money (at most 2 decimals)")
    rate_above = parse_rate(above_value, f"{field}.rate_above", maximum=_MAX_OVERRIDE_RATE)
    tier_kind = PORTION_OVER if kind is None else _choice(kind, f"{field}.tier_kind", TIER_KINDS)
    return threshold, rate_above, tier_kind


def _origin(value: object) -> OriginTaxPaid | None:
    if value is None:
        return None
    data = _obj(value, "origin_tax_paid", _ORIGIN_TAX_PAID)
    return OriginTaxPaid(
        _state(data.get("state"), "origin_tax_paid.state"),
        parse_money(data.get("amount"), "origin_tax_paid.amount"),
    )


def _finance(value: object) -> FinanceInput:
    data = _obj(value, "finance", _FINANCE)
    if data.get("apr") is None:
        raise CalcInputError("finance.apr", "is required for a finance deal")
    if data.get("term_months") is None:
        raise CalcInputError("finance.term_months", "is required for a finance deal")
    apr = parse_rate(data["apr"], "finance.apr", maximum=_MAX_APR)
    term = _int(data["term_months"], "finance.term_months", low=1, high=_MAX_TERM)
    days = _opt_int(data.get("days_to_first_payment"), "finance.days_to_first_payment", low=1, high=365)
    buy_rate = data.get("buy_rate")
    if buy_rate is None:
        for key in _RESERVE_TERMS:
            if data.get(key) is not None:
                raise CalcInputError("finance.buy_rate", f"is required with finance.{key}")
        return FinanceInput(apr, term, days)
    split = data.get("reserve_split")
    cap = data.get("markup_cap")
    return FinanceInput(
        apr,
        term,
        days,
        buy_rate=parse_rate(buy_rate, "finance.buy_rate", maximum=_MAX_APR),
        reserve_split=None if split is None else parse_rate(split, "finance.reserve_split"),
        markup_cap=None if cap is None else parse_rate(cap, "finance.markup_cap"),
        reserve_method=_choice(
            data.get("reserve_method", "finance_charge"), "finance.reserve_method", RESERVE_METHODS
        ),
    )


def _lease(value: object) -> LeaseInput:
    data = _obj(value, "lease", _LEASE)
    if data.get("term_months") is None:
        raise CalcInputError("lease.term_months", "is required for a lease")
    money_factor = data.get("money_factor")
    apr = data.get("apr")
    if money_factor is not None and apr is not None:
        raise CalcInputError("lease.money_factor", "give money_factor or apr, not both")
    if money_factor is None and apr is None:
        raise CalcInputError("lease.money_factor", "money_factor or apr is required")
    residual_percent = data.get("residual_percent")
    residual_value = data.get("residual_value")
    if residual_percent is not None and residual_value is not None:
        raise CalcInputError("lease.residual_value", "give residual_percent or residual_value, not both")
    if residual_percent is None and residual_value is None:
        raise CalcInputError("lease.residual_value", "residual_percent or residual_value is required")
    return LeaseInput(
        term_months=_int(data["term_months"], "lease.term_months", low=1, high=_MAX_TERM),
        money_factor=None if money_factor is None
        else parse_rate(money_factor, "lease.money_factor", maximum=_MAX_MONEY_FACTOR),
        apr=None if apr is None else parse_rate(apr, "lease.apr", maximum=_MAX_APR),
        residual_percent=None if residual_percent is None
        else parse_rate(residual_percent, "lease.residual_percent", maximum=Decimal("1")),
        residual_value=_opt_money(data, "residual_value", "lease.residual_value"),
        acquisition_fee=_money(data, "acquisition_fee", "lease.acquisition_fee"),
        acquisition_fee_capitalized=_bool(data.get("acquisition_fee_capitalized"),
                                          "lease.acquisition_fee_capitalized", True),
        security_deposit=_money(data, "security_deposit", "lease.security_deposit"),
        miles_per_year=_opt_int(data.get("miles_per_year"), "lease.miles_per_year", low=1, high=200_000),
    )  # fmt: skip


_DEAL_TYPE_NAMES: Final[dict[str, DealType]] = {name: name for name in DEAL_TYPES}


def parse_quote_request(data: object) -> QuoteRequest:
    """Validate one contract ``quote`` input object; raises :class:`CalcInputError` naming the field."""
    top = _obj(data, "", _TOP)
    # Checked in the order the fields are listed below, so the first problem named is always the same
    # one; absent optional parts are tested inline rather than through a helper call each.
    kind = top.get("deal_type")
    deal_type = _DEAL_TYPE_NAMES.get(kind) if type(kind) is str else None
    if deal_type is None:
        deal_type = _choice(kind, "deal_type", DEAL_TYPES)
    customer = top.get("customer")
    if customer is None:
        raise CalcInputError("customer.state", "is required (customer {state})")
    vehicle = top.get("vehicle")
    if vehicle is None:
        raise CalcInputError("vehicle.price", "is required (vehicle {price})")
    finance_in = top.get("finance")
    lease_in = top.get("lease")
    finance = lease = None
    if deal_type == "finance":
        if finance_in is None:
            raise CalcInputError("finance", "is required for a finance deal")
        finance = _finance(finance_in)
    elif finance_in is not None:
        raise CalcInputError("finance", f"is only for finance deals (deal_type is {deal_type})")
    if deal_type == "lease":
        if lease_in is None:
            raise CalcInputError("lease", "is required for a lease deal")
        lease = _lease(lease_in)
    elif lease_in is not None:
        raise CalcInputError("lease", f"is only for lease deals (deal_type is {deal_type})")
    dealer_state = top.get("dealer_state")
    trade_ins = top.get("trade_ins")
    rebates = top.get("rebates")
    cash_down = top.get("cash_down")
    doc_fee = top.get("doc_fee")
    fees = top.get("fees")
    products = top.get("products")
    tax_override = top.get("tax_override")
    origin = top.get("origin_tax_paid")
    return QuoteRequest(
        deal_type,
        _date(top.get("as_of"), "as_of"),
        _customer(customer),
        _vehicle(vehicle),
        None if dealer_state is None else _state(dealer_state, "dealer_state"),
        () if trade_ins is None else _trade_ins(trade_ins),
        () if rebates is None else _rebates(rebates),
        ZERO if cash_down is None else parse_money(cash_down, "cash_down"),
        ZERO if doc_fee is None else parse_money(doc_fee, "doc_fee"),
        () if fees is None else _fees(fees),
        () if products is None else _products(products),
        None if tax_override is None else _override(tax_override),
        None if origin is None else _origin(origin),
        finance,
        lease,
    )


# The keys each object of the quote input accepts, by its path ("" = the top level; a list's items under
# the list's path): what a form or a schema offering the whole input must cover.
INPUT_FIELDS: Final[Mapping[str, frozenset[str]]] = {
    "": _TOP, "customer": _CUSTOMER, "vehicle": _VEHICLE, "finance": _FINANCE, "lease": _LEASE,
    "trade_ins": _TRADE_IN, "rebates": _REBATE, "fees": _FEE, "products": _PRODUCT,
    "tax_override": _TAX_OVERRIDE, "tax_override.rates": _OVERRIDE_RATE, "origin_tax_paid": _ORIGIN_TAX_PAID,
}  # fmt: skip
