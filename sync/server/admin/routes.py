"""/admin endpoints: users, roles, dealership settings, audit log. Every change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
from psycopg.types.json import Jsonb

from app.ids import uuid7
from app.policy import BUILTIN_ROLES, Permission, validate_permissions
from sync.server import accounts, audit
from sync.server.admin.models import (
    AuditEvent,
    AuditPage,
    CreateRole,
    Dealership,
    InviteUser,
    RoleOut,
    UpdateRole,
    UpdateUser,
    UserOut,
)
from sync.server.auth import flows
from sync.server.auth.principal import Caller, Claims, load_caller, role_table
from sync.server.auth.sessions import revoke_all
from sync.server.clock import server_hlc
from sync.server.context import ServerContext, server_context
from sync.server.db import rows
from sync.server.db.pool import Conn
from sync.server.errors import ConflictError, InvalidInputError, NotFoundError
from sync.server.mail import Mail

router = APIRouter(prefix="/admin", tags=["admin"])
Ctx = Annotated[ServerContext, Depends(server_context)]


def _user_out(record: dict[str, Any]) -> UserOut:
    locked_until: datetime | None = record.get("locked_until")
    return UserOut(
        id=record["id"],
        email=record["email"],
        display_name=record["display_name"],
        roles=[str(r) for r in record["roles"] or []],
        active=bool(record["active"]),
        totp_enabled=bool(record.get("totp_enabled")),
        locked=locked_until is not None and locked_until > datetime.now(locked_until.tzinfo),
    )


_USER_QUERY = (
    "SELECT u.id, u.email, u.display_name, u.roles, u.active, c.totp_enabled, c.locked_until FROM app_user u "
    "LEFT JOIN user_credential c ON c.tenant_id = u.tenant_id AND c.user_id = u.id WHERE NOT u.deleted"
)


def _get_user(conn: Conn, user_id: UUID) -> dict[str, Any]:
    found = conn.execute(_USER_QUERY + " AND u.id = %s", (user_id,)).fetchone()
    if found is None:
        raise NotFoundError("user_id: no such user", field="user_id")
    return dict(found)


def _check_roles(conn: Conn, roles: list[str]) -> list[str]:
    known = role_table(conn)
    unknown = sorted(set(roles) - set(known))
    if unknown:
        raise InvalidInputError(f"roles: unknown role(s) {', '.join(unknown)}", field="roles")
    return sorted(set(roles))


def _write_user(conn: Conn, caller: Caller, user_id: UUID, values: dict[str, Any], action: str) -> UserOut:
    before = _user_out(_get_user(conn, user_id))
    with rows.sequence(conn) as seq:
        rows.update(
            conn,
            "app_user",
            user_id,
            values,
            seq=seq.next(),
            hlc=server_hlc(),
            actor=caller.claims.user_id,
            device=caller.claims.device_id,
        )
        after = _user_out(_get_user(conn, user_id))
        audit.record(
            conn,
            seq,
            actor=caller.claims.user_id,
            action=action,
            entity="app_user",
            entity_id=user_id,
            before=before.model_dump(mode="json"),
            after=after.model_dump(mode="json"),
            device=caller.claims.device_id,
        )
    return after


def _invite_mail(ctx: ServerContext, email: str, token: str) -> Mail:
    days = ctx.settings.invite_token_ttl_s // 86400
    return Mail(
        to=email,
        subject=f"You are invited to {ctx.settings.public_name}",
        body=f"Your dealership added you to {ctx.settings.public_name}. In the app, choose "
        "'Accept invitation' "
        f"and enter this token (valid {days} days, once) with the password you want:\n\n{token}\n",
    )


@router.get("/users", response_model=list[UserOut])
def list_users(claims: Claims, ctx: Ctx) -> list[UserOut]:
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_USERS)
        return [_user_out(r) for r in conn.execute(_USER_QUERY + " ORDER BY u.email").fetchall()]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def invite_user(body: InviteUser, claims: Claims, ctx: Ctx) -> UserOut:
    """Add a user and e-mail them an invitation token to choose their password."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        caller = load_caller(conn, claims)
        caller.require(Permission.ADMIN_USERS)
        roles = _check_roles(conn, list(body.roles))
        with rows.sequence(conn) as seq:
            user_id = accounts.create_user(
                conn,
                seq,
                email=body.email,
                display_name=body.display_name,
                roles=roles,
                password_hash=None,
                must_change_password=False,
                actor=claims.user_id,
            )
        token = flows.new_one_time_token(
            ctx, conn, claims.tenant_id, user_id, "invite", ctx.settings.invite_token_ttl_s
        )
        created = _user_out(_get_user(conn, user_id))
    ctx.mailer.send(_invite_mail(ctx, created.email, token))
    return created


@router.post("/users/{user_id}/invite", status_code=status.HTTP_202_ACCEPTED)
def resend_invite(user_id: UUID, claims: Claims, ctx: Ctx) -> dict[str, str]:
    """Send a fresh invitation token (for a user who has not chosen a password yet)."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_USERS)
        user = _get_user(conn, user_id)
        cred = conn.execute(
            "SELECT password_hash FROM user_credential WHERE user_id = %s", (user_id,)
        ).fetchone()
        if cred is not None and cred["password_hash"] is not None:
            raise ConflictError("user_id: this user has already chosen a password", field="user_id")
        token = flows.new_one_time_token(
            ctx, conn, claims.tenant_id, user_id, "invite", ctx.settings.invite_token_ttl_s
        )
    ctx.mailer.send(_invite_mail(ctx, user["email"], token))
    return {"detail": "invitation sent"}


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: UUID, body: UpdateUser, claims: Claims, ctx: Ctx) -> UserOut:
    """Change a user's name or roles (takes effect on their next request)."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        caller = load_caller(conn, claims)
        caller.require(Permission.ADMIN_USERS)
        _get_user(conn, user_id)
        values: dict[str, Any] = {}
        if body.display_name is not None:
            values["display_name"] = body.display_name
        if body.roles is not None:
            roles = _check_roles(conn, list(body.roles))
            if user_id == claims.user_id and "admin" not in roles:
                raise ConflictError("roles: you cannot remove your own admin role", field="roles")
            values["roles"] = Jsonb(roles)
        if not values:
            return _user_out(_get_user(conn, user_id))
        return _write_user(conn, caller, user_id, values, "user.update")


def _set_active(user_id: UUID, active: bool, claims: Any, ctx: ServerContext) -> UserOut:
    with ctx.db.tenant(claims.tenant_id) as conn:
        caller = load_caller(conn, claims)
        caller.require(Permission.ADMIN_USERS)
        if user_id == claims.user_id:
            raise ConflictError("user_id: you cannot deactivate yourself", field="user_id")
        _get_user(conn, user_id)
        result = _write_user(
            conn, caller, user_id, {"active": active}, "user.activate" if active else "user.deactivate"
        )
        if not active:
            revoke_all(conn, user_id, "deactivated", actor=claims.user_id)
        return result


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
def deactivate_user(user_id: UUID, claims: Claims, ctx: Ctx) -> UserOut:
    """Block a user at once: their sessions end and they cannot sign in."""
    return _set_active(user_id, False, claims, ctx)


@router.post("/users/{user_id}/reactivate", response_model=UserOut)
def reactivate_user(user_id: UUID, claims: Claims, ctx: Ctx) -> UserOut:
    return _set_active(user_id, True, claims, ctx)


def _role_out(record: dict[str, Any]) -> RoleOut:
    return RoleOut(
        id=record["id"],
        name=record["name"],
        permissions=sorted(record["permissions"] or []),
        builtin=bool(record["builtin"]),
    )


def _get_role(conn: Conn, role_id: UUID) -> dict[str, Any]:
    found = conn.execute(
        "SELECT id, name, permissions, builtin FROM role WHERE id = %s AND NOT deleted", (role_id,)
    ).fetchone()
    if found is None:
        raise NotFoundError("role_id: no such role", field="role_id")
    return dict(found)


def _valid_permissions(permissions: list[str]) -> list[str]:
    try:
        return sorted(validate_permissions(permissions))
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="permissions") from None


@router.get("/roles", response_model=list[RoleOut])
def list_roles(claims: Claims, ctx: Ctx) -> list[RoleOut]:
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_ROLES)
        found = conn.execute(
            "SELECT id, name, permissions, builtin FROM role WHERE NOT deleted ORDER BY builtin DESC, name"
        ).fetchall()
        return [_role_out(r) for r in found]


@router.post("/roles", response_model=RoleOut, status_code=status.HTTP_201_CREATED)
def create_role(body: CreateRole, claims: Claims, ctx: Ctx) -> RoleOut:
    """A custom role: a name and a set of permission strings from the policy."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_ROLES)
        permissions = _valid_permissions(list(body.permissions))
        if (
            body.name in BUILTIN_ROLES
            or conn.execute("SELECT 1 FROM role WHERE name = %s", (body.name,)).fetchone()
        ):
            raise ConflictError("name: a role with this name already exists", field="name")
        role_id = _insert_role(conn, claims, body.name, permissions)
        return _role_out(_get_role(conn, role_id))


def _insert_role(conn: Conn, claims: Any, name: str, permissions: list[str]) -> UUID:
    role_id = uuid7()
    with rows.sequence(conn) as seq:
        rows.insert(
            conn,
            "role",
            role_id,
            {"name": name, "permissions": Jsonb(permissions), "builtin": False},
            seq=seq.next(),
            hlc=server_hlc(),
            actor=claims.user_id,
            device=claims.device_id,
        )
        audit.record(
            conn,
            seq,
            actor=claims.user_id,
            action="role.create",
            entity="role",
            entity_id=role_id,
            after={"name": name, "permissions": permissions},
            device=claims.device_id,
        )
    return role_id


@router.patch("/roles/{role_id}", response_model=RoleOut)
def update_role(role_id: UUID, body: UpdateRole, claims: Claims, ctx: Ctx) -> RoleOut:
    """Change a custom role's permissions (built-in roles are fixed)."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_ROLES)
        role = _get_role(conn, role_id)
        if role["builtin"]:
            raise ConflictError(
                "role_id: built-in roles cannot be changed; create a custom role", field="role_id"
            )
        permissions = _valid_permissions(list(body.permissions))
        with rows.sequence(conn) as seq:
            rows.update(
                conn,
                "role",
                role_id,
                {"permissions": Jsonb(permissions)},
                seq=seq.next(),
                hlc=server_hlc(),
                actor=claims.user_id,
                device=claims.device_id,
            )
            audit.record(
                conn,
                seq,
                actor=claims.user_id,
                action="role.update",
                entity="role",
                entity_id=role_id,
                before={"permissions": role["permissions"]},
                after={"permissions": permissions},
                device=claims.device_id,
            )
        return _role_out(_get_role(conn, role_id))


@router.delete("/roles/{role_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_role(role_id: UUID, claims: Claims, ctx: Ctx) -> None:
    """Remove a custom role that no user holds any more."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_ROLES)
        role = _get_role(conn, role_id)
        if role["builtin"]:
            raise ConflictError("role_id: built-in roles cannot be removed", field="role_id")
        holders = conn.execute(
            "SELECT count(*) AS n FROM app_user WHERE NOT deleted AND roles ? %s", (role["name"],)
        ).fetchone()
        if holders and holders["n"]:
            raise ConflictError(f"role_id: {holders['n']} user(s) still hold this role", field="role_id")
        with rows.sequence(conn) as seq:
            # Tombstoned, not erased: desktops learn of the removal by pulling. The name becomes free again.
            rows.update(
                conn,
                "role",
                role_id,
                {"name": f"{role['name']}#deleted#{role_id}"},
                seq=seq.next(),
                hlc=server_hlc(),
                actor=claims.user_id,
                device=claims.device_id,
                deleted=True,
            )
            audit.record(
                conn,
                seq,
                actor=claims.user_id,
                action="role.delete",
                entity="role",
                entity_id=role_id,
                before={"name": role["name"], "permissions": role["permissions"]},
                device=claims.device_id,
            )


def _dealership(conn: Conn, tenant_id: UUID) -> dict[str, Any]:
    found = conn.execute("SELECT * FROM dealership WHERE id = %s", (tenant_id,)).fetchone()
    if found is None:
        raise NotFoundError("dealership: not found")
    return dict(found)


def _dealership_out(record: dict[str, Any]) -> Dealership:
    return Dealership.model_validate(
        {
            **{k: record[k] for k in ("name", "address_line1", "city", "state", "zip", "county", "timezone")},
            "settings": record["settings"] or {},
        }
    )


@router.get("/settings", response_model=Dealership)
def get_settings(claims: Claims, ctx: Ctx) -> Dealership:
    """The dealership's profile and settings, including tax-rate and fee overrides for the calc engine."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_SETTINGS)
        return _dealership_out(_dealership(conn, claims.tenant_id))


@router.put("/settings", response_model=Dealership)
def put_settings(body: Dealership, claims: Claims, ctx: Ctx) -> Dealership:
    """Replace the profile and settings; desktops receive them on their next pull."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.ADMIN_SETTINGS)
        before = _dealership_out(_dealership(conn, claims.tenant_id)).model_dump(mode="json")
        after = body.model_dump(mode="json")
        values: dict[str, Any] = {k: v for k, v in after.items() if k != "settings"}
        values["settings"] = Jsonb(after["settings"])
        changed = {k: v for k, v in values.items() if (v.obj if isinstance(v, Jsonb) else v) != before.get(k)}
        if changed:
            with rows.sequence(conn) as seq:
                rows.update(
                    conn,
                    "dealership",
                    claims.tenant_id,
                    changed,
                    seq=seq.next(),
                    hlc=server_hlc(),
                    actor=claims.user_id,
                    device=claims.device_id,
                )
                audit.record(
                    conn,
                    seq,
                    actor=claims.user_id,
                    action="settings.update",
                    entity="dealership",
                    entity_id=claims.tenant_id,
                    before=before,
                    after=after,
                    device=claims.device_id,
                )
        return _dealership_out(_dealership(conn, claims.tenant_id))


@router.get("/audit", response_model=AuditPage)
def query_audit(
    claims: Claims,
    ctx: Ctx,
    actor_id: UUID | None = None,
    action: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    entity: Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]*$")] = None,
    entity_id: UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Audit events, newest first, filtered; page with `before` = the previous page's `next_cursor`."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims).require(Permission.AUDIT_VIEW)
        clauses: list[str] = ["TRUE"]
        params: list[object] = []
        for column, value in (
            ("actor_id", actor_id),
            ("action", action),
            ("entity", entity),
            ("entity_id", entity_id),
        ):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value)
        if since is not None:
            clauses.append("at >= %s")
            params.append(since)
        if until is not None:
            clauses.append("at < %s")
            params.append(until)
        if before is not None:
            clauses.append("id < %s")
            params.append(before)
        found = conn.execute(
            "SELECT id, at, actor_id, device_id, action, entity, entity_id, before, after FROM audit_event "
            f"WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT %s",
            (*params, limit + 1),
        ).fetchall()
    events = [AuditEvent(**r) for r in found[:limit]]
    return AuditPage(events=events, next_cursor=events[-1].id if len(found) > limit else None)
