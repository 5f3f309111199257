"""Bodies of the /admin endpoints. Money and rates are decimals, sent as strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

Text = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]
StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="Two-letter state code, e.g. TX.")]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1000000"), max_digits=12, decimal_places=2)]
RoleName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserOut(_Body):
    id: UUID
    email: str
    display_name: str | None
    roles: list[str]
    active: bool
    totp_enabled: bool
    locked: bool


class InviteUser(_Body):
    email: str = Field(min_length=3, max_length=254)
    display_name: Text
    roles: list[RoleName] = Field(min_length=1, max_length=20)


class UpdateUser(_Body):
    display_name: Text | None = None
    roles: list[RoleName] | None = Field(default=None, min_length=1, max_length=20)


class RoleOut(_Body):
    id: UUID
    name: str
    permissions: list[str]
    builtin: bool


class CreateRole(_Body):
    name: RoleName
    permissions: list[Annotated[str, Field(max_length=64)]] = Field(max_length=100)


class UpdateRole(_Body):
    permissions: list[Annotated[str, Field(max_length=64)]] = Field(max_length=100)


class TaxRate(_Body):
    level: Literal["state", "county", "city", "district", "special"]
    rate: Decimal = Field(
        ge=0, lt=1, max_digits=10, decimal_places=8, description="Fraction: 0.0725 = 7.25 %."
    )
    name: Text | None = None


class TaxOverride(_Body):
    """Rates used instead of the built-in jurisdiction lookup (passed to calc as `tax_override`)."""

    state: StateCode
    county: Text | None = None
    city: Text | None = None
    zip: Annotated[str, Field(pattern=r"^\d{5}$")] | None = None
    rates: list[TaxRate] = Field(min_length=1, max_length=10)
    effective_from: date | None = None
    source: Text | None = Field(default=None, description="Where the rate comes from (for the audit trail).")


class FeeOverride(_Body):
    code: Literal["title", "registration", "plate", "inspection", "tire", "other"]
    amount: Money
    state: StateCode | None = None
    name: Text | None = None


MAX_DEFAULT_APR = Decimal("0.36")
MAX_DEFAULT_TERM_MONTHS = 96
MAX_LENDER_LENGTH = 100


class DealershipSettings(_Body):
    """Stored whole as one JSON value on the dealership row, which desktops pull like any other row.

    The lender defaults are what a desk starts a finance quote from. Bounds: ``default_apr`` a fraction
    from 0 to 0.36 (36 %, a common all-in ceiling for consumer credit; no desk starts above it) in at most
    4 decimal places (hundredths of a percent, the desk's own precision); ``default_term_months`` a
    whole number of months from 1 to 96; ``lender`` a name of 1 to 100 characters, not only spaces.
    """

    doc_fee: Money | None = None
    tax_overrides: list[TaxOverride] = Field(default_factory=list, max_length=200)
    fee_overrides: list[FeeOverride] = Field(default_factory=list, max_length=100)
    default_lease_miles_per_year: int | None = Field(default=None, ge=5000, le=30000)
    offline_grace_hours: int | None = Field(default=None, ge=0, le=720)
    default_apr: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_DEFAULT_APR,
        max_digits=5,
        decimal_places=4,
        description="Default annual percentage rate as a fraction: 0.0549 = 5.49 %.",
    )
    # Strict: 60.5 or "60" is refused rather than quietly made whole.
    default_term_months: int | None = Field(default=None, ge=1, le=MAX_DEFAULT_TERM_MONTHS, strict=True)
    lender: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LENDER_LENGTH,
        pattern=r"^[^\x00-\x1f]*$",
        description="The default lender's name.",
    )

    @field_validator("default_apr")
    @classmethod
    def _canonical_rate(cls, value: Decimal | None) -> Decimal | None:
        # 0.054900 is stored as 0.0549: one text per rate, so an unchanged rate is never a change.
        return None if value is None else value.normalize()

    @field_validator("lender")
    @classmethod
    def _lender_named(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # Spacing typed around or inside a name is not part of it.
        name = " ".join(value.split())
        if not name:
            raise ValueError("must name the lender (not only spaces)")
        return name


class Dealership(_Body):
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
    address_line1: Text | None = None
    city: Text | None = None
    state: StateCode | None = None
    zip: Annotated[str, Field(pattern=r"^\d{5}(-\d{4})?$")] | None = None
    county: Text | None = None
    timezone: str | None = Field(default=None, max_length=64, description="IANA name, e.g. America/Chicago.")
    settings: DealershipSettings = Field(default_factory=DealershipSettings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError(f"unknown time zone {value!r}")
        return value


class AuditEvent(_Body):
    id: UUID
    at: datetime | None
    actor_id: UUID | None
    device_id: str | None
    action: str | None
    entity: str | None
    entity_id: UUID | None
    before: Any = None
    after: Any = None


class AuditPage(_Body):
    events: list[AuditEvent]
    next_cursor: UUID | None = Field(description="Pass as `before` for the next (older) page.")
