"""Device sessions and their rotating refresh tokens.

A session is one sign-in on one device and owns a family of refresh tokens: each refresh spends the
presented token and issues the next. Presenting a spent token means it was copied — the whole family
(the session) is revoked, so neither the thief nor the owner can continue without signing in again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from app.ids import uuid7
from sync.server import audit
from sync.server.auth.models import TokenPair
from sync.server.auth.tokens import AccessClaims, opaque_token
from sync.server.context import ServerContext
from sync.server.db import rows
from sync.server.db.pool import Conn


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    device_id: str
    device_name: str | None
    address: str | None


def _issue_refresh(ctx: ServerContext, conn: Conn, tenant_id: UUID, session_id: UUID) -> str:
    token = opaque_token(tenant_id)
    conn.execute(
        "INSERT INTO refresh_token (tenant_id, token_hash, session_id, expires_at) "
        "VALUES (nullif(current_setting('app.tenant_id', true), '')::uuid, %s, %s, %s)",
        (
            ctx.tokens.digest(token),
            session_id,
            datetime.now(UTC) + timedelta(seconds=ctx.settings.refresh_token_ttl_s),
        ),
    )
    return token


def _pair(ctx: ServerContext, claims: AccessClaims, refresh: str) -> TokenPair:
    return TokenPair(
        access_token=ctx.tokens.access(claims),
        refresh_token=refresh,
        expires_in=ctx.settings.access_token_ttl_s,
        session_id=claims.session_id,
        user_id=claims.user_id,
        tenant_id=claims.tenant_id,
    )


def open_session(
    ctx: ServerContext, conn: Conn, tenant_id: UUID, user_id: UUID, device: DeviceInfo, *, mfa: bool
) -> TokenPair:
    session_id = uuid7()
    conn.execute(
        "INSERT INTO auth_session (tenant_id, id, user_id, device_id, device_name, client_address, mfa) "
        "VALUES (nullif(current_setting('app.tenant_id', true), '')::uuid, %s, %s, %s, %s, %s, %s)",
        (session_id, user_id, device.device_id, device.device_name, device.address, mfa),
    )
    refresh = _issue_refresh(ctx, conn, tenant_id, session_id)
    with rows.sequence(conn) as seq:
        audit.record(
            conn,
            seq,
            actor=user_id,
            action="auth.login",
            entity="auth_session",
            entity_id=session_id,
            after={"device_id": device.device_id, "mfa": mfa, "address": device.address},
            device=device.device_id,
        )
    claims = AccessClaims(
        user_id=user_id, tenant_id=tenant_id, session_id=session_id, device_id=device.device_id, mfa=mfa
    )
    return _pair(ctx, claims, refresh)


class RefreshRefusedError(Exception):
    pass


def rotate(ctx: ServerContext, conn: Conn, tenant_id: UUID, token: str) -> TokenPair:
    """Spend ``token`` and issue the next one; a spent token revokes its session (committed by the caller)."""
    found = conn.execute(
        "SELECT r.session_id, r.used_at, r.expires_at, s.user_id, s.device_id, s.mfa, s.revoked_at, u.active "
        "FROM refresh_token r JOIN auth_session s ON s.tenant_id = r.tenant_id AND s.id = r.session_id "
        "JOIN app_user u ON u.tenant_id = s.tenant_id AND u.id = s.user_id "
        "WHERE r.token_hash = %s FOR UPDATE OF r, s",
        (ctx.tokens.digest(token),),
    ).fetchone()
    if found is None:
        raise RefreshRefusedError("refresh_token: unknown token; sign in again")
    if found["revoked_at"] is not None:
        raise RefreshRefusedError("refresh_token: session ended; sign in again")
    if found["used_at"] is not None:
        revoke(conn, found["session_id"], "refresh token reused", actor=found["user_id"])
        raise RefreshRefusedError(
            "refresh_token: already used; the session was ended for safety, sign in again"
        )
    if found["expires_at"] <= datetime.now(UTC) or not found["active"]:
        raise RefreshRefusedError("refresh_token: expired; sign in again")
    conn.execute(
        "UPDATE refresh_token SET used_at = now() WHERE token_hash = %s", (ctx.tokens.digest(token),)
    )
    conn.execute("UPDATE auth_session SET last_seen_at = now() WHERE id = %s", (found["session_id"],))
    refresh = _issue_refresh(ctx, conn, tenant_id, found["session_id"])
    with rows.sequence(conn) as seq:
        audit.record(
            conn,
            seq,
            actor=found["user_id"],
            action="auth.refresh",
            entity="auth_session",
            entity_id=found["session_id"],
            device=found["device_id"],
        )
    claims = AccessClaims(
        user_id=found["user_id"],
        tenant_id=tenant_id,
        session_id=found["session_id"],
        device_id=found["device_id"],
        mfa=found["mfa"],
    )
    return _pair(ctx, claims, refresh)


def revoke(conn: Conn, session_id: UUID, reason: str, *, actor: UUID | None) -> bool:
    changed = conn.execute(
        "UPDATE auth_session SET revoked_at = now(), revoked_reason = %s "
        "WHERE id = %s AND revoked_at IS NULL",
        (reason, session_id),
    ).rowcount
    if changed:
        with rows.sequence(conn) as seq:
            audit.record(
                conn,
                seq,
                actor=actor,
                action="auth.session_revoked",
                entity="auth_session",
                entity_id=session_id,
                after={"reason": reason},
            )
    return changed > 0


def revoke_all(
    conn: Conn, user_id: UUID, reason: str, *, actor: UUID | None, keep: UUID | None = None
) -> int:
    ids = [
        r["id"]
        for r in conn.execute(
            "SELECT id FROM auth_session "
            "WHERE user_id = %s AND revoked_at IS NULL AND id IS DISTINCT FROM %s",
            (user_id, keep),
        ).fetchall()
    ]
    for session_id in ids:
        revoke(conn, session_id, reason, actor=actor)
    return len(ids)
