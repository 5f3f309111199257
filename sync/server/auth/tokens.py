"""Signed access and step tokens (JWT, HS256) and opaque one-time secrets stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import jwt

_ALGORITHM = "HS256"
_ISSUER = "autolytiq-server"

Stage = Literal["password_change", "mfa", "mfa_enroll"]


class InvalidTokenError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    tenant_id: UUID
    session_id: UUID
    device_id: str
    mfa: bool


@dataclass(frozen=True, slots=True)
class StepClaims:
    """Proof that the password step of a sign-in succeeded; good for the next step only, for minutes."""

    user_id: UUID
    tenant_id: UUID
    stage: Stage
    device_id: str
    device_name: str | None
    # The credential's password_changed_at when issued: a completed password change invalidates the token.
    password_stamp: float


class TokenIssuer:
    def __init__(self, secret: str, access_ttl_s: int, step_ttl_s: int) -> None:
        self._secret = secret
        self._pepper = hashlib.sha256(b"autolytiq-token-hash:" + secret.encode()).digest()
        self.access_ttl_s = access_ttl_s
        self.step_ttl_s = step_ttl_s

    def _encode(self, claims: dict[str, Any], ttl_s: int) -> str:
        now = int(time.time())
        payload = {**claims, "iss": _ISSUER, "iat": now, "exp": now + ttl_s, "jti": secrets.token_hex(8)}
        return jwt.encode(payload, self._secret, algorithm=_ALGORITHM)

    def _decode(self, token: str, typ: str) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                options={"require": ["exp", "iat", "sub", "tid", "typ"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"token: {exc}") from None
        if payload.get("typ") != typ:
            raise InvalidTokenError("token: wrong kind of token")
        return payload

    def access(self, claims: AccessClaims) -> str:
        return self._encode(
            {
                "typ": "access",
                "sub": str(claims.user_id),
                "tid": str(claims.tenant_id),
                "sid": str(claims.session_id),
                "dev": claims.device_id,
                "mfa": claims.mfa,
            },
            self.access_ttl_s,
        )

    def read_access(self, token: str) -> AccessClaims:
        payload = self._decode(token, "access")
        try:
            return AccessClaims(
                user_id=UUID(payload["sub"]),
                tenant_id=UUID(payload["tid"]),
                session_id=UUID(payload["sid"]),
                device_id=str(payload["dev"]),
                mfa=bool(payload["mfa"]),
            )
        except (KeyError, ValueError, TypeError):
            raise InvalidTokenError("token: malformed claims") from None

    def step(self, claims: StepClaims) -> str:
        return self._encode(
            {
                "typ": "step",
                "sub": str(claims.user_id),
                "tid": str(claims.tenant_id),
                "stage": claims.stage,
                "dev": claims.device_id,
                "dname": claims.device_name,
                "pws": claims.password_stamp,
            },
            self.step_ttl_s,
        )

    def read_step(self, token: str, stage: Stage) -> StepClaims:
        payload = self._decode(token, "step")
        if payload.get("stage") != stage:
            raise InvalidTokenError(f"step_token: this sign-in is not at the {stage} step")
        try:
            return StepClaims(
                user_id=UUID(payload["sub"]),
                tenant_id=UUID(payload["tid"]),
                stage=stage,
                device_id=str(payload["dev"]),
                device_name=payload.get("dname"),
                password_stamp=float(payload["pws"]),
            )
        except (KeyError, ValueError, TypeError):
            raise InvalidTokenError("step_token: malformed claims") from None

    def digest(self, secret: str) -> str:
        """Keyed hash under which one-time secrets (refresh, reset, codes) are stored."""
        return hmac.new(self._pepper, secret.encode("utf-8"), hashlib.sha256).hexdigest()


def opaque_token(tenant_id: UUID) -> str:
    """A random secret prefixed with its dealership, so the server knows where to look it up."""
    return f"{tenant_id}.{secrets.token_urlsafe(32)}"


def tenant_of(token: str) -> UUID:
    head, _, rest = token.partition(".")
    if not rest:
        raise InvalidTokenError("token: malformed")
    try:
        return UUID(head)
    except ValueError:
        raise InvalidTokenError("token: malformed") from None
