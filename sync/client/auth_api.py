"""The /auth endpoints as the desktop calls them; every refusal becomes an error with the server's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from sync.client.errors import ServerRefusedError
from sync.client.transport import OfflineError

MfaMethod = Literal["totp", "email", "backup_code"]


class AuthRefusedError(ServerRefusedError):
    """The server said no (wrong password, wrong code, locked, expired step): ``detail`` says why."""


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str
    user_id: str
    tenant_id: str


@dataclass(frozen=True, slots=True)
class SignInStep:
    """Where a sign-in stands: ``ok`` with tokens, or the next step and its step token."""

    status: Literal["ok", "password_change_required", "mfa_required", "mfa_enrollment_required"]
    step_token: str | None = None
    mfa_methods: tuple[MfaMethod, ...] = ()
    tokens: Tokens | None = None
    backup_codes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Me:
    user_id: str
    tenant_id: str
    email: str
    permissions: frozenset[str]
    mfa_required: bool


def _tokens(data: dict[str, Any]) -> Tokens:
    return Tokens(
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
        expires_in=int(data["expires_in"]),
        session_id=str(data["session_id"]),
        user_id=str(data["user_id"]),
        tenant_id=str(data["tenant_id"]),
    )


def _step(data: dict[str, Any]) -> SignInStep:
    return SignInStep(
        status=data["status"],
        step_token=data.get("step_token"),
        mfa_methods=tuple(data.get("mfa_methods") or ()),
        tokens=_tokens(data["tokens"]) if data.get("tokens") else None,
        backup_codes=tuple(data.get("backup_codes") or ()),
    )


class AuthApi:
    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self._client.post(path, json=body, headers=headers)
        except httpx.TransportError as exc:
            raise OfflineError(f"{type(exc).__name__}: {exc}") from exc
        return self._answer(response)

    @staticmethod
    def _answer(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise OfflineError(f"server answered {response.status_code}")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            detail = body.get("detail") if isinstance(body, dict) else None
            field = body.get("field") if isinstance(body, dict) else None
            raise AuthRefusedError(response.status_code, str(detail or response.reason_phrase), field)
        if response.status_code == 204 or not response.content:
            return {}
        data = response.json()
        return data if isinstance(data, dict) else {"items": data}

    def login(self, email: str, password: str, device_id: str, device_name: str | None = None) -> SignInStep:
        body = {"email": email, "password": password, "device_id": device_id, "device_name": device_name}
        return _step(self._post("/auth/login", body))

    def initial_password(self, step_token: str, new_password: str) -> SignInStep:
        return _step(
            self._post("/auth/password/initial", {"step_token": step_token, "new_password": new_password})
        )

    def enroll_totp(self, step_token: str) -> tuple[str, str]:
        data = self._post("/auth/mfa/totp/enroll", {"step_token": step_token})
        return data["secret"], data["provisioning_uri"]

    def confirm_totp(self, step_token: str, code: str) -> SignInStep:
        return _step(self._post("/auth/mfa/totp/confirm", {"step_token": step_token, "code": code}))

    def send_email_code(self, step_token: str) -> None:
        self._post("/auth/mfa/email-code", {"step_token": step_token})

    def verify(self, step_token: str, method: MfaMethod, code: str) -> SignInStep:
        return _step(
            self._post("/auth/mfa/verify", {"step_token": step_token, "method": method, "code": code})
        )

    def refresh(self, refresh_token: str) -> Tokens:
        return _tokens(self._post("/auth/refresh", {"refresh_token": refresh_token}))

    def logout(self, access_token: str) -> None:
        self._post("/auth/logout", {}, token=access_token)

    def me(self, access_token: str) -> Me:
        try:
            response = self._client.get("/auth/me", headers={"Authorization": f"Bearer {access_token}"})
        except httpx.TransportError as exc:
            raise OfflineError(f"{type(exc).__name__}: {exc}") from exc
        data = self._answer(response)
        return Me(
            user_id=str(data["user_id"]),
            tenant_id=str(data["tenant_id"]),
            email=data["email"],
            permissions=frozenset(data["permissions"]),
            mfa_required=bool(data["mfa_required"]),
        )
