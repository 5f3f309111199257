"""Who is calling: bearer token → live session → user → permissions from the one policy module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.policy import BUILTIN_ROLES, Principal
from sync.server.auth.tokens import AccessClaims, InvalidTokenError
from sync.server.context import ServerContext, server_context
from sync.server.db.pool import Conn
from sync.server.errors import ForbiddenError, NotAuthenticatedError

_bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login or /auth/refresh.")


def access_claims(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ctx: Annotated[ServerContext, Depends(server_context)],
) -> AccessClaims:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticatedError("authorization: a bearer access token is required")
    try:
        return ctx.tokens.read_access(credentials.credentials)
    except InvalidTokenError as exc:
        raise NotAuthenticatedError(f"authorization: {exc}") from None


Claims = Annotated[AccessClaims, Depends(access_claims)]


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    claims: AccessClaims
    email: str

    def require(self, permission: str) -> None:
        self.principal.require(permission)


def role_table(conn: Conn) -> dict[str, frozenset[str]]:
    """Built-in roles plus the dealership's own (custom roles are data, checked by the same policy)."""
    table = dict(BUILTIN_ROLES)
    for record in conn.execute("SELECT name, permissions FROM role WHERE NOT deleted").fetchall():
        if record["name"] not in BUILTIN_ROLES and isinstance(record["permissions"], list):
            table[record["name"]] = frozenset(str(p) for p in record["permissions"])
    return table


def permissions_of(conn: Conn, role_names: object) -> frozenset[str]:
    custom = {name: sorted(perms) for name, perms in role_table(conn).items() if name not in BUILTIN_ROLES}
    return _granted(role_names, custom)


def load_caller(
    conn: Conn, claims: AccessClaims, *, allow_without_mfa: bool = False, touch: bool = True
) -> Caller:
    """Check the session is live and the user active, and work out what they may do.

    Runs inside the request's tenant transaction, so a revoked session or a deactivated user is refused
    from the next request on, not when the access token expires.
    """
    # One round trip: the user, their session and the dealership's custom roles.
    found = conn.execute(
        "SELECT u.email, u.roles, u.active, s.revoked_at, "
        "s.last_seen_at < now() - interval '1 minute' AS stale, "
        "(SELECT coalesce(jsonb_object_agg(r.name, r.permissions), '{}'::jsonb) FROM role r "
        " WHERE NOT r.deleted AND NOT r.builtin) AS custom_roles "
        "FROM app_user u JOIN auth_session s ON s.tenant_id = u.tenant_id AND s.user_id = u.id AND s.id = %s "
        "WHERE u.id = %s AND NOT u.deleted",
        (claims.session_id, claims.user_id),
    ).fetchone()
    if found is None or not found["active"] or found["revoked_at"] is not None:
        raise NotAuthenticatedError("authorization: session ended; sign in again")
    if touch and found["stale"]:  # not in read-only transactions (pull)
        conn.execute("UPDATE auth_session SET last_seen_at = now() WHERE id = %s", (claims.session_id,))
    principal = Principal(
        user_id=str(claims.user_id),
        tenant_id=str(claims.tenant_id),
        permissions=_granted(found["roles"], found["custom_roles"]),
    )
    if principal.mfa_required and not claims.mfa and not allow_without_mfa:
        raise ForbiddenError("mfa: your role requires a second factor; sign in again with one")
    return Caller(principal=principal, claims=claims, email=found["email"])


def _granted(role_names: object, custom: object) -> frozenset[str]:
    table = dict(BUILTIN_ROLES)
    if isinstance(custom, dict):
        for name, permissions in custom.items():
            if name not in BUILTIN_ROLES and isinstance(permissions, list):
                table[name] = frozenset(str(p) for p in permissions)
    names = [str(n) for n in role_names] if isinstance(role_names, list) else []
    granted: set[str] = set()
    for name in names:
        granted |= table.get(name, frozenset())
    return frozenset(granted)
