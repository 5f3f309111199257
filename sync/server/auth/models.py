"""Request and response bodies of the /auth endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

DeviceId = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(_Body):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    device_id: str = DeviceId
    device_name: str | None = Field(default=None, max_length=100)
    tenant_id: UUID | None = Field(
        default=None, description="Only needed when the same e-mail address exists at several dealerships."
    )


class TokenPair(_Body):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token stays valid.")
    session_id: UUID
    user_id: UUID
    tenant_id: UUID


LoginStatus = Literal["ok", "password_change_required", "mfa_required", "mfa_enrollment_required"]


class LoginResponse(_Body):
    status: LoginStatus = Field(
        description="ok: tokens issued. Otherwise pass step_token to the next step: "
        "password_change_required → /auth/password/initial; mfa_enrollment_required → "
        "/auth/mfa/totp/enroll then /auth/mfa/totp/confirm; mfa_required → /auth/mfa/verify "
        "(or /auth/mfa/email-code first)."
    )
    step_token: str | None = None
    mfa_methods: list[Literal["totp", "email", "backup_code"]] = Field(default_factory=list)
    tokens: TokenPair | None = None
    backup_codes: list[str] | None = Field(default=None, description="Shown once, right after TOTP set-up.")


class StepRequest(_Body):
    step_token: str = Field(min_length=1, max_length=4096)


class InitialPasswordRequest(StepRequest):
    new_password: str = Field(min_length=1, max_length=256)


class TotpEnrolment(_Body):
    secret: str
    provisioning_uri: str = Field(description="otpauth:// URI to show as a QR code.")


class CodeRequest(StepRequest):
    code: str = Field(min_length=1, max_length=32)


class MfaVerifyRequest(CodeRequest):
    method: Literal["totp", "email", "backup_code"]


class RefreshRequest(_Body):
    refresh_token: str = Field(min_length=1, max_length=512)


class SessionOut(_Body):
    id: UUID
    device_id: str
    device_name: str | None
    client_address: str | None
    created_at: datetime
    last_seen_at: datetime
    current: bool


class EmailRequest(_Body):
    email: str = Field(min_length=3, max_length=254)


class TokenPasswordRequest(_Body):
    token: str = Field(min_length=1, max_length=512)
    new_password: str = Field(min_length=1, max_length=256)


class ChangePasswordRequest(_Body):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class BackupCodes(_Body):
    backup_codes: list[str]


class MeOut(_Body):
    user_id: UUID
    tenant_id: UUID
    email: str
    permissions: list[str]
    mfa_required: bool
    mfa_verified: bool
    totp_enabled: bool
