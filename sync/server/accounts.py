"""Creating dealerships and user accounts (the rows sign-in needs), shared by the CLI and the admin API."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from psycopg.types.json import Jsonb

from app.ids import uuid7
from app.policy import BUILTIN_ROLES
from sync.server import audit
from sync.server.auth.passwords import PasswordHasher
from sync.server.clock import server_hlc
from sync.server.db import rows
from sync.server.db.pool import Conn, Database, normalise_email
from sync.server.errors import ConflictError, InvalidInputError


@dataclass(frozen=True, slots=True)
class NewTenant:
    tenant_id: UUID
    admin_user_id: UUID
    admin_email: str
    one_time_password: str


def check_email(email: str) -> str:
    value = normalise_email(email)
    local, _, domain = value.partition("@")
    if not local or "." not in domain or len(value) > 254 or any(c.isspace() or c == "\x00" for c in value):
        raise InvalidInputError("email: not a valid e-mail address", field="email")
    return value


def create_user(
    conn: Conn,
    seq: rows.Sequence,
    *,
    email: str,
    display_name: str,
    roles: list[str],
    password_hash: str | None,
    must_change_password: bool,
    actor: UUID | None,
) -> UUID:
    email = check_email(email)
    taken = conn.execute(
        "SELECT 1 FROM app_user WHERE lower(email) = %s AND NOT deleted", (email,)
    ).fetchone()
    if taken:
        raise ConflictError("email: a user with this e-mail address already exists", field="email")
    user_id = uuid7()
    rows.insert(
        conn,
        "app_user",
        user_id,
        {"email": email, "display_name": display_name, "roles": Jsonb(roles), "active": True},
        seq=seq.next(),
        hlc=server_hlc(),
        actor=actor,
        device=None,
    )
    conn.execute(
        "INSERT INTO user_credential (tenant_id, user_id, email, password_hash, must_change_password, "
        "password_changed_at) VALUES (nullif(current_setting('app.tenant_id', true), '')::uuid, "
        "%s, %s, %s, %s, %s)",
        (user_id, email, password_hash, must_change_password, datetime.now(UTC)),
    )
    audit.record(
        conn,
        seq,
        actor=actor,
        action="user.create",
        entity="app_user",
        entity_id=user_id,
        after={"email": email, "display_name": display_name, "roles": roles},
    )
    return user_id


def create_tenant(db: Database, hasher: PasswordHasher, *, name: str, admin_email: str) -> NewTenant:
    """A dealership with its built-in roles and one admin whose password must be changed at first sign-in."""
    name = name.strip()
    if not name or len(name) > 200 or "\x00" in name:
        raise InvalidInputError("name: give the dealership's name (1-200 characters)", field="name")
    email = check_email(admin_email)
    tenant_id = uuid7()
    password = secrets.token_urlsafe(12)
    with db.tenant(tenant_id) as conn:
        conn.execute(
            "INSERT INTO tenant_seq (tenant_id, last_seq, epoch) VALUES (%s, 0, %s)",
            (tenant_id, uuid.uuid4()),
        )
        with rows.sequence(conn) as seq:
            rows.insert(
                conn,
                "dealership",
                tenant_id,
                {"name": name, "settings": Jsonb({})},
                seq=seq.next(),
                hlc=server_hlc(),
                actor=None,
                device=None,
            )
            for role_name, permissions in BUILTIN_ROLES.items():
                rows.insert(
                    conn,
                    "role",
                    uuid7(),
                    {"name": role_name, "permissions": Jsonb(sorted(permissions)), "builtin": True},
                    seq=seq.next(),
                    hlc=server_hlc(),
                    actor=None,
                    device=None,
                )
            user_id = create_user(
                conn,
                seq,
                email=email,
                display_name="Administrator",
                roles=["admin"],
                password_hash=hasher.hash(password),
                must_change_password=True,
                actor=None,
            )
            audit.record(
                conn,
                seq,
                actor=None,
                action="tenant.create",
                entity="dealership",
                entity_id=tenant_id,
                after={"name": name, "admin_email": email},
            )
    return NewTenant(
        tenant_id=tenant_id, admin_user_id=user_id, admin_email=email, one_time_password=password
    )
