"""Sign-in as a series of steps: password → (new password) → (second factor) → session.

Failure paths cost the same as success paths (one bcrypt verification whether or not the address
exists) and answer with the same message, so responses do not reveal which addresses have accounts.
Database changes a failure causes (the failure counter, a lockout) are committed before the error is
raised, by finishing the transaction first and raising afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from app.policy import MFA_REQUIRED_PERMISSIONS
from sync.server import audit
from sync.server.auth import mfa
from sync.server.auth.models import LoginRequest, LoginResponse
from sync.server.auth.passwords import check_strength
from sync.server.auth.principal import permissions_of
from sync.server.auth.sessions import DeviceInfo, open_session
from sync.server.auth.tokens import StepClaims, opaque_token
from sync.server.context import ServerContext
from sync.server.db import rows
from sync.server.db.pool import Conn, normalise_email, set_tenant
from sync.server.errors import ConflictError, InvalidInputError, NotAuthenticatedError
from sync.server.mail import Mail

GENERIC_FAILURE = "email or password not accepted (or the account is temporarily locked)"
MAX_CODE_ATTEMPTS = 5


def credential(conn: Conn, user_id: UUID) -> dict[str, Any]:
    found = conn.execute(
        "SELECT c.*, u.active, u.roles, u.deleted FROM user_credential c "
        "JOIN app_user u ON u.tenant_id = c.tenant_id AND u.id = c.user_id "
        "WHERE c.user_id = %s FOR UPDATE OF c",
        (user_id,),
    ).fetchone()
    if found is None or not found["active"] or found["deleted"]:
        raise NotAuthenticatedError("sign-in: account not available; start again")
    return dict(found)


def _stamp(cred: dict[str, Any]) -> float:
    changed: datetime | None = cred["password_changed_at"]
    return changed.timestamp() if changed else 0.0


def record_failure(ctx: ServerContext, conn: Conn, cred: dict[str, Any], reason: str) -> list[Mail]:
    """Count a failed attempt; the threshold-th one locks the account and tells its owner by e-mail."""
    failures = cred["failed_count"] + 1
    lock = failures >= ctx.settings.lockout_threshold
    conn.execute(
        "UPDATE user_credential SET failed_count = %s, "
        "locked_until = CASE WHEN %s THEN %s ELSE locked_until END "
        "WHERE user_id = %s",
        (
            0 if lock else failures,
            lock,
            datetime.now(UTC) + timedelta(seconds=ctx.settings.lockout_s),
            cred["user_id"],
        ),
    )
    with rows.sequence(conn) as seq:
        audit.record(
            conn,
            seq,
            actor=cred["user_id"],
            action="auth.locked" if lock else "auth.failed",
            entity="app_user",
            entity_id=cred["user_id"],
            after={"reason": reason, "failures": failures},
        )
    if not lock:
        return []
    minutes = ctx.settings.lockout_s // 60
    return [
        Mail(
            to=cred["email"],
            subject=f"{ctx.settings.public_name}: sign-in locked for {minutes} minutes",
            body=f"There were {failures} failed attempts to sign in to your account, so it is locked for "
            f"{minutes} minutes. If this was not you, tell your administrator.",
        )
    ]


def _locked(cred: dict[str, Any]) -> bool:
    until: datetime | None = cred["locked_until"]
    return until is not None and until > datetime.now(UTC)


def next_step(
    ctx: ServerContext, conn: Conn, cred: dict[str, Any], device: DeviceInfo, *, mfa_done: bool
) -> LoginResponse:
    """What the user must do next; opens the session once nothing is left."""
    tenant_id, user_id = cred["tenant_id"], cred["user_id"]

    def step(stage: Any) -> str:
        return ctx.tokens.step(
            StepClaims(
                user_id=user_id,
                tenant_id=tenant_id,
                stage=stage,
                device_id=device.device_id,
                device_name=device.device_name,
                password_stamp=_stamp(cred),
            )
        )

    if cred["must_change_password"]:
        return LoginResponse(status="password_change_required", step_token=step("password_change"))
    if not mfa_done:
        if cred["totp_enabled"]:
            return LoginResponse(
                status="mfa_required", step_token=step("mfa"), mfa_methods=["totp", "email", "backup_code"]
            )
        if permissions_of(conn, cred["roles"]) & MFA_REQUIRED_PERMISSIONS:
            return LoginResponse(status="mfa_enrollment_required", step_token=step("mfa_enroll"))
    tokens = open_session(ctx, conn, tenant_id, user_id, device, mfa=mfa_done)
    return LoginResponse(status="ok", tokens=tokens)


@dataclass
class Outcome:
    response: LoginResponse | None = None
    error: Exception | None = None
    mails: list[Mail] | None = None


def login(ctx: ServerContext, body: LoginRequest, address: str | None) -> Outcome:
    outcome = Outcome(mails=[])
    device = DeviceInfo(body.device_id, body.device_name, address)
    with ctx.db.login_lookup(body.email) as conn:
        query = "SELECT tenant_id, user_id, password_hash FROM user_credential WHERE email = %s"
        params: list[Any] = [normalise_email(body.email)]
        if body.tenant_id is not None:
            query += " AND tenant_id = %s"
            params.append(body.tenant_id)
        candidates = conn.execute(query + " ORDER BY tenant_id LIMIT 5", params).fetchall()
        if not candidates:
            ctx.hasher.verify(body.password, None)
            outcome.error = NotAuthenticatedError(GENERIC_FAILURE)
            return outcome
        accepted: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for candidate in candidates:
            set_tenant(conn, candidate["tenant_id"])
            cred = conn.execute(
                "SELECT c.*, u.active, u.roles, u.deleted FROM user_credential c JOIN app_user u "
                "ON u.tenant_id = c.tenant_id AND u.id = c.user_id WHERE c.user_id = %s FOR UPDATE OF c",
                (candidate["user_id"],),
            ).fetchone()
            if cred is None:
                continue
            good = ctx.hasher.verify(body.password, cred["password_hash"])
            usable = cred["active"] and not cred["deleted"] and not _locked(cred)
            if good and usable:
                accepted.append(dict(cred))
            elif not good:
                failed.append(dict(cred))
        if len(accepted) > 1:
            outcome.error = ConflictError(
                "tenant_id: this e-mail address signs in at several dealerships; choose one",
                field="tenant_id",
            )
            return outcome
        if not accepted:
            for cred in failed:
                set_tenant(conn, cred["tenant_id"])
                assert outcome.mails is not None
                outcome.mails += record_failure(ctx, conn, cred, "wrong password")
            outcome.error = NotAuthenticatedError(GENERIC_FAILURE)
            return outcome
        cred = accepted[0]
        set_tenant(conn, cred["tenant_id"])
        conn.execute(
            "UPDATE user_credential SET failed_count = 0, locked_until = NULL WHERE user_id = %s",
            (cred["user_id"],),
        )
        outcome.response = next_step(ctx, conn, cred, device, mfa_done=False)
    return outcome


def read_step(ctx: ServerContext, conn: Conn, claims: StepClaims) -> dict[str, Any]:
    cred = credential(conn, claims.user_id)
    if abs(_stamp(cred) - claims.password_stamp) > 1e-3:
        raise NotAuthenticatedError("step_token: the password changed since; start signing in again")
    return cred


def set_password(
    ctx: ServerContext,
    conn: Conn,
    cred: dict[str, Any],
    new_password: str,
    *,
    actor: UUID | None,
    action: str,
) -> None:
    try:
        check_strength(new_password, cred["email"])
    except ValueError as exc:
        raise InvalidInputError(str(exc), field="new_password") from None
    if cred["password_hash"] and ctx.hasher.verify(new_password, cred["password_hash"]):
        raise InvalidInputError(
            "new_password: choose a password different from the current one", field="new_password"
        )
    conn.execute(
        "UPDATE user_credential SET password_hash = %s, must_change_password = false, failed_count = 0, "
        "locked_until = NULL, password_changed_at = %s WHERE user_id = %s",
        (ctx.hasher.hash(new_password), datetime.now(UTC), cred["user_id"]),
    )
    with rows.sequence(conn) as seq:
        audit.record(conn, seq, actor=actor, action=action, entity="app_user", entity_id=cred["user_id"])


def store_backup_codes(ctx: ServerContext, conn: Conn, user_id: UUID) -> list[str]:
    codes = mfa.new_backup_codes()
    conn.execute("DELETE FROM backup_code WHERE user_id = %s", (user_id,))
    for code in codes:
        conn.execute(
            "INSERT INTO backup_code (tenant_id, user_id, code_hash) "
            "VALUES (nullif(current_setting('app.tenant_id', true), '')::uuid, %s, %s)",
            (user_id, ctx.tokens.digest(mfa.normalise_backup_code(code))),
        )
    return codes


def check_second_factor(ctx: ServerContext, conn: Conn, cred: dict[str, Any], method: str, code: str) -> bool:
    user_id = cred["user_id"]
    if method == "totp":
        if not cred["totp_enabled"] or not cred["totp_secret"]:
            return False
        step = mfa.match_totp(cred["totp_secret"], code, cred["totp_last_step"])
        if step is None:
            return False
        conn.execute("UPDATE user_credential SET totp_last_step = %s WHERE user_id = %s", (step, user_id))
        return True
    if method == "backup_code":
        used = conn.execute(
            "UPDATE backup_code SET used_at = now() "
            "WHERE user_id = %s AND code_hash = %s AND used_at IS NULL",
            (user_id, ctx.tokens.digest(mfa.normalise_backup_code(code))),
        ).rowcount
        return used == 1
    # e-mailed one-time code: the newest unexpired one, with a small budget of guesses.
    pending = conn.execute(
        "SELECT token_hash, attempts FROM one_time_token WHERE user_id = %s AND purpose = 'mfa_email' "
        "AND used_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
        (user_id,),
    ).fetchone()
    if pending is None:
        return False
    if pending["attempts"] < MAX_CODE_ATTEMPTS and pending["token_hash"] == ctx.tokens.digest(code.strip()):
        conn.execute(
            "UPDATE one_time_token SET used_at = now() WHERE token_hash = %s", (pending["token_hash"],)
        )
        return True
    conn.execute(
        "UPDATE one_time_token SET attempts = attempts + 1 WHERE token_hash = %s", (pending["token_hash"],)
    )
    return False


def new_one_time_token(
    ctx: ServerContext,
    conn: Conn,
    tenant_id: UUID,
    user_id: UUID,
    purpose: str,
    ttl_s: int,
    secret: str | None = None,
) -> str:
    token = secret or opaque_token(tenant_id)
    conn.execute(
        "INSERT INTO one_time_token (tenant_id, token_hash, user_id, purpose, expires_at) "
        "VALUES (nullif(current_setting('app.tenant_id', true), '')::uuid, %s, %s, %s, %s)",
        (ctx.tokens.digest(token), user_id, purpose, datetime.now(UTC) + timedelta(seconds=ttl_s)),
    )
    return token


def spend_one_time_token(ctx: ServerContext, conn: Conn, token: str, purpose: str) -> UUID:
    """The user a valid, unused, unexpired token of ``purpose`` belongs to; marks it used."""
    found = conn.execute(
        "UPDATE one_time_token SET used_at = now() "
        "WHERE token_hash = %s AND purpose = %s AND used_at IS NULL "
        "AND expires_at > now() RETURNING user_id",
        (ctx.tokens.digest(token), purpose),
    ).fetchone()
    if found is None:
        raise InvalidInputError("token: invalid, already used or expired; request a new one", field="token")
    user_id: UUID = found["user_id"]
    return user_id
