"""Field checks shared by the services: each returns the clean value or raises ``ValidationError``."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from app.address import state_code as address_state_code
from app.errors import ValidationError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def text(value: object, field: str, *, max_length: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    cleaned = " ".join(value.split())
    if len(cleaned) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    return cleaned


def required_text(value: object, field: str, *, max_length: int) -> str:
    result = text(value, field, max_length=max_length, required=True)
    assert result is not None
    return result


def email(value: object, field: str = "email") -> str | None:
    cleaned = text(value, field, max_length=254, required=False)
    if cleaned is None:
        return None
    if not _EMAIL.match(cleaned):
        raise ValidationError(field, f"{cleaned!r} is not an email address")
    return cleaned.lower()


def phone(value: object, field: str = "phone") -> str | None:
    """US phone numbers, stored as 10 digits."""
    cleaned = text(value, field, max_length=30, required=False)
    if cleaned is None:
        return None
    digits = re.sub(r"\D", "", cleaned)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValidationError(field, f"{cleaned!r} is not a 10-digit US phone number")
    return digits


def money(
    value: object, field: str, *, required: bool = True, maximum: Decimal | None = None
) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError(field, "is required")
        return None
    if isinstance(value, bool | float):
        raise ValidationError(field, "must be an exact amount (text or Decimal), not a float")
    try:
        amount = Decimal(str(value).replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValidationError(field, "must be a finite amount")
    if amount < 0:
        raise ValidationError(field, "must not be negative")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(field, "must be in whole cents")
    if maximum is not None and amount > maximum:
        raise ValidationError(field, f"must be at most {maximum}")
    return amount


def rate(value: str, field: str, *, strip_percent_sign: bool = False) -> Decimal:
    """A rate typed as a fraction, zero or more; each caller holds it to its own ceiling.

    ``strip_percent_sign`` reads ``5%`` as 5, so that the caller's ceiling can say ``0.05`` was meant.
    """
    text = value.strip() if value else ""
    if strip_percent_sign:
        text = text.rstrip("%")
    if not text:
        raise ValidationError(field, "is required")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise ValidationError(field, "must be a rate of zero or more")
    return number


def integer(value: object, field: str, *, minimum: int, maximum: int, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise ValidationError(field, "is required")
        return None
    if isinstance(value, bool):
        raise ValidationError(field, "must be a whole number")
    if isinstance(value, str):
        try:
            value = int(value.strip().replace(",", ""))
        except ValueError:
            raise ValidationError(field, f"{value!r} is not a whole number") from None
    if not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    if not minimum <= value <= maximum:
        raise ValidationError(field, f"must be between {minimum} and {maximum}")
    return value


def state_code(value: object, field: str = "state", *, required: bool = True) -> str | None:
    """A state code or name ("tx", "Texas") as its two-letter USPS code."""
    cleaned = text(value, field, max_length=40, required=required)
    if cleaned is None:
        return None
    code = address_state_code(cleaned)  # AddressError is a ValidationError naming "state"
    return code


def choice(value: object, field: str, options: frozenset[str]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValidationError(field, f"must be one of {', '.join(sorted(options))}")
    return value


def a_date(value: object, field: str, *, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            raise ValidationError(field, "is required")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None
    raise ValidationError(field, "must be a date")
