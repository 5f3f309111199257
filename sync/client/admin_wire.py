"""The sync service's /admin data as the desktop holds it: users, roles, dealership profile and settings.

Frozen dataclasses parsed from and written to the server's JSON (a missing or mistyped field is a
:class:`~sync.client.errors.ProtocolError`, not a crash later). No HTTP here: the desk reads stored
settings in this shape without loading an HTTP client; :mod:`sync.client.admin_api` does the calls.

Money and rates travel as decimal strings and are held as :class:`~decimal.Decimal` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

from sync.client.errors import ProtocolError, ServerRefusedError

TaxLevel = Literal["state", "county", "city", "district", "special"]
FeeCode = Literal["title", "registration", "plate", "inspection", "tire", "other"]
FEE_CODES: frozenset[str] = frozenset({"title", "registration", "plate", "inspection", "tire", "other"})
TAX_LEVELS: frozenset[str] = frozenset({"state", "county", "city", "district", "special"})


class AdminRefusedError(ServerRefusedError):
    """The server refused an admin request (bad input, a conflict, no permission): ``detail`` says why."""


@dataclass(frozen=True, slots=True)
class AdminUser:
    id: str
    email: str
    display_name: str | None
    roles: tuple[str, ...]
    active: bool
    totp_enabled: bool
    locked: bool


@dataclass(frozen=True, slots=True)
class AdminRole:
    id: str
    name: str
    permissions: frozenset[str]
    builtin: bool


@dataclass(frozen=True, slots=True)
class TaxRate:
    level: TaxLevel
    rate: Decimal
    name: str | None = None


@dataclass(frozen=True, slots=True)
class TaxOverride:
    """Rates the calc engine uses instead of its own lookup for one jurisdiction."""

    state: str
    rates: tuple[TaxRate, ...]
    county: str | None = None
    city: str | None = None
    zip: str | None = None
    effective_from: str | None = None  # ISO date, kept as the server wrote it
    source: str | None = None


@dataclass(frozen=True, slots=True)
class FeeOverride:
    code: FeeCode
    amount: Decimal
    state: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """The dealership's settings as the server keeps them (``DealershipSettings`` in the OpenAPI)."""

    doc_fee: Decimal | None = None
    tax_overrides: tuple[TaxOverride, ...] = ()
    fee_overrides: tuple[FeeOverride, ...] = ()
    default_lease_miles_per_year: int | None = None
    offline_grace_hours: int | None = None
    default_apr: Decimal | None = None  # a fraction: 0.0549 is 5.49 %
    default_term_months: int | None = None
    lender: str | None = None


@dataclass(frozen=True, slots=True)
class DealershipProfile:
    """``GET/PUT /admin/settings``: the profile and its settings; a PUT replaces all of it."""

    name: str
    address_line1: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    county: str | None = None
    timezone: str | None = None
    settings: ServerSettings = field(default_factory=ServerSettings)


# ---------------------------------------------------------------- wire shapes


def _decimal(value: object, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ProtocolError(f"{where}: {value!r} is not a number") from None


def optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(cast(int, value))


def without_nones(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def user_from_json(data: Mapping[str, Any]) -> AdminUser:
    return AdminUser(
        id=str(data["id"]),
        email=str(data["email"]),
        display_name=optional_text(data.get("display_name")),
        roles=tuple(str(r) for r in data["roles"]),
        active=bool(data["active"]),
        totp_enabled=bool(data["totp_enabled"]),
        locked=bool(data["locked"]),
    )


def role_from_json(data: Mapping[str, Any]) -> AdminRole:
    return AdminRole(
        id=str(data["id"]),
        name=str(data["name"]),
        permissions=frozenset(str(p) for p in data["permissions"]),
        builtin=bool(data["builtin"]),
    )


def _level(value: object) -> TaxLevel:
    if value not in TAX_LEVELS:
        raise ProtocolError(f"tax rate level {value!r} is unknown")
    return cast(TaxLevel, value)


def _code(value: object) -> FeeCode:
    if value not in FEE_CODES:
        raise ProtocolError(f"fee code {value!r} is unknown")
    return cast(FeeCode, value)


def settings_from_json(data: Mapping[str, Any]) -> ServerSettings:
    doc_fee, apr = data.get("doc_fee"), data.get("default_apr")
    return ServerSettings(
        doc_fee=None if doc_fee is None else _decimal(doc_fee, "doc_fee"),
        tax_overrides=tuple(
            TaxOverride(
                state=str(o["state"]),
                rates=tuple(
                    TaxRate(_level(r["level"]), _decimal(r["rate"], "rate"), optional_text(r.get("name")))
                    for r in o["rates"]
                ),
                county=optional_text(o.get("county")),
                city=optional_text(o.get("city")),
                zip=optional_text(o.get("zip")),
                effective_from=optional_text(o.get("effective_from")),
                source=optional_text(o.get("source")),
            )
            for o in data.get("tax_overrides") or ()
        ),
        fee_overrides=tuple(
            FeeOverride(
                _code(f["code"]),
                _decimal(f["amount"], "amount"),
                optional_text(f.get("state")),
                optional_text(f.get("name")),
            )
            for f in data.get("fee_overrides") or ()
        ),
        default_lease_miles_per_year=_opt_int(data.get("default_lease_miles_per_year")),
        offline_grace_hours=_opt_int(data.get("offline_grace_hours")),
        default_apr=None if apr is None else _decimal(apr, "default_apr"),
        default_term_months=_opt_int(data.get("default_term_months")),
        lender=optional_text(data.get("lender")),
    )


def settings_to_json(settings: ServerSettings) -> dict[str, Any]:
    return without_nones(
        {
            "doc_fee": None if settings.doc_fee is None else str(settings.doc_fee),
            "tax_overrides": [
                without_nones(
                    {
                        "state": o.state,
                        "county": o.county,
                        "city": o.city,
                        "zip": o.zip,
                        "effective_from": o.effective_from,
                        "source": o.source,
                        "rates": [
                            without_nones({"level": r.level, "rate": str(r.rate), "name": r.name})
                            for r in o.rates
                        ],
                    }
                )
                for o in settings.tax_overrides
            ],
            "fee_overrides": [
                without_nones({"code": f.code, "amount": str(f.amount), "state": f.state, "name": f.name})
                for f in settings.fee_overrides
            ],
            "default_lease_miles_per_year": settings.default_lease_miles_per_year,
            "offline_grace_hours": settings.offline_grace_hours,
            "default_apr": None if settings.default_apr is None else str(settings.default_apr),
            "default_term_months": settings.default_term_months,
            "lender": settings.lender,
        }
    )


def profile_from_json(data: Mapping[str, Any]) -> DealershipProfile:
    return DealershipProfile(
        name=str(data["name"]),
        address_line1=optional_text(data.get("address_line1")),
        city=optional_text(data.get("city")),
        state=optional_text(data.get("state")),
        zip=optional_text(data.get("zip")),
        county=optional_text(data.get("county")),
        timezone=optional_text(data.get("timezone")),
        settings=settings_from_json(data.get("settings") or {}),
    )


def profile_to_json(profile: DealershipProfile) -> dict[str, Any]:
    return {
        **without_nones(
            {
                "name": profile.name,
                "address_line1": profile.address_line1,
                "city": profile.city,
                "state": profile.state,
                "zip": profile.zip,
                "county": profile.county,
                "timezone": profile.timezone,
            }
        ),
        "settings": settings_to_json(profile.settings),
    }
