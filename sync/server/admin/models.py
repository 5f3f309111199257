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


class DealershipSettings(_Body):
    doc_fee: Money | None = None
    tax_overrides: list[TaxOverride] = Field(default_factory=list, max_length=200)
    fee_overrides: list[FeeOverride] = Field(default_factory=list, max_length=100)
    default_lease_miles_per_year: int | None = Field(default=None, ge=5000, le=30000)
    offline_grace_hours: int | None = Field(default=None, ge=0, le=720)


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
