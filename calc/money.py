"""Decimal parsing and the rounding points the engine uses.

Every amount entering the engine passes through :func:`parse_money` or :func:`parse_rate` so that
floats never leak in; every rounding goes through :func:`round_cents`, so the places where the engine
rounds are easy to find (grep for it) and each call site documents the rule that puts it there.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from calc.errors import CalcInputError

CENT: Final = Decimal("0.01")
ZERO: Final = Decimal("0")
ONE: Final = Decimal("1")


def parse_decimal(value: object, field: str) -> Decimal:
    """Exact Decimal from a string, int or Decimal (floats go through ``repr`` so 0.1 stays 0.1)."""
    kind = type(value)
    if kind is str:
        try:
            result = Decimal(value)  # type: ignore[arg-type]  # plain "1234.50" needs no cleaning
        except InvalidOperation:
            result = _cleaned(value, field)  # type: ignore[arg-type]
    elif kind is Decimal:
        result = value  # type: ignore[assignment]
    elif kind is int:
        result = Decimal(value)  # type: ignore[arg-type]
    elif isinstance(value, bool):
        raise CalcInputError(field, "must be a number, not a boolean")
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        result = _cleaned(value, field)
    else:
        raise CalcInputError(field, f"must be a number, got {type(value).__name__}")
    if not result.is_finite():
        raise CalcInputError(field, "must be a finite number")
    return result


def _cleaned(value: str, field: str) -> Decimal:
    """A number typed the way people write money: ``" $1,234.50 "``."""
    text = value.strip().replace(",", "").lstrip("$")
    if not text:
        raise CalcInputError(field, "is empty")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CalcInputError(field, f"is not a number: {value!r}") from None


def parse_money(value: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """A money amount; negative amounts are refused unless the field allows them."""
    if type(value) is str:  # the contract's usual form, inlined: every deal has a dozen of them
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = _cleaned(value, field)
        if not amount.is_finite():
            raise CalcInputError(field, "must be a finite number")
    else:
        amount = parse_decimal(value, field)
    if amount < 0 and not allow_negative:
        raise CalcInputError(field, "must not be negative")
    return amount


def parse_rate(value: object, field: str, *, maximum: Decimal = ONE) -> Decimal:
    """A rate as a decimal fraction (0.0725 = 7.25 %), between 0 and ``maximum``."""
    rate = parse_decimal(value, field)
    if rate < 0:
        raise CalcInputError(field, "must not be negative")
    if rate > maximum:
        raise CalcInputError(field, f"must be a fraction no larger than {maximum} (0.0725 means 7.25 %)")
    return rate


def round_cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent: the rounding state tax tables and lenders' contracts use."""
    return amount.quantize(CENT, ROUND_HALF_UP)  # positional: keyword arguments cost a third more


def format_money(amount: Decimal) -> str:
    """Two-decimal string, as the CLI contract writes money (half-up to the cent)."""
    text = str(amount)
    # An amount already in whole cents (nearly all a quote writes, some forty per quote) reads as
    # "<digits>.<2 digits>", and that text is the answer; quantizing costs three times what str() does.
    # Scientific notation never ends that way, so anything else is quantized.
    if len(text) > 3 and text[-3] == ".":
        return text
    return str(amount.quantize(CENT, ROUND_HALF_UP))


# id(rate) -> (rate, its text). Rates mostly come from the rule tables, the same Decimal objects quote
# after quote, so their text is looked up by identity: hashing a Decimal costs more than the lookup
# saves. Each entry holds its rate, so an id cannot be reused while it is cached; a batch whose deals
# bring their own rates stops adding at the limit.
_RATE_TEXT: Final[dict[int, tuple[Decimal, str]]] = {}
_PERCENT_TEXT: Final[dict[int, tuple[Decimal, str]]] = {}
_TEXT_LIMIT: Final = 4096


def _rate_text(texts: dict[int, tuple[Decimal, str]], rate: Decimal, percent: bool) -> str:
    entry = texts.get(id(rate))
    if entry is not None:
        return entry[1]
    text = f"{(rate * 100).normalize():f}%" if percent else f"{rate.normalize():f}"
    if len(texts) < _TEXT_LIMIT:
        texts[id(rate)] = (rate, text)
    return text


def format_rate(rate: Decimal) -> str:
    """A rate as the contract writes it: the fraction, without trailing zeros (``0.0725``)."""
    return _rate_text(_RATE_TEXT, rate, False)


def format_percent(rate: Decimal) -> str:
    """A rate as a percentage for explanations (``0.0725`` -> ``7.25%``)."""
    return _rate_text(_PERCENT_TEXT, rate, True)
