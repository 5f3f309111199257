"""The sync service's /admin endpoints as the desktop calls them: users, roles, dealership settings.

Typed both ways: answers are parsed into frozen dataclasses (a missing or mistyped field is a
:class:`~sync.client.transport.ProtocolError`, not a crash later), bodies are built from the same types.
Bearer tokens come from the signed-in session's :class:`~sync.client.transport.TokenSource`; a refused
token is refreshed once, as the sync transport does. What the server refuses (a bad field, a rule such
as "you cannot deactivate yourself") arrives as :class:`AdminRefusedError` with the server's own words
and the field it names; an unreachable server as :class:`~sync.client.transport.OfflineError`.

Money and rates travel as decimal strings and are held as :class:`~decimal.Decimal` here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

import httpx

from sync.client.transport import AuthRequiredError, OfflineError, ProtocolError, TokenSource

TaxLevel = Literal["state", "county", "city", "district", "special"]
FeeCode = Literal["title", "registration", "plate", "inspection", "tire", "other"]
FEE_CODES: frozenset[str] = frozenset({"title", "registration", "plate", "inspection", "tire", "other"})
TAX_LEVELS: frozenset[str] = frozenset({"state", "county", "city", "district", "special"})


class AdminRefusedError(Exception):
    """The server refused the request (bad input, a conflict, no permission): ``detail`` says why."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field


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


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(cast(int, value))


def _without_nones(body: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def user_from_json(data: Mapping[str, Any]) -> AdminUser:
    return AdminUser(
        id=str(data["id"]),
        email=str(data["email"]),
        display_name=_opt_str(data.get("display_name")),
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
                    TaxRate(_level(r["level"]), _decimal(r["rate"], "rate"), _opt_str(r.get("name")))
                    for r in o["rates"]
                ),
                county=_opt_str(o.get("county")),
                city=_opt_str(o.get("city")),
                zip=_opt_str(o.get("zip")),
                effective_from=_opt_str(o.get("effective_from")),
                source=_opt_str(o.get("source")),
            )
            for o in data.get("tax_overrides") or ()
        ),
        fee_overrides=tuple(
            FeeOverride(
                _code(f["code"]),
                _decimal(f["amount"], "amount"),
                _opt_str(f.get("state")),
                _opt_str(f.get("name")),
            )
            for f in data.get("fee_overrides") or ()
        ),
        default_lease_miles_per_year=_opt_int(data.get("default_lease_miles_per_year")),
        offline_grace_hours=_opt_int(data.get("offline_grace_hours")),
        default_apr=None if apr is None else _decimal(apr, "default_apr"),
        default_term_months=_opt_int(data.get("default_term_months")),
        lender=_opt_str(data.get("lender")),
    )


def settings_to_json(settings: ServerSettings) -> dict[str, Any]:
    return _without_nones(
        {
            "doc_fee": None if settings.doc_fee is None else str(settings.doc_fee),
            "tax_overrides": [
                _without_nones(
                    {
                        "state": o.state,
                        "county": o.county,
                        "city": o.city,
                        "zip": o.zip,
                        "effective_from": o.effective_from,
                        "source": o.source,
                        "rates": [
                            _without_nones({"level": r.level, "rate": str(r.rate), "name": r.name})
                            for r in o.rates
                        ],
                    }
                )
                for o in settings.tax_overrides
            ],
            "fee_overrides": [
                _without_nones({"code": f.code, "amount": str(f.amount), "state": f.state, "name": f.name})
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
        address_line1=_opt_str(data.get("address_line1")),
        city=_opt_str(data.get("city")),
        state=_opt_str(data.get("state")),
        zip=_opt_str(data.get("zip")),
        county=_opt_str(data.get("county")),
        timezone=_opt_str(data.get("timezone")),
        settings=settings_from_json(data.get("settings") or {}),
    )


def profile_to_json(profile: DealershipProfile) -> dict[str, Any]:
    return {
        **_without_nones(
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


def _refusal(response: httpx.Response) -> AdminRefusedError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail: object = body.get("detail") if isinstance(body, dict) else None
    where = body.get("field") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        # FastAPI's own request validation: a list of {loc, msg}; the last part of loc is the field.
        first = detail[0]
        loc = [str(part) for part in first.get("loc") or () if not isinstance(part, int)]
        where = loc[-1] if loc and loc[-1] != "body" else where
        detail = f"{where}: {first.get('msg')}" if where else first.get("msg")
    return AdminRefusedError(response.status_code, str(detail or response.reason_phrase), _opt_str(where))


class AdminApi:
    """``/admin`` over the signed-in session's HTTP client; every call needs the matching permission."""

    def __init__(self, client: httpx.Client, tokens: TokenSource) -> None:
        self._client = client
        self._tokens = tokens

    # users

    def users(self) -> list[AdminUser]:
        return [user_from_json(u) for u in self._list("GET", "/admin/users")]

    def invite_user(self, email: str, display_name: str, roles: Sequence[str]) -> AdminUser:
        """Create the account and have the server e-mail the person an invitation token."""
        body = {"email": email, "display_name": display_name, "roles": list(roles)}
        return user_from_json(self._object("POST", "/admin/users", json=body))

    def resend_invitation(self, user_id: str) -> None:
        self._send("POST", f"/admin/users/{user_id}/invite")

    def update_user(
        self, user_id: str, *, display_name: str | None = None, roles: Sequence[str] | None = None
    ) -> AdminUser:
        body = _without_nones({"display_name": display_name, "roles": None if roles is None else list(roles)})
        return user_from_json(self._object("PATCH", f"/admin/users/{user_id}", json=body))

    def deactivate_user(self, user_id: str) -> AdminUser:
        return user_from_json(self._object("POST", f"/admin/users/{user_id}/deactivate"))

    def reactivate_user(self, user_id: str) -> AdminUser:
        return user_from_json(self._object("POST", f"/admin/users/{user_id}/reactivate"))

    # roles

    def roles(self) -> list[AdminRole]:
        return [role_from_json(r) for r in self._list("GET", "/admin/roles")]

    def create_role(self, name: str, permissions: Sequence[str]) -> AdminRole:
        body = {"name": name, "permissions": sorted(permissions)}
        return role_from_json(self._object("POST", "/admin/roles", json=body))

    def update_role(self, role_id: str, permissions: Sequence[str]) -> AdminRole:
        body = {"permissions": sorted(permissions)}
        return role_from_json(self._object("PATCH", f"/admin/roles/{role_id}", json=body))

    def delete_role(self, role_id: str) -> None:
        self._send("DELETE", f"/admin/roles/{role_id}")

    # dealership settings

    def dealership(self) -> DealershipProfile:
        return profile_from_json(self._object("GET", "/admin/settings"))

    def put_dealership(self, profile: DealershipProfile) -> DealershipProfile:
        """Replace the profile and settings; the answer is what the server now holds."""
        return profile_from_json(self._object("PUT", "/admin/settings", json=profile_to_json(profile)))

    # HTTP

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        data = self._json(self._send(method, path, **kwargs))
        if not isinstance(data, dict):
            raise ProtocolError(f"{method} {path}: expected an object")
        return data

    def _list(self, method: str, path: str) -> list[dict[str, Any]]:
        data = self._json(self._send(method, path))
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ProtocolError(f"{method} {path}: expected a list of objects")
        return data

    @staticmethod
    def _json(response: httpx.Response) -> object:
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError(f"the server's answer is not JSON: {exc}") from exc

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(2):
            token = self._tokens.access_token()
            if token is None:
                raise AuthRequiredError("not signed in to the server")
            try:
                response = self._client.request(
                    method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
                )
            except httpx.TransportError as exc:
                raise OfflineError(f"{type(exc).__name__}: {exc}") from exc
            if response.status_code == 401 and attempt == 0 and self._tokens.refresh():
                continue
            if response.status_code == 401:
                raise AuthRequiredError("the server refused this sign-in")
            if response.status_code >= 500:
                raise OfflineError(f"server answered {response.status_code}")
            if response.status_code >= 400:
                raise _refusal(response)
            return response
        raise AuthRequiredError("the server refused this sign-in")  # pragma: no cover - loop always returns
