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

from collections.abc import Sequence
from typing import Any

import httpx

from sync.client.admin_wire import (
    FEE_CODES,
    TAX_LEVELS,
    AdminRefusedError,
    AdminRole,
    AdminUser,
    DealershipProfile,
    FeeCode,
    FeeOverride,
    ServerSettings,
    TaxLevel,
    TaxOverride,
    TaxRate,
    optional_text,
    profile_from_json,
    profile_to_json,
    role_from_json,
    settings_from_json,
    settings_to_json,
    user_from_json,
    without_nones,
)
from sync.client.transport import OfflineError, ProtocolError, TokenSource, send_authorized

__all__ = [
    "FEE_CODES",
    "TAX_LEVELS",
    "AdminApi",
    "AdminRefusedError",
    "AdminRole",
    "AdminUser",
    "DealershipProfile",
    "FeeCode",
    "FeeOverride",
    "ServerSettings",
    "TaxLevel",
    "TaxOverride",
    "TaxRate",
    "profile_from_json",
    "profile_to_json",
    "role_from_json",
    "settings_from_json",
    "settings_to_json",
    "user_from_json",
]


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
    message = str(detail or response.reason_phrase)
    return AdminRefusedError(response.status_code, message, optional_text(where))


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
        body = without_nones({"display_name": display_name, "roles": None if roles is None else list(roles)})
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
        response = send_authorized(self._client, self._tokens, method, path, **kwargs)
        if response.status_code >= 500:
            raise OfflineError(f"server answered {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(response)
        return response
